/* Media stage: what a correlated SIP message's SDP teaches. The side that
 * sent it is told by the From tag: the caller's requests and the callee's
 * responses to them carry the caller's tag. Each audio or video line's
 * address and port becomes an endpoint of that side; re-offers are compared
 * with the side's previous SDP (hold, resume, codec, T.38, address). */
#include "media_internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t tag_hash(const char *tag)
{
    return tag && *tag ? media_call_key(tag) : 0;
}

static const sw_sdp_media *first_audio(const sw_sdp *sdp)
{
    for (unsigned i = 0; i < sdp->nmedia; i++)
        if (sdp->media[i].kind == SW_SDP_AUDIO)
            return &sdp->media[i];
    return NULL;
}

static bool addr_is_zero(const sw_ip_addr *ip)
{
    for (int i = 0; i < (ip->family == 6 ? 16 : 4); i++)
        if (ip->bytes[i])
            return false;
    return ip->family != 0;
}

/* A side's SDP puts the call on hold: its audio does not both send and
 * receive, or is disabled (port 0, or the old c=0.0.0.0). */
static bool sdp_holds(const sw_sdp *sdp)
{
    const sw_sdp_media *a = first_audio(sdp);
    return a && (a->dir != SW_SDP_SENDRECV || a->port == 0 || addr_is_zero(&a->addr));
}

static void note_changes(sw_media_call *mc, const sw_sdp *old, const sw_sdp *now)
{
    const sw_sdp_media *a = first_audio(old), *b = first_audio(now);
    if (a && b) {
        if (a->ncodecs && b->ncodecs && strcmp(a->codecs[0].name, b->codecs[0].name) != 0)
            mc->changes |= SW_MEDIA_CHANGE_CODEC;
        if (b->port && !addr_is_zero(&b->addr) && (a->port != b->port || !sw_ip_equal(&a->addr, &b->addr)))
            mc->changes |= SW_MEDIA_CHANGE_ADDRESS;
    }
    for (unsigned i = 0; i < now->nmedia; i++)
        if (now->media[i].t38 && now->media[i].port)
            mc->changes |= SW_MEDIA_CHANGE_T38;
}

static void update_hold(sw_media_call *mc, sw_time_us ts)
{
    bool held = false;
    for (int k = 0; k < 2; k++) {
        sw_sdp sdp;
        held |= sw_media_side_sdp(mc, k, &sdp) && sdp_holds(&sdp);
    }
    if (held && !mc->held) {
        mc->hold_ts = ts;
        mc->ever_held = true;
        mc->changes |= SW_MEDIA_CHANGE_HOLD;
    } else if (!held && mc->held) {
        mc->held_us += ts - mc->hold_ts;
        mc->changes |= SW_MEDIA_CHANGE_RESUME;
    }
    mc->held = held;
}

/* An SDP without ICE from a public (not private, not loopback) source
 * whose audio address is private: remembered for sdp-private-address. */
static void note_private(sw_media_call *mc, const sw_sip_msg *msg)
{
    if (mc->private_sdp || msg->sdp.ice || sw_ip_is_private(&msg->src.ip) ||
        sw_ip_is_loopback(&msg->src.ip))
        return;
    for (unsigned i = 0; i < msg->sdp.nmedia; i++) {
        const sw_sdp_media *md = &msg->sdp.media[i];
        if (md->kind != SW_SDP_AUDIO || !md->port || !sw_ip_is_private(&md->addr))
            continue;
        sw_media_private_sdp *ps = calloc(1, sizeof *ps);
        if (!ps)
            return;
        ps->addr = md->addr;
        ps->port = md->port;
        ps->src = msg->src;
        ps->dst = msg->dst;
        ps->status = (uint16_t)(msg->is_request ? 0 : msg->status);
        ps->method = (uint8_t)(msg->is_request ? msg->method : msg->cseq_method);
        ps->ts = msg->ts;
        mc->private_sdp = ps;
        return;
    }
}

void sw_media_learn(sw_media *m, const sw_sip_msg *msg)
{
    if (!m || !msg->sdp.present || !msg->call_id)
        return;
    int32_t ci = media_call_get(m, media_call_key(msg->call_id));
    if (ci < 0)
        return;
    sw_media_call *mc = m->slots[ci].call;
    uint64_t from = tag_hash(msg->from_tag);
    if (!mc->caller_tag)
        mc->caller_tag = from;      /* responses carry the From of the request */
    bool caller_tagged = from == mc->caller_tag;
    uint8_t side = (uint8_t)(caller_tagged == msg->is_request ? 0 : 1);
    sw_media_side *sd = &mc->side[side];
    if (sd->have) {
        sw_sdp old;
        sw_media_side_sdp(mc, side, &old);
        note_changes(mc, &old, &msg->sdp);
        if (msg->is_request && msg->to_tag)
            mc->reoffers++;
    }
    note_private(mc, msg);
    uint8_t *packed = media_sdp_pack(&msg->sdp);
    if (packed) {                   /* out of memory: the side keeps its previous SDP */
        free(sd->sdp);
        sd->sdp = packed;
    }
    sd->have = sd->sdp != NULL;
    mc->last_side = side;
    sd->sdps++;
    for (unsigned i = 0; i < msg->sdp.nmedia; i++) {
        const sw_sdp_media *md = &msg->sdp.media[i];
        mc->t38 |= md->t38 && md->port;
        mc->srtp |= md->srtp;
        if (md->kind > SW_SDP_VIDEO || !md->port || !md->addr.family || addr_is_zero(&md->addr))
            continue;
        sw_endpoint ep = {.ip = md->addr, .port = md->port};
        media_ep_add(m, ci, &ep, side, false);
    }
    update_hold(mc, msg->ts);
}
