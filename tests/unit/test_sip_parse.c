/* Unit tests for the libosip2 adapter: the fields every later stage relies
 * on (dialog and transaction keys, digest credentials and challenges,
 * Event/Subscription-State/Refer-To/Refer-Sub, sipfrag), compact forms,
 * messages with headers missing, garbage, huge headers, and silence on
 * standard output when libosip2 rejects a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipwatch/sip_message.h"

static sw_sip_msg *msg;

static int setup(void **state)
{
    (void)state;
    sw_sip_msg_buf *buf = calloc(1, sizeof *buf);
    msg = buf ? sw_sip_msg_buf_init(buf) : NULL;
    return msg ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(msg);
    return 0;
}

static sw_sip_parse_result parse(const char *text)
{
    sw_payload p = {.ts = 42, .frame = 7, .transport = SW_TRANSPORT_UDP,
                    .data = (const uint8_t *)text, .len = strlen(text)};
    return sw_sip_parse(&p, 256 * 1024, msg);
}

static void test_invite_fields(void **state)
{
    (void)state;
    const char *text =
        "INVITE sip:2002@127.0.0.10;transport=udp SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-abc;rport\r\n"
        "Via: SIP/2.0/UDP 127.0.0.12:5072;branch=z9hG4bK-def\r\n"
        "From: \"Alice\" <sip:alice@example.test>;tag=fromtag1\r\n"
        "To: <sip:2002@example.test>\r\n"
        "Call-ID: 12345-abc@127.0.0.11\r\n"
        "CSeq: 102 INVITE\r\n"
        "Contact: <sip:alice@127.0.0.11:5071>\r\n"
        "USER-AGENT: baresip v1.0.0\r\n"
        "Proxy-Authorization: Digest username=\"alice\", realm=\"pbx.test\", nonce=\"n0nce\", "
        "uri=\"sip:2002@127.0.0.10\", response=\"0123456789abcdef0123456789abcdef\"\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: 4\r\n\r\nv=0\n";
    assert_int_equal(parse(text), SW_SIP_OK);
    assert_true(msg->is_request);
    assert_int_equal(msg->method, SW_METHOD_INVITE);
    assert_string_equal(msg->method_name, "INVITE");
    assert_string_equal(msg->request_uri, "sip:2002@127.0.0.10;transport=udp");
    assert_string_equal(msg->call_id, "12345-abc@127.0.0.11");
    assert_true(msg->has_cseq);
    assert_int_equal(msg->cseq, 102);
    assert_int_equal(msg->cseq_method, SW_METHOD_INVITE);
    assert_string_equal(msg->from_user, "alice");
    assert_string_equal(msg->from_host, "example.test");
    assert_string_equal(msg->from_tag, "fromtag1");
    assert_string_equal(msg->from_display, "Alice");
    assert_null(msg->to_tag);
    assert_string_equal(msg->to_user, "2002");
    assert_int_equal(msg->via_count, 2);
    assert_string_equal(msg->via_branch, "z9hG4bK-abc");
    assert_string_equal(msg->via_host, "127.0.0.11");
    assert_int_equal(msg->via_port, 5071);
    assert_string_equal(msg->contact, "sip:alice@127.0.0.11:5071");
    assert_string_equal(msg->user_agent, "baresip v1.0.0");   /* header names match in any case */
    assert_true(msg->credentials.present);
    assert_true(msg->credentials.proxy);
    assert_string_equal(msg->credentials.username, "alice");
    assert_string_equal(msg->credentials.realm, "pbx.test");
    assert_string_equal(msg->credentials.nonce, "n0nce");
    assert_false(msg->challenge.present);
    assert_string_equal(msg->content_type, "application/sdp");
    assert_int_equal(msg->body_len, 4);
    assert_memory_equal(msg->body, "v=0\n", 4);
    assert_int_equal(msg->frame, 7);
    assert_int_equal(msg->ts, 42);
}

static void test_challenge_response(void **state)
{
    (void)state;
    const char *text =
        "SIP/2.0 401 Unauthorized\r\n"
        "Via: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-reg1\r\n"
        "From: <sip:alice@pbx.test>;tag=a1\r\n"
        "To: <sip:alice@pbx.test>;tag=srv9\r\n"
        "Call-ID: reg-1\r\n"
        "CSeq: 2 REGISTER\r\n"
        "WWW-Authenticate: Digest realm=\"pbx.test\", nonce=\"abc123\", stale=true, algorithm=MD5\r\n"
        "Server: kamailio (5.6.3)\r\n"
        "Content-Length: 0\r\n\r\n";
    assert_int_equal(parse(text), SW_SIP_OK);
    assert_false(msg->is_request);
    assert_int_equal(msg->status, 401);
    assert_string_equal(msg->reason, "Unauthorized");
    assert_int_equal(msg->cseq_method, SW_METHOD_REGISTER);
    assert_string_equal(msg->to_tag, "srv9");
    assert_true(msg->challenge.present);
    assert_false(msg->challenge.proxy);
    assert_true(msg->challenge.stale);
    assert_string_equal(msg->challenge.realm, "pbx.test");
    assert_string_equal(msg->challenge.nonce, "abc123");
    assert_string_equal(msg->user_agent, "kamailio (5.6.3)");
    assert_false(msg->credentials.present);
}

static void test_refer_notify_fields(void **state)
{
    (void)state;
    const char *notify =
        "NOTIFY sip:bob@127.0.0.12:5072 SIP/2.0\r\n"
        "Via: SIP/2.0/TCP 127.0.0.11:5071;branch=z9hG4bK-n1\r\n"
        "f: <sip:alice@pbx.test>;tag=a1\r\n"
        "t: <sip:bob@pbx.test>;tag=b1\r\n"
        "i: call-7\r\n"
        "CSeq: 3 NOTIFY\r\n"
        "o: refer;id=93\r\n"
        "Subscription-State: terminated;reason=noresource\r\n"
        "c: message/sipfrag;version=2.0\r\n"
        "l: 16\r\n\r\n"
        "SIP/2.0 200 OK\r\n";
    assert_int_equal(parse(notify), SW_SIP_OK);
    assert_int_equal(msg->method, SW_METHOD_NOTIFY);
    assert_string_equal(msg->call_id, "call-7");
    assert_string_equal(msg->from_tag, "a1");
    assert_string_equal(msg->to_tag, "b1");
    assert_string_equal(msg->event, "refer");
    assert_string_equal(msg->event_id, "93");
    assert_string_equal(msg->subscription_state, "terminated");
    assert_string_equal(msg->content_type, "message/sipfrag");
    assert_int_equal(msg->sipfrag_status, 200);

    const char *refer =
        "REFER sip:bob@127.0.0.12 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.11;branch=z9hG4bK-r1\r\n"
        "From: <sip:alice@pbx.test>;tag=a1\r\nTo: <sip:bob@pbx.test>;tag=b1\r\n"
        "Call-ID: call-7\r\nCSeq: 93 REFER\r\n"
        "r: <sip:carol@pbx.test>\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(parse(refer), SW_SIP_OK);
    assert_int_equal(msg->method, SW_METHOD_REFER);
    assert_string_equal(msg->refer_to, "<sip:carol@pbx.test>");
    assert_null(msg->event);

    const char *accepted =
        "SIP/2.0 202 Accepted\r\n"
        "Via: SIP/2.0/UDP 127.0.0.11;branch=z9hG4bK-r1\r\n"
        "From: <sip:alice@pbx.test>;tag=a1\r\nTo: <sip:bob@pbx.test>;tag=b1\r\n"
        "Call-ID: call-7\r\nCSeq: 93 REFER\r\nRefer-Sub: false\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(parse(accepted), SW_SIP_OK);
    assert_int_equal(msg->status, 202);
    assert_true(msg->refer_sub_false);
    assert_null(msg->refer_to);         /* nothing left over from the previous message */
}

static void test_missing_headers_still_parse(void **state)
{
    (void)state;
    assert_int_equal(parse("OPTIONS sip:x@y SIP/2.0\r\nContent-Length: 0\r\n\r\n"), SW_SIP_OK);
    assert_null(msg->call_id);
    assert_false(msg->has_cseq);
    assert_int_equal(msg->via_count, 0);
    assert_null(msg->via_branch);
    assert_null(msg->from_tag);
    assert_int_equal(msg->expires, -1);
}

static void test_garbage_is_a_parse_error_and_silent(void **state)
{
    (void)state;
    /* libosip2's Debian build traces to stdout on errors unless silenced. */
    fflush(stdout);
    int saved = dup(1);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 1);
    sw_sip_parse_result r1 = parse("INVITE sip:a@b SIP/2.0\r\nFrom: \\\"x\\\" <sip:a@b>\r\n\r\n");
    sw_sip_parse_result r2 = parse("SIP/2.0 200 OK\r\nVia: \r\nCSeq: x\r\n\r\n");
    sw_sip_parse_result r3 = parse("\x01\x02\x03 garbage");
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    long written = ftell(tmp);
    fseek(tmp, 0, SEEK_END);
    written = ftell(tmp);
    fclose(tmp);
    assert_int_equal(r1, SW_SIP_PARSE_ERROR);
    assert_int_equal(r3, SW_SIP_PARSE_ERROR);
    (void)r2;
    assert_int_equal(written, 0);
}

static void test_fallback_keys_of_a_rejected_message(void **state)
{
    (void)state;
    /* libosip2 rejects a duplicated Content-Type; the keys are still read. */
    const char *text =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP [fd17::3519]:5062;branch=z9hG4bK-333;received=fd17::1\r\n"
        "From: \"sipp\" <sip:sipp@[fd17::1521]:15060>;tag=397430SIPpTag00\r\n"
        "To: \"mcr\" <sip:mcr@[fd17::3519]:5062>;tag=1632476SIPpTag02\r\n"
        "Call-ID: 71846-1647924829-397430@fd17::1521\r\n"
        "CSeq: 3 UPDATE\r\nContent-Type: application/sdp\r\nContent-Type: application/sdp\r\n"
        "Content-Length: 0\r\n\r\n";
    assert_int_equal(parse(text), SW_SIP_PARSE_ERROR);
    sw_payload p = {.data = (const uint8_t *)text, .len = strlen(text)};
    assert_true(sw_sip_scan_keys(&p, msg));
    assert_true(msg->degraded);
    assert_false(msg->is_request);
    assert_int_equal(msg->status, 200);
    assert_string_equal(msg->call_id, "71846-1647924829-397430@fd17::1521");
    assert_int_equal(msg->cseq, 3);
    assert_int_equal(msg->cseq_method, SW_METHOD_UPDATE);
    assert_string_equal(msg->via_branch, "z9hG4bK-333");
    assert_string_equal(msg->from_tag, "397430SIPpTag00");
    assert_string_equal(msg->to_tag, "1632476SIPpTag02");
    /* Without a Call-ID there is nothing to correlate. */
    sw_payload q = {.data = (const uint8_t *)"INVITE sip:a SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n", .len = 42};
    assert_false(sw_sip_scan_keys(&q, msg));
}

/* A reason phrase holding control bytes (an ESC sequence) is still a
 * response with its status: parsed by libosip2, or, when libosip2 refuses
 * the message, by the fallback scanner. A status line with no reason at all
 * is a response too, never a request. */
static void test_control_bytes_in_reason_still_a_response(void **state)
{
    (void)state;
    const char *keys =
        "Via: SIP/2.0/UDP 10.9.0.1:5070;branch=z9hG4bK-esc\r\nFrom: <sip:a@x>;tag=a1\r\n"
        "To: <sip:b@y>;tag=b1\r\nCall-ID: esc@10.9.0.1\r\nCSeq: 1 INVITE\r\n";
    const char *starts[] = {"SIP/2.0 403 Forbidden \x1b[2J\x1b]0;OWNED\x07\r\n", "SIP/2.0 403\x1b[31m\r\n",
                            "SIP/2.0 403\r\n"};
    const char *tails[] = {"Content-Length: 0\r\n\r\n",
                           "Content-Type: a/b\r\nContent-Type: a/b\r\nContent-Length: 0\r\n\r\n"};
    char text[1024];
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        for (size_t t = 0; t < 2; t++) {
            snprintf(text, sizeof text, "%s%s%s", starts[s], keys, tails[t]);
            sw_payload p = {.data = (const uint8_t *)text, .len = strlen(text)};
            if (parse(text) != SW_SIP_OK)
                assert_true(sw_sip_scan_keys(&p, msg));
            assert_false(msg->is_request);
            assert_int_equal(msg->status, 403);
            assert_string_equal(msg->call_id, "esc@10.9.0.1");
            assert_int_equal(msg->cseq_method, SW_METHOD_INVITE);
            /* The fallback alone must see the same. */
            assert_true(sw_sip_scan_keys(&p, msg));
            assert_false(msg->is_request);
            assert_int_equal(msg->status, 403);
        }
    }
}

/* Captured bytes are not NUL-terminated: a message that ends inside its
 * CSeq or Via line is read up to its last byte, never past it (found by
 * fuzz/fuzz_sip_sequence; an overread shows under AddressSanitizer). */
static void test_fallback_stays_inside_the_message(void **state)
{
    (void)state;
    const char *texts[] = {"SIP/2.0 200 OK\r\nCall-ID: a@b\r\nCSeq: 12",
                           "SIP/2.0 200 OK\r\nCall-ID: a@b\r\nCSeq: 12 INVITE",
                           "SIP/2.0 200 OK\r\nCall-ID: a@b\r\nCSeq: 1 BYE\r\nVia: SIP/2.0/UDP host:5060",
                           "SIP/2.0 200 OK\r\nCall-ID: a@b\r\nCSeq: 1 BYE\r\nVia: SIP/2.0/UDP host"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t n = strlen(texts[i]);
        uint8_t *exact = malloc(n);     /* no terminator after the last byte */
        assert_non_null(exact);
        memcpy(exact, texts[i], n);
        sw_payload p = {.data = exact, .len = n};
        bool keys = sw_sip_scan_keys(&p, msg);
        assert_int_equal(msg->status, 200);
        assert_true(keys);
        assert_int_equal(msg->cseq, i == 0 || i == 1 ? 12 : 1);
        if (i == 2)
            assert_int_equal(msg->via_port, 5060);
        if (i == 3)
            assert_string_equal(msg->via_host, "host");
        free(exact);
    }
}

static void test_huge_header_and_size_cap(void **state)
{
    (void)state;
    size_t big = 64 * 1024;
    char *text = malloc(big + 512);
    assert_non_null(text);
    int n = snprintf(text, 512,
                     "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-h\r\n"
                     "Call-ID: huge\r\nCSeq: 1 MESSAGE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nX-Big: ");
    memset(text + n, 'a', big);
    strcpy(text + n + big, "\r\nContent-Length: 0\r\n\r\n");
    /* A 64 KB header: parsed (or refused) without harm; strings are capped. */
    sw_sip_parse_result r = parse(text);
    assert_true(r == SW_SIP_OK || r == SW_SIP_PARSE_ERROR);
    if (r == SW_SIP_OK) {
        assert_string_equal(msg->call_id, "huge");
        assert_true(msg->arena_used <= SW_SIP_ARENA);
    }
    /* Over the cap: not given to the parser at all. */
    sw_payload p = {.data = (const uint8_t *)text, .len = strlen(text)};
    assert_int_equal(sw_sip_parse(&p, 1024, msg), SW_SIP_TOO_LARGE);
    free(text);
}

static void test_long_fields_are_truncated_not_overflowed(void **state)
{
    (void)state;
    char text[8192];
    char longid[1200];
    memset(longid, 'c', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    snprintf(text, sizeof text,
             "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-%s\r\n"
             "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:%s@b>;tag=%s\r\nTo: <sip:a@b>\r\n"
             "User-Agent: %s\r\nContent-Length: 0\r\n\r\n",
             longid, longid, longid, longid, longid);
    assert_int_equal(parse(text), SW_SIP_OK);
    assert_non_null(msg->call_id);
    assert_int_equal(strlen(msg->call_id), 255);
    assert_true(msg->arena_used <= SW_SIP_ARENA);
}

static void test_many_parses_reuse_nothing_stale(void **state)
{
    (void)state;
    /* Thousands of parses through the arena allocator: fields stay right. */
    char text[512];
    for (int i = 0; i < 5000; i++) {
        snprintf(text, sizeof text,
                 "REGISTER sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-%d\r\n"
                 "Call-ID: c-%d\r\nCSeq: %d REGISTER\r\nFrom: <sip:u%d@pbx>;tag=t%d\r\nTo: <sip:u%d@pbx>\r\n"
                 "Expires: %d\r\nContent-Length: 0\r\n\r\n",
                 i, i, i + 1, i, i, i, i % 3600);
        assert_int_equal(parse(text), SW_SIP_OK);
        char want[32];
        snprintf(want, sizeof want, "c-%d", i);
        assert_string_equal(msg->call_id, want);
        assert_int_equal(msg->cseq, (uint32_t)(i + 1));
        assert_int_equal(msg->expires, i % 3600);
    }
}

/* The arena copy of len bytes of 'a' with `byte` at position at. */
static const char *copy_with(unsigned char byte, size_t at, size_t len)
{
    char text[32];
    memset(text, 'a', sizeof text);
    text[at] = (char)byte;
    msg->arena_used = 0;
    const char *out = sw_sip_msg_copy(msg, text, len, 255);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);         /* one byte, one '?' or ' ' at most */
    return out;
}

/* Copies into the arena check eight bytes at a time for anything but
 * printable ASCII: a single such byte at any position, in a word or in the
 * tail, still goes through the sanitiser; the edges of the range pass. */
static void test_copy_checks_every_byte(void **state)
{
    (void)state;
    static const unsigned char bad[] = {0x00, 0x09, 0x1b, 0x1f, 0x7f, 0x80, 0xc3, 0xff};
    static const unsigned char good[] = {0x20, 0x21, 0x41, 0x7e};
    for (size_t len = 1; len <= 24; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < sizeof bad; k++) {
                const char *out = copy_with(bad[k], at, len);
                for (const char *c = out; *c; c++)
                    assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
            }
            for (size_t k = 0; k < sizeof good; k++) {
                const char *out = copy_with(good[k], at, len);
                assert_int_equal((unsigned char)out[at], good[k]);
                for (size_t i = 0; i < len; i++)
                    assert_true(i == at || out[i] == 'a');
            }
        }
    }
}

int main(void)
{
    sw_sip_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_invite_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_checks_every_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_challenge_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refer_notify_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_headers_still_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_is_a_parse_error_and_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_keys_of_a_rejected_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_bytes_in_reason_still_a_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_stays_inside_the_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_header_and_size_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_fields_are_truncated_not_overflowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_parses_reuse_nothing_stale, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return failed;
}
