/* Unit tests for SIP recognition and stream framing: start lines, header
 * ends, Content-Length (full and compact), and the framer fed merged, split,
 * gapped, oversized, TLS, HTTP and WebSocket input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/sip_framing.h"

#define MAX_MSGS 16

typedef struct collected {
    int n;
    char msg[MAX_MSGS][2048];
    size_t len[MAX_MSGS];
    sw_transport transport[MAX_MSGS];
} collected;

static void collect(void *user, const sw_payload *p)
{
    collected *c = user;
    if (c->n < MAX_MSGS) {
        size_t n = p->len < 2047 ? p->len : 2047;
        memcpy(c->msg[c->n], p->data, n);
        c->msg[c->n][n] = '\0';
        c->len[c->n] = p->len;
        c->transport[c->n] = p->transport;
    }
    c->n++;
}

typedef struct fixture {
    sw_framer framer;
    sw_framer_stats stats;
    collected got;
    sw_framer_sink sink;
} fixture;

static void fixture_init(fixture *f, size_t max_len)
{
    memset(f, 0, sizeof *f);
    f->sink.tmpl.transport = SW_TRANSPORT_TCP;
    f->sink.deliver = collect;
    f->sink.user = &f->got;
    f->sink.stats = &f->stats;
    f->sink.max_message_len = max_len;
}

static void feed_str(fixture *f, const char *s)
{
    sw_framer_feed(&f->framer, (const uint8_t *)s, strlen(s), &f->sink);
}

static const char *OPTIONS_MSG =
    "OPTIONS sip:pbx@127.0.0.10 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 127.0.0.11:5071;branch=z9hG4bK-1\r\n"
    "Call-ID: a@b\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

static const char *MESSAGE_WITH_BODY =
    "MESSAGE sip:bob@127.0.0.10 SIP/2.0\r\n"
    "Call-ID: m@b\r\nCSeq: 2 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
    "hello";

static void test_start_line(void **state)
{
    (void)state;
    const struct {
        const char *text;
        sw_start_line want;
    } cases[] = {
        {"INVITE sip:a@b SIP/2.0\r\n", SW_START_YES},
        {"SIP/2.0 200 OK\r\n", SW_START_YES},
        {"SIP/2.0 100\r\n", SW_START_YES},
        {"DBREGISTER sip:1.1.1.1 SIP/2.0\r\n", SW_START_YES},   /* unknown methods are tokens too */
        {"INVITE sip:a@b SIP/2.0", SW_START_NEED_MORE},
        {"INV", SW_START_NEED_MORE},
        {"SIP/2", SW_START_NEED_MORE},
        {"GET / HTTP/1.1\r\n", SW_START_NO},
        {"HTTP/1.1 200 OK\r\n", SW_START_NO},
        {"SIP/2.0 2x0 OK\r\n", SW_START_NO},
        {"INVITE  sip:a@b SIP/2.0\r\n", SW_START_NO},
        {"INVITE sip:a@b SIP/3.0\r\n", SW_START_NO},
        {"\x16\x03\x01\x00\x10", SW_START_NO},
        {"v=0\r\n", SW_START_NO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sw_start_line got = sw_sip_start_line((const uint8_t *)cases[i].text, strlen(cases[i].text));
        if (got != cases[i].want)
            fail_msg("case %zu (%s): got %d want %d", i, cases[i].text, got, cases[i].want);
    }
    /* NUL or control bytes inside the line: not SIP (as tshark decides). */
    static const uint8_t nul_uri[] = "INVITE sip:0%s\0abc@x SIP/2.0\r\n";
    assert_int_equal(sw_sip_start_line(nul_uri, sizeof nul_uri - 1), SW_START_NO);
    static const uint8_t nul_reason[] = "SIP/2.0 401 Unauthori%s\0\r\n";
    assert_int_equal(sw_sip_start_line(nul_reason, sizeof nul_reason - 1), SW_START_NO);
    /* Other control bytes in a reason phrase are hostile text: still a response. */
    static const uint8_t esc_reason[] = "SIP/2.0 403 Forbidden \x1b[2J\x1b]0;x\x07\x7f\r\n";
    assert_int_equal(sw_sip_start_line(esc_reason, sizeof esc_reason - 1), SW_START_YES);
}

static void test_header_end_and_content_length(void **state)
{
    (void)state;
    const char *m = "SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: 12\r\n\r\nbodybodybody";
    size_t hdr = sw_sip_header_end((const uint8_t *)m, strlen(m));
    assert_int_equal(hdr, strlen(m) - 12);
    bool ok;
    assert_int_equal(sw_sip_content_length((const uint8_t *)m, hdr, &ok), 12);
    assert_true(ok);

    const char *lf = "SIP/2.0 200 OK\nl: 3\n\nabc";
    hdr = sw_sip_header_end((const uint8_t *)lf, strlen(lf));
    assert_int_equal(hdr, strlen(lf) - 3);
    assert_int_equal(sw_sip_content_length((const uint8_t *)lf, hdr, &ok), 3);
    assert_true(ok);

    const char *spaced = "SIP/2.0 200 OK\r\ncontent-length :   7  \r\n\r\n";
    hdr = sw_sip_header_end((const uint8_t *)spaced, strlen(spaced));
    assert_int_equal(sw_sip_content_length((const uint8_t *)spaced, hdr, &ok), 7);
    assert_true(ok);

    const char *absent = "SIP/2.0 200 OK\r\nLocation: l\r\n\r\n";     /* "l" prefix is not "l:" */
    hdr = sw_sip_header_end((const uint8_t *)absent, strlen(absent));
    assert_int_equal(sw_sip_content_length((const uint8_t *)absent, hdr, &ok), 0);
    assert_true(ok);

    const char *bad = "SIP/2.0 200 OK\r\nContent-Length: -5\r\n\r\n";
    hdr = sw_sip_header_end((const uint8_t *)bad, strlen(bad));
    sw_sip_content_length((const uint8_t *)bad, hdr, &ok);
    assert_false(ok);

    const char *huge = "SIP/2.0 200 OK\r\nContent-Length: 99999999999999\r\n\r\n";
    hdr = sw_sip_header_end((const uint8_t *)huge, strlen(huge));
    sw_sip_content_length((const uint8_t *)huge, hdr, &ok);
    assert_false(ok);

    assert_int_equal(sw_sip_header_end((const uint8_t *)"SIP/2.0 200 OK\r\nA: b\r\n", 23), 0);
}

static void test_merged_messages_and_keepalives(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 65536);
    char buf[1024];
    snprintf(buf, sizeof buf, "\r\n\r\n%s%s\r\n\r\n%s", OPTIONS_MSG, MESSAGE_WITH_BODY, OPTIONS_MSG);
    feed_str(&f, buf);
    assert_int_equal(f.got.n, 3);
    assert_string_equal(f.got.msg[0], OPTIONS_MSG);
    assert_string_equal(f.got.msg[1], MESSAGE_WITH_BODY);
    assert_string_equal(f.got.msg[2], OPTIONS_MSG);
    assert_int_equal(f.stats.keepalives, 2);
    assert_int_equal(f.framer.len, 0);
    sw_framer_release(&f.framer);
}

static void test_split_byte_by_byte(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 65536);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", MESSAGE_WITH_BODY, OPTIONS_MSG);
    for (size_t i = 0; buf[i]; i++) {
        sw_framer_feed(&f.framer, (const uint8_t *)buf + i, 1, &f.sink);
        if (i + 1 < strlen(MESSAGE_WITH_BODY))
            assert_int_equal(f.got.n, 0);       /* nothing before the last body byte */
    }
    assert_int_equal(f.got.n, 2);
    assert_string_equal(f.got.msg[0], MESSAGE_WITH_BODY);
    assert_string_equal(f.got.msg[1], OPTIONS_MSG);
    sw_framer_release(&f.framer);
}

static void test_mid_stream_start_and_gap_resync(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 65536);
    /* Picked up in the middle of a body: skip to the next start line. */
    char buf[1024];
    snprintf(buf, sizeof buf, "a=rtpmap:0 PCMU/8000\r\nm=audio 4000 RTP/AVP 0\r\n%s", OPTIONS_MSG);
    feed_str(&f, buf);
    assert_int_equal(f.got.n, 1);
    assert_string_equal(f.got.msg[0], OPTIONS_MSG);

    /* Half a message, then a gap, then a fresh message: the half is dropped. */
    feed_str(&f, "INVITE sip:x@y SIP/2.0\r\nCall-ID: lost\r\n");
    sw_framer_gap(&f.framer);
    snprintf(buf, sizeof buf, "Content-Length: 0\r\n\r\n%s", MESSAGE_WITH_BODY);
    feed_str(&f, buf);
    assert_int_equal(f.got.n, 2);
    assert_string_equal(f.got.msg[1], MESSAGE_WITH_BODY);
    assert_true(f.stats.resyncs >= 1);
    sw_framer_release(&f.framer);

    /* Picked up inside a body that ends without a line break. */
    fixture g;
    fixture_init(&g, 65536);
    snprintf(buf, sizeof buf, "=sendrecv%sa=ptime:20SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", OPTIONS_MSG);
    feed_str(&g, buf);
    assert_int_equal(g.got.n, 0 + 2);
    assert_string_equal(g.got.msg[0], OPTIONS_MSG);
    assert_string_equal(g.got.msg[1], "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    sw_framer_release(&g.framer);
}

static void test_oversize_is_skipped(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 512);
    char buf[2048];
    /* Declares a 1000-byte body: over the 512-byte cap, skipped whole. */
    int n = snprintf(buf, sizeof buf, "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1000\r\n\r\n");
    memset(buf + n, 'x', 1000);
    buf[n + 1000] = '\0';
    feed_str(&f, buf);
    feed_str(&f, OPTIONS_MSG);
    assert_int_equal(f.stats.oversize, 1);
    assert_int_equal(f.got.n, 1);
    assert_string_equal(f.got.msg[0], OPTIONS_MSG);

    /* A header that never ends: cut at the cap, buffer stays bounded. */
    fixture g;
    fixture_init(&g, 512);
    feed_str(&g, "INVITE sip:a@b SIP/2.0\r\n");
    for (int i = 0; i < 200; i++)
        feed_str(&g, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    assert_true(g.framer.len <= 512 + 16);
    assert_true(g.stats.oversize >= 1);
    assert_int_equal(g.got.n, 0);
    sw_framer_release(&f.framer);
    sw_framer_release(&g.framer);
}

/* A Content-Length far beyond the cap must not make the framer skip that
 * many bytes: the messages after it are framed, fed whole or in pieces. */
static size_t ws_frame(uint8_t *out, uint8_t first_byte, const char *payload, size_t len, bool masked);

/* A WebSocket message in many fragments is capped like any other: past the
 * cap it is dropped and counted, the buffer stays bounded, and the next
 * message is framed (found by fuzz/fuzz_framing). */
static void test_websocket_fragments_are_capped(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 512);
    feed_str(&f, "GET / HTTP/1.1\r\nHost: 127.0.0.10\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    assert_int_equal(f.framer.mode, SW_FRAMER_WEBSOCKET);
    static char filler[100];
    memset(filler, 'x', sizeof filler);
    uint8_t buf[512];
    size_t n = ws_frame(buf, 0x01, OPTIONS_MSG, 100, true);            /* a start, no FIN */
    sw_framer_feed(&f.framer, buf, n, &f.sink);
    for (int i = 0; i < 200; i++) {                                     /* 20,000 bytes more */
        n = ws_frame(buf, 0x00, filler, sizeof filler, true);
        sw_framer_feed(&f.framer, buf, n, &f.sink);
    }
    n = ws_frame(buf, 0x80, filler, 10, true);                          /* FIN */
    sw_framer_feed(&f.framer, buf, n, &f.sink);
    assert_int_equal(f.got.n, 0);
    assert_int_equal(f.stats.oversize, 1);
    assert_true(sw_framer_held(&f.framer) <= 4096);            /* not the 20 KB sent */
    n = ws_frame(buf, 0x81, OPTIONS_MSG, strlen(OPTIONS_MSG), true);
    sw_framer_feed(&f.framer, buf, n, &f.sink);
    assert_int_equal(f.got.n, 1);
    assert_string_equal(f.got.msg[0], OPTIONS_MSG);
    sw_framer_release(&f.framer);
}

static void test_huge_content_length_resyncs(void **state)
{
    (void)state;
    static char stream[8192];
    int n = snprintf(stream, sizeof stream,
                     "INVITE sip:a@b SIP/2.0\r\nCall-ID: x@y\r\nContent-Length: 999999999\r\n\r\nv=0\r\no=- 1 1\r\n");
    for (int i = 0; i < 12; i++)
        n += snprintf(stream + n, sizeof stream - (size_t)n, "%s", OPTIONS_MSG);
    const size_t pieces[] = {1, 7, 100, 1000, (size_t)n};
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        size_t piece = pieces[p];
        fixture f;
        fixture_init(&f, 4096);
        for (size_t at = 0; at < (size_t)n; at += piece) {
            size_t len = (size_t)n - at < piece ? (size_t)n - at : piece;
            sw_framer_feed(&f.framer, (const uint8_t *)stream + at, len, &f.sink);
        }
        assert_int_equal(f.got.n, 12);
        assert_string_equal(f.got.msg[11], OPTIONS_MSG);
        assert_int_equal(f.stats.length_over_max, 1);
        assert_int_equal(f.stats.oversize, 1);
        assert_true(f.stats.skipped_bytes >= strlen("v=0\r\no=- 1 1\r\n"));
        sw_framer_release(&f.framer);
    }
}

static void test_tls_and_http_are_not_framed(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 65536);
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
    sw_framer_feed(&f.framer, hello, sizeof hello, &f.sink);
    feed_str(&f, OPTIONS_MSG);      /* inside TLS, plaintext-looking bytes are still not SIP */
    assert_int_equal(f.framer.mode, SW_FRAMER_TLS);
    assert_int_equal(f.got.n, 0);
    assert_true(f.stats.tls_bytes > 0);

    fixture h;
    fixture_init(&h, 65536);
    feed_str(&h, "GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n");
    feed_str(&h, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    assert_int_equal(h.framer.mode, SW_FRAMER_OTHER);
    assert_int_equal(h.got.n, 0);

    /* A record header fed a byte at a time is still recognised. */
    fixture g;
    fixture_init(&g, 65536);
    for (size_t i = 0; i < sizeof hello; i++)
        sw_framer_feed(&g.framer, hello + i, 1, &g.sink);
    assert_int_equal(g.framer.mode, SW_FRAMER_TLS);
    /* Bytes that only start like TLS (an impossible length) are not TLS. */
    fixture k;
    fixture_init(&k, 65536);
    static const uint8_t fake[] = {0x17, 0x03, 0x03, 0xff, 0xff, 'x', '\r', '\n'};
    sw_framer_feed(&k.framer, fake, sizeof fake, &k.sink);
    feed_str(&k, OPTIONS_MSG);
    assert_int_not_equal(k.framer.mode, SW_FRAMER_TLS);
    assert_int_equal(k.got.n, 1);
    sw_framer_release(&f.framer);
    sw_framer_release(&h.framer);
    sw_framer_release(&g.framer);
    sw_framer_release(&k.framer);
}

static size_t ws_frame(uint8_t *out, uint8_t first_byte, const char *payload, size_t len, bool masked)
{
    static const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    size_t o = 0;
    out[o++] = first_byte;
    if (len < 126) {
        out[o++] = (uint8_t)((masked ? 0x80 : 0) | len);
    } else {
        out[o++] = (uint8_t)((masked ? 0x80 : 0) | 126);
        out[o++] = (uint8_t)(len >> 8);
        out[o++] = (uint8_t)len;
    }
    if (masked) {
        memcpy(out + o, key, 4);
        o += 4;
    }
    for (size_t i = 0; i < len; i++)
        out[o + i] = masked ? (uint8_t)(payload[i] ^ key[i & 3]) : (uint8_t)payload[i];
    return o + len;
}

static void test_websocket(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 65536);
    feed_str(&f, "GET / HTTP/1.1\r\nHost: 127.0.0.10\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Protocol: sip\r\n\r\n");
    assert_int_equal(f.framer.mode, SW_FRAMER_WEBSOCKET);
    uint8_t buf[4096];
    size_t n = 0;
    /* A masked text frame with a whole message, a ping, then one message in two fragments. */
    n += ws_frame(buf + n, 0x81, OPTIONS_MSG, strlen(OPTIONS_MSG), true);
    n += ws_frame(buf + n, 0x89, "ping", 4, true);
    size_t half = strlen(MESSAGE_WITH_BODY) / 2;
    n += ws_frame(buf + n, 0x01, MESSAGE_WITH_BODY, half, true);
    n += ws_frame(buf + n, 0x80, MESSAGE_WITH_BODY + half, strlen(MESSAGE_WITH_BODY) - half, true);
    /* Fed in awkward pieces. */
    for (size_t off = 0; off < n; off += 7) {
        size_t k = n - off < 7 ? n - off : 7;
        sw_framer_feed(&f.framer, buf + off, k, &f.sink);
    }
    assert_int_equal(f.got.n, 2);
    assert_string_equal(f.got.msg[0], OPTIONS_MSG);
    assert_string_equal(f.got.msg[1], MESSAGE_WITH_BODY);
    assert_int_equal(f.got.transport[0], SW_TRANSPORT_WS);
    sw_framer_release(&f.framer);
}

static void test_random_input_never_overflows(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 4096);
    srand(1234);
    uint8_t buf[1500];
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (rand() % 4 == 0) ? (uint8_t)"SIP/2.0 \r\nContent-Length: 12"[rand() % 29] : (uint8_t)rand();
        sw_framer_feed(&f.framer, buf, n, &f.sink);
        if (round % 97 == 0)
            sw_framer_gap(&f.framer);
        assert_true(f.framer.len <= 4096 + 16);
    }
    sw_framer_release(&f.framer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_line),
        cmocka_unit_test(test_header_end_and_content_length),
        cmocka_unit_test(test_merged_messages_and_keepalives),
        cmocka_unit_test(test_split_byte_by_byte),
        cmocka_unit_test(test_mid_stream_start_and_gap_resync),
        cmocka_unit_test(test_oversize_is_skipped),
        cmocka_unit_test(test_huge_content_length_resyncs),
        cmocka_unit_test(test_websocket_fragments_are_capped),
        cmocka_unit_test(test_tls_and_http_are_not_framed),
        cmocka_unit_test(test_websocket),
        cmocka_unit_test(test_random_input_never_overflows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
