/* Unit tests for optional shared libraries (dynlib.h): a library and its
 * functions resolved all or nothing with a one-line reason, and libcrypto
 * and libmicrohttpd mapped only once TLS decryption or the metrics
 * endpoint asks for them, as in a run without a key log or --metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sipwatch/dynlib.h"
#include "free_port.h"
#include "sipwatch/metrics.h"
#include "sipwatch/monitor.h"
#include "sipwatch/tls.h"

/* Whether a file whose name contains `name` is mapped into this process. */
static bool mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, name) != NULL;
    fclose(f);
    return found;
}

static void test_resolves_every_symbol(void **state)
{
    (void)state;
    double (*cosine)(double) = NULL;
    double (*square_root)(double) = NULL;
    const sw_dynlib_symbol syms[] = {{"cos", &cosine}, {"sqrt", &square_root}};
    char err[200] = "";
    void *h = sw_dynlib_open("libm.so.6", syms, 2, err, sizeof err);
    assert_non_null(h);
    assert_string_equal(err, "");
    assert_non_null(cosine);
    assert_true(cosine(0.0) == 1.0);
    assert_true(square_root(16.0) == 4.0);
    sw_dynlib_close(h);
    sw_dynlib_close(NULL);
}

static void test_missing_library(void **state)
{
    (void)state;
    void (*fn)(void) = NULL;
    const sw_dynlib_symbol syms[] = {{"nothing", &fn}};
    char err[200] = "";
    assert_null(sw_dynlib_open("libsipwatch-absent.so.9", syms, 1, err, sizeof err));
    assert_non_null(strstr(err, "cannot load libsipwatch-absent.so.9"));
    assert_null(strchr(err, '\n'));
    assert_null(fn);
}

static void test_missing_symbol(void **state)
{
    (void)state;
    double (*cosine)(double) = NULL;
    void (*absent)(void) = NULL;
    const sw_dynlib_symbol syms[] = {{"cos", &cosine}, {"sw_no_such_function", &absent}};
    char err[200] = "";
    assert_null(sw_dynlib_open("libm.so.6", syms, 2, err, sizeof err));
    assert_string_equal(err, "libm.so.6 has no function sw_no_such_function: an unexpected version");
    assert_null(absent);
}

static void test_libcrypto_only_when_asked(void **state)
{
    (void)state;
    assert_false(mapped("libcrypto.so"));
    char err[200] = "";
    assert_true(sw_tls_crypto_load(err, sizeof err));
    assert_true(mapped("libcrypto.so"));
    assert_true(sw_tls_crypto_load(err, sizeof err));       /* once: the second call only reports */
    /* And it works: a handshake key of RFC 8448 (section 3), derived through it. */
    static const uint8_t secret[32] = {
        0xb6, 0x7b, 0x7d, 0x69, 0x0c, 0xc1, 0x6c, 0x4e, 0x75, 0xe5, 0x42, 0x13, 0xcb, 0x2d, 0x37, 0xb4,
        0xe9, 0xc9, 0x12, 0xbc, 0xde, 0xd9, 0x10, 0x5d, 0x42, 0xbe, 0xfd, 0x59, 0xd3, 0x91, 0xad, 0x38};
    static const uint8_t key[16] = {0x3f, 0xce, 0x51, 0x60, 0x09, 0xc2, 0x17, 0x27,
                                    0xd0, 0xf2, 0xe4, 0xe8, 0x6e, 0xe4, 0x03, 0xbc};
    uint8_t out[16];
    assert_true(sw_tls13_expand_label("SHA256", secret, sizeof secret, "key", NULL, 0, out, sizeof out));
    assert_memory_equal(out, key, sizeof key);
}

static void test_libmicrohttpd_only_when_asked(void **state)
{
    (void)state;
    assert_false(mapped("libmicrohttpd.so"));
    assert_false(mapped("libgnutls.so"));
    sw_monitor *m = sw_monitor_create(0);
    assert_non_null(m);
    char err[256] = "";
    sw_metrics *mx = NULL;
    for (int attempt = 0; attempt < 5 && !mx; attempt++) {   /* another process may take the port first */
        char addr[64];
        snprintf(addr, sizeof addr, "127.0.0.1:%u", free_port());
        mx = sw_metrics_start(addr, m, err, sizeof err);
    }
    if (!mx)
        fail_msg("sw_metrics_start: %s", err);
    assert_true(mapped("libmicrohttpd.so"));
    sw_metrics_stop(mx);
    sw_monitor_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolves_every_symbol),
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_missing_symbol),
        cmocka_unit_test(test_libcrypto_only_when_asked),
        cmocka_unit_test(test_libmicrohttpd_only_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
