/* Media stage: one non-SIP UDP datagram. It is matched to a call by its
 * destination (an announced endpoint: the other side sends) or its source
 * (a side sending from where it announced); a destination match latches the
 * source too, so replies to a NAT's public address are followed. Then it
 * is read as RTP (RFC 3550 5.1) or, with a packet type of 200 to 204, as
 * RTCP (RFC 3550 6.4, RFC 5761): sender and receiver reports give the loss
 * and jitter the far end saw, and with the sender report they answer, the
 * round-trip time. Only headers are read: SRTP (RFC 3711) works alike. */
#include "media_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* The codec of payload type pt as the receiving side announced it (the
 * sender uses the receiver's numbers), else the sender's, else static. */
static void stream_codec(const sw_media_call *mc, sw_rtp_stream *s, uint8_t pt)
{
    for (int k = 0; k < 2; k++) {
        sw_sdp sdp;
        sw_media_side_sdp(mc, k == 0 ? 1 - s->side : s->side, &sdp);
        for (unsigned i = 0; i < sdp.nmedia; i++) {
            const sw_sdp_media *md = &sdp.media[i];
            for (unsigned c = 0; md->kind <= SW_SDP_VIDEO && c < md->ncodecs; c++)
                if (md->codecs[c].pt == pt) {
                    memcpy(s->codec, md->codecs[c].name, sizeof s->codec);
                    s->rate = md->codecs[c].rate;
                    s->srtp = md->srtp;
                    return;
                }
        }
    }
    const char *name = sw_rtp_static_name(pt);
    snprintf(s->codec, sizeof s->codec, "%s", name ? name : "?");
    s->rate = sw_rtp_static_rate(pt);
}

static sw_rtp_stream *find_stream(sw_media *m, sw_media_call *mc, const sw_payload *p, uint32_t ssrc,
                                  uint8_t side, uint8_t pt)
{
    bool other_ssrc = false;
    for (unsigned i = 0; i < mc->nstreams; i++) {
        sw_rtp_stream *s = &mc->streams[i];
        if (s->src.port != p->src.port || s->dst.port != p->dst.port || !sw_ip_equal(&s->src.ip, &p->src.ip) ||
            !sw_ip_equal(&s->dst.ip, &p->dst.ip))
            continue;
        if (s->ssrc == ssrc)
            return s;
        other_ssrc = true;
    }
    if (!mc->streams && !(mc->streams = malloc(SW_MEDIA_STREAMS * sizeof *mc->streams)))
        return NULL;
    if (mc->nstreams >= SW_MEDIA_STREAMS) {
        mc->streams_dropped++;
        m->stats.streams_dropped++;
        return NULL;
    }
    sw_rtp_stream *s = &mc->streams[mc->nstreams++];
    memset(s, 0, sizeof *s);
    s->src = p->src;
    s->dst = p->dst;
    s->ssrc = ssrc;
    s->side = side;
    s->pt = pt;
    s->ssrc_change = other_ssrc;
    s->rtcp_rtt_ms = -1;
    s->bad_loss = (float)m->cfg.bad_loss_percent;
    s->bad_jitter = (float)m->cfg.bad_jitter_ms;
    stream_codec(mc, s, pt);
    m->stats.streams++;
    return s;
}

static sw_rtp_stream *stream_by_ssrc(sw_media_call *mc, uint32_t ssrc)
{
    for (unsigned i = 0; i < mc->nstreams; i++)
        if (mc->streams[i].ssrc == ssrc)
            return &mc->streams[i];
    return NULL;
}

/* One report block (24 bytes) about the stream with the block's SSRC. */
static void report_block(sw_media_call *mc, const uint8_t *b, sw_time_us now)
{
    sw_rtp_stream *s = stream_by_ssrc(mc, rd32(b));
    if (!s)
        return;
    s->rtcp_report = true;
    s->rtcp_fraction_lost = b[4];
    int32_t cum = (int32_t)(((uint32_t)b[5] << 16) | ((uint32_t)b[6] << 8) | b[7]);
    s->rtcp_cum_lost = cum & 0x800000 ? cum - 0x1000000 : cum;
    if (s->rate)
        s->rtcp_jitter_ms = (double)rd32(b + 12) * 1000.0 / s->rate;
    uint32_t lsr = rd32(b + 16), dlsr = rd32(b + 20);
    if (lsr && lsr == s->last_sr_mid && now > s->last_sr_ts) {
        double rtt = (double)(now - s->last_sr_ts) / 1000.0 - (double)dlsr * 1000.0 / 65536.0;
        if (rtt >= 0)
            s->rtcp_rtt_ms = rtt;
    }
}

/* A compound RTCP packet: SRs and RRs read, other types skipped. */
static void rtcp_packet(sw_media *m, sw_media_call *mc, const uint8_t *p, size_t n, sw_time_us now)
{
    m->stats.rtcp_packets++;
    mc->rtcp_packets++;
    while (n >= 8 && (p[0] >> 6) == 2) {
        size_t len = ((size_t)rd16(p + 2) + 1) * 4;
        if (len > n)
            break;
        unsigned count = p[0] & 0x1f;
        size_t blocks = 0;
        if (p[1] == 200 && len >= 28) {
            sw_rtp_stream *s = stream_by_ssrc(mc, rd32(p + 4));
            if (s) {
                s->sr_count++;
                s->last_sr_mid = (rd32(p + 8) << 16) | (rd32(p + 12) >> 16);
                s->last_sr_ts = now;
            }
            blocks = 28;
        } else if (p[1] == 201) {
            blocks = 8;
        }
        for (unsigned i = 0; blocks && i < count && blocks + 24 * (i + 1) <= len; i++)
            report_block(mc, p + blocks + 24 * i, now);
        p += len;
        n -= len;
    }
}

static void rtp_packet(sw_media *m, sw_media_call *mc, const sw_payload *p, uint8_t side)
{
    const uint8_t *d = p->data;
    size_t hdr = 12 + 4 * (size_t)(d[0] & 0x0f);
    if (p->len < hdr) {
        m->stats.malformed++;
        return;
    }
    m->stats.rtp_packets++;
    uint8_t pt = d[1] & 0x7f;
    sw_rtp_stream *s = find_stream(m, mc, p, rd32(d + 8), side, pt);
    if (s)
        sw_rtp_stream_packet(s, p->ts, rd16(d + 2), rd32(d + 4), (d[1] & 0x80) != 0, p->len);
}

static bool is_rtcp(const uint8_t *d) { return d[1] >= 200 && d[1] <= 204; }

/* The call entry an endpoint (or, for RTCP, the RTP port below it) belongs to. */
static int32_t lookup(const sw_media *m, const sw_endpoint *ep, bool rtcp)
{
    int32_t e = media_ep_lookup(m, ep);
    if (e < 0 && rtcp && ep->port > 0) {
        sw_endpoint rtp = *ep;
        rtp.port--;
        e = media_ep_lookup(m, &rtp);
    }
    return e;
}

void sw_media_datagram(sw_media *m, const sw_payload *p)
{
    m->stats.datagrams++;
    if (p->len < 8 || (p->data[0] >> 6) != 2)
        return;                     /* not RTP or RTCP: not ours to count */
    bool rtcp = is_rtcp(p->data);
    uint8_t sender;
    int32_t e = lookup(m, &p->dst, rtcp);
    if (e >= 0) {
        sender = (uint8_t)(1 - media_ep_entry(m, e)->side);
        if (!rtcp && !m->slots[media_ep_slot(e)].call->ep_full && media_ep_lookup(m, &p->src) < 0)
            media_ep_add(m, media_ep_slot(e), &p->src, sender, true);
    } else if ((e = lookup(m, &p->src, rtcp)) >= 0) {
        sender = media_ep_entry(m, e)->side;
    } else {
        m->stats.unmatched++;
        return;
    }
    sw_media_call *mc = m->slots[media_ep_slot(e)].call;
    if (rtcp)
        rtcp_packet(m, mc, p->data, p->len, p->ts);
    else
        rtp_packet(m, mc, p, sender);
}
