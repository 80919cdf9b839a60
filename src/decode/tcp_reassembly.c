/* TCP stream reassembly: per-connection, per-direction ordering of segments
 * by sequence number, feeding each direction's SIP framer in order.
 *
 * Design: connections live in a hash table (both directions hash alike) and
 * on one of two lists: an LRU list of open connections, expired by idleness,
 * and a FIFO of closed ones, kept briefly so late retransmissions are still
 * recognised as such. A segment ahead of a hole waits in a sorted per-direction
 * queue; the hole is skipped (and the framer resynchronised) when the queue
 * exceeds its cap or the hole is older than SW_TCP_HOLE_WAIT on the capture
 * clock. All buffered bytes count against one global cap. A stream whose
 * bytes are TLS goes, through the framer's TLS hook, to the connection's TLS
 * record layer (tls_record.c), which frames what it decrypts as SIP. */
#include "sipwatch/tcp_reassembly.h"

#include <stdlib.h>
#include <string.h>

#define SW_TCP_HOLE_WAIT (2 * SW_USEC_PER_SEC)
#define SW_TCP_MAX_JUMP (16u * 1024 * 1024)    /* a larger forward jump restarts the stream */

typedef struct ooo_segment {
    struct ooo_segment *next;
    uint32_t seq;
    uint32_t len;
    sw_time_us queued;
    uint8_t data[];
} ooo_segment;

typedef struct tcp_half {
    uint32_t next_seq;
    bool seq_known;
    bool fin;
    ooo_segment *ooo;
    size_t ooo_bytes;
    sw_framer framer;
} tcp_half;

typedef struct tcp_conn {
    sw_endpoint ep[2];              /* ep[0] sent the first segment seen */
    tcp_half half[2];               /* half[d] carries bytes from ep[d] to ep[1-d] */
    sw_time_us last_seen;
    sw_time_us closed_at;
    bool closed, carried_sip, tls;
    sw_tls_conn *tls_state;         /* record layer, once TLS bytes were seen */
    uint32_t hash;
    struct tcp_conn *hnext;
    struct tcp_conn *prev, *next;   /* on the open LRU list or the closed FIFO */
} tcp_conn;

typedef struct conn_list {
    tcp_conn *head, *tail;
} conn_list;

struct sw_tcp_table {
    sw_tcp_limits limits;
    size_t max_message_len;
    void (*deliver)(void *, const sw_payload *);
    void *user;
    void (*hep)(void *, const uint8_t *, size_t, const sw_payload *);
    void *hep_user;
    tcp_conn **buckets;
    size_t nbuckets;
    conn_list open, closed;
    size_t held;                    /* bytes buffered in ooo queues and framers */
    sw_tcp_stats stats;
    const sw_tls_keylog *keylog;
};

void sw_tcp_limits_default(sw_tcp_limits *l)
{
    l->max_connections = 65536;
    l->max_ooo_bytes_per_dir = 256 * 1024;
    l->max_total_bytes = 64u * 1024 * 1024;
    l->idle_timeout_us = 300 * SW_USEC_PER_SEC;
    l->closed_linger_us = 5 * SW_USEC_PER_SEC;
}

sw_tcp_table *sw_tcp_create(const sw_tcp_limits *limits, size_t max_message_len,
                            void (*deliver)(void *, const sw_payload *), void *user)
{
    sw_tcp_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    sw_tcp_limits_default(&t->limits);
    if (limits) {
        if (limits->max_connections) t->limits.max_connections = limits->max_connections;
        if (limits->max_ooo_bytes_per_dir) t->limits.max_ooo_bytes_per_dir = limits->max_ooo_bytes_per_dir;
        if (limits->max_total_bytes) t->limits.max_total_bytes = limits->max_total_bytes;
        if (limits->idle_timeout_us) t->limits.idle_timeout_us = limits->idle_timeout_us;
        if (limits->closed_linger_us) t->limits.closed_linger_us = limits->closed_linger_us;
    }
    t->max_message_len = max_message_len;
    t->deliver = deliver;
    t->user = user;
    t->nbuckets = 1024;
    while (t->nbuckets < t->limits.max_connections / 4 && t->nbuckets < (1u << 20))
        t->nbuckets *= 2;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    return t;
}

static void list_remove(conn_list *l, tcp_conn *c)
{
    if (c->prev) c->prev->next = c->next; else l->head = c->next;
    if (c->next) c->next->prev = c->prev; else l->tail = c->prev;
    c->prev = c->next = NULL;
}

static void list_append(conn_list *l, tcp_conn *c)
{
    c->next = NULL;
    c->prev = l->tail;
    if (l->tail) l->tail->next = c; else l->head = c;
    l->tail = c;
}

static uint32_t endpoint_hash(const sw_endpoint *e)
{
    /* FNV-1a over the address bytes and port. */
    uint32_t h = 2166136261u;
    size_t n = e->ip.family == 4 ? 4 : 16;
    for (size_t i = 0; i < n; i++)
        h = (h ^ e->ip.bytes[i]) * 16777619u;
    h = (h ^ (e->port & 0xff)) * 16777619u;
    h = (h ^ (e->port >> 8)) * 16777619u;
    return h;
}

static bool endpoint_equal(const sw_endpoint *a, const sw_endpoint *b)
{
    return a->port == b->port && sw_ip_equal(&a->ip, &b->ip);
}

static size_t half_held(const tcp_half *h)
{
    return h->ooo_bytes + sw_framer_held(&h->framer);
}

static size_t conn_held(const tcp_conn *c)
{
    return half_held(&c->half[0]) + half_held(&c->half[1]) + (c->tls_state ? sw_tls_conn_held(c->tls_state) : 0);
}

static void half_release(tcp_half *h)
{
    ooo_segment *s = h->ooo;
    while (s) {
        ooo_segment *n = s->next;
        free(s);
        s = n;
    }
    h->ooo = NULL;
    h->ooo_bytes = 0;
    sw_framer_release(&h->framer);
}

static void tls_env(sw_tcp_table *t, tcp_conn *c, sw_time_us ts, uint64_t frame, sw_tls_env *env);

static void framer_sink(sw_tcp_table *t, tcp_conn *c, int d, sw_time_us ts, uint64_t frame, sw_framer_sink *sink);

/* A HEP stream that ends inside a packet: the piece goes to be counted. */
static void hep_leftover(sw_tcp_table *t, tcp_conn *c)
{
    for (int d = 0; d < 2 && t->hep; d++) {
        sw_framer *f = &c->half[d].framer;
        if (f->mode == SW_FRAMER_HEP && f->len) {
            sw_framer_sink sink;
            framer_sink(t, c, d, c->last_seen, 0, &sink);
            t->hep(t->hep_user, f->buf, f->len, &sink.tmpl);
            f->len = 0;
        }
    }
}

static void conn_free(sw_tcp_table *t, tcp_conn *c)
{
    hep_leftover(t, c);
    if (c->tls_state) {
        /* Records still waiting for a key get a last try, then count as no key. */
        sw_tls_env env;
        tls_env(t, c, c->last_seen, 0, &env);
        size_t before = conn_held(c);
        uint64_t msgs = t->stats.framing.messages;
        sw_tls_conn_finish(c->tls_state, &env);
        t->held = t->held - before + conn_held(c);
        if (!c->carried_sip && t->stats.framing.messages != msgs) {
            c->carried_sip = true;
            t->stats.sip_connections++;
        }
    }
    tcp_conn **pp = &t->buckets[c->hash & (t->nbuckets - 1)];
    while (*pp && *pp != c)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = c->hnext;
    list_remove(c->closed ? &t->closed : &t->open, c);
    t->held -= conn_held(c);
    half_release(&c->half[0]);
    half_release(&c->half[1]);
    sw_tls_conn_destroy(c->tls_state);
    t->stats.active--;
    free(c);
}

static void framer_sink(sw_tcp_table *t, tcp_conn *c, int d, sw_time_us ts, uint64_t frame, sw_framer_sink *sink)
{
    memset(sink, 0, sizeof *sink);
    sink->tmpl.ts = ts;
    sink->tmpl.frame = frame;
    sink->tmpl.src = c->ep[d];
    sink->tmpl.dst = c->ep[1 - d];
    sink->tmpl.transport = SW_TRANSPORT_TCP;
    sink->deliver = t->deliver;
    sink->user = t->user;
    sink->stats = &t->stats.framing;
    sink->max_message_len = t->max_message_len;
    sink->hep = t->hep;
    sink->hep_user = t->hep_user;
}

void sw_tcp_set_hep(sw_tcp_table *t, void (*hep)(void *, const uint8_t *, size_t, const sw_payload *), void *user)
{
    t->hep = hep;
    t->hep_user = user;
}

/* The TLS record layer's view: keys, counters, and a sink per direction
 * whose messages are marked as decrypted (transport TLS). */
static void tls_env(sw_tcp_table *t, tcp_conn *c, sw_time_us ts, uint64_t frame, sw_tls_env *env)
{
    env->keylog = t->keylog;
    env->stats = &t->stats.tls;
    for (int d = 0; d < 2; d++) {
        framer_sink(t, c, d, ts, frame, &env->sink[d]);
        env->sink[d].tmpl.transport = SW_TRANSPORT_TLS;
    }
}

typedef struct tls_hook_ctx {
    sw_tcp_table *t;
    tcp_conn *c;
    int d;
    sw_time_us ts;
    uint64_t frame;
} tls_hook_ctx;

/* The framer found TLS: its bytes go to the connection's record layer. */
static void tls_hook(void *user, const uint8_t *data, size_t len)
{
    tls_hook_ctx *x = user;
    if (!x->c->tls_state && !(x->c->tls_state = sw_tls_conn_create(&x->t->stats.tls)))
        return;
    sw_tls_env env;
    tls_env(x->t, x->c, x->ts, x->frame, &env);
    sw_tls_conn_feed(x->c->tls_state, x->d, data, len, &env);
}

/* Bytes of direction d were lost: the framer (and TLS record layer) resync. */
static void half_gap(sw_tcp_table *t, tcp_conn *c, int d, sw_time_us ts, uint64_t frame)
{
    size_t held_before = conn_held(c);
    sw_framer_gap(&c->half[d].framer);
    if (c->tls_state) {
        sw_tls_env env;
        tls_env(t, c, ts, frame, &env);
        sw_tls_conn_gap(c->tls_state, d, &env);
    }
    t->held = t->held - held_before + conn_held(c);
}

/* Feeds in-order bytes of direction d to its framer, keeping the accounting. */
static void feed(sw_tcp_table *t, tcp_conn *c, int d, const uint8_t *data, size_t len,
                 sw_time_us ts, uint64_t frame)
{
    tcp_half *h = &c->half[d];
    sw_framer_sink sink;
    framer_sink(t, c, d, ts, frame, &sink);
    tls_hook_ctx hook = {t, c, d, ts, frame};
    sink.tls = tls_hook;
    sink.tls_user = &hook;
    uint64_t before = t->stats.framing.messages;
    size_t held_before = conn_held(c);
    sw_framer_feed(&h->framer, data, len, &sink);
    t->held = t->held - held_before + conn_held(c);
    if (!c->carried_sip && t->stats.framing.messages != before) {
        c->carried_sip = true;
        t->stats.sip_connections++;
    }
    if (h->framer.mode == SW_FRAMER_TLS) {
        t->stats.tls_segments++;
        if (!c->tls) {
            c->tls = true;
            t->stats.tls_connections++;
        }
    }
}

static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

/* Delivers queued segments that the in-order point has reached. */
static void drain(sw_tcp_table *t, tcp_conn *c, int d, sw_time_us ts, uint64_t frame)
{
    tcp_half *h = &c->half[d];
    while (h->ooo && seq_diff(h->ooo->seq, h->next_seq) <= 0) {
        ooo_segment *s = h->ooo;
        h->ooo = s->next;
        h->ooo_bytes -= s->len;
        t->held -= s->len;
        uint32_t skip = (uint32_t)(h->next_seq - s->seq);
        if (skip < s->len) {
            h->next_seq = s->seq + s->len;
            feed(t, c, d, s->data + skip, s->len - skip, ts, frame);
        }
        free(s);
    }
}

/* Gives up on the hole before the first queued segment. */
static void skip_hole(sw_tcp_table *t, tcp_conn *c, int d, sw_time_us ts, uint64_t frame)
{
    tcp_half *h = &c->half[d];
    if (!h->ooo)
        return;
    t->stats.gaps++;
    t->stats.gap_bytes += (uint32_t)(h->ooo->seq - h->next_seq);
    half_gap(t, c, d, ts, frame);
    h->next_seq = h->ooo->seq;
    drain(t, c, d, ts, frame);
}

static void queue_segment(sw_tcp_table *t, tcp_conn *c, int d, uint32_t seq,
                          const uint8_t *data, size_t len, sw_time_us ts)
{
    tcp_half *h = &c->half[d];
    ooo_segment **pp = &h->ooo;
    while (*pp && seq_diff((*pp)->seq, seq) < 0)
        pp = &(*pp)->next;
    if (*pp && (*pp)->seq == seq && (*pp)->len >= len) {
        t->stats.retransmissions++;     /* the same early segment again */
        return;
    }
    ooo_segment *s = malloc(sizeof *s + len);
    if (!s)
        return;
    s->seq = seq;
    s->len = (uint32_t)len;
    s->queued = ts;
    memcpy(s->data, data, len);
    s->next = *pp;
    *pp = s;
    h->ooo_bytes += len;
    t->held += len;
    t->stats.out_of_order++;
}

static tcp_conn *conn_lookup(sw_tcp_table *t, const sw_endpoint *src, const sw_endpoint *dst,
                             uint32_t hash, int *dir)
{
    for (tcp_conn *c = t->buckets[hash & (t->nbuckets - 1)]; c; c = c->hnext) {
        if (c->hash != hash)
            continue;
        if (endpoint_equal(&c->ep[0], src) && endpoint_equal(&c->ep[1], dst)) {
            *dir = 0;
            return c;
        }
        if (endpoint_equal(&c->ep[1], src) && endpoint_equal(&c->ep[0], dst)) {
            *dir = 1;
            return c;
        }
    }
    return NULL;
}

static void enforce_caps(sw_tcp_table *t, const tcp_conn *keep)
{
    while (t->stats.active > t->limits.max_connections || t->held > t->limits.max_total_bytes) {
        tcp_conn *victim = t->closed.head ? t->closed.head : t->open.head;
        if (!victim || victim == keep)
            break;
        if (!victim->closed)
            t->stats.evicted++;
        conn_free(t, victim);
    }
}

void sw_tcp_expire(sw_tcp_table *t, sw_time_us now)
{
    while (t->closed.head && t->closed.head->closed_at + t->limits.closed_linger_us < now)
        conn_free(t, t->closed.head);
    while (t->open.head && t->open.head->last_seen + t->limits.idle_timeout_us < now) {
        t->stats.expired++;
        conn_free(t, t->open.head);
    }
}

void sw_tcp_segment_add(sw_tcp_table *t, const sw_tcp_segment *seg)
{
    t->stats.segments++;
    sw_tcp_expire(t, seg->ts);

    uint32_t hash = endpoint_hash(&seg->src) ^ endpoint_hash(&seg->dst);
    int d = 0;
    tcp_conn *c = conn_lookup(t, &seg->src, &seg->dst, hash, &d);
    if (!c) {
        if (seg->len == 0 && !(seg->flags & SW_TCP_SYN))
            return;                     /* a bare ACK/FIN/RST of a connection we never saw */
        c = calloc(1, sizeof *c);
        if (!c)
            return;
        c->ep[0] = seg->src;
        c->ep[1] = seg->dst;
        c->hash = hash;
        c->hnext = t->buckets[hash & (t->nbuckets - 1)];
        t->buckets[hash & (t->nbuckets - 1)] = c;
        list_append(&t->open, c);
        t->stats.connections++;
        t->stats.active++;
        enforce_caps(t, c);
    }
    c->last_seen = seg->ts;
    if (!c->closed) {
        list_remove(&t->open, c);
        list_append(&t->open, c);
    }

    tcp_half *h = &c->half[d];
    if (seg->flags & SW_TCP_RST) {
        if (!c->closed) {
            list_remove(&t->open, c);
            c->closed = true;
            c->closed_at = seg->ts;
            list_append(&t->closed, c);
        }
        return;
    }

    uint32_t seq = seg->seq;
    if (seg->flags & SW_TCP_SYN) {
        if (!h->seq_known || seq_diff(seq + 1, h->next_seq) != 0) {
            if (h->seq_known && (h->ooo || h->framer.len))
                half_gap(t, c, d, seg->ts, seg->frame);
            h->next_seq = seq + 1;
            h->seq_known = true;
        }
        seq++;
    }

    if (seg->len > 0) {
        if (!h->seq_known) {
            /* Picked up mid-stream: start here; the framer finds the first start line. */
            h->next_seq = seq;
            h->seq_known = true;
        }
        int32_t off = seq_diff(seq, h->next_seq);
        if (off > (int32_t)SW_TCP_MAX_JUMP || off < -(int32_t)SW_TCP_MAX_JUMP) {
            /* Not this stream's sequence space any more (port reuse, garbage): restart. */
            t->stats.gaps++;
            half_gap(t, c, d, seg->ts, seg->frame);
            h->next_seq = seq;
            off = 0;
        }
        if (off <= 0) {
            size_t skip = (size_t)(-(int64_t)off);
            if (skip >= seg->len) {
                t->stats.retransmissions++;
            } else {
                h->next_seq = seq + (uint32_t)seg->len;
                feed(t, c, d, seg->data + skip, seg->len - skip, seg->ts, seg->frame);
                drain(t, c, d, seg->ts, seg->frame);
            }
        } else {
            queue_segment(t, c, d, seq, seg->data, seg->len, seg->ts);
        }
        if (h->ooo && (h->ooo_bytes > t->limits.max_ooo_bytes_per_dir ||
                       h->ooo->queued + SW_TCP_HOLE_WAIT < seg->ts))
            skip_hole(t, c, d, seg->ts, seg->frame);
    }

    if (seg->flags & SW_TCP_FIN)
        h->fin = true;
    if (c->half[0].fin && c->half[1].fin && !c->closed) {
        list_remove(&t->open, c);
        c->closed = true;
        c->closed_at = seg->ts;
        list_append(&t->closed, c);
    }
    enforce_caps(t, c);
}

void sw_tcp_finish(sw_tcp_table *t)
{
    /* Holes that never filled: deliver what lies beyond them. */
    conn_list *lists[2] = {&t->open, &t->closed};
    for (int l = 0; l < 2; l++)
        for (tcp_conn *c = lists[l]->head; c; c = c->next)
            for (int d = 0; d < 2; d++)
                while (c->half[d].ooo)
                    skip_hole(t, c, d, c->last_seen, 0);
    while (t->open.head)
        conn_free(t, t->open.head);
    while (t->closed.head)
        conn_free(t, t->closed.head);
}

void sw_tcp_destroy(sw_tcp_table *t)
{
    if (!t)
        return;
    /* No last try for held TLS records here: the receivers may be gone. */
    conn_list *lists[2] = {&t->open, &t->closed};
    for (int l = 0; l < 2; l++)
        for (tcp_conn *c = lists[l]->head; c; c = c->next) {
            sw_tls_conn_destroy(c->tls_state);
            c->tls_state = NULL;
        }
    while (t->open.head)
        conn_free(t, t->open.head);
    while (t->closed.head)
        conn_free(t, t->closed.head);
    free(t->buckets);
    free(t);
}

void sw_tcp_set_keylog(sw_tcp_table *t, const sw_tls_keylog *keylog)
{
    t->keylog = keylog;
}

void sw_tcp_get_stats(const sw_tcp_table *t, sw_tcp_stats *stats)
{
    *stats = t->stats;
    stats->bytes_held = t->held;
}
