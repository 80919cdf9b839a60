/* Correlator: flows by Call-ID and peers by address, built from parsed
 * messages in capture order, with the deadlines the rules judge.
 *
 * Design: flows live in a hash table, on an LRU list (for eviction when the
 * table is full) and in a min-heap ordered by their next wake-up time: the
 * earliest pending deadline (an unanswered transaction, a REFER awaiting its
 * NOTIFY) or, when nothing is pending, the time the flow is forgotten. Capture
 * time advancing pops due flows: a deadline becomes a DEADLINE event, an
 * expiry a FLOW_END event. Peers are a second, simpler table with an LRU
 * list and idle expiry. Nothing keeps a message: flows hold summaries. */
#include "sipwatch/correlate.h"
#include "sipwatch/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SW_WINDOW_BUCKET_US (5 * SW_USEC_PER_SEC)
#define SW_CLOCK_LEAP (24ULL * 3600 * SW_USEC_PER_SEC)    /* a day without a single SIP message */

typedef struct heap_entry {
    sw_time_us wake;
    sw_flow *flow;
} heap_entry;

struct sw_correlator {
    sw_correlate_config cfg;
    sw_event_fn on_event;
    void *user;
    sw_time_us now;
    /* flows */
    sw_flow **fbuckets;
    size_t nfbuckets;
    sw_flow *lru_head, *lru_tail;
    heap_entry *heap;               /* wake time kept beside the pointer: no cache miss per level */
    size_t heap_len, heap_cap;
    /* peers */
    sw_peer **pbuckets;
    size_t npbuckets;
    sw_peer *plru_head, *plru_tail;
    sw_correlate_stats stats;
    sw_minutes minutes;
    sw_orphan orphans[SW_ORPHANS];
    sw_time_us orphans_due;         /* earliest orphan deadline, 0 = none */
};

/* ---- small helpers ------------------------------------------------------- */

/* Counted in the pending_txns gauge: a request with no final response yet
 * whose timeout was not judged (ringing INVITEs included). */
static bool txn_pending(const sw_txn *t)
{
    return t->requests && !t->final_status && !t->timeout_settled;
}

static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    if (!s)
        return hash_bytes(h, "\x01", 1);
    h = hash_bytes(h, s, strlen(s));
    return hash_bytes(h, "\0", 1);
}

#define FNV_SEED 14695981039346656037ULL

static void copy_str(char *dst, size_t cap, const char *src)
{
    sw_copy_cut(dst, cap, src);
}

static uint64_t ip_hash(const sw_ip_addr *ip);

static bool endpoint_equal(const sw_endpoint *a, const sw_endpoint *b)
{
    return a->port == b->port && sw_ip_equal(&a->ip, &b->ip);
}

/* ---- sliding windows ------------------------------------------------------- */

static void window_add(sw_window *w, sw_time_us now)
{
    uint64_t b = now / SW_WINDOW_BUCKET_US;
    if (b > w->epoch) {
        uint64_t gap = b - w->epoch;
        if (gap >= SW_WINDOW_BUCKETS)
            memset(w->count, 0, sizeof w->count);
        else
            for (uint64_t i = 1; i <= gap; i++)
                w->count[(w->epoch + i) % SW_WINDOW_BUCKETS] = 0;
        w->epoch = b;
    }
    if (w->epoch - b < SW_WINDOW_BUCKETS)
        w->count[b % SW_WINDOW_BUCKETS]++;
}

uint32_t sw_window_sum(const sw_window *w, sw_time_us now)
{
    uint64_t nb = now / SW_WINDOW_BUCKET_US;
    uint32_t sum = 0;
    for (uint64_t i = 0; i < SW_WINDOW_BUCKETS; i++) {
        if (w->epoch < i)
            break;
        uint64_t b = w->epoch - i;
        if (b + SW_WINDOW_BUCKETS > nb)
            sum += w->count[b % SW_WINDOW_BUCKETS];
    }
    return sum;
}

/* ---- config ---------------------------------------------------------------- */

void sw_correlate_config_default(sw_correlate_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_flows = 50000;
    cfg->max_peers = 16384;
    cfg->t1 = 500 * 1000;
    cfg->txn_timeout = 64 * cfg->t1;
    cfg->refer_notify_timeout = 64 * cfg->t1;
    cfg->refer_final_timeout = 120 * SW_USEC_PER_SEC;
    cfg->completed_linger = 64 * cfg->t1;
    cfg->idle_timeout = 300 * SW_USEC_PER_SEC;
    cfg->dialog_idle_timeout = 7200 * SW_USEC_PER_SEC;
    cfg->peer_idle_timeout = 600 * SW_USEC_PER_SEC;
}

sw_correlator *sw_correlator_create(const sw_correlate_config *cfg, sw_event_fn on_event, void *user)
{
    sw_correlator *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (cfg)
        c->cfg = *cfg;
    else
        sw_correlate_config_default(&c->cfg);
    if (!c->cfg.max_flows)
        c->cfg.max_flows = 50000;
    if (!c->cfg.max_peers)
        c->cfg.max_peers = 16384;
    c->on_event = on_event;
    c->user = user;
    c->nfbuckets = 1024;
    while (c->nfbuckets < c->cfg.max_flows && c->nfbuckets < (1u << 22))
        c->nfbuckets *= 2;
    c->npbuckets = 256;
    while (c->npbuckets < c->cfg.max_peers && c->npbuckets < (1u << 20))
        c->npbuckets *= 2;
    c->fbuckets = calloc(c->nfbuckets, sizeof *c->fbuckets);
    c->pbuckets = calloc(c->npbuckets, sizeof *c->pbuckets);
    c->heap_cap = 1024;
    c->heap = malloc(c->heap_cap * sizeof *c->heap);
    if (!c->fbuckets || !c->pbuckets || !c->heap) {
        sw_correlator_destroy(c);
        return NULL;
    }
    return c;
}

/* ---- the wake-up heap ------------------------------------------------------ */

static void heap_swap(sw_correlator *c, size_t a, size_t b)
{
    heap_entry t = c->heap[a];
    c->heap[a] = c->heap[b];
    c->heap[b] = t;
    c->heap[a].flow->heap_index = a;
    c->heap[b].flow->heap_index = b;
}

static void heap_up(sw_correlator *c, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (c->heap[parent].wake <= c->heap[i].wake)
            break;
        heap_swap(c, i, parent);
        i = parent;
    }
}

static void heap_down(sw_correlator *c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->heap_len && c->heap[l].wake < c->heap[m].wake)
            m = l;
        if (r < c->heap_len && c->heap[r].wake < c->heap[m].wake)
            m = r;
        if (m == i)
            return;
        heap_swap(c, i, m);
        i = m;
    }
}

static bool heap_push(sw_correlator *c, sw_flow *f)
{
    if (c->heap_len == c->heap_cap) {
        heap_entry *nh = realloc(c->heap, 2 * c->heap_cap * sizeof *nh);
        if (!nh)
            return false;
        c->heap = nh;
        c->heap_cap *= 2;
    }
    f->heap_index = c->heap_len;
    c->heap[c->heap_len].wake = f->wake_at;
    c->heap[c->heap_len].flow = f;
    c->heap_len++;
    heap_up(c, f->heap_index);
    return true;
}

static void heap_remove(sw_correlator *c, sw_flow *f)
{
    size_t i = f->heap_index;
    c->heap_len--;
    if (i != c->heap_len) {
        heap_swap(c, i, c->heap_len);
        heap_down(c, i);
        heap_up(c, i);
    }
}

/* Sets the flow's wake-up time and restores the heap order. */
static void heap_set(sw_correlator *c, sw_flow *f, sw_time_us wake)
{
    f->wake_at = wake;
    c->heap[f->heap_index].wake = wake;
    heap_down(c, f->heap_index);
    heap_up(c, f->heap_index);
}

/* ---- orphaned transactions ---------------------------------------------------- */

static void minute_count_n(sw_correlator *c, int k, uint32_t n);
static void count_peer_timeouts(sw_correlator *c, const sw_ip_addr *server, uint32_t n, sw_time_us now);

static sw_orphan *orphan_slot(sw_correlator *c, const sw_endpoint *server, uint8_t method, bool create)
{
    sw_orphan *free_slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < SW_ORPHANS; i++) {
        sw_orphan *o = &c->orphans[i];
        if (o->evicted && o->method == method && o->server.port == server->port &&
            sw_ip_equal(&o->server.ip, &server->ip))
            return o;
        if (!o->evicted && !free_slot)
            free_slot = o;
        if (!o->unanswered && (!oldest || o->last_ts < oldest->last_ts))
            oldest = o;             /* a settled pair may be reused */
    }
    if (!create)
        return NULL;
    sw_orphan *o = free_slot ? free_slot : oldest;
    if (o)
        memset(o, 0, sizeof *o);
    return o;
}

/* A transaction leaves tracking while still waiting for its final response. */
static void orphan_add(sw_correlator *c, const sw_flow *f, const sw_txn *t)
{
    c->stats.txns_evicted_pending++;
    sw_orphan *o = orphan_slot(c, &t->server, t->method, true);
    if (!o) {
        c->stats.orphans_dropped++;
        return;
    }
    o->server = t->server;
    o->client = t->client;
    o->method = t->method;
    o->transport = t->transport;
    o->evicted++;
    if (!o->unanswered || t->first_ts < o->first_ts)
        o->first_ts = t->first_ts;
    if (t->first_ts > o->last_ts)
        o->last_ts = t->first_ts;
    o->unanswered++;
    copy_str(o->call_id, sizeof o->call_id, f->call_id);
    sw_time_us due = o->first_ts + c->cfg.txn_timeout;
    if (!c->orphans_due || due < c->orphans_due)
        c->orphans_due = due;
}

/* A final response whose request is unknown, from a server with orphans:
 * most likely the answer to one of them. */
static void orphan_answered(sw_correlator *c, const sw_sip_msg *m)
{
    sw_orphan *o = orphan_slot(c, &m->src, (uint8_t)m->cseq_method, false);
    if (o && o->unanswered)
        o->unanswered--;
}

static void orphans_judge(sw_correlator *c, sw_time_us now, bool at_end)
{
    sw_time_us next = 0;
    for (unsigned i = 0; i < SW_ORPHANS; i++) {
        sw_orphan *o = &c->orphans[i];
        if (!o->unanswered)
            continue;
        sw_time_us due = o->first_ts + c->cfg.txn_timeout;
        if (due <= now || at_end) {
            if (due <= now) {
                minute_count_n(c, SW_MIN_TIMEOUTS, o->unanswered);
                if (o->method == SW_METHOD_REGISTER)
                    minute_count_n(c, SW_MIN_REG_FAILED, o->unanswered);
                count_peer_timeouts(c, &o->server.ip, o->unanswered, now);
            }
            sw_event ev = {.kind = SW_EVENT_ORPHANS, .now = now, .orphan = o,
                           .end = due <= now ? SW_END_EXPIRED : SW_END_CAPTURE};
            if (c->on_event)
                c->on_event(c->user, &ev);
            o->unanswered = 0;
            continue;
        }
        if (!next || due < next)
            next = due;
    }
    c->orphans_due = next;
}

/* ---- flows ------------------------------------------------------------------ */

static void flow_lru_remove(sw_correlator *c, sw_flow *f)
{
    if (f->prev) f->prev->next = f->next; else c->lru_head = f->next;
    if (f->next) f->next->prev = f->prev; else c->lru_tail = f->prev;
    f->prev = f->next = NULL;
}

static void flow_lru_append(sw_correlator *c, sw_flow *f)
{
    f->prev = c->lru_tail;
    f->next = NULL;
    if (c->lru_tail) c->lru_tail->next = f; else c->lru_head = f;
    c->lru_tail = f;
}

static void flow_free(sw_correlator *c, sw_flow *f)
{
    sw_flow **pp = &c->fbuckets[f->hash & (c->nfbuckets - 1)];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    flow_lru_remove(c, f);
    heap_remove(c, f);
    if (f->dialog == SW_DIALOG_CONFIRMED)
        c->stats.active_dialogs--;
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++)
        if (txn_pending(&f->txns[i]))
            c->stats.pending_txns--;
    c->stats.active_flows--;
    free(f->auth[0]);
    free(f->auth[1]);
    free(f->refers);
    free(f->route);
    free(f->call_id);
    free(f);
}

static void emit_flow_end(sw_correlator *c, sw_flow *f, sw_flow_end why)
{
    sw_event ev = {.kind = SW_EVENT_FLOW_END, .now = c->now, .flow = f, .end = why};
    if (c->on_event)
        c->on_event(c->user, &ev);
}

static sw_flow *flow_lookup(sw_correlator *c, const char *call_id, uint64_t h)
{
    for (sw_flow *f = c->fbuckets[h & (c->nfbuckets - 1)]; f; f = f->hnext)
        if (f->hash == h && strcmp(f->call_id, call_id) == 0)
            return f;
    return NULL;
}

static sw_flow *flow_create(sw_correlator *c, const char *call_id, uint64_t h, sw_time_us now)
{
    while (c->stats.active_flows >= c->cfg.max_flows && c->lru_head) {
        sw_flow *victim = c->lru_head;
        c->stats.flows_evicted++;
        emit_flow_end(c, victim, SW_END_EVICTED);
        for (unsigned i = 0; i < SW_FLOW_TXNS; i++)
            if (sw_txn_awaits_final(&victim->txns[i]))
                orphan_add(c, victim, &victim->txns[i]);
        flow_free(c, victim);
    }
    sw_flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->call_id = strdup(call_id);
    if (!f->call_id) {
        free(f);
        return NULL;
    }
    f->hash = h;
    f->first_ts = f->last_ts = now;
    f->wake_at = now + c->cfg.idle_timeout;
    if (!heap_push(c, f)) {
        free(f->call_id);
        free(f);
        return NULL;
    }
    f->hnext = c->fbuckets[h & (c->nfbuckets - 1)];
    c->fbuckets[h & (c->nfbuckets - 1)] = f;
    flow_lru_append(c, f);
    c->stats.flows++;
    c->stats.active_flows++;
    return f;
}

/* The next moment something about the flow must be judged, or forgotten. */
static sw_time_us flow_next_wake(const sw_correlator *c, const sw_flow *f, bool *is_deadline)
{
    sw_time_us wake = 0;
    *is_deadline = false;
#define CONSIDER(t)                         \
    do {                                    \
        sw_time_us t_ = (t);                \
        if (!wake || t_ < wake) wake = t_;  \
    } while (0)
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++) {
        const sw_txn *t = &f->txns[i];
        if (sw_txn_awaits_final(t))
            CONSIDER(t->first_ts + c->cfg.txn_timeout);
        if (sw_txn_awaits_ack(t))
            CONSIDER(t->final_ts + c->cfg.txn_timeout);
    }
    for (unsigned i = 0; f->refers && i < f->nrefers; i++) {
        const sw_refer *r = &f->refers[i];
        if (r->state != SW_REFER_ACCEPTED)
            continue;
        if (!r->notifies && !r->no_notify_settled)
            CONSIDER(r->accepted_ts + c->cfg.refer_notify_timeout);
        else if (r->notifies && !r->final_ts && !r->stalled_settled)
            CONSIDER(r->last_notify_ts + c->cfg.refer_final_timeout);
    }
    if (wake)
        *is_deadline = true;
    sw_time_us expiry = f->last_ts + (f->completed ? c->cfg.completed_linger
                                      : f->dialog == SW_DIALOG_CONFIRMED ? c->cfg.dialog_idle_timeout
                                                                         : c->cfg.idle_timeout);
    if (!wake || expiry < wake) {
        /* Expiry waits for pending deadlines: only when none is earlier. */
        if (!wake) {
            wake = expiry;
            *is_deadline = false;
        }
    }
#undef CONSIDER
    return wake;
}

/* Moves the flow in the heap only when its wake-up comes earlier: a later
 * one is found when the old time pops (run_due re-inserts it then). */
static void flow_reschedule(sw_correlator *c, sw_flow *f)
{
    bool dl;
    sw_time_us wake = flow_next_wake(c, f, &dl);
    if (wake < f->wake_at)
        heap_set(c, f, wake);
}

/* Marks the deadlines that have passed as judged, and counts timeouts on peers. */
static sw_peer *peer_get(sw_correlator *c, const sw_ip_addr *ip, sw_time_us now);

static void settle_due(sw_correlator *c, sw_flow *f, sw_time_us now)
{
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++) {
        sw_txn *t = &f->txns[i];
        if (sw_txn_awaits_final(t) && t->first_ts + c->cfg.txn_timeout <= now) {
            t->timeout_settled = true;
            c->stats.pending_txns--;
        }
        if (sw_txn_awaits_ack(t) && t->final_ts + c->cfg.txn_timeout <= now)
            t->ack_settled = true;
    }
    for (unsigned i = 0; f->refers && i < f->nrefers; i++) {
        sw_refer *r = &f->refers[i];
        if (r->state != SW_REFER_ACCEPTED)
            continue;
        if (!r->notifies && !r->no_notify_settled && r->accepted_ts + c->cfg.refer_notify_timeout <= now)
            r->no_notify_settled = true;
        if (r->notifies && !r->final_ts && !r->stalled_settled && r->last_notify_ts + c->cfg.refer_final_timeout <= now)
            r->stalled_settled = true;
    }
}

static void minute_count(sw_correlator *c, sw_minute_counter k)
{
    c->minutes.current[k]++;
}

static void minute_count_n(sw_correlator *c, int k, uint32_t n)
{
    c->minutes.current[k] += n;
}

/* n transactions to `server` got no final response. */
static void count_peer_timeouts(sw_correlator *c, const sw_ip_addr *server, uint32_t n, sw_time_us now)
{
    sw_peer *p = peer_get(c, server, now);
    if (!p)
        return;
    for (uint32_t i = 0; i < n; i++)
        window_add(&p->timeouts, now);
    p->total_timeouts += n;
}

/* Linear counting: distinct items hashed into a bitmap of `bits` bits. */
static uint32_t distinct_estimate(const uint8_t *map, unsigned bits)
{
    unsigned zero = 0;
    for (unsigned i = 0; i < bits / 8; i++)
        zero += 8u - (unsigned)__builtin_popcount(map[i]);
    if (zero == 0)
        zero = 1;                   /* saturated: a lower bound */
    return (uint32_t)(-(double)bits * log((double)zero / bits) + 0.5);
}

uint32_t sw_minutes_refused_sources(const sw_minutes *m)
{
    return distinct_estimate(m->refused_sources, SW_MINUTE_SOURCE_BITS);
}

/* Closes the minutes the clock passed: each goes to the rules, then into the baseline. */
static void minute_roll(sw_correlator *c, sw_time_us now)
{
    uint64_t minute = now / (60 * SW_USEC_PER_SEC);
    sw_minutes *m = &c->minutes;
    if (!m->minute) {
        m->minute = minute;
        return;
    }
    unsigned steps = 0;
    while (m->minute < minute && steps++ < 10) {
        memcpy(m->closed, m->current, sizeof m->closed);
        memset(m->current, 0, sizeof m->current);
        m->closed_refused_sources = distinct_estimate(m->refused_sources, SW_MINUTE_SOURCE_BITS);
        memset(m->refused_sources, 0, sizeof m->refused_sources);
        sw_event ev = {.kind = SW_EVENT_MINUTE, .now = (m->minute + 1) * 60 * SW_USEC_PER_SEC, .minutes = m};
        if (c->on_event)
            c->on_event(c->user, &ev);
        for (int k = 0; k < SW_MIN_COUNT; k++)
            m->baseline[k] = m->history ? 0.9 * m->baseline[k] + 0.1 * m->closed[k] : m->closed[k];
        m->history++;
        m->minute++;
    }
    m->minute = minute;             /* a long silence: skip the empty minutes */
}

/* Counts, on the destination peers, the transactions whose deadline is due. */
static void count_timeouts(sw_correlator *c, sw_flow *f, sw_time_us now)
{
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++) {
        sw_txn *t = &f->txns[i];
        if (sw_txn_awaits_final(t) && t->first_ts + c->cfg.txn_timeout <= now) {
            minute_count(c, SW_MIN_TIMEOUTS);
            if (t->method == SW_METHOD_REGISTER)
                minute_count(c, SW_MIN_REG_FAILED);
            sw_peer *p = peer_get(c, &t->server.ip, now);
            if (p) {
                window_add(&p->timeouts, now);
                p->total_timeouts++;
            }
        }
    }
}

static void run_due(sw_correlator *c, sw_time_us now)
{
    while (c->heap_len && c->heap[0].wake <= now) {
        sw_flow *f = c->heap[0].flow;
        bool is_deadline;
        sw_time_us wake = flow_next_wake(c, f, &is_deadline);
        if (wake > now) {               /* stale heap position */
            heap_set(c, f, wake);
            continue;
        }
        if (is_deadline) {
            count_timeouts(c, f, now);
            sw_event ev = {.kind = SW_EVENT_DEADLINE, .now = now, .flow = f};
            if (c->on_event)
                c->on_event(c->user, &ev);
            settle_due(c, f, now);
            bool dl;
            sw_time_us next = flow_next_wake(c, f, &dl);
            heap_set(c, f, next > now ? next : now + 1);
        } else {
            c->stats.flows_expired++;
            emit_flow_end(c, f, SW_END_EXPIRED);
            flow_free(c, f);
        }
    }
}

/* ---- peers ------------------------------------------------------------------ */

static uint64_t ip_hash(const sw_ip_addr *ip)
{
    return hash_bytes(FNV_SEED, ip->bytes, ip->family == 4 ? 4 : 16) ^ ip->family;
}

static void peer_lru_remove(sw_correlator *c, sw_peer *p)
{
    if (p->prev) p->prev->next = p->next; else c->plru_head = p->next;
    if (p->next) p->next->prev = p->prev; else c->plru_tail = p->prev;
    p->prev = p->next = NULL;
}

static void peer_lru_append(sw_correlator *c, sw_peer *p)
{
    p->prev = c->plru_tail;
    p->next = NULL;
    if (c->plru_tail) c->plru_tail->next = p; else c->plru_head = p;
    c->plru_tail = p;
}

static void peer_free(sw_correlator *c, sw_peer *p)
{
    sw_peer **pp = &c->pbuckets[ip_hash(&p->ip) & (c->npbuckets - 1)];
    while (*pp && *pp != p)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = p->hnext;
    peer_lru_remove(c, p);
    c->stats.active_peers--;
    free(p);
}

static sw_peer *peer_get(sw_correlator *c, const sw_ip_addr *ip, sw_time_us now)
{
    if (!ip->family)
        return NULL;
    uint64_t h = ip_hash(ip);
    sw_peer *p = c->pbuckets[h & (c->npbuckets - 1)];
    while (p && !sw_ip_equal(&p->ip, ip))
        p = p->hnext;
    if (!p) {
        while (c->plru_head && (c->stats.active_peers >= c->cfg.max_peers ||
                                c->plru_head->last_ts + c->cfg.peer_idle_timeout < now)) {
            if (c->stats.active_peers >= c->cfg.max_peers)
                c->stats.peers_evicted++;
            peer_free(c, c->plru_head);
        }
        p = calloc(1, sizeof *p);
        if (!p)
            return NULL;
        p->ip = *ip;
        p->first_ts = now;
        p->hnext = c->pbuckets[h & (c->npbuckets - 1)];
        c->pbuckets[h & (c->npbuckets - 1)] = p;
        c->stats.peers++;
        c->stats.active_peers++;
    } else {
        peer_lru_remove(c, p);
    }
    p->last_ts = now;
    peer_lru_append(c, p);
    return p;
}

static void peer_note_user(sw_peer *p, const char *user, sw_time_us now)
{
    if (!user || !*user)
        return;
    uint64_t h = hash_str(FNV_SEED, user);
    for (unsigned i = 0; i < SW_PEER_USERS; i++)
        if (p->user_hash[i] == h)
            return;
    p->user_hash[p->user_next++ % SW_PEER_USERS] = h;
    window_add(&p->users_tried, now);
}

/* ---- transactions ------------------------------------------------------------ */


static uint8_t txn_method(const sw_sip_msg *m)
{
    /* The ACK to a non-2xx final belongs to the INVITE transaction (RFC 3261 §17.1.1.3). */
    uint8_t method = m->is_request ? (uint8_t)m->method : (uint8_t)m->cseq_method;
    return method == SW_METHOD_ACK ? SW_METHOD_INVITE : method;
}

static uint64_t txn_key(const sw_sip_msg *m)
{
    uint64_t h = FNV_SEED;
    uint8_t method = txn_method(m);
    const char *method_name = method == SW_METHOD_OTHER ? m->cseq_method_name : NULL;
    h = hash_bytes(h, &method, 1);
    h = hash_str(h, method_name);
    /* RFC 3261 §17.1.3: branch and method. Not the sent-by: NAT helpers and
     * SIP ALGs rewrite the Via of responses (port 5260 -> 5860;rport=5260). */
    if (m->via_branch && strncmp(m->via_branch, "z9hG4bK", 7) == 0)
        return hash_str(h, m->via_branch);
    /* RFC 2543 peers: the branch is not unique; add sent-by, dialog and CSeq. */
    h = hash_str(h, m->via_host);
    h = hash_bytes(h, &m->via_port, sizeof m->via_port);
    h = hash_str(h, m->via_branch);
    h = hash_str(h, m->call_id);
    h = hash_str(h, m->from_tag);
    return hash_bytes(h, &m->cseq, sizeof m->cseq);
}

static uint64_t cred_fingerprint(const sw_sip_msg *m)
{
    if (!m->credentials.present)
        return 0;
    uint64_t h = FNV_SEED;
    h = hash_str(h, m->credentials.username);
    h = hash_str(h, m->credentials.realm);
    h = hash_str(h, m->credentials.nonce);
    h = hash_str(h, m->credentials.uri);
    h = hash_str(h, m->credentials.response);
    h = hash_bytes(h, &m->credentials.proxy, 1);
    return h ? h : 1;
}

static sw_txn *txn_find(sw_flow *f, uint64_t key)
{
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++)
        if (f->txns[i].key == key && (f->txns[i].requests || f->txns[i].final_status || f->txns[i].provisional))
            return &f->txns[i];
    return NULL;
}

static sw_txn *txn_new(sw_correlator *c, sw_flow *f, uint64_t key)
{
    sw_txn *t = &f->txns[f->txn_next++ % SW_FLOW_TXNS];
    if (sw_txn_awaits_final(t))
        orphan_add(c, f, t);
    if (txn_pending(t))
        c->stats.pending_txns--;
    memset(t, 0, sizeof *t);
    t->key = key;
    return t;
}

/* ---- evidence --------------------------------------------------------------- */

static void evidence_push(sw_flow *f, const sw_sip_msg *m, uint8_t flags)
{
    sw_evidence *e = &f->evidence[f->ev_next++ % SW_FLOW_EVIDENCE];
    if (f->ev_count < SW_FLOW_EVIDENCE)
        f->ev_count++;
    e->ts = m->ts;
    e->frame = m->frame;
    e->src = m->src;
    e->dst = m->dst;
    e->cseq = m->cseq;
    e->status = (uint16_t)(m->is_request ? 0 : m->status);
    e->method = (uint8_t)(m->is_request ? m->method : m->cseq_method);
    e->flags = flags;
    e->transport = (uint8_t)m->transport;
    e->sipfrag = (uint8_t)(m->sipfrag_status / 10);
}

unsigned sw_flow_evidence(const sw_flow *f, sw_evidence *out, unsigned max)
{
    unsigned n = f->ev_count < max ? f->ev_count : max;
    unsigned start = f->ev_next - n;
    for (unsigned i = 0; i < n; i++)
        out[i] = f->evidence[(start + i) % SW_FLOW_EVIDENCE];
    return n;
}

/* ---- digest authentication ------------------------------------------------------ */

static sw_auth_track *auth_track(sw_flow *f, int kind)
{
    if (!f->auth[kind])
        f->auth[kind] = calloc(1, sizeof *f->auth[kind]);
    return f->auth[kind];
}

void sw_auth_window(const sw_auth_track *a, sw_time_us now, sw_time_us window,
                    uint32_t *challenges, uint32_t *rejected, uint32_t *stale)
{
    uint32_t ch = 0, rj = 0, st = 0;
    unsigned n = a->challenges < SW_AUTH_RING ? a->challenges : SW_AUTH_RING;
    for (unsigned i = 0; i < n; i++) {
        const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
        if (at->ts + window < now || at->ts <= a->success_ts)
            continue;       /* out of the window, or before the last success */
        ch++;
        if (at->stale)
            st++;
        else if (at->rejected)
            rj++;
    }
    *challenges = ch;
    *rejected = rj;
    *stale = st;
}

unsigned sw_auth_window_accounts(const sw_auth_track *a, sw_time_us now, sw_time_us window, const char *out[],
                                 unsigned max)
{
    unsigned n = a->challenges < SW_AUTH_RING ? a->challenges : SW_AUTH_RING, count = 0;
    /* The accounts whose credentials were refused make the loop; only when
     * none was, the accounts merely challenged. */
    for (int pass = 0; pass < 2 && count == 0; pass++) {
        for (unsigned i = n; i-- > 0 && count < max;) {      /* oldest first */
            const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
            if (at->ts + window < now || at->ts <= a->success_ts || !a->accounts[at->account][0])
                continue;
            if (pass == 0 && !at->rejected)
                continue;
            const char *acct = a->accounts[at->account];
            bool seen = false;
            for (unsigned k = 0; k < count; k++)
                seen |= out[k] == acct;
            if (!seen)
                out[count++] = acct;
        }
    }
    return count;
}

/* The account a request authenticates for: "user@host" of the To AOR for a
 * REGISTER, of From otherwise. Returns its slot in the track's accounts. */
static uint8_t auth_account(sw_auth_track *a, const sw_sip_msg *m)
{
    bool reg = m->cseq_method == SW_METHOD_REGISTER;
    const char *user = reg ? m->to_user : m->from_user, *host = reg ? m->to_host : m->from_host;
    char label[SW_AUTH_ACCOUNT_LEN];
    snprintf(label, sizeof label, "%s%s%s", user ? user : "", user && host ? "@" : "", host ? host : "");
    for (unsigned i = 0; i < SW_AUTH_ACCOUNTS; i++)
        if (strcmp(a->accounts[i], label) == 0)
            return (uint8_t)i;
    uint8_t slot = (uint8_t)(a->account_next++ % SW_AUTH_ACCOUNTS);
    memcpy(a->accounts[slot], label, sizeof label);
    return slot;
}

static void note_credentials(sw_flow *f, const sw_sip_msg *m)
{
    if (!m->credentials.present)
        return;
    sw_auth_track *a = auth_track(f, m->credentials.proxy ? 1 : 0);
    if (!a)
        return;
    copy_str(a->username, sizeof a->username, m->credentials.username);
    copy_str(a->cred_realm, sizeof a->cred_realm, m->credentials.realm);
    copy_str(a->last_nonce, sizeof a->last_nonce, m->credentials.nonce);
}

/* A 401/407: records the challenged attempt. Returns the track, and whether
 * the attempt is new (not a copy, another hop, or a retransmission). */
static sw_auth_track *note_challenge(sw_flow *f, const sw_sip_msg *m, const sw_txn *t, sw_time_us now, bool *is_new)
{
    int kind = m->status == 407 ? 1 : 0;
    sw_auth_track *a = auth_track(f, kind);
    *is_new = false;
    if (!a)
        return NULL;
    uint32_t cseq = m->cseq;
    uint64_t fp = t ? t->cred_fp : 0;
    unsigned n = a->challenges < SW_AUTH_RING ? a->challenges : SW_AUTH_RING;
    for (unsigned i = 0; i < n; i++) {
        const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
        if (at->cseq == cseq && at->cred_fp == fp)
            return a;
    }
    *is_new = true;
    bool had_creds = t && (kind ? t->proxy_credentials : t->credentials);
    uint64_t nonce_hash = had_creds && a->last_nonce[0] ? hash_str(FNV_SEED, a->last_nonce) : 0;
    if (had_creds && nonce_hash) {
        for (unsigned i = 0; i < n; i++) {
            const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
            if (at->rejected && at->nonce_hash == nonce_hash) {
                a->nonce_reused = true;
                break;
            }
        }
    }
    if (had_creds && nonce_hash && a->challenge_nonce && nonce_hash != a->challenge_nonce)
        a->nonce_ignored = true;
    sw_auth_attempt *at = &a->ring[a->ring_next++ % SW_AUTH_RING];
    at->ts = now;
    at->cseq = cseq;
    at->cred_fp = fp;
    at->nonce_hash = nonce_hash;
    at->rejected = had_creds;
    at->stale = m->challenge.stale;
    at->account = auth_account(a, m);
    a->challenges++;
    if (at->stale)
        a->stale++;
    else if (had_creds)
        a->rejected++;
    if (!a->first_ts)
        a->first_ts = now;
    a->last_ts = now;
    a->method = (uint8_t)m->cseq_method;
    a->client = m->dst;
    a->challenger = m->src;
    a->success_after = false;
    copy_str(a->realm, sizeof a->realm, m->challenge.realm);
    if (m->challenge.nonce) {
        char trimmed[sizeof a->last_nonce];
        copy_str(trimmed, sizeof trimmed, m->challenge.nonce);
        a->challenge_nonce = hash_str(FNV_SEED, trimmed);
    }
    if (had_creds && a->cred_realm[0] && a->realm[0] && strcmp(a->cred_realm, a->realm) != 0)
        a->realm_mismatch = true;
    return a;
}

/* ---- REFER subscriptions ------------------------------------------------------ */

static sw_refer *refer_by_id(sw_flow *f, uint32_t id)
{
    for (unsigned i = 0; f->refers && i < f->nrefers; i++)
        if (f->refers[i].id == id)
            return &f->refers[i];
    return NULL;
}

static bool tags_match(const sw_refer *r, const sw_sip_msg *m)
{
    const char *a = m->from_tag ? m->from_tag : "", *b = m->to_tag ? m->to_tag : "";
    if (!r->tags[0][0] && !r->tags[1][0])
        return true;
    bool a_in = strcmp(a, r->tags[0]) == 0 || strcmp(a, r->tags[1]) == 0;
    bool b_in = !r->tags[1][0] || strcmp(b, r->tags[0]) == 0 || strcmp(b, r->tags[1]) == 0;
    return a_in && b_in;
}

static sw_refer *refer_add(sw_flow *f, const sw_sip_msg *m, sw_time_us now)
{
    if (!f->refers) {
        f->refers = calloc(SW_FLOW_REFERS, sizeof *f->refers);
        if (!f->refers)
            return NULL;
    }
    sw_refer *r;
    if (f->nrefers < SW_FLOW_REFERS) {
        r = &f->refers[f->nrefers++];
    } else {
        /* Full: reuse the oldest one that is over, else the oldest. */
        r = &f->refers[0];
        for (unsigned i = 0; i < SW_FLOW_REFERS; i++)
            if (f->refers[i].state != SW_REFER_ACCEPTED || f->refers[i].final_ts) {
                r = &f->refers[i];
                break;
            }
    }
    memset(r, 0, sizeof *r);
    r->id = m->cseq;
    r->refer_ts = now;
    r->referrer = m->src;
    r->referee = m->dst;
    copy_str(r->tags[0], sizeof r->tags[0], m->from_tag);
    copy_str(r->tags[1], sizeof r->tags[1], m->to_tag);
    copy_str(r->refer_to, sizeof r->refer_to, m->refer_to);
    return r;
}

static sw_refer *refer_for_notify(sw_flow *f, const sw_sip_msg *m)
{
    if (!f->refers)
        return NULL;
    if (m->event_id) {
        char *end;
        unsigned long id = strtoul(m->event_id, &end, 10);
        if (*end == '\0') {
            sw_refer *r = refer_by_id(f, (uint32_t)id);
            if (r && tags_match(r, m))
                return r;
        }
        return NULL;
    }
    /* No id: the first REFER of the dialog (RFC 3515 §2.4.6). */
    for (unsigned i = 0; i < f->nrefers; i++)
        if (tags_match(&f->refers[i], m))
            return &f->refers[i];
    return NULL;
}

/* A response to a NOTIFY of a refer subscription: the transferor accepted
 * or rejected the transferee's report. Returns the subscription, or NULL. */
static sw_refer *note_notify_answer(sw_flow *f, const sw_sip_msg *m, sw_time_us now, bool retransmission)
{
    for (unsigned i = 0; f->refers && i < f->nrefers; i++) {
        sw_refer *r = &f->refers[i];
        bool ours = false;
        for (unsigned k = 0; k < 4 && k < r->notify_next; k++)
            ours |= r->notify_cseq[k] == m->cseq;
        if (!ours)
            continue;
        if (retransmission)
            return r;
        if (m->status < 300) {
            r->notifies_accepted++;
            r->last_accept_ts = now;
        } else if (m->status != 401 && m->status != 407) {
            r->notifies_rejected++;
            r->reject_status = (uint16_t)m->status;
            r->reject_cseq = m->cseq;
            r->reject_ts = now;
            copy_str(r->reject_reason, sizeof r->reject_reason, m->reason);
        }
        return r;
    }
    return NULL;
}

/* ---- the message path ---------------------------------------------------------- */

/* Records where an INVITE's final response and its ACK must travel, from a
 * retransmitted final response (it carries the INVITE's Via): only a flow
 * whose ACK may be missing pays for it. */
static void note_invite_route(sw_flow *f, const sw_sip_msg *m)
{
    if (m->is_request || m->cseq_method != SW_METHOD_INVITE || m->status < 200)
        return;
    if (!f->route && !(f->route = calloc(1, sizeof *f->route)))
        return;
    sw_invite_route *r = f->route;
    char via[sizeof r->via];
    if (m->via_port)
        snprintf(via, sizeof via, "%s:%u", m->via_host ? m->via_host : "?", m->via_port);
    else
        snprintf(via, sizeof via, "%s", m->via_host ? m->via_host : "?");
    copy_str(r->via, sizeof r->via, via);
    r->via_rport = m->via_rport;
    copy_str(r->contact, sizeof r->contact, m->contact);
    copy_str(r->record_route, sizeof r->record_route, m->record_route);
}

static void update_completed(sw_flow *f)
{
    bool pending = false;
    for (unsigned i = 0; i < SW_FLOW_TXNS; i++) {
        const sw_txn *t = &f->txns[i];
        if ((txn_pending(t) && t->method != SW_METHOD_ACK) || sw_txn_awaits_ack(t))
            pending = true;
    }
    for (unsigned i = 0; f->refers && i < f->nrefers; i++) {
        const sw_refer *r = &f->refers[i];
        if (r->state == SW_REFER_SENT || (r->state == SW_REFER_ACCEPTED && !r->final_ts))
            pending = true;
    }
    /* Credentials rejected and no success yet: the UA may retry after its
     * own back-off; wait for the idle timeout before judging it gave up. */
    for (int k = 0; k < 2; k++)
        if (f->auth[k] && f->auth[k]->rejected && !f->auth[k]->success_after)
            pending = true;
    bool dialog_open = f->dialog == SW_DIALOG_TRYING || f->dialog == SW_DIALOG_CONFIRMED;
    f->completed = !pending && !dialog_open;
}

/* A capture whose clock leaps forward (a broken timestamp, a host whose
 * clock was reset) would make every pending deadline look missed. Deadlines
 * that the leap crosses are settled without being judged, and counted. */
static void clock_leap(sw_correlator *c, sw_time_us now)
{
    c->stats.clock_jumps++;
    for (size_t i = 0; i < c->heap_len; i++) {
        sw_flow *f = c->heap[i].flow;
        settle_due(c, f, now);
        f->last_ts = now;           /* idle time restarts after the leap */
        bool dl;
        f->wake_at = c->heap[i].wake = flow_next_wake(c, f, &dl);
    }
    for (size_t i = c->heap_len; i-- > 0;)
        heap_down(c, i);
}

void sw_correlate_advance(sw_correlator *c, sw_time_us now)
{
    if (c->now && now > c->now + SW_CLOCK_LEAP)
        clock_leap(c, now);
    if (now > c->now)
        c->now = now;
    run_due(c, c->now);
    if (c->orphans_due && c->orphans_due <= c->now)
        orphans_judge(c, c->now, false);
    minute_roll(c, c->now);
}

void sw_correlate_message(sw_correlator *c, const sw_sip_msg *m)
{
    /* All timing uses the correlator's clock, which never goes backwards;
     * evidence keeps each message's own timestamp. */
    sw_correlate_advance(c, m->ts);
    sw_time_us now = c->now;
    c->stats.messages++;

    sw_event ev = {.kind = SW_EVENT_MESSAGE, .now = now, .msg = m, .minutes = &c->minutes};
    ev.src_peer = peer_get(c, &m->src.ip, now);
    ev.dst_peer = peer_get(c, &m->dst.ip, now);

    if (!m->call_id || !m->has_cseq) {
        c->stats.uncorrelated++;
        if (m->is_request && ev.src_peer)
            window_add(&ev.src_peer->requests_sent, now);
        if (c->on_event)
            c->on_event(c->user, &ev);
        return;
    }

    uint64_t h = hash_str(FNV_SEED, m->call_id);
    sw_flow *f = flow_lookup(c, m->call_id, h);
    if (!f) {
        f = flow_create(c, m->call_id, h, now);
        if (!f) {
            c->stats.uncorrelated++;
            return;
        }
    }
    ev.flow = f;
    f->last_ts = now;
    f->messages++;
    flow_lru_remove(c, f);
    flow_lru_append(c, f);
    if (m->is_request && !f->first_method) {
        f->first_method = (uint8_t)m->method;
        f->client = m->src;
        f->server = m->dst;
        copy_str(f->from_user, sizeof f->from_user, m->from_user);
        copy_str(f->from_host, sizeof f->from_host, m->from_host);
        copy_str(f->to_user, sizeof f->to_user, m->to_user);
        copy_str(f->to_host, sizeof f->to_host, m->to_host);
    }
    if (m->is_request && m->user_agent && endpoint_equal(&m->src, &f->client))
        copy_str(f->user_agent, sizeof f->user_agent, m->user_agent);

    /* Transaction. */
    uint8_t flags = 0;
    uint64_t key = txn_key(m);
    sw_txn *t = txn_find(f, key);
    bool ack = m->is_request && m->method == SW_METHOD_ACK;
    if (m->is_request && !ack) {
        uint64_t fp = cred_fingerprint(m);
        if (t && t->requests && t->cred_fp == fp) {
            ev.retransmission = true;
            ev.duplicate = now - t->last_request_ts < SW_DUPLICATE_WINDOW;
            t->requests++;
            t->last_request_ts = now;
        } else {
            /* New, or the same branch and CSeq with other credentials: a new attempt. */
            if (t && txn_pending(t))
                c->stats.pending_txns--;
            if (!t)
                t = txn_new(c, f, key);
            else
                memset(t, 0, sizeof *t), t->key = key;
            t->method = (uint8_t)m->method;
            t->transport = (uint8_t)m->transport;
            t->cseq = m->cseq;
            t->first_ts = t->last_request_ts = now;
            t->client = m->src;
            t->server = m->dst;
            t->requests = 1;
            t->cred_fp = fp;
            t->credentials = m->credentials.present && !m->credentials.proxy;
            t->proxy_credentials = m->credentials.present && m->credentials.proxy;
            c->stats.pending_txns++;
        }
        if (m->credentials.present)
            flags |= SW_EVF_CREDENTIALS;
        note_credentials(f, m);
    } else if (ack) {
        /* The ACK (for a 2xx it has its own branch) completes the INVITE with its CSeq. */
        for (unsigned i = 0; i < SW_FLOW_TXNS; i++)
            if (f->txns[i].method == SW_METHOD_INVITE && f->txns[i].cseq == m->cseq)
                f->txns[i].acked = true;
        if (m->credentials.present)
            flags |= SW_EVF_CREDENTIALS;
    } else if (!m->is_request) {
        if (!t) {
            /* A response whose request we did not see: track it, expecting nothing. */
            if (m->status >= 200)
                orphan_answered(c, m);
            t = txn_new(c, f, key);
            t->method = (uint8_t)m->cseq_method;
            t->transport = (uint8_t)m->transport;
            t->cseq = m->cseq;
            t->first_ts = now;
            t->client = m->dst;
            t->server = m->src;
        }
        if (m->status >= 200) {
            if (t->final_status == m->status) {
                ev.retransmission = true;
                ev.duplicate = now - t->last_final_ts < SW_DUPLICATE_WINDOW;
                t->finals++;
            } else {
                if (txn_pending(t))
                    c->stats.pending_txns--;
                t->final_status = (uint16_t)m->status;
                t->final_ts = now;
                t->finals = 1;
            }
            t->last_final_ts = now;
        } else {
            if (t->provisional == m->status && t->final_status == 0)
                ev.retransmission = ev.duplicate = true;    /* 1xx are not retransmitted by UDP timers */
            t->provisional = (uint16_t)m->status;
        }
    }
    ev.txn = ack ? NULL : t;
    if (ev.retransmission) {
        flags |= ev.duplicate ? SW_EVF_DUPLICATE : SW_EVF_RETRANSMISSION;
        if (ev.duplicate)
            c->stats.duplicates++;
        else
            c->stats.retransmissions++;
    }

    /* Peers. */
    if (m->is_request && !ack && ev.src_peer) {
        sw_peer *p = ev.src_peer;
        if (ev.retransmission) {
            if (!ev.duplicate)
                window_add(&p->retransmissions, now);
        } else {
            window_add(&p->requests_sent, now);
            minute_count(c, SW_MIN_REQUESTS);
            if (m->method == SW_METHOD_REGISTER)
                minute_count(c, SW_MIN_REGISTERS);
            p->total_requests++;
            /* The identity it claims: one for a phone, many for a scanner. */
            peer_note_user(p, m->from_user ? m->from_user : m->to_user, now);
        }
        if (m->user_agent)
            copy_str(p->user_agent, sizeof p->user_agent, m->user_agent);
    }
    if (!m->is_request && m->status >= 200 && !ev.retransmission) {
        if (m->status >= 500 && m->status < 600)
            minute_count(c, SW_MIN_5XX);
        if (m->cseq_method == SW_METHOD_REGISTER) {
            if (m->status < 300)
                minute_count(c, SW_MIN_REG_OK);
            else if (m->status != 401 && m->status != 407)
                minute_count(c, SW_MIN_REG_FAILED);
            if (m->status == 401 || m->status == 407 || m->status == 403 || m->status == 404) {
                minute_count(c, SW_MIN_REG_REFUSED);
                uint64_t bit = ip_hash(&m->dst.ip) % SW_MINUTE_SOURCE_BITS;
                c->minutes.refused_sources[bit / 8] |= (uint8_t)(1u << (bit % 8));
            }
        }
        if (ev.src_peer) {
            window_add(&ev.src_peer->finals_sent, now);
            if (m->status >= 500 && m->status < 600) {
                window_add(&ev.src_peer->errors_5xx, now);
                ev.src_peer->total_5xx++;
                ev.src_peer->last_5xx = (uint16_t)m->status;
            }
        }
        /* Refusals, not the ordinary first challenge: a 403/404, or a 401/407
         * answering credentials. */
        bool refused = m->status == 403 || m->status == 404 ||
                       (t && ((m->status == 401 && t->credentials) || (m->status == 407 && t->proxy_credentials)));
        if (ev.dst_peer && refused)
            window_add(&ev.dst_peer->auth_failures, now);
    }

    if (ev.retransmission)
        note_invite_route(f, m);

    /* Dialog. */
    if (!ev.retransmission) {
        if (m->is_request && m->method == SW_METHOD_INVITE && !m->to_tag &&
            (f->dialog == SW_DIALOG_NONE || f->dialog == SW_DIALOG_FAILED))
            f->dialog = SW_DIALOG_TRYING;
        if (!m->is_request && m->cseq_method == SW_METHOD_INVITE && m->status >= 200) {
            if (m->status < 300 && f->dialog != SW_DIALOG_CONFIRMED && f->dialog != SW_DIALOG_TERMINATED) {
                f->dialog = SW_DIALOG_CONFIRMED;
                c->stats.active_dialogs++;
            } else if (m->status >= 300 && f->dialog == SW_DIALOG_TRYING) {
                f->dialog = SW_DIALOG_FAILED;
            }
        }
        if (m->is_request && m->method == SW_METHOD_BYE) {
            if (f->dialog == SW_DIALOG_CONFIRMED)
                c->stats.active_dialogs--;
            f->dialog = SW_DIALOG_TERMINATED;
            for (unsigned i = 0; f->refers && i < f->nrefers; i++)
                if (!f->refers[i].bye_ts)
                    f->refers[i].bye_ts = now;
        }
    }

    /* Digest authentication. */
    if (!m->is_request && (m->status == 401 || m->status == 407)) {
        flags |= SW_EVF_CHALLENGE;
        ev.auth = note_challenge(f, m, t, now, &ev.new_attempt);
    } else if (!m->is_request && m->status >= 200 && m->status < 300) {
        for (int k = 0; k < 2; k++) {
            sw_auth_track *a = f->auth[k];
            if (a && a->challenges && a->method == m->cseq_method && !a->success_after) {
                a->success_after = true;
                a->success_ts = now;
                ev.auth = a;
            }
        }
    } else if (!m->is_request && m->status >= 300 && t && (t->credentials || t->proxy_credentials)) {
        ev.auth = f->auth[t->proxy_credentials ? 1 : 0];
    }

    /* REFER subscriptions. */
    if (m->is_request && m->method == SW_METHOD_REFER && !ev.retransmission) {
        sw_refer *r = refer_by_id(f, m->cseq);
        ev.refer = r ? r : refer_add(f, m, now);
    } else if (!m->is_request && m->cseq_method == SW_METHOD_REFER && m->status >= 200) {
        sw_refer *r = refer_by_id(f, m->cseq);
        if (r && !ev.retransmission) {
            r->response = (uint16_t)m->status;
            if (m->status < 300) {
                r->state = m->refer_sub_false ? SW_REFER_NO_SUB : SW_REFER_ACCEPTED;
                r->accepted_ts = now;
                if (!r->tags[1][0])
                    copy_str(r->tags[1], sizeof r->tags[1], m->to_tag);
            } else if (m->status == 401 || m->status == 407) {
                r->state = SW_REFER_CHALLENGED;
            } else {
                r->state = SW_REFER_REFUSED;
                r->final_ts = now;
            }
        }
        ev.refer = r;
    } else if (m->is_request && m->method == SW_METHOD_NOTIFY && m->event && strcmp(m->event, "refer") == 0) {
        sw_refer *r = refer_for_notify(f, m);
        if (r && !ev.retransmission) {
            r->notifies++;
            if (!r->first_notify_ts)
                r->first_notify_ts = now;
            r->last_notify_ts = now;
            if (m->sipfrag_status)
                r->last_sipfrag = (uint16_t)m->sipfrag_status;
            if (r->state == SW_REFER_SENT)
                r->notify_before_accept = true;
            if (m->subscription_state && strcmp(m->subscription_state, "terminated") == 0)
                r->terminated = true;
            if ((m->sipfrag_status >= 200 || r->terminated) && !r->final_ts)
                r->final_ts = now;
            r->notify_cseq[r->notify_next++ % 4] = m->cseq;
        }
        ev.refer = r;
    } else if (!m->is_request && m->cseq_method == SW_METHOD_NOTIFY && m->status >= 200) {
        ev.refer = note_notify_answer(f, m, now, ev.retransmission);
    }

    evidence_push(f, m, flags);
    update_completed(f);
    flow_reschedule(c, f);
    if (c->on_event)
        c->on_event(c->user, &ev);
}

void sw_correlate_unreachable(sw_correlator *c, const sw_sip_msg *m, sw_unreachable why, const sw_ip_addr *reporter)
{
    sw_correlate_advance(c, m->ts);
    c->stats.unreachable++;
    sw_event ev = {.kind = SW_EVENT_UNREACHABLE, .now = c->now, .msg = m, .unreachable = why, .reporter = reporter};
    if (m->call_id && m->has_cseq && m->is_request) {
        sw_flow *f = flow_lookup(c, m->call_id, hash_str(FNV_SEED, m->call_id));
        sw_txn *t = f ? txn_find(f, txn_key(m)) : NULL;
        if (t)
            t->unreachable = (uint8_t)why;
        ev.flow = f;
        ev.txn = t;
    }
    if (c->on_event)
        c->on_event(c->user, &ev);
}

void sw_correlate_finish(sw_correlator *c, sw_time_us now)
{
    sw_correlate_advance(c, now);
    orphans_judge(c, c->now, true);
    while (c->lru_head) {
        sw_flow *f = c->lru_head;
        emit_flow_end(c, f, SW_END_CAPTURE);
        flow_free(c, f);
    }
}

void sw_correlator_destroy(sw_correlator *c)
{
    if (!c)
        return;
    while (c->lru_head)
        flow_free(c, c->lru_head);
    while (c->plru_head)
        peer_free(c, c->plru_head);
    free(c->fbuckets);
    free(c->pbuckets);
    free(c->heap);
    free(c);
}

void sw_correlate_get_stats(const sw_correlator *c, sw_correlate_stats *stats)
{
    *stats = c->stats;
}
