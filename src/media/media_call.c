/* Media stage: a call's media as its call record shows it (sw_call.media,
 * streams), and the MOS histogram of ended streams. */
#include "media_internal.h"

#include <string.h>

double media_stream_mos(const sw_rtp_stream *s)
{
    if (!s->rate || s->packets < 2)
        return 0;
    return sw_media_mos(s->codec, sw_rtp_loss_percent(s), sw_rtp_jitter_mean_ms(s));
}

void media_count_mos(sw_media *m, const sw_media_call *mc)
{
    static const double upper[5] = {2.0, 3.0, 3.5, 4.0, 4.3};
    for (unsigned i = 0; i < mc->nstreams; i++) {
        double mos = media_stream_mos(&mc->streams[i]);
        if (mos <= 0)
            continue;
        unsigned b = 0;
        while (b < 5 && mos >= upper[b])
            b++;
        m->stats.mos_buckets[b]++;
        m->stats.mos_count++;
        m->stats.mos_sum += mos;
    }
}

static bool announces_audio(const sw_media_call *mc)
{
    for (int k = 0; k < 2; k++)
        for (unsigned i = 0; mc->side[k].have && i < mc->side[k].sdp.nmedia; i++)
            if (mc->side[k].sdp.media[i].kind == SW_SDP_AUDIO && mc->side[k].sdp.media[i].port)
                return true;
    return false;
}

void sw_media_fill_call(const sw_media_call *mc, bool media_seen, sw_call *call)
{
    call->media = SW_CALL_MEDIA_NONE;
    call->nstreams = 0;
    if (!mc)
        return;
    if (!mc->nstreams && !mc->rtcp_packets) {
        if (announces_audio(mc))
            call->media = media_seen ? SW_CALL_MEDIA_SEEN : SW_CALL_MEDIA_NOT_CAPTURED;
        return;
    }
    call->media = SW_CALL_MEDIA_SEEN;
    call->nstreams = mc->nstreams;
    for (unsigned i = 0; i < mc->nstreams && i < SW_CALL_STREAMS; i++) {
        const sw_rtp_stream *s = &mc->streams[i];
        sw_call_stream *o = &call->streams[i];
        o->src = s->src;
        o->dst = s->dst;
        o->ssrc = s->ssrc;
        memcpy(o->codec, s->codec, sizeof o->codec);
        o->side = s->side;
        o->srtp = s->srtp;
        o->packets = s->packets;
        o->lost = sw_rtp_lost(s);
        o->jitter_max_ms = (float)s->jitter_max_ms;
        o->jitter_mean_ms = (float)sw_rtp_jitter_mean_ms(s);
        o->mos = (float)media_stream_mos(s);
        o->first = s->first_ts;
        o->last = s->last_ts;
    }
}
