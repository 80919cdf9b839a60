/* Rule transaction-timeout: a request that got no final response within
 * 64*T1 (32 s): a dead registrar, a black-holed INVITE, a route that leads
 * nowhere. One finding per server and method ("REGISTER to 10.0.0.1:5060"),
 * counting the transactions, so a dead registrar with a thousand phones is
 * one problem, critical from txn_timeout_critical timeouts. An INVITE that
 * got a provisional response is ringing, not timing out. A request still
 * unanswered when the capture ends, before its timer ran out, is not yet a
 * timeout: it is reported apart, as info, with how long it waited. Resolves
 * when that server answers that method again. */
#include "rule_util.h"

#include "sipwatch/text.h"

#include <string.h>

/* What the server did send on this call, for "nothing came back" to be
 * true: "100 and 408 to the INVITE", or "" when it sent nothing at all. */
static void answers_seen(const sw_flow *flow, const sw_txn *t, char *buf, size_t n)
{
    buf[0] = '\0';
    for (unsigned i = 0; i < flow->ntxns; i++) {
        const sw_txn *o = &flow->txns[i];
        if (o == t || (!o->provisional && !o->final_status))
            continue;
        sw_endpoint os = sw_txn_server(flow, o), ts = sw_txn_server(flow, t);
        if (!sw_ip_equal(&os.ip, &ts.ip))
            continue;
        char codes[32] = "";
        if (o->provisional && o->final_status)
            snprintf(codes, sizeof codes, "%u and %u", o->provisional, o->final_status);
        else
            snprintf(codes, sizeof codes, "%u", o->provisional ? o->provisional : o->final_status);
        rule_append(buf, n, "%s%s to the %s", buf[0] ? ", " : "", codes,
                    sw_sip_method_name((sw_sip_method)o->method));
    }
}

static void suggest(sw_finding *f, const sw_flow *flow, const sw_txn *t, const char *server, const char *client)
{
    char *s = f->suggestion, others[160];
    size_t cap = sizeof f->suggestion;
    const char *method = sw_sip_method_name((sw_sip_method)t->method);
    s[0] = '\0';
    answers_seen(flow, t, others, sizeof others);
    if (t->provisional)
        rule_append(s, cap, "The server %s answered %u but never sent a final response. ", server, t->provisional);
    else if (others[0])
        rule_append(s, cap, "No response to the %s came back, though %s did answer other requests of this call "
                            "(%s): it is up and reachable, and ignores this %s. ",
                    method, server, others, method);
    else
        rule_append(s, cap, "Nothing came back from %s at all%s. ", server,
                    t->requests > 1 ? ": the client retransmitted and gave up" : "");
    if (t->method == SW_METHOD_CANCEL && others[0]) {
        rule_append(s, cap, "A CANCEL must always be answered: 200, or 481 when the INVITE transaction is already "
                            "over (as after a final response). A server that stays silent is not RFC 3261 "
                            "compliant; the caller retransmits the CANCEL for 32 s, but the call itself has "
                            "already ended, so this is usually harmless. Report it to the server's vendor.");
        rule_append_reference(s, cap, 481, t->method);
        return;
    }
    rule_append(s, cap, "Check, in this order: is the server at %s up and listening on that port and transport; "
                        "does a firewall or security group between %s and it drop the traffic (or the responses "
                        "on their way back: compare with a capture on the server); ",
                server, client);
    if (t->transport == SW_TRANSPORT_UDP)
        rule_append(s, cap, "is the request too large for UDP (fragments dropped: switch that leg to TCP); ");
    else
        rule_append(s, cap, "is the %s connection to it still alive (a NAT or firewall that drops idle "
                            "connections silently: enable keep-alives); ",
                    sw_transport_name((sw_transport)t->transport));
    rule_append(s, cap, "is the server overloaded. ");
    if (t->method == SW_METHOD_REGISTER)
        rule_append(s, cap, "Phones whose registrations time out go unreachable when their binding expires.");
    else if (t->method == SW_METHOD_INVITE)
        rule_append(s, cap, "An INVITE with no answer at all is a black-holed call: the caller hears silence "
                            "until it gives up.");
    rule_append_reference(s, cap, 408, t->method);
}

/* The per-server finding for `method` to `server` (a separate one for
 * requests still open at the end of the capture), its words filled by the
 * caller; NULL when the store is out of memory. */
static sw_finding *timeout_finding(const sw_rule_ctx *ctx, const sw_event *ev, const char *server, uint8_t method,
                                   bool open_at_end, bool *created, sw_severity *old)
{
    char key[200];
    rule_printf(key, sizeof key, "%s/%s%s", server, sw_sip_method_name((sw_sip_method)method),
                open_at_end ? "/open-at-end" : "");
    return rule_finding(ctx, &sw_rule_transaction_timeout, key, ev->now, created, old);
}

/* A real timeout (its timer ran out), or a request still open at the end of the capture. */
static void report(const sw_rule_ctx *ctx, const sw_event *ev, const sw_flow *flow, const sw_txn *t, bool open_at_end)
{
    char server[RULE_EP_LEN], client[RULE_EP_LEN], t_wait[32], t_limit[32];
    sw_endpoint server_ep = sw_txn_server(flow, t), client_ep = sw_txn_client(flow, t);
    rule_ep(&server_ep, server, sizeof server);
    rule_ep(&client_ep, client, sizeof client);
    const char *method = sw_sip_method_name((sw_sip_method)t->method);
    bool created;
    sw_severity old;
    sw_finding *f = timeout_finding(ctx, ev, server, t->method, open_at_end, &created, &old);
    if (!f)
        return;
    sw_time_us waited = ev->now - t->first_ts;
    rule_secs(waited, t_wait, sizeof t_wait);
    rule_secs(ctx->corr->txn_timeout, t_limit, sizeof t_limit);
    f->count++;
    if (created)
        f->first_seen = t->first_ts;
    sw_severity sev = f->count >= ctx->cfg->txn_timeout_critical ? SW_SEV_CRITICAL : SW_SEV_WARNING;
    f->severity = open_at_end ? SW_SEV_INFO : created || sev > f->severity ? sev : f->severity;
    rule_from_flow(f, flow, &client_ep, &server_ep);
    sw_finding_set_detail(f, "method", method);
    sw_finding_set_detail(f, "server", server);
    sw_finding_set_number(f, "timeouts", f->count);
    sw_finding_set_number(f, "retransmissions", t->requests ? t->requests - 1 : 0);
    sw_finding_set_bool(f, "provisional_seen", t->provisional != 0);
    sw_finding_set_bool(f, "open_at_end_of_capture", open_at_end);
    sw_finding_set_number(f, "waited_ms", (long long)(waited / 1000));
    if (open_at_end)
        rule_printf(f->summary, sizeof f->summary,
                    "%s to %s had no final response yet when the capture ended, %s after it was sent (sent %u %s "
                    "from %s): not yet a timeout, which is declared after %s",
                    method, server, t_wait, t->requests, sw_plural(t->requests, "time", "times"), client, t_limit);
    else
        rule_printf(f->summary, sizeof f->summary,
                    "%s to %s got no final response in %s (sent %u %s from %s); %u %s timed out on this server",
                    method, server, t_wait, t->requests, sw_plural(t->requests, "time", "times"), client, f->count,
                    sw_plural(f->count, "transaction", "transactions"));
    suggest(f, flow, t, server, client);
    if (open_at_end)
        rule_append(f->suggestion, sizeof f->suggestion,
                    " The capture ended before the %s timer ran out: capture longer to tell a slow answer from "
                    "none.", t_limit);
    rule_note_capture_loss(ctx, f);
    sw_findings_commit(ctx->findings, f, created, old);
}

/* Transactions whose flows were evicted (flows.max under a flood) while
 * waiting: judged in aggregate, into the same per-server finding. */
static void report_orphans(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_orphan *o = ev->orphan;
    bool open_at_end = ev->end == SW_END_CAPTURE;
    sw_time_us waited = ev->now - o->judged_first_ts;
    if (open_at_end && waited < ctx->cfg->settle_grace * 2)
        return;
    char server[RULE_EP_LEN], t_wait[32], t_limit[32];
    rule_ep(&o->server, server, sizeof server);
    const char *method = sw_sip_method_name((sw_sip_method)o->method);
    bool created;
    sw_severity old;
    sw_finding *f = timeout_finding(ctx, ev, server, o->method, open_at_end, &created, &old);
    if (!f)
        return;
    rule_secs(waited, t_wait, sizeof t_wait);
    rule_secs(ctx->corr->txn_timeout, t_limit, sizeof t_limit);
    f->count += o->judged;
    if (created) {
        f->first_seen = o->judged_first_ts;
        f->src = o->client;
        f->dst = o->server;
        sw_copy_cut(f->call_id, sizeof f->call_id, o->call_id);
    }
    sw_severity sev = f->count >= ctx->cfg->txn_timeout_critical ? SW_SEV_CRITICAL : SW_SEV_WARNING;
    f->severity = open_at_end ? SW_SEV_INFO : created || sev > f->severity ? sev : f->severity;
    uint32_t aggregate = (uint32_t)rule_detail_number(f, "tracked_in_aggregate") + o->judged;
    sw_finding_set_detail(f, "method", method);
    sw_finding_set_detail(f, "server", server);
    sw_finding_set_number(f, "timeouts", f->count);
    sw_finding_set_number(f, "tracked_in_aggregate", aggregate);
    sw_finding_set_bool(f, "open_at_end_of_capture", open_at_end);
    if (open_at_end)
        rule_printf(f->summary, sizeof f->summary,
                    "%s to %s: %u %s still had no final response when the capture ended (the oldest sent %s "
                    "before), followed in aggregate because flows.max was reached",
                    method, server, aggregate, sw_plural(aggregate, "request", "requests"), t_wait);
    else
        rule_printf(f->summary, sizeof f->summary,
                    "%s to %s got no final response within %s for %u %s; %u of them were followed in aggregate "
                    "because flows.max was reached (their Call-IDs had to be forgotten)",
                    method, server, t_limit, f->count, sw_plural(f->count, "request", "requests"), aggregate);
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    rule_append(s, cap, "So many new Call-IDs arrived that sipwatch had to forget the oldest before their %s "
                        "timer ran out (raise flows.max to follow each one), and %s sent no answer for them. A "
                        "server that stops answering under a flood of requests is overloaded or dead: check it "
                        "first. If the flood itself is not legitimate traffic (a scanner, a looping proxy, a "
                        "misbehaving trunk), rate-limit or block its source.",
                t_limit, server);
    rule_append_reference(s, cap, 408, o->method);
    rule_note_capture_loss(ctx, f);
    sw_findings_commit(ctx->findings, f, created, old);
}

static void resolve_on_answer(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_sip_msg *m = ev->msg;
    if (m->is_request || m->status < 200 || ev->retransmission || !ev->txn ||
        !sw_findings_open_count(ctx->findings, sw_rule_transaction_timeout.id))
        return;
    char server[RULE_EP_LEN], key[200];
    sw_endpoint server_ep = sw_txn_server(ev->flow, ev->txn);
    rule_ep(&server_ep, server, sizeof server);
    rule_printf(key, sizeof key, "%s/%s", server, sw_sip_method_name((sw_sip_method)m->cseq_method));
    sw_findings_resolve(ctx->findings, sw_rule_transaction_timeout.id, key, ev->now,
                        "the server answered this method again");
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind == SW_EVENT_ORPHANS) {
        report_orphans(ctx, ev);
        return;
    }
    const sw_flow *flow = ev->flow;
    if (!flow)
        return;
    if (ev->kind == SW_EVENT_MESSAGE) {
        resolve_on_answer(ctx, ev);
        return;
    }
    for (unsigned i = 0; i < flow->ntxns; i++) {
        const sw_txn *t = &flow->txns[i];
        if (!sw_txn_awaits_final(t) || t->unreachable)
            continue;               /* ICMP said why: destination-unreachable reports it */
        sw_time_us waited = ev->now - t->first_ts;
        if (ev->kind == SW_EVENT_DEADLINE && waited >= ctx->corr->txn_timeout)
            report(ctx, ev, flow, t, false);
        else if (ev->kind == SW_EVENT_FLOW_END && ev->end == SW_END_CAPTURE && waited >= ctx->cfg->settle_grace * 2 &&
                 (t->requests >= 3 || t->transport != SW_TRANSPORT_UDP))
            report(ctx, ev, flow, t, waited < ctx->corr->txn_timeout);
    }
}

const sw_rule sw_rule_transaction_timeout = {
    .id = "transaction-timeout",
    .severity = SW_SEV_WARNING,
    .title = "a request got no final response within 64*T1 (dead server, black-holed request)",
    .evaluate = evaluate,
};
