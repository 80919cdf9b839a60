/* Rule ack-missing: a final response to an INVITE that the callee keeps
 * retransmitting because no ACK arrives. For a 2xx it is the classic call
 * that drops after 32 seconds: the callee's UA core re-sends its 2xx until
 * the ACK comes (RFC 3261 §13.3.1.4), over any transport. For a failure
 * (486, 408 ...) the server transaction re-sends it over UDP (timer G) until
 * the hop-by-hop ACK comes: the same routing or NAT fault, on a call that
 * failed anyway. A final response re-sent with no ACK seen for 64*T1 means
 * the ACK is lost, not merely routed past the capture point. At the end of
 * a capture, one already re-sent three times is reported too. Resolves if
 * the ACK arrives late. The advice names the Contact, Record-Route and Via
 * the ACK and the responses travel by. */
#include "rule_util.h"

#include "sipwatch/text.h"

static void suggest_2xx(sw_finding *f, const sw_txn *t, const sw_invite_route *r, const char *caller,
                        const char *callee)
{
    const char *contact = r && r->contact[0] ? r->contact : NULL;
    const char *rr = r && r->record_route[0] ? r->record_route : NULL;
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The caller %s never gets its ACK to the callee %s, so the callee keeps re-sending the %u and "
                "hangs up after 32 s (64*T1). The ACK is sent to the Contact of the %u (%s)%s%s%s, so check, "
                "most likely first: that Contact is a private or unreachable address (NAT: enable the PBX or "
                "SBC's NAT handling so it fixes the Contact); a proxy or SBC that should stay in the path did "
                "not Record-Route; a router's SIP ALG rewrote the messages (turn SIP ALG off); a firewall drops "
                "the caller's traffic to that Contact; or the %u itself never reaches the caller (it goes "
                "back to the INVITE's Via, %s%s). The call itself is set up: audio may even flow until it "
                "drops.",
                caller, callee, t->final_status, t->final_status, contact ? contact : "none was seen",
                rr ? " through the Record-Route " : "", rr ? rr : "", rr ? "" : ", with no Record-Route",
                t->final_status, r && r->via[0] ? r->via : "?",
                r && r->via_rport ? " with rport: the source port it came from" : ", without rport");
}

static void suggest_failure(sw_finding *f, const sw_txn *t, const sw_invite_route *r, const char *caller,
                            const char *callee)
{
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The callee side %s keeps re-sending its %u because the ACK from %s never reaches it. The "
                "call failed anyway (%u), but the same fault breaks answered calls too. For a failure "
                "response the ACK goes hop by hop to where the INVITE went, and the %u goes back to the "
                "INVITE's Via (%s%s). Check, most likely first: the %u does not reach the caller (a private "
                "or wrong Via address, NAT without rport, a firewall dropping the way back); a router's SIP ALG "
                "rewrote the messages (turn SIP ALG off); a firewall drops the caller's ACK.",
                callee, t->final_status, caller, t->final_status, t->final_status, r && r->via[0] ? r->via : "?",
                r && r->via_rport ? ", with rport: it is answered to the source port" : ", without rport",
                t->final_status);
}

static void report(const sw_rule_ctx *ctx, const sw_event *ev, const sw_flow *flow, const sw_txn *t, bool at_end)
{
    char key[200], callee[RULE_EP_LEN], caller[RULE_EP_LEN], t_wait[32];
    rule_printf(key, sizeof key, "%s/ack/%u", flow->call_id, t->cseq);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_ack_missing, key, ev->now, &created, &old);
    if (!f)
        return;
    bool ok = t->final_status < 300;
    const sw_invite_route *r = flow->route;
    sw_endpoint callee_ep = sw_txn_server(flow, t), caller_ep = sw_txn_client(flow, t);
    rule_ep(&callee_ep, callee, sizeof callee);
    rule_ep(&caller_ep, caller, sizeof caller);
    rule_secs(ev->now - t->final_ts, t_wait, sizeof t_wait);
    f->severity = SW_SEV_WARNING;
    f->count = t->finals;
    f->first_seen = t->final_ts;
    rule_from_flow(f, flow, &caller_ep, &callee_ep);
    sw_finding_set_number(f, "status", t->final_status);
    sw_finding_set_number(f, "copies_of_final", t->finals);
    if (ok)
        sw_finding_set_number(f, "copies_of_2xx", t->finals);
    sw_finding_set_number(f, "waited_ms", (long long)((ev->now - t->final_ts) / 1000));
    sw_finding_set_detail(f, "caller", caller);
    sw_finding_set_detail(f, "callee", callee);
    sw_finding_set_detail(f, "contact", r ? r->contact : "");
    sw_finding_set_detail(f, "record_route", r ? r->record_route : "");
    sw_finding_set_detail(f, "invite_via", r ? r->via : "");
    rule_printf(f->summary, sizeof f->summary, "%u to the INVITE from %s was sent %u %s by %s over %s with no ACK "
                "back%s%s", t->final_status, caller, t->finals, sw_plural(t->finals, "time", "times"), callee, t_wait,
                at_end ? " (the capture ended then)" : "", ok ? ": the call drops after 32 s" : "");
    if (ok)
        suggest_2xx(f, t, r, caller, callee);
    else
        suggest_failure(f, t, r, caller, callee);
    rule_append_reference(f->suggestion, sizeof f->suggestion, t->final_status, SW_METHOD_INVITE);
    rule_note_capture_loss(ctx, f);
    sw_findings_commit(ctx->findings, f, created, old);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_flow *flow = ev->flow;
    if (!flow)
        return;
    if (ev->kind == SW_EVENT_MESSAGE) {
        const sw_sip_msg *m = ev->msg;
        if (m->is_request && m->method == SW_METHOD_ACK &&
            sw_findings_open_count(ctx->findings, sw_rule_ack_missing.id)) {
            char key[200];
            rule_printf(key, sizeof key, "%s/ack/%u", flow->call_id, m->cseq);
            sw_findings_resolve(ctx->findings, sw_rule_ack_missing.id, key, ev->now, "the ACK arrived late");
        }
        return;
    }
    for (unsigned i = 0; i < flow->ntxns; i++) {
        const sw_txn *t = &flow->txns[i];
        if (!sw_txn_awaits_ack(t))
            continue;
        if (ev->kind == SW_EVENT_DEADLINE && t->final_ts + ctx->corr->txn_timeout <= ev->now && t->finals >= 2)
            report(ctx, ev, flow, t, false);
        else if (ev->kind == SW_EVENT_FLOW_END && ev->end == SW_END_CAPTURE && t->finals >= 3)
            report(ctx, ev, flow, t, true);
    }
}

const sw_rule sw_rule_ack_missing = {
    .id = "ack-missing",
    .severity = SW_SEV_WARNING,
    .title = "a final response to an INVITE is re-sent because no ACK arrives (a 2xx: the call drops after 32 s)",
    .evaluate = evaluate,
};
