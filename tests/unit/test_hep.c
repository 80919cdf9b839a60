/* Unit tests of HEP decoding, encoding and accounting (src/decode/hep.c),
 * the HEP mode of the TCP framer and the decoder's HEP entry: one test per
 * malformed-chunk case (each refused with its named reason, never a crash),
 * the chunks a receiver skips, v2 headers, auth keys and the agent table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipwatch/decode.h"
#include "sipwatch/hep.h"
#include "sipwatch/sip_framing.h"

static const char SIP[] = "OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
                          "Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

/* A HEP3 packet under construction. */
typedef struct pkt {
    uint8_t b[70000];
    size_t n;
} pkt;

static void start(pkt *p)
{
    memcpy(p->b, "HEP3\0\0", 6);
    p->n = 6;
}

static void chunk_v(pkt *p, uint16_t vendor, uint16_t type, const void *v, size_t len, size_t claimed)
{
    uint8_t *c = p->b + p->n;
    c[0] = (uint8_t)(vendor >> 8), c[1] = (uint8_t)vendor;
    c[2] = (uint8_t)(type >> 8), c[3] = (uint8_t)type;
    c[4] = (uint8_t)(claimed >> 8), c[5] = (uint8_t)claimed;
    memcpy(c + 6, v, len);
    p->n += 6 + len;
}

static void chunk(pkt *p, uint16_t type, const void *v, size_t len)
{
    chunk_v(p, 0, type, v, len, 6 + len);
}

static void u8c(pkt *p, uint16_t type, uint8_t v) { chunk(p, type, &v, 1); }
static void u16c(pkt *p, uint16_t type, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    chunk(p, type, b, 2);
}
static void u32c(pkt *p, uint16_t type, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    chunk(p, type, b, 4);
}

static void finish(pkt *p)
{
    p->b[4] = (uint8_t)(p->n >> 8);
    p->b[5] = (uint8_t)p->n;
}

enum { NO_SPORT = 1, NO_PAYLOAD = 2, V6_FAMILY = 4, SHORT_SRC = 8, AUTH = 16, UNKNOWN = 32, VENDOR = 64,
       LOG = 128, NOT_SIP = 256, AUTH_NUL = 512 };

/* kamailio's chunk order, with the defects asked for. */
static void build(pkt *p, unsigned flags)
{
    static const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    start(p);
    u8c(p, 1, (flags & V6_FAMILY) ? 10 : 2);
    u8c(p, 2, 17);
    chunk(p, 3, src, (flags & SHORT_SRC) ? 2 : 4);
    chunk(p, 4, dst, 4);
    if (!(flags & NO_SPORT))
        u16c(p, 7, 5060);
    u16c(p, 8, 5062);
    u32c(p, 9, 1700000000);
    u32c(p, 10, 123456);
    u8c(p, 11, (flags & LOG) ? 100 : 1);
    u32c(p, 12, 1010);
    if (flags & AUTH)
        chunk(p, 14, "sipwatch-hep-key", 16);
    if (flags & AUTH_NUL)
        chunk(p, 14, "sipwatch-hep-key", 17);
    if (flags & UNKNOWN)
        chunk(p, 99, "xy", 2);
    if (flags & VENDOR)
        chunk_v(p, 2, 1, "abcd", 4, 10);
    if (!(flags & NO_PAYLOAD)) {
        if (flags & NOT_SIP)
            chunk(p, 15, "\x01\x02\x03 random", 10);
        else if (flags & LOG)
            chunk(p, 15, "{\"x\":1}", 7);
        else
            chunk(p, 15, SIP, sizeof SIP - 1);
    }
    finish(p);
}

static sw_hep_drop drop_of(const uint8_t *b, size_t n, const char *password)
{
    sw_hep_msg m;
    sw_hep_drop why = SW_HEP_DROP_COUNT;
    assert_false(sw_hep_decode(b, n, password, &m, &why));
    return why;
}

static void test_intact_v3(void **state)
{
    (void)state;
    pkt p;
    build(&p, 0);
    sw_hep_msg m;
    sw_hep_drop why;
    assert_true(sw_hep_decode(p.b, p.n, NULL, &m, &why));
    assert_int_equal(m.version, 3);
    assert_int_equal(m.src.ip.family, 4);
    assert_int_equal(m.src.ip.bytes[3], 1);
    assert_int_equal(m.dst.ip.bytes[3], 2);
    assert_int_equal(m.src.port, 5060);
    assert_int_equal(m.dst.port, 5062);
    assert_int_equal(m.ts, 1700000000ULL * SW_USEC_PER_SEC + 123456);
    assert_int_equal(m.node_id, 1010);
    assert_int_equal(m.payload_len, sizeof SIP - 1);
    assert_memory_equal(m.payload, SIP, sizeof SIP - 1);
    assert_int_equal(m.length, p.n);
}

static void test_truncated_datagram(void **state)
{
    (void)state;
    pkt p;
    build(&p, 0);
    assert_int_equal(drop_of(p.b, p.n / 2, NULL), SW_HEP_DROP_TRUNCATED);
    assert_int_equal(drop_of(p.b, 10, NULL), SW_HEP_DROP_TRUNCATED);
    assert_int_equal(drop_of(p.b, 5, NULL), SW_HEP_DROP_TRUNCATED);    /* magic, half a length */
}

static void test_total_length_too_small(void **state)
{
    (void)state;
    pkt p;
    build(&p, 0);
    p.b[4] = 0, p.b[5] = 3;
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_LENGTH);
}

static void test_total_length_inside_a_chunk(void **state)
{
    (void)state;
    pkt p;
    build(&p, 0);
    p.b[4] = 0, p.b[5] = 37;           /* ends inside the destination address chunk */
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_LENGTH);
    p.b[5] = 10;                        /* ends inside the first chunk header */
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_LENGTH);
}

static void test_chunk_length_zero_and_five(void **state)
{
    (void)state;
    pkt p;
    build(&p, 0);
    p.b[10] = 0, p.b[11] = 0;           /* first chunk length 0: must not loop */
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_CHUNK);
    p.b[11] = 5;
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_CHUNK);
}

static void test_payload_chunk_past_end(void **state)
{
    (void)state;
    pkt p;
    build(&p, 0);
    size_t at = p.n - (sizeof SIP - 1) - 6;    /* the payload chunk header */
    assert_int_equal(p.b[at + 3], 15);
    p.b[at + 4] = 0xff, p.b[at + 5] = 0xff;
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_LENGTH);
}

static void test_address_chunk_wrong_size(void **state)
{
    (void)state;
    pkt p;
    build(&p, SHORT_SRC);
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_ADDRESS);
}

static void test_missing_chunks(void **state)
{
    (void)state;
    pkt p;
    build(&p, NO_PAYLOAD);
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_MISSING_CHUNK);
    build(&p, NO_SPORT);
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_MISSING_CHUNK);
}

static void test_family_mismatch(void **state)
{
    (void)state;
    pkt p;
    build(&p, V6_FAMILY);
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_BAD_ADDRESS);
}

static void test_oversized(void **state)
{
    (void)state;
    static pkt p;
    build(&p, 0);
    p.n = SW_HEP_MAX_PACKET + 1;
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_OVERSIZED);
    build(&p, 0);
    p.b[4] = 0xff, p.b[5] = 0xff;       /* claims 65535 in a 65507-byte datagram */
    memset(p.b + p.n, 'x', 65507 - p.n);
    assert_int_equal(drop_of(p.b, 65507, NULL), SW_HEP_DROP_TRUNCATED);
}

static void test_unknown_and_vendor_chunks_skipped(void **state)
{
    (void)state;
    pkt p;
    build(&p, UNKNOWN | VENDOR);
    sw_hep_msg m;
    sw_hep_drop why;
    assert_true(sw_hep_decode(p.b, p.n, NULL, &m, &why));
    assert_int_equal(m.unknown_chunks, 2);
    assert_int_equal(m.payload_len, sizeof SIP - 1);
}

static void test_auth_key(void **state)
{
    (void)state;
    pkt p;
    sw_hep_msg m;
    sw_hep_drop why;
    build(&p, 0);
    assert_int_equal(drop_of(p.b, p.n, "sipwatch-hep-key"), SW_HEP_DROP_AUTH);     /* missing */
    build(&p, AUTH);
    assert_int_equal(drop_of(p.b, p.n, "another"), SW_HEP_DROP_AUTH);              /* wrong */
    assert_int_equal(drop_of(p.b, p.n, "sipwatch-hep-ke"), SW_HEP_DROP_AUTH);      /* a prefix */
    assert_true(sw_hep_decode(p.b, p.n, "sipwatch-hep-key", &m, &why));
    assert_true(sw_hep_decode(p.b, p.n, NULL, &m, &why));                         /* no password: accepted */
    build(&p, AUTH_NUL);
    assert_true(sw_hep_decode(p.b, p.n, "sipwatch-hep-key", &m, &why));           /* trailing NUL */
}

static void test_not_hep(void **state)
{
    (void)state;
    pkt p;
    build(&p, 0);
    memcpy(p.b, "EEP3", 4);
    assert_int_equal(sw_hep_detect(p.b, p.n), 0);
    assert_int_equal(drop_of(p.b, p.n, NULL), SW_HEP_DROP_NOT_HEP);
    assert_int_equal(sw_hep_detect((const uint8_t *)"", 0), 0);
    assert_int_equal(sw_hep_detect((const uint8_t *)SIP, sizeof SIP - 1), 0);
}

/* kamailio's v2: 16-byte header, 12-byte time header in host byte order. */
static size_t build_v2(uint8_t *b, size_t time_header)
{
    uint8_t h[16] = {2, 16, 2, 17, 0x13, 0xc4, 0x13, 0xc6, 10, 0, 0, 1, 10, 0, 0, 2};
    memcpy(b, h, 16);
    uint32_t sec = 1700000000, usec = 42;
    for (int i = 0; i < 4; i++) {
        b[16 + i] = (uint8_t)(sec >> (8 * i));
        b[20 + i] = (uint8_t)(usec >> (8 * i));
    }
    b[24] = 0xfc, b[25] = 0x03;         /* capture id 1020 */
    b[26] = b[27] = 0;
    memcpy(b + 16 + time_header, SIP, sizeof SIP - 1);
    return 16 + time_header + sizeof SIP - 1;
}

static void test_v2(void **state)
{
    (void)state;
    uint8_t b[600];
    sw_hep_msg m;
    sw_hep_drop why;
    for (size_t th = 10; th <= 12; th += 2) {
        size_t n = build_v2(b, th);
        assert_int_equal(sw_hep_detect(b, n), 2);
        assert_true(sw_hep_decode(b, n, NULL, &m, &why));
        assert_int_equal(m.version, 2);
        assert_int_equal(m.src.port, 5060);
        assert_int_equal(m.dst.port, 5062);
        assert_int_equal(m.ts, 1700000000ULL * SW_USEC_PER_SEC + 42);
        assert_int_equal(m.node_id, 1020);
        assert_int_equal(m.payload_len, sizeof SIP - 1);
        assert_int_equal(drop_of(b, n, "key"), SW_HEP_DROP_AUTH);  /* v2 carries no key */
    }
    size_t n = build_v2(b, 12);
    assert_int_equal(drop_of(b, 12, NULL), SW_HEP_DROP_TRUNCATED);
    b[1] = 200;                         /* header length that fits no family */
    assert_int_equal(sw_hep_detect(b, n), 0);
}

static void test_payload_types(void **state)
{
    (void)state;
    pkt p;
    sw_hep_msg m;
    sw_hep_drop why;
    sw_hep_stats *s = calloc(1, sizeof *s);
    sw_payload out;
    build(&p, LOG);
    assert_true(sw_hep_decode(p.b, p.n, NULL, &m, &why));
    assert_false(sw_hep_to_payload(s, &m, NULL, 0, 1, &out));
    assert_int_equal(s->payload_types[sw_hep_type_slot(100)], 1);
    build(&p, NOT_SIP);
    assert_true(sw_hep_decode(p.b, p.n, NULL, &m, &why));
    assert_false(sw_hep_to_payload(s, &m, NULL, 0, 2, &out));
    assert_int_equal(s->payload_not_sip, 1);
    build(&p, 0);
    assert_true(sw_hep_decode(p.b, p.n, NULL, &m, &why));
    assert_true(sw_hep_to_payload(s, &m, NULL, 0, 3, &out));
    assert_int_not_equal(out.agent, 0);
    assert_int_equal(out.ts, m.ts);
    assert_int_equal(out.transport, SW_TRANSPORT_UDP);
    assert_int_equal(s->decoded, 3);
    assert_int_equal(s->sip, 1);
    free(s);
}

static void test_agent_table_bounded(void **state)
{
    (void)state;
    sw_hep_stats *s = calloc(1, sizeof *s);
    sw_hep_msg m;
    memset(&m, 0, sizeof m);
    m.have_node = true;
    sw_ip_addr from = {.family = 4, .bytes = {127, 0, 0, 13}};
    uint32_t first = sw_hep_note_agent(s, &m, &from);
    for (uint32_t i = 1; i <= SW_HEP_MAX_AGENTS + 5; i++) {
        m.node_id = i;
        sw_hep_note_agent(s, &m, &from);
    }
    assert_int_equal(s->nagents, SW_HEP_MAX_AGENTS);
    assert_int_equal(s->agents_overflow, 6);
    m.node_id = 0;
    assert_int_equal(sw_hep_note_agent(s, &m, &from), first);          /* the same agent, the same tag */
    from.bytes[3] = 14;
    assert_int_not_equal(sw_hep_note_agent(s, &m, &from), first);      /* same node id, another source */
    free(s);
}

static void test_encode_round_trip(void **state)
{
    (void)state;
    sw_hep_out o = {.src = {.ip = {.family = 6, .bytes = {[15] = 1}}, .port = 5070},
                    .dst = {.ip = {.family = 6, .bytes = {[15] = 2}}, .port = 5080},
                    .ip_proto = 6, .ts = 1700000000ULL * SW_USEC_PER_SEC + 999999, .payload_type = 1,
                    .node_id = 2001, .password = "k", .payload = (const uint8_t *)SIP, .payload_len = sizeof SIP - 1,
                    .correlation = "c1"};
    uint8_t buf[1024];
    size_t n = sw_hep_encode(buf, sizeof buf, &o);
    assert_true(n > 0);
    sw_hep_msg m;
    sw_hep_drop why;
    assert_true(sw_hep_decode(buf, n, "k", &m, &why));
    assert_int_equal(m.src.ip.family, 6);
    assert_int_equal(m.dst.port, 5080);
    assert_int_equal(m.ip_proto, 6);
    assert_int_equal(m.ts, o.ts);
    assert_int_equal(m.correlation_len, 2);
    assert_int_equal(sw_hep_frame_length(buf, n), n);
    assert_int_equal(sw_hep_encode(buf, 50, &o), 0);                   /* does not fit */
}

/* The framer's HEP mode: packets cut across pieces, then bytes that are not HEP. */
typedef struct seen {
    int packets, broken;
} seen;

static void on_hep(void *user, const uint8_t *packet, size_t len, const sw_payload *tmpl)
{
    (void)tmpl;
    seen *s = user;
    sw_hep_msg m;
    sw_hep_drop why;
    if (sw_hep_decode(packet, len, NULL, &m, &why))
        s->packets++;
    else
        s->broken++;
}

static void on_sip(void *user, const sw_payload *p)
{
    (void)user;
    (void)p;
    fail_msg("a HEP stream delivered SIP directly");
}

static void test_framer_hep_stream(void **state)
{
    (void)state;
    static pkt p;
    build(&p, 0);
    static uint8_t stream[3 * 70000];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        memcpy(stream + n, p.b, p.n);
        n += p.n;
    }
    memcpy(stream + n, "GARBAGE!", 8);
    n += 8;
    seen s = {0};
    sw_framer_stats st;
    memset(&st, 0, sizeof st);
    sw_framer_sink sink = {.deliver = on_sip, .stats = &st, .max_message_len = 65536, .hep = on_hep, .hep_user = &s};
    sw_framer f;
    memset(&f, 0, sizeof f);
    for (size_t off = 0; off < n; off += 7)
        sw_framer_feed(&f, stream + off, n - off < 7 ? n - off : 7, &sink);
    assert_int_equal(s.packets, 3);
    assert_int_equal(s.broken, 1);      /* the garbage, handed over once */
    assert_int_equal(f.mode, SW_FRAMER_OTHER);
    sw_framer_release(&f);
}

static int payloads;
static void count_payload(void *user, const sw_payload *p)
{
    (void)user;
    assert_int_not_equal(p->agent, 0);
    payloads++;
}

static void test_decoder_hep_entry(void **state)
{
    (void)state;
    sw_decode_config cfg;
    sw_decode_config_default(&cfg);
    cfg.hep_password = "sipwatch-hep-key";
    sw_decoder *d = sw_decoder_create(&cfg, count_payload, NULL);
    assert_non_null(d);
    sw_ip_addr from = {.family = 4, .bytes = {127, 0, 0, 13}};
    pkt p;
    build(&p, AUTH);
    payloads = 0;
    sw_decoder_hep_packet(d, 1, &from, p.b, p.n);
    assert_int_equal(sw_decoder_content_time(d), 1700000000ULL * SW_USEC_PER_SEC + 123456);  /* the HEP time */
    build(&p, 0);
    sw_decoder_hep_packet(d, 2, &from, p.b, p.n);                     /* no key */
    sw_decoder_hep_packet(d, 3, &from, (const uint8_t *)SIP, sizeof SIP - 1);  /* not HEP */
    sw_decoder_hep_drop(d, SW_HEP_DROP_QUEUE_FULL, 4);
    const sw_hep_stats *s = sw_decoder_hep_stats(d);
    assert_non_null(s);
    assert_int_equal(payloads, 1);
    assert_int_equal(s->received, 7);
    assert_int_equal(s->dropped[SW_HEP_DROP_AUTH], 1);
    assert_int_equal(s->dropped[SW_HEP_DROP_NOT_HEP], 1);
    assert_int_equal(s->dropped[SW_HEP_DROP_QUEUE_FULL], 4);
    assert_int_equal(s->nagents, 1);
    assert_int_equal(sw_decoder_content_time(d), 3);      /* no HEP in the last packet: its arrival */
    sw_decoder_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intact_v3),
        cmocka_unit_test(test_truncated_datagram),
        cmocka_unit_test(test_total_length_too_small),
        cmocka_unit_test(test_total_length_inside_a_chunk),
        cmocka_unit_test(test_chunk_length_zero_and_five),
        cmocka_unit_test(test_payload_chunk_past_end),
        cmocka_unit_test(test_address_chunk_wrong_size),
        cmocka_unit_test(test_missing_chunks),
        cmocka_unit_test(test_family_mismatch),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_unknown_and_vendor_chunks_skipped),
        cmocka_unit_test(test_auth_key),
        cmocka_unit_test(test_not_hep),
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_payload_types),
        cmocka_unit_test(test_agent_table_bounded),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_framer_hep_stream),
        cmocka_unit_test(test_decoder_hep_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
