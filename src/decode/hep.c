/* HEP decoding and encoding for the decode stage (HEP inside a capture), the
 * listener (HEP from agents) and the sender (HEP to a collector). A v3
 * packet is a "HEP3" header and chunks (vendor, type, length); v1/v2 is a
 * fixed header, kamailio's v2 followed by a 12-byte time header in the
 * sender's byte order. Every length is checked against the bytes present. */
#include "sipwatch/hep.h"
#include "sipwatch/sip_framing.h"

#include <string.h>

#define AF_V4 2
#define AF_V6 10

enum {
    CH_FAMILY = 1, CH_PROTO = 2, CH_SRC4 = 3, CH_DST4 = 4, CH_SRC6 = 5, CH_DST6 = 6,
    CH_SPORT = 7, CH_DPORT = 8, CH_SEC = 9, CH_USEC = 10, CH_TYPE = 11, CH_NODE = 12,
    CH_AUTH = 14, CH_PAYLOAD = 15, CH_CORRELATION = 17, CH_NODE_NAME = 19,
};

static const char *const drop_names[SW_HEP_DROP_COUNT] = {
    "truncated", "bad_length", "bad_chunk", "missing_chunk", "bad_address",
    "oversized", "auth", "not_hep", "queue_full", "socket_full",
};

const char *sw_hep_drop_name(sw_hep_drop d)
{
    return (unsigned)d < SW_HEP_DROP_COUNT ? drop_names[d] : "unknown";
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static uint32_t rd32le(const uint8_t *p)
{
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static bool known_proto(uint8_t p) { return p == 6 || p == 17 || p == 132; }

int sw_hep_detect(const uint8_t *p, size_t n)
{
    if (n >= 4 && memcmp(p, "HEP3", 4) == 0)
        return 3;
    if (n >= 4 && (p[0] == 1 || p[0] == 2) && known_proto(p[3]) &&
        ((p[2] == AF_V4 && p[1] == 16) || (p[2] == AF_V6 && p[1] == 40)))
        return 2;
    return 0;
}

size_t sw_hep_frame_length(const uint8_t *p, size_t n)
{
    if (n < 6)
        return n >= 4 && memcmp(p, "HEP3", 4) != 0 ? (size_t)-1 : 0;
    if (memcmp(p, "HEP3", 4) != 0)
        return (size_t)-1;
    size_t total = rd16(p + 4);
    return total < 6 ? (size_t)-1 : total;
}

static bool fail(sw_hep_drop *why, sw_hep_drop d)
{
    *why = d;
    return false;
}

/* v1/v2: fixed header, addresses, [time header], payload. */
static bool decode_v2(const uint8_t *p, size_t n, const char *password, sw_hep_msg *m, sw_hep_drop *why)
{
    if (password && *password)
        return fail(why, SW_HEP_DROP_AUTH);
    size_t hlen = p[1];
    if (n < hlen)
        return fail(why, SW_HEP_DROP_TRUNCATED);
    uint8_t fam = p[2] == AF_V4 ? 4 : 6;
    size_t alen = fam == 4 ? 4 : 16;
    m->version = p[0];
    m->ip_proto = p[3];
    m->src.port = rd16(p + 4);
    m->dst.port = rd16(p + 6);
    m->src.ip.family = m->dst.ip.family = fam;
    memcpy(m->src.ip.bytes, p + 8, alen);
    memcpy(m->dst.ip.bytes, p + 8 + alen, alen);
    size_t off = hlen;
    if (m->version == 2) {
        /* Time header: seconds, microseconds, capture id (host byte order);
         * kamailio pads it to 12 bytes, a packed one is 10. */
        if (n < off + 10)
            return fail(why, SW_HEP_DROP_TRUNCATED);
        size_t th = n >= off + 12 && sw_sip_start_line(p + off + 10, n - off - 10) != SW_START_YES ? 12 : 10;
        uint32_t sec = rd32le(p + off), usec = rd32le(p + off + 4);
        m->ts = (sw_time_us)sec * SW_USEC_PER_SEC + (usec < SW_USEC_PER_SEC ? usec : 0);
        m->node_id = (uint32_t)(p[off + 8] | (p[off + 9] << 8));
        m->have_node = true;
        off += th;
    }
    if (off >= n)
        return fail(why, SW_HEP_DROP_MISSING_CHUNK);
    m->payload_type = SW_HEP_PAYLOAD_SIP;
    m->payload = p + off;
    m->payload_len = n - off;
    m->length = n;
    return true;
}

/* Fixed-size chunk values; false when the chunk has the wrong size. */
static bool chunk_value(sw_hep_msg *m, uint16_t type, const uint8_t *v, size_t vl, uint8_t *family,
                        uint32_t *sec, uint32_t *usec, unsigned *have)
{
    static const uint8_t sizes[] = {0, 1, 1, 4, 4, 16, 16, 2, 2, 4, 4, 1, 4};
    if (type < sizeof sizes && vl != sizes[type])
        return false;
    switch (type) {
    case CH_FAMILY: *family = v[0]; break;
    case CH_PROTO: m->ip_proto = v[0]; break;
    case CH_SRC4: m->src.ip.family = 4; memcpy(m->src.ip.bytes, v, 4); break;
    case CH_DST4: m->dst.ip.family = 4; memcpy(m->dst.ip.bytes, v, 4); break;
    case CH_SRC6: m->src.ip.family = 6; memcpy(m->src.ip.bytes, v, 16); break;
    case CH_DST6: m->dst.ip.family = 6; memcpy(m->dst.ip.bytes, v, 16); break;
    case CH_SPORT: m->src.port = rd16(v); break;
    case CH_DPORT: m->dst.port = rd16(v); break;
    case CH_SEC: *sec = rd32(v); break;
    case CH_USEC: *usec = rd32(v); break;
    case CH_TYPE: m->payload_type = v[0]; break;
    case CH_NODE: m->node_id = rd32(v); m->have_node = true; break;
    default: break;
    }
    *have |= 1u << type;
    return true;
}

static bool decode_v3_chunks(const uint8_t *p, size_t total, sw_hep_msg *m, sw_hep_drop *why, uint8_t *family,
                             uint32_t *sec, uint32_t *usec, unsigned *have)
{
    size_t off = 6;
    while (off < total) {
        if (total - off < 6)
            return fail(why, SW_HEP_DROP_BAD_LENGTH);
        uint16_t vendor = rd16(p + off), type = rd16(p + off + 2);
        size_t clen = rd16(p + off + 4);
        if (clen < 6)
            return fail(why, SW_HEP_DROP_BAD_CHUNK);
        if (clen > total - off)
            return fail(why, SW_HEP_DROP_BAD_LENGTH);
        const uint8_t *v = p + off + 6;
        size_t vl = clen - 6;
        off += clen;
        if (vendor != 0) {
            m->unknown_chunks++;
            continue;
        }
        if (type <= CH_NODE) {
            if (type == 0) {
                m->unknown_chunks++;
            } else if (!chunk_value(m, type, v, vl, family, sec, usec, have)) {
                return fail(why, type >= CH_SRC4 && type <= CH_DST6 ? SW_HEP_DROP_BAD_ADDRESS : SW_HEP_DROP_BAD_CHUNK);
            }
            continue;
        }
        switch (type) {
        case CH_AUTH: m->auth_key = v; m->auth_key_len = vl; break;
        case CH_PAYLOAD: m->payload = v; m->payload_len = vl; *have |= 1u << CH_PAYLOAD; break;
        case CH_CORRELATION: m->correlation = v; m->correlation_len = vl; break;
        case CH_NODE_NAME: m->node_name = v; m->node_name_len = vl; break;
        default: m->unknown_chunks++; break;
        }
    }
    return true;
}

static bool auth_ok(const sw_hep_msg *m, const char *password)
{
    if (!password || !*password)
        return true;
    size_t pl = strlen(password), kl = m->auth_key_len;
    if (kl == pl + 1 && m->auth_key[pl] == '\0')
        kl = pl;                    /* a trailing NUL is tolerated */
    return m->auth_key && kl == pl && memcmp(m->auth_key, password, pl) == 0;
}

static bool decode_v3(const uint8_t *p, size_t n, const char *password, sw_hep_msg *m, sw_hep_drop *why)
{
    if (n < 6)
        return fail(why, SW_HEP_DROP_TRUNCATED);
    size_t total = rd16(p + 4);
    if (total < 6)
        return fail(why, SW_HEP_DROP_BAD_LENGTH);
    if (total > n)
        return fail(why, SW_HEP_DROP_TRUNCATED);
    uint8_t family = 0;
    uint32_t sec = 0, usec = 0;
    unsigned have = 0;
    m->version = 3;
    if (!decode_v3_chunks(p, total, m, why, &family, &sec, &usec, &have))
        return false;
    unsigned need = (1u << CH_FAMILY) | (1u << CH_SPORT) | (1u << CH_DPORT) | (1u << CH_PAYLOAD);
    if ((have & need) != need || !m->src.ip.family || !m->dst.ip.family)
        return fail(why, SW_HEP_DROP_MISSING_CHUNK);
    uint8_t want = family == AF_V4 ? 4 : family == AF_V6 ? 6 : 0;
    if (!want || m->src.ip.family != want || m->dst.ip.family != want)
        return fail(why, SW_HEP_DROP_BAD_ADDRESS);
    if (!auth_ok(m, password))
        return fail(why, SW_HEP_DROP_AUTH);
    if (have & (1u << CH_SEC))
        m->ts = (sw_time_us)sec * SW_USEC_PER_SEC + (usec < SW_USEC_PER_SEC ? usec : 0);
    m->length = total;
    return true;
}

bool sw_hep_decode(const uint8_t *p, size_t n, const char *password, sw_hep_msg *m, sw_hep_drop *why)
{
    memset(m, 0, sizeof *m);
    if (n > SW_HEP_MAX_PACKET)
        return fail(why, SW_HEP_DROP_OVERSIZED);
    switch (sw_hep_detect(p, n)) {
    case 3: return decode_v3(p, n, password, m, why);
    case 2: return decode_v2(p, n, password, m, why);
    default: return fail(why, SW_HEP_DROP_NOT_HEP);
    }
}

/* ---- encoding ------------------------------------------------------------ */

static size_t put_chunk(uint8_t *buf, size_t cap, size_t off, uint16_t type, const void *v, size_t vl)
{
    if (off == 0 || vl > SW_HEP_MAX_PACKET || off + 6 + vl > cap)
        return 0;
    uint8_t *c = buf + off;
    c[0] = 0, c[1] = 0;
    c[2] = (uint8_t)(type >> 8), c[3] = (uint8_t)type;
    c[4] = (uint8_t)((6 + vl) >> 8), c[5] = (uint8_t)(6 + vl);
    if (vl)
        memcpy(c + 6, v, vl);
    return off + 6 + vl;
}

static size_t put_u(uint8_t *buf, size_t cap, size_t off, uint16_t type, uint32_t value, size_t width)
{
    uint8_t v[4];
    for (size_t i = 0; i < width; i++)
        v[i] = (uint8_t)(value >> (8 * (width - 1 - i)));
    return put_chunk(buf, cap, off, type, v, width);
}

size_t sw_hep_encode(uint8_t *buf, size_t cap, const sw_hep_out *o)
{
    if (cap > SW_HEP_MAX_PACKET)
        cap = SW_HEP_MAX_PACKET;
    if (cap < 6)
        return 0;
    bool v6 = o->src.ip.family == 6;
    size_t alen = v6 ? 16 : 4, off = 6;
    memcpy(buf, "HEP3", 4);
    off = put_u(buf, cap, off, CH_FAMILY, v6 ? AF_V6 : AF_V4, 1);
    off = put_u(buf, cap, off, CH_PROTO, o->ip_proto, 1);
    off = put_chunk(buf, cap, off, v6 ? CH_SRC6 : CH_SRC4, o->src.ip.bytes, alen);
    off = put_chunk(buf, cap, off, v6 ? CH_DST6 : CH_DST4, o->dst.ip.bytes, alen);
    off = put_u(buf, cap, off, CH_SPORT, o->src.port, 2);
    off = put_u(buf, cap, off, CH_DPORT, o->dst.port, 2);
    off = put_u(buf, cap, off, CH_SEC, (uint32_t)(o->ts / SW_USEC_PER_SEC), 4);
    off = put_u(buf, cap, off, CH_USEC, (uint32_t)(o->ts % SW_USEC_PER_SEC), 4);
    off = put_u(buf, cap, off, CH_TYPE, o->payload_type, 1);
    off = put_u(buf, cap, off, CH_NODE, o->node_id, 4);
    if (o->password && *o->password)
        off = put_chunk(buf, cap, off, CH_AUTH, o->password, strlen(o->password));
    if (o->correlation)
        off = put_chunk(buf, cap, off, CH_CORRELATION, o->correlation, strlen(o->correlation));
    off = put_chunk(buf, cap, off, CH_PAYLOAD, o->payload, o->payload_len);
    if (!off)
        return 0;
    buf[4] = (uint8_t)(off >> 8);
    buf[5] = (uint8_t)off;
    return off;
}

/* ---- accounting ---------------------------------------------------------- */

unsigned sw_hep_type_slot(uint8_t type)
{
    static const uint8_t types[] = {SW_HEP_PAYLOAD_SIP, 5, 32, 34, 35, 38, SW_HEP_PAYLOAD_LOG};
    for (unsigned i = 0; i < sizeof types; i++)
        if (types[i] == type)
            return i;
    return sizeof types;
}

int sw_hep_slot_type(unsigned slot)
{
    static const uint8_t types[] = {SW_HEP_PAYLOAD_SIP, 5, 32, 34, 35, 38, SW_HEP_PAYLOAD_LOG};
    return slot < sizeof types ? types[slot] : -1;
}

uint64_t sw_hep_dropped_total(const sw_hep_stats *s)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < SW_HEP_DROP_COUNT; i++)
        n += s->dropped[i];
    return n;
}

uint32_t sw_hep_note_agent(sw_hep_stats *s, const sw_hep_msg *m, const sw_ip_addr *from)
{
    sw_ip_addr none = {0};
    if (!from)
        from = &none;
    uint32_t h = 2166136261u;
    uint8_t key[21];
    memcpy(key, &m->node_id, 4);
    key[4] = from->family;
    memcpy(key + 5, from->bytes, 16);
    for (size_t i = 0; i < sizeof key; i++)
        h = (h ^ key[i]) * 16777619u;
    for (size_t i = 0; i < s->nagents; i++) {
        sw_hep_agent *a = &s->agents[i];
        if (a->node_id == m->node_id && a->have_node == m->have_node && sw_ip_equal(&a->from, from)) {
            a->packets++;
            if (m->ts > a->last_ts)
                a->last_ts = m->ts;
            return h | 1;
        }
    }
    if (s->nagents < SW_HEP_MAX_AGENTS) {
        sw_hep_agent *a = &s->agents[s->nagents++];
        a->node_id = m->node_id;
        a->have_node = m->have_node;
        a->from = *from;
        a->packets = 1;
        a->last_ts = m->ts;
    } else {
        s->agents_overflow++;
    }
    return h | 1;
}

bool sw_hep_to_payload(sw_hep_stats *s, const sw_hep_msg *m, const sw_ip_addr *from, sw_time_us fallback_ts,
                       uint64_t frame, sw_payload *out)
{
    s->decoded++;
    s->by_version[m->version & 3]++;
    s->unknown_chunks += m->unknown_chunks;
    uint32_t agent = sw_hep_note_agent(s, m, from);
    if (m->payload_type && m->payload_type != SW_HEP_PAYLOAD_SIP) {
        s->other_payloads++;
        s->payload_types[sw_hep_type_slot(m->payload_type)]++;
        return false;
    }
    if (!m->payload_len || sw_sip_start_line(m->payload, m->payload_len) != SW_START_YES) {
        s->payload_not_sip++;
        return false;
    }
    memset(out, 0, sizeof *out);
    out->ts = m->ts ? m->ts : fallback_ts;
    out->frame = frame;
    out->src = m->src;
    out->dst = m->dst;
    out->transport = m->ip_proto == 6 ? SW_TRANSPORT_TCP : m->ip_proto == 132 ? SW_TRANSPORT_SCTP : SW_TRANSPORT_UDP;
    out->data = m->payload;
    out->len = m->payload_len;
    out->agent = agent;
    s->sip++;
    return true;
}
