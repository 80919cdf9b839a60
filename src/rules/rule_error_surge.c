/* Rule error-surge: server failures rising across the whole capture against
 * a rolling baseline: a minute with far more 5xx responses plus unanswered
 * transactions than usual. Complements server-errors (one server) and
 * transaction-timeout (one server and method) with the big picture; keeps
 * the baseline it opened against and resolves when a minute is back near it. */
#include "rule_util.h"

static const char *KEY = "errors";

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MINUTE || ev->minutes->history < ctx->cfg->baseline_minutes)
        return;
    const sw_minutes *m = ev->minutes;
    uint32_t errors = m->closed[SW_MIN_5XX] + m->closed[SW_MIN_TIMEOUTS];
    double base = m->baseline[SW_MIN_5XX] + m->baseline[SW_MIN_TIMEOUTS];
    sw_finding *open = sw_findings_find(ctx->findings, sw_rule_error_surge.id, KEY);
    if (open && open->state == SW_FINDING_OPEN &&
        !rule_is_surge(ctx, errors, rule_detail_number(open, "usual_per_minute"))) {
        char why[120];
        rule_printf(why, sizeof why, "errors back to normal: %u in a minute", errors);
        sw_findings_resolve(ctx->findings, sw_rule_error_surge.id, KEY, ev->now, why);
        return;
    }
    if (!rule_is_surge(ctx, errors, base))
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_error_surge, KEY, ev->now, &created, &old);
    if (!f)
        return;
    f->severity = SW_SEV_CRITICAL;
    f->count++;
    if (created) {
        f->first_seen = ev->now - 60 * SW_USEC_PER_SEC;
        sw_finding_set_number(f, "usual_per_minute", (long long)(base + 0.5));
    }
    sw_finding_set_number(f, "errors_5xx_last_minute", m->closed[SW_MIN_5XX]);
    sw_finding_set_number(f, "timeouts_last_minute", m->closed[SW_MIN_TIMEOUTS]);
    sw_finding_set_number(f, "requests_last_minute", m->closed[SW_MIN_REQUESTS]);
    rule_printf(f->summary, sizeof f->summary,
                "server failures surging: %u in the last minute (%u 5xx, %u unanswered) against about %.0f usually, "
                "out of %u requests",
                errors, m->closed[SW_MIN_5XX], m->closed[SW_MIN_TIMEOUTS], base, m->closed[SW_MIN_REQUESTS]);
    rule_printf(f->suggestion, sizeof f->suggestion,
                "Requests fail far more than usual: a server, trunk or network path in the middle of every "
                "call is failing. The server-errors and transaction-timeout findings name the servers that "
                "answer 5xx or nothing; check their health, their upstream (trunks, databases, DNS), and "
                "recent changes.");
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_error_surge = {
    .id = "error-surge",
    .severity = SW_SEV_CRITICAL,
    .title = "server failures (5xx and unanswered requests) far above the usual rate",
    .evaluate = evaluate,
};
