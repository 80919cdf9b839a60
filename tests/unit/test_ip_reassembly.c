/* Unit tests for IP fragment reassembly (src/decode/ip_reassembly.c):
 * ordering, duplicates, first-wins overlaps, invalid ends, timeouts, caps
 * and a seeded flood of random fragments that must stay within the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sipwatch/ip_reassembly.h"

#define SEC SW_USEC_PER_SEC
#define T0 (1700000000ULL * SEC)

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic for a fixed seed */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static sw_ip_addr ip4(uint32_t a)
{
    sw_ip_addr ip;
    memset(&ip, 0, sizeof ip);
    ip.family = 4;
    ip.bytes[0] = (uint8_t)(a >> 24);
    ip.bytes[1] = (uint8_t)(a >> 16);
    ip.bytes[2] = (uint8_t)(a >> 8);
    ip.bytes[3] = (uint8_t)a;
    return ip;
}

static sw_ip_addr ip6(uint16_t last)
{
    sw_ip_addr ip;
    memset(&ip, 0, sizeof ip);
    ip.family = 6;
    ip.bytes[0] = 0x20;
    ip.bytes[1] = 0x01;
    ip.bytes[2] = 0x0d;
    ip.bytes[3] = 0xb8;
    ip.bytes[14] = (uint8_t)(last >> 8);
    ip.bytes[15] = (uint8_t)last;
    return ip;
}

static sw_ipfrag_key key4(uint32_t src, uint32_t dst, uint32_t id)
{
    sw_ipfrag_key k;
    memset(&k, 0, sizeof k);
    k.src = ip4(src);
    k.dst = ip4(dst);
    k.id = id;
    k.protocol = 17;
    return k;
}

static sw_ipfrag_key key6(uint16_t src, uint16_t dst, uint32_t id)
{
    sw_ipfrag_key k;
    memset(&k, 0, sizeof k);
    k.src = ip6(src);
    k.dst = ip6(dst);
    k.id = id;
    k.protocol = 17;
    return k;
}

static void fill_pattern(uint8_t *buf, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 31u + seed * 7u + (i >> 8));
}

static sw_ipfrag_table *make_table(size_t max_dgrams, size_t max_bytes, size_t max_len,
                                   sw_time_us timeout)
{
    sw_ipfrag_limits lim = {
        .max_datagrams = max_dgrams,
        .max_bytes = max_bytes,
        .max_datagram_len = max_len,
        .timeout_us = timeout,
    };
    sw_ipfrag_table *t = sw_ipfrag_create(&lim);
    assert_non_null(t);
    return t;
}

static sw_ipfrag_stats stats_of(const sw_ipfrag_table *t)
{
    sw_ipfrag_stats s;
    memset(&s, 0xaa, sizeof s);
    sw_ipfrag_get_stats(t, &s);
    return s;
}

/* Offers payload[off, off+len) as a fragment. */
static bool offer(sw_ipfrag_table *t, const sw_ipfrag_key *k, const uint8_t *payload,
                  uint32_t off, size_t len, bool more, sw_time_us now,
                  const uint8_t **out, size_t *out_len)
{
    return sw_ipfrag_add(t, k, off, payload + off, len, more, now, out, out_len);
}

/* Sends `total` bytes of payload in fragments of `step` bytes, in order;
 * checks that only the last completes and the result equals the payload. */
static void send_in_order(sw_ipfrag_table *t, const sw_ipfrag_key *k, const uint8_t *payload,
                          size_t total, size_t step, sw_time_us now)
{
    const uint8_t *out = NULL;
    size_t out_len = 0;
    for (size_t off = 0; off < total; off += step) {
        size_t len = total - off < step ? total - off : step;
        bool more = off + len < total;
        bool done = offer(t, k, payload, (uint32_t)off, len, more, now, &out, &out_len);
        assert_int_equal(done, !more);
    }
    assert_int_equal(out_len, total);
    assert_memory_equal(out, payload, total);
}

/* ---- tests ------------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    sw_ipfrag_limits lim;
    memset(&lim, 0, sizeof lim);
    sw_ipfrag_limits_default(&lim);
    assert_int_equal(lim.max_datagrams, 1024);
    assert_int_equal(lim.max_bytes, 8 * 1024 * 1024);
    assert_int_equal(lim.max_datagram_len, 65535);
    assert_int_equal(lim.timeout_us, 30 * SEC);

    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    assert_non_null(t);
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.fragments, 0);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.bytes_held, 0);
    /* 1024 datagrams fit, the 1025th evicts the oldest */
    uint8_t payload[16];
    fill_pattern(payload, sizeof payload, 1);
    for (uint32_t id = 0; id < 1025; id++) {
        sw_ipfrag_key k = key4(0x0a000001, 0x0a000002, id);
        assert_false(offer(t, &k, payload, 0, 8, true, T0, NULL, NULL));
    }
    s = stats_of(t);
    assert_int_equal(s.active, 1024);
    assert_int_equal(s.evicted, 1);
    sw_ipfrag_destroy(t);
}

static void test_zero_limits_mean_default(void **state)
{
    (void)state;
    sw_ipfrag_table *t = make_table(2, 0, 0, 0);
    uint8_t payload[65536 + 8];
    fill_pattern(payload, sizeof payload, 2);
    sw_ipfrag_key a = key4(1, 2, 1), b = key4(1, 2, 2);

    /* max_datagram_len 65535 */
    assert_false(offer(t, &a, payload, 65528, 8, false, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 1);
    assert_false(offer(t, &a, payload, 65528, 7, false, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 1);
    assert_int_equal(stats_of(t).active, 1);

    /* timeout 30 s */
    assert_false(offer(t, &b, payload, 8, 8, true, T0 + 1, NULL, NULL));
    sw_ipfrag_expire(t, T0 + 30 * SEC - 1);
    assert_int_equal(stats_of(t).active, 2);
    sw_ipfrag_expire(t, T0 + 30 * SEC);
    assert_int_equal(stats_of(t).active, 1);
    assert_int_equal(stats_of(t).timed_out, 1);
    sw_ipfrag_destroy(t);
}

static void test_in_order_v4(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t payload[4000];
    fill_pattern(payload, sizeof payload, 3);
    sw_ipfrag_key k = key4(0xc0a80001, 0xc0a80002, 0x1234);
    send_in_order(t, &k, payload, sizeof payload, 1480, T0);
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.fragments, 3);
    assert_int_equal(s.reassembled, 1);
    assert_int_equal(s.overlaps, 0);
    assert_int_equal(s.invalid, 0);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.bytes_held, 0);
    sw_ipfrag_destroy(t);
}

static void test_in_order_v6(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t payload[9001];
    fill_pattern(payload, sizeof payload, 4);
    sw_ipfrag_key k = key6(1, 2, 0xdeadbeef);
    send_in_order(t, &k, payload, sizeof payload, 1448, T0);
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.fragments, 7);
    assert_int_equal(s.reassembled, 1);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.bytes_held, 0);
    sw_ipfrag_destroy(t);
}

static void test_reverse_order(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t payload[5000];
    fill_pattern(payload, sizeof payload, 5);
    sw_ipfrag_key k = key4(1, 2, 7);
    const uint8_t *out = NULL;
    size_t out_len = 0;
    size_t step = 1000 - 1000 % 8;
    size_t last = (sizeof payload - 1) / step * step;
    for (size_t off = last + step; off-- > 0;) {
        if (off % step)
            continue;
        size_t len = sizeof payload - off < step ? sizeof payload - off : step;
        bool done = offer(t, &k, payload, (uint32_t)off, len, off != last, T0, &out, &out_len);
        assert_int_equal(done, off == 0);
        if (off)
            assert_int_equal(stats_of(t).bytes_held, sizeof payload); /* sized from the known end */
    }
    assert_int_equal(out_len, sizeof payload);
    assert_memory_equal(out, payload, sizeof payload);
    assert_int_equal(stats_of(t).reassembled, 1);
    assert_int_equal(stats_of(t).bytes_held, 0);
    sw_ipfrag_destroy(t);
}

static void test_random_permutation(void **state)
{
    (void)state;
    enum { NFRAG = 200, STEP = 64 };
    const size_t total = (NFRAG - 1) * STEP + 37;
    uint8_t *payload = malloc(total);
    assert_non_null(payload);
    fill_pattern(payload, total, 6);
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    for (uint32_t round = 0; round < 25; round++) {
        unsigned order[NFRAG];
        for (unsigned i = 0; i < NFRAG; i++)
            order[i] = i;
        for (unsigned i = NFRAG - 1; i > 0; i--) {
            unsigned j = (unsigned)(rng_next(&seed) % (i + 1));
            unsigned tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        sw_ipfrag_key k = key4(0x0a000001, 0x0a000002, round);
        const uint8_t *out = NULL;
        size_t out_len = 0;
        for (unsigned n = 0; n < NFRAG; n++) {
            uint32_t off = order[n] * STEP;
            size_t len = order[n] == NFRAG - 1 ? 37 : STEP;
            bool done = offer(t, &k, payload, off, len, order[n] != NFRAG - 1, T0 + round,
                              &out, &out_len);
            assert_int_equal(done, n == NFRAG - 1);
        }
        assert_int_equal(out_len, total);
        assert_memory_equal(out, payload, total);
    }
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.reassembled, 25);
    assert_int_equal(s.overlaps, 0);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.bytes_held, 0);
    sw_ipfrag_destroy(t);
    free(payload);
}

static void test_duplicates(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t payload[3000];
    fill_pattern(payload, sizeof payload, 7);
    sw_ipfrag_key k = key4(1, 2, 3);
    const uint8_t *out = NULL;
    size_t out_len = 0;

    assert_false(offer(t, &k, payload, 1000, 1000, true, T0, &out, &out_len));
    assert_false(offer(t, &k, payload, 1000, 1000, true, T0, &out, &out_len));
    assert_false(offer(t, &k, payload, 2000, 1000, false, T0, &out, &out_len));
    assert_false(offer(t, &k, payload, 2000, 1000, false, T0, &out, &out_len)); /* same end: fine */
    assert_false(offer(t, &k, payload, 1000, 1000, true, T0, &out, &out_len));
    assert_int_equal(stats_of(t).overlaps, 3);
    assert_int_equal(stats_of(t).invalid, 0);
    assert_true(offer(t, &k, payload, 0, 1000, true, T0, &out, &out_len));
    assert_int_equal(out_len, sizeof payload);
    assert_memory_equal(out, payload, sizeof payload);

    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.fragments, 6);
    assert_int_equal(s.overlaps, 3);
    assert_int_equal(s.reassembled, 1);
    assert_int_equal(s.active, 0);

    /* a duplicate arriving after completion starts a new (incomplete) datagram */
    assert_false(offer(t, &k, payload, 1000, 1000, true, T0, &out, &out_len));
    assert_null(out);
    assert_int_equal(stats_of(t).active, 1);
    sw_ipfrag_destroy(t);
}

static void test_overlap_first_wins(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t a[64], b[64], c[64];
    memset(a, 'A', sizeof a);
    memset(b, 'B', sizeof b);
    memset(c, 'C', sizeof c);
    const uint8_t *out = NULL;
    size_t out_len = 0;

    /* tail overlap: [0,16) A then [8,24) B, last */
    sw_ipfrag_key k1 = key4(1, 2, 1);
    assert_false(sw_ipfrag_add(t, &k1, 0, a, 16, true, T0, &out, &out_len));
    assert_true(sw_ipfrag_add(t, &k1, 8, b, 16, false, T0, &out, &out_len));
    assert_int_equal(out_len, 24);
    assert_memory_equal(out, "AAAAAAAAAAAAAAAABBBBBBBB", 24);
    assert_int_equal(stats_of(t).overlaps, 1);

    /* one fragment spanning a hole between two held ranges: fills only the hole */
    sw_ipfrag_key k2 = key4(1, 2, 2);
    assert_false(sw_ipfrag_add(t, &k2, 0, a, 8, true, T0, &out, &out_len));
    assert_false(sw_ipfrag_add(t, &k2, 16, c, 8, false, T0, &out, &out_len));
    assert_true(sw_ipfrag_add(t, &k2, 0, b, 24, true, T0, &out, &out_len));
    assert_int_equal(out_len, 24);
    assert_memory_equal(out, "AAAAAAAABBBBBBBBCCCCCCCC", 24);
    assert_int_equal(stats_of(t).overlaps, 2); /* counted once for the fragment */

    /* head overlap, later fragment covers an earlier one entirely */
    sw_ipfrag_key k3 = key4(1, 2, 3);
    assert_false(sw_ipfrag_add(t, &k3, 8, a, 8, true, T0, &out, &out_len));
    assert_false(sw_ipfrag_add(t, &k3, 0, b, 32, true, T0, &out, &out_len));
    assert_true(sw_ipfrag_add(t, &k3, 32, c, 3, false, T0, &out, &out_len));
    assert_int_equal(out_len, 35);
    assert_memory_equal(out, "BBBBBBBBAAAAAAAABBBBBBBBBBBBBBBBCCC", 35);
    assert_int_equal(stats_of(t).overlaps, 3);

    /* adjacency is not overlap */
    sw_ipfrag_key k4 = key4(1, 2, 4);
    assert_false(sw_ipfrag_add(t, &k4, 8, b, 8, false, T0, &out, &out_len));
    assert_true(sw_ipfrag_add(t, &k4, 0, a, 8, true, T0, &out, &out_len));
    assert_memory_equal(out, "AAAAAAAABBBBBBBB", 16);
    assert_int_equal(stats_of(t).overlaps, 3);
    assert_int_equal(stats_of(t).reassembled, 4);
    assert_int_equal(stats_of(t).invalid, 0);
    sw_ipfrag_destroy(t);
}

static void test_hole_then_expire(void **state)
{
    (void)state;
    sw_ipfrag_table *t = make_table(0, 0, 0, 5 * SEC);
    uint8_t payload[24];
    fill_pattern(payload, sizeof payload, 8);
    sw_ipfrag_key k = key4(1, 2, 9);

    assert_false(offer(t, &k, payload, 0, 8, true, T0, NULL, NULL));
    assert_false(offer(t, &k, payload, 16, 8, false, T0 + SEC, NULL, NULL));
    assert_false(offer(t, &k, payload, 0, 8, true, T0 + 2 * SEC, NULL, NULL)); /* dup, hole stays */
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.active, 1);
    assert_int_equal(s.bytes_held, 24);
    assert_int_equal(s.reassembled, 0);

    sw_ipfrag_expire(t, T0 + 5 * SEC - 1); /* timeout runs from the first fragment */
    assert_int_equal(stats_of(t).active, 1);
    assert_int_equal(stats_of(t).timed_out, 0);
    sw_ipfrag_expire(t, T0 + 5 * SEC);
    s = stats_of(t);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.bytes_held, 0);
    assert_int_equal(s.timed_out, 1);

    /* the missing piece now starts a new datagram instead of completing the old one */
    assert_false(offer(t, &k, payload, 8, 8, true, T0 + 6 * SEC, NULL, NULL));
    assert_int_equal(stats_of(t).active, 1);
    assert_int_equal(stats_of(t).reassembled, 0);
    sw_ipfrag_destroy(t);
}

static void test_lazy_expiry(void **state)
{
    (void)state;
    sw_ipfrag_table *t = make_table(0, 0, 0, 5 * SEC);
    uint8_t payload[16];
    fill_pattern(payload, sizeof payload, 9);
    sw_ipfrag_key a = key4(1, 2, 1), b = key4(1, 2, 2);

    assert_false(offer(t, &a, payload, 0, 8, true, T0, NULL, NULL));
    assert_false(offer(t, &b, payload, 0, 8, true, T0 + 4 * SEC, NULL, NULL));
    assert_int_equal(stats_of(t).active, 2);
    /* a fragment at T0+5s expires a without any sw_ipfrag_expire call... */
    assert_false(offer(t, &b, payload, 0, 8, true, T0 + 5 * SEC, NULL, NULL));
    assert_int_equal(stats_of(t).active, 1);
    assert_int_equal(stats_of(t).timed_out, 1);
    /* ...so a's tail no longer completes it; b still completes */
    assert_false(offer(t, &a, payload, 8, 8, false, T0 + 5 * SEC, NULL, NULL));
    const uint8_t *out = NULL;
    size_t out_len = 0;
    assert_true(offer(t, &b, payload, 8, 8, false, T0 + 5 * SEC, &out, &out_len));
    assert_int_equal(out_len, 16);
    assert_memory_equal(out, payload, 16);
    sw_ipfrag_destroy(t);
}

static void test_interleaved_ids(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t p1[3000], p2[2500];
    fill_pattern(p1, sizeof p1, 10);
    fill_pattern(p2, sizeof p2, 11);
    sw_ipfrag_key k1 = key4(1, 2, 100), k2 = key4(1, 2, 101);
    const uint8_t *out = NULL;
    size_t out_len = 0;

    assert_false(offer(t, &k1, p1, 0, 1000, true, T0, &out, &out_len));
    assert_false(offer(t, &k2, p2, 1000, 1000, true, T0, &out, &out_len));
    assert_false(offer(t, &k1, p1, 2000, 1000, false, T0, &out, &out_len));
    assert_false(offer(t, &k2, p2, 0, 1000, true, T0, &out, &out_len));
    assert_int_equal(stats_of(t).active, 2);
    assert_true(offer(t, &k2, p2, 2000, 500, false, T0, &out, &out_len));
    assert_int_equal(out_len, sizeof p2);
    assert_memory_equal(out, p2, sizeof p2);
    assert_true(offer(t, &k1, p1, 1000, 1000, true, T0, &out, &out_len));
    assert_int_equal(out_len, sizeof p1);
    assert_memory_equal(out, p1, sizeof p1);
    assert_int_equal(stats_of(t).reassembled, 2);
    assert_int_equal(stats_of(t).overlaps, 0);
    sw_ipfrag_destroy(t);
}

static void test_key_fields_separate(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t pa[16], pb[16];
    memset(pa, 'a', sizeof pa);
    memset(pb, 'b', sizeof pb);
    const uint8_t *out = NULL;
    size_t out_len = 0;

    /* same id, different src */
    sw_ipfrag_key ka = key4(0x0a000001, 0x0a0000ff, 42);
    sw_ipfrag_key kb = key4(0x0a000002, 0x0a0000ff, 42);
    assert_false(offer(t, &ka, pa, 0, 8, true, T0, &out, &out_len));
    assert_false(offer(t, &kb, pb, 0, 8, true, T0, &out, &out_len));
    assert_int_equal(stats_of(t).active, 2);
    assert_true(offer(t, &ka, pa, 8, 8, false, T0, &out, &out_len));
    assert_memory_equal(out, "aaaaaaaaaaaaaaaa", 16);
    assert_true(offer(t, &kb, pb, 8, 8, false, T0, &out, &out_len));
    assert_memory_equal(out, "bbbbbbbbbbbbbbbb", 16);
    assert_int_equal(stats_of(t).overlaps, 0);

    /* protocol, dst and family are part of the key too */
    sw_ipfrag_key kc = ka;
    kc.protocol = 6;
    sw_ipfrag_key kd = ka;
    kd.dst = ip4(0x0a0000fe);
    sw_ipfrag_key ke = ka;
    ke.src.family = 6;
    ke.dst.family = 6;
    assert_false(offer(t, &ka, pa, 0, 8, true, T0, &out, &out_len));
    assert_false(offer(t, &kc, pb, 0, 8, true, T0, &out, &out_len));
    assert_false(offer(t, &kd, pb, 0, 8, true, T0, &out, &out_len));
    assert_false(offer(t, &ke, pb, 0, 8, true, T0, &out, &out_len));
    assert_int_equal(stats_of(t).active, 4);
    assert_int_equal(stats_of(t).overlaps, 0);

    /* an IPv4 key ignores address bytes past the first four */
    sw_ipfrag_key kf = ka;
    memset(kf.src.bytes + 4, 0x5a, 12);
    assert_true(offer(t, &kf, pa, 8, 8, false, T0, &out, &out_len));
    assert_memory_equal(out, "aaaaaaaaaaaaaaaa", 16);
    assert_int_equal(stats_of(t).active, 3);

    /* mismatched or unset families are refused */
    sw_ipfrag_key kg = ka;
    kg.dst.family = 6;
    sw_ipfrag_key kh = ka;
    kh.src.family = 0;
    kh.dst.family = 0;
    uint64_t invalid = stats_of(t).invalid;
    assert_false(offer(t, &kg, pa, 8, 8, true, T0, &out, &out_len));
    assert_false(offer(t, &kh, pa, 8, 8, true, T0, &out, &out_len));
    assert_int_equal(stats_of(t).invalid, invalid + 2);
    assert_int_equal(stats_of(t).active, 3);
    sw_ipfrag_destroy(t);
}

static void test_conflicting_end(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t payload[64];
    fill_pattern(payload, sizeof payload, 12);

    /* two last fragments disagreeing about the end */
    sw_ipfrag_key k1 = key4(1, 2, 1);
    assert_false(offer(t, &k1, payload, 0, 8, true, T0, NULL, NULL));
    assert_false(offer(t, &k1, payload, 16, 8, false, T0, NULL, NULL));
    assert_false(offer(t, &k1, payload, 8, 8, false, T0, NULL, NULL));
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.invalid, 1);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.bytes_held, 0);
    /* the dropped datagram's data is gone: the missing middle does not complete it */
    assert_false(offer(t, &k1, payload, 8, 8, true, T0, NULL, NULL));
    assert_int_equal(stats_of(t).reassembled, 0);

    /* data beyond a known end */
    sw_ipfrag_key k2 = key4(1, 2, 2);
    assert_false(offer(t, &k2, payload, 8, 8, false, T0, NULL, NULL));
    assert_false(offer(t, &k2, payload, 16, 8, true, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 2);

    /* a last fragment ending before data already held */
    sw_ipfrag_key k3 = key4(1, 2, 3);
    assert_false(offer(t, &k3, payload, 16, 16, true, T0, NULL, NULL));
    assert_false(offer(t, &k3, payload, 8, 8, false, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 3);

    assert_int_equal(stats_of(t).active, 1); /* only k1's restart remains */
    sw_ipfrag_destroy(t);
}

static void test_oversize(void **state)
{
    (void)state;
    sw_ipfrag_table *t = make_table(0, 0, 100, 0);
    uint8_t payload[128];
    fill_pattern(payload, sizeof payload, 13);
    const uint8_t *out = NULL;
    size_t out_len = 0;

    sw_ipfrag_key k1 = key4(1, 2, 1);
    assert_false(offer(t, &k1, payload, 96, 8, false, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 1);
    assert_int_equal(stats_of(t).active, 0);

    /* an oversize fragment drops the datagram it belongs to */
    assert_false(offer(t, &k1, payload, 0, 8, true, T0, NULL, NULL));
    assert_int_equal(stats_of(t).active, 1);
    assert_false(offer(t, &k1, payload, 96, 8, true, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 2);
    assert_int_equal(stats_of(t).active, 0);
    assert_int_equal(stats_of(t).bytes_held, 0);

    /* huge offsets must not wrap around */
    assert_false(sw_ipfrag_add(t, &k1, UINT32_MAX - 3, payload, 8, true, T0, NULL, NULL));
    assert_false(sw_ipfrag_add(t, &k1, 8, payload, SIZE_MAX, true, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 4);

    /* exactly max_datagram_len is fine */
    sw_ipfrag_key k2 = key4(1, 2, 2);
    assert_false(offer(t, &k2, payload, 96, 4, false, T0, NULL, NULL));
    assert_true(offer(t, &k2, payload, 0, 96, true, T0, &out, &out_len));
    assert_int_equal(out_len, 100);
    assert_memory_equal(out, payload, 100);
    assert_int_equal(stats_of(t).invalid, 4);
    sw_ipfrag_destroy(t);
}

static void test_zero_length_and_non_fragment(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t payload[32];
    fill_pattern(payload, sizeof payload, 14);
    const uint8_t *out = NULL;
    size_t out_len = 0;
    sw_ipfrag_key k = key4(1, 2, 1);

    /* zero-length non-last fragment: refused and ignored */
    assert_false(offer(t, &k, payload, 0, 8, true, T0, NULL, NULL));
    assert_false(offer(t, &k, payload, 8, 0, true, T0, NULL, NULL));
    assert_int_equal(stats_of(t).invalid, 1);
    assert_int_equal(stats_of(t).active, 1);
    assert_true(offer(t, &k, payload, 8, 8, false, T0, &out, &out_len));
    assert_int_equal(out_len, 16);
    assert_memory_equal(out, payload, 16);

    /* zero-length last fragment just sets the end */
    sw_ipfrag_key k2 = key4(1, 2, 2);
    assert_false(offer(t, &k2, payload, 0, 16, true, T0, NULL, NULL));
    assert_true(offer(t, &k2, payload, 16, 0, false, T0, &out, &out_len));
    assert_int_equal(out_len, 16);
    assert_memory_equal(out, payload, 16);

    /* offset 0 and no more fragments: not a fragment, returned as is */
    sw_ipfrag_key k3 = key4(1, 2, 3);
    assert_true(offer(t, &k3, payload, 0, 20, false, T0, &out, &out_len));
    assert_ptr_equal(out, payload);
    assert_int_equal(out_len, 20);
    assert_int_equal(stats_of(t).active, 0);
    assert_int_equal(stats_of(t).reassembled, 2);
    assert_int_equal(stats_of(t).fragments, 6);
    sw_ipfrag_destroy(t);
}

static void test_cap_max_datagrams(void **state)
{
    (void)state;
    sw_ipfrag_table *t = make_table(3, 0, 0, 0);
    uint8_t payload[16];
    fill_pattern(payload, sizeof payload, 15);
    const uint8_t *out = NULL;
    size_t out_len = 0;
    sw_ipfrag_key k[4] = { key4(1, 2, 0), key4(1, 2, 1), key4(1, 2, 2), key4(1, 2, 3) };

    for (int i = 0; i < 4; i++)
        assert_false(offer(t, &k[i], payload, 0, 8, true, T0 + (sw_time_us)i, NULL, NULL));
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.active, 3);
    assert_int_equal(s.evicted, 1);
    assert_int_equal(s.bytes_held, 24);

    /* k[0] was the oldest and is gone: its tail does not complete it (and, as
     * a new datagram, evicts k[1], now the oldest) */
    assert_false(offer(t, &k[0], payload, 8, 8, false, T0 + 10, &out, &out_len));
    assert_int_equal(stats_of(t).evicted, 2);
    assert_false(offer(t, &k[1], payload, 8, 8, false, T0 + 11, &out, &out_len));
    assert_int_equal(stats_of(t).evicted, 3);
    /* ...which in turn evicts k[2]; k[3] survived and completes */
    assert_true(offer(t, &k[3], payload, 8, 8, false, T0 + 12, &out, &out_len));
    assert_memory_equal(out, payload, 16);
    assert_int_equal(stats_of(t).reassembled, 1);
    assert_int_equal(stats_of(t).active, 2);
    sw_ipfrag_destroy(t);
}

static void test_cap_max_bytes(void **state)
{
    (void)state;
    sw_ipfrag_table *t = make_table(0, 4000, 0, 0);
    uint8_t payload[6000];
    fill_pattern(payload, sizeof payload, 16);
    sw_ipfrag_key a = key4(1, 2, 1), b = key4(1, 2, 2), c = key4(1, 2, 3), d = key4(1, 2, 4);
    const uint8_t *out = NULL;
    size_t out_len = 0;

    assert_false(offer(t, &a, payload, 0, 1000, true, T0, NULL, NULL));
    assert_false(offer(t, &b, payload, 0, 1000, true, T0 + 1, NULL, NULL));
    assert_false(offer(t, &c, payload, 0, 1000, true, T0 + 2, NULL, NULL));
    assert_int_equal(stats_of(t).bytes_held, 3000);
    assert_false(offer(t, &d, payload, 0, 1500, true, T0 + 3, NULL, NULL));
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.evicted, 1);
    assert_int_equal(s.active, 3);
    assert_int_equal(s.bytes_held, 3500);

    /* growing b evicts the oldest other datagram (c), never b itself */
    assert_false(offer(t, &b, payload, 1000, 1000, true, T0 + 4, NULL, NULL));
    s = stats_of(t);
    assert_int_equal(s.evicted, 2);
    assert_true(s.bytes_held <= 4000);
    assert_true(offer(t, &b, payload, 2000, 500, false, T0 + 5, &out, &out_len));
    assert_int_equal(out_len, 2500);
    assert_memory_equal(out, payload, 2500);

    /* a datagram that alone exceeds max_bytes is dropped, not kept */
    sw_ipfrag_key e = key4(1, 2, 5);
    assert_false(offer(t, &e, payload, 4000, 1000, false, T0 + 6, NULL, NULL));
    s = stats_of(t);
    assert_int_equal(s.evicted, 3);
    assert_true(s.bytes_held <= 4000);
    assert_int_equal(s.active, 1); /* d */
    assert_int_equal(s.bytes_held, 1500);
    sw_ipfrag_destroy(t);
}

static void test_too_many_holes(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    uint8_t payload[65535];
    fill_pattern(payload, sizeof payload, 17);
    sw_ipfrag_key k = key4(1, 2, 1);
    uint32_t n = 0;
    /* 8-byte pieces with 8-byte holes between them: each is a separate range */
    while (stats_of(t).invalid == 0 && n < 1000) {
        assert_false(offer(t, &k, payload, n * 16, 8, true, T0, NULL, NULL));
        n++;
    }
    assert_true(n > 64);     /* plenty for real reordering */
    assert_true(n < 1000);   /* but bounded */
    assert_int_equal(stats_of(t).active, 0);
    assert_int_equal(stats_of(t).bytes_held, 0);
    sw_ipfrag_destroy(t);
}

static void test_time_backwards(void **state)
{
    (void)state;
    sw_ipfrag_table *t = make_table(0, 0, 0, 10 * SEC);
    uint8_t payload[32];
    fill_pattern(payload, sizeof payload, 18);
    const uint8_t *out = NULL;
    size_t out_len = 0;
    sw_ipfrag_key a = key4(1, 2, 1), b = key4(1, 2, 2), c = key4(1, 2, 3);

    /* a small step back: still reassembles */
    assert_false(offer(t, &a, payload, 0, 8, true, T0 + 100 * SEC, NULL, NULL));
    assert_true(offer(t, &a, payload, 8, 8, false, T0 + 99 * SEC, &out, &out_len));
    assert_memory_equal(out, payload, 16);

    /* a datagram started "in the past" ages from the latest time seen */
    assert_false(offer(t, &b, payload, 0, 8, true, T0 + 100 * SEC, NULL, NULL));
    assert_false(offer(t, &c, payload, 0, 8, true, T0 + 95 * SEC, NULL, NULL));
    sw_ipfrag_expire(t, T0 + 90 * SEC);
    assert_int_equal(stats_of(t).active, 2);
    sw_ipfrag_expire(t, T0 + 110 * SEC - 1);
    assert_int_equal(stats_of(t).active, 2);
    sw_ipfrag_expire(t, T0 + 110 * SEC);
    assert_int_equal(stats_of(t).active, 0);
    assert_int_equal(stats_of(t).timed_out, 2);

    /* a jump back by more than the timeout drops what is in progress and
     * restarts the clock, so new datagrams still time out */
    assert_false(offer(t, &b, payload, 0, 8, true, T0 + 200 * SEC, NULL, NULL));
    assert_false(offer(t, &c, payload, 0, 8, true, T0, NULL, NULL));
    assert_int_equal(stats_of(t).timed_out, 3);
    assert_int_equal(stats_of(t).active, 1);
    sw_ipfrag_expire(t, T0 + 10 * SEC);
    assert_int_equal(stats_of(t).timed_out, 4);
    assert_int_equal(stats_of(t).active, 0);

    /* random timestamps: no crash, caps hold (ASan checks leaks at destroy) */
    uint64_t seed = 12345;
    for (int i = 0; i < 5000; i++) {
        sw_ipfrag_key k = key4(1, 2, (uint32_t)(rng_next(&seed) % 50));
        uint32_t off = (uint32_t)(rng_next(&seed) % 3) * 8;
        sw_time_us now = T0 + rng_next(&seed) % (60 * SEC);
        sw_ipfrag_add(t, &k, off, payload + off, 8, off < 16, now, &out, &out_len);
        if (i % 7 == 0)
            sw_ipfrag_expire(t, T0 + rng_next(&seed) % (60 * SEC));
        assert_true(stats_of(t).active <= 50);
    }
    sw_ipfrag_destroy(t);
}

static void test_output_is_exact_payload(void **state)
{
    (void)state;
    sw_ipfrag_table *t = sw_ipfrag_create(NULL);
    /* in-order arrival grows the buffer geometrically past the real end;
     * the result must still be exactly the payload */
    uint8_t payload[3333];
    fill_pattern(payload, sizeof payload, 19);
    sw_ipfrag_key k = key6(7, 8, 1);
    const uint8_t *out = NULL;
    size_t out_len = 0;
    assert_false(offer(t, &k, payload, 0, 1000, true, T0, &out, &out_len));
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_false(offer(t, &k, payload, 1000, 1000, true, T0, &out, &out_len));
    assert_false(offer(t, &k, payload, 2000, 1000, true, T0, &out, &out_len));
    assert_int_equal(stats_of(t).bytes_held, 4000);
    assert_true(offer(t, &k, payload, 3000, 333, false, T0, &out, &out_len));
    assert_non_null(out);
    assert_int_equal(out_len, sizeof payload);
    assert_memory_equal(out, payload, sizeof payload);
    assert_int_equal(stats_of(t).bytes_held, 0);

    /* the result survives get_stats (a const call) and is replaced by the next add */
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.reassembled, 1);
    assert_memory_equal(out, payload, sizeof payload);
    sw_ipfrag_destroy(t);
}

static void test_flood(void **state)
{
    (void)state;
    enum { MAX_DGRAMS = 64, MAX_BYTES = 256 * 1024, MAX_LEN = 65535 };
    sw_ipfrag_table *t = make_table(MAX_DGRAMS, MAX_BYTES, MAX_LEN, SEC);
    static uint8_t payload[70000 + 1500];
    fill_pattern(payload, sizeof payload, 20);
    uint64_t seed = 0x5eed5eed5eedULL;
    sw_time_us now = T0;
    uint64_t completions = 0, legit_done = 0;

    for (int i = 0; i < 100000; i++) {
        if (i % 100 < 3) {
            /* a well-formed 3-fragment datagram amid the noise still completes */
            sw_ipfrag_key legit = key4(0x7f000001, 0x7f000002, (uint32_t)(i / 100));
            uint32_t off = (uint32_t)(i % 100) * 1000;
            const uint8_t *out = NULL;
            size_t out_len = 0;
            bool done = offer(t, &legit, payload, off, 1000, off < 2000, now, &out, &out_len);
            assert_int_equal(done, off == 2000);
            if (done) {
                legit_done++;
                assert_int_equal(out_len, 3000);
                assert_memory_equal(out, payload, 3000);
            }
            continue;
        }
        uint64_t r = rng_next(&seed);
        /* 4 sources x 8 ids x 2 protocols x 2 families: twice max_datagrams */
        sw_ipfrag_key k = (r & 1) ? key4((uint32_t)(r >> 8) % 4, 99, (uint32_t)(r >> 16) % 8)
                                  : key6((uint16_t)((r >> 8) % 4), 99, (uint32_t)(r >> 16) % 8);
        k.protocol = (uint8_t)((r >> 24) % 2 ? 17 : 6);
        /* mostly small offsets (so datagrams do complete), sometimes anywhere,
         * including past max_datagram_len */
        uint32_t off = (uint32_t)(rng_next(&seed) % (70000 / 8)) * 8;
        if (rng_next(&seed) % 4 != 0)
            off %= 4096;
        size_t len = (size_t)(rng_next(&seed) % 1501);
        bool more = rng_next(&seed) % 8 != 0;
        now += rng_next(&seed) % 200;
        if (rng_next(&seed) % 1000 == 0)
            now += 2 * SEC;              /* quiet spells let datagrams time out */
        const uint8_t *out = NULL;
        size_t out_len = 0;
        if (sw_ipfrag_add(t, &k, off, payload + off, len, more, now, &out, &out_len)) {
            completions++;
            assert_non_null(out);
            assert_true(out_len <= MAX_LEN);
            /* every fragment carries payload[off...], so any complete datagram,
             * whatever the overlaps, must equal the start of payload */
            assert_memory_equal(out, payload, out_len);
        }
        sw_ipfrag_stats s = stats_of(t);
        assert_true(s.active <= MAX_DGRAMS);
        assert_true(s.bytes_held <= MAX_BYTES);
    }
    sw_ipfrag_stats s = stats_of(t);
    assert_int_equal(s.fragments, 100000);
    assert_true(s.evicted > 0);
    assert_true(s.invalid > 0);
    assert_true(s.overlaps > 0);
    assert_true(s.timed_out > 0);
    assert_int_equal(legit_done, 1000);
    assert_true(s.reassembled >= legit_done);
    assert_true(completions > 0);
    sw_ipfrag_expire(t, now + SEC);
    s = stats_of(t);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.bytes_held, 0);
    sw_ipfrag_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_zero_limits_mean_default),
        cmocka_unit_test(test_in_order_v4),
        cmocka_unit_test(test_in_order_v6),
        cmocka_unit_test(test_reverse_order),
        cmocka_unit_test(test_random_permutation),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_overlap_first_wins),
        cmocka_unit_test(test_hole_then_expire),
        cmocka_unit_test(test_lazy_expiry),
        cmocka_unit_test(test_interleaved_ids),
        cmocka_unit_test(test_key_fields_separate),
        cmocka_unit_test(test_conflicting_end),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_zero_length_and_non_fragment),
        cmocka_unit_test(test_cap_max_datagrams),
        cmocka_unit_test(test_cap_max_bytes),
        cmocka_unit_test(test_too_many_holes),
        cmocka_unit_test(test_time_backwards),
        cmocka_unit_test(test_output_is_exact_payload),
        cmocka_unit_test(test_flood),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
