/* IP fragment reassembly for the decode stage: collects IPv4/IPv6 fragments
 * per (family, src, dst, id, protocol) and hands back the contiguous payload
 * once every byte is present. All state lives in the sw_ipfrag_table, and the
 * datagram count, buffered bytes and age are bounded so that hostile traffic
 * costs at most the configured memory.
 *
 * Design:
 * - Datagram records come from a pool of max_datagrams entries allocated with
 *   the table (unused ones on a free list). They are found through a chained
 *   hash table whose hash is seeded per table, so a sender cannot aim many
 *   keys at one bucket without knowing the seed.
 * - Age list: doubly linked, oldest first. A new datagram is appended with the
 *   table clock (the latest capture time seen), so the list is ordered by
 *   first-fragment time and both expiry and eviction pop from its head.
 *   A timestamp going backwards by less than the timeout is treated as the
 *   latest time; a jump back further than that is a clock discontinuity, so
 *   everything in progress is dropped (as timed out) and the clock restarts.
 * - Holes: each datagram keeps its bytes at their offsets in a buffer that
 *   grows (geometrically, never past the known end or max_datagram_len) to
 *   the highest fragment end seen, plus a sorted array of disjoint,
 *   non-adjacent filled ranges [start, end). A fragment copies only into the
 *   gaps between the ranges it touches (first wins) and is merged with them;
 *   the datagram is complete once its end is known and the array holds the
 *   single range [0, end).
 * - bytes_held counts allocated buffer bytes, holes included: that is the
 *   memory a sender can make us hold, and it is what max_bytes caps.
 */
#include "sipwatch/ip_reassembly.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Disjoint filled ranges a datagram may have at once. Real fragmentation,
 * even reordered, stays far below this; beyond it the datagram is dropped as
 * invalid, which bounds the bookkeeping to 2 KiB per datagram. */
#define IPFRAG_MAX_RANGES 256
#define IPFRAG_INITIAL_RANGES 4

#define IPFRAG_DEFAULT_MAX_DATAGRAMS 1024
#define IPFRAG_DEFAULT_MAX_BYTES (8u * 1024u * 1024u)
#define IPFRAG_DEFAULT_MAX_DATAGRAM_LEN 65535
#define IPFRAG_DEFAULT_TIMEOUT_US (30 * SW_USEC_PER_SEC)

typedef struct ipfrag_range {
    uint32_t start, end;                /* filled bytes [start, end) */
} ipfrag_range;

/* Normalised key: unused address bytes are zero, so IPv4 keys that differ
 * only in bytes[4..15] of sw_ip_addr are the same datagram. */
typedef struct ipfrag_key {
    uint32_t id;
    uint8_t family;
    uint8_t protocol;
    uint8_t src[16];
    uint8_t dst[16];
} ipfrag_key;

typedef struct ipfrag_dgram {
    ipfrag_key key;
    uint64_t hash;
    struct ipfrag_dgram *hash_next;     /* bucket chain; free list when unused */
    struct ipfrag_dgram *older, *newer; /* age list */
    sw_time_us first_seen;              /* table clock at the first fragment */
    uint8_t *buf;                       /* payload bytes at their offsets */
    size_t buf_cap;                     /* allocated size, counted in bytes_held */
    ipfrag_range *ranges;               /* sorted, disjoint, non-adjacent */
    size_t nranges, ranges_cap;
    uint32_t end;                       /* total length, once end_known */
    bool end_known;
} ipfrag_dgram;

struct sw_ipfrag_table {
    sw_ipfrag_limits limits;
    sw_ipfrag_stats stats;
    uint64_t seed;
    ipfrag_dgram *pool;                 /* max_datagrams records */
    ipfrag_dgram *free_list;
    ipfrag_dgram **buckets;
    size_t bucket_mask;
    ipfrag_dgram *oldest, *newest;
    sw_time_us clock;                   /* latest capture time seen */
    bool clock_started;
    uint8_t *completed;                 /* buffer last handed out by sw_ipfrag_add */
};

void sw_ipfrag_limits_default(sw_ipfrag_limits *limits)
{
    limits->max_datagrams = IPFRAG_DEFAULT_MAX_DATAGRAMS;
    limits->max_bytes = IPFRAG_DEFAULT_MAX_BYTES;
    limits->max_datagram_len = IPFRAG_DEFAULT_MAX_DATAGRAM_LEN;
    limits->timeout_us = IPFRAG_DEFAULT_TIMEOUT_US;
}

/* ---- hashing and lookup ------------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Seeded, not cryptographic: each word goes through a full bijective mix
 * chained from the seed, so collisions depend on the unknown seed. */
static uint64_t hash_key(uint64_t seed, const ipfrag_key *k)
{
    uint64_t h = mix64(seed ^ ((uint64_t)k->id | (uint64_t)k->protocol << 32 |
                               (uint64_t)k->family << 40));
    h = mix64(h ^ load64(k->src));
    h = mix64(h ^ load64(k->src + 8));
    h = mix64(h ^ load64(k->dst));
    h = mix64(h ^ load64(k->dst + 8));
    return h;
}

static bool key_equal(const ipfrag_key *a, const ipfrag_key *b)
{
    return a->id == b->id && a->family == b->family && a->protocol == b->protocol &&
           memcmp(a->src, b->src, sizeof a->src) == 0 &&
           memcmp(a->dst, b->dst, sizeof a->dst) == 0;
}

static bool normalize_key(const sw_ipfrag_key *in, ipfrag_key *out)
{
    uint8_t family = in->src.family;
    if ((family != 4 && family != 6) || in->dst.family != family)
        return false;
    size_t alen = family == 4 ? 4 : 16;
    memset(out, 0, sizeof *out);
    out->id = in->id;
    out->family = family;
    out->protocol = in->protocol;
    memcpy(out->src, in->src.bytes, alen);
    memcpy(out->dst, in->dst.bytes, alen);
    return true;
}

static ipfrag_dgram *lookup(const sw_ipfrag_table *t, const ipfrag_key *k, uint64_t h)
{
    for (ipfrag_dgram *d = t->buckets[h & t->bucket_mask]; d; d = d->hash_next)
        if (d->hash == h && key_equal(&d->key, k))
            return d;
    return NULL;
}

/* ---- datagram lifecycle ------------------------------------------------ */

static void release(sw_ipfrag_table *t, ipfrag_dgram *d)
{
    ipfrag_dgram **pp = &t->buckets[d->hash & t->bucket_mask];
    while (*pp != d)
        pp = &(*pp)->hash_next;
    *pp = d->hash_next;

    if (d->older)
        d->older->newer = d->newer;
    else
        t->oldest = d->newer;
    if (d->newer)
        d->newer->older = d->older;
    else
        t->newest = d->older;

    t->stats.bytes_held -= d->buf_cap;
    t->stats.active--;
    free(d->buf);
    free(d->ranges);
    memset(d, 0, sizeof *d);
    d->hash_next = t->free_list;
    t->free_list = d;
}

static void drop(sw_ipfrag_table *t, ipfrag_dgram *d, uint64_t *counter)
{
    (*counter)++;
    release(t, d);
}

/* Evicts the oldest datagram other than `keep`; false if there is none. */
static bool evict_oldest(sw_ipfrag_table *t, const ipfrag_dgram *keep)
{
    ipfrag_dgram *victim = t->oldest;
    if (victim == keep && victim)
        victim = victim->newer;
    if (!victim)
        return false;
    drop(t, victim, &t->stats.evicted);
    return true;
}

static ipfrag_dgram *create_dgram(sw_ipfrag_table *t, const ipfrag_key *k, uint64_t h)
{
    while (!t->free_list)               /* pool exhausted: max_datagrams in progress */
        evict_oldest(t, NULL);
    ipfrag_dgram *d = t->free_list;
    t->free_list = d->hash_next;

    memset(d, 0, sizeof *d);
    d->key = *k;
    d->hash = h;
    d->first_seen = t->clock;
    ipfrag_dgram **bucket = &t->buckets[h & t->bucket_mask];
    d->hash_next = *bucket;
    *bucket = d;
    d->older = t->newest;
    if (t->newest)
        t->newest->newer = d;
    else
        t->oldest = d;
    t->newest = d;
    t->stats.active++;
    return d;
}

/* ---- clock and expiry -------------------------------------------------- */

static void expire_due(sw_ipfrag_table *t)
{
    while (t->oldest && t->clock - t->oldest->first_seen >= t->limits.timeout_us)
        drop(t, t->oldest, &t->stats.timed_out);
}

static void advance_clock(sw_ipfrag_table *t, sw_time_us now)
{
    if (!t->clock_started) {
        t->clock = now;
        t->clock_started = true;
    } else if (now > t->clock) {
        t->clock = now;
    } else if (t->clock - now > t->limits.timeout_us) {
        /* Time went back by more than the timeout: the ages we hold mean
         * nothing on the new clock, so drop them rather than keep them
         * until the clock catches up. */
        while (t->oldest)
            drop(t, t->oldest, &t->stats.timed_out);
        t->clock = now;
    }
    /* else: small step back, keep the latest time so the age list stays ordered */
    expire_due(t);
}

/* ---- buffer and filled ranges ------------------------------------------ */

static uint32_t filled_end(const ipfrag_dgram *d)
{
    return d->nranges ? d->ranges[d->nranges - 1].end : 0;
}

/* Index of the first range that touches or follows [a, ...): end >= a. */
static size_t first_touching(const ipfrag_dgram *d, uint32_t a)
{
    size_t lo = 0, hi = d->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->ranges[mid].end < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef enum { RANGES_OK, RANGES_TOO_MANY, RANGES_NO_MEMORY } ranges_status;

/* Makes sure merging [a, b) into the ranges has room for one more entry if
 * it touches none of them. */
static ranges_status reserve_range(ipfrag_dgram *d, uint32_t a, uint32_t b)
{
    size_t i = first_touching(d, a);
    bool touches = i < d->nranges && d->ranges[i].start <= b;
    if (touches || d->nranges < d->ranges_cap)
        return RANGES_OK;
    if (d->nranges >= IPFRAG_MAX_RANGES)
        return RANGES_TOO_MANY;
    size_t cap = d->ranges_cap ? d->ranges_cap * 2 : IPFRAG_INITIAL_RANGES;
    if (cap > IPFRAG_MAX_RANGES)
        cap = IPFRAG_MAX_RANGES;
    ipfrag_range *r = realloc(d->ranges, cap * sizeof *r);
    if (!r)
        return RANGES_NO_MEMORY;
    d->ranges = r;
    d->ranges_cap = cap;
    return RANGES_OK;
}

/* Grows the buffer to hold `need` bytes, evicting the oldest other datagrams
 * if that is what it takes to stay under max_bytes. False if it cannot. */
static bool grow_buffer(sw_ipfrag_table *t, ipfrag_dgram *d, size_t need)
{
    if (need <= d->buf_cap)
        return true;
    size_t max_bytes = t->limits.max_bytes;
    if (need > max_bytes)
        return false;
    while (t->stats.bytes_held - d->buf_cap + need > max_bytes)
        if (!evict_oldest(t, d))
            return false;

    /* Grow geometrically while the datagram's end is unknown, but only into
     * room that is already free: never evict for the extra. */
    size_t want = need;
    if (!d->end_known && d->buf_cap > 0) {
        size_t doubled = d->buf_cap * 2;
        if (doubled > t->limits.max_datagram_len)
            doubled = t->limits.max_datagram_len;
        if (doubled > want && t->stats.bytes_held - d->buf_cap + doubled <= max_bytes)
            want = doubled;
    } else if (d->end_known && d->end > want &&
               t->stats.bytes_held - d->buf_cap + d->end <= max_bytes) {
        want = d->end;
    }

    uint8_t *buf = realloc(d->buf, want);
    if (!buf)
        return false;
    t->stats.bytes_held += want - d->buf_cap;
    d->buf = buf;
    d->buf_cap = want;
    return true;
}

/* Copies the parts of [a, b) not already held (first wins) and merges the
 * range in. Requires reserve_range and grow_buffer to have succeeded.
 * Returns whether the fragment overlapped bytes already held. */
static bool fill_range(ipfrag_dgram *d, uint32_t a, uint32_t b, const uint8_t *data)
{
    size_t i = first_touching(d, a);
    size_t j = i;
    bool overlapped = false;
    uint32_t cur = a;
    while (j < d->nranges && d->ranges[j].start <= b) {
        const ipfrag_range *r = &d->ranges[j];
        if (r->start < b && r->end > a)
            overlapped = true;
        if (r->start > cur)
            memcpy(d->buf + cur, data + (cur - a), r->start - cur);
        if (r->end > cur)
            cur = r->end;
        j++;
    }
    if (cur < b)
        memcpy(d->buf + cur, data + (cur - a), b - cur);

    if (i == j) {                       /* touches nothing: insert at i */
        memmove(&d->ranges[i + 1], &d->ranges[i], (d->nranges - i) * sizeof d->ranges[0]);
        d->ranges[i].start = a;
        d->ranges[i].end = b;
        d->nranges++;
    } else {                            /* replace ranges i..j-1 by their union with [a, b) */
        uint32_t start = d->ranges[i].start < a ? d->ranges[i].start : a;
        uint32_t end = d->ranges[j - 1].end > b ? d->ranges[j - 1].end : b;
        d->ranges[i].start = start;
        d->ranges[i].end = end;
        memmove(&d->ranges[i + 1], &d->ranges[j], (d->nranges - j) * sizeof d->ranges[0]);
        d->nranges -= j - i - 1;
    }
    return overlapped;
}

static bool is_complete(const ipfrag_dgram *d)
{
    return d->end_known && d->nranges == 1 && d->ranges[0].start == 0 &&
           d->ranges[0].end == d->end;
}

/* ---- public API -------------------------------------------------------- */

sw_ipfrag_table *sw_ipfrag_create(const sw_ipfrag_limits *limits)
{
    sw_ipfrag_limits lim;
    sw_ipfrag_limits_default(&lim);
    if (limits) {
        if (limits->max_datagrams)
            lim.max_datagrams = limits->max_datagrams;
        if (limits->max_bytes)
            lim.max_bytes = limits->max_bytes;
        if (limits->max_datagram_len)
            lim.max_datagram_len = limits->max_datagram_len;
        if (limits->timeout_us)
            lim.timeout_us = limits->timeout_us;
    }
    if (lim.max_datagram_len > UINT32_MAX)  /* offsets and ranges are 32-bit */
        lim.max_datagram_len = UINT32_MAX;
    if (lim.max_datagrams > SIZE_MAX / 4 / sizeof(ipfrag_dgram))
        return NULL;

    size_t nbuckets = 16;
    while (nbuckets < lim.max_datagrams * 2)
        nbuckets *= 2;

    sw_ipfrag_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->limits = lim;
    t->pool = calloc(lim.max_datagrams, sizeof *t->pool);
    t->buckets = calloc(nbuckets, sizeof *t->buckets);
    if (!t->pool || !t->buckets) {
        free(t->pool);
        free(t->buckets);
        free(t);
        return NULL;
    }
    t->bucket_mask = nbuckets - 1;
    for (size_t i = lim.max_datagrams; i-- > 0;) {
        t->pool[i].hash_next = t->free_list;
        t->free_list = &t->pool[i];
    }
    if (getrandom(&t->seed, sizeof t->seed, GRND_NONBLOCK) != (ssize_t)sizeof t->seed)
        t->seed = mix64((uint64_t)(uintptr_t)t ^ (uint64_t)(uintptr_t)&lim);
    return t;
}

void sw_ipfrag_destroy(sw_ipfrag_table *table)
{
    if (!table)
        return;
    while (table->oldest)
        release(table, table->oldest);
    free(table->completed);
    free(table->pool);
    free(table->buckets);
    free(table);
}

bool sw_ipfrag_add(sw_ipfrag_table *table, const sw_ipfrag_key *key,
                   uint32_t offset, const uint8_t *data, size_t len, bool more,
                   sw_time_us now, const uint8_t **out, size_t *out_len)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!table)
        return false;
    sw_ipfrag_table *t = table;
    free(t->completed);                 /* the previous result is no longer valid */
    t->completed = NULL;
    t->stats.fragments++;
    advance_clock(t, now);

    ipfrag_key k;
    if (!key || (len > 0 && !data) || (len == 0 && more) || !normalize_key(key, &k)) {
        t->stats.invalid++;
        return false;
    }
    if (offset == 0 && !more) {
        /* Not a fragment at all: the whole payload is already here. */
        if (out)
            *out = data;
        if (out_len)
            *out_len = len;
        return true;
    }

    uint64_t h = hash_key(t->seed, &k);
    ipfrag_dgram *d = lookup(t, &k, h);
    size_t max_len = t->limits.max_datagram_len;
    if (len > max_len || offset > max_len - len) {
        t->stats.invalid++;
        if (d)
            release(t, d);
        return false;
    }
    uint32_t frag_end = (uint32_t)(offset + len);

    if (d) {
        bool conflict = more ? (d->end_known && frag_end > d->end)
                             : (d->end_known ? frag_end != d->end : frag_end < filled_end(d));
        if (conflict) {
            drop(t, d, &t->stats.invalid);
            return false;
        }
    } else {
        d = create_dgram(t, &k, h);
    }
    if (!more) {
        d->end_known = true;
        d->end = frag_end;
    }

    if (len > 0) {
        ranges_status rs = reserve_range(d, offset, frag_end);
        if (rs != RANGES_OK) {
            drop(t, d, rs == RANGES_TOO_MANY ? &t->stats.invalid : &t->stats.evicted);
            return false;
        }
        if (!grow_buffer(t, d, frag_end)) {
            drop(t, d, &t->stats.evicted);
            return false;
        }
        if (fill_range(d, offset, frag_end, data))
            t->stats.overlaps++;
    }

    if (!is_complete(d))
        return false;
    t->completed = d->buf;              /* keep the bytes past release() */
    d->buf = NULL;
    if (out)
        *out = t->completed;
    if (out_len)
        *out_len = d->end;
    t->stats.reassembled++;
    release(t, d);
    return true;
}

void sw_ipfrag_expire(sw_ipfrag_table *table, sw_time_us now)
{
    if (!table)
        return;
    free(table->completed);
    table->completed = NULL;
    advance_clock(table, now);
}

void sw_ipfrag_get_stats(const sw_ipfrag_table *table, sw_ipfrag_stats *stats)
{
    if (!table) {
        memset(stats, 0, sizeof *stats);
        return;
    }
    *stats = table->stats;
}
