/* Unit tests for sw_sip_number: on every kind of value a header or SDP line
 * can carry (signs, blanks, overflow, no digits, trailing text), it gives
 * the value and end strtoul(s, &end, 10) gives, so reading CSeq, ports,
 * Expires and payload types with it changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sip/sip_number.h"

static void expect_as_strtoul(const char *s)
{
    char *libc_end = NULL;
    unsigned long want = strtoul(s, &libc_end, 10);
    const char *end = NULL;
    unsigned long got = sw_sip_number(s, &end);
    if (got != want || end != libc_end)
        fail_msg("\"%s\": %lu ending at %td, strtoul %lu ending at %td", s, got, end - s, want, libc_end - s);
    assert_int_equal(sw_sip_number(s, NULL), want);
}

static void test_plain_and_trailing_text(void **state)
{
    (void)state;
    const char *cases[] = {"0", "1", "42", "101 INVITE", "5060;rport", "8000/1", "96 opus/48000/2",
                           "00017", "3600\r\n", "65535", "65536", "4294967295", "4294967296"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_as_strtoul(cases[i]);
}

static void test_blanks_and_signs(void **state)
{
    (void)state;
    const char *cases[] = {" 7", "\t7", "\r\n 7", "\v\f9", "+5", "-5", "-0", "+0", "- 5", "+-5",
                           "--5", " -1 ", "-4294967295", "-18446744073709551615"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_as_strtoul(cases[i]);
}

static void test_no_digits(void **state)
{
    (void)state;
    const char *cases[] = {"", " ", "+", "-", "abc", " x1", "t38", "0x10", ".5"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_as_strtoul(cases[i]);
    const char *end = NULL;
    const char *s = "  +";
    assert_int_equal(sw_sip_number(s, &end), 0);
    assert_ptr_equal(end, s);               /* no digits: the end is the start */
}

static void test_overflow(void **state)
{
    (void)state;
    const char *cases[] = {"18446744073709551615", "18446744073709551616", "99999999999999999999999",
                           "-18446744073709551616", "184467440737095516150", "1844674407370955161 5"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_as_strtoul(cases[i]);
    assert_true(sw_sip_number("18446744073709551616", NULL) == ULONG_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_trailing_text),
        cmocka_unit_test(test_blanks_and_signs),
        cmocka_unit_test(test_no_digits),
        cmocka_unit_test(test_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
