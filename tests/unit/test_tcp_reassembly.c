/* Unit tests for TCP stream reassembly: in-order, reordered, retransmitted,
 * overlapping and lost segments, mid-stream pickup, both directions, sequence
 * wrap-around, connection caps, idle expiry and close handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/tcp_reassembly.h"

#define MAX_MSGS 64

typedef struct collected {
    int n;
    char msg[MAX_MSGS][512];
    sw_endpoint src[MAX_MSGS];
} collected;

static void collect(void *user, const sw_payload *p)
{
    collected *c = user;
    if (c->n < MAX_MSGS) {
        size_t n = p->len < 511 ? p->len : 511;
        memcpy(c->msg[c->n], p->data, n);
        c->msg[c->n][n] = '\0';
        c->src[c->n] = p->src;
    }
    c->n++;
}

static sw_endpoint ep(uint8_t last, uint16_t port)
{
    sw_endpoint e = {.ip = {.family = 4, .bytes = {127, 0, 0, last}}, .port = port};
    return e;
}

static const sw_endpoint *A, *B;
static sw_endpoint ep_a, ep_b;

static void seg(sw_tcp_table *t, const sw_endpoint *src, const sw_endpoint *dst, uint32_t seq,
                uint8_t flags, const char *data, size_t len, sw_time_us ts)
{
    sw_tcp_segment s = {.ts = ts, .frame = 1, .src = *src, .dst = *dst, .seq = seq, .flags = flags,
                        .data = (const uint8_t *)data, .len = len};
    sw_tcp_segment_add(t, &s);
}

static int setup(void **state)
{
    ep_a = ep(11, 40000);
    ep_b = ep(10, 5070);
    A = &ep_a;
    B = &ep_b;
    collected *c = calloc(1, sizeof *c);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static const char *M1 = "REGISTER sip:127.0.0.10 SIP/2.0\r\nCall-ID: one\r\nContent-Length: 0\r\n\r\n";
static const char *M2 = "SIP/2.0 401 Unauthorized\r\nCall-ID: one\r\nContent-Length: 4\r\n\r\nbody";
static const char *M3 = "REGISTER sip:127.0.0.10 SIP/2.0\r\nCall-ID: two\r\nContent-Length: 0\r\n\r\n";

static sw_tcp_table *make_table(collected *c, const sw_tcp_limits *lim)
{
    return sw_tcp_create(lim, 65536, collect, c);
}

static void test_in_order_with_handshake(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    seg(t, A, B, 1000, SW_TCP_SYN, NULL, 0, 1);
    seg(t, B, A, 5000, SW_TCP_SYN | 0x10, NULL, 0, 2);
    seg(t, A, B, 1001, 0x10, M1, strlen(M1), 3);
    seg(t, B, A, 5001, 0x10, M2, strlen(M2), 4);
    assert_int_equal(c->n, 2);
    assert_string_equal(c->msg[0], M1);
    assert_string_equal(c->msg[1], M2);
    assert_int_equal(c->src[1].port, 5070);
    sw_tcp_stats st;
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.sip_connections, 1);
    sw_tcp_destroy(t);
}

static void test_reordered_segments(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", M1, M3);
    size_t n = strlen(buf);
    seg(t, A, B, 99, SW_TCP_SYN, NULL, 0, 1);
    /* Four pieces delivered 3,1,4,2. */
    size_t q = n / 4;
    seg(t, A, B, 100 + 2 * (uint32_t)q, 0, buf + 2 * q, q, 2);
    seg(t, A, B, 100, 0, buf, q, 3);
    seg(t, A, B, 100 + 3 * (uint32_t)q, 0, buf + 3 * q, n - 3 * q, 4);
    assert_int_equal(c->n, 0);
    seg(t, A, B, 100 + (uint32_t)q, 0, buf + q, q, 5);
    assert_int_equal(c->n, 2);
    assert_string_equal(c->msg[0], M1);
    assert_string_equal(c->msg[1], M3);
    sw_tcp_stats st;
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.out_of_order, 2);
    assert_int_equal(st.gaps, 0);
    sw_tcp_destroy(t);
}

static void test_retransmission_and_overlap_delivered_once(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", M1, M3);
    size_t n = strlen(buf);
    seg(t, A, B, 0, SW_TCP_SYN, NULL, 0, 1);
    seg(t, A, B, 1, 0, buf, 30, 2);
    seg(t, A, B, 1, 0, buf, 30, 3);                 /* exact retransmission */
    seg(t, A, B, 11, 0, buf + 10, 50, 4);           /* overlaps 20 old bytes, 30 new */
    seg(t, A, B, 1, 0, buf, n, 5);                  /* repacketised retransmission of everything */
    seg(t, A, B, 1, 0, buf, n, 6);                  /* and once more */
    assert_int_equal(c->n, 2);
    assert_string_equal(c->msg[0], M1);
    assert_string_equal(c->msg[1], M3);
    sw_tcp_stats st;
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.retransmissions, 2);
    sw_tcp_destroy(t);
}

static void test_lost_segment_skipped_after_wait(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    size_t l1 = strlen(M1);
    seg(t, A, B, 0, SW_TCP_SYN, NULL, 0, 0);
    seg(t, A, B, 1, 0, M1, 20, 1000);               /* first 20 bytes of M1 */
    /* The rest of M1 is never captured; M3 follows it. */
    seg(t, A, B, 1 + (uint32_t)l1, 0, M3, strlen(M3), 2000);
    assert_int_equal(c->n, 0);
    /* Later traffic on the connection, beyond the hole wait, skips the hole. */
    seg(t, A, B, 1 + (uint32_t)(l1 + strlen(M3)), 0, M1, strlen(M1), 3 * SW_USEC_PER_SEC);
    assert_int_equal(c->n, 2);
    assert_string_equal(c->msg[0], M3);
    assert_string_equal(c->msg[1], M1);
    sw_tcp_stats st;
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.gap_bytes, l1 - 20);
    sw_tcp_destroy(t);
}

static void test_finish_flushes_beyond_hole(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    seg(t, A, B, 0, SW_TCP_SYN, NULL, 0, 0);
    seg(t, A, B, 500, 0, M3, strlen(M3), 1);        /* ahead of a hole that never fills */
    assert_int_equal(c->n, 0);
    sw_tcp_finish(t);
    assert_int_equal(c->n, 1);
    assert_string_equal(c->msg[0], M3);
    sw_tcp_destroy(t);
}

static void test_mid_stream_pickup(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", M2 + 10, M3);  /* starts inside a message, no SYN seen */
    seg(t, B, A, 777, 0x10, buf, strlen(buf), 1);
    assert_int_equal(c->n, 1);
    assert_string_equal(c->msg[0], M3);
    sw_tcp_destroy(t);
}

static void test_sequence_wraparound(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    uint32_t isn = 0xffffffffu - 10;
    seg(t, A, B, isn, SW_TCP_SYN, NULL, 0, 0);
    size_t n = strlen(M1);
    seg(t, A, B, isn + 1 + 20, 0, M1 + 20, n - 20, 2);  /* crosses 2^32, arrives first */
    seg(t, A, B, isn + 1, 0, M1, 20, 3);
    assert_int_equal(c->n, 1);
    assert_string_equal(c->msg[0], M1);
    sw_tcp_destroy(t);
}

static void test_connection_cap_evicts_oldest(void **state)
{
    collected *c = *state;
    sw_tcp_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_connections = 8;
    sw_tcp_table *t = make_table(c, &lim);
    for (uint16_t i = 0; i < 20; i++) {
        sw_endpoint src = ep(20, (uint16_t)(30000 + i));
        seg(t, &src, B, 0, SW_TCP_SYN, NULL, 0, i);
        seg(t, &src, B, 1, 0, M1, 10, i);            /* a partial message stays buffered */
    }
    sw_tcp_stats st;
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.connections, 20);
    assert_int_equal(st.active, 8);
    assert_int_equal(st.evicted, 12);
    sw_tcp_destroy(t);
}

static void test_idle_expiry_and_close(void **state)
{
    collected *c = *state;
    sw_tcp_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.idle_timeout_us = 10 * SW_USEC_PER_SEC;
    sw_tcp_table *t = make_table(c, &lim);
    seg(t, A, B, 0, SW_TCP_SYN, NULL, 0, 0);
    sw_endpoint other = ep(12, 40001);
    seg(t, &other, B, 0, SW_TCP_SYN, NULL, 0, 0);
    seg(t, &other, B, 1, SW_TCP_FIN, NULL, 0, 1);
    seg(t, B, &other, 0, SW_TCP_SYN, NULL, 0, 1);
    seg(t, B, &other, 1, SW_TCP_FIN, NULL, 0, 1);
    sw_tcp_stats st;
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.active, 2);
    sw_tcp_expire(t, 7 * SW_USEC_PER_SEC);              /* past the close linger only */
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.active, 1);
    assert_int_equal(st.expired, 0);
    sw_tcp_expire(t, 11 * SW_USEC_PER_SEC);             /* past the idle timeout */
    sw_tcp_get_stats(t, &st);
    assert_int_equal(st.active, 0);
    assert_int_equal(st.expired, 1);
    sw_tcp_destroy(t);
}

static void test_late_retransmission_after_close_not_redelivered(void **state)
{
    collected *c = *state;
    sw_tcp_table *t = make_table(c, NULL);
    seg(t, A, B, 0, SW_TCP_SYN, NULL, 0, 0);
    seg(t, A, B, 1, SW_TCP_FIN, M1, strlen(M1), 1);
    seg(t, B, A, 0, SW_TCP_SYN, NULL, 0, 1);
    seg(t, B, A, 1, SW_TCP_FIN, NULL, 0, 1);
    seg(t, A, B, 1, SW_TCP_FIN, M1, strlen(M1), 2);     /* retransmitted after both FINs */
    assert_int_equal(c->n, 1);
    sw_tcp_destroy(t);
}

static void test_random_segments_bounded(void **state)
{
    collected *c = *state;
    sw_tcp_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_connections = 32;
    lim.max_total_bytes = 256 * 1024;
    sw_tcp_table *t = make_table(c, &lim);
    srand(99);
    char data[1400];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = "SIP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nabcde"[i % 42];
    for (int i = 0; i < 50000; i++) {
        sw_endpoint src = ep((uint8_t)(rand() % 4), (uint16_t)(1000 + rand() % 64));
        seg(t, &src, B, (uint32_t)rand() * 7u, (uint8_t)(rand() & 0x17), data,
            (size_t)(rand() % (int)sizeof data), (sw_time_us)i * 1000);
        sw_tcp_stats st;
        sw_tcp_get_stats(t, &st);
        assert_true(st.active <= 32);
        assert_true(st.bytes_held <= 256 * 1024 + 70000);   /* cap, plus the segment in hand */
    }
    sw_tcp_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_order_with_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reordered_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmission_and_overlap_delivered_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_segment_skipped_after_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finish_flushes_beyond_hole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mid_stream_pickup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sequence_wraparound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_cap_evicts_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_expiry_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_retransmission_after_close_not_redelivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_segments_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
