/* Rule poor-quality: a stream whose loss or jitter was beyond the
 * poor-quality thresholds for poor-quality.intervals intervals of 5 s
 * (sustained, not a blip), or whose MOS estimate over a stream at least that
 * long is below poor-quality.mos-tenths / 10; streams of fewer than 250
 * packets (5 s at 50 per second) are not graded. Judged when the call ends;
 * one finding per call naming its worst stream. */
#include "rule_media.h"

#include <stdio.h>

/* Streams shorter than this are not graded: a few packets (comfort noise,
 * a fax's early RTP, DTX) make wild loss figures. */
#define POOR_MIN_PACKETS 250

static bool poor(const sw_rule_ctx *ctx, const sw_rtp_stream *s, double *mos)
{
    *mos = 0;
    if (s->packets < POOR_MIN_PACKETS)
        return false;
    *mos = s->rate && s->packets > 1 ? sw_media_mos(s->codec, sw_rtp_loss_percent(s), sw_rtp_jitter_mean_ms(s)) : 0;
    if (s->bad_intervals >= ctx->cfg->poor_intervals)
        return true;
    sw_time_us span = (sw_time_us)ctx->cfg->poor_intervals * SW_MEDIA_INTERVAL;
    return *mos > 0 && *mos * 10 < ctx->cfg->poor_mos_tenths && s->last_ts - s->first_ts >= span;
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_media_call *mc = ctx->media;
    const sw_flow *fl = ev->flow;
    if (ev->kind != SW_EVENT_FLOW_END || !mc || !fl || !ctx->media_on)
        return;
    const sw_rtp_stream *worst = NULL;
    double worst_mos = 5;
    unsigned npoor = 0;
    for (unsigned i = 0; i < mc->nstreams; i++) {
        double mos;
        if (!poor(ctx, &mc->streams[i], &mos))
            continue;
        npoor++;
        if (!worst || (mos > 0 && mos < worst_mos)) {
            worst = &mc->streams[i];
            worst_mos = mos > 0 ? mos : worst_mos;
        }
    }
    if (!worst)
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_poor_quality, fl->call_id, ev->now, &created, &old);
    if (!f)
        return;
    char src[RULE_EP_LEN], dst[RULE_EP_LEN], mos_text[16];
    rule_ep(&worst->src, src, sizeof src);
    rule_ep(&worst->dst, dst, sizeof dst);
    snprintf(mos_text, sizeof mos_text, "%.1f", worst_mos < 5 ? worst_mos : 0.0);
    double loss = sw_rtp_loss_percent(worst), jitter = sw_rtp_jitter_mean_ms(worst);
    f->severity = worst_mos < 3.1 ? SW_SEV_CRITICAL : SW_SEV_WARNING;
    f->count = npoor;
    f->first_seen = worst->first_ts;
    rule_from_flow(f, fl, &worst->src, &worst->dst);
    sw_finding_set_number(f, "lost", (long long)sw_rtp_lost(worst));
    sw_finding_set_number(f, "loss_permille", (long long)(loss * 10));
    sw_finding_set_number(f, "jitter_mean_us", (long long)(jitter * 1000));
    sw_finding_set_number(f, "jitter_max_us", (long long)(worst->jitter_max_ms * 1000));
    sw_finding_set_number(f, "bad_intervals", worst->bad_intervals);
    sw_finding_set_detail(f, "mos", mos_text);
    sw_finding_set_detail(f, "codec", worst->codec);
    rule_printf(f->summary, sizeof f->summary, "Poor audio quality from %s to %s (%s): %lld of %llu packets lost "
                "(%.1f %%), jitter mean %.1f ms, max %.1f ms, MOS %s; %u of %u 5-s intervals beyond the thresholds"
                "%s", src, dst, worst->codec, (long long)sw_rtp_lost(worst), (unsigned long long)worst->packets,
                loss, jitter, worst->jitter_max_ms, mos_text, worst->bad_intervals, worst->intervals,
                npoor > 1 ? "; the other direction too" : "");
    rule_printf(f->suggestion, sizeof f->suggestion,
                "Packets of this stream are lost or arrive unevenly all along the call, so the voice breaks up. "
                "Check, most likely first: a congested or lossy link on the path (an uplink without QoS: mark RTP "
                "EF/DSCP 46 and prioritise it; Wi-Fi; a saturated Internet line, look at its load at these "
                "times); duplex mismatch or errors on a switch port (interface error counters); an overloaded "
                "media relay or SBC (its CPU); too little bandwidth for the codec (%s). The RTCP reports of "
                "the call tell whether the far end sees the same loss.",
                worst->codec);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_poor_quality = {
    .id = "poor-quality",
    .severity = SW_SEV_WARNING,
    .title = "an RTP stream's loss, jitter or MOS was beyond the thresholds for a sustained period",
    .evaluate = evaluate,
};
