/* Fuzz target: HEP (src/decode/hep.c and its users). Each record is one HEP
 * packet, decoded with and without an auth key, re-encoded and decoded
 * again (the two decodings must agree), offered to the decode stage as if
 * from --hep-listen, and all records together are fed as one TCP stream to
 * a framer in HEP mode. Every payload handed on must lie inside its packet
 * and start with a SIP start line. Input: setup byte, then records (u16
 * length, bytes). Seeds: the SIP of pcaps/ encoded as HEP3 by fuzz_seeds. */
#include "fuzz_util.h"
#include "sipwatch/decode.h"
#include "sipwatch/hep.h"
#include "sipwatch/sip_framing.h"

static const uint8_t *rec_lo, *rec_hi;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void check_payload(void *user, const sw_payload *p)
{
    (void)user;
    if (p->len == 0 || sw_sip_start_line(p->data, p->len) != SW_START_YES || !p->agent)
        abort();
    if (rec_lo && (p->data < rec_lo || p->data + p->len > rec_hi))
        abort();
}

static void check_sip(void *user, const sw_payload *p)
{
    (void)user;
    if (p->len == 0 || sw_sip_start_line(p->data, p->len) != SW_START_YES)
        abort();
}

static void on_stream_hep(void *user, const uint8_t *packet, size_t len, const sw_payload *tmpl)
{
    sw_decoder *d = user;
    sw_decoder_hep_packet(d, tmpl->ts, &tmpl->src.ip, packet, len);
}

/* Decodes, re-encodes, decodes again: the same addresses, time and payload. */
static void round_trip(const uint8_t *p, size_t n, const char *password)
{
    sw_hep_msg m, m2;
    sw_hep_drop why;
    if (!sw_hep_decode(p, n, password, &m, &why)) {
        if ((unsigned)why >= SW_HEP_DROP_COUNT)
            abort();
        return;
    }
    if (m.length > n || (m.payload && (m.payload < p || m.payload + m.payload_len > p + n)))
        abort();
    static uint8_t buf[SW_HEP_MAX_PACKET];
    sw_hep_out o = {.src = m.src, .dst = m.dst, .ip_proto = m.ip_proto, .ts = m.ts, .payload_type = m.payload_type,
                    .node_id = m.node_id, .password = password, .payload = m.payload, .payload_len = m.payload_len};
    size_t len = sw_hep_encode(buf, sizeof buf, &o);
    if (!len)
        return;                     /* too large once every chunk is written */
    if (!sw_hep_decode(buf, len, password, &m2, &why))
        abort();
    if (m2.payload_len != m.payload_len || memcmp(m2.payload, m.payload, m.payload_len) != 0 ||
        m2.src.port != m.src.port || m2.dst.port != m.dst.port || !sw_ip_equal(&m2.src.ip, &m.src.ip) ||
        m2.ts / SW_USEC_PER_SEC != m.ts / SW_USEC_PER_SEC)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader r = {data, size};
    uint8_t setup = fz_u8(&r);
    const char *password = (setup & 1) ? "sipwatch-hep-key" : NULL;
    sw_decode_config cfg;
    sw_decode_config_default(&cfg);
    cfg.hep_password = password;
    cfg.max_message_len = (setup & 2) ? 512 : 65536;
    sw_decoder *d = sw_decoder_create(&cfg, check_payload, NULL);
    if (!d)
        return 0;
    sw_framer framer;
    memset(&framer, 0, sizeof framer);
    sw_framer_stats fstats;
    memset(&fstats, 0, sizeof fstats);
    sw_framer_sink sink = {.deliver = check_sip, .stats = &fstats, .max_message_len = cfg.max_message_len,
                           .hep = on_stream_hep, .hep_user = d};
    sink.tmpl.src.ip.family = 4;
    sw_ip_addr from = {.family = 4, .bytes = {127, 0, 0, 10}};
    sw_time_us ts = 1700000000ULL * SW_USEC_PER_SEC;
    while (r.n) {
        size_t len = fz_u16(&r);
        if (len > r.n)
            len = r.n;
        const uint8_t *p = r.p;
        r.p += len;
        r.n -= len;
        round_trip(p, len, password);
        rec_lo = p;
        rec_hi = p + len;
        from.bytes[3] = (uint8_t)(10 + (len & 3));
        sw_decoder_hep_packet(d, ts += 1000, &from, p, len);
        rec_lo = rec_hi = NULL;     /* the framer's buffer holds copies */
        sw_framer_feed(&framer, p, len, &sink);
        if (sw_framer_held(&framer) > cfg.max_message_len + 16 + 65536 * 2)
            abort();
    }
    const sw_hep_stats *hs = sw_decoder_hep_stats(d);
    if (hs && (hs->nagents > SW_HEP_MAX_AGENTS || hs->decoded + sw_hep_dropped_total(hs) > hs->received))
        abort();
    sw_framer_release(&framer);
    sw_decoder_destroy(d);
    return 0;
}
