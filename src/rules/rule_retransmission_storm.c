/* Rule retransmission-storm: one source retransmits many requests (default
 * 50 retransmitted requests within a minute): its requests or the answers
 * are being lost, and the retransmissions add load just when a server is
 * struggling. Copies seen twice by the capture (a second capture point) are
 * not retransmissions. Resolves when the rate falls below a quarter of the
 * threshold. */
#include "rule_util.h"

#include "sipwatch/text.h"

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MESSAGE || !ev->msg->is_request || !ev->src_peer)
        return;
    const sw_peer *p = ev->src_peer;
    bool storming = ev->retransmission && !ev->duplicate;
    if (!storming && sw_findings_open_count(ctx->findings, sw_rule_retransmission_storm.id) == 0)
        return;
    char ip[SW_IP_STRLEN], key[64];
    sw_ip_format(&p->ip, ip, sizeof ip);
    rule_printf(key, sizeof key, "%s", ip);
    uint32_t n = sw_peer_window_sum(p, SW_PEER_RETRANSMISSIONS, ev->now);
    if (!storming) {
        if (n * 4 < ctx->cfg->storm_retransmissions)
            sw_findings_resolve(ctx->findings, sw_rule_retransmission_storm.id, key, ev->now,
                                "retransmissions fell back to a normal rate");
        return;
    }
    if (n < ctx->cfg->storm_retransmissions)
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_retransmission_storm, key, ev->now, &created, &old);
    if (!f)
        return;
    uint32_t sent = sw_peer_window_sum(p, SW_PEER_REQUESTS_SENT, ev->now);
    char dst[RULE_EP_LEN];
    rule_ep(&ev->msg->dst, dst, sizeof dst);
    f->severity = SW_SEV_WARNING;
    f->count = n > f->count ? n : f->count;
    f->src.ip = p->ip;
    f->dst = ev->msg->dst;
    if (ev->flow)
        rule_from_flow(f, ev->flow, &ev->msg->src, &ev->msg->dst);
    rule_printf(f->summary, sizeof f->summary,
             "%s retransmitted %u requests in the last minute (%u new %s), the latest %s to %s",
             ip, n, sent, sw_plural(sent, "request", "requests"), ev->msg->method_name ? ev->msg->method_name : "?", dst);
    sw_finding_set_number(f, "retransmissions_per_minute", n);
    sw_finding_set_number(f, "new_requests_per_minute", sent);
    sw_finding_set_detail(f, "last_destination", dst);
    rule_printf(f->suggestion, sizeof f->suggestion,
             "%s is not getting answers in time, so it keeps re-sending. Check whether its destinations (latest: "
             "%s) are up and reachable, whether answers are lost on the way back (NAT bindings that expire, "
             "asymmetric routing, a firewall dropping replies), and whether large UDP messages are being "
             "fragmented and dropped (use TCP). Retransmissions multiply the load on a server that is already "
             "in trouble.",
             ip, dst);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_retransmission_storm = {
    .id = "retransmission-storm",
    .severity = SW_SEV_WARNING,
    .title = "one source retransmits many requests: its requests or the answers are being lost",
    .evaluate = evaluate,
};
