/* Unit tests for the decode stage with frames built byte by byte: every
 * link type, VLAN/QinQ/MPLS, IPv6 extension headers, IPv4 and IPv6
 * fragments, tunnels (IP-in-IP, GRE/ERSPAN, VXLAN, GTP-U), SCTP, TLS ports,
 * and every truncation of a valid frame and random garbage without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/decode.h"

#define MAX_MSGS 32

typedef struct collected {
    int n;
    char msg[MAX_MSGS][1024];
    sw_payload p[MAX_MSGS];
} collected;

static void collect(void *user, const sw_payload *p)
{
    collected *c = user;
    if (c->n < MAX_MSGS) {
        size_t n = p->len < 1023 ? p->len : 1023;
        memcpy(c->msg[c->n], p->data, n);
        c->msg[c->n][n] = '\0';
        c->p[c->n] = *p;
        c->p[c->n].data = NULL;
    }
    c->n++;
}

static const char *SIP =
    "OPTIONS sip:pbx@127.0.0.10 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-7\r\n"
    "Call-ID: decode-test\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";

/* ---- frame builders ---------------------------------------------------- */

typedef struct frame {
    uint8_t b[4096];
    size_t n;
} frame;

static void put(frame *f, const void *data, size_t len)
{
    memcpy(f->b + f->n, data, len);
    f->n += len;
}
static void put8(frame *f, uint8_t v) { f->b[f->n++] = v; }
static void put16(frame *f, uint16_t v) { put8(f, (uint8_t)(v >> 8)); put8(f, (uint8_t)v); }
static void put32(frame *f, uint32_t v) { put16(f, (uint16_t)(v >> 16)); put16(f, (uint16_t)v); }

static void eth(frame *f, uint16_t type)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6};
    put(f, macs, 12);
    put16(f, type);
}

/* IPv4 header; frag = flags/offset field. Fills total length from payload_len. */
static void ipv4(frame *f, uint8_t proto, const uint8_t src[4], const uint8_t dst[4], size_t payload_len,
                 uint16_t id, uint16_t frag)
{
    put8(f, 0x45);
    put8(f, 0);
    put16(f, (uint16_t)(20 + payload_len));
    put16(f, id);
    put16(f, frag);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    put(f, src, 4);
    put(f, dst, 4);
}

static void ipv6(frame *f, uint8_t nh, size_t payload_len)
{
    static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    put32(f, 0x60000000);
    put16(f, (uint16_t)payload_len);
    put8(f, nh);
    put8(f, 64);
    put(f, src, 16);
    put(f, dst, 16);
}

static void udp(frame *f, uint16_t sport, uint16_t dport, const void *payload, size_t len)
{
    put16(f, sport);
    put16(f, dport);
    put16(f, (uint16_t)(8 + len));
    put16(f, 0);
    put(f, payload, len);
}

static const uint8_t IP_A[4] = {127, 0, 0, 11}, IP_B[4] = {127, 0, 0, 10};

static void udp4(frame *f, const char *payload)
{
    size_t len = strlen(payload);
    ipv4(f, 17, IP_A, IP_B, 8 + len, 1, 0);
    udp(f, 5071, 5070, payload, len);
}

static sw_decoder *decoder(collected *c, int dlt)
{
    sw_decoder *d = sw_decoder_create(NULL, collect, c);
    assert_non_null(d);
    assert_true(sw_decoder_set_linktype(d, dlt));
    return d;
}

static void run_frame(sw_decoder *d, const frame *f)
{
    sw_decoder_frame(d, 1000000, f->b, f->n, f->n);
}

static void expect_one(collected *c, uint16_t sport, uint16_t dport)
{
    assert_int_equal(c->n, 1);
    assert_string_equal(c->msg[0], SIP);
    assert_int_equal(c->p[0].src.port, sport);
    assert_int_equal(c->p[0].dst.port, dport);
}

/* ---- tests ------------------------------------------------------------- */

static void test_ethernet_ipv4_udp(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    frame f = {0};
    eth(&f, 0x0800);
    udp4(&f, SIP);
    put(&f, "\0\0\0\0", 4);     /* Ethernet trailer padding is not payload */
    run_frame(d, &f);
    expect_one(&c, 5071, 5070);
    assert_int_equal(c.p[0].src.ip.family, 4);
    assert_memory_equal(c.p[0].src.ip.bytes, IP_A, 4);
    assert_int_equal(c.p[0].transport, SW_TRANSPORT_UDP);
    sw_decoder_destroy(d);
}

static void test_vlan_qinq_and_mpls(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    frame f = {0};
    eth(&f, 0x88a8);
    put16(&f, 100);
    put16(&f, 0x8100);
    put16(&f, 200);
    put16(&f, 0x0800);
    udp4(&f, SIP);
    run_frame(d, &f);
    expect_one(&c, 5071, 5070);

    collected m = {0};
    sw_decoder *d2 = decoder(&m, DLT_EN10MB);
    frame g = {0};
    eth(&g, 0x8847);
    put32(&g, (16u << 12) | 0x40);          /* label 16, not bottom */
    put32(&g, (17u << 12) | 0x140);         /* label 17, bottom of stack */
    udp4(&g, SIP);
    run_frame(d2, &g);
    expect_one(&m, 5071, 5070);
    sw_decoder_destroy(d);
    sw_decoder_destroy(d2);
}

static void test_linux_cooked_raw_and_null(void **state)
{
    (void)state;
    struct {
        int dlt;
        size_t hdr;
    } kinds[] = {{DLT_LINUX_SLL, 16}, {DLT_LINUX_SLL2, 20}, {DLT_RAW, 0}, {DLT_NULL, 4}, {DLT_LOOP, 4}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        collected c = {0};
        sw_decoder *d = decoder(&c, kinds[k].dlt);
        frame f = {0};
        memset(f.b, 0, kinds[k].hdr);
        f.n = kinds[k].hdr;
        if (kinds[k].dlt == DLT_LINUX_SLL) {
            f.b[14] = 0x08;
        } else if (kinds[k].dlt == DLT_LINUX_SLL2) {
            f.b[0] = 0x08;
        } else if (kinds[k].dlt == DLT_NULL) {
            f.b[0] = 2;             /* AF_INET, host byte order */
        }
        udp4(&f, SIP);
        run_frame(d, &f);
        expect_one(&c, 5071, 5070);
        sw_decoder_destroy(d);
    }
    collected c = {0};
    sw_decoder *d = sw_decoder_create(NULL, collect, &c);
    assert_false(sw_decoder_set_linktype(d, 147));     /* DLT_USER0: unknown */
    assert_false(sw_decode_linktype_supported(147));
    sw_decoder_destroy(d);
}

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    frame f = {0};
    size_t len = strlen(SIP);
    eth(&f, 0x86dd);
    ipv6(&f, 0, 8 + 16 + 8 + len);     /* hop-by-hop -> destination options -> UDP */
    put8(&f, 60);
    put8(&f, 0);
    put(&f, "\1\4\0\0\0\0", 6);
    put8(&f, 17);
    put8(&f, 1);                        /* 16 bytes */
    put(&f, "\1\14\0\0\0\0\0\0\0\0\0\0\0\0", 14);
    udp(&f, 5062, 5060, SIP, len);
    run_frame(d, &f);
    expect_one(&c, 5062, 5060);
    assert_int_equal(c.p[0].src.ip.family, 6);
    sw_decoder_destroy(d);
}

static void test_ipv4_fragments_reordered(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    /* The UDP datagram (header + SIP) split in 3 fragments of 48, 48, rest; sent 3,1,2. */
    uint8_t dgram[1024];
    size_t len = strlen(SIP);
    frame u = {0};
    udp(&u, 5071, 5070, SIP, len);
    memcpy(dgram, u.b, u.n);
    size_t total = u.n;
    size_t cuts[4] = {0, 48, 96, total};
    int order[3] = {2, 0, 1};
    for (int i = 0; i < 3; i++) {
        int k = order[i];
        frame f = {0};
        eth(&f, 0x0800);
        size_t plen = cuts[k + 1] - cuts[k];
        uint16_t frag = (uint16_t)(cuts[k] / 8) | (k < 2 ? 0x2000 : 0);
        ipv4(&f, 17, IP_A, IP_B, plen, 0x4242, frag);
        put(&f, dgram + cuts[k], plen);
        run_frame(d, &f);
        assert_int_equal(c.n, i == 2 ? 1 : 0);
    }
    expect_one(&c, 5071, 5070);
    sw_ipfrag_stats fs;
    sw_decoder_get_stats(d, NULL, &fs, NULL);
    assert_int_equal(fs.reassembled, 1);
    sw_decoder_destroy(d);
}

static void test_ipv6_fragments(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_LINUX_SLL);
    frame u = {0};
    udp(&u, 5062, 5060, SIP, strlen(SIP));
    size_t half = 64;
    for (int k = 0; k < 2; k++) {
        frame f = {0};
        memset(f.b, 0, 16);
        f.n = 16;
        f.b[14] = 0x86;
        f.b[15] = 0xdd;
        size_t off = k ? half : 0, plen = k ? u.n - half : half;
        ipv6(&f, 44, 8 + plen);
        put8(&f, 17);
        put8(&f, 0);
        put16(&f, (uint16_t)(off | (k ? 0 : 1)));
        put32(&f, 0xdeadbeef);
        put(&f, u.b + off, plen);
        run_frame(d, &f);
    }
    expect_one(&c, 5062, 5060);
    sw_decoder_destroy(d);
}

static void test_tunnels(void **state)
{
    (void)state;
    size_t len = strlen(SIP);
    /* IP-in-IP */
    {
        collected c = {0};
        sw_decoder *d = decoder(&c, DLT_EN10MB);
        frame f = {0};
        eth(&f, 0x0800);
        ipv4(&f, 4, IP_A, IP_B, 20 + 8 + len, 9, 0);
        udp4(&f, SIP);
        run_frame(d, &f);
        expect_one(&c, 5071, 5070);
        sw_decoder_destroy(d);
    }
    /* GRE + ERSPAN type II (sequence bit set, 8-byte ERSPAN header, inner Ethernet) */
    {
        collected c = {0};
        sw_decoder *d = decoder(&c, DLT_EN10MB);
        frame f = {0};
        eth(&f, 0x0800);
        ipv4(&f, 47, IP_A, IP_B, 8 + 8 + 14 + 20 + 8 + len, 9, 0);
        put16(&f, 0x1000);
        put16(&f, 0x88be);
        put32(&f, 1);
        put32(&f, 0x10000000);
        put32(&f, 0);
        eth(&f, 0x0800);
        udp4(&f, SIP);
        run_frame(d, &f);
        expect_one(&c, 5071, 5070);
        sw_decoder_destroy(d);
    }
    /* VXLAN */
    {
        collected c = {0};
        sw_decoder *d = decoder(&c, DLT_EN10MB);
        frame inner = {0};
        put32(&inner, 0x08000000);
        put32(&inner, 0x00010000);
        eth(&inner, 0x0800);
        udp4(&inner, SIP);
        frame f = {0};
        eth(&f, 0x0800);
        ipv4(&f, 17, IP_A, IP_B, 8 + inner.n, 9, 0);
        udp(&f, 40000, 4789, inner.b, inner.n);
        run_frame(d, &f);
        expect_one(&c, 5071, 5070);
        sw_decoder_destroy(d);
    }
    /* GTP-U with a sequence number */
    {
        collected c = {0};
        sw_decoder *d = decoder(&c, DLT_EN10MB);
        frame inner = {0};
        put8(&inner, 0x32);
        put8(&inner, 0xff);
        put16(&inner, (uint16_t)(4 + 20 + 8 + len));
        put32(&inner, 0x1234);
        put32(&inner, 0x00010000);
        udp4(&inner, SIP);
        frame f = {0};
        eth(&f, 0x0800);
        ipv4(&f, 17, IP_A, IP_B, 8 + inner.n, 9, 0);
        udp(&f, 2152, 2152, inner.b, inner.n);
        run_frame(d, &f);
        expect_one(&c, 5071, 5070);
        sw_decoder_destroy(d);
    }
}

static void test_sctp_whole_and_split(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    size_t len = strlen(SIP), half = len / 2;
    const struct {
        uint8_t flags;
        uint32_t tsn;
        const char *data;
        size_t len;
    } chunks[] = {{0x03, 1, SIP, len}, {0x02, 2, SIP, half}, {0x01, 3, SIP + half, len - half}};
    for (size_t i = 0; i < 3; i++) {
        frame f = {0};
        size_t clen = 16 + chunks[i].len, padded = (clen + 3) & ~(size_t)3;
        eth(&f, 0x0800);
        ipv4(&f, 132, IP_A, IP_B, 12 + padded, 9, 0);
        put16(&f, 5060);
        put16(&f, 5060);
        put32(&f, 0xabcdef);
        put32(&f, 0);
        put8(&f, 0);
        put8(&f, chunks[i].flags);
        put16(&f, (uint16_t)clen);
        put32(&f, chunks[i].tsn);
        put16(&f, 0);
        put16(&f, 0);
        put32(&f, 0);
        put(&f, chunks[i].data, chunks[i].len);
        while (f.n % 4)
            put8(&f, 0);
        run_frame(d, &f);
    }
    assert_int_equal(c.n, 2);
    assert_string_equal(c.msg[0], SIP);
    assert_string_equal(c.msg[1], SIP);
    assert_int_equal(c.p[1].transport, SW_TRANSPORT_SCTP);
    sw_decoder_destroy(d);
}

/* TLS is decided from the bytes (a TLS record header), never by port. */
static void test_tcp_and_tls_port(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03, 0x00};
    uint16_t sports[3] = {40000, 5061, 40001}, dports[3] = {5070, 5060, 5061};
    for (int k = 0; k < 3; k++) {
        const uint8_t *payload = k < 2 ? (const uint8_t *)SIP : hello;
        size_t len = k < 2 ? strlen(SIP) : sizeof hello;
        frame f = {0};
        eth(&f, 0x0800);
        ipv4(&f, 6, IP_A, IP_B, 20 + len, 9, 0);
        put16(&f, sports[k]);
        put16(&f, dports[k]);
        put32(&f, 1000);
        put32(&f, 0);
        put8(&f, 0x50);
        put8(&f, 0x18);
        put16(&f, 65535);
        put32(&f, 0);
        put(&f, payload, len);
        run_frame(d, &f);
    }
    assert_int_equal(c.n, 2);                   /* plain SIP from port 5061 is SIP */
    assert_int_equal(c.p[0].transport, SW_TRANSPORT_TCP);
    assert_int_equal(c.p[1].transport, SW_TRANSPORT_TCP);
    sw_decode_stats ds;
    sw_tcp_stats ts;
    sw_decoder_get_stats(d, &ds, NULL, &ts);
    assert_int_equal(ds.tls_segments, 1);
    assert_int_equal(ts.tls_connections, 1);
    sw_decoder_destroy(d);
}

static void test_non_sip_udp_counted(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    frame f = {0};
    eth(&f, 0x0800);
    udp4(&f, "\x80\x00\x01\x02RTP-looking payload");
    run_frame(d, &f);
    frame g = {0};
    eth(&g, 0x0800);
    udp4(&g, "\r\n\r\n");
    run_frame(d, &g);
    assert_int_equal(c.n, 0);
    sw_decode_stats ds;
    sw_decoder_get_stats(d, &ds, NULL, NULL);
    assert_int_equal(ds.non_sip_payloads, 1);
    assert_int_equal(ds.keepalives, 1);
    sw_decoder_destroy(d);
}

static void test_every_truncation_and_garbage(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    frame f = {0};
    eth(&f, 0x8100);
    put16(&f, 5);
    put16(&f, 0x0800);
    ipv4(&f, 47, IP_A, IP_B, 4 + 20 + 8 + strlen(SIP), 9, 0);
    put16(&f, 0);
    put16(&f, 0x0800);
    udp4(&f, SIP);
    for (size_t cut = 0; cut < f.n; cut++)
        sw_decoder_frame(d, 1, f.b, cut, f.n);
    assert_int_equal(c.n, 0);                   /* a cut SIP message is never delivered as whole */
    sw_decoder_frame(d, 2, f.b, f.n, f.n);
    assert_int_equal(c.n, 1);

    srand(7);
    uint8_t junk[1600];
    int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL};
    for (int round = 0; round < 20000; round++) {
        sw_decoder_set_linktype(d, dlts[round % 5]);
        size_t n = (size_t)(rand() % (int)sizeof junk);
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)rand();
        if (n > 20 && round % 3 == 0) {
            junk[0] = 0x45;                     /* make it look like IPv4 now and then */
            junk[14] = 0x45;
        }
        sw_decoder_frame(d, (sw_time_us)round, junk, n, n);
    }
    sw_decoder_finish(d, 30000);
    sw_decode_stats ds;
    sw_decoder_get_stats(d, &ds, NULL, NULL);
    assert_int_equal(ds.packets, f.n + 1 + 20000);
    sw_decoder_destroy(d);
}

/* ICMP port unreachable quoting a SIP datagram: handed on marked, with the
 * quoted datagram's addresses, and not counted as a SIP payload. */
static void test_icmp_unreachable_quotes_sip(void **state)
{
    (void)state;
    collected c = {0};
    sw_decoder *d = decoder(&c, DLT_EN10MB);
    frame f = {0};
    static const uint8_t router[4] = {192, 0, 2, 1};
    size_t sip_len = strlen(SIP);
    eth(&f, 0x0800);
    ipv4(&f, 1, router, IP_A, 8 + 20 + 8 + sip_len, 9, 0);
    put8(&f, 3);                    /* destination unreachable */
    put8(&f, 3);                    /* port */
    put16(&f, 0);
    put32(&f, 0);
    udp4(&f, SIP);                  /* the quoted datagram: A -> B */
    run_frame(d, &f);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.msg[0], SIP);
    assert_int_equal(c.p[0].icmp, SW_UNREACH_PORT);
    assert_memory_equal(c.p[0].icmp_from.bytes, router, 4);
    assert_memory_equal(c.p[0].src.ip.bytes, IP_A, 4);
    assert_memory_equal(c.p[0].dst.ip.bytes, IP_B, 4);
    assert_int_equal(c.p[0].dst.port, 5070);
    sw_decode_stats ds;
    sw_decoder_get_stats(d, &ds, NULL, NULL);
    assert_int_equal(ds.icmp_unreachable, 1);
    assert_int_equal(ds.icmp_sip, 1);
    assert_int_equal(ds.sip_payloads, 0);
    /* An echo request, or an error quoting TCP, hands on nothing. */
    frame g = {0};
    eth(&g, 0x0800);
    ipv4(&g, 1, router, IP_A, 8, 10, 0);
    put8(&g, 8);
    put8(&g, 0);
    put16(&g, 0);
    put32(&g, 0);
    run_frame(d, &g);
    assert_int_equal(c.n, 1);
    sw_decoder_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_icmp_unreachable_quotes_sip),
        cmocka_unit_test(test_ethernet_ipv4_udp),
        cmocka_unit_test(test_vlan_qinq_and_mpls),
        cmocka_unit_test(test_linux_cooked_raw_and_null),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_ipv4_fragments_reordered),
        cmocka_unit_test(test_ipv6_fragments),
        cmocka_unit_test(test_tunnels),
        cmocka_unit_test(test_sctp_whole_and_split),
        cmocka_unit_test(test_tcp_and_tls_port),
        cmocka_unit_test(test_non_sip_udp_counted),
        cmocka_unit_test(test_every_truncation_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
