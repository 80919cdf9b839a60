/* Unit tests for the dashboard Calls view's list: filter expressions
 * (state, method, status class, address, user, has:finding, plain words,
 * bad terms), a search result limiting the list, sorting by columns, the
 * media word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../src/tui/tui_calls_model.h"

/* ---- the Calls view's filter and order ----------------------------------- */

static sw_call_row row(uint64_t id, const char *method, const char *from, uint8_t state, uint16_t status)
{
    sw_call_row r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.start = id * 1000;
    snprintf(r.method, sizeof r.method, "%s", method);
    snprintf(r.from_user, sizeof r.from_user, "%s", from);
    snprintf(r.call_id, sizeof r.call_id, "cid-%llu", (unsigned long long)id);
    r.state = state;
    r.final_status = status;
    r.src.ip.family = 4;
    r.src.ip.bytes[0] = 10;
    r.src.ip.bytes[3] = (uint8_t)id;
    return r;
}

static bool odd_has_finding(const void *ctx, const sw_call_row *r)
{
    (void)ctx;
    return r->id % 2 == 1;
}

static void test_filter_expressions(void **state)
{
    (void)state;
    sw_call_row rows[4] = {row(1, "INVITE", "1001", SW_CALL_BUSY, 486), row(2, "INVITE", "1002", SW_CALL_COMPLETED, 200),
                           row(3, "REGISTER", "1003", SW_CALL_REJECTED, 403), row(4, "INVITE", "1004", SW_CALL_FAILED, 503)};
    const sw_call_row *out[4];
    tui_call_filter f;
    char err[128];
    assert_int_equal(tui_call_filter_parse(&f, "method:invite status:4xx", err, sizeof err), 0);
    assert_int_equal(tui_select_calls(rows, 4, &f, NULL, NULL, NULL, 0, TUI_CC_START, false, out), 1);
    assert_int_equal(out[0]->id, 1);
    assert_int_equal(tui_call_filter_parse(&f, "has:finding", err, sizeof err), 0);
    assert_int_equal(tui_select_calls(rows, 4, &f, odd_has_finding, NULL, NULL, 0, TUI_CC_START, false, out), 2);
    assert_int_equal(tui_call_filter_parse(&f, "state:fail", err, sizeof err), 0);
    assert_int_equal(tui_select_calls(rows, 4, &f, NULL, NULL, NULL, 0, TUI_CC_START, false, out), 1);
    assert_int_equal(out[0]->id, 4);
    assert_int_equal(tui_call_filter_parse(&f, "addr:10.0.0.3 user:1003", err, sizeof err), 0);
    assert_int_equal(tui_select_calls(rows, 4, &f, NULL, NULL, NULL, 0, TUI_CC_START, false, out), 1);
    assert_int_equal(out[0]->id, 3);
    assert_int_equal(tui_call_filter_parse(&f, "1002", err, sizeof err), 0);
    assert_int_equal(tui_select_calls(rows, 4, &f, NULL, NULL, NULL, 0, TUI_CC_START, false, out), 1);
    assert_int_equal(tui_call_filter_parse(&f, "colour:red", err, sizeof err), -1);
    assert_non_null(strstr(err, "colour"));
    assert_int_equal(tui_call_filter_parse(&f, "status:9xx", err, sizeof err), -1);
    /* a search result limits the list to its calls */
    uint64_t only[2] = {2, 4};
    assert_int_equal(tui_call_filter_parse(&f, "", err, sizeof err), 0);
    assert_int_equal(tui_select_calls(rows, 4, &f, NULL, NULL, only, 2, TUI_CC_START, false, out), 2);
    assert_int_equal(out[1]->id, 4);
}

static void test_sort_by_columns(void **state)
{
    (void)state;
    sw_call_row rows[3] = {row(1, "INVITE", "300", SW_CALL_BUSY, 486), row(2, "BYE", "100", SW_CALL_COMPLETED, 200),
                           row(3, "OPTIONS", "200", SW_CALL_COMPLETED, 200)};
    rows[0].messages = 9;
    rows[1].messages = 2;
    rows[2].messages = 5;
    const sw_call_row *out[3];
    tui_call_filter f;
    memset(&f, 0, sizeof f);
    tui_select_calls(rows, 3, &f, NULL, NULL, NULL, 0, TUI_CC_FROM, false, out);
    assert_string_equal(out[0]->from_user, "100");
    assert_string_equal(out[2]->from_user, "300");
    tui_select_calls(rows, 3, &f, NULL, NULL, NULL, 0, TUI_CC_MSGS, true, out);
    assert_int_equal(out[0]->messages, 9);
    assert_int_equal(out[2]->messages, 2);
    tui_select_calls(rows, 3, &f, NULL, NULL, NULL, 0, TUI_CC_START, true, out);
    assert_int_equal(out[0]->id, 3);
    char buf[48];
    assert_string_equal(tui_call_state_text(&rows[0], buf, sizeof buf), "busy 486");
    assert_string_equal(tui_call_state_text(&rows[1], buf, sizeof buf), "completed");
}

static void test_media_word_and_filter(void **state)
{
    (void)state;
    sw_call_row rows[3] = {row(1, "INVITE", "a", SW_CALL_COMPLETED, 200), row(2, "INVITE", "b", SW_CALL_COMPLETED, 200),
                           row(3, "INVITE", "c", SW_CALL_COMPLETED, 200)};
    rows[0].media = SW_CALL_MEDIA_SEEN;
    rows[1].media = SW_CALL_MEDIA_SEEN;
    rows[1].media_problems = SW_CALL_MP_ONE_WAY | SW_CALL_MP_PRIVATE_SDP;
    rows[2].media = SW_CALL_MEDIA_NOT_CAPTURED;
    assert_string_equal(tui_call_media_text(&rows[0]), "ok");
    assert_string_equal(tui_call_media_text(&rows[1]), "1-way");
    assert_string_equal(tui_call_media_text(&rows[2]), "n/c");
    const sw_call_row *out[3];
    tui_call_filter f;
    char err[128];
    assert_int_equal(tui_call_filter_parse(&f, "media:1-WAY", err, sizeof err), 0);
    assert_int_equal(tui_select_calls(rows, 3, &f, NULL, NULL, NULL, 0, TUI_CC_START, false, out), 1);
    assert_int_equal(out[0]->id, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_expressions),
        cmocka_unit_test(test_sort_by_columns),
        cmocka_unit_test(test_media_word_and_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
