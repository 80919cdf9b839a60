/* Unit tests of the media stage and the media rules, from SIP messages
 * parsed from text and RTP/RTCP datagrams built in memory (no pcap): loss,
 * sequence wrap, RFC 3550 jitter, the MOS estimate, endpoint learning and
 * latching, RTCP reports, and each media rule on a call that should and one
 * that should not trigger it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "sipwatch/correlate.h"
#include "sipwatch/findings.h"
#include "sipwatch/media.h"
#include "sipwatch/rules.h"

#define MS 1000ULL
#define SEC 1000000ULL
#define T0 (1700000000ULL * SEC)

/* ---- per-stream figures ------------------------------------------------ */

static void test_loss_and_sequence_errors(void **state)
{
    (void)state;
    sw_rtp_stream s = {.rate = 8000};
    for (uint16_t seq = 100; seq < 110; seq++)
        if (seq != 104 && seq != 105)
            sw_rtp_stream_packet(&s, T0 + seq * 20 * MS, seq, seq * 160u, false, 172);
    assert_int_equal(s.packets, 8);
    assert_int_equal(sw_rtp_lost(&s), 2);
    assert_int_equal(s.seq_errors, 1);
    assert_true(sw_rtp_loss_percent(&s) > 19.9 && sw_rtp_loss_percent(&s) < 20.1);
}

static void test_sequence_wrap(void **state)
{
    (void)state;
    sw_rtp_stream s = {.rate = 8000};
    uint16_t seq = 65530;
    for (int i = 0; i < 12; i++, seq++)
        sw_rtp_stream_packet(&s, T0 + (sw_time_us)i * 20 * MS, seq, (uint32_t)i * 160u, false, 172);
    assert_int_equal(s.packets, 12);
    assert_int_equal(sw_rtp_lost(&s), 0);
    assert_int_equal(s.seq_errors, 0);
    assert_int_equal(s.max_ext_seq, 65530 + 11);
}

static void test_late_packet_is_not_lost(void **state)
{
    (void)state;
    sw_rtp_stream s = {.rate = 8000};
    uint16_t order[] = {1, 2, 4, 3, 5};
    for (int i = 0; i < 5; i++)
        sw_rtp_stream_packet(&s, T0 + (sw_time_us)i * 20 * MS, order[i], order[i] * 160u, false, 172);
    assert_int_equal(sw_rtp_lost(&s), 0);
    assert_int_equal(s.seq_errors, 2);      /* 4 after 2, then 3 after 4 */
}

static void test_jitter_rfc3550(void **state)
{
    (void)state;
    sw_rtp_stream s = {.rate = 8000};
    /* Perfect 20 ms pacing: no jitter. */
    for (int i = 0; i < 10; i++)
        sw_rtp_stream_packet(&s, T0 + (sw_time_us)i * 20 * MS, (uint16_t)i, (uint32_t)i * 160u, false, 172);
    assert_true(s.jitter_ms < 1e-9);
    /* One packet 16 ms late: D = 16 ms, J = 16/16 = 1 ms; the next is 16 ms early relative to it. */
    sw_rtp_stream_packet(&s, T0 + 10 * 20 * MS + 16 * MS, 10, 10 * 160u, false, 172);
    assert_true(s.jitter_ms > 0.999 && s.jitter_ms < 1.001);
    sw_rtp_stream_packet(&s, T0 + 11 * 20 * MS, 11, 11 * 160u, false, 172);
    assert_true(s.jitter_ms > 1.937 && s.jitter_ms < 1.938);   /* 1 + (16 - 1)/16 */
    assert_true(s.jitter_max_ms > 1.937 && s.jitter_max_ms < 1.938);
    /* Mean over the packets after the first: (0*9 + 1 + 1.9375) / 11 */
    assert_true(fabs(sw_rtp_jitter_mean_ms(&s) - 2.9375 / 11) < 1e-9);
}

static void test_mos(void **state)
{
    (void)state;
    double clean = sw_media_mos("PCMU", 0, 1);
    assert_true(clean > 4.3 && clean <= 4.5);
    double lossy = sw_media_mos("PCMU", 5, 1), worse = sw_media_mos("PCMU", 10, 1);
    assert_true(lossy < clean && worse < lossy && worse > 1);
    assert_true(sw_media_mos("G729", 0, 1) < clean);
    assert_true(sw_media_mos("PCMA", 0, 150) < clean);       /* big jitter buffer: delay */
    assert_true(sw_media_mos("PCMU", 100, 0) >= 1.0);
}

static void test_private_addresses(void **state)
{
    (void)state;
    sw_ip_addr a = {.family = 4, .bytes = {192, 168, 1, 20}};
    assert_true(sw_ip_is_private(&a));
    a = (sw_ip_addr){.family = 4, .bytes = {100, 64, 0, 1}};
    assert_true(sw_ip_is_private(&a));
    a = (sw_ip_addr){.family = 4, .bytes = {100, 128, 0, 1}};
    assert_false(sw_ip_is_private(&a));
    a = (sw_ip_addr){.family = 4, .bytes = {169, 254, 3, 4}};
    assert_true(sw_ip_is_private(&a));
    a = (sw_ip_addr){.family = 4, .bytes = {172, 32, 0, 1}};
    assert_false(sw_ip_is_private(&a));
    a = (sw_ip_addr){.family = 4, .bytes = {203, 0, 113, 7}};
    assert_false(sw_ip_is_private(&a));
}

/* ---- a world: correlator + media stage + rules ---------------------------- */

typedef struct world {
    sw_correlate_config ccfg;
    sw_rules_config rcfg;
    sw_correlator *corr;
    sw_findings *findings;
    sw_media *media;
    sw_rule_ctx ctx;
    sw_sip_msg msg;
    char arena[SW_SIP_ARENA];       /* msg's strings */
    sw_time_us now;
} world;

static void on_event(void *user, const sw_event *ev)
{
    world *w = user;
    if (ev->kind == SW_EVENT_MESSAGE && !ev->retransmission && ev->msg)
        sw_media_learn(w->media, ev->msg);
    w->ctx.media = ev->flow ? sw_media_find(w->media, ev->flow->call_id) : NULL;
    w->ctx.media_seen = sw_media_seen(w->media);
    sw_rules_evaluate(&w->ctx, ev);
    if (ev->kind == SW_EVENT_FLOW_END)
        sw_media_forget(w->media, ev->flow->call_id);
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    sw_correlate_config_default(&w->ccfg);
    sw_rules_config_default(&w->rcfg, &w->ccfg);
    w->corr = sw_correlator_create(&w->ccfg, on_event, w);
    w->findings = sw_findings_create(0, NULL, NULL);
    sw_media_config mc = {.max_calls = 4, .bad_loss_percent = 5, .bad_jitter_ms = 30};
    w->media = sw_media_create(&mc);
    w->ctx.cfg = &w->rcfg;
    w->ctx.corr = &w->ccfg;
    w->ctx.findings = w->findings;
    w->ctx.media_on = true;
    w->now = T0;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    sw_correlator_destroy(w->corr);
    sw_findings_destroy(w->findings);
    sw_media_destroy(w->media);
    free(w);
    return 0;
}

static sw_endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    sw_endpoint e = {.ip = {.family = 4, .bytes = {a, b, c, d}}, .port = port};
    return e;
}

#define ALICE ep4(127, 0, 0, 11, 5071)
#define BOB ep4(127, 0, 0, 12, 5073)

static void feed(world *w, unsigned after_ms, sw_endpoint src, sw_endpoint dst, const char *text)
{
    w->now += after_ms * MS;
    sw_payload p = {.ts = w->now, .frame = 1, .src = src, .dst = dst, .data = (const uint8_t *)text,
                    .len = strlen(text)};
    assert_int_equal((w->msg.arena = w->arena, sw_sip_parse(&p, 65536, &w->msg)), SW_SIP_OK);
    sw_correlate_message(w->corr, &w->msg, false);
}

static const char *sip(const char *start, const char *cseq, const char *totag, const char *sdp_addr, int port,
                       const char *dir)
{
    static char buf[2048];
    char body[512] = "", branch[32];
    snprintf(branch, sizeof branch, "%s", cseq);
    for (char *c = branch; *c; c++)
        if (*c == ' ')
            *c = '-';
    if (sdp_addr)
        snprintf(body, sizeof body,
                 "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\n"
                 "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=%s\r\n",
                 sdp_addr, sdp_addr, port, dir ? dir : "sendrecv");
    snprintf(buf, sizeof buf,
             "%s\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%s\r\n"
             "From: <sip:alice@t>;tag=a1\r\nTo: <sip:bob@t>%s\r\nCall-ID: media-1\r\nCSeq: %s\r\n"
             "Contact: <sip:x@127.0.0.11:5071>\r\n%sContent-Length: %zu\r\n\r\n%s",
             start, branch, totag, cseq, sdp_addr ? "Content-Type: application/sdp\r\n" : "", strlen(body), body);
    return buf;
}

/* RTP packets every 20 ms from src to dst for `ms`, starting at w->now (SIP is not advanced). */
static void rtp(world *w, sw_time_us start, unsigned ms, sw_endpoint src, sw_endpoint dst, uint32_t ssrc,
                unsigned drop_every)
{
    uint8_t pkt[172] = {0x80, 0};
    for (unsigned i = 0; i * 20 < ms; i++) {
        if (drop_every && i % drop_every == 1)
            continue;
        uint16_t seq = (uint16_t)i;
        uint32_t ts = i * 160u;
        pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq;
        pkt[4] = (uint8_t)(ts >> 24), pkt[5] = (uint8_t)(ts >> 16), pkt[6] = (uint8_t)(ts >> 8), pkt[7] = (uint8_t)ts;
        pkt[8] = (uint8_t)(ssrc >> 24), pkt[9] = (uint8_t)(ssrc >> 16), pkt[10] = (uint8_t)(ssrc >> 8);
        pkt[11] = (uint8_t)ssrc;
        sw_payload p = {.ts = start + (sw_time_us)i * 20 * MS, .src = src, .dst = dst, .data = pkt,
                        .len = sizeof pkt, .media = 1};
        sw_media_datagram(w->media, &p);
    }
}

/* INVITE (alice's SDP at a_addr:10000) -> 200 (bob's at b_addr:20000) -> ACK. */
static sw_time_us setup_call(world *w, sw_endpoint a_sig, const char *a_addr, const char *b_addr)
{
    feed(w, 0, a_sig, BOB, sip("INVITE sip:bob@127.0.0.12 SIP/2.0", "1 INVITE", "", a_addr, 10000, NULL));
    feed(w, 30, BOB, a_sig, sip("SIP/2.0 200 OK", "1 INVITE", ";tag=b1", b_addr, 20000, NULL));
    feed(w, 10, a_sig, BOB, sip("ACK sip:bob@127.0.0.12 SIP/2.0", "1 ACK", ";tag=b1", NULL, 0, NULL));
    return w->now;
}

static void hang_up(world *w, sw_time_us at)
{
    w->now = at;
    feed(w, 0, ALICE, BOB, sip("BYE sip:bob@127.0.0.12 SIP/2.0", "2 BYE", ";tag=b1", NULL, 0, NULL));
    feed(w, 5, BOB, ALICE, sip("SIP/2.0 200 OK", "2 BYE", ";tag=b1", NULL, 0, NULL));
    sw_correlate_finish(w->corr, w->now + 40 * SEC);
}

static unsigned count_rule(const world *w, const char *rule)
{
    unsigned n = 0;
    for (size_t i = 0; i < sw_findings_count(w->findings); i++)
        n += strcmp(sw_findings_at(w->findings, i)->rule, rule) == 0;
    return n;
}

#define A_RTP ep4(127, 0, 0, 11, 10000)
#define B_RTP ep4(127, 0, 0, 12, 20000)

static void test_normal_call_is_quiet(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    rtp(w, t, 12000, A_RTP, B_RTP, 0xA, 0);
    rtp(w, t, 12000, B_RTP, A_RTP, 0xB, 0);
    const sw_media_call *mc = sw_media_find(w->media, "media-1");
    assert_non_null(mc);
    assert_int_equal(mc->nstreams, 2);
    assert_int_equal(mc->streams[0].side, 0);
    assert_int_equal(mc->streams[1].side, 1);
    assert_string_equal(mc->streams[0].codec, "PCMU");
    hang_up(w, t + 12 * SEC);
    assert_int_equal(sw_findings_count(w->findings), 0);
}

static void test_one_way_audio(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    rtp(w, t, 12000, A_RTP, B_RTP, 0xA, 0);
    hang_up(w, t + 12 * SEC);
    assert_int_equal(count_rule(w, "one-way-audio"), 1);
    assert_int_equal(count_rule(w, "media-stopped"), 0);
}

static void test_no_audio_needs_visible_media(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    hang_up(w, t + 12 * SEC);
    assert_int_equal(count_rule(w, "no-audio"), 0);     /* media not captured */
}

static void test_no_audio(void **state)
{
    world *w = *state;
    w->rcfg.media_expected = 1;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    hang_up(w, t + 12 * SEC);
    assert_int_equal(count_rule(w, "no-audio"), 1);
    assert_int_equal(count_rule(w, "one-way-audio"), 0);
}

static void test_media_stopped(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    rtp(w, t, 20000, A_RTP, B_RTP, 0xA, 0);
    rtp(w, t, 6000, B_RTP, A_RTP, 0xB, 0);
    hang_up(w, t + 20 * SEC);
    assert_int_equal(count_rule(w, "media-stopped"), 1);
    assert_int_equal(count_rule(w, "one-way-audio"), 0);
}

static void test_hold_is_quiet(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    rtp(w, t, 5000, A_RTP, B_RTP, 0xA, 0);
    rtp(w, t, 5000, B_RTP, A_RTP, 0xB, 0);
    w->now = t + 5 * SEC;
    feed(w, 0, ALICE, BOB, sip("INVITE sip:bob@127.0.0.12 SIP/2.0", "3 INVITE", ";tag=b1", "127.0.0.11", 10000,
                               "sendonly"));
    feed(w, 20, BOB, ALICE, sip("SIP/2.0 200 OK", "3 INVITE", ";tag=b1", "127.0.0.12", 20000, "recvonly"));
    feed(w, 10, ALICE, BOB, sip("ACK sip:bob@127.0.0.12 SIP/2.0", "3 ACK", ";tag=b1", NULL, 0, NULL));
    const sw_media_call *mc = sw_media_find(w->media, "media-1");
    assert_true(mc->held);
    assert_true(mc->changes & SW_MEDIA_CHANGE_HOLD);
    assert_int_equal(mc->reoffers, 1);
    hang_up(w, t + 20 * SEC);
    assert_int_equal(sw_findings_count(w->findings), 0);
}

static void test_poor_quality(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    rtp(w, t, 16000, A_RTP, B_RTP, 0xA, 10);     /* 10 % lost */
    rtp(w, t, 16000, B_RTP, A_RTP, 0xB, 0);
    hang_up(w, t + 16 * SEC);
    assert_int_equal(count_rule(w, "poor-quality"), 1);
    assert_int_equal(count_rule(w, "media-stopped"), 0);
}

static void test_private_sdp_behind_nat(void **state)
{
    world *w = *state;
    sw_endpoint nat = ep4(203, 0, 113, 7, 5071);
    sw_time_us t = setup_call(w, nat, "192.168.1.20", "198.51.100.10");
    /* alice's RTP arrives from the NAT's address; bob sends to her private one */
    rtp(w, t, 12000, ep4(203, 0, 113, 7, 10000), ep4(198, 51, 100, 10, 20000), 0xA, 0);
    rtp(w, t, 12000, ep4(198, 51, 100, 10, 20000), ep4(192, 168, 1, 20, 10000), 0xB, 0);
    const sw_media_call *mc = sw_media_find(w->media, "media-1");
    assert_int_equal(mc->streams[0].side, 0);   /* matched by destination, source latched */
    w->now = t + 12 * SEC;
    feed(w, 0, nat, BOB, sip("BYE sip:bob@127.0.0.12 SIP/2.0", "2 BYE", ";tag=b1", NULL, 0, NULL));
    feed(w, 5, BOB, nat, sip("SIP/2.0 200 OK", "2 BYE", ";tag=b1", NULL, 0, NULL));
    sw_correlate_finish(w->corr, w->now + 40 * SEC);
    assert_int_equal(count_rule(w, "sdp-private-address"), 1);
    assert_int_equal(count_rule(w, "one-way-audio"), 1);
}

static void test_rtcp_receiver_report(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    rtp(w, t, 2000, A_RTP, B_RTP, 0xA, 0);
    /* bob's RR about 0xA on RTP port + 1: fraction 25/256, 7 lost, jitter 80 units = 10 ms */
    uint8_t rr[32] = {0x81, 201, 0, 7, 0, 0, 0, 0xB, 0, 0, 0, 0xA, 25, 0, 0, 7};
    rr[23] = 80;
    sw_payload p = {.ts = t + 2 * SEC, .src = ep4(127, 0, 0, 12, 20001), .dst = ep4(127, 0, 0, 11, 10001),
                    .data = rr, .len = sizeof rr, .media = 1};
    sw_media_datagram(w->media, &p);
    const sw_media_call *mc = sw_media_find(w->media, "media-1");
    assert_true(mc->streams[0].rtcp_report);
    assert_int_equal(mc->streams[0].rtcp_fraction_lost, 25);
    assert_int_equal(mc->streams[0].rtcp_cum_lost, 7);
    assert_true(fabs(mc->streams[0].rtcp_jitter_ms - 10.0) < 1e-9);
    sw_media_stats st;
    sw_media_get_stats(w->media, &st);
    assert_int_equal(st.rtcp_packets, 1);
}

static void test_answer_without_common_codec(void **state)
{
    world *w = *state;
    feed(w, 0, ALICE, BOB, sip("INVITE sip:bob@127.0.0.12 SIP/2.0", "1 INVITE", "", "127.0.0.11", 10000, NULL));
    const char *body = "v=0\r\no=- 1 1 IN IP4 127.0.0.12\r\ns=-\r\nc=IN IP4 127.0.0.12\r\nt=0 0\r\n"
                       "m=audio 20000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n";
    char text[1024];
    snprintf(text, sizeof text,
             "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-1-INVITE\r\n"
             "From: <sip:alice@t>;tag=a1\r\nTo: <sip:bob@t>;tag=b1\r\nCall-ID: media-1\r\nCSeq: 1 INVITE\r\n"
             "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    feed(w, 30, BOB, ALICE, text);
    assert_int_equal(count_rule(w, "codec-mismatch"), 1);
}

/* A source with port 0 is never latched: port 0 marks a free endpoint slot,
 * and a live entry there was reused while still chained (a lookup that
 * never ended, found by fuzz_media). */
static void test_port_zero_source_not_latched(void **state)
{
    world *w = *state;
    sw_time_us t = setup_call(w, ALICE, "127.0.0.11", "127.0.0.12");
    for (int i = 0; i < 40; i++)
        rtp(w, t + (sw_time_us)i * SEC, 20, ep4(10, 0, 0, (uint8_t)(i % 20), 0), B_RTP, 0xA, 0);
    rtp(w, t + 41 * SEC, 20, A_RTP, B_RTP, 0xA, 0);
    const sw_media_call *mc = sw_media_find(w->media, "media-1");
    for (unsigned i = 0; i < mc->nendpoints; i++)
        assert_true(mc->endpoints[i].ep.port != 0 || !mc->endpoints[i].latched);
    sw_media_stats st;
    sw_media_get_stats(w->media, &st);
    assert_int_equal(st.rtp_packets, 41);
}

static void test_table_is_bounded(void **state)
{
    world *w = *state;
    char text[1024], body[256];
    for (int i = 0; i < 6; i++) {   /* max_calls is 4 */
        snprintf(body, sizeof body, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
                 "m=audio %d RTP/AVP 0\r\n", 30000 + 2 * i);
        snprintf(text, sizeof text,
                 "INVITE sip:b@t SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%d\r\n"
                 "From: <sip:a@t>;tag=x\r\nTo: <sip:b@t>\r\nCall-ID: c%d\r\nCSeq: 1 INVITE\r\n"
                 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
                 i, i, strlen(body), body);
        feed(w, 1, ALICE, BOB, text);
    }
    sw_media_stats st;
    sw_media_get_stats(w->media, &st);
    assert_int_equal(st.active_calls, 4);
    assert_int_equal(st.calls_evicted, 2);
    assert_null(sw_media_find(w->media, "c0"));
    assert_non_null(sw_media_find(w->media, "c5"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_and_sequence_errors),
        cmocka_unit_test(test_sequence_wrap),
        cmocka_unit_test(test_late_packet_is_not_lost),
        cmocka_unit_test(test_jitter_rfc3550),
        cmocka_unit_test(test_mos),
        cmocka_unit_test(test_private_addresses),
        T(test_normal_call_is_quiet),
        T(test_one_way_audio),
        T(test_no_audio_needs_visible_media),
        T(test_no_audio),
        T(test_media_stopped),
        T(test_hold_is_quiet),
        T(test_poor_quality),
        T(test_private_sdp_behind_nat),
        T(test_rtcp_receiver_report),
        T(test_answer_without_common_codec),
        T(test_port_zero_source_not_latched),
        T(test_table_is_bounded),
    };
    sw_sip_init();
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return rc;
}
