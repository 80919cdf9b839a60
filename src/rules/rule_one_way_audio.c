/* Rule one-way-audio: an answered call whose RTP flowed one way only for
 * longer than no-audio.seconds. Two shapes: one side sent nothing at all
 * (its RTP is blocked, or it sends somewhere the capture does not see); or
 * it sends, but to a private address in the other side's SDP while that
 * side's own RTP arrives from a different, public address (NAT without
 * media traversal: the audio goes nowhere). Judged when the call ends;
 * quiet on hold and on calls captured without media. */
#include "rule_media.h"

#include "sipwatch/text.h"

#include <stdio.h>
#include <string.h>

/* Side k sends only to a private address while the other side's RTP comes
 * from a public one: its audio cannot arrive. Returns that address. */
static const sw_rtp_stream *sent_to_private(const sw_media_call *mc, int k)
{
    const sw_rtp_stream *to_private = NULL;
    bool public_source = false;
    for (unsigned i = 0; i < mc->nstreams; i++) {
        const sw_rtp_stream *s = &mc->streams[i];
        if (s->side == k && !sw_ip_is_private(&s->dst.ip))
            return NULL;
        if (s->side == k)
            to_private = s;
        else if (!sw_ip_is_private(&s->src.ip) && !sw_ip_is_loopback(&s->src.ip))
            public_source = true;
    }
    return public_source ? to_private : NULL;
}

static void suggest_private(sw_finding *f, const char *deaf, const char *dst)
{
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The audio toward %s goes to %s, the private address in its SDP, while its own RTP comes from a "
                "public address: it is behind NAT and announced its inside address, so the other side's audio "
                "is lost at the router. Fix the NAT traversal for media: enable the PBX or SBC's NAT handling "
                "(symmetric RTP / comedia, or a media proxy such as rtpengine), STUN or ICE on the phone, and "
                "turn off the router's SIP ALG, which often rewrites only part of the SDP.",
                deaf, dst);
}

static void suggest_silent(sw_finding *f, const char *silent, const char *sdp, const char *talker)
{
    rule_printf(f->suggestion, sizeof f->suggestion,
                "%s sent no RTP at all while %s did: its audio is blocked or sent elsewhere. Check, most likely "
                "first: a firewall or NAT drops RTP from %s (its SDP says %s: open the RTP port range, or enable "
                "symmetric RTP / a media proxy); the other side's SDP announces an address it cannot reach, or "
                "a SIP ALG rewrote it; its microphone path is muted or its codec failed. If the capture point "
                "cannot see that path at all, ignore this.",
                silent, talker, silent, sdp);
}

/* talker sent RTP that arrived; the other side sent none (s NULL), or sent
 * it only to the private address s->dst in the talker's SDP. */
static void report(const sw_rule_ctx *ctx, const sw_event *ev, const media_view *v, int talker,
                   const sw_rtp_stream *s)
{
    int other = 1 - talker;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_one_way_audio, v->flow->call_id, ev->now, &created, &old);
    if (!f)
        return;
    char oth[RULE_EP_LEN], tal[RULE_EP_LEN], sdp[RULE_EP_LEN], dur[32], others[80], talkers[80];
    rule_ep(media_side_signalling(v->flow, other), oth, sizeof oth);
    rule_ep(media_side_signalling(v->flow, talker), tal, sizeof tal);
    snprintf(others, sizeof others, "the %s %s", media_side_name(other), oth);
    snprintf(talkers, sizeof talkers, "the %s %s", media_side_name(talker), tal);
    rule_secs(v->end - v->answer, dur, sizeof dur);
    f->severity = SW_SEV_WARNING;
    f->count = 1;
    f->first_seen = v->answer;
    rule_from_flow(f, v->flow, media_side_signalling(v->flow, talker), media_side_signalling(v->flow, other));
    sw_finding_set_number(f, "packets_one_way", (long long)v->packets[talker]);
    sw_finding_set_bool(f, "sent_to_private_address", s != NULL);
    if (s) {
        char dst[RULE_EP_LEN];
        rule_ep(&s->dst, dst, sizeof dst);
        sw_finding_set_detail(f, "deaf_side", media_side_name(talker));
        sw_finding_set_detail(f, "private_destination", dst);
        rule_printf(f->summary, sizeof f->summary, "One-way audio on a %s call: %s sends its RTP to %s, the "
                    "private address in the SDP of %s behind NAT, so %s hears nothing", dur, others, dst,
                    talkers, talkers);
        suggest_private(f, talkers, dst);
    } else {
        media_sdp_audio(v->mc, other, sdp, sizeof sdp);
        sw_finding_set_detail(f, "silent_side", media_side_name(other));
        sw_finding_set_detail(f, "silent_sdp", sdp);
        rule_printf(f->summary, sizeof f->summary, "One-way audio on a %s call: %s sent %llu RTP packets, %s sent "
                    "none (its SDP: %s), so %s hears nothing", dur, talkers, (unsigned long long)v->packets[talker],
                    others, sdp, talkers);
        suggest_silent(f, others, sdp, talkers);
    }
    sw_findings_commit(ctx->findings, f, created, old);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    media_view v;
    if (!media_view_of(ctx, ev, &v) || v.mc->ever_held)
        return;
    for (int k = 0; k < 2; k++) {
        if (!v.packets[k] || v.last[k] - v.first[k] < ctx->cfg->media_timeout)
            continue;
        if (!v.packets[1 - k]) {
            report(ctx, ev, &v, k, NULL);
            return;
        }
        const sw_rtp_stream *s = sent_to_private(v.mc, 1 - k);
        if (s) {
            report(ctx, ev, &v, k, s);
            return;
        }
    }
}

const sw_rule sw_rule_one_way_audio = {
    .id = "one-way-audio",
    .severity = SW_SEV_WARNING,
    .title = "an answered call's RTP flows one way only (or toward a private address behind NAT)",
    .evaluate = evaluate,
};
