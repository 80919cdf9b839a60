/* Unit tests for the text toolkit every sink uses: the sanitiser (escape
 * sequences, BEL, NUL, C1 controls, invalid and truncated UTF-8, newlines),
 * visible cuts that never split a character, plurals, and word wrapping by
 * columns; and that the SIP stage hands on only sanitised text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sipwatch/sip_message.h"
#include "sipwatch/text.h"

static void assert_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        assert_true(*p >= 0x20 && *p != 0x7f);
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = sw_utf8_decode(s + i, n - i, &cp);
        assert_true(cp != 0xfffd || (k == 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0));
        assert_false(cp >= 0x80 && cp < 0xa0);
        i += k;
    }
}

static void test_sanitize_hostile_bytes(void **state)
{
    (void)state;
    static const char hostile[] = "ua \x1b]0;OWNED\x07\x1b[2J \xff\xfe \xc2\x9b" "31m caf\xc3\xa9 \xe2\x82";
    char out[128];
    size_t n = sw_text_sanitize(hostile, sizeof hostile - 1, true, false, out, sizeof out);
    assert_int_equal(n, strlen(out));
    assert_clean(out);
    assert_non_null(strstr(out, "caf\xc3\xa9"));             /* valid UTF-8 kept */
    assert_null(strchr(out, '\x1b'));
    assert_non_null(strstr(out, "?]0;OWNED??[2J"));
    /* NUL inside the length is neutralised too. */
    n = sw_text_sanitize("a\0b", 3, true, false, out, sizeof out);
    assert_string_equal(out, "a?b");
    /* ASCII mode: nothing above 0x7e survives. */
    sw_text_sanitize("caf\xc3\xa9", 5, false, false, out, sizeof out);
    assert_string_equal(out, "caf?");
    /* Newlines only when asked; CR LF becomes LF; a tab a space. */
    sw_text_sanitize("a\r\nb\tc", 6, true, true, out, sizeof out);
    assert_string_equal(out, "a\nb c");
    sw_text_sanitize("a\r\nb", 4, true, false, out, sizeof out);
    assert_string_equal(out, "a??b");
    /* Never longer than its input, never past the buffer. */
    char tiny[4];
    sw_text_sanitize("abcdef", 6, true, false, tiny, sizeof tiny);
    assert_string_equal(tiny, "abc");
}

static void test_cuts_are_visible_and_whole(void **state)
{
    (void)state;
    char buf[10];
    assert_false(sw_copy_cut(buf, sizeof buf, "short"));
    assert_string_equal(buf, "short");
    assert_true(sw_copy_cut(buf, sizeof buf, "a much longer value"));
    assert_string_equal(buf, "a much" SW_ELLIPSIS);
    /* A cut never splits a character: é is 2 bytes. */
    assert_true(sw_copy_cut(buf, sizeof buf, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
    assert_string_equal(buf, "\xc3\xa9\xc3\xa9\xc3\xa9" SW_ELLIPSIS);
    assert_clean(buf);
    sw_copy_cut(buf, sizeof buf, NULL);
    assert_string_equal(buf, "");
    assert_int_equal(sw_utf8_boundary("ab\xe2\x82", 4), 2);
    assert_int_equal(sw_utf8_boundary("ab\xe2\x82\xac", 5), 5);
    assert_int_equal(sw_utf8_boundary("abc", 3), 3);
}

static bool fmt(char *buf, size_t cap, size_t at, const char *f, ...) __attribute__((format(printf, 4, 5)));
static bool fmt(char *buf, size_t cap, size_t at, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    bool cut = sw_vformat_cut(buf, cap, at, f, ap);
    va_end(ap);
    return cut;
}

static void test_format_cut_and_plural(void **state)
{
    (void)state;
    char buf[16] = "";
    assert_false(fmt(buf, sizeof buf, 0, "%d %s", 1, sw_plural(1, "copy", "copies")));
    assert_string_equal(buf, "1 copy");
    assert_true(fmt(buf, sizeof buf, strlen(buf), ", %d %s", 22, sw_plural(22, "copy", "copies")));
    assert_true(strlen(buf) <= sizeof buf - 1);
    assert_string_equal(buf + strlen(buf) - 3, SW_ELLIPSIS);
    assert_string_equal(sw_plural(0, "time", "times"), "times");
}

static void test_wrap_by_columns(void **state)
{
    (void)state;
    sw_text_span lines[8];
    /* Wide characters take two columns each. */
    const char *cjk = "\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2\xe5\xad\x97";      /* 4 wide characters */
    assert_int_equal(sw_text_width(cjk), 8);
    assert_int_equal(sw_text_wrap_lines(cjk, 4, lines, 8), 2);
    assert_int_equal(sw_text_width_n(cjk + lines[0].off, lines[0].len), 4);
    assert_int_equal(sw_text_wrap_lines("alpha beta gamma", 10, lines, 8), 2);
    assert_int_equal(lines[0].len, 10);
}

static void test_sip_fields_are_sanitised(void **state)
{
    (void)state;
    static const char msg[] =
        "OPTIONS sip:bob@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
        "From: <sip:alice@pbx.test>;tag=1\r\nTo: <sip:bob@pbx.test>\r\nCall-ID: id-\xff\xfe-x\r\n"
        "CSeq: 1 OPTIONS\r\nUser-Agent: evil \x1b[2J\x07 \xc2\x9b" "31m\r\nContent-Length: 0\r\n\r\n";
    sw_payload p = {.ts = 1, .frame = 1, .transport = SW_TRANSPORT_UDP, .data = (const uint8_t *)msg,
                    .len = sizeof msg - 1};
    sw_sip_msg_buf mbuf;
    sw_sip_msg *m = sw_sip_msg_buf_init(&mbuf);
    sw_sip_init();
    assert_int_equal(sw_sip_parse(&p, 65536, m), SW_SIP_OK);
    assert_non_null(m->user_agent);
    assert_non_null(m->call_id);
    assert_clean(m->user_agent);
    assert_clean(m->call_id);
    assert_string_equal(m->call_id, "id-?" "?-x");
    /* The fallback key scanner goes through the same boundary. */
    sw_sip_msg_buf fbuf;
    sw_sip_msg *f = sw_sip_msg_buf_init(&fbuf);
    assert_true(sw_sip_scan_keys(&p, f));
    assert_clean(f->call_id);
    sw_sip_thread_done();
}

/* An SDP with more media and formats than its summary holds: cut visibly,
 * never written past (UBSan caught the pointer arithmetic before the fix). */
static void test_sdp_summary_is_bounded(void **state)
{
    (void)state;
    char sdp[4096] = "v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n";
    for (int i = 0; i < 10; i++)
        strcat(sdp, "m=audio 4000 RTP/AVP 0 8 9 18 96 97 98 99 100 101 102 103 104 105 106 107 108\r\n");
    char msg[8192];
    snprintf(msg, sizeof msg,
             "INVITE sip:bob@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
             "From: <sip:alice@pbx.test>;tag=1\r\nTo: <sip:bob@pbx.test>\r\nCall-ID: sdp-1\r\nCSeq: 1 INVITE\r\n"
             "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
    sw_payload p = {.ts = 1, .frame = 1, .transport = SW_TRANSPORT_UDP, .data = (const uint8_t *)msg,
                    .len = strlen(msg)};
    sw_sip_msg_buf mbuf;
    sw_sip_msg *m = sw_sip_msg_buf_init(&mbuf);
    sw_sip_init();
    assert_int_equal(sw_sip_parse(&p, 65536, m), SW_SIP_OK);
    assert_non_null(m->sdp_media);
    assert_true(strncmp(m->sdp_media, "audio PCMU PCMA G722 G729 96", 28) == 0);
    assert_true(strlen(m->sdp_media) < 160);
    assert_string_equal(m->sdp_address, "10.0.0.5");
    sw_sip_thread_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_hostile_bytes),
        cmocka_unit_test(test_cuts_are_visible_and_whole),
        cmocka_unit_test(test_format_cut_and_plural),
        cmocka_unit_test(test_wrap_by_columns),
        cmocka_unit_test(test_sip_fields_are_sanitised),
        cmocka_unit_test(test_sdp_summary_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
