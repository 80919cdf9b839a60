/* Rule server-errors: a burst of 5xx from one server (default 10 within a
 * minute): overload, maintenance, a failed upstream trunk or database.
 * Critical: many calls or registrations fail at once. Resolves when the
 * server answers again with fewer than a quarter of that rate of 5xx. */
#include "rule_util.h"

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MESSAGE || ev->msg->is_request || ev->msg->status < 200 || !ev->src_peer ||
        ev->retransmission)
        return;
    const sw_sip_msg *m = ev->msg;
    const sw_peer *p = ev->src_peer;
    bool error = m->status >= 500 && m->status < 600;
    if (!error && sw_findings_open_count(ctx->findings, sw_rule_server_errors.id) == 0)
        return;
    char ip[SW_IP_STRLEN], key[64];
    sw_ip_format(&p->ip, ip, sizeof ip);
    rule_printf(key, sizeof key, "%s", ip);
    uint32_t errors = sw_peer_window_sum(p, SW_PEER_ERRORS_5XX, ev->now);
    if (m->status < 500 || m->status >= 600) {
        if (errors * 4 < ctx->cfg->server_errors)
            sw_findings_resolve(ctx->findings, sw_rule_server_errors.id, key, ev->now,
                                "the server answers normally again");
        return;
    }
    if (errors < ctx->cfg->server_errors)
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_server_errors, key, ev->now, &created, &old);
    if (!f)
        return;
    uint32_t finals = sw_peer_window_sum(p, SW_PEER_FINALS_SENT, ev->now);
    f->severity = SW_SEV_CRITICAL;
    f->count = (uint32_t)p->total_5xx;
    f->src = m->src;
    f->dst = m->dst;
    if (ev->flow)
        rule_from_flow(f, ev->flow, &m->src, &m->dst);
    rule_printf(f->summary, sizeof f->summary,
             "%s answered %u of its last-minute final responses (%u) with 5xx, the latest %d %s to %s",
             ip, errors, finals, m->status, m->reason ? m->reason : "",
             sw_sip_method_name((sw_sip_method)m->cseq_method));
    sw_finding_set_number(f, "errors_per_minute", errors);
    sw_finding_set_number(f, "finals_per_minute", finals);
    sw_finding_set_number(f, "last_status", m->status);
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    switch (m->status) {
    case 503:
        rule_append(s, cap, "%s says it cannot serve requests now (503): overloaded, in maintenance, or without "
                            "a route to its own upstream (trunk, registrar, database). Check its load and logs "
                            "and its upstream links; clients should fail over to another server and honour "
                            "Retry-After. ", ip);
        break;
    case 504:
        rule_append(s, cap, "%s timed out waiting for a server behind it (504): check its upstream (trunk, "
                            "DNS, database) and the path to it. ", ip);
        break;
    case 502:
        rule_append(s, cap, "%s got an invalid answer from a server behind it (502): check the next hop. ", ip);
        break;
    default:
        rule_append(s, cap, "%s is failing internally (%d): check its logs for the error behind it. ", ip,
                    m->status);
    }
    rule_append(s, cap, "Many calls or registrations through it fail at once while this lasts.");
    rule_append_reference(s, cap, m->status, m->cseq_method);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_server_errors = {
    .id = "server-errors",
    .severity = SW_SEV_CRITICAL,
    .title = "a burst of 5xx (503, 500 ...) from one server",
    .evaluate = evaluate,
};
