/* Media stage: a call's media as its call record shows it (sw_call.media,
 * streams), and the MOS histogram of ended streams. */
#include "media_internal.h"

#include <stdio.h>
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
    for (int k = 0; k < 2; k++) {
        sw_sdp sdp;
        sw_media_side_sdp(mc, k, &sdp);
        for (unsigned i = 0; i < sdp.nmedia; i++)
            if (sdp.media[i].kind == SW_SDP_AUDIO && sdp.media[i].port)
                return true;
    }
    return false;
}

static void fill_sdp(const sw_media_call *mc, int side, sw_call_sdp *o)
{
    memset(o, 0, sizeof *o);
    sw_sdp sdp;
    if (!sw_media_side_sdp(mc, side, &sdp))
        return;
    o->present = true;
    o->ice = sdp.ice;
    for (unsigned i = 0; i < sdp.nmedia; i++) {
        const sw_sdp_media *md = &sdp.media[i];
        o->t38 |= md->t38 && md->port;
        if (md->kind != SW_SDP_AUDIO || o->audio.port)
            continue;
        o->audio.ip = md->addr;
        o->audio.port = md->port;
        o->dir = md->dir;
        o->srtp = md->srtp;
        /* "PCMU PCMA telephone-event", cut where the field ends (every call
         * record builds it: no printf). */
        size_t used = 0, room = sizeof o->codecs - 1;
        for (unsigned c = 0; c < md->ncodecs && used < room; c++) {
            if (c)
                o->codecs[used++] = ' ';
            size_t n = strnlen(md->codecs[c].name, sizeof md->codecs[c].name);
            if (n > room - used)
                n = room - used;
            memcpy(o->codecs + used, md->codecs[c].name, n);
            used += n;
        }
        o->codecs[used] = '\0';
    }
}

void sw_media_fill_call(const sw_media_call *mc, bool media_seen, sw_call *call)
{
    call->media = SW_CALL_MEDIA_NONE;
    call->nstreams = 0;
    if (!mc)
        return;
    fill_sdp(mc, 0, &call->sdp[0]);
    fill_sdp(mc, 1, &call->sdp[1]);
    call->media_changes = mc->changes;
    call->reoffers = mc->reoffers;
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
        o->rtcp = s->rtcp_report;
        o->rtcp_fraction_lost = s->rtcp_fraction_lost;
        o->rtcp_cum_lost = s->rtcp_cum_lost;
        o->rtcp_jitter_ms = (float)s->rtcp_jitter_ms;
        o->rtt_ms = (float)s->rtcp_rtt_ms;
    }
}
