/* Rule refer-notify-rejected: the transferee reported on a transfer (NOTIFY,
 * Event: refer), but the transferor answered the NOTIFY with an error (488,
 * 400 for a missing Subscription-State, 481 for a subscription it no longer
 * knows ...), so the report never got through: the transferor cannot tell
 * whether the transfer worked. 401/407 are authentication and are followed
 * through the re-sent NOTIFY. Named with the rejected NOTIFY and the status
 * that rejected it. Resolves when a later NOTIFY is accepted. */
#include "rule_util.h"

#include "sipwatch/text.h"

static void suggest(sw_finding *f, const sw_refer *r, const char *transferor, const char *transferee)
{
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    rule_append(s, cap, "The transferee %s sent its transfer reports, but the transferor %s refused them with %u "
                        "%s, so the transferor never learns whether the transfer worked (and may keep the original "
                        "call or hang up at the wrong moment). ",
                transferee, transferor, r->reject_status, r->reject_reason);
    if (r->reject_status == 400 || r->reject_status == 489)
        rule_append(s, cap, "A 400 or 489 to a NOTIFY usually means a header the transferor requires is missing or "
                            "malformed: Subscription-State (mandatory in every NOTIFY, RFC 6665), Event: refer "
                            "with the REFER's id, or the message/sipfrag body. Check the transferee's NOTIFY "
                            "against RFC 3515. ");
    else if (r->reject_status == 481)
        rule_append(s, cap, "481 means the transferor no longer knows the subscription or the dialog: it ended the "
                            "call (or the subscription) before the transferee reported, or the NOTIFY's tags or "
                            "Event id do not match the REFER. ");
    else if (r->reject_status == 488 || r->reject_status == 415)
        rule_append(s, cap, "A 488 or 415 to a NOTIFY means the transferor does not accept its body: check that it is "
                            "Content-Type message/sipfrag with a status line, as RFC 3515 requires. ");
    rule_append(s, cap, "Compare the transferee's NOTIFY with what the transferor expects (its log names the "
                        "reason), or avoid the subscription with 'Refer-Sub: false' (RFC 4488) when both support it.");
    rule_append_reference(s, cap, r->reject_status, SW_METHOD_NOTIFY);
}

static void report(const sw_rule_ctx *ctx, const sw_event *ev, const sw_refer *r)
{
    char key[200], transferor[RULE_EP_LEN], transferee[RULE_EP_LEN];
    rule_refer_key(key, sizeof key, ev->flow, r);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_refer_notify_rejected, key, ev->now, &created, &old);
    if (!f)
        return;
    rule_ep(&r->referrer, transferor, sizeof transferor);
    rule_ep(&r->referee, transferee, sizeof transferee);
    f->severity = SW_SEV_WARNING;
    f->count = r->notifies_rejected;
    if (created)
        f->first_seen = r->reject_ts;
    rule_refer_details(f, ev->flow, r);
    sw_finding_set_number(f, "rejected_status", r->reject_status);
    sw_finding_set_detail(f, "rejected_reason", r->reject_reason);
    sw_finding_set_number(f, "rejected_notify_cseq", r->reject_cseq);
    sw_finding_set_number(f, "notifies_rejected", r->notifies_rejected);
    rule_printf(f->summary, sizeof f->summary,
                "transfer to %s: %u %s from the transferee %s rejected by the transferor %s with %u %s (last: "
                "NOTIFY CSeq %u)%s", r->refer_to[0] ? r->refer_to : "?", r->notifies_rejected,
                sw_plural(r->notifies_rejected, "NOTIFY", "NOTIFYs"), transferee, transferor, r->reject_status,
                r->reject_reason, r->reject_cseq,
                r->last_sipfrag ? "" : "; the report never got through");
    suggest(f, r, transferor, transferee);
    sw_findings_commit(ctx->findings, f, created, old);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MESSAGE || !ev->flow || !ev->refer || ev->retransmission)
        return;
    const sw_sip_msg *m = ev->msg;
    const sw_refer *r = ev->refer;
    if (m->is_request || m->cseq_method != SW_METHOD_NOTIFY)
        return;
    if (m->status >= 300 && r->reject_ts == ev->now && r->reject_cseq == m->cseq) {
        report(ctx, ev, r);
    } else if (m->status >= 200 && m->status < 300 && r->notifies_rejected &&
               sw_findings_open_count(ctx->findings, sw_rule_refer_notify_rejected.id)) {
        char key[200];
        rule_refer_key(key, sizeof key, ev->flow, r);
        sw_findings_resolve(ctx->findings, sw_rule_refer_notify_rejected.id, key, ev->now,
                            "a later NOTIFY was accepted");
    }
}

const sw_rule sw_rule_refer_notify_rejected = {
    .id = "refer-notify-rejected",
    .severity = SW_SEV_WARNING,
    .title = "the transferor rejected the transferee's NOTIFY (transfer report): it never learns the outcome",
    .evaluate = evaluate,
};
