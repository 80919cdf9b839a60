/* Unit tests for the built-in SIP reference: coverage of the RFC 3261 codes
 * and common extensions, table order, class fallbacks, method and pair-note
 * lookups, and the --explain printer (content, errors, line widths). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/sip_reference.h"

static const int rfc3261_codes[] = {
    100, 180, 181, 182, 183, 200, 300, 301, 302, 305, 380, 400, 401, 402, 403, 404,
    405, 406, 407, 408, 410, 413, 414, 415, 416, 420, 421, 423, 480, 481, 482, 483,
    484, 485, 486, 487, 488, 491, 493, 500, 501, 502, 503, 504, 505, 513, 600, 603,
    604, 606,
};

static const int extension_codes[] = {
    199, 202, 204, 412, 417, 422, 424, 428, 429, 430, 433, 436, 437, 438,
    439, 440, 469, 470, 489, 494, 555, 580, 607, 608,
};

static const char *const methods[] = {
    "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK",
    "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int nonempty(const char *s)
{
    return s && s[0] != '\0';
}

static void check_status_entry(int code)
{
    const sw_status_ref *e = sw_reference_status(code);
    if (!e)
        fail_msg("no entry for %d", code);
    assert_int_equal(e->code, code);
    assert_true(nonempty(e->reason));
    assert_true(nonempty(e->rfc));
    assert_memory_equal(e->rfc, "RFC ", 4);
    assert_true(nonempty(e->meaning));
    assert_true(nonempty(e->when));
    assert_true(nonempty(e->action));
}

static void test_rfc3261_codes_have_entries(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(rfc3261_codes); i++) {
        check_status_entry(rfc3261_codes[i]);
        const sw_status_ref *e = sw_reference_status(rfc3261_codes[i]);
        assert_non_null(strstr(e->rfc, "RFC 3261"));
    }
}

static void test_extension_codes_have_entries(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(extension_codes); i++)
        check_status_entry(extension_codes[i]);
}

static void test_reason_phrases(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *reason;
    } known[] = {
        {401, "Unauthorized"},
        {407, "Proxy Authentication Required"},
        {202, "Accepted"},
        {481, "Call/Transaction Does Not Exist"},
        {503, "Service Unavailable"},
        {487, "Request Terminated"},
        {488, "Not Acceptable Here"},
        {489, "Bad Event"},
        {603, "Decline"},
    };
    for (size_t i = 0; i < COUNT(known); i++)
        assert_string_equal(sw_reference_status(known[i].code)->reason, known[i].reason);
    assert_non_null(strstr(sw_reference_status(401)->rfc, "21.4.2"));
    assert_non_null(strstr(sw_reference_status(401)->action, "Authorization"));
    assert_non_null(strstr(sw_reference_status(407)->action, "Proxy-Authorization"));
    assert_non_null(strstr(sw_reference_status(202)->action, "NOTIFY"));
}

/* Entries are sorted by code, unique, and contiguous: the entry of each code
 * sits right after the entry of the previous code that has one, so the table
 * holds no duplicate or unreachable rows between them. */
static void test_status_table_sorted_unique(void **state)
{
    (void)state;
    const sw_status_ref *prev = NULL;
    int n = 0;
    for (int code = 0; code < 1000; code++) {
        const sw_status_ref *e = sw_reference_status(code);
        if (!e)
            continue;
        assert_true(code >= 100 && code <= 699);
        assert_int_equal(e->code, code);
        if (prev)
            assert_ptr_equal(e, prev + 1);
        prev = e;
        n++;
    }
    assert_int_equal(n, (int)(COUNT(rfc3261_codes) + COUNT(extension_codes)));
    assert_null(sw_reference_status(499));
    assert_null(sw_reference_status(-1));
    assert_null(sw_reference_status(700));
}

static void test_class_fallback(void **state)
{
    (void)state;
    static const char *const names[] = {"Provisional", "Success", "Redirection",
                                        "Client failure", "Server failure", "Global failure"};
    for (int c = 1; c <= 6; c++) {
        const sw_status_ref *e = sw_reference_status_class(c);
        assert_non_null(e);
        assert_int_equal(e->code, c * 100);
        assert_string_equal(e->reason, names[c - 1]);
        assert_true(nonempty(e->meaning) && nonempty(e->when) && nonempty(e->action));
        assert_ptr_equal(sw_reference_status_class(c * 100 + 99), e);
    }
    assert_null(sw_reference_status(499));
    assert_int_equal(sw_reference_status_class(499)->code, 400);
    assert_string_equal(sw_reference_status_class(499)->reason, "Client failure");
    assert_null(sw_reference_status(299));
    assert_int_equal(sw_reference_status_class(299)->code, 200);
    assert_null(sw_reference_status_class(0));
    assert_null(sw_reference_status_class(7));
    assert_null(sw_reference_status_class(700));
    assert_null(sw_reference_status_class(99));
}

static void test_methods(void **state)
{
    (void)state;
    const sw_method_ref *seen[COUNT(methods)];
    for (size_t i = 0; i < COUNT(methods); i++) {
        const sw_method_ref *m = sw_reference_method(methods[i]);
        if (!m)
            fail_msg("no entry for %s", methods[i]);
        assert_string_equal(m->method, methods[i]);
        assert_true(nonempty(m->rfc) && nonempty(m->meaning) && nonempty(m->when) &&
                    nonempty(m->action));
        for (size_t j = 0; j < i; j++)
            assert_ptr_not_equal(seen[j], m);
        seen[i] = m;
    }
    assert_ptr_equal(sw_reference_method("refer"), sw_reference_method("REFER"));
    assert_ptr_equal(sw_reference_method("Invite"), sw_reference_method("INVITE"));
    assert_non_null(strstr(sw_reference_method("refer")->action, "Refer-Sub"));
    assert_null(sw_reference_method("FOO"));
    assert_null(sw_reference_method(""));
    assert_null(sw_reference_method(NULL));
    assert_null(sw_reference_method("REFERX"));
}

static void test_pair_notes(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"401", "407"}, {"401", "403"}, {"403", "404"}, {"200", "202"},
        {"202", "REFER"}, {"404", "480"}, {"480", "486"}, {"486", "600"},
        {"486", "603"}, {"408", "480"}, {"408", "504"}, {"481", "487"},
        {"488", "606"}, {"500", "503"}, {"503", "504"}, {"302", "305"},
        {"183", "180"}, {"REFER", "NOTIFY"}, {"SUBSCRIBE", "NOTIFY"},
        {"INVITE", "UPDATE"}, {"INFO", "MESSAGE"}, {"BYE", "CANCEL"},
        {"202", "401"},
    };
    for (size_t i = 0; i < COUNT(pairs); i++) {
        const char *ab = sw_reference_pair_note(pairs[i][0], pairs[i][1]);
        const char *ba = sw_reference_pair_note(pairs[i][1], pairs[i][0]);
        if (!ab || !ba)
            fail_msg("no pair note for %s/%s", pairs[i][0], pairs[i][1]);
        assert_ptr_equal(ab, ba);
        assert_true(strlen(ab) > 40);
    }
    assert_non_null(strstr(sw_reference_pair_note("407", "401"), "Proxy-Authorization"));
    assert_ptr_equal(sw_reference_pair_note("refer", "notify"),
                     sw_reference_pair_note("NOTIFY", "REFER"));
    assert_non_null(sw_reference_pair_note("4XX", "5xx"));
    assert_null(sw_reference_pair_note("401", "401"));
    assert_null(sw_reference_pair_note("401", "180"));
    assert_null(sw_reference_pair_note("401", NULL));
}

/* ---- sw_explain ---- */

typedef struct captured {
    int rc;
    char *out;
    char *err;
    size_t outlen;
    size_t errlen;
} captured;

static captured explain(int width, int n, ...)
{
    char *terms[8];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n && i < 8; i++)
        terms[i] = (char *)va_arg(ap, const char *);
    va_end(ap);

    captured c = {0};
    FILE *out = open_memstream(&c.out, &c.outlen);
    FILE *err = open_memstream(&c.err, &c.errlen);
    assert_non_null(out);
    assert_non_null(err);
    c.rc = sw_explain(out, err, n, terms, width);
    fclose(out);
    fclose(err);
    return c;
}

static void release(captured *c)
{
    free(c->out);
    free(c->err);
}

/* Longest line of s, in display columns (UTF-8 code points). */
static int max_line_cols(const char *s)
{
    int max = 0, cur = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') {
            cur = 0;
            continue;
        }
        if ((*p & 0xC0) != 0x80)
            cur++;
        if (cur > max)
            max = cur;
    }
    return max;
}

static int has_trailing_space(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p == ' ' && (p[1] == '\n' || p[1] == '\0'))
            return 1;
    return 0;
}

static void test_explain_single(void **state)
{
    (void)state;
    captured c = explain(0, 1, "401");
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.errlen, 0);
    assert_non_null(strstr(c.out, "401 Unauthorized"));
    assert_non_null(strstr(c.out, "4xx Client failure"));
    assert_non_null(strstr(c.out, "RFC 3261 §21.4.2"));
    assert_non_null(strstr(c.out, "Meaning:"));
    assert_non_null(strstr(c.out, "When:"));
    assert_non_null(strstr(c.out, "What to do:"));
    assert_non_null(strstr(c.out, "Authorization"));
    assert_true(max_line_cols(c.out) <= 80);
    assert_false(has_trailing_space(c.out));
    release(&c);

    c = explain(80, 1, "refer");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "REFER  (method; RFC 3515)"));
    assert_non_null(strstr(c.out, "What to check:"));
    release(&c);

    c = explain(80, 1, "4XX");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "4xx Client failure"));
    assert_non_null(strstr(c.out, "Meaning:"));
    release(&c);
}

static void test_explain_unregistered_code(void **state)
{
    (void)state;
    captured c = explain(80, 1, "499");
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.errlen, 0);
    assert_memory_equal(c.out, "499: not a registered SIP status code", 37);
    assert_non_null(strstr(c.out, "4xx Client failure"));
    assert_non_null(strstr(c.out, "Meaning:"));
    release(&c);

    c = explain(80, 1, "299");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "2xx Success"));
    release(&c);
}

static void test_explain_compare(void **state)
{
    (void)state;
    captured c = explain(80, 2, "202", "401");
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.errlen, 0);
    assert_non_null(strstr(c.out, "202 Accepted"));
    assert_non_null(strstr(c.out, "401 Unauthorized"));
    assert_non_null(strstr(c.out, "Key difference"));
    assert_non_null(strstr(c.out, "Key difference, 202 vs 401"));
    assert_true(max_line_cols(c.out) <= 80);
    release(&c);

    /* Wide terminals get columns; the key difference still follows. */
    c = explain(120, 2, "401", "407");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, " | "));
    assert_non_null(strstr(c.out, "-+-"));
    assert_non_null(strstr(c.out, "401 Unauthorized"));
    assert_non_null(strstr(c.out, "407 Proxy Authentication"));
    assert_non_null(strstr(c.out, "Key difference, 401 vs 407"));
    assert_true(max_line_cols(c.out) <= 120);
    assert_false(has_trailing_space(c.out));
    release(&c);

    /* Mixed kinds, and REFER vs 202 by its canonical names. */
    c = explain(80, 3, "202", "refer", "NOTIFY");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "Key difference, 202 vs REFER"));
    assert_non_null(strstr(c.out, "Key difference, REFER vs NOTIFY"));
    release(&c);

    c = explain(80, 2, "401", "180");
    assert_int_equal(c.rc, 0);
    assert_null(strstr(c.out, "Key difference"));
    release(&c);
}

static void test_explain_unknown(void **state)
{
    (void)state;
    static const char *const bad[] = {"FOO", "700", "abc", "", "099", "4x", "40", "4010", "7xx"};
    for (size_t i = 0; i < COUNT(bad); i++) {
        captured c = explain(80, 1, bad[i]);
        assert_int_equal(c.rc, 1);
        assert_int_equal(c.outlen, 0);
        char want[64];
        snprintf(want, sizeof want, "unknown status code or method '%s'", bad[i]);
        assert_non_null(strstr(c.err, want));
        /* exactly one line */
        assert_int_equal(c.err[c.errlen - 1], '\n');
        assert_ptr_equal(strchr(c.err, '\n'), c.err + c.errlen - 1);
        release(&c);
    }
    /* A bad term anywhere means nothing at all on out. */
    captured c = explain(80, 3, "401", "407", "FOO");
    assert_int_equal(c.rc, 1);
    assert_int_equal(c.outlen, 0);
    assert_non_null(strstr(c.err, "'FOO'"));
    release(&c);

    c = explain(80, 5, "401", "407", "403", "404", "480");
    assert_int_equal(c.rc, 1);
    assert_int_equal(c.outlen, 0);
    assert_true(c.errlen > 0);
    release(&c);
}

static void test_explain_width(void **state)
{
    (void)state;
    static const char *const singles[] = {"401", "407", "202", "481", "503", "488", "REFER",
                                          "subscribe", "ACK", "6xx", "499", "555", "439"};
    for (size_t i = 0; i < COUNT(singles); i++) {
        captured c = explain(80, 1, singles[i]);
        assert_int_equal(c.rc, 0);
        if (max_line_cols(c.out) > 80)
            fail_msg("'%s' prints a line of %d columns", singles[i], max_line_cols(c.out));
        assert_false(has_trailing_space(c.out));
        release(&c);
    }
    static const int widths[] = {80, 100, 120, 160, 40};
    for (size_t w = 0; w < COUNT(widths); w++) {
        captured c[4] = {
            explain(widths[w], 2, "202", "401"),
            explain(widths[w], 3, "480", "486", "603"),
            explain(widths[w], 4, "REFER", "NOTIFY", "202", "489"),
            explain(widths[w], 4, "555", "439", "499", "PUBLISH"),
        };
        for (int k = 0; k < 4; k++) {
            assert_int_equal(c[k].rc, 0);
            if (max_line_cols(c[k].out) > widths[w])
                fail_msg("width %d: comparison %d prints a line of %d columns", widths[w], k,
                         max_line_cols(c[k].out));
            assert_false(has_trailing_space(c[k].out));
            release(&c[k]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3261_codes_have_entries),
        cmocka_unit_test(test_extension_codes_have_entries),
        cmocka_unit_test(test_reason_phrases),
        cmocka_unit_test(test_status_table_sorted_unique),
        cmocka_unit_test(test_class_fallback),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_pair_notes),
        cmocka_unit_test(test_explain_single),
        cmocka_unit_test(test_explain_unregistered_code),
        cmocka_unit_test(test_explain_compare),
        cmocka_unit_test(test_explain_unknown),
        cmocka_unit_test(test_explain_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
