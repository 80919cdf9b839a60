/* Rule refer-no-notify: a REFER accepted with 2xx whose NOTIFY (Event:
 * refer, matched by Call-ID, tags and id) never comes within the timeout
 * (default 64*T1 = 32 s). No NOTIFY is expected after Refer-Sub: false
 * (RFC 4488); a NOTIFY before the 202 counts (RFC 3515 allows it). At the
 * end of a capture an accepted REFER still waiting is reported with how long
 * the capture ran after the 2xx (info when that was too short to tell).
 * A BYE that ends the dialog first is evidence, not an excuse. Resolves if
 * the NOTIFY arrives late. */
#include "rule_util.h"

static void report(const sw_rule_ctx *ctx, const sw_event *ev, const sw_flow *flow, const sw_refer *r, bool at_end)
{
    sw_time_us waited = ev->now - r->accepted_ts;
    char key[200];
    rule_refer_key(key, sizeof key, flow, r);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_refer_no_notify, key, ev->now, &created, &old);
    if (!f)
        return;
    char transferee[RULE_EP_LEN], transferor[RULE_EP_LEN], t_wait[32], t_bye[32];
    rule_ep(&r->referee, transferee, sizeof transferee);
    rule_ep(&r->referrer, transferor, sizeof transferor);
    rule_secs(waited, t_wait, sizeof t_wait);
    bool too_early = at_end && waited < ctx->cfg->settle_grace;
    f->severity = too_early ? SW_SEV_INFO : SW_SEV_WARNING;
    f->count = 1;
    f->first_seen = r->accepted_ts;
    rule_refer_details(f, flow, r);
    sw_finding_set_number(f, "waited_ms", (long long)(waited / 1000));
    if (r->bye_ts)
        sw_finding_set_number(f, "bye_after_ms", (long long)((r->bye_ts - r->accepted_ts) / 1000));
    rule_printf(f->summary, sizeof f->summary,
             "REFER to %s accepted with %u by %s, but no NOTIFY came in %s%s%s",
             r->refer_to[0] ? r->refer_to : "?", r->response, transferee, t_wait,
             at_end ? " (the capture ended then)" : "",
             r->bye_ts ? "; the dialog was ended by BYE before any NOTIFY" : "");
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    if (too_early)
        rule_append(s, cap, "The capture ended only %s after the %u; a NOTIFY normally follows at once, so this "
                            "is suspicious but not conclusive: capture longer to confirm. ",
                    t_wait, r->response);
    rule_append(s, cap,
                "The transferee %s accepted the transfer but never reported its outcome: 202 only means "
                "'accepted', and without NOTIFY the transferor %s cannot know whether the transfer worked. "
                "Likely causes, most likely first: a NAT or firewall drops the NOTIFY on its way to the "
                "transferor's Contact (check the Contact address is reachable from %s and is not a private "
                "address behind NAT); the transferee does not implement the REFER subscription properly "
                "(check its firmware and REFER support); ",
                transferee, transferor, transferee);
    if (r->bye_ts) {
        rule_secs(r->bye_ts - r->accepted_ts, t_bye, sizeof t_bye);
        rule_append(s, cap, "the dialog was torn down by BYE %s after the 202, before any NOTIFY: a side that "
                            "hangs up as soon as the REFER is accepted loses the report. ", t_bye);
    }
    rule_append(s, cap, "If the UAs support RFC 4488, 'Refer-Sub: false' removes the need for the NOTIFY.");
    rule_append_reference(s, cap, 202, SW_METHOD_REFER);
    rule_note_capture_loss(ctx, f);
    sw_findings_commit(ctx->findings, f, created, old);
}

static bool waiting(const sw_refer *r)
{
    return r->state == SW_REFER_ACCEPTED && r->notifies == 0 && !r->no_notify_settled;
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_flow *flow = ev->flow;
    if (!flow || !flow->refers)
        return;
    if (ev->kind == SW_EVENT_MESSAGE) {
        const sw_refer *r = ev->refer;
        if (r && r->notifies && ev->msg->is_request && ev->msg->method == SW_METHOD_NOTIFY) {
            char key[200], why[160], t[32];
            rule_refer_key(key, sizeof key, flow, r);
            rule_printf(why, sizeof why, "the first NOTIFY arrived %s after the %u",
                     rule_secs(r->first_notify_ts - r->accepted_ts, t, sizeof t), r->response);
            sw_findings_resolve(ctx->findings, sw_rule_refer_no_notify.id, key, ev->now, why);
        }
        return;
    }
    for (unsigned i = 0; i < flow->nrefers; i++) {
        const sw_refer *r = &flow->refers[i];
        if (!waiting(r))
            continue;
        if (ev->kind == SW_EVENT_DEADLINE && r->accepted_ts + ctx->corr->refer_notify_timeout <= ev->now)
            report(ctx, ev, flow, r, false);
        else if (ev->kind == SW_EVENT_FLOW_END)
            report(ctx, ev, flow, r, ev->end == SW_END_CAPTURE);
    }
}

const sw_rule sw_rule_refer_no_notify = {
    .id = "refer-no-notify",
    .severity = SW_SEV_WARNING,
    .title = "a REFER was accepted (2xx) but no NOTIFY reported the transfer's progress",
    .evaluate = evaluate,
};
