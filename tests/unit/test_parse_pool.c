/* Unit tests for the order-preserving parse pool: with several workers the
 * messages come back complete, parsed, and in submission order (the
 * submitting thread parsing batches itself when workers lag); a partly
 * filled batch is delivered by poll after its wait; inline mode works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipwatch/parse_pool.h"

typedef struct seen {
    int next;           /* the index expected next */
    int errors;
    int parse_errors;
} seen;

static void on_parsed(void *user, const sw_payload *p, sw_sip_parse_result r, const sw_sip_msg *m)
{
    seen *s = user;
    if (r != SW_SIP_OK) {
        s->parse_errors++;
        s->next++;
        return;
    }
    char want[32];
    snprintf(want, sizeof want, "c-%d", s->next);
    if (!m->call_id || strcmp(m->call_id, want) != 0 || p->frame != (uint64_t)s->next)
        s->errors++;
    s->next++;
}

static void submit_n(sw_parse_pool *pool, int from, int to)
{
    char text[512];
    for (int i = from; i < to; i++) {
        int n;
        if (i % 1000 == 999)    /* now and then a message libosip2 rejects */
            n = snprintf(text, sizeof text, "INVITE sip:a@b SIP/2.0\r\nFrom: \\\"x\\\" <sip:a@b>\r\n\r\n");
        else
            n = snprintf(text, sizeof text,
                         "OPTIONS sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-%d\r\n"
                         "Call-ID: c-%d\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@b>;tag=%d\r\nTo: <sip:a@b>\r\n"
                         "Content-Length: 0\r\n\r\n", i, i, i);
        sw_payload p = {.ts = (sw_time_us)i * 10, .frame = (uint64_t)i, .data = (const uint8_t *)text,
                        .len = (size_t)n};
        sw_parse_pool_submit(pool, &p);
    }
}

static void run_workers(int workers)
{
    seen s = {0};
    sw_parse_pool *pool = sw_parse_pool_create(workers, 65536, on_parsed, &s);
    assert_non_null(pool);
    submit_n(pool, 0, 20000);
    sw_parse_pool_flush(pool);
    assert_int_equal(s.next, 20000);
    assert_int_equal(s.errors, 0);
    assert_int_equal(s.parse_errors, 20);
    if (workers == 1)       /* submitting is far cheaper than parsing: the capture thread had to help */
        assert_true(sw_parse_pool_helped(pool) > 0);
    sw_parse_pool_destroy(pool);
}

static void test_inline(void **state) { (void)state; run_workers(0); }
static void test_one_worker(void **state) { (void)state; run_workers(1); }
static void test_three_workers(void **state) { (void)state; run_workers(3); }

static void test_poll_delivers_partial_batch(void **state)
{
    (void)state;
    seen s = {0};
    sw_parse_pool *pool = sw_parse_pool_create(2, 65536, on_parsed, &s);
    submit_n(pool, 0, 3);                   /* less than a batch: held */
    sw_parse_pool_poll(pool, 25, 100);      /* not old enough yet */
    assert_int_equal(s.next, 0);
    /* Queued now; parsed by a worker shortly. */
    for (int i = 0; i < 2000 && s.next < 3; i++) {
        sw_parse_pool_poll(pool, 1000, 100);
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    assert_int_equal(s.next, 3);
    assert_int_equal(s.errors, 0);
    sw_parse_pool_destroy(pool);
}

int main(void)
{
    sw_sip_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline),
        cmocka_unit_test(test_one_worker),
        cmocka_unit_test(test_three_workers),
        cmocka_unit_test(test_poll_delivers_partial_batch),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return failed;
}
