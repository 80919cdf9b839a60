/* Rule transaction-timeout: a request that got no final response within
 * 64*T1 (32 s): a dead registrar, a black-holed INVITE, a route that leads
 * nowhere. One finding per server and method ("REGISTER to 10.0.0.1:5060"),
 * counting the transactions, so a dead registrar with a thousand phones is
 * one problem, critical from txn_timeout_critical timeouts. An INVITE that
 * got a provisional response is ringing, not timing out. At the end of a
 * capture, a request still unanswered after several retransmissions is
 * reported too. Resolves when that server answers that method again. */
#include "rule_util.h"

static void report(const sw_rule_ctx *ctx, const sw_event *ev, const sw_flow *flow, const sw_txn *t, bool at_end)
{
    char server[RULE_EP_LEN], client[RULE_EP_LEN], key[200], t_wait[32];
    rule_ep(&t->server, server, sizeof server);
    rule_ep(&t->client, client, sizeof client);
    const char *method = sw_sip_method_name((sw_sip_method)t->method);
    rule_printf(key, sizeof key, "%s/%s", server, method);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_transaction_timeout, key, ev->now, &created, &old);
    if (!f)
        return;
    sw_time_us waited = ev->now - t->first_ts;
    rule_secs(waited, t_wait, sizeof t_wait);
    f->count++;
    if (created)
        f->first_seen = t->first_ts;
    bool weak = at_end && waited < ctx->corr->txn_timeout;
    sw_severity sev = f->count >= ctx->cfg->txn_timeout_critical ? SW_SEV_CRITICAL : SW_SEV_WARNING;
    if (weak && created)
        sev = t->requests >= 4 ? SW_SEV_WARNING : SW_SEV_INFO;
    if (created || sev > f->severity)
        f->severity = sev;
    rule_from_flow(f, flow, &t->client, &t->server);
    sw_finding_set_detail(f, "method", method);
    sw_finding_set_detail(f, "server", server);
    sw_finding_set_number(f, "timeouts", f->count);
    sw_finding_set_number(f, "retransmissions", t->requests ? t->requests - 1 : 0);
    sw_finding_set_bool(f, "provisional_seen", t->provisional != 0);
    rule_printf(f->summary, sizeof f->summary,
             "%s to %s got no final response in %s (%u request%s from %s, %u copies of the last%s); %u "
             "transaction%s timed out on this server",
             method, server, t_wait, 1u, "", client, t->requests,
             at_end && weak ? ", the capture ended then" : "", f->count, f->count == 1 ? "" : "s");
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    if (t->provisional)
        rule_append(s, cap, "The server %s answered %u but never sent a final response. ", server, t->provisional);
    else
        rule_append(s, cap, "Nothing came back from %s at all%s. ", server,
                    t->requests > 1 ? ": the client retransmitted and gave up" : "");
    rule_append(s, cap,
                "Check, in this order: is the server at %s up and listening on that port and transport; does "
                "a firewall or security group between %s and it drop the traffic (or the responses on their "
                "way back: compare with a capture on the server); is the request too large for UDP (fragments "
                "dropped: switch that leg to TCP); is the server overloaded. ",
                server, client);
    if (t->method == SW_METHOD_REGISTER)
        rule_append(s, cap, "Phones whose registrations time out go unreachable when their binding expires.");
    else if (t->method == SW_METHOD_INVITE)
        rule_append(s, cap, "An INVITE with no answer at all is a black-holed call: the caller hears silence "
                            "until it gives up.");
    rule_append_reference(s, cap, 408);
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
        if (!m->is_request && m->status >= 200 && !ev->retransmission && ev->txn &&
            sw_findings_open_count(ctx->findings, sw_rule_transaction_timeout.id)) {
            char server[RULE_EP_LEN], key[200];
            rule_ep(&ev->txn->server, server, sizeof server);
            rule_printf(key, sizeof key, "%s/%s", server, sw_sip_method_name((sw_sip_method)m->cseq_method));
            sw_findings_resolve(ctx->findings, sw_rule_transaction_timeout.id, key, ev->now,
                                "the server answered this method again");
        }
        return;
    }
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++) {
        const sw_txn *t = &flow->txns[i];
        if (!sw_txn_awaits_final(t))
            continue;
        if (ev->kind == SW_EVENT_DEADLINE && t->first_ts + ctx->corr->txn_timeout <= ev->now)
            report(ctx, ev, flow, t, false);
        else if (ev->kind == SW_EVENT_FLOW_END && ev->end == SW_END_CAPTURE &&
                 ev->now - t->first_ts >= ctx->cfg->settle_grace * 2 && t->requests >= 3)
            report(ctx, ev, flow, t, true);
    }
}

const sw_rule sw_rule_transaction_timeout = {
    .id = "transaction-timeout",
    .severity = SW_SEV_WARNING,
    .title = "a request got no final response within 64*T1 (dead server, black-holed request)",
    .evaluate = evaluate,
};
