/* Rule refer-failed: a transfer that failed: the REFER itself was refused
 * (a final 3xx-6xx other than 401/407, which are authentication and are
 * followed through the re-sent REFER), or the final NOTIFY reports a
 * non-2xx sipfrag, or the subscription was terminated without a final
 * status. */
#include "rule_util.h"

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MESSAGE || !ev->flow || !ev->refer || ev->retransmission)
        return;
    const sw_sip_msg *m = ev->msg;
    const sw_refer *r = ev->refer;
    bool refused = !m->is_request && m->cseq_method == SW_METHOD_REFER && r->state == SW_REFER_REFUSED;
    bool bad_final = m->is_request && m->method == SW_METHOD_NOTIFY && r->final_ts == m->ts &&
                     (r->last_sipfrag >= 300 || (r->last_sipfrag < 200 && r->terminated));
    if (!refused && !bad_final)
        return;

    char key[200];
    rule_refer_key(key, sizeof key, ev->flow, r);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_refer_failed, key, ev->now, &created, &old);
    if (!f)
        return;
    char transferee[RULE_EP_LEN];
    rule_ep(&r->referee, transferee, sizeof transferee);
    f->severity = SW_SEV_WARNING;
    f->count = 1;
    f->first_seen = r->refer_ts;
    rule_refer_details(f, ev->flow, r);
    const char *target = r->refer_to[0] ? r->refer_to : "?";
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    if (refused) {
        rule_printf(f->summary, sizeof f->summary, "REFER to %s refused by %s with %d %s", target, transferee,
                 m->status, m->reason ? m->reason : "");
        rule_append(s, cap, "The transferee %s refused the transfer request itself (%d %s). ", transferee,
                    m->status, m->reason ? m->reason : "");
        if (m->status == 488 || m->status == 415 || m->status == 420)
            rule_append(s, cap, "It does not accept this kind of REFER: an attended transfer (Refer-To with "
                                "Replaces) needs Replaces support (RFC 3891) on both ends; check the "
                                "Refer-To and the UA's transfer support. ");
        else if (m->status == 403 || m->status == 603)
            rule_append(s, cap, "Transfers are forbidden or declined for this user or call: check the "
                                "transfer permissions on the PBX or the UA's policy. ");
        else if (m->status == 489)
            rule_append(s, cap, "The 'refer' event package is not supported: the UA cannot report transfer "
                                "progress; try Refer-Sub: false (RFC 4488) or a blind transfer by the PBX. ");
        else if (m->status == 481)
            rule_append(s, cap, "The dialog the REFER was sent in no longer exists on the transferee. ");
        else if (m->status == 405 || m->status == 501)
            rule_append(s, cap, "The transferee does not implement REFER at all. ");
        rule_append(s, cap, "Check the transferee's log for the reason and whether the transfer method (blind "
                            "or attended) matches what it supports.");
        rule_append_reference(s, cap, m->status, SW_METHOD_REFER);
    } else {
        if (r->last_sipfrag >= 300)
            rule_printf(f->summary, sizeof f->summary,
                     "transfer to %s failed: the transferee %s reported %u from the target (final NOTIFY)",
                     target, transferee, r->last_sipfrag);
        else
            rule_printf(f->summary, sizeof f->summary,
                     "transfer to %s ended: the transferee %s terminated the subscription without a final status",
                     target, transferee);
        rule_append(s, cap, "The transferee tried the transfer and reported that the call to the target %s "
                            "failed (sipfrag %u). Check the target: is it registered and reachable, busy "
                            "(486), declining (603), or unknown (404)? The transferor should take the call "
                            "back when a transfer fails.",
                    target, r->last_sipfrag);
        rule_append_reference(s, cap, r->last_sipfrag, SW_METHOD_INVITE);
    }
    sw_finding_set_detail(f, "failure", refused ? "refer-refused" : "target-failed");
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_refer_failed = {
    .id = "refer-failed",
    .severity = SW_SEV_WARNING,
    .title = "a transfer failed: the REFER was refused, or the final NOTIFY reports a failure",
    .evaluate = evaluate,
};
