/* Rule media-stopped: RTP that flowed, then stopped in one or both
 * directions more than no-audio.seconds before the call ended, while the
 * dialog stayed up: the call that goes silent (and is later hung up, or
 * drops). Judged when the call ends; quiet when the call was on hold at its
 * end (hold stops RTP by design), or for a side that never sent (that is
 * one-way-audio). */
#include "rule_media.h"

#include <stdio.h>

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    media_view v;
    if (!media_view_of(ctx, ev, &v) || v.mc->held)
        return;
    bool stopped[2];
    for (int k = 0; k < 2; k++)
        stopped[k] = v.packets[k] && v.last[k] + ctx->cfg->media_timeout <= v.end &&
                     v.last[k] > v.answer && !(v.mc->ever_held && v.mc->hold_ts >= v.last[k]);
    if (!stopped[0] && !stopped[1])
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_media_stopped, v.flow->call_id, ev->now, &created, &old);
    if (!f)
        return;
    int k = stopped[0] ? 0 : 1;
    char from[RULE_EP_LEN], to[RULE_EP_LEN], into[32], before[32], total[32];
    rule_ep(media_side_signalling(v.flow, k), from, sizeof from);
    rule_ep(media_side_signalling(v.flow, 1 - k), to, sizeof to);
    rule_secs(v.last[k] > v.answer ? v.last[k] - v.answer : 0, into, sizeof into);
    rule_secs(v.end - v.last[k], before, sizeof before);
    rule_secs(v.end - v.answer, total, sizeof total);
    bool both = stopped[0] && stopped[1];
    f->severity = SW_SEV_WARNING;
    f->count = both ? 2 : 1;
    f->first_seen = v.last[k];
    rule_from_flow(f, v.flow, media_side_signalling(v.flow, k), media_side_signalling(v.flow, 1 - k));
    sw_finding_set_detail(f, "directions", both ? "both" : k ? "callee to caller" : "caller to callee");
    sw_finding_set_number(f, "stopped_after_ms", (long long)((v.last[k] - v.answer) / 1000));
    sw_finding_set_number(f, "silent_ms", (long long)((v.end - v.last[k]) / 1000));
    if (both)
        rule_printf(f->summary, sizeof f->summary, "Media stopped both ways %s into a %s call between %s and %s, "
                    "%s before the call ended", into, total, from, to, before);
    else
        rule_printf(f->summary, sizeof f->summary, "Media from the %s %s to %s stopped %s into a %s call, %s "
                    "before the call ended; the other direction went on", media_side_name(k), from, to, into,
                    total, before);
    rule_printf(f->suggestion, sizeof f->suggestion,
                "RTP flowed, then stopped while the SIP dialog stayed up, so the call went silent. Check, most "
                "likely first: a NAT or firewall mapping for the RTP ports timed out or changed (keep-alives, a "
                "longer UDP timeout, symmetric RTP on the server side); a media relay or SBC dropped the session "
                "(its logs at %s into the call); a re-INVITE or UPDATE changed the media address without the "
                "other side following (see the call's SDP); the phone's network changed (Wi-Fi roaming). "
                "Calls that go silent are usually hung up by the user, or dropped by an RTP timeout.",
                into);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_media_stopped = {
    .id = "media-stopped",
    .severity = SW_SEV_WARNING,
    .title = "RTP stopped mid-call in one or both directions while the dialog stayed up",
    .evaluate = evaluate,
};
