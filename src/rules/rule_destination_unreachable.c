/* Rule destination-unreachable: SIP requests came back inside ICMP
 * destination-unreachable errors. "Port unreachable" from the target means
 * nothing listens at that address and port (a stopped service, the wrong
 * port, a phone whose NAT binding expired); "host" or "network unreachable"
 * from a router means no way there; "administratively prohibited" is a
 * firewall that rejects. A better diagnosis than the transaction timeout
 * that follows, which this rule replaces for those requests. One finding
 * per destination (address, port), critical from txn_timeout_critical
 * errors. A scanner's probes that meet a firewall are not reported: that
 * is the firewall doing its job. Resolves when the destination answers SIP
 * again. */
#include "rule_util.h"

#include "sipwatch/text.h"

#include <string.h>

static void note_method(sw_finding *f, const sw_sip_msg *m)
{
    const char *method = m->is_request ? (m->method_name ? m->method_name : "?") : "?";
    char methods[256] = "";
    const char *known = rule_detail_text(f, "methods");
    if (known)
        snprintf(methods, sizeof methods, "%s", known);
    char padded[300];
    snprintf(padded, sizeof padded, ", %s,", methods);
    char needle[40];
    snprintf(needle, sizeof needle, ", %s,", method);
    if (strstr(padded, needle))
        return;
    rule_append(methods, sizeof methods, "%s%s", methods[0] ? ", " : "", method);
    sw_finding_set_detail(f, "methods", methods);
}

static void suggest(sw_finding *f, sw_unreachable why, const char *target, const char *reporter, bool from_target)
{
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    switch (why) {
    case SW_UNREACH_PORT:
        rule_append(s, cap, "%s answered that nothing listens on that UDP port. Check, most likely first: the SIP "
                            "service at %s is running and bound to that address and port (a service bound to "
                            "another address or to TCP only answers the same way); the address and port the "
                            "requests use are right (a DNS SRV record, a trunk or peer setting with an old port); ",
                    from_target ? "The destination" : reporter, target);
        if (!from_target)
            rule_append(s, cap, "the ICMP error came from %s, not from the target: most often a NAT router whose "
                                "binding for a phone behind it expired, so the phone's registered Contact no "
                                "longer reaches it (shorten the phone's registration or keep-alive interval, or "
                                "use a shorter NAT ping from the PBX); ",
                        reporter);
        rule_append(s, cap, "the device was restarted on another port.");
        break;
    case SW_UNREACH_PROHIBITED:
        rule_append(s, cap, "A firewall (%s) rejects the traffic to %s with 'administratively prohibited': open "
                            "SIP from this source on it, or correct the rule.", reporter, target);
        break;
    default:
        rule_append(s, cap, "%s reports that %s cannot be reached (%s): check the route to it, that the host is up "
                            "and on that address, and what DNS resolves its name to.",
                    reporter, target, sw_unreachable_name(why));
        break;
    }
}

static void on_unreachable(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_sip_msg *m = ev->msg;
    char source_ip[SW_IP_STRLEN];
    sw_ip_format(&m->src.ip, source_ip, sizeof source_ip);
    const sw_finding *scan = sw_findings_find(ctx->findings, "scanner", source_ip);
    if (scan && scan->state == SW_FINDING_OPEN)
        return;                     /* a scanner's probes meeting a firewall: no fault of ours */
    char target[RULE_EP_LEN], client[RULE_EP_LEN], reporter[SW_IP_STRLEN], key[200];
    rule_ep(&m->dst, target, sizeof target);
    rule_ep(&m->src, client, sizeof client);
    sw_ip_format(ev->reporter, reporter, sizeof reporter);
    rule_printf(key, sizeof key, "%s", target);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_destination_unreachable, key, ev->now, &created, &old);
    if (!f)
        return;
    bool from_target = sw_ip_equal(ev->reporter, &m->dst.ip);
    f->count++;
    f->severity = f->count >= ctx->cfg->txn_timeout_critical ? SW_SEV_CRITICAL : SW_SEV_WARNING;
    if (created) {
        f->src = m->src;
        f->dst = m->dst;
        if (ev->flow)
            rule_from_flow(f, ev->flow, &m->src, &m->dst);
    } else if (ev->flow) {
        rule_take_evidence(f, ev->flow);
    }
    note_method(f, m);
    sw_finding_set_detail(f, "destination", target);
    sw_finding_set_detail(f, "icmp", sw_unreachable_name((sw_unreachable)ev->unreachable));
    sw_finding_set_detail(f, "reported_by", reporter);
    sw_finding_set_number(f, "icmp_errors", f->count);
    const char *methods = rule_detail_text(f, "methods");
    if (!methods)
        methods = "";
    if (ev->unreachable == SW_UNREACH_PORT)
        rule_printf(f->summary, sizeof f->summary,
                    "nothing listens at %s (UDP): %u %s from %s came back as ICMP port unreachable%s%s",
                    target, f->count, sw_plural(f->count, "request", "requests"), client,
                    from_target ? "" : ", reported by ", from_target ? "" : reporter);
    else
        rule_printf(f->summary, sizeof f->summary, "%s cannot be reached: %u %s from %s came back as ICMP %s from %s",
                    target, f->count, sw_plural(f->count, "request", "requests"), client,
                    sw_unreachable_name((sw_unreachable)ev->unreachable), reporter);
    rule_append(f->summary, sizeof f->summary, " (%s)", methods);
    suggest(f, (sw_unreachable)ev->unreachable, target, reporter, from_target);
    sw_findings_commit(ctx->findings, f, created, old);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind == SW_EVENT_UNREACHABLE) {
        on_unreachable(ctx, ev);
        return;
    }
    if (ev->kind != SW_EVENT_MESSAGE || ev->msg->is_request ||
        !sw_findings_open_count(ctx->findings, sw_rule_destination_unreachable.id))
        return;
    char key[RULE_EP_LEN];
    rule_ep(&ev->msg->src, key, sizeof key);
    sw_findings_resolve(ctx->findings, sw_rule_destination_unreachable.id, key, ev->now,
                        "the destination answers SIP again");
}

const sw_rule sw_rule_destination_unreachable = {
    .id = "destination-unreachable",
    .severity = SW_SEV_WARNING,
    .title = "SIP requests came back in ICMP unreachable errors: nothing listens there, or no way there",
    .evaluate = evaluate,
};
