/* Rule no-audio: an answered call that stayed up longer than
 * no-audio.seconds with no RTP either way. Only where the capture can see
 * media: RTP of some call was seen in this run, or no-audio.media-expected
 * is 1 (a capture made on the media path). Otherwise the call record says
 * "media not captured" and the rule stays quiet. Quiet on hold and T.38. */
#include "rule_media.h"

#include <stdio.h>

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    media_view v;
    if (!media_view_of(ctx, ev, &v) || v.mc->ever_held || v.packets[0] || v.packets[1] ||
        v.end - v.answer < ctx->cfg->media_timeout)
        return;
    if (!ctx->media_seen && !ctx->cfg->media_expected)
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_no_audio, v.flow->call_id, ev->now, &created, &old);
    if (!f)
        return;
    char caller[RULE_EP_LEN], callee[RULE_EP_LEN], sdp0[RULE_EP_LEN], sdp1[RULE_EP_LEN], dur[32];
    rule_ep(&v.flow->client, caller, sizeof caller);
    rule_ep(&v.flow->server, callee, sizeof callee);
    media_sdp_audio(v.mc, 0, sdp0, sizeof sdp0);
    media_sdp_audio(v.mc, 1, sdp1, sizeof sdp1);
    rule_secs(v.end - v.answer, dur, sizeof dur);
    f->severity = SW_SEV_WARNING;
    f->count = 1;
    f->first_seen = v.answer;
    rule_from_flow(f, v.flow, &v.flow->client, &v.flow->server);
    sw_finding_set_detail(f, "caller_sdp", sdp0);
    sw_finding_set_detail(f, "callee_sdp", sdp1);
    sw_finding_set_number(f, "answered_ms", (long long)((v.end - v.answer) / 1000));
    rule_printf(f->summary, sizeof f->summary, "No audio: the call from %s to %s was up %s with no RTP either way "
                "(SDP: caller %s, callee %s)", caller, callee, dur, sdp0, sdp1);
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The call was answered but neither side's media reached the other. Check, most likely first: a "
                "firewall drops the RTP port range in both directions (open UDP for the ports in the SDP, here "
                "%s and %s); both SDP addresses are unreachable from the other side (private addresses through "
                "NAT: enable the SBC's NAT handling or a media proxy, turn the router's SIP ALG off); a media "
                "proxy or relay named in the SDP is down; or SRTP was required by one side only. If the "
                "capture is made where the media does not pass, set no-audio.media-expected off (the default).",
                sdp0, sdp1);
    rule_note_capture_loss(ctx, f);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_no_audio = {
    .id = "no-audio",
    .severity = SW_SEV_WARNING,
    .title = "an answered call carried no RTP either way (where the capture sees media)",
    .evaluate = evaluate,
};
