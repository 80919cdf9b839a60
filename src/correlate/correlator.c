/* Correlator: flows by Call-ID and peers by address, built from parsed
 * messages in capture order, with the deadlines the rules judge.
 *
 * This file orchestrates; the containers and the per-concern state updates
 * live in their own modules: flow_table (Call-ID hash and LRU), wake_heap
 * (each flow's next deadline or expiry), peer_table (per-address windows),
 * orphans (evicted transactions still waiting), minutes (capture-wide counts),
 * flow_state (transactions, auth, REFER, evidence) and flow_freeze (quiet
 * flows packed until needed). Capture time
 * advancing pops due flows: a deadline becomes a DEADLINE event, an expiry a
 * FLOW_END event. Nothing keeps a message: flows hold summaries. */
#include "sipwatch/correlate.h"

#include "corr_util.h"
#include "flow_state.h"
#include "flow_table.h"
#include "minutes.h"
#include "orphans.h"
#include "peer_table.h"
#include "wake_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SW_CLOCK_LEAP (24ULL * 3600 * SW_USEC_PER_SEC)    /* a day without a single SIP message */

struct sw_correlator {
    sw_correlate_config cfg;
    sw_event_fn on_event;
    void *user;
    sw_time_us now;
    flow_table flows;
    wake_heap heap;
    peer_table peers;
    orphan_table orphans;
    sw_evidence_store *evidence;
    sw_minutes minutes;
    sw_correlate_stats stats;
    struct agent_copy *copies;      /* HEP: recent messages by fingerprint (SW_AGENT_COPIES), lazily */
};

/* HEP agents: the same bytes between the same endpoints, exported by two
 * agents (a proxy and the PBX behind it, or two capture nodes), within this
 * much of each other's timestamps, are one message seen twice. A true
 * retransmission comes at least T1 (500 ms) later. */
#define SW_AGENT_COPIES 8192
#define SW_AGENT_COPY_WINDOW (250 * 1000)

struct agent_copy {
    uint64_t hash;
    uint32_t agent;
    sw_time_us ts;
};

static void emit(sw_correlator *c, const sw_event *ev)
{
    if (c->on_event)
        c->on_event(c->user, ev);
}

/* ---- configuration and lifetime ------------------------------------------------ */

void sw_correlate_config_default(sw_correlate_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_flows = SW_DEFAULT_MAX_FLOWS;
    cfg->max_peers = 16384;
    cfg->evidence_entries = SW_DEFAULT_EVIDENCE;
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
        c->cfg.max_flows = SW_DEFAULT_MAX_FLOWS;
    if (!c->cfg.evidence_entries)
        c->cfg.evidence_entries = SW_DEFAULT_EVIDENCE;
    if (!c->cfg.max_peers)
        c->cfg.max_peers = 16384;
    c->on_event = on_event;
    c->user = user;
    bool ok = flow_table_init(&c->flows);
    ok = wake_heap_init(&c->heap) && ok;
    ok = peer_table_init(&c->peers, c->cfg.max_peers, c->cfg.peer_idle_timeout) && ok;
    ok = (c->evidence = evidence_store_create(c->cfg.evidence_entries)) != NULL && ok;
    if (!ok) {
        sw_correlator_destroy(c);
        return NULL;
    }
    return c;
}

void sw_correlator_destroy(sw_correlator *c)
{
    if (!c)
        return;
    flow_table_free(&c->flows);
    wake_heap_free(&c->heap);
    peer_table_free(&c->peers);
    evidence_store_free(c->evidence);
    free(c->copies);
    free(c);
}

void sw_correlate_get_stats(const sw_correlator *c, sw_correlate_stats *stats)
{
    *stats = c->stats;
    stats->peers = c->peers.created;
    stats->peers_evicted = c->peers.evicted;
    stats->active_peers = c->peers.active;
}

/* ---- deadlines ------------------------------------------------------------------ */

/* What the flow's next wake-up is for. */
typedef enum wake_kind {
    WAKE_EXPIRE = 0,                /* forgotten: idle, or lingered after completion */
    WAKE_DEADLINE,                  /* a transaction or REFER deadline to judge */
    WAKE_COMPACT,                   /* quiet: drop what no later message can need */
} wake_kind;

/* Whether the flow holds parts a quiet flow can drop, and nothing waits on them. */
static bool flow_compactable(const sw_flow *f)
{
    if (!f->txns && !f->route && !(f->offer && !f->offer->refusals))
        return false;
    for (unsigned i = 0; i < f->ntxns; i++)
        if (txn_pending(&f->txns[i]))
            return false;
    return true;
}

/* f as a compaction leaves it, its parts not freed: no transactions, INVITE
 * route or answered offer, for a flow quiet for a transaction timeout (no
 * retransmission or late answer can come for them, RFC 3261 timers). What
 * the call record reads of them stays. */
static sw_flow flow_compacted(const sw_flow *f)
{
    sw_flow c = *f;
    c.own_timeout = flow_timed_out(f);
    c.txns = NULL;
    c.ntxns = c.txn_next = 0;
    c.route = NULL;
    if (c.offer && !c.offer->refusals)
        c.offer = NULL;
    return c;
}

/* Compacts a live flow: what flow_compacted drops is freed. */
static void flow_compact(sw_flow *f)
{
    sw_flow c = flow_compacted(f);
    free(f->txns);
    free(f->route);
    if (f->offer != c.offer)
        offer_free(f->offer);
    *f = c;
}

/* The timeout after its last message that a flow is forgotten at: it
 * lingers after completion, a confirmed dialog idles long, anything else
 * less. */
enum { EXPIRY_LINGER, EXPIRY_DIALOG, EXPIRY_IDLE };

static unsigned flow_expiry_kind(const sw_flow *f)
{
    return f->completed ? EXPIRY_LINGER : f->dialog == SW_DIALOG_CONFIRMED ? EXPIRY_DIALOG : EXPIRY_IDLE;
}

static sw_time_us expiry_timeout(const sw_correlator *c, unsigned kind)
{
    return kind == EXPIRY_LINGER ? c->cfg.completed_linger
           : kind == EXPIRY_DIALOG ? c->cfg.dialog_idle_timeout
                                   : c->cfg.idle_timeout;
}

/* When the flow is forgotten if nothing more comes. */
static sw_time_us flow_expiry(const sw_correlator *c, const sw_flow *f)
{
    return f->last_ts + expiry_timeout(c, flow_expiry_kind(f));
}

/* The next moment something about the flow must be judged, compacted or forgotten. */
static sw_time_us flow_next_wake(const sw_correlator *c, const sw_flow *f, wake_kind *kind)
{
    sw_time_us wake = 0;
#define CONSIDER(t)                         \
    do {                                    \
        sw_time_us t_ = (t);                \
        if (!wake || t_ < wake) wake = t_;  \
    } while (0)
    for (unsigned i = 0; i < f->ntxns; i++) {
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
#undef CONSIDER
    if (wake) {
        *kind = WAKE_DEADLINE;
        return wake;                /* expiry waits for pending deadlines */
    }
    sw_time_us expire = flow_expiry(c, f);
    sw_time_us compact = f->last_ts + c->cfg.txn_timeout;
    *kind = compact < expire && flow_compactable(f) ? WAKE_COMPACT : WAKE_EXPIRE;
    return *kind == WAKE_COMPACT ? compact : expire;
}

/* Moves the flow in the heap only when its wake-up comes earlier: a later
 * one is found when the old time pops (run_due re-inserts it then). */
static void flow_reschedule(sw_correlator *c, flow_node *n)
{
    wake_kind kind;
    sw_time_us wake = flow_next_wake(c, &n->flow, &kind);
    if (wake < wake_heap_time(&c->heap, &n->link))
        wake_heap_set(&c->heap, &n->link, wake);
}

/* Marks the deadlines that have passed as judged. */
static void settle_due(sw_correlator *c, sw_flow *f, sw_time_us now)
{
    for (unsigned i = 0; i < f->ntxns; i++) {
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

/* Transactions to `server` got no final response: requests are still
 * being sent to it, so its peer counts as seen now (nothing rules read
 * is counted on it). */
static void note_server_timed_out(sw_correlator *c, const sw_ip_addr *server, sw_time_us now)
{
    peer_table_get(&c->peers, server, now);
}

/* Counts per minute the transactions whose deadline is due (and marks their servers seen). */
static void count_timeouts(sw_correlator *c, const sw_flow *f, sw_time_us now)
{
    for (unsigned i = 0; i < f->ntxns; i++) {
        const sw_txn *t = &f->txns[i];
        if (sw_txn_awaits_final(t) && t->first_ts + c->cfg.txn_timeout <= now) {
            minutes_count(&c->minutes, SW_MIN_TIMEOUTS, 1);
            if (t->method == SW_METHOD_REGISTER)
                minutes_count(&c->minutes, SW_MIN_REG_FAILED, 1);
            sw_endpoint server = sw_txn_server(f, t);
            note_server_timed_out(c, &server.ip, now);
        }
    }
}

/* ---- frozen flows ---------------------------------------------------------------- */

/* A flow with no deadline to judge (only its compaction or its expiry
 * ahead: a completed flow lingering, a dialog talking) is frozen until a
 * message or that wake-up needs it. One that will be compacted is packed
 * as its compacted head and a tail of what compaction drops: the
 * compaction drops the tail without unpacking anything (run_due). */
static void flow_freeze_if_quiet(sw_correlator *c, flow_node *n)
{
    wake_kind kind;
    sw_time_us wake = flow_next_wake(c, &n->flow, &kind);
    if (kind == WAKE_DEADLINE)
        return;
    sw_flow compacted;
    if (kind == WAKE_COMPACT)
        compacted = flow_compacted(&n->flow);
    unsigned expiry = flow_expiry_kind(&n->flow);   /* compaction leaves it as it is */
    flow_link *frozen = flow_table_freeze(&c->flows, n, kind == WAKE_COMPACT ? &compacted : NULL);
    if (!frozen)
        return;
    ((frozen_flow *)frozen)->compacts = kind == WAKE_COMPACT;
    ((frozen_flow *)frozen)->expiry_kind = expiry;
    wake_heap_relink(&c->heap, frozen);
    wake_heap_set(&c->heap, frozen, wake);  /* exact: a frozen flow never pops early */
}

/* A frozen flow waking to be compacted: its tail dropped, it holds the
 * compacted flow, which waits for its expiry. It woke at its last message
 * plus a transaction timeout (exact, see flow_freeze_if_quiet). */
static void frozen_compact(sw_correlator *c, flow_link *l, sw_time_us woke)
{
    sw_time_us last_ts = woke - c->cfg.txn_timeout;
    frozen_flow *z = (frozen_flow *)flow_table_drop_tail(&c->flows, l);
    z->compacts = 0;
    wake_heap_relink(&c->heap, &z->link);
    wake_heap_set(&c->heap, &z->link, last_ts + expiry_timeout(c, z->expiry_kind));
}

/* A frozen flow that cannot be read back (out of memory to thaw it): it
 * is dropped without its end being judged, counted as evicted. */
static void flow_drop(sw_correlator *c, flow_link *l)
{
    c->stats.flows_evicted++;
    c->stats.active_flows--;
    wake_heap_remove(&c->heap, l);
    flow_table_remove(&c->flows, l);
}

/* The live flow of l (thawed when frozen), or NULL when l is NULL or it
 * could not be thawed (then dropped). */
static flow_node *flow_live(sw_correlator *c, flow_link *l)
{
    if (!l || !l->frozen)
        return l ? flow_node_of_link(l) : NULL;
    flow_node *n = flow_table_thaw(&c->flows, l);
    if (n)
        wake_heap_relink(&c->heap, &n->link);
    else
        flow_drop(c, l);
    return n;
}

/* The flow l holds, to read and then forget: its live flow, or a frozen
 * l read in place into *view (good until the next freeze, thaw or view).
 * NULL when a frozen l does not read back. */
static const sw_flow *flow_read(sw_correlator *c, flow_link *l, flow_node *view)
{
    if (!l->frozen)
        return &flow_node_of_link(l)->flow;
    return flow_table_view(&c->flows, l, view) ? &view->flow : NULL;
}

/* ---- forgetting flows ------------------------------------------------------------ */

/* The flow's end to the rules, then it is gone: f is l's live flow, or a
 * frozen l read in place. */
static void forget(sw_correlator *c, flow_link *l, const sw_flow *f, sw_flow_end why)
{
    sw_event ev = {.kind = SW_EVENT_FLOW_END, .now = c->now, .flow = f, .end = why};
    emit(c, &ev);
    wake_heap_remove(&c->heap, l);
    if (f->dialog == SW_DIALOG_CONFIRMED)
        c->stats.active_dialogs--;
    for (unsigned i = 0; i < f->ntxns; i++)
        if (txn_pending(&f->txns[i]))
            c->stats.pending_txns--;
    c->stats.active_flows--;
    flow_table_remove(&c->flows, l);
}

/* Forgets l, live or frozen: a frozen flow's end is judged on its image
 * read in place, without thawing it (most flows end frozen). */
static void link_forget(sw_correlator *c, flow_link *l, sw_flow_end why)
{
    flow_node view;
    const sw_flow *f = flow_read(c, l, &view);
    if (f)
        forget(c, l, f, why);
    else
        flow_drop(c, l);
}

/* A transaction leaves tracking while it still waits for its final response. */
static void orphan(sw_correlator *c, const sw_flow *f, const sw_txn *t)
{
    c->stats.txns_evicted_pending++;
    if (!orphans_add(&c->orphans, f, t, c->cfg.txn_timeout))
        c->stats.orphans_dropped++;
}

static void on_orphans_due(void *user, const sw_orphan *o, bool expired)
{
    sw_correlator *c = user;
    if (expired) {
        minutes_count(&c->minutes, SW_MIN_TIMEOUTS, o->judged);
        if (o->method == SW_METHOD_REGISTER)
            minutes_count(&c->minutes, SW_MIN_REG_FAILED, o->judged);
        note_server_timed_out(c, &o->server.ip, c->now);
    }
    sw_event ev = {.kind = SW_EVENT_ORPHANS, .now = c->now, .orphan = o,
                   .end = expired ? SW_END_EXPIRED : SW_END_CAPTURE};
    emit(c, &ev);
}

/* Makes room for one more flow: the least recently used ones go, their
 * waiting transactions judged in aggregate. */
static void evict_for_room(sw_correlator *c)
{
    while (c->stats.active_flows >= c->cfg.max_flows && flow_table_oldest(&c->flows)) {
        flow_link *victim = flow_table_oldest(&c->flows);
        flow_node view;
        const sw_flow *f = flow_read(c, victim, &view);
        if (!f) {
            flow_drop(c, victim);
            continue;
        }
        c->stats.flows_evicted++;
        for (unsigned i = 0; i < f->ntxns; i++)
            if (sw_txn_awaits_final(&f->txns[i]))
                orphan(c, f, &f->txns[i]);
        forget(c, victim, f, SW_END_EVICTED);
    }
}

/* The texts a flow takes from its first request: From, To, the client's
 * User-Agent (NULL: none yet) and, with display, the From display name. */
static void identity_texts(const sw_sip_msg *m, bool display, const char *texts[SW_FLOW_TEXT_FIELDS])
{
    texts[SW_FLOW_FROM_USER] = m->from_user ? m->from_user : "";
    texts[SW_FLOW_FROM_HOST] = m->from_host ? m->from_host : "";
    texts[SW_FLOW_TO_USER] = m->to_user ? m->to_user : "";
    texts[SW_FLOW_TO_HOST] = m->to_host ? m->to_host : "";
    texts[SW_FLOW_USER_AGENT] = m->user_agent;
    if (display)
        texts[SW_FLOW_FROM_DISPLAY] = m->from_display;
}

/* A new flow for m's Call-ID. Opened by a request, it is packed with the
 * texts note_identity and note_call would set (they then find them set):
 * one allocation instead of three. */
static flow_node *flow_create(sw_correlator *c, const sw_sip_msg *m, uint64_t h, sw_time_us now)
{
    evict_for_room(c);
    const char *texts[SW_FLOW_TEXT_FIELDS] = {NULL};
    if (m->is_request)
        identity_texts(m, true, texts);
    flow_node *n = flow_table_insert(&c->flows, m->call_id, h, m->is_request ? texts : NULL);
    if (!n)
        return NULL;
    n->flow.first_ts = n->flow.last_ts = now;
    if (!wake_heap_push(&c->heap, &n->link, now + c->cfg.idle_timeout)) {
        flow_table_remove(&c->flows, &n->link);
        return NULL;
    }
    c->stats.flows++;
    c->stats.active_flows++;
    return n;
}

static void run_due(sw_correlator *c, sw_time_us now)
{
    sw_time_us top;
    flow_link *l;
    while ((l = wake_heap_top(&c->heap, &top)) && top <= now) {
        if (l->frozen && ((frozen_flow *)l)->compacts) {
            frozen_compact(c, l, top);  /* its expiry may be due too: it pops again */
            continue;
        }
        if (l->frozen) {
            c->stats.flows_expired++;   /* a frozen flow wakes exactly at its expiry */
            link_forget(c, l, SW_END_EXPIRED);
            continue;
        }
        flow_node *n = flow_live(c, l);
        if (!n)
            continue;
        sw_flow *f = &n->flow;
        wake_kind kind;
        sw_time_us wake = flow_next_wake(c, f, &kind);
        if (wake > now) {               /* stale heap position */
            wake_heap_set(&c->heap, &n->link, wake);
            continue;
        }
        if (kind == WAKE_EXPIRE) {
            c->stats.flows_expired++;
            forget(c, &n->link, f, SW_END_EXPIRED);
            continue;
        }
        if (kind == WAKE_COMPACT) {
            flow_compact(f);        /* its expiry may be due too: it pops again */
            wake_heap_set(&c->heap, &n->link, flow_next_wake(c, f, &kind));
            flow_freeze_if_quiet(c, n);
            continue;
        }
        count_timeouts(c, f, now);
        sw_event ev = {.kind = SW_EVENT_DEADLINE, .now = now, .flow = f};
        emit(c, &ev);
        settle_due(c, f, now);
        sw_time_us next = flow_next_wake(c, f, &kind);
        wake_heap_set(&c->heap, &n->link, next > now ? next : now + 1);
    }
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
        minutes_close(m);
        sw_event ev = {.kind = SW_EVENT_MINUTE, .now = (m->minute + 1) * 60 * SW_USEC_PER_SEC, .minutes = m};
        emit(c, &ev);
        minutes_fold(m);
        m->minute++;
    }
    m->minute = minute;             /* a long silence: skip the empty minutes */
}

/* A capture whose clock leaps forward (a broken timestamp, a host whose
 * clock was reset) would make every pending deadline look missed. Deadlines
 * that the leap crosses are settled without being judged, and counted. */
static void clock_leap(sw_correlator *c, sw_time_us now)
{
    c->stats.clock_jumps++;
    for (size_t i = 0; i < c->heap.len; i++) {
        flow_node *n = flow_live(c, c->heap.e[i].link);
        if (!n) {                   /* dropped: another entry took its place */
            i--;
            continue;
        }
        settle_due(c, &n->flow, now);
        n->flow.last_ts = now;      /* idle time restarts after the leap */
        wake_kind kind;
        c->heap.e[i].wake = flow_next_wake(c, &n->flow, &kind);
    }
    wake_heap_rebuild(&c->heap);
}

void sw_correlate_advance(sw_correlator *c, sw_time_us now)
{
    if (c->now && now > c->now + SW_CLOCK_LEAP)
        clock_leap(c, now);
    if (now > c->now)
        c->now = now;
    run_due(c, c->now);
    if (orphans_due(&c->orphans, c->now))
        orphans_judge(&c->orphans, c->now, c->cfg.txn_timeout, false, on_orphans_due, c);
    minute_roll(c, c->now);
}

/* ---- the message path, one concern at a time ------------------------------------------ */

/* Nothing more is expected of the flow: it lingers, then expires. */
static void update_completed(sw_flow *f)
{
    bool pending = false;
    for (unsigned i = 0; i < f->ntxns; i++) {
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
    /* A call challenged (401/407) and not retried yet: the retry with
     * credentials belongs to the same call, even after a user typed a password. */
    if (f->first_method == SW_METHOD_INVITE && (f->final_status == 401 || f->final_status == 407))
        pending = true;
    bool dialog_open = f->dialog == SW_DIALOG_TRYING || f->dialog == SW_DIALOG_CONFIRMED;
    f->completed = !pending && !dialog_open;
}

/* The flow's identity: its first request, and its client's User-Agent. */
static void note_identity(sw_flow *f, const sw_sip_msg *m)
{
    if (m->is_request && !f->first_method) {
        f->first_method = (uint8_t)m->method;
        f->client = m->src;
        f->server = m->dst;
        /* The texts in one rebuild (none when the flow was opened by this request). */
        const char *texts[SW_FLOW_TEXT_FIELDS] = {NULL};
        identity_texts(m, false, texts);
        flow_set_texts(f, texts);
    } else if (m->is_request && m->user_agent && endpoint_equal(&m->src, &f->client)) {
        flow_set_text(f, SW_FLOW_USER_AGENT, m->user_agent);
    }
}

/* Room for one more transaction: the slots double (1, 2, 4) up to SW_FLOW_TXNS. */
static bool txn_grow(sw_flow *f)
{
    if (f->txn_next < f->ntxns || f->ntxns >= SW_FLOW_TXNS)
        return true;
    unsigned n = f->ntxns ? f->ntxns * 2u : 1u;
    sw_txn *grown = realloc(f->txns, n * sizeof *grown);
    if (!grown)
        return f->ntxns > 0;        /* out of memory: reuse the ring as it is */
    memset(grown + f->ntxns, 0, (n - f->ntxns) * sizeof *grown);
    f->txns = grown;
    f->ntxns = (uint8_t)n;
    return true;
}

/* A transaction slot for key: when the ring is full its oldest goes, orphaned if it still waits. */
static sw_txn *txn_new(sw_correlator *c, sw_flow *f, uint64_t key)
{
    if (!txn_grow(f))
        return NULL;
    sw_txn *t = &f->txns[f->txn_next++ % f->ntxns];
    if (sw_txn_awaits_final(t))
        orphan(c, f, t);
    if (txn_pending(t))
        c->stats.pending_txns--;
    memset(t, 0, sizeof *t);
    t->key = key;
    return t;
}

/* A request other than ACK: a new transaction, or a copy of one seen. */
static sw_txn *note_request(sw_correlator *c, sw_flow *f, const sw_sip_msg *m, sw_event *ev, sw_time_us now)
{
    uint64_t key = txn_key(m);
    sw_txn *t = txn_find(f, key);
    uint64_t fp = cred_fingerprint(m);
    if (t && t->requests && t->cred_fp == fp) {
        ev->retransmission = true;
        ev->duplicate = now - t->last_request_ts < SW_DUPLICATE_WINDOW;
        t->requests++;
        t->last_request_ts = now;
        return t;
    }
    /* New, or the same branch and CSeq with other credentials: a new attempt. */
    if (t && txn_pending(t))
        c->stats.pending_txns--;
    if (!t && !(t = txn_new(c, f, key)))
        return NULL;                /* out of memory */
    memset(t, 0, sizeof *t);
    t->key = key;
    t->method = (uint8_t)m->method;
    t->transport = (uint8_t)m->transport;
    t->cseq = m->cseq;
    t->first_ts = t->last_request_ts = now;
    t->client_ep = flow_endpoint_index(f, &m->src);
    t->server_ep = flow_endpoint_index(f, &m->dst);
    t->requests = 1;
    t->cred_fp = fp;
    t->credentials = m->credentials.present && !m->credentials.proxy;
    t->proxy_credentials = m->credentials.present && m->credentials.proxy;
    c->stats.pending_txns++;
    return t;
}

/* A response: its transaction's provisional or final status. */
static sw_txn *note_response(sw_correlator *c, sw_flow *f, const sw_sip_msg *m, sw_event *ev, sw_time_us now)
{
    uint64_t key = txn_key(m);
    sw_txn *t = txn_find(f, key);
    if (!t) {
        /* A response whose request we did not see: track it, expecting nothing.
         * A final one may answer a transaction evicted while waiting. */
        if (m->status >= 200)
            orphans_answered(&c->orphans, &m->src, (uint8_t)m->cseq_method);
        if (!(t = txn_new(c, f, key)))
            return NULL;            /* out of memory */
        t->method = (uint8_t)m->cseq_method;
        t->transport = (uint8_t)m->transport;
        t->cseq = m->cseq;
        t->first_ts = now;
        t->client_ep = flow_endpoint_index(f, &m->dst);
        t->server_ep = flow_endpoint_index(f, &m->src);
    }
    if (m->status < 200) {
        if (t->provisional == m->status && t->final_status == 0)
            ev->retransmission = ev->duplicate = true;      /* 1xx are not retransmitted by UDP timers */
        t->provisional = (uint16_t)m->status;
        return t;
    }
    if (t->final_status == m->status) {
        ev->retransmission = true;
        ev->duplicate = now - t->last_final_ts < SW_DUPLICATE_WINDOW;
        t->finals++;
    } else {
        if (txn_pending(t))
            c->stats.pending_txns--;
        t->final_status = (uint16_t)m->status;
        t->final_ts = now;
        t->finals = 1;
    }
    t->last_final_ts = now;
    return t;
}

/* Transactions: finds or opens the message's, marks copies; returns the
 * evidence flags it sets. */
static uint8_t note_transaction(sw_correlator *c, sw_flow *f, const sw_sip_msg *m, sw_event *ev, sw_time_us now)
{
    uint8_t flags = m->credentials.present ? SW_EVF_CREDENTIALS : 0;
    bool ack = m->is_request && m->method == SW_METHOD_ACK;
    sw_txn *t = NULL;
    if (ack) {
        /* The ACK (for a 2xx it has its own branch) completes the INVITE with its CSeq. */
        for (unsigned i = 0; i < f->ntxns; i++)
            if (f->txns[i].method == SW_METHOD_INVITE && f->txns[i].cseq == m->cseq)
                f->txns[i].acked = true;
    } else if (m->is_request) {
        t = note_request(c, f, m, ev, now);
        note_credentials(f, m);
    } else {
        t = note_response(c, f, m, ev, now);
    }
    ev->txn = t;
    if (ev->retransmission) {
        flags |= ev->duplicate ? SW_EVF_DUPLICATE : SW_EVF_RETRANSMISSION;
        if (ev->duplicate)
            c->stats.duplicates++;
        else
            c->stats.retransmissions++;
    }
    return flags;
}

/* Peers and capture-wide minutes: requests, retransmissions, identities,
 * finals, 5xx, refusals. */
static void note_peers(sw_correlator *c, const sw_sip_msg *m, const sw_event *ev, sw_time_us now)
{
    bool ack = m->is_request && m->method == SW_METHOD_ACK;
    if (m->is_request && !ack && ev->src_peer) {
        sw_peer *p = (sw_peer *)ev->src_peer;
        if (ev->retransmission) {
            if (!ev->duplicate)
                peer_window_add(p, SW_PEER_RETRANSMISSIONS, now);
        } else {
            peer_window_add(p, SW_PEER_REQUESTS_SENT, now);
            minutes_count(&c->minutes, SW_MIN_REQUESTS, 1);
            if (m->method == SW_METHOD_REGISTER)
                minutes_count(&c->minutes, SW_MIN_REGISTERS, 1);
            p->total_requests++;
            /* The identity it claims: one for a phone, many for a scanner. */
            peer_note_user(p, m->from_user ? m->from_user : m->to_user, now);
        }
        if (m->user_agent)
            peer_set_user_agent(p, m->user_agent);
    }
    if (m->is_request || m->status < 200 || ev->retransmission)
        return;
    if (m->status >= 500 && m->status < 600)
        minutes_count(&c->minutes, SW_MIN_5XX, 1);
    if (m->cseq_method == SW_METHOD_REGISTER) {
        if (m->status < 300)
            minutes_count(&c->minutes, SW_MIN_REG_OK, 1);
        else if (m->status != 401 && m->status != 407)
            minutes_count(&c->minutes, SW_MIN_REG_FAILED, 1);
        if (m->status == 401 || m->status == 407 || m->status == 403 || m->status == 404) {
            minutes_count(&c->minutes, SW_MIN_REG_REFUSED, 1);
            minutes_note_refused_source(&c->minutes, &m->dst.ip);
        }
    }
    if (ev->src_peer) {
        sw_peer *p = (sw_peer *)ev->src_peer;
        peer_window_add(p, SW_PEER_FINALS_SENT, now);
        if (m->status >= 500 && m->status < 600) {
            peer_window_add(p, SW_PEER_ERRORS_5XX, now);
            p->total_5xx++;
        }
    }
    /* Refusals, not the ordinary first challenge: a 403/404, or a 401/407
     * answering credentials. */
    const sw_txn *t = ev->txn;
    bool refused = m->status == 403 || m->status == 404 ||
                   (t && ((m->status == 401 && t->credentials) || (m->status == 407 && t->proxy_credentials)));
    if (ev->dst_peer && refused)
        peer_window_add((sw_peer *)ev->dst_peer, SW_PEER_AUTH_FAILURES, now);
}

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

/* The dialog: trying, confirmed by a 2xx, failed, terminated by BYE. */
static void note_dialog(sw_correlator *c, sw_flow *f, const sw_sip_msg *m, sw_time_us now)
{
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

/* Digest authentication: challenges, success after them, refused credentials. */
static uint8_t note_auth(sw_flow *f, const sw_sip_msg *m, sw_event *ev, sw_time_us now)
{
    if (m->is_request)
        return 0;
    if (m->status == 401 || m->status == 407) {
        ev->auth = note_challenge(f, m, ev->txn, now, &ev->new_attempt);
        return SW_EVF_CHALLENGE;
    }
    if (m->status >= 200 && m->status < 300) {
        for (int k = 0; k < 2; k++) {
            sw_auth_track *a = f->auth[k];
            if (a && a->challenges && a->method == m->cseq_method && !a->success_after) {
                a->success_after = true;
                a->success_ts = now;
                ev->auth = a;
            }
        }
    } else if (m->status >= 300 && ev->txn && (ev->txn->credentials || ev->txn->proxy_credentials)) {
        ev->auth = f->auth[ev->txn->proxy_credentials ? 1 : 0];
    }
    return 0;
}

/* A REFER's answer: accepted (a NOTIFY is now expected), refused, challenged. */
static sw_refer *note_refer_answer(sw_flow *f, const sw_sip_msg *m, bool retransmission, sw_time_us now)
{
    sw_refer *r = refer_by_id(f, m->cseq);
    if (!r || retransmission)
        return r;
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
    return r;
}

/* A NOTIFY (Event: refer) reporting on a transfer. */
static sw_refer *note_refer_notify(sw_flow *f, const sw_sip_msg *m, bool retransmission, sw_time_us now)
{
    sw_refer *r = refer_for_notify(f, m);
    if (!r || retransmission)
        return r;
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
    return r;
}

/* REFER subscriptions: the REFER, its answer, the NOTIFYs and their answers. */
static void note_refer(sw_flow *f, const sw_sip_msg *m, sw_event *ev, sw_time_us now)
{
    if (m->is_request && m->method == SW_METHOD_REFER && !ev->retransmission) {
        sw_refer *r = refer_by_id(f, m->cseq);
        ev->refer = r ? r : refer_add(f, m, now);
    } else if (!m->is_request && m->cseq_method == SW_METHOD_REFER && m->status >= 200) {
        ev->refer = note_refer_answer(f, m, ev->retransmission, now);
    } else if (m->is_request && m->method == SW_METHOD_NOTIFY && m->event && strcmp(m->event, "refer") == 0) {
        ev->refer = note_refer_notify(f, m, ev->retransmission, now);
    } else if (!m->is_request && m->cseq_method == SW_METHOD_NOTIFY && m->status >= 200) {
        ev->refer = note_notify_answer(f, m, now, ev->retransmission);
    }
}

/* A message from a HEP agent that another agent already exported: counted
 * as a duplicate and not correlated again. */
static bool agent_copy(sw_correlator *c, const sw_sip_msg *m)
{
    if (!m->agent || !m->raw)
        return false;
    if (!c->copies && !(c->copies = calloc(SW_AGENT_COPIES, sizeof *c->copies)))
        return false;
    uint8_t ends[38];
    const sw_endpoint *ep[2] = {&m->src, &m->dst};
    for (int k = 0; k < 2; k++) {
        ends[k * 19] = ep[k]->ip.family;
        memcpy(ends + k * 19 + 1, ep[k]->ip.bytes, 16);
        ends[k * 19 + 17] = (uint8_t)(ep[k]->port >> 8);
        ends[k * 19 + 18] = (uint8_t)ep[k]->port;
    }
    uint64_t h = hash_bytes(hash_bytes(FNV_SEED, ends, sizeof ends), m->raw, m->raw_len);
    struct agent_copy *e = &c->copies[h & (SW_AGENT_COPIES - 1)];
    sw_time_us gap = e->ts > m->ts ? e->ts - m->ts : m->ts - e->ts;
    if (e->hash == h && e->agent != m->agent && gap < SW_AGENT_COPY_WINDOW)
        return true;
    e->hash = h;
    e->agent = m->agent;
    e->ts = m->ts;
    return false;
}

bool sw_correlate_message(sw_correlator *c, const sw_sip_msg *m, bool selected)
{
    if (agent_copy(c, m)) {
        c->stats.messages++;
        c->stats.duplicates++;
        return selected;
    }
    /* All timing uses the correlator's clock, which never goes backwards;
     * evidence keeps each message's own timestamp. */
    sw_correlate_advance(c, m->ts);
    sw_time_us now = c->now;
    c->stats.messages++;

    sw_event ev = {.kind = SW_EVENT_MESSAGE, .now = now, .msg = m, .minutes = &c->minutes};
    ev.src_peer = peer_table_get(&c->peers, &m->src.ip, now);
    ev.dst_peer = peer_table_get(&c->peers, &m->dst.ip, now);

    if (!m->call_id || !m->has_cseq) {
        c->stats.uncorrelated++;
        if (m->is_request && ev.src_peer)
            peer_window_add((sw_peer *)ev.src_peer, SW_PEER_REQUESTS_SENT, now);
        emit(c, &ev);
        return selected;
    }

    uint64_t h = hash_str(FNV_SEED, m->call_id);
    flow_node *n = flow_live(c, flow_table_lookup(&c->flows, m->call_id, h));
    if (!n && !(n = flow_create(c, m, h, now))) {
        c->stats.uncorrelated++;
        return selected;
    }
    sw_flow *f = &n->flow;
    ev.flow = f;
    f->last_ts = now;
    f->messages++;
    f->selected |= selected;
    flow_table_touch(&c->flows, &n->link);
    note_identity(f, m);

    uint8_t flags = note_transaction(c, f, m, &ev, now);
    note_peers(c, m, &ev, now);
    if (ev.retransmission)
        note_invite_route(f, m);
    else
        note_dialog(c, f, m, now);
    flags |= note_auth(f, m, &ev, now);
    note_refer(f, m, &ev, now);
    note_call(f, m, ev.retransmission, now);
    note_offer(f, m, ev.retransmission, now);

    evidence_push(c->evidence, f, m, flags);
    update_completed(f);
    flow_reschedule(c, n);
    emit(c, &ev);
    bool chosen = f->selected;
    /* Frozen when quiet, but not right after a challenge: the request
     * usually comes again with credentials within milliseconds. */
    bool challenge = !m->is_request && (m->status == 401 || m->status == 407);
    if ((f->completed || f->dialog == SW_DIALOG_CONFIRMED) && !challenge)
        flow_freeze_if_quiet(c, n);
    return chosen;
}

void sw_correlate_unreachable(sw_correlator *c, const sw_sip_msg *m, sw_unreachable why, const sw_ip_addr *reporter)
{
    sw_correlate_advance(c, m->ts);
    c->stats.unreachable++;
    sw_event ev = {.kind = SW_EVENT_UNREACHABLE, .now = c->now, .msg = m, .unreachable = why, .reporter = reporter};
    if (m->call_id && m->has_cseq && m->is_request) {
        flow_node *n = flow_live(c, flow_table_lookup(&c->flows, m->call_id, hash_str(FNV_SEED, m->call_id)));
        sw_txn *t = n ? txn_find(&n->flow, txn_key(m)) : NULL;
        if (t)
            t->unreachable = (uint8_t)why;
        ev.flow = n ? &n->flow : NULL;
        ev.txn = t;
    }
    emit(c, &ev);
}

void sw_correlate_finish(sw_correlator *c, sw_time_us now)
{
    sw_correlate_advance(c, now);
    orphans_judge(&c->orphans, c->now, c->cfg.txn_timeout, true, on_orphans_due, c);
    /* Every flow ends now and nothing wakes again: the heap is emptied at
     * once, not sifted once for each flow forgotten. */
    wake_heap_clear(&c->heap);
    flow_table_unindex(&c->flows);  /* no message comes in between: no lookup */
    flow_link *l;
    while ((l = flow_table_oldest(&c->flows)))
        link_forget(c, l, SW_END_CAPTURE);
}
