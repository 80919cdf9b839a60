/* Unit tests for the dashboard's call store: a call's row follows its
 * record, its messages come back whole and in order, a full store evicts
 * the oldest finished call first and counts it, messages the ring
 * overwrote are no longer returned, the search finds a call by any text of
 * its messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/call_store.h"

static sw_call make_call(const char *call_id, const char *from, const char *to, sw_call_state state)
{
    sw_call c;
    memset(&c, 0, sizeof c);
    c.call_id = call_id;
    c.method = "INVITE";
    c.from_user = from;
    c.to_user = to;
    c.from_host = c.to_host = "pbx.test";
    c.state = state;
    c.start = 1000000;
    return c;
}

static sw_evidence make_ev(uint64_t frame, uint16_t status)
{
    sw_evidence e;
    memset(&e, 0, sizeof e);
    e.frame = frame;
    e.ts = frame * 1000;
    e.status = status;
    e.src.ip.family = 4;
    e.src.port = 5060;
    return e;
}

static void note(sw_call_store *s, const sw_call *c, uint64_t frame, const char *text)
{
    sw_evidence e = make_ev(frame, 0);
    sw_call_store_note(s, c, &e, frame == 1 ? "audio PCMU @192.0.2.1" : NULL, text, strlen(text));
}

static void test_rows_follow_the_record(void **state)
{
    (void)state;
    sw_call_store *s = sw_call_store_create(1u << 20);
    assert_non_null(s);
    sw_call c = make_call("a@x", "1001", "2002", SW_CALL_IN_PROGRESS);
    c.messages = 1;
    note(s, &c, 1, "INVITE sip:2002@pbx.test SIP/2.0\r\n\r\n");
    c.state = SW_CALL_BUSY;
    c.final_status = 486;
    c.messages = 2;
    note(s, &c, 2, "SIP/2.0 486 Busy Here\r\n\r\n");
    sw_call_row rows[4];
    assert_int_equal(sw_call_store_rows(s, rows, 4), 1);
    assert_string_equal(rows[0].from_user, "1001");
    assert_int_equal(rows[0].state, SW_CALL_BUSY);
    assert_int_equal(rows[0].final_status, 486);
    assert_false(rows[0].ended);
    sw_call_store_end(s, &c);
    sw_call_store_rows(s, rows, 4);
    assert_true(rows[0].ended);

    sw_call_message *m;
    size_t n = sw_call_store_messages(s, rows[0].id, &m);
    assert_int_equal(n, 2);
    assert_int_equal(m[0].ev.frame, 1);
    assert_string_equal(m[0].sdp, "audio PCMU @192.0.2.1");
    assert_memory_equal(m[1].text, "SIP/2.0 486", 11);
    assert_string_equal(m[1].sdp, "");
    sw_call_store_free_messages(m, n);
    sw_call_store_destroy(s);
}

static void test_full_store_evicts_oldest_finished(void **state)
{
    (void)state;
    sw_call_store *s = sw_call_store_create(1u << 20);
    sw_call_store_stats st;
    sw_call_store_get_stats(s, &st);
    size_t cap = st.capacity;
    assert_true(cap > 10);
    char ids[4096][32];
    size_t total = cap + 1;
    assert_true(total < 4096);
    for (size_t i = 0; i < cap; i++) {
        snprintf(ids[i], sizeof ids[i], "call-%zu", i);
        sw_call c = make_call(ids[i], "a", "b", SW_CALL_IN_PROGRESS);
        note(s, &c, i + 1, "X");
        if (i == 5)
            sw_call_store_end(s, &c);       /* the only finished call */
    }
    snprintf(ids[cap], sizeof ids[cap], "call-new");
    sw_call c = make_call(ids[cap], "a", "b", SW_CALL_IN_PROGRESS);
    note(s, &c, cap + 1, "X");
    sw_call_store_get_stats(s, &st);
    assert_int_equal(st.calls_evicted, 1);
    assert_int_equal(st.calls_evicted_active, 0);
    assert_int_equal(st.calls, cap);
    sw_call_row *rows = calloc(cap + 1, sizeof *rows);
    size_t n = sw_call_store_rows(s, rows, cap + 1);
    assert_int_equal(n, cap);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(rows[i].call_id, "call-5");
    assert_string_equal(rows[0].call_id, "call-0");         /* unfinished calls stay */
    assert_string_equal(rows[n - 1].call_id, "call-new");
    free(rows);
    sw_call_store_destroy(s);
}

static void test_overwritten_messages_are_not_returned(void **state)
{
    (void)state;
    sw_call_store *s = sw_call_store_create(1u << 20);
    sw_call_store_stats st;
    sw_call_store_get_stats(s, &st);
    char big[60000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sw_call old = make_call("old", "a", "b", SW_CALL_ANSWERED);
    note(s, &old, 1, "INVITE old");
    sw_call fresh = make_call("fresh", "a", "b", SW_CALL_ANSWERED);
    /* more text than the ring holds pushes the old call's message out */
    for (size_t i = 0; i * sizeof big < st.ring_bytes + sizeof big; i++)
        note(s, &fresh, 2 + i, big);
    sw_call_row rows[2];
    assert_int_equal(sw_call_store_rows(s, rows, 2), 2);
    sw_call_message *m;
    assert_int_equal(sw_call_store_messages(s, rows[0].id, &m), 0);
    size_t n = sw_call_store_messages(s, rows[1].id, &m);
    assert_true(n > 0 && n < rows[1].stored);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(m[i].text_len, sizeof big - 1);
    sw_call_store_free_messages(m, n);
    sw_call_store_destroy(s);
}

static void test_search_finds_calls_by_message_text(void **state)
{
    (void)state;
    sw_call_store *s = sw_call_store_create(1u << 20);
    sw_call a = make_call("a", "1001", "2002", SW_CALL_ANSWERED);
    sw_call b = make_call("b", "1003", "2004", SW_CALL_ANSWERED);
    note(s, &a, 1, "INVITE sip:2002 SIP/2.0\r\nUser-Agent: Yealink T46\r\n\r\n");
    note(s, &b, 2, "INVITE sip:2004 SIP/2.0\r\nUser-Agent: Grandstream\r\n\r\n");
    note(s, &a, 3, "BYE sip:2002 SIP/2.0\r\nUser-Agent: Yealink T46\r\n\r\n");
    sw_call_search *q = calloc(1, sizeof *q);
    snprintf(q->needle, sizeof q->needle, "grandSTREAM");
    while (!sw_call_store_search_step(s, q, 16))
        ;
    assert_int_equal(q->nids, 1);
    sw_call_row rows[2];
    sw_call_store_rows(s, rows, 2);
    assert_int_equal(q->ids[0], rows[1].id);
    memset(q, 0, sizeof *q);
    snprintf(q->needle, sizeof q->needle, "nobody");
    while (!sw_call_store_search_step(s, q, 1u << 20))
        ;
    assert_int_equal(q->nids, 0);
    free(q);
    sw_call_store_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_follow_the_record),
        cmocka_unit_test(test_full_store_evicts_oldest_finished),
        cmocka_unit_test(test_overwritten_messages_are_not_returned),
        cmocka_unit_test(test_search_finds_calls_by_message_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
