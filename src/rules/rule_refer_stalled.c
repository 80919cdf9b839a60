/* Rule refer-stalled: NOTIFYs for an accepted REFER arrived, but never a
 * final one (sipfrag status 200 or more, or Subscription-State: terminated)
 * within the timeout (default 120 s after the last NOTIFY: a transfer
 * target may ring for a while). At the end of a capture a REFER still
 * waiting is reported with how long the capture ran after the last NOTIFY.
 * Resolves if the final NOTIFY arrives late. */
#include "rule_util.h"

static void report(const sw_rule_ctx *ctx, const sw_event *ev, const sw_flow *flow, const sw_refer *r, bool at_end)
{
    sw_time_us waited = ev->now - r->last_notify_ts;
    char key[200];
    rule_refer_key(key, sizeof key, flow, r);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_refer_stalled, key, ev->now, &created, &old);
    if (!f)
        return;
    char transferee[RULE_EP_LEN], t_wait[32];
    rule_ep(&r->referee, transferee, sizeof transferee);
    rule_secs(waited, t_wait, sizeof t_wait);
    bool too_early = at_end && waited < ctx->cfg->settle_grace;
    f->severity = too_early ? SW_SEV_INFO : SW_SEV_WARNING;
    f->count = r->notifies;
    f->first_seen = r->accepted_ts;
    rule_refer_details(f, flow, r);
    sw_finding_set_number(f, "waited_ms", (long long)(waited / 1000));
    rule_printf(f->summary, sizeof f->summary,
             "REFER to %s accepted by %s: %u NOTIFY (last sipfrag %u), no final status %s later%s",
             r->refer_to[0] ? r->refer_to : "?", transferee, r->notifies, r->last_sipfrag, t_wait,
             at_end ? " (the capture ended then)" : "");
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    if (too_early)
        rule_append(s, cap, "The capture ended only %s after the last NOTIFY; the target may still have been "
                            "ringing: capture longer to confirm. ", t_wait);
    rule_append(s, cap,
                "The transferee %s started the transfer (NOTIFY with sipfrag %u) but never reported how it "
                "ended. Either the transfer target never answered (check the target %s: registered, reachable, "
                "not stuck ringing), or the transferee died or lost its route to the transferor before sending "
                "the final NOTIFY (check the transferee, and that NOTIFYs still reach the transferor's Contact). "
                "A BYE on the original call %s.",
                transferee, r->last_sipfrag, r->refer_to[0] ? r->refer_to : "?",
                r->bye_ts ? "was seen: the call was torn down while the transfer was in progress"
                          : "was not seen");
    rule_note_capture_loss(ctx, f);
    sw_findings_commit(ctx->findings, f, created, old);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_flow *flow = ev->flow;
    if (!flow || !flow->refers)
        return;
    if (ev->kind == SW_EVENT_MESSAGE) {
        const sw_refer *r = ev->refer;
        if (r && r->final_ts && ev->msg->is_request && ev->msg->method == SW_METHOD_NOTIFY) {
            char key[200];
            rule_refer_key(key, sizeof key, flow, r);
            sw_findings_resolve(ctx->findings, sw_rule_refer_stalled.id, key, ev->now,
                                "the final NOTIFY arrived");
        }
        return;
    }
    for (unsigned i = 0; i < flow->nrefers; i++) {
        const sw_refer *r = &flow->refers[i];
        if (r->state != SW_REFER_ACCEPTED || !r->notifies || r->final_ts || r->stalled_settled)
            continue;
        if (r->notifies_rejected)
            continue;               /* the reports were refused: refer-notify-rejected says so */
        if (ev->kind == SW_EVENT_DEADLINE && r->last_notify_ts + ctx->corr->refer_final_timeout <= ev->now)
            report(ctx, ev, flow, r, false);
        else if (ev->kind == SW_EVENT_FLOW_END)
            report(ctx, ev, flow, r, ev->end == SW_END_CAPTURE);
    }
}

const sw_rule sw_rule_refer_stalled = {
    .id = "refer-stalled",
    .severity = SW_SEV_WARNING,
    .title = "a transfer reported progress (NOTIFY) but never a final outcome",
    .evaluate = evaluate,
};
