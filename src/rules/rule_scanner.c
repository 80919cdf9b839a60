/* Rule scanner: a source that probes the service rather than using it: a
 * known scanning tool's User-Agent (SIPVicious's "friendly-scanner" and its
 * kin), or many different users tried from one address within a minute
 * while most attempts are refused (enumeration or password guessing).
 * Discovery alone (a tool's OPTIONS) is a warning; probing accounts is
 * critical. A scan spread over thousands of addresses, each too quiet to
 * count, is judged on the capture-wide minute: many REGISTERs refused from
 * many sources, and few succeeding (key "distributed"). */
#include "rule_util.h"

#include "sipwatch/text.h"

#include <string.h>
#include <strings.h>

static const char *const scanner_agents[] = {
    "friendly-scanner", "sipvicious", "sipcli", "vaxsipuseragent", "pplsip", "sundayddr",
    "iwar", "sivus", "sipsak-scan", "smap", "sip-scan", "fsipc", "voipbuster",
};

static const char *known_scanner(const char *ua)
{
    if (!ua)
        return NULL;
    char lower[128];
    size_t n = 0;
    for (; ua[n] && n < sizeof lower - 1; n++)
        lower[n] = (char)((ua[n] >= 'A' && ua[n] <= 'Z') ? ua[n] + 32 : ua[n]);
    lower[n] = '\0';
    for (size_t i = 0; i < sizeof scanner_agents / sizeof scanner_agents[0]; i++)
        if (strstr(lower, scanner_agents[i]))
            return scanner_agents[i];
    return NULL;
}

/* A minute closed: REGISTERs refused capture-wide, from many sources. */
static void on_minute(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_minutes *m = ev->minutes;
    uint32_t refused = m->closed[SW_MIN_REG_REFUSED], ok = m->closed[SW_MIN_REG_OK];
    uint32_t sources = m->closed_refused_sources;
    const char *key = "distributed";
    /* Each source refused a few times at most: phones stuck in loops hammer
     * (auth-loop names each of them); a spread-out scan does not. */
    bool storm = refused >= ctx->cfg->scanner_distributed && refused > 3 * (ok + 1) && sources >= 20 &&
                 refused <= 3 * sources;
    if (!storm) {
        if (refused < ctx->cfg->scanner_distributed / 2 && sw_findings_open_count(ctx->findings, sw_rule_scanner.id))
            sw_findings_resolve(ctx->findings, sw_rule_scanner.id, key, ev->now,
                                "refused registrations fell back below half the threshold");
        return;
    }
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_scanner, key, ev->now, &created, &old);
    if (!f)
        return;
    f->severity = SW_SEV_CRITICAL;
    f->count += refused;
    if (created)
        f->first_seen = ev->now - 60 * SW_USEC_PER_SEC;
    sw_finding_set_number(f, "refused_per_minute", refused);
    sw_finding_set_number(f, "succeeded_per_minute", ok);
    sw_finding_set_number(f, "sources_per_minute", sources);
    sw_finding_set_bool(f, "probing_accounts", true);
    rule_printf(f->summary, sizeof f->summary,
                "REGISTERs refused %u times in the last minute (401, 403 ...) from about %u sources, while %u "
                "succeeded: a distributed password-guessing scan, or a mass misconfiguration", refused, sources, ok);
    rule_printf(f->suggestion, sizeof f->suggestion,
                "Registrations are refused at a rate no single phone produces, from many addresses at once. If the "
                "sources are not your phones, this is a distributed scan (a botnet guessing passwords, each "
                "address too quiet to stand out): rate-limit REGISTER at the edge (pike/ratelimit, fail2ban on "
                "the PBX's auth failures), allow SIP only from the networks your phones use, and check for "
                "accounts whose guesses succeeded. If they are your phones, something changed for all of them "
                "at once: a password or realm change on the server, a provisioning push with wrong credentials, "
                "or a failed database behind the registrar.");
    sw_findings_commit(ctx->findings, f, created, old);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind == SW_EVENT_MINUTE) {
        on_minute(ctx, ev);
        return;
    }
    if (ev->kind != SW_EVENT_MESSAGE || !ev->src_peer)
        return;
    const sw_sip_msg *m = ev->msg;
    /* The scanner is the side sending requests; its failures are counted on it. */
    const sw_peer *p = m->is_request ? ev->src_peer : ev->dst_peer;
    if (!p)
        return;
    char ip[SW_IP_STRLEN], key[64];
    if (!m->is_request && m->status >= 200 && m->status < 300 && !ev->retransmission &&
        (m->cseq_method == SW_METHOD_REGISTER || m->cseq_method == SW_METHOD_INVITE)) {
        /* A scanner's attempt succeeded: that account's password is known to it. */
        if (!sw_findings_open_count(ctx->findings, sw_rule_scanner.id))
            return;
        sw_ip_format(&p->ip, ip, sizeof ip);
        snprintf(key, sizeof key, "%s", ip);
        sw_finding *open = sw_findings_find(ctx->findings, sw_rule_scanner.id, key);
        if (open && open->state == SW_FINDING_OPEN && ev->flow && ev->flow->auth[0] && ev->flow->auth[0]->rejected) {
            char user[160];
            rule_user_at(sw_flow_text(ev->flow, SW_FLOW_TO_USER), sw_flow_text(ev->flow, SW_FLOW_TO_HOST), user, sizeof user);
            sw_finding_set_detail(open, "compromised_account", user);
            rule_printf(open->summary, sizeof open->summary,
                        "%s guessed the password of %s (%s succeeded after %u refused attempts) and is scanning "
                        "with %s", ip, user, sw_sip_method_name((sw_sip_method)m->cseq_method),
                        ev->flow->auth[0]->rejected, sw_peer_user_agent(p)[0] ? sw_peer_user_agent(p) : "an unknown tool");
            rule_append(open->suggestion, sizeof open->suggestion,
                        " Account %s IS COMPROMISED: change its password now and check it for fraudulent calls.",
                        user);
            sw_findings_commit(ctx->findings, open, false, open->severity);
        }
        return;
    }
    const char *tool = m->is_request ? known_scanner(m->user_agent) : NULL;
    uint32_t users = sw_peer_window_sum(p, SW_PEER_USERS_TRIED, ev->now);
    if (!tool && users < ctx->cfg->scanner_users)
        return;                     /* most messages: one user, no tool */
    uint32_t failures = sw_peer_window_sum(p, SW_PEER_AUTH_FAILURES, ev->now);
    bool enumeration = users >= ctx->cfg->scanner_users && failures >= ctx->cfg->scanner_failures;
    if (!tool && !enumeration)
        return;
    sw_ip_format(&p->ip, ip, sizeof ip);
    snprintf(key, sizeof key, "%s", ip);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_scanner, key, ev->now, &created, &old);
    if (!f)
        return;
    /* Discovery alone (an OPTIONS ping from a scanning tool) is a warning;
     * probing accounts or passwords is critical, and stays so. */
    bool probing = enumeration || rule_detail_number(f, "probing_accounts") > 0 ||
                   (tool && (m->credentials.present || m->method == SW_METHOD_REGISTER ||
                             m->method == SW_METHOD_INVITE || m->method == SW_METHOD_SUBSCRIBE ||
                             m->method == SW_METHOD_MESSAGE));
    f->severity = probing ? SW_SEV_CRITICAL : SW_SEV_WARNING;
    sw_finding_set_bool(f, "probing_accounts", probing);
    f->count = (uint32_t)p->total_requests;
    if (created) {
        f->src = m->is_request ? m->src : m->dst;
        f->dst = m->is_request ? m->dst : m->src;
        if (ev->flow)
            rule_from_flow(f, ev->flow, &f->src, &f->dst);
    }
    if (tool)
        sw_finding_set_detail(f, "tool", tool);
    sw_finding_set_detail(f, "user_agent", sw_peer_user_agent(p));
    sw_finding_set_number(f, "users_tried_per_minute", users);
    sw_finding_set_number(f, "refused_per_minute", failures);
    sw_finding_set_number(f, "requests", (long long)p->total_requests);
    const char *tool_name = rule_detail_text(f, "tool");
    bool compromised = rule_detail_text(f, "compromised_account") != NULL;
    if (compromised)
        ;                                   /* keep the summary and advice that say so */
    else if (tool_name && !probing)
        rule_printf(f->summary, sizeof f->summary,
                 "%s is probing for SIP services with %s (User-Agent \"%s\"): %llu %s, no account tried yet",
                 ip, tool_name, sw_peer_user_agent(p), (unsigned long long)p->total_requests,
                 sw_plural(p->total_requests, "request", "requests"));
    else if (tool_name)
        rule_printf(f->summary, sizeof f->summary,
                 "%s is scanning with %s (User-Agent \"%s\"): %llu %s, %u %s tried and %u refused in "
                 "the last minute", ip, tool_name, sw_peer_user_agent(p), (unsigned long long)p->total_requests,
                 sw_plural(p->total_requests, "request", "requests"), users, sw_plural(users, "user", "users"),
                 failures);
    else
        rule_printf(f->summary, sizeof f->summary,
                 "%s tried %u different users in a minute and was refused %u times: enumeration or password "
                 "guessing", ip, users, failures);
    if (!compromised && !probing)
        rule_printf(f->suggestion, sizeof f->suggestion,
             "%s is a scanning tool that found this SIP service (a discovery probe such as svmap's OPTIONS). "
             "Nothing was tried against accounts yet, but the next step of such tools is to enumerate "
             "extensions and guess passwords: block it at the firewall (fail2ban, the PBX's ban list or a "
             "pike/ratelimit module can do it automatically), do not expose SIP to the whole internet if the "
             "phones come from known networks, and make sure every account has a strong password.",
             ip);
    else if (!compromised)
        rule_printf(f->suggestion, sizeof f->suggestion,
             "%s is probing the SIP service for accounts and passwords, not using it. Block it at the firewall "
             "(and let fail2ban, the PBX's own ban list or a pike/ratelimit module do that automatically); do "
             "not expose SIP ports to the whole internet if the phones come from known networks; make sure "
             "every account has a strong password; answer unknown users exactly like known ones so accounts "
             "cannot be enumerated (alwaysauthreject). Check whether any attempt from it succeeded (a 200 to "
             "its REGISTER or INVITE): that account is compromised and must get a new password.",
             ip);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_scanner = {
    .id = "scanner",
    .severity = SW_SEV_CRITICAL,
    .title = "a scanner (SIPVicious and kin) or many users tried from one address",
    .evaluate = evaluate,
};
