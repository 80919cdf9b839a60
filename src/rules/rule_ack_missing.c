/* Rule ack-missing: a 2xx to an INVITE that the callee keeps retransmitting
 * because no ACK arrives: the classic call that drops after 32 seconds.
 * The callee's UA core re-sends its 2xx until the ACK comes (RFC 3261
 * §13.3.1.4), over any transport, so a retransmitted 2xx with no ACK seen
 * for 64*T1 means the ACK is lost, not merely routed past the capture
 * point. At the end of a capture, a 2xx already re-sent three times without
 * an ACK is reported too. Resolves if the ACK arrives late. */
#include "rule_util.h"

static void report(const sw_rule_ctx *ctx, const sw_event *ev, const sw_flow *flow, const sw_txn *t, bool at_end)
{
    char key[200], callee[RULE_EP_LEN], caller[RULE_EP_LEN], t_wait[32];
    rule_printf(key, sizeof key, "%s/ack/%u", flow->call_id, t->cseq);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_ack_missing, key, ev->now, &created, &old);
    if (!f)
        return;
    rule_ep(&t->server, callee, sizeof callee);
    rule_ep(&t->client, caller, sizeof caller);
    rule_secs(ev->now - t->final_ts, t_wait, sizeof t_wait);
    f->severity = SW_SEV_WARNING;
    f->count = t->finals;
    f->first_seen = t->final_ts;
    rule_from_flow(f, flow, &t->client, &t->server);
    sw_finding_set_number(f, "status", t->final_status);
    sw_finding_set_number(f, "copies_of_2xx", t->finals);
    sw_finding_set_number(f, "waited_ms", (long long)((ev->now - t->final_ts) / 1000));
    sw_finding_set_detail(f, "caller", caller);
    sw_finding_set_detail(f, "callee", callee);
    rule_printf(f->summary, sizeof f->summary,
                "%u OK to the INVITE from %s was sent %u times by %s over %s with no ACK back%s: the call "
                "drops after 32 s",
                t->final_status, caller, t->finals, callee, t_wait, at_end ? " (the capture ended then)" : "");
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The caller %s never gets its ACK to the callee %s, so the callee keeps re-sending the %u and "
                "hangs up after 32 s (64*T1). The ACK is sent to the Contact of the %u (or along its "
                "Record-Route set), so check, most likely first: the Contact in the %u is a private or "
                "unreachable address (NAT: enable the PBX/SBC's NAT handling so it fixes the Contact); a "
                "proxy or SBC that should stay in the path did not Record-Route; a router's SIP ALG rewrote "
                "the messages (turn SIP ALG off); a firewall drops the caller's traffic to that Contact. "
                "The call itself is set up: audio may even flow until it drops.",
                caller, callee, t->final_status, t->final_status, t->final_status);
    rule_append_reference(f->suggestion, sizeof f->suggestion, t->final_status);
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
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++) {
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
    .title = "a 2xx to an INVITE is re-sent because no ACK arrives: the call drops after 32 s",
    .evaluate = evaluate,
};
