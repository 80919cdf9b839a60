/* Unit tests for the compact state a busy PBX needs: packed texts, the
 * shared evidence store (order, endpoints, frames, overwriting), quiet
 * flows dropping their transactions while their call record stays right,
 * the transaction ring growing to its bound, the Call-ID buckets growing,
 * the object pool the tables allocate from,
 * and the media stage's packed SDP and oldest-first eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/correlate/flow_state.h"
#include "../../src/correlate/flow_table.h"
#include "../../src/correlate/packed_text.h"
#include "sipwatch/hash.h"
#include "sipwatch/media.h"
#include "sipwatch/object_pool.h"
#include "sipwatch/text.h"
#include "text_feed.h"

static bool ep_eq(sw_endpoint a, sw_endpoint b)
{
    return a.port == b.port && sw_ip_equal(&a.ip, &b.ip);
}

/* ---- packed text ------------------------------------------------------------ */

static void test_packed_text_fields(void **state)
{
    (void)state;
    char *set = NULL;
    assert_string_equal(packed_text_get(set, 3, 1), "");
    assert_true(packed_text_set(&set, 3, 1, "bob"));
    assert_string_equal(packed_text_get(set, 3, 0), "");
    assert_string_equal(packed_text_get(set, 3, 1), "bob");
    assert_true(packed_text_set(&set, 3, 0, "alice"));
    assert_true(packed_text_set(&set, 3, 2, "x"));
    assert_string_equal(packed_text_get(set, 3, 0), "alice");
    assert_string_equal(packed_text_get(set, 3, 1), "bob");
    assert_string_equal(packed_text_get(set, 3, 2), "x");
    /* The same value again: nothing is rebuilt. */
    const char *before = set;
    assert_true(packed_text_set(&set, 3, 1, "bob"));
    assert_ptr_equal(set, before);
    /* A longer one moves the others along, intact. */
    assert_true(packed_text_set(&set, 3, 1, "bob-the-builder"));
    assert_string_equal(packed_text_get(set, 3, 0), "alice");
    assert_string_equal(packed_text_get(set, 3, 1), "bob-the-builder");
    assert_string_equal(packed_text_get(set, 3, 2), "x");
    assert_true(packed_text_set(&set, 3, 1, NULL));
    assert_string_equal(packed_text_get(set, 3, 1), "");
    /* Cut as a fixed char[8] field holds it. */
    char expect[8];
    sw_copy_cut(expect, sizeof expect, "abcdefghijkl");
    assert_true(packed_text_set_cut(&set, 3, 2, "abcdefghijkl", 8));
    assert_string_equal(packed_text_get(set, 3, 2), expect);
    /* Longer than a field can hold: refused, the set unchanged. */
    size_t big = PACKED_TEXT_MAX + 2;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, 'a', big - 1);
    huge[big - 1] = '\0';
    assert_false(packed_text_set(&set, 3, 0, huge));
    assert_string_equal(packed_text_get(set, 3, 0), "alice");
    free(huge);
    free(set);
}

/* ---- the object pool ------------------------------------------------------------ */

static void test_object_pool_reuses_and_zeroes(void **state)
{
    (void)state;
    sw_object_pool p;
    sw_object_pool_init(&p, 40, 4);
    assert_int_equal(p.size, 48);                   /* rounded up to 16 */
    char *o[10];
    for (int i = 0; i < 10; i++) {
        o[i] = sw_object_pool_alloc(&p);
        assert_non_null(o[i]);
        for (int k = 0; k < 40; k++)
            assert_int_equal(o[i][k], 0);
        memset(o[i], 0xab, 40);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(o[i], o[j]);
    }
    assert_int_equal(p.nchunks, 3);                 /* 4 + 4 + 2 */
    assert_int_equal(p.live, 10);
    sw_object_pool_free(&p, o[3]);
    sw_object_pool_free(&p, o[7]);
    sw_object_pool_free(&p, NULL);
    assert_int_equal(p.live, 8);
    char *again = sw_object_pool_alloc(&p);          /* the last freed comes back first, zeroed */
    assert_ptr_equal(again, o[7]);
    for (int k = 0; k < 40; k++)
        assert_int_equal(again[k], 0);
    assert_ptr_equal(sw_object_pool_alloc(&p), o[3]);
    assert_non_null(sw_object_pool_alloc(&p));      /* then carving resumes */
    assert_int_equal(p.nchunks, 3);
    assert_int_equal(p.live, 11);
    sw_object_pool_destroy(&p);
    assert_int_equal(p.nchunks, 0);
}

/* ---- the shared evidence store -------------------------------------------------- */

static flow_node *bare_flow(const char *call_id)
{
    flow_node *n = calloc(1, sizeof *n);
    assert_non_null(n);
    n->link.hash = (uint32_t)sw_fnv_str(SW_FNV_SEED, call_id);
    assert_true(flow_set_call_id(&n->flow, call_id, NULL));
    n->flow.first_method = SW_METHOD_INVITE;
    n->flow.client = ep(11, 5071);
    n->flow.server = ep(10, 5070);
    return n;
}

static void free_bare_flow(flow_node *n)
{
    free(n->flow.text);
    free(n->flow.ev_eps);
    free(n);
}

static void push(sw_evidence_store *s, flow_node *n, uint64_t frame, sw_endpoint src, sw_endpoint dst,
                 int status)
{
    sw_sip_msg m;
    memset(&m, 0, sizeof m);
    m.ts = T0 + frame * MS;
    m.frame = frame;
    m.src = src;
    m.dst = dst;
    m.cseq = 1;
    m.is_request = status == 0;
    m.method = SW_METHOD_INVITE;
    m.cseq_method = SW_METHOD_INVITE;
    m.status = status;
    evidence_push(s, &n->flow, &m, 0);
}

static void test_evidence_store_order_endpoints_and_overwrite(void **state)
{
    (void)state;
    sw_evidence_store *s = evidence_store_create(10);    /* rounded up to 1024 */
    assert_non_null(s);
    flow_node *a = bare_flow("call-a"), *b = bare_flow("call-b");
    sw_endpoint proxy = ep(20, 5080);
    push(s, a, 1000000000ULL, a->flow.client, a->flow.server, 0);
    push(s, b, 1000000001ULL, b->flow.client, b->flow.server, 0);
    push(s, a, 1000000002ULL, a->flow.server, a->flow.client, 100);
    push(s, a, 1000000003ULL, proxy, a->flow.client, 200);     /* a third endpoint */
    sw_evidence ev[SW_FLOW_EVIDENCE];
    assert_int_equal(sw_flow_evidence(&a->flow, ev, SW_FLOW_EVIDENCE), 3);
    assert_int_equal(ev[0].frame, 1000000000ULL);
    assert_int_equal(ev[1].frame, 1000000002ULL);
    assert_int_equal(ev[2].frame, 1000000003ULL);
    assert_int_equal(ev[0].status, 0);
    assert_int_equal(ev[2].status, 200);
    assert_int_equal(ev[2].ts, T0 + 1000000003ULL * MS);
    assert_true(ep_eq(ev[0].src, a->flow.client) && ep_eq(ev[0].dst, a->flow.server));
    assert_true(ep_eq(ev[1].src, a->flow.server));
    assert_true(ep_eq(ev[2].src, proxy) && ep_eq(ev[2].dst, a->flow.client));
    /* Asking for fewer gives the latest ones. */
    assert_int_equal(sw_flow_evidence(&a->flow, ev, 2), 2);
    assert_int_equal(ev[0].frame, 1000000002ULL);
    /* A busy neighbour overwrites the ring: a's old entries are gone, never
     * replaced by b's. */
    for (int i = 0; i < 1100; i++)
        push(s, b, 2000000000ULL + (uint64_t)i, b->flow.client, b->flow.server, 0);
    assert_int_equal(sw_flow_evidence(&a->flow, ev, SW_FLOW_EVIDENCE), 0);
    assert_int_equal(sw_flow_evidence(&b->flow, ev, SW_FLOW_EVIDENCE), SW_FLOW_EVIDENCE);
    for (unsigned i = 0; i < SW_FLOW_EVIDENCE; i++)
        assert_int_equal(ev[i].frame, 2000000000ULL + 1100 - SW_FLOW_EVIDENCE + i);
    /* New evidence of a is kept again. */
    push(s, a, 3000000000ULL, a->flow.client, a->flow.server, 0);
    assert_int_equal(sw_flow_evidence(&a->flow, ev, SW_FLOW_EVIDENCE), 1);
    assert_int_equal(ev[0].frame, 3000000000ULL);
    free_bare_flow(a);
    free_bare_flow(b);
    evidence_store_free(s);
}

/* ---- the flow table's buckets ------------------------------------------------------ */

static void test_flow_table_buckets_grow(void **state)
{
    (void)state;
    flow_table t;
    assert_true(flow_table_init(&t));
    size_t initial = t.nbuckets;
    char id[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "grow-%d", i);
        assert_non_null(flow_table_insert(&t, id, sw_fnv_str(SW_FNV_SEED, id), NULL));
    }
    assert_true(t.nbuckets > initial);
    assert_true(t.nbuckets >= 4096);
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "grow-%d", i);
        flow_link *l = flow_table_lookup(&t, id, sw_fnv_str(SW_FNV_SEED, id));
        assert_non_null(l);
        assert_string_equal(flow_node_of_link(l)->flow.call_id, id);
    }
    flow_table_free(&t);
}

/* ---- frozen flows: packed and back, exactly ------------------------------------------ */

static void test_frozen_flow_thaws_as_it_was(void **state)
{
    (void)state;
    flow_table t;
    assert_true(flow_table_init(&t));
    const char *texts[SW_FLOW_TEXT_FIELDS] = {"alice", "a.example", "bob", "b.example", "UA/1.0", "Alice"};
    flow_node *n = flow_table_insert(&t, "frz-1", sw_fnv_str(SW_FNV_SEED, "frz-1"), texts);
    assert_non_null(n);
    assert_non_null(flow_table_insert(&t, "frz-2", sw_fnv_str(SW_FNV_SEED, "frz-2"), NULL));
    sw_flow *f = &n->flow;
    f->messages = 7;
    f->ntxns = 2;
    f->txns = calloc(2, sizeof *f->txns);
    f->txns[1].key = 0x1234;
    f->txns[1].final_status = 486;
    f->auth[1] = calloc(1, sizeof *f->auth[1]);
    f->auth[1]->challenges = 3;
    f->auth[1]->ring_cap = 2;
    f->auth[1]->ring = calloc(2, sizeof *f->auth[1]->ring);
    f->auth[1]->ring[1].cseq = 42;
    assert_true(packed_text_set(&f->auth[1]->text, SW_AUTH_TEXT_FIELDS, SW_AUTH_REALM, "pbx.example"));
    f->nrefers = 1;
    f->refers = calloc(1, sizeof *f->refers);
    snprintf(f->refers[0].refer_to, sizeof f->refers[0].refer_to, "sip:carol@c");
    f->route = calloc(1, sizeof *f->route);
    snprintf(f->route->contact, sizeof f->route->contact, "sip:bob@10.0.0.2");
    f->offer = calloc(1, sizeof *f->offer);
    f->offer->cseq = 9;
    assert_true(packed_text_set(&f->offer->text, 2, 0, "audio PCMU"));
    f->ev_neps = 1;
    f->ev_eps = calloc(1, sizeof *f->ev_eps);
    f->ev_eps[0] = ep(13, 5073);
    assert_ptr_equal(flow_table_oldest(&t), &n->link);

    flow_link *l = flow_table_freeze(&t, n, NULL);
    assert_non_null(l);
    assert_true(l->frozen);
    assert_int_equal(t.frozen, 1);
    assert_int_equal(t.count, 2);
    assert_ptr_equal(flow_table_oldest(&t), l);            /* it kept its place in the LRU list */
    assert_ptr_equal(flow_table_lookup(&t, "frz-1", sw_fnv_str(SW_FNV_SEED, "frz-1")), l);
    assert_null(flow_table_lookup(&t, "frz-3", sw_fnv_str(SW_FNV_SEED, "frz-3")));

    /* A damaged image does not read back. */
    const frozen_flow *z = (const frozen_flow *)l;
    sw_flow scratch;
    flow_sizes sz = frozen_sizes(z);
    sz.head_packed /= 2;
    assert_false(flow_unpack(&t.packer, z->packed, &sz, &scratch));
    sz = frozen_sizes(z);
    sz.head_image++;
    assert_false(flow_unpack(&t.packer, z->packed, &sz, &scratch));

    n = flow_table_thaw(&t, l);
    assert_non_null(n);
    assert_int_equal(t.frozen, 0);
    f = &n->flow;
    assert_string_equal(f->call_id, "frz-1");
    assert_string_equal(sw_flow_text(f, SW_FLOW_TO_HOST), "b.example");
    assert_string_equal(sw_flow_text(f, SW_FLOW_FROM_DISPLAY), "Alice");
    assert_int_equal(f->messages, 7);
    assert_int_equal(f->txns[1].key, 0x1234);
    assert_int_equal(f->txns[1].final_status, 486);
    assert_null(f->auth[0]);
    assert_int_equal(f->auth[1]->challenges, 3);
    assert_int_equal(f->auth[1]->ring[1].cseq, 42);
    assert_string_equal(sw_auth_text(f->auth[1], SW_AUTH_REALM), "pbx.example");
    assert_string_equal(f->refers[0].refer_to, "sip:carol@c");
    assert_string_equal(f->route->contact, "sip:bob@10.0.0.2");
    assert_int_equal(f->offer->cseq, 9);
    assert_string_equal(sw_offer_media(f->offer), "audio PCMU");
    assert_true(ep_eq(f->ev_eps[0], ep(13, 5073)));
    assert_ptr_equal(flow_node_of_link(flow_table_lookup(&t, "frz-1", sw_fnv_str(SW_FNV_SEED, "frz-1"))), n);
    flow_table_free(&t);                                   /* under ASan: nothing leaked */
}

/* A flow frozen with a compacted head reads back whole until its tail is
 * dropped, then as the compacted flow, without being unpacked in between. */
static void test_frozen_flow_tail_drops_to_compacted(void **state)
{
    (void)state;
    flow_table t;
    assert_true(flow_table_init(&t));
    const char *texts[SW_FLOW_TEXT_FIELDS] = {"alice", "a.example", "bob", "b.example", "UA/1.0", "Alice"};
    for (int round = 0; round < 2; round++) {
        flow_node *n = flow_table_insert(&t, "tail-1", sw_fnv_str(SW_FNV_SEED, "tail-1"), texts);
        assert_non_null(n);
        sw_flow *f = &n->flow;
        f->messages = 5;
        f->ntxns = f->txn_next = 2;
        f->txns = calloc(2, sizeof *f->txns);
        f->txns[1].key = 0x77;
        f->route = calloc(1, sizeof *f->route);
        snprintf(f->route->contact, sizeof f->route->contact, "sip:bob@10.0.0.2");
        f->offer = calloc(1, sizeof *f->offer);
        f->offer->cseq = 3;
        assert_true(packed_text_set(&f->offer->text, 2, 0, "audio PCMA"));
        f->ev_neps = 1;
        f->ev_eps = calloc(1, sizeof *f->ev_eps);
        f->ev_eps[0] = ep(14, 5074);
        sw_flow compacted = *f;
        compacted.txns = NULL;
        compacted.ntxns = compacted.txn_next = 0;
        compacted.route = NULL;
        compacted.offer = NULL;
        compacted.own_timeout = true;

        flow_link *l = flow_table_freeze(&t, n, &compacted);
        assert_non_null(l);
        const frozen_flow *z = (const frozen_flow *)l;
        assert_true(z->tail_packed > 0 && z->tail_image > 0);
        if (round == 0) {                   /* before its compaction: all of it */
            n = flow_table_thaw(&t, l);
            assert_non_null(n);
            f = &n->flow;
            assert_int_equal(f->ntxns, 2);
            assert_int_equal(f->txn_next, 2);
            assert_int_equal(f->txns[1].key, 0x77);
            assert_false(f->own_timeout);
            assert_string_equal(f->route->contact, "sip:bob@10.0.0.2");
            assert_string_equal(sw_offer_media(f->offer), "audio PCMA");
        } else {                            /* compacted: the head alone */
            l = flow_table_drop_tail(&t, l);
            z = (const frozen_flow *)l;
            assert_int_equal(z->tail_packed, 0);
            assert_ptr_equal(flow_table_lookup(&t, "tail-1", sw_fnv_str(SW_FNV_SEED, "tail-1")), l);
            assert_ptr_equal(flow_table_oldest(&t), l);
            flow_node view;
            assert_true(flow_table_view(&t, l, &view));
            assert_int_equal(view.flow.messages, 5);
            assert_true(view.flow.own_timeout);
            n = flow_table_thaw(&t, l);
            assert_non_null(n);
            f = &n->flow;
            assert_int_equal(f->ntxns, 0);
            assert_null(f->txns);
            assert_null(f->route);
            assert_null(f->offer);
            assert_true(f->own_timeout);
        }
        assert_string_equal(f->call_id, "tail-1");
        assert_string_equal(sw_flow_text(f, SW_FLOW_FROM_DISPLAY), "Alice");
        assert_int_equal(f->messages, 5);
        assert_true(ep_eq(f->ev_eps[0], ep(14, 5074)));
        flow_table_remove(&t, &n->link);
    }
    flow_table_free(&t);                    /* under ASan: nothing leaked */
}

/* ---- quiet flows, through the correlator -------------------------------------------- */

typedef struct world {
    sw_correlator *corr;
    sw_sip_msg_buf buf;
    sw_time_us now;
    /* A flow's pointer is good only while its event is handled (a quiet
     * flow is then frozen and its memory reused): what the tests check is
     * copied from the last event that had a flow. */
    bool has_flow;
    const sw_flow *flow;            /* the last one: read it only while nothing froze it since */
    char call_id[32];
    uint8_t ntxns;
    bool has_txns, has_offer, own_timeout;
    sw_dialog_state dialog;
    size_t evidence;                /* entries sw_flow_evidence gave */
    sw_evidence last_evidence;      /* the last of them (the newest) */
    bool retransmission;            /* of the last MESSAGE */
    sw_call_state end_state;        /* the call record at FLOW_END */
    uint32_t end_messages;
    unsigned ends;
} world;

static void on_event(void *user, const sw_event *ev)
{
    world *w = user;
    if (ev->flow) {
        const sw_flow *f = ev->flow;
        w->has_flow = true;
        w->flow = f;
        snprintf(w->call_id, sizeof w->call_id, "%s", f->call_id);
        w->ntxns = f->ntxns;
        w->has_txns = f->txns != NULL;
        w->has_offer = f->offer != NULL;
        w->own_timeout = f->own_timeout;
        w->dialog = (sw_dialog_state)f->dialog;
        sw_evidence ev_all[SW_FLOW_EVIDENCE];
        w->evidence = sw_flow_evidence(f, ev_all, SW_FLOW_EVIDENCE);
        if (w->evidence)
            w->last_evidence = ev_all[w->evidence - 1];
    }
    if (ev->kind == SW_EVENT_MESSAGE)
        w->retransmission = ev->retransmission;
    if (ev->kind == SW_EVENT_FLOW_END) {
        sw_call call;
        sw_flow_call(ev->flow, &call);
        w->end_state = call.state;
        w->end_messages = call.messages;
        w->ends++;
    }
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    sw_correlate_config cfg;
    sw_correlate_config_default(&cfg);
    w->corr = sw_correlator_create(&cfg, on_event, w);
    sw_sip_msg_buf_init(&w->buf);
    w->now = T0;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    sw_correlator_destroy(w->corr);
    free(w);
    return 0;
}

#define ALICE ep(11, 5071)
#define BOB ep(12, 5072)

static void feed(world *w, unsigned after_ms, sw_endpoint src, sw_endpoint dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    w->now += after_ms * MS;
    parse_textv(&w->buf.msg, w->now, src, dst, SW_TRANSPORT_UDP, fmt, ap);
    va_end(ap);
    sw_correlate_message(w->corr, &w->buf.msg, false);
}

static void advance(world *w, unsigned ms)
{
    w->now += ms * MS;
    sw_correlate_advance(w->corr, w->now);
}

#define SDP "v=0\r\no=- 1 1 IN IP4 127.0.0.11\r\ns=-\r\nc=IN IP4 127.0.0.11\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"

static void msg(world *w, unsigned after, sw_endpoint src, sw_endpoint dst, const char *start, const char *branch,
                unsigned cseq, const char *method, const char *totag, const char *body)
{
    feed(w, after, src, dst,
         "%s\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%s\r\n"
         "From: <sip:alice@t>;tag=a1\r\nTo: <sip:bob@t>%s\r\nCall-ID: quiet-1\r\nCSeq: %u %s\r\n"
         "%sContent-Length: %zu\r\n\r\n%s",
         start, branch, totag, cseq, method, body[0] ? "Content-Type: application/sdp\r\n" : "", strlen(body),
         body);
}

static void test_quiet_dialog_drops_its_transactions(void **state)
{
    world *w = *state;
    msg(w, 0, ALICE, BOB, "INVITE sip:bob@t SIP/2.0", "i1", 1, "INVITE", "", SDP);
    msg(w, 10, BOB, ALICE, "SIP/2.0 180 Ringing", "i1", 1, "INVITE", ";tag=b1", "");
    msg(w, 2000, BOB, ALICE, "SIP/2.0 200 OK", "i1", 1, "INVITE", ";tag=b1", SDP);
    msg(w, 10, ALICE, BOB, "ACK sip:bob@t SIP/2.0", "a1", 1, "ACK", ";tag=b1", "");
    assert_true(w->has_flow);
    assert_int_equal(w->dialog, SW_DIALOG_CONFIRMED);
    assert_true(w->has_txns);
    assert_int_equal(w->ntxns, 1);      /* the INVITE's (the ACK belongs to it) */
    assert_true(w->has_offer);
    advance(w, 20 * 1000);              /* talking, not yet quiet for a transaction timeout */
    /* A copy of the 200 is still known: the INVITE's transaction is kept. */
    msg(w, 0, BOB, ALICE, "SIP/2.0 200 OK", "i1", 1, "INVITE", ";tag=b1", SDP);
    assert_true(w->retransmission);
    advance(w, 35 * 1000);              /* 35 s without a message */
    assert_int_equal(w->ends, 0);
    /* The call goes on: BYE and its answer, then the record says completed.
     * The BYE finds the dialog compacted: a fresh ring with its own
     * transaction only (else the ring would grow to two), no offer, and
     * the evidence still there. */
    msg(w, 60 * 1000, BOB, ALICE, "BYE sip:alice@t SIP/2.0", "b2", 1, "BYE", ";tag=b1", "");
    assert_false(w->retransmission);
    assert_int_equal(w->ntxns, 1);
    assert_false(w->has_offer);
    assert_int_equal(w->dialog, SW_DIALOG_TERMINATED);
    assert_int_equal(w->evidence, 6);
    assert_int_equal(w->last_evidence.method, SW_METHOD_BYE);
    msg(w, 10, ALICE, BOB, "SIP/2.0 200 OK", "b2", 1, "BYE", ";tag=b1", "");
    assert_false(w->retransmission);
    sw_correlate_finish(w->corr, w->now + 1000);
    assert_int_equal(w->ends, 1);
    assert_int_equal(w->end_state, SW_CALL_COMPLETED);
    assert_int_equal(w->end_messages, 7);
}

/* The correlator's evidence_entries sizes the store: with the smallest one,
 * 1100 messages of other calls leave a call only its own later messages. */
static void test_evidence_store_size_is_the_config(void **state)
{
    world *w = *state;
    sw_correlator_destroy(w->corr);
    sw_correlate_config cfg;
    sw_correlate_config_default(&cfg);
    cfg.evidence_entries = 1000;                    /* rounded up to 1024 */
    w->corr = sw_correlator_create(&cfg, on_event, w);
    assert_non_null(w->corr);
    msg(w, 0, ALICE, BOB, "INVITE sip:bob@t SIP/2.0", "e1", 1, "INVITE", "", SDP);
    msg(w, 10, BOB, ALICE, "SIP/2.0 200 OK", "e1", 1, "INVITE", ";tag=b1", SDP);
    msg(w, 10, ALICE, BOB, "ACK sip:bob@t SIP/2.0", "e2", 1, "ACK", ";tag=b1", "");
    char id[48];
    for (int i = 0; i < 1100; i++) {
        snprintf(id, sizeof id, "other-%d", i);
        feed(w, 1, ALICE, BOB,
             "OPTIONS sip:bob@t SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-o%d\r\n"
             "From: <sip:alice@t>;tag=o\r\nTo: <sip:bob@t>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
             "Content-Length: 0\r\n\r\n", i, id);
    }
    msg(w, 10, BOB, ALICE, "BYE sip:alice@t SIP/2.0", "e3", 1, "BYE", ";tag=b1", "");
    assert_string_equal(w->call_id, "quiet-1");
    assert_int_equal(w->evidence, 1);
    assert_int_equal(w->last_evidence.method, SW_METHOD_BYE);
}

/* Hostile: one Call-ID from 300 addresses. A flow names at most 255
 * endpoints; the rest read as 0.0.0.0:0, nothing is written out of bounds. */
static void test_flow_endpoints_are_bounded(void **state)
{
    world *w = *state;
    for (int i = 0; i < 300; i++) {
        sw_endpoint src = ep(11, 10000 + i);
        feed(w, 1, src, BOB,
             "OPTIONS sip:bob@t SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:%d;branch=z9hG4bK-m%d\r\n"
             "From: <sip:alice@t>;tag=o\r\nTo: <sip:bob@t>\r\nCall-ID: many-ends\r\nCSeq: %d OPTIONS\r\n"
             "Content-Length: 0\r\n\r\n", 10000 + i, i, i + 1);
    }
    const sw_flow *f = w->flow;         /* live: its last OPTIONS waits for an answer */
    assert_non_null(f);
    assert_int_equal(f->messages, 300);
    assert_true(f->ev_neps <= 253);
    sw_evidence ev[SW_FLOW_EVIDENCE];
    assert_int_equal(sw_flow_evidence(f, ev, SW_FLOW_EVIDENCE), SW_FLOW_EVIDENCE);
    sw_endpoint none = {0};
    assert_true(ep_eq(ev[SW_FLOW_EVIDENCE - 1].src, none));    /* the 300th source: past the bound */
    assert_true(ep_eq(ev[SW_FLOW_EVIDENCE - 1].dst, BOB));
    assert_true(ep_eq(sw_flow_endpoint(f, 0), ep(11, 10000)));  /* the first request's client */
}

/* Hostile: a Call-ID longer than a packed text holds is not tracked (counted
 * as uncorrelated), and nothing else breaks. */
static void test_giant_call_id_is_uncorrelated(void **state)
{
    world *w = *state;
    size_t len = PACKED_TEXT_MAX + 100;
    char *id = malloc(len + 1);
    assert_non_null(id);
    memset(id, 'x', len);
    id[len] = '\0';
    sw_sip_msg m;
    memset(&m, 0, sizeof m);
    m.ts = w->now;
    m.src = ALICE;
    m.dst = BOB;
    m.call_id = id;
    m.has_cseq = true;
    m.cseq = 1;
    m.is_request = true;
    m.method = SW_METHOD_OPTIONS;
    m.cseq_method = SW_METHOD_OPTIONS;
    sw_correlate_message(w->corr, &m, false);
    sw_correlate_stats st;
    sw_correlate_get_stats(w->corr, &st);
    assert_int_equal(st.uncorrelated, 1);
    assert_int_equal(st.active_flows, 0);
    free(id);
    msg(w, 10, ALICE, BOB, "OPTIONS sip:bob@t SIP/2.0", "g1", 1, "OPTIONS", "", "");
    sw_correlate_get_stats(w->corr, &st);
    assert_int_equal(st.active_flows, 1);
}

/* A capture clock that leaps two days: frozen flows (a finished
 * registration, a talking call) are thawed and their idle time restarts;
 * the call is still the same call when its BYE comes after the leap. */
static void test_frozen_flows_survive_a_clock_leap(void **state)
{
    world *w = *state;
    static const char reg[] = "%s\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%s\r\n"
                              "From: <sip:alice@t>;tag=a1\r\nTo: <sip:alice@t>%s\r\nCall-ID: leap-reg\r\n"
                              "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
    feed(w, 0, ALICE, BOB, reg, "REGISTER sip:t SIP/2.0", "r1", "");
    feed(w, 10, BOB, ALICE, reg, "SIP/2.0 200 OK", "r1", ";tag=r");
    msg(w, 10, ALICE, BOB, "INVITE sip:bob@t SIP/2.0", "l1", 1, "INVITE", "", SDP);
    msg(w, 10, BOB, ALICE, "SIP/2.0 200 OK", "l1", 1, "INVITE", ";tag=b1", SDP);
    msg(w, 10, ALICE, BOB, "ACK sip:bob@t SIP/2.0", "l2", 1, "ACK", ";tag=b1", "");
    w->now += 48ULL * 3600 * SEC;
    msg(w, 0, BOB, ALICE, "BYE sip:alice@t SIP/2.0", "l3", 1, "BYE", ";tag=b1", "");
    sw_correlate_stats st;
    sw_correlate_get_stats(w->corr, &st);
    assert_int_equal(st.clock_jumps, 1);
    assert_int_equal(st.flows, 2);                  /* the BYE found its call */
    assert_string_equal(w->call_id, "quiet-1");
    assert_false(w->retransmission);
    assert_int_equal(w->ends, 0);                   /* nothing expired across the leap */
    msg(w, 10, ALICE, BOB, "SIP/2.0 200 OK", "l3", 1, "BYE", ";tag=b1", "");
    sw_correlate_finish(w->corr, w->now + 1000);
    assert_int_equal(w->ends, 2);
    sw_correlate_get_stats(w->corr, &st);
    assert_int_equal(st.active_flows, 0);
}

static void test_timed_out_call_stays_timed_out_when_quiet(void **state)
{
    world *w = *state;
    msg(w, 0, ALICE, BOB, "INVITE sip:bob@t SIP/2.0", "t1", 1, "INVITE", "", "");
    advance(w, 40 * 1000);              /* timed out at 32 s ... */
    advance(w, 1);                      /* ... then quiet: dropped at the next tick */
    sw_correlate_finish(w->corr, w->now + 1000);
    assert_int_equal(w->ends, 1);
    assert_false(w->has_txns);          /* at its end, the flow was compacted ... */
    assert_true(w->own_timeout);        /* ... and remembers its request timed out */
    assert_int_equal(w->end_state, SW_CALL_TIMEOUT);
}

static void test_transaction_ring_grows_to_its_bound(void **state)
{
    world *w = *state;
    char branch[16];
    for (unsigned i = 1; i <= SW_FLOW_TXNS + 1; i++) {
        snprintf(branch, sizeof branch, "o%u", i);
        msg(w, 100, ALICE, BOB, "OPTIONS sip:bob@t SIP/2.0", branch, i, "OPTIONS", "", "");
        msg(w, 5, BOB, ALICE, "SIP/2.0 200 OK", branch, i, "OPTIONS", ";tag=b1", "");
        assert_int_equal(w->ntxns, i < SW_FLOW_TXNS ? (i <= 1 ? 1 : i <= 2 ? 2 : i <= 4 ? 4 : 8) : 8);
    }
    /* The ninth took the first one's slot: a copy of the ninth is a
     * retransmission, a copy of the first is news. */
    msg(w, 5, ALICE, BOB, "OPTIONS sip:bob@t SIP/2.0", "o9", 9, "OPTIONS", "", "");
    assert_true(w->retransmission);
    msg(w, 5, ALICE, BOB, "OPTIONS sip:bob@t SIP/2.0", "o1", 1, "OPTIONS", "", "");
    assert_false(w->retransmission);
    msg(w, 5, ALICE, BOB, "OPTIONS sip:bob@t SIP/2.0", "o5", 5, "OPTIONS", "", "");
    assert_true(w->retransmission);
}

/* ---- media: packed SDP and oldest-first eviction ------------------------------------ */

static void sdp_message(sw_sip_msg *m, const char *call_id, const sw_sdp *sdp, bool request)
{
    memset(m, 0, sizeof *m);
    m->ts = T0;
    m->call_id = call_id;
    m->from_tag = "a1";
    m->is_request = request;
    m->method = SW_METHOD_INVITE;
    m->cseq_method = SW_METHOD_INVITE;
    m->status = request ? 0 : 200;
    m->src = ALICE;
    m->dst = BOB;
    m->sdp = *sdp;
}

static sw_sdp two_lines(void)
{
    sw_sdp s;
    memset(&s, 0, sizeof s);
    s.present = true;
    s.ice = true;
    s.nmedia = 2;
    s.media[0].kind = SW_SDP_AUDIO;
    s.media[0].dir = SW_SDP_SENDONLY;
    s.media[0].rtcp_mux = true;
    s.media[0].port = 4000;
    s.media[0].addr = ep(11, 0).ip;
    s.media[0].ncodecs = 3;
    const char *names[3] = {"PCMU", "opus", "telephone-event"};
    const uint8_t pts[3] = {0, 111, 101};
    const uint32_t rates[3] = {8000, 48000, 8000};
    for (int i = 0; i < 3; i++) {
        s.media[0].codecs[i].pt = pts[i];
        s.media[0].codecs[i].rate = rates[i];
        snprintf(s.media[0].codecs[i].name, sizeof s.media[0].codecs[i].name, "%s", names[i]);
    }
    s.media[1].kind = SW_SDP_IMAGE;
    s.media[1].t38 = true;
    s.media[1].srtp = true;
    s.media[1].port = 4002;
    s.media[1].addr.family = 6;
    s.media[1].addr.bytes[15] = 1;
    return s;
}

static void test_media_side_sdp_round_trip(void **state)
{
    (void)state;
    sw_media_config mc = {.max_calls = 4};
    sw_media *m = sw_media_create(&mc);
    assert_non_null(m);
    sw_sdp in = two_lines(), out;
    sw_sip_msg msg;
    sdp_message(&msg, "rt-1", &in, true);
    sw_media_learn(m, &msg);
    const sw_media_call *call = sw_media_find(m, "rt-1");
    assert_non_null(call);
    assert_true(sw_media_side_sdp(call, 0, &out));
    assert_false(sw_media_side_sdp(call, 1, &out));     /* the callee sent none */
    assert_int_equal(out.nmedia, 0);
    assert_true(sw_media_side_sdp(call, 0, &out));
    assert_int_equal(out.present, in.present);
    assert_int_equal(out.ice, in.ice);
    assert_int_equal(out.nmedia, 2);
    for (int i = 0; i < 2; i++) {
        const sw_sdp_media *a = &in.media[i], *b = &out.media[i];
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->dir, b->dir);
        assert_int_equal(a->t38, b->t38);
        assert_int_equal(a->srtp, b->srtp);
        assert_int_equal(a->rtcp_mux, b->rtcp_mux);
        assert_int_equal(a->port, b->port);
        assert_true(sw_ip_equal(&a->addr, &b->addr));
        assert_int_equal(a->ncodecs, b->ncodecs);
        for (int c = 0; c < a->ncodecs; c++) {
            assert_int_equal(a->codecs[c].pt, b->codecs[c].pt);
            assert_int_equal(a->codecs[c].rate, b->codecs[c].rate);
            assert_string_equal(a->codecs[c].name, b->codecs[c].name);
        }
    }
    sw_media_destroy(m);
}

static void test_media_evicts_the_oldest_call(void **state)
{
    (void)state;
    sw_media_config mc = {.max_calls = 2};
    sw_media *m = sw_media_create(&mc);
    assert_non_null(m);
    sw_sdp sdp = two_lines();
    sw_sip_msg msg;
    const char *ids[] = {"c1", "c2", "c3", "c4", "c5"};
    sdp_message(&msg, ids[0], &sdp, true);
    sw_media_learn(m, &msg);
    sdp_message(&msg, ids[1], &sdp, true);
    sw_media_learn(m, &msg);
    sdp_message(&msg, ids[2], &sdp, true);
    sw_media_learn(m, &msg);                            /* full: c1 goes */
    assert_null(sw_media_find(m, "c1"));
    assert_non_null(sw_media_find(m, "c2"));
    assert_non_null(sw_media_find(m, "c3"));
    sw_media_forget(m, "c2");
    sdp_message(&msg, ids[3], &sdp, true);
    sw_media_learn(m, &msg);                            /* room again: nobody goes */
    assert_non_null(sw_media_find(m, "c3"));
    sdp_message(&msg, ids[4], &sdp, true);
    sw_media_learn(m, &msg);                            /* c3 is now the oldest */
    assert_null(sw_media_find(m, "c3"));
    assert_non_null(sw_media_find(m, "c4"));
    assert_non_null(sw_media_find(m, "c5"));
    sw_media_stats st;
    sw_media_get_stats(m, &st);
    assert_int_equal(st.calls_evicted, 2);
    sw_media_destroy(m);
}

int main(void)
{
    sw_sip_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_text_fields),
        cmocka_unit_test(test_object_pool_reuses_and_zeroes),
        cmocka_unit_test(test_evidence_store_order_endpoints_and_overwrite),
        cmocka_unit_test(test_flow_table_buckets_grow),
        cmocka_unit_test(test_frozen_flow_thaws_as_it_was),
        cmocka_unit_test(test_frozen_flow_tail_drops_to_compacted),
        cmocka_unit_test_setup_teardown(test_quiet_dialog_drops_its_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_store_size_is_the_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_endpoints_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_giant_call_id_is_uncorrelated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timed_out_call_stays_timed_out_when_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frozen_flows_survive_a_clock_leap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_ring_grows_to_its_bound, setup, teardown),
        cmocka_unit_test(test_media_side_sdp_round_trip),
        cmocka_unit_test(test_media_evicts_the_oldest_call),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return rc;
}
