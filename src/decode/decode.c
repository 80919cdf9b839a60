/* Decode stage: from a captured frame to SIP payloads.
 * Each layer is one function that checks its header against the bytes
 * actually captured, strips it, and calls the next; nothing here trusts a
 * length field. Tunnels re-enter the IP decoder with a depth limit. UDP and
 * SCTP payloads are recognised as SIP by content; TCP goes through the
 * stream reassembler and its SIP framer. */
#include "sipwatch/decode.h"
#include "sipwatch/sctp_reassembly.h"

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#define SW_MAX_TUNNEL_DEPTH 4

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE_SESSION 0x8864
#define ETH_TEB 0x6558          /* transparent Ethernet bridging (GRE) */
#define ETH_ERSPAN_2 0x88be
#define ETH_ERSPAN_3 0x22eb
#define ETH_PPP 0x880b

#define IPPROTO_V_IPIP 4
#define IPPROTO_V_TCP 6
#define IPPROTO_V_UDP 17
#define IPPROTO_V_IPV6 41
#define IPPROTO_V_GRE 47
#define IPPROTO_V_SCTP 132

#define UDP_PORT_VXLAN 4789
#define UDP_PORT_GTPU 2152

struct sw_decoder {
    sw_decode_config cfg;
    int dlt;
    sw_payload_fn on_payload;
    sw_payload_fn on_media;         /* non-SIP UDP datagrams, for the media stage (NULL = off) */
    void *media_user;
    void *user;
    sw_ipfrag_table *ipfrag;
    sw_tcp_table *tcp;
    sw_sctp_table *sctp;
    sw_decode_stats stats;
    sw_hep_stats *hep;              /* allocated at the first HEP packet */
    sw_time_us content_ts;          /* HEP time of the frame's last SIP message */
    /* Per-frame context */
    sw_time_us ts;
    uint64_t frame;
    bool frame_cut;                 /* the snapshot length cut this frame short */
    int depth;
};

/* What a layer knows of the IP header beneath it. */
typedef struct ip_ctx {
    sw_ip_addr src, dst;
} ip_ctx;

static void decode_ethernet(sw_decoder *d, const uint8_t *p, size_t n);
static void decode_ip(sw_decoder *d, const uint8_t *p, size_t n);
static void decode_by_ethertype(sw_decoder *d, uint16_t type, const uint8_t *p, size_t n);

static uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void sw_decode_config_default(sw_decode_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    sw_ipfrag_limits_default(&cfg->ipfrag);
    sw_tcp_limits_default(&cfg->tcp);
    cfg->max_message_len = 256 * 1024;
}

/* ---- HEP ------------------------------------------------------------------ */

static sw_hep_stats *hep_stats(sw_decoder *d)
{
    if (!d->hep)
        d->hep = calloc(1, sizeof *d->hep);
    return d->hep;
}

/* A packet recognised as HEP (in a capture, or from the listener): decoded,
 * counted, its SIP handed on with the addresses and time it carries. */
static void hep_packet(sw_decoder *d, const sw_ip_addr *from, const uint8_t *p, size_t n)
{
    sw_hep_stats *s = hep_stats(d);
    if (!s)
        return;
    s->received++;
    sw_hep_msg m;
    sw_hep_drop why;
    if (!sw_hep_decode(p, n, d->cfg.hep_password, &m, &why)) {
        s->dropped[why]++;
        return;
    }
    sw_payload pl;
    if (!sw_hep_to_payload(s, &m, from, d->ts, d->frame, &pl))
        return;
    if (pl.len > d->cfg.max_message_len) {
        d->stats.oversize_messages++;
        return;
    }
    d->content_ts = pl.ts;
    d->stats.sip_payloads++;
    d->on_payload(d->user, &pl);
}

static void hep_from_stream(void *user, const uint8_t *p, size_t n, const sw_payload *tmpl)
{
    sw_decoder *d = user;
    if (sw_hep_detect(p, n) != 3) {     /* the stream lost its HEP framing */
        sw_decoder_hep_drop(d, SW_HEP_DROP_BAD_LENGTH, 1);
        return;
    }
    hep_packet(d, &tmpl->src.ip, p, n);
}

void sw_decoder_hep_packet(sw_decoder *d, sw_time_us ts, const sw_ip_addr *from, const uint8_t *p, size_t n)
{
    d->stats.packets++;
    d->stats.bytes += n;
    d->ts = ts;
    d->frame = d->stats.packets;
    d->content_ts = 0;
    if (!sw_hep_detect(p, n)) {
        sw_decoder_hep_drop(d, SW_HEP_DROP_NOT_HEP, 1);
        return;
    }
    hep_packet(d, from, p, n);
}

void sw_decoder_hep_drop(sw_decoder *d, sw_hep_drop why, uint64_t n)
{
    sw_hep_stats *s = hep_stats(d);
    if (s && (unsigned)why < SW_HEP_DROP_COUNT) {
        s->received += n;
        s->dropped[why] += n;
    }
}

sw_time_us sw_decoder_content_time(const sw_decoder *d)
{
    return d->content_ts ? d->content_ts : d->ts;
}

const sw_hep_stats *sw_decoder_hep_stats(const sw_decoder *d)
{
    return d->hep;
}

sw_decoder *sw_decoder_create(const sw_decode_config *cfg, sw_payload_fn on_payload, void *user)
{
    sw_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (cfg)
        d->cfg = *cfg;
    else
        sw_decode_config_default(&d->cfg);
    if (!d->cfg.max_message_len)
        d->cfg.max_message_len = 256 * 1024;
    d->on_payload = on_payload;
    d->user = user;
    d->dlt = DLT_EN10MB;
    d->ipfrag = sw_ipfrag_create(&d->cfg.ipfrag);
    d->tcp = sw_tcp_create(&d->cfg.tcp, d->cfg.max_message_len, on_payload, user);
    if (d->tcp)
        sw_tcp_set_keylog(d->tcp, d->cfg.tls_keylog);
    d->sctp = sw_sctp_create(d->cfg.max_message_len);
    if (!d->ipfrag || !d->tcp || !d->sctp) {
        sw_decoder_destroy(d);
        return NULL;
    }
    if (!d->cfg.hep_frames_off)
        sw_tcp_set_hep(d->tcp, hep_from_stream, d);
    return d;
}

void sw_decoder_destroy(sw_decoder *d)
{
    if (!d)
        return;
    sw_ipfrag_destroy(d->ipfrag);
    sw_tcp_destroy(d->tcp);
    sw_sctp_destroy(d->sctp);
    free(d->hep);
    free(d);
}

void sw_decoder_set_media(sw_decoder *d, sw_payload_fn on_media, void *user)
{
    d->on_media = on_media;
    d->media_user = user;
}

bool sw_decode_linktype_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
        return true;
    default:
        return false;
    }
}

bool sw_decoder_set_linktype(sw_decoder *d, int dlt)
{
    if (!sw_decode_linktype_supported(dlt))
        return false;
    d->dlt = dlt;
    return true;
}

/* ---- transport payloads ------------------------------------------------ */

static bool is_keepalive(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\0')
            return false;
    return true;
}

static void emit_datagram(sw_decoder *d, const ip_ctx *ip, uint16_t sport, uint16_t dport,
                          sw_transport transport, const uint8_t *p, size_t n)
{
    if (n == 0 || is_keepalive(p, n)) {
        d->stats.keepalives++;
        return;
    }
    if (sw_sip_start_line(p, n) != SW_START_YES) {
        d->stats.non_sip_payloads++;
        if (d->on_media && transport == SW_TRANSPORT_UDP) {
            sw_payload media = {
                .ts = d->ts, .frame = d->frame, .transport = transport, .data = p, .len = n, .media = 1,
                .src = {.ip = ip->src, .port = sport}, .dst = {.ip = ip->dst, .port = dport},
            };
            d->on_media(d->media_user, &media);
        }
        return;
    }
    if (n > d->cfg.max_message_len) {
        d->stats.oversize_messages++;
        return;
    }
    sw_payload pl = {
        .ts = d->ts, .frame = d->frame, .transport = transport, .data = p, .len = n,
        .src = {.ip = ip->src, .port = sport}, .dst = {.ip = ip->dst, .port = dport},
    };
    d->stats.sip_payloads++;
    d->on_payload(d->user, &pl);
}

/* GTP-U (3GPP TS 29.281): G-PDUs carry an IP packet. Returns false if the
 * bytes are not a G-PDU, so the caller can treat them as a plain payload. */
static bool decode_gtpu(sw_decoder *d, const uint8_t *p, size_t n)
{
    if (n < 8 || (p[0] >> 5) != 1 || !(p[0] & 0x10) || p[1] != 0xff)
        return false;
    size_t off = 8;
    if (p[0] & 0x07) {              /* E, S or PN: 4 more bytes */
        if (n < 12)
            return false;
        off = 12;
        uint8_t next = (p[0] & 0x04) ? p[11] : 0;
        while (next) {
            if (off >= n)
                return false;
            size_t ext = (size_t)p[off] * 4;
            if (ext == 0 || off + ext > n)
                return false;
            next = p[off + ext - 1];
            off += ext;
        }
    }
    if (off >= n || ((p[off] >> 4) != 4 && (p[off] >> 4) != 6))
        return false;
    d->stats.tunnels++;
    decode_ip(d, p + off, n - off);
    return true;
}

static void decode_udp(sw_decoder *d, const ip_ctx *ip, const uint8_t *p, size_t n)
{
    if (n < 8) {
        d->stats.truncated++;
        return;
    }
    d->stats.udp++;
    uint16_t sport = rd16(p), dport = rd16(p + 2), ulen = rd16(p + 4);
    size_t len = n - 8;
    if (ulen >= 8 && (size_t)ulen - 8 <= len)
        len = (size_t)ulen - 8;     /* ignores trailing link-layer padding */
    else
        d->stats.truncated++;       /* bogus or cut length: decode what the IP layer holds */
    const uint8_t *data = p + 8;

    if ((sport == UDP_PORT_GTPU || dport == UDP_PORT_GTPU) && decode_gtpu(d, data, len))
        return;
    if (dport == UDP_PORT_VXLAN && len >= 16 && (data[0] & 0x08)) {
        d->stats.tunnels++;
        decode_ethernet(d, data + 8, len - 8);
        return;
    }
    if (!d->cfg.hep_frames_off && sw_hep_detect(data, len)) {  /* HEP on any port, by its header */
        hep_packet(d, &ip->src, data, len);
        return;
    }
    emit_datagram(d, ip, sport, dport, SW_TRANSPORT_UDP, data, len);
}

/* SCTP (RFC 9260): SIP rides in DATA chunks; unfragmented ones are framed. */
static void decode_sctp(sw_decoder *d, const ip_ctx *ip, const uint8_t *p, size_t n)
{
    if (n < 12) {
        d->stats.truncated++;
        return;
    }
    d->stats.sctp++;
    uint16_t sport = rd16(p), dport = rd16(p + 2);
    size_t off = 12;
    while (off + 4 <= n) {
        uint8_t type = p[off], flags = p[off + 1];
        size_t clen = rd16(p + off + 2);
        if (clen < 4 || off + clen > n)
            break;
        if (type == 0 && clen > 16) {       /* DATA */
            const uint8_t *data = p + off + 16;
            size_t dlen = clen - 16;
            if ((flags & 0x03) == 0x03) {
                emit_datagram(d, ip, sport, dport, SW_TRANSPORT_SCTP, data, dlen);
            } else {
                sw_endpoint src = {.ip = ip->src, .port = sport}, dst = {.ip = ip->dst, .port = dport};
                const uint8_t *msg;
                size_t mlen;
                d->stats.sctp_fragmented++;
                if (sw_sctp_add(d->sctp, &src, &dst, rd16(p + off + 8), rd32(p + off + 4), flags,
                                data, dlen, d->ts, &msg, &mlen))
                    emit_datagram(d, ip, sport, dport, SW_TRANSPORT_SCTP, msg, mlen);
            }
        }
        off += (clen + 3) & ~(size_t)3;
    }
}

static void decode_tcp(sw_decoder *d, const ip_ctx *ip, const uint8_t *p, size_t n)
{
    if (n < 20) {
        d->stats.truncated++;
        return;
    }
    size_t hlen = (size_t)(p[12] >> 4) * 4;
    if (hlen < 20 || hlen > n) {
        d->stats.truncated++;
        return;
    }
    d->stats.tcp++;
    sw_tcp_segment seg = {
        .ts = d->ts, .frame = d->frame,
        .src = {.ip = ip->src, .port = rd16(p)}, .dst = {.ip = ip->dst, .port = rd16(p + 2)},
        .seq = rd32(p + 4), .flags = p[13], .data = p + hlen, .len = n - hlen,
    };
    /* TLS is recognised by the framer from the bytes, never by port. */
    sw_tcp_segment_add(d->tcp, &seg);
}

/* GRE (RFC 2784/2890), with ERSPAN types I-III and PPP inside. */
static void decode_gre(sw_decoder *d, const uint8_t *p, size_t n)
{
    if (n < 4) {
        d->stats.truncated++;
        return;
    }
    uint16_t flags = rd16(p), proto = rd16(p + 2);
    if ((flags & 0x0007) > 1)       /* version 0, or 1 (enhanced GRE, PPTP) */
        return;
    size_t off = 4;
    if (flags & 0x8000) off += 4;   /* checksum + reserved */
    if (flags & 0x2000) off += 4;   /* key */
    if (flags & 0x1000) off += 4;   /* sequence number */
    if ((flags & 0x0007) == 1 && (flags & 0x0080)) off += 4;    /* acknowledgement */
    if (off > n) {
        d->stats.truncated++;
        return;
    }
    p += off;
    n -= off;
    d->stats.tunnels++;
    switch (proto) {
    case ETH_ERSPAN_2:
        if (!(flags & 0x1000)) {    /* type I: no ERSPAN header */
            decode_ethernet(d, p, n);
        } else if (n >= 8) {
            decode_ethernet(d, p + 8, n - 8);
        }
        return;
    case ETH_ERSPAN_3:
        if (n >= 12) {
            size_t h = 12 + ((p[11] & 0x01) ? 8 : 0);   /* O flag: platform subheader */
            if (h <= n)
                decode_ethernet(d, p + h, n - h);
        }
        return;
    case ETH_TEB:
        decode_ethernet(d, p, n);
        return;
    case ETH_PPP: {
        if (n >= 2 && p[0] == 0xff && p[1] == 0x03) {
            p += 2;
            n -= 2;
        }
        if (n < 1)
            return;
        uint16_t pp = p[0] & 1 ? p[0] : (n >= 2 ? rd16(p) : 0);
        size_t plen = p[0] & 1 ? 1 : 2;
        if (pp == 0x21 || pp == 0x57)
            decode_ip(d, p + plen, n - plen);
        return;
    }
    default:
        decode_by_ethertype(d, proto, p, n);
    }
}

static sw_unreachable icmp_kind(bool v6, uint8_t type, uint8_t code)
{
    if (!v6) {
        if (type != 3)
            return SW_UNREACH_NONE;
        switch (code) {
        case 0: case 6: case 11: return SW_UNREACH_NET;
        case 1: case 7: case 12: return SW_UNREACH_HOST;
        case 3: return SW_UNREACH_PORT;
        case 9: case 10: case 13: return SW_UNREACH_PROHIBITED;
        default: return SW_UNREACH_OTHER;
        }
    }
    if (type != 1)
        return SW_UNREACH_NONE;
    switch (code) {
    case 0: return SW_UNREACH_NET;
    case 1: case 5: case 6: return SW_UNREACH_PROHIBITED;
    case 3: return SW_UNREACH_HOST;
    case 4: return SW_UNREACH_PORT;
    default: return SW_UNREACH_OTHER;
    }
}

/* ICMP destination unreachable quoting a UDP datagram that carried SIP:
 * the quoted start of the message is handed on, marked, with the quoted
 * datagram's addresses (the request that could not be delivered). */
static void decode_icmp(sw_decoder *d, const ip_ctx *outer, const uint8_t *p, size_t n, bool v6)
{
    if (n < 8)
        return;
    sw_unreachable kind = icmp_kind(v6, p[0], p[1]);
    if (kind == SW_UNREACH_NONE)
        return;
    d->stats.icmp_unreachable++;
    const uint8_t *q = p + 8;
    size_t qn = n - 8, ihl;
    ip_ctx ip;
    memset(&ip, 0, sizeof ip);
    uint8_t proto;
    if (!v6 && qn >= 20 && (q[0] >> 4) == 4) {
        ihl = (size_t)(q[0] & 0x0f) * 4;
        if (ihl < 20 || ihl > qn || (rd16(q + 6) & 0x1fff))
            return;                 /* not the first fragment: no UDP header quoted */
        ip.src.family = ip.dst.family = 4;
        memcpy(ip.src.bytes, q + 12, 4);
        memcpy(ip.dst.bytes, q + 16, 4);
        proto = q[9];
    } else if (v6 && qn >= 40 && (q[0] >> 4) == 6) {
        ihl = 40;
        ip.src.family = ip.dst.family = 6;
        memcpy(ip.src.bytes, q + 8, 16);
        memcpy(ip.dst.bytes, q + 24, 16);
        proto = q[6];
    } else {
        return;
    }
    q += ihl;
    qn -= ihl;
    if (proto != IPPROTO_V_UDP || qn < 8)
        return;
    const uint8_t *data = q + 8;
    size_t len = qn - 8;
    if (!len || sw_sip_start_line(data, len) != SW_START_YES)
        return;
    d->stats.icmp_sip++;
    sw_payload pl = {
        .ts = d->ts, .frame = d->frame, .transport = SW_TRANSPORT_UDP, .data = data, .len = len,
        .src = {.ip = ip.src, .port = rd16(q)}, .dst = {.ip = ip.dst, .port = rd16(q + 2)},
        .icmp = (uint8_t)kind, .icmp_from = outer->src,
    };
    d->on_payload(d->user, &pl);
}

static void decode_l4(sw_decoder *d, uint8_t proto, const ip_ctx *ip, const uint8_t *p, size_t n)
{
    switch (proto) {
    case 1: decode_icmp(d, ip, p, n, false); break;
    case 58: decode_icmp(d, ip, p, n, true); break;
    case IPPROTO_V_UDP: decode_udp(d, ip, p, n); break;
    case IPPROTO_V_TCP: decode_tcp(d, ip, p, n); break;
    case IPPROTO_V_SCTP: decode_sctp(d, ip, p, n); break;
    case IPPROTO_V_IPIP:
    case IPPROTO_V_IPV6:
        d->stats.tunnels++;
        decode_ip(d, p, n);
        break;
    case IPPROTO_V_GRE: decode_gre(d, p, n); break;
    default: d->stats.other_l4++; break;
    }
}

/* Decodes a reassembled datagram; its buffer belongs to the fragment table
 * until the next call on it, and tunnels inside may call it again. */
static void decode_reassembled(sw_decoder *d, uint8_t proto, const ip_ctx *ip,
                               const uint8_t *p, size_t n, bool v6);

static void ipv6_payload(sw_decoder *d, uint8_t nh, const ip_ctx *ip, const uint8_t *p, size_t n)
{
    for (int hops = 0; hops < 16; hops++) {
        switch (nh) {
        case 0:     /* hop-by-hop */
        case 43:    /* routing */
        case 60:    /* destination options */
        case 135:   /* mobility */
            if (n < 8) {
                d->stats.truncated++;
                return;
            }
            {
                size_t ext = ((size_t)p[1] + 1) * 8;
                if (ext > n) {
                    d->stats.truncated++;
                    return;
                }
                nh = p[0];
                p += ext;
                n -= ext;
            }
            continue;
        case 51: {  /* authentication header */
            if (n < 8) {
                d->stats.truncated++;
                return;
            }
            size_t ext = ((size_t)p[1] + 2) * 4;
            if (ext > n) {
                d->stats.truncated++;
                return;
            }
            nh = p[0];
            p += ext;
            n -= ext;
            continue;
        }
        case 44: {  /* fragment */
            if (n < 8) {
                d->stats.truncated++;
                return;
            }
            uint16_t fo = rd16(p + 2);
            uint32_t offset = (uint32_t)(fo & 0xfff8);
            bool more = fo & 1;
            if (offset == 0 && !more) {     /* atomic fragment */
                nh = p[0];
                p += 8;
                n -= 8;
                continue;
            }
            sw_ipfrag_key key = {.src = ip->src, .dst = ip->dst, .id = rd32(p + 4), .protocol = p[0]};
            const uint8_t *out;
            size_t out_len;
            if (sw_ipfrag_add(d->ipfrag, &key, offset, p + 8, n - 8, more, d->ts, &out, &out_len))
                decode_reassembled(d, p[0], ip, out, out_len, true);
            return;
        }
        case 59:    /* no next header */
            return;
        default:
            decode_l4(d, nh, ip, p, n);
            return;
        }
    }
}

static void decode_reassembled(sw_decoder *d, uint8_t proto, const ip_ctx *ip,
                               const uint8_t *p, size_t n, bool v6)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return;
    memcpy(copy, p, n);
    if (v6)
        ipv6_payload(d, proto, ip, copy, n);
    else
        decode_l4(d, proto, ip, copy, n);
    free(copy);
}

static void decode_ipv4(sw_decoder *d, const uint8_t *p, size_t n)
{
    if (n < 20) {
        d->stats.truncated++;
        return;
    }
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t total = rd16(p + 2);
    if (ihl < 20 || ihl > n) {
        d->stats.truncated++;
        return;
    }
    if (total < ihl) {
        d->stats.truncated++;
        return;
    }
    if (total > n) {
        d->stats.truncated++;
        if (d->frame_cut)
            return;                 /* cut by the snapshot length: never analyse half a message */
        /* A complete frame with a bogus length: decode what is there, as Wireshark does. */
    } else {
        n = total;                  /* drop link-layer padding */
    }
    d->stats.ipv4++;
    ip_ctx ip = {.src = {.family = 4}, .dst = {.family = 4}};
    memcpy(ip.src.bytes, p + 12, 4);
    memcpy(ip.dst.bytes, p + 16, 4);
    uint8_t proto = p[9];
    uint16_t frag = rd16(p + 6);
    uint32_t offset = (uint32_t)(frag & 0x1fff) * 8;
    bool more = frag & 0x2000;
    if (offset || more) {
        sw_ipfrag_key key = {.src = ip.src, .dst = ip.dst, .id = rd16(p + 4), .protocol = proto};
        const uint8_t *out;
        size_t out_len;
        if (sw_ipfrag_add(d->ipfrag, &key, offset, p + ihl, n - ihl, more, d->ts, &out, &out_len))
            decode_reassembled(d, proto, &ip, out, out_len, false);
        return;
    }
    decode_l4(d, proto, &ip, p + ihl, n - ihl);
}

static void decode_ipv6(sw_decoder *d, const uint8_t *p, size_t n)
{
    if (n < 40) {
        d->stats.truncated++;
        return;
    }
    size_t plen = rd16(p + 4);
    if (plen + 40 > n) {
        d->stats.truncated++;
        if (d->frame_cut)
            return;
        plen = n - 40;
    }
    if (plen == 0 && p[6] != 0) {   /* zero length without a jumbo option: empty */
        return;
    }
    if (plen)
        n = plen + 40;
    d->stats.ipv6++;
    ip_ctx ip = {.src = {.family = 6}, .dst = {.family = 6}};
    memcpy(ip.src.bytes, p + 8, 16);
    memcpy(ip.dst.bytes, p + 24, 16);
    ipv6_payload(d, p[6], &ip, p + 40, n - 40);
}

static void decode_ip(sw_decoder *d, const uint8_t *p, size_t n)
{
    if (n < 1) {
        d->stats.truncated++;
        return;
    }
    if (++d->depth > SW_MAX_TUNNEL_DEPTH) {
        d->depth--;
        return;
    }
    switch (p[0] >> 4) {
    case 4: decode_ipv4(d, p, n); break;
    case 6: decode_ipv6(d, p, n); break;
    default: d->stats.non_ip++; break;
    }
    d->depth--;
}

static void decode_mpls(sw_decoder *d, const uint8_t *p, size_t n)
{
    for (int labels = 0; labels < 8; labels++) {
        if (n < 4) {
            d->stats.truncated++;
            return;
        }
        bool bottom = p[2] & 0x01;
        p += 4;
        n -= 4;
        if (bottom) {
            if (n && ((p[0] >> 4) == 4 || (p[0] >> 4) == 6))
                decode_ip(d, p, n);
            else
                d->stats.non_ip++;
            return;
        }
    }
}

static void decode_by_ethertype(sw_decoder *d, uint16_t type, const uint8_t *p, size_t n)
{
    for (int tags = 0; tags < 4; tags++) {
        switch (type) {
        case ETH_IPV4:
        case ETH_IPV6:
            decode_ip(d, p, n);
            return;
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD:
            if (n < 4) {
                d->stats.truncated++;
                return;
            }
            type = rd16(p + 2);
            p += 4;
            n -= 4;
            continue;
        case ETH_MPLS:
        case ETH_MPLS_MC:
            decode_mpls(d, p, n);
            return;
        case ETH_PPPOE_SESSION:
            if (n < 8) {
                d->stats.truncated++;
                return;
            }
            if (rd16(p + 6) == 0x0021 || rd16(p + 6) == 0x0057)
                decode_ip(d, p + 8, n - 8);
            else
                d->stats.non_ip++;
            return;
        default:
            d->stats.non_ip++;
            return;
        }
    }
    d->stats.non_ip++;
}

static void decode_ethernet(sw_decoder *d, const uint8_t *p, size_t n)
{
    if (n < 14) {
        d->stats.truncated++;
        return;
    }
    uint16_t type = rd16(p + 12);
    if (type < 0x0600) {            /* 802.3 length field: LLC, not IP */
        d->stats.non_ip++;
        return;
    }
    decode_by_ethertype(d, type, p + 14, n - 14);
}

void sw_decoder_frame(sw_decoder *d, sw_time_us ts, const uint8_t *p, size_t caplen, size_t wirelen)
{
    d->stats.packets++;
    d->stats.bytes += wirelen;
    d->ts = ts;
    d->frame = d->stats.packets;
    d->frame_cut = caplen < wirelen;
    d->depth = 0;
    d->content_ts = 0;

    switch (d->dlt) {
    case DLT_EN10MB:
        decode_ethernet(d, p, caplen);
        break;
    case DLT_LINUX_SLL:
        if (caplen < 16) {
            d->stats.truncated++;
            break;
        }
        decode_by_ethertype(d, rd16(p + 14), p + 16, caplen - 16);
        break;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (caplen < 20) {
            d->stats.truncated++;
            break;
        }
        decode_by_ethertype(d, rd16(p), p + 20, caplen - 20);
        break;
#endif
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        decode_ip(d, p, caplen);
        break;
    case DLT_NULL:
    case DLT_LOOP:
        if (caplen < 4) {
            d->stats.truncated++;
            break;
        }
        /* The address family's value and byte order vary by OS: look at the IP version instead. */
        decode_ip(d, p + 4, caplen - 4);
        break;
    default:
        break;
    }
    sw_ipfrag_expire(d->ipfrag, ts);
}

void sw_decoder_finish(sw_decoder *d, sw_time_us now)
{
    sw_tcp_finish(d->tcp);
    sw_ipfrag_expire(d->ipfrag, now);
}

void sw_decoder_get_stats(const sw_decoder *d, sw_decode_stats *stats,
                          sw_ipfrag_stats *ipfrag, sw_tcp_stats *tcp)
{
    if (stats) {
        *stats = d->stats;
        sw_tcp_stats t;
        sw_tcp_get_stats(d->tcp, &t);
        stats->sip_payloads += t.framing.messages;
        stats->oversize_messages += t.framing.oversize;
        stats->content_length_over_max += t.framing.length_over_max;
        stats->keepalives += t.framing.keepalives;
        stats->tls_segments += t.tls_segments;
        stats->ws_frames += t.framing.ws_frames;
    }
    if (ipfrag)
        sw_ipfrag_get_stats(d->ipfrag, ipfrag);
    if (tcp)
        sw_tcp_get_stats(d->tcp, tcp);
}
