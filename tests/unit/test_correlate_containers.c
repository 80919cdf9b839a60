/* Unit tests for the correlator's containers, each against its contract:
 * the wake heap against a brute-force minimum under random pushes, moves and
 * removals, and cleared at once; the flow table's lookup, LRU order and
 * removal; the peer table's bound, eviction count and idle expiry; the
 * orphan table's deadlines, answers and end-of-capture judgement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/correlate/corr_util.h"
#include "../../src/correlate/flow_table.h"
#include "../../src/correlate/orphans.h"
#include "../../src/correlate/peer_table.h"
#include "../../src/correlate/wake_heap.h"

#define SEC 1000000ULL

static void test_wake_heap_orders_like_brute_force(void **state)
{
    (void)state;
    enum { N = 500 };
    flow_link nodes[N];
    bool in[N];
    sw_time_us wake[N];             /* what each node in the heap was last given */
    memset(nodes, 0, sizeof nodes);
    memset(in, 0, sizeof in);
    wake_heap h;
    assert_true(wake_heap_init(&h));
    srand(7);
    for (int round = 0; round < 20000; round++) {
        int i = rand() % N;
        sw_time_us w = (sw_time_us)(rand() % 100000) + 1;
        int op = rand() % 3;
        if (!in[i]) {
            assert_true(wake_heap_push(&h, &nodes[i], w));
            in[i] = true;
            wake[i] = w;
        } else if (op == 0) {
            wake_heap_set(&h, &nodes[i], w);
            wake[i] = w;
        } else if (op == 1) {
            wake_heap_remove(&h, &nodes[i]);
            in[i] = false;
        }
        sw_time_us min = 0, top;
        size_t count = 0;
        for (int k = 0; k < N; k++)
            if (in[k]) {
                count++;
                assert_int_equal(wake_heap_time(&h, &nodes[k]), wake[k]);   /* each node's index is right */
                if (!min || wake[k] < min)
                    min = wake[k];
            }
        assert_int_equal(h.len, count);
        flow_link *t = wake_heap_top(&h, &top);
        if (count) {
            assert_non_null(t);
            assert_int_equal(top, min);
            assert_int_equal(wake[t - nodes], min);
        } else {
            assert_null(t);
        }
    }
    wake_heap_free(&h);
}

/* Cleared, the heap is empty at once: removing a flow it held does nothing
 * (and cannot disturb flows pushed after the clear). */
static void test_wake_heap_clear_then_remove(void **state)
{
    (void)state;
    flow_link old[3], fresh[2];
    memset(old, 0, sizeof old);
    memset(fresh, 0, sizeof fresh);
    wake_heap h;
    assert_true(wake_heap_init(&h));
    for (int i = 0; i < 3; i++)
        assert_true(wake_heap_push(&h, &old[i], (sw_time_us)(10 + i)));
    wake_heap_clear(&h);
    sw_time_us top;
    assert_null(wake_heap_top(&h, &top));
    assert_true(wake_heap_push(&h, &fresh[0], 50));
    assert_true(wake_heap_push(&h, &fresh[1], 40));
    for (int i = 0; i < 3; i++)
        wake_heap_remove(&h, &old[i]);      /* old[0] still says index 0: fresh[1] sits there now */
    assert_int_equal(h.len, 2);
    assert_ptr_equal(wake_heap_top(&h, &top), &fresh[1]);
    assert_int_equal(top, 40);
    wake_heap_remove(&h, &fresh[1]);
    assert_ptr_equal(wake_heap_top(&h, &top), &fresh[0]);
    assert_int_equal(top, 50);
    wake_heap_free(&h);
}

static void test_flow_table_lookup_lru_remove(void **state)
{
    (void)state;
    flow_table t;
    assert_true(flow_table_init(&t));
    char id[32];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "call-%d", i);
        flow_node *n = flow_table_insert(&t, id, hash_str(FNV_SEED, id), NULL);
        assert_non_null(n);
        assert_string_equal(n->flow.call_id, id);
    }
    assert_int_equal(t.count, 300);
    assert_string_equal(flow_node_of_link(flow_table_oldest(&t))->flow.call_id, "call-0");
    /* Touching the oldest makes call-1 the oldest. */
    flow_link *l0 = flow_table_lookup(&t, "call-0", hash_str(FNV_SEED, "call-0"));
    assert_non_null(l0);
    flow_node *n0 = flow_node_of_link(l0);
    flow_table_touch(&t, l0);
    assert_string_equal(flow_node_of_link(flow_table_oldest(&t))->flow.call_id, "call-1");
    assert_null(flow_table_lookup(&t, "call-300", hash_str(FNV_SEED, "call-300")));
    /* A flow's own allocations go with it. */
    n0->flow.refers = calloc(SW_FLOW_REFERS, sizeof *n0->flow.refers);
    n0->flow.auth[1] = calloc(1, sizeof *n0->flow.auth[1]);
    flow_table_remove(&t, l0);
    assert_null(flow_table_lookup(&t, "call-0", hash_str(FNV_SEED, "call-0")));
    assert_int_equal(t.count, 299);
    flow_table_free(&t);
}

static void test_peer_table_bound_and_idle_expiry(void **state)
{
    (void)state;
    peer_table t;
    assert_true(peer_table_init(&t, 50, 600 * SEC));
    sw_ip_addr ip = {.family = 4, .bytes = {10, 0, 0, 0}};
    for (int i = 0; i < 120; i++) {
        ip.bytes[2] = (uint8_t)(i >> 8);
        ip.bytes[3] = (uint8_t)i;
        assert_non_null(peer_table_get(&t, &ip, (sw_time_us)(i + 1) * SEC));
    }
    assert_int_equal(t.active, 50);
    assert_int_equal(t.created, 120);
    assert_int_equal(t.evicted, 70);
    /* The same address is the same peer. */
    sw_peer *p = peer_table_get(&t, &ip, 200 * SEC);
    assert_ptr_equal(p, peer_table_get(&t, &ip, 201 * SEC));
    assert_int_equal(t.created, 120);
    /* Long idle: the old ones expire (not counted as evicted) before a new one is made. */
    ip.bytes[3] = 250;
    peer_table_get(&t, &ip, 2000 * SEC);
    assert_int_equal(t.evicted, 70);
    assert_int_equal(t.active, 1);
    sw_ip_addr unset = {0};
    assert_null(peer_table_get(&t, &unset, 2001 * SEC));
    peer_table_free(&t);
}

typedef struct judged {
    int calls;
    uint32_t unanswered[4];
    bool expired[4];
} judged;

static void on_due(void *user, const sw_orphan *o, bool expired)
{
    judged *j = user;
    if (j->calls < 4) {
        j->unanswered[j->calls] = o->judged;
        j->expired[j->calls] = expired;
    }
    j->calls++;
}

static void test_orphans_deadline_answer_and_end(void **state)
{
    (void)state;
    orphan_table t;
    memset(&t, 0, sizeof t);
    sw_flow f = {.call_id = "c", .first_method = SW_METHOD_INVITE};
    f.server.ip.family = 4;
    f.server.ip.bytes[0] = 192;
    f.server.port = 5060;
    const sw_endpoint server = f.server;
    sw_txn tx = {.method = SW_METHOD_INVITE, .first_ts = 10 * SEC, .server_ep = 1};
    assert_int_equal(sw_txn_server(&f, &tx).port, 5060);
    for (int i = 0; i < 5; i++) {
        tx.first_ts = (sw_time_us)(10 + i) * SEC;
        assert_true(orphans_add(&t, &f, &tx, 32 * SEC));
    }
    assert_int_equal(t.due, 42 * SEC);
    orphans_answered(&t, &server, SW_METHOD_INVITE);         /* one answer came back */
    orphans_answered(&t, &server, SW_METHOD_REGISTER);       /* another method: not ours */
    assert_false(orphans_due(&t, 41 * SEC));
    assert_true(orphans_due(&t, 42 * SEC));
    judged j = {0};
    /* The answer took the oldest (10 s): the rest, sent 11..14 s, are due by 46 s. */
    orphans_judge(&t, 42 * SEC, 32 * SEC, false, on_due, &j);
    assert_int_equal(j.calls, 0);
    assert_int_equal(t.due, 43 * SEC);
    orphans_judge(&t, 46 * SEC, 32 * SEC, false, on_due, &j);
    assert_int_equal(j.calls, 1);
    assert_int_equal(j.unanswered[0], 4);
    assert_true(j.expired[0]);
    assert_int_equal(t.due, 0);
    /* Requests evicted a moment after they were sent wait their own timeout. */
    tx.first_ts = 41 * SEC;
    f.call_id = "e";
    orphans_add(&t, &f, &tx, 32 * SEC);
    orphans_judge(&t, 47 * SEC, 32 * SEC, false, on_due, &j);
    assert_int_equal(j.calls, 1);
    assert_int_equal(t.due, 73 * SEC);
    assert_int_equal(orphans_unanswered(&t.e[0]), 1);
    orphans_answered(&t, &server, SW_METHOD_INVITE);
    assert_int_equal(orphans_unanswered(&t.e[0]), 0);
    /* Judged ones are not judged twice; new ones left at the end are, unexpired. */
    tx.first_ts = 50 * SEC;
    f.call_id = "d";
    orphans_add(&t, &f, &tx, 32 * SEC);
    orphans_judge(&t, 60 * SEC, 32 * SEC, true, on_due, &j);
    assert_int_equal(j.calls, 2);
    assert_int_equal(j.unanswered[1], 1);
    assert_false(j.expired[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wake_heap_orders_like_brute_force),
        cmocka_unit_test(test_wake_heap_clear_then_remove),
        cmocka_unit_test(test_flow_table_lookup_lru_remove),
        cmocka_unit_test(test_peer_table_bound_and_idle_expiry),
        cmocka_unit_test(test_orphans_deadline_answer_and_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
