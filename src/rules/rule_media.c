/* Shared helpers for the media rules: the call window and per-side RTP of
 * a call at its end (see rule_media.h). */
#include "rule_media.h"

#include <stdio.h>
#include <string.h>

const char *media_side_name(int side)
{
    return side ? "callee" : "caller";
}

const sw_endpoint *media_side_signalling(const sw_flow *f, int side)
{
    return side ? &f->server : &f->client;
}

bool media_sdp_audio_line(const sw_media_call *mc, int side, sw_sdp_media *out)
{
    sw_sdp sdp;
    sw_media_side_sdp(mc, side, &sdp);
    for (unsigned i = 0; i < sdp.nmedia; i++)
        if (sdp.media[i].kind == SW_SDP_AUDIO) {
            *out = sdp.media[i];
            return true;
        }
    return false;
}

const char *media_sdp_audio(const sw_media_call *mc, int side, char *buf, size_t n)
{
    sw_sdp_media a;
    if (!media_sdp_audio_line(mc, side, &a)) {
        snprintf(buf, n, "?");
        return buf;
    }
    sw_endpoint ep = {.ip = a.addr, .port = a.port};
    return rule_ep(&ep, buf, n);
}

bool media_view_of(const sw_rule_ctx *ctx, const sw_event *ev, media_view *v)
{
    const sw_flow *f = ev->flow;
    const sw_media_call *mc = ctx->media;
    if (ev->kind != SW_EVENT_FLOW_END || !f || !mc || !ctx->media_on || f->first_method != SW_METHOD_INVITE ||
        !f->answer_ts || mc->t38)
        return false;
    sw_sdp_media audio;
    if (!media_sdp_audio_line(mc, 0, &audio) && !media_sdp_audio_line(mc, 1, &audio))
        return false;
    memset(v, 0, sizeof *v);
    v->flow = f;
    v->mc = mc;
    v->answer = f->answer_ts;
    if (f->dialog == SW_DIALOG_TERMINATED && f->end_ts > f->answer_ts)
        v->end = f->end_ts;
    else if (ev->end == SW_END_CAPTURE && f->dialog == SW_DIALOG_CONFIRMED)
        v->end = ev->now;
    else
        return false;
    for (unsigned i = 0; i < mc->nstreams; i++) {
        const sw_rtp_stream *s = &mc->streams[i];
        int k = s->side;
        v->packets[k] += s->packets;
        if (!v->first[k] || s->first_ts < v->first[k])
            v->first[k] = s->first_ts;
        if (s->last_ts > v->last[k])
            v->last[k] = s->last_ts;
    }
    return true;
}
