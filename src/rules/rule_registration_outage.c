/* Rule registration-outage: registrations failing or vanishing across the
 * whole capture, against a rolling baseline: a minute with far more failed
 * registrations than usual (final failures other than the ordinary 401/407
 * challenge, and timeouts), or with successful registrations fallen to a
 * fraction of the usual rate (phones that cannot reach the registrar any
 * more). The finding keeps the baseline it opened against, and resolves
 * when a minute is back near it. */
#include "rule_util.h"

static const char *KEY = "registrations";

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MINUTE || ev->minutes->history < ctx->cfg->baseline_minutes)
        return;
    const sw_minutes *m = ev->minutes;
    uint32_t failed = m->closed[SW_MIN_REG_FAILED], ok = m->closed[SW_MIN_REG_OK];
    double base_failed = m->baseline[SW_MIN_REG_FAILED], base_ok = m->baseline[SW_MIN_REG_OK];

    sw_finding *open = sw_findings_find(ctx->findings, sw_rule_registration_outage.id, KEY);
    if (open && open->state == SW_FINDING_OPEN) {
        double usual_ok = rule_detail_number(open, "usual_ok_per_minute");
        double usual_failed = rule_detail_number(open, "usual_failed_per_minute");
        if (!rule_is_surge(ctx, failed, usual_failed) && ok * 2 >= usual_ok) {
            char why[160];
            rule_printf(why, sizeof why, "registrations back to normal: %u succeeded, %u failed in a minute", ok,
                        failed);
            sw_findings_resolve(ctx->findings, sw_rule_registration_outage.id, KEY, ev->now, why);
            return;
        }
    }
    bool failing = rule_is_surge(ctx, failed, base_failed);
    bool vanishing = base_ok >= 20 && ok * 100 < base_ok * ctx->cfg->vanish_percent;
    if (!failing && !vanishing)
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_registration_outage, KEY, ev->now, &created, &old);
    if (!f)
        return;
    f->severity = SW_SEV_CRITICAL;
    f->count++;
    if (created) {
        f->first_seen = ev->now - 60 * SW_USEC_PER_SEC;
        sw_finding_set_number(f, "usual_ok_per_minute", (long long)(base_ok + 0.5));
        sw_finding_set_number(f, "usual_failed_per_minute", (long long)(base_failed + 0.5));
    }
    sw_finding_set_number(f, "ok_last_minute", ok);
    sw_finding_set_number(f, "failed_last_minute", failed);
    sw_finding_set_detail(f, "kind", failing ? "failing" : "vanishing");
    if (failing)
        rule_printf(f->summary, sizeof f->summary,
                    "registrations failing: %u failed in the last minute against about %.0f usually (%u succeeded, "
                    "about %.0f usually)", failed, base_failed, ok, base_ok);
    else
        rule_printf(f->summary, sizeof f->summary,
                    "registrations vanishing: %u succeeded in the last minute against about %.0f usually", ok,
                    base_ok);
    rule_printf(f->suggestion, sizeof f->suggestion,
                "%s Look at what the failing registrations have in common (their registrar, a site, a network "
                "path): the transaction-timeout, server-errors and auth findings name the servers and accounts "
                "involved. Phones whose registration lapses stop receiving calls.",
                failing ? "Many more registrations fail than usual: the registrar or its database may be down or "
                          "overloaded (5xx, timeouts), or accounts are being refused (403/404) after a "
                          "configuration change."
                        : "Far fewer phones register than usual: something between the phones and the "
                          "registrar broke (a network or VPN outage, a firewall or NAT change, DNS for the "
                          "registrar's name), or the registrar stopped answering before the capture point.");
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_registration_outage = {
    .id = "registration-outage",
    .severity = SW_SEV_CRITICAL,
    .title = "registrations failing or vanishing, against the usual rate",
    .evaluate = evaluate,
};
