/* Seed builder for the fuzz targets: reads captures (pcaps/) with the
 * project's own capture and decode stages and writes one seed per capture
 * and target, in the formats of fuzz_formats.h, under OUTDIR/<target>/.
 * Usage: fuzz_seeds OUTDIR CAPTURE... */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_formats.h"
#include "fuzz_util.h"
#include "sipwatch/capture.h"
#include "sipwatch/decode.h"
#include "sipwatch/hep.h"
#include "sipwatch/sctp_reassembly.h"
#include "sipwatch/sip_message.h"

#define MAX_MSGS 64

typedef struct msg {
    uint8_t *data;
    size_t len;
    sw_endpoint src;
    sw_transport transport;
    sw_time_us ts;
} msg;

/* The media target's records, in capture order (SDP learned, datagrams). */
#define MAX_MEDIA 600

typedef struct seeds {
    msg m[MAX_MSGS];
    int n;
    sw_decoder *decoder;
    struct out *tls;                /* TCP payloads of a TLS capture, as fuzz_tls records */
    sw_endpoint tls_client, tls_server;    /* the capture's first connection: the seed's */
    bool tls_client_known;
    struct out *media;              /* media records so far */
    int nmedia;
    sw_ip_addr ips[6];              /* addresses seen, as fz_endpoint indexes */
    sw_time_us media_ts;
    sw_sip_msg *parsed;
} seeds;

typedef struct out {
    uint8_t *p;
    size_t len, cap;
} out;

static void put(out *o, const void *data, size_t n)
{
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2 + 1024;
        o->p = realloc(o->p, o->cap);
        if (!o->p)
            abort();
    }
    memcpy(o->p + o->len, data, n);
    o->len += n;
}

static void put8(out *o, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(o, &b, 1);
}

static void put16(out *o, unsigned v)
{
    put8(o, v >> 8);
    put8(o, v);
}

static void save(const char *dir, const char *target, const char *name, out *o)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(o->p, 1, o->len, f) != o->len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_seeds: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    free(o->p);
    memset(o, 0, sizeof *o);
}

/* fz_endpoint's index for an address: the first four IPv4 and two IPv6 seen. */
static unsigned ip_index(seeds *s, const sw_ip_addr *ip)
{
    unsigned lo = ip->family == 6 ? 4 : 0, hi = ip->family == 6 ? 6 : 4;
    for (unsigned k = lo; k < hi; k++) {
        if (!s->ips[k].family)
            s->ips[k] = *ip;
        if (sw_ip_equal(&s->ips[k], ip))
            return k;
    }
    return lo;
}

static unsigned media_step(seeds *s, sw_time_us ts)
{
    sw_time_us gap = s->media_ts && ts > s->media_ts ? ts - s->media_ts : 0;
    s->media_ts = ts;
    unsigned best = 0;
    for (unsigned k = 0; k < 8; k++)
        if (fz_step(k * 4) <= gap)
            best = k;
    return best;
}

static void on_media(void *user, const sw_payload *p)
{
    seeds *s = user;
    if (s->nmedia >= MAX_MEDIA || p->len > 2048)
        return;
    s->nmedia++;
    put8(s->media, media_step(s, p->ts) << 5);
    put8(s->media, ip_index(s, &p->src.ip) | ip_index(s, &p->dst.ip) << 3);
    put16(s->media, p->src.port);
    put16(s->media, p->dst.port);
    put16(s->media, (unsigned)p->len);
    put(s->media, p->data, p->len);
}

/* A SIP message with SDP: an SDP record (audio port, second port, codecs). */
static void media_sdp(seeds *s, const sw_payload *p)
{
    if (s->nmedia >= MAX_MEDIA || sw_sip_parse(p, 65536, s->parsed) != SW_SIP_OK || !s->parsed->sdp.present ||
        !s->parsed->sdp.nmedia)
        return;
    const sw_sdp *sdp = &s->parsed->sdp;
    s->nmedia++;
    put8(s->media, media_step(s, p->ts) << 5 | (s->parsed->is_request ? 0x10 : 0) | FZ_MEDIA_LEARN);
    put8(s->media, ip_index(s, &p->src.ip) | ip_index(s, &sdp->media[0].addr) << 3 |
                       (s->parsed->to_tag ? 0x80 : 0));
    put16(s->media, sdp->media[0].port);
    put16(s->media, sdp->nmedia > 1 ? sdp->media[1].port : 0);
    put16(s->media, 2u + sdp->media[0].ncodecs);
    put8(s->media, sdp->ice);
    put8(s->media, sdp->nmedia > 1 ? sdp->media[1].kind : 0);
    for (unsigned c = 0; c < sdp->media[0].ncodecs; c++)
        put8(s->media, sdp->media[0].codecs[c].pt | (sdp->media[0].codecs[c].rate == 48000 ? 0x80 : 0));
}

static void on_payload(void *user, const sw_payload *p)
{
    seeds *s = user;
    media_sdp(s, p);
    if (s->n == MAX_MSGS)
        return;
    msg *m = &s->m[s->n++];
    m->data = malloc(p->len);
    if (!m->data)
        abort();
    memcpy(m->data, p->data, p->len);
    m->len = p->len;
    m->src = p->src;
    m->transport = p->transport;
    m->ts = p->ts;
}

static bool same_ep(const sw_endpoint *a, const sw_endpoint *b)
{
    return a->port == b->port && sw_ip_equal(&a->ip, &b->ip);
}

/* TLS captures (Ethernet, IPv4, one stream per direction in order, as the
 * recipes make them): each TCP payload becomes a fuzz_tls record. */
static void tls_record_of(seeds *s, const uint8_t *p, size_t n)
{
    if (n < 14 + 20 + 20 || p[12] != 0x08 || p[13] != 0x00 || (p[14] >> 4) != 4 || p[14 + 9] != 6)
        return;
    size_t ihl = (size_t)(p[14] & 15) * 4, tot = (size_t)p[16] << 8 | p[17];
    const uint8_t *tcp = p + 14 + ihl;
    if (14 + tot > n || ihl < 20 || tot < ihl + 20)
        return;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    if (thl < 20 || ihl + thl > tot || tot - ihl - thl == 0)
        return;
    sw_endpoint src = {.ip = {.family = 4}, .port = (uint16_t)(tcp[0] << 8 | tcp[1])};
    sw_endpoint dst = {.ip = {.family = 4}, .port = (uint16_t)(tcp[2] << 8 | tcp[3])};
    memcpy(src.ip.bytes, p + 14 + 12, 4);
    memcpy(dst.ip.bytes, p + 14 + 16, 4);
    if (!s->tls_client_known) {
        s->tls_client = src;
        s->tls_server = dst;
        s->tls_client_known = true;
    }
    bool from_client = same_ep(&src, &s->tls_client) && same_ep(&dst, &s->tls_server);
    bool from_server = same_ep(&src, &s->tls_server) && same_ep(&dst, &s->tls_client);
    if (!from_client && !from_server)
        return;
    size_t len = tot - ihl - thl;
    put8(s->tls, from_client ? 0 : FZ_TLS_FROM_SERVER);
    put16(s->tls, (unsigned)len);
    put(s->tls, tcp + thl, len);
}

static void on_frame(void *user, sw_time_us ts, const uint8_t *data, size_t caplen, size_t wirelen)
{
    seeds *s = user;
    sw_decoder_frame(s->decoder, ts, data, caplen, wirelen);
    if (s->tls)
        tls_record_of(s, data, caplen);
}

/* The capture's key log (NAME.keylog beside NAME.pcap) as the fuzz_tls header. */
static bool tls_seed_start(seeds *s, const char *file)
{
    size_t n = strlen(file);
    if (n < 5 || strcmp(file + n - 5, ".pcap") != 0)
        return false;
    char path[4096];
    snprintf(path, sizeof path, "%.*s.keylog", (int)(n - 5), file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    static uint8_t text[60000];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    s->tls = calloc(1, sizeof *s->tls);
    if (!s->tls)
        abort();
    put8(s->tls, FZ_TLS_KEYLOG_FILE);
    put16(s->tls, (unsigned)len);
    put(s->tls, text, len);
    return true;
}

static bool from_first(const seeds *s, int i)
{
    return memcmp(&s->m[i].src, &s->m[0].src, sizeof s->m[0].src) == 0;
}

/* The clock step (fz_step index) closest below the gap to the previous message. */
static unsigned step_index(const seeds *s, int i)
{
    sw_time_us gap = i ? s->m[i].ts - s->m[i - 1].ts : 0;
    unsigned best = 0;
    for (unsigned k = 0; k < 32; k++)
        if (fz_step(k) <= gap && fz_step(k) >= fz_step(best))
            best = k;
    return best;
}

static void write_sip_sequence(const char *dir, const char *name, const seeds *s)
{
    out o = {0};
    for (int i = 0; i < s->n; i++) {
        if (i)
            put(&o, FZ_SIP_SEPARATOR, sizeof FZ_SIP_SEPARATOR - 1);
        put8(&o, (step_index(s, i) << 3) | ((unsigned)s->m[i].transport & 3) << 1 | !from_first(s, i));
        put(&o, s->m[i].data, s->m[i].len);
    }
    save(dir, "sip_sequence", name, &o);
}

static void write_ip_reassembly(const char *dir, const char *name, const seeds *s)
{
    out o = {0};
    for (int i = 0; i < s->n && i < 8; i++) {
        const msg *m = &s->m[i];
        size_t piece = ((m->len / 3) + 7) & ~(size_t)7;
        if (piece == 0)
            piece = 8;
        size_t npieces = (m->len + piece - 1) / piece;
        for (size_t k = 0; k < npieces; k++) {
            size_t j = (i & 1) ? npieces - 1 - k : k;       /* odd messages arrive backwards */
            size_t off = j * piece, len = m->len - off < piece ? m->len - off : piece;
            put8(&o, (j + 1 < npieces ? 0x01 : 0) | (unsigned)(i & 3) << 2 | (i >= 4 ? 0x02 : 0));
            put16(&o, (unsigned)(off / 8));
            put16(&o, (unsigned)len);
            put(&o, m->data + off, len);
        }
    }
    save(dir, "ip_reassembly", name, &o);
}

static void write_tcp_stream(const char *dir, const char *name, const seeds *s)
{
    out o = {0};
    put8(&o, FZ_TCP_SYN);
    put16(&o, 0);
    put16(&o, 0);
    put8(&o, FZ_TCP_SYN | FZ_TCP_FROM_SERVER);
    put16(&o, 0);
    put16(&o, 0);
    for (int i = 0; i < s->n; i++) {
        const msg *m = &s->m[i];
        unsigned dir_bit = from_first(s, i) ? 0 : FZ_TCP_FROM_SERVER;
        size_t cut = (i % 3 == 2) ? m->len / 2 : m->len;    /* every third message in two segments */
        put8(&o, dir_bit);
        put16(&o, 0);
        put16(&o, (unsigned)cut);
        put(&o, m->data, cut);
        if (cut < m->len) {
            put8(&o, dir_bit);
            put16(&o, 0);
            put16(&o, (unsigned)(m->len - cut));
            put(&o, m->data + cut, m->len - cut);
        }
    }
    put8(&o, FZ_TCP_FIN);
    put16(&o, 0);
    put16(&o, 0);
    save(dir, "tcp_stream", name, &o);
}

static void write_sctp(const char *dir, const char *name, const seeds *s)
{
    out o = {0};
    for (int i = 0; i < s->n; i++) {
        const msg *m = &s->m[i];
        unsigned d = from_first(s, i) ? 0 : 0x04;
        size_t half = m->len / 2;
        put8(&o, d | SW_SCTP_FLAG_BEGIN);
        put16(&o, 0);
        put16(&o, (unsigned)half);
        put(&o, m->data, half);
        put8(&o, d | SW_SCTP_FLAG_END);
        put16(&o, 0);
        put16(&o, (unsigned)(m->len - half));
        put(&o, m->data + half, m->len - half);
    }
    save(dir, "sctp", name, &o);
}

static void ws_frame(out *o, unsigned opcode, bool fin, const uint8_t *p, size_t n)
{
    static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t hdr[14];
    size_t h = 0;
    hdr[h++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    if (n < 126) {
        hdr[h++] = (uint8_t)(0x80 | n);
    } else {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (uint8_t)(n >> 8);
        hdr[h++] = (uint8_t)n;
    }
    memcpy(hdr + h, mask, 4);
    h += 4;
    put16(o, (unsigned)(h + n));
    put(o, hdr, h);
    for (size_t i = 0; i < n; i++)
        put8(o, p[i] ^ mask[i & 3]);
}

static void write_framing(const char *dir, const char *name, const seeds *s)
{
    out o = {0};
    put8(&o, 0x08);                             /* plain stream, 64 KiB cap */
    out all = {0};
    for (int i = 0; i < s->n; i++)
        put(&all, s->m[i].data, s->m[i].len);
    for (size_t off = 0; off < all.len; off += 700) {
        size_t n = all.len - off < 700 ? all.len - off : 700;
        put16(&o, (unsigned)n);
        put(&o, all.p + off, n);
    }
    free(all.p);
    save(dir, "framing", name, &o);

    char ws_name[512];
    snprintf(ws_name, sizeof ws_name, "%s-websocket", name);
    static const char upgrade[] = "GET / HTTP/1.1\r\nHost: 10.0.0.4\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
    put8(&o, 0x08);
    put16(&o, sizeof upgrade - 1);
    put(&o, upgrade, sizeof upgrade - 1);
    for (int i = 0; i < s->n && i < 16; i++) {
        const msg *m = &s->m[i];
        if (i == 1) {                           /* one message in two frames, a ping between */
            ws_frame(&o, 1, false, m->data, m->len / 2);
            ws_frame(&o, 9, true, (const uint8_t *)"hi", 2);
            ws_frame(&o, 0, true, m->data + m->len / 2, m->len - m->len / 2);
        } else {
            ws_frame(&o, 1, true, m->data, m->len);
        }
    }
    save(dir, "framing", ws_name, &o);
}

/* fuzz_hep: setup byte 0, then each message as a HEP3 packet (u16 length, bytes). */
static void write_hep(const char *dir, const char *name, const seeds *s)
{
    out o = {0};
    put8(&o, 0);
    static uint8_t buf[SW_HEP_MAX_PACKET];
    for (int i = 0; i < s->n && i < 64; i++) {
        sw_endpoint dst = {.ip = s->m[i].src.ip, .port = 5060};
        sw_hep_out h = {.src = s->m[i].src, .dst = dst, .ip_proto = s->m[i].transport == SW_TRANSPORT_UDP ? 17 : 6,
                        .ts = s->m[i].ts, .payload_type = SW_HEP_PAYLOAD_SIP, .node_id = 2001 + (unsigned)(i & 1),
                        .payload = s->m[i].data, .payload_len = s->m[i].len,
                        .correlation = (i & 3) == 3 ? "call-id@fuzz" : NULL};
        size_t n = sw_hep_encode(buf, sizeof buf, &h);
        if (!n || n > 8000)
            continue;
        put16(&o, (unsigned)n);
        put(&o, buf, n);
    }
    save(dir, "hep", name, &o);
}

static int one_capture(const char *dir, const char *file)
{
    sw_capture_config cfg;
    sw_capture_config_default(&cfg);
    cfg.file = file;
    sw_capture *cap = NULL;
    char err[256];
    if (sw_capture_open(&cfg, sw_decode_linktype_supported, &cap, err, sizeof err) != SW_CAPTURE_OPEN_OK) {
        fprintf(stderr, "fuzz_seeds: %s\n", err);
        return 1;
    }
    seeds *s = calloc(1, sizeof *s);
    tls_seed_start(s, file);
    sw_decode_config dcfg;
    sw_decode_config_default(&dcfg);
    s->decoder = sw_decoder_create(&dcfg, on_payload, s);
    out media = {0};
    s->media = &media;
    sw_sip_msg_buf *parsed = malloc(sizeof *parsed);
    s->parsed = parsed ? sw_sip_msg_buf_init(parsed) : NULL;
    if (!s->decoder || !s->parsed || !sw_decoder_set_linktype(s->decoder, sw_capture_datalink(cap)))
        abort();
    sw_decoder_set_media(s->decoder, on_media, s);
    volatile sig_atomic_t stop = 0;
    sw_capture_run(cap, on_frame, NULL, s, &stop);
    sw_decoder_finish(s->decoder, 0);
    sw_capture_close(cap);

    char copy[4096];
    snprintf(copy, sizeof copy, "%s", file);
    const char *name = basename(copy);
    FILE *f = fopen(file, "rb");
    out whole = {0};
    uint8_t buf[65536];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        put(&whole, buf, n);
    if (f)
        fclose(f);
    save(dir, "pcap", name, &whole);
    if (s->tls) {
        save(dir, "tls", name, s->tls);
        free(s->tls);
    }
    if (s->n) {
        write_sip_sequence(dir, name, s);
        write_ip_reassembly(dir, name, s);
        write_tcp_stream(dir, name, s);
        write_sctp(dir, name, s);
        write_framing(dir, name, s);
        write_hep(dir, name, s);
    }
    if (s->nmedia)
        save(dir, "media", name, &media);
    free(media.p);
    free(s->parsed);
    for (int i = 0; i < s->n; i++)
        free(s->m[i].data);
    sw_decoder_destroy(s->decoder);
    free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR CAPTURE...\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    sw_sip_init();
    int failed = 0;
    for (int i = 2; i < argc; i++)
        failed |= one_capture(argv[1], argv[i]);
    return failed;
}
