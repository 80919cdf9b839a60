/* Unit tests for call records from message sequences: each INVITE outcome
 * (answered, completed, busy, cancelled, no answer, failed, rejected,
 * timeout, in progress), a challenge before the real attempt, CANCEL racing
 * the 200, a re-INVITE, a 200 retransmitted before its ACK, who ended the
 * call, and the times behind post-dial delay and duration. */
#include "rule_world.h"

#include "sipwatch/call_stats.h"

static sw_call last_call;
static int calls_seen;

static void on_event_calls(void *user, const sw_event *ev)
{
    world *w = user;
    sw_rules_evaluate(&w->ctx, ev);
    if (ev->kind == SW_EVENT_FLOW_END) {
        sw_flow_call(ev->flow, &last_call);
        static char id[128];
        snprintf(id, sizeof id, "%s", last_call.call_id);
        last_call.call_id = id;     /* the flow is gone after the event */
        last_call.from_user = last_call.from_host = last_call.to_user = last_call.to_host = NULL;
        last_call.reason = last_call.from_display = last_call.method = NULL;
        calls_seen++;
    }
}

static int setup_calls(void **state)
{
    setup(state);
    world *w = *state;
    sw_correlator_destroy(w->corr);
    w->corr = sw_correlator_create(&w->ccfg, on_event_calls, w);
    calls_seen = 0;
    memset(&last_call, 0, sizeof last_call);
    return 0;
}

#define CALL(branch, cseq, method, totag)                                                    \
    "Via: SIP/2.0/UDP 127.0.0.11:5071;branch=" branch "\r\nFrom: <sip:alice@pbx.test>;tag=a\r\n" \
    "To: <sip:bob@pbx.test>" totag "\r\nCall-ID: call-1\r\nCSeq: " cseq " " method "\r\n"
#define CALL_REV(branch, cseq, method)                                                       \
    "Via: SIP/2.0/UDP 127.0.0.10:5070;branch=" branch "\r\nFrom: <sip:bob@pbx.test>;tag=b\r\n"  \
    "To: <sip:alice@pbx.test>;tag=a\r\nCall-ID: call-1\r\nCSeq: " cseq " " method "\r\n"

static void invite(world *w, unsigned after, const char *branch, const char *cseq)
{
    feed(w, after, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" CALL("%s", "%s", "INVITE", "")
         "Content-Length: 0\r\n\r\n", branch, cseq);
}

static void answer(world *w, unsigned after, const char *branch, const char *cseq, int code)
{
    feed(w, after, PBX, UA, "SIP/2.0 %d X\r\n" CALL("%s", "%s", "INVITE", ";tag=b") "Content-Length: 0\r\n\r\n",
         code, branch, cseq);
}

static void request(world *w, unsigned after, sw_endpoint src, sw_endpoint dst, const char *method,
                    const char *branch, const char *cseq)
{
    feed(w, after, src, dst, "%s sip:x@pbx.test SIP/2.0\r\n" CALL("%s", "%s", "%s", ";tag=b")
         "Content-Length: 0\r\n\r\n", method, branch, cseq, method);
}

static void test_answered_then_completed(void **state)
{
    world *w = *state;
    invite(w, 0, "z9hG4bK-1", "1");
    answer(w, 100, "z9hG4bK-1", "1", 100);
    answer(w, 400, "z9hG4bK-1", "1", 180);
    answer(w, 2000, "z9hG4bK-1", "1", 200);
    answer(w, 500, "z9hG4bK-1", "1", 200);                  /* re-sent before the ACK */
    request(w, 10, UA, PBX, "ACK", "z9hG4bK-2", "1");
    feed(w, 10000, PBX, UA, "BYE sip:alice@127.0.0.11 SIP/2.0\r\n" CALL_REV("z9hG4bK-3", "1", "BYE")
         "Content-Length: 0\r\n\r\n");
    finish(w, 100);
    assert_int_equal(calls_seen, 1);
    assert_int_equal(last_call.state, SW_CALL_COMPLETED);
    assert_int_equal(last_call.final_status, 200);
    assert_int_equal(last_call.ender, SW_ENDER_CALLEE);
    assert_int_equal(last_call.first_provisional - last_call.start, 500 * MS);
    assert_int_equal(last_call.answer - last_call.start, 2500 * MS);
    assert_int_equal(last_call.end - last_call.answer, 10510 * MS);
    assert_int_equal(last_call.retransmissions, 1);
    assert_int_equal(last_call.messages, 7);
}

static void test_answered_without_bye_at_end(void **state)
{
    world *w = *state;
    invite(w, 0, "z9hG4bK-1", "1");
    answer(w, 100, "z9hG4bK-1", "1", 200);
    request(w, 10, UA, PBX, "ACK", "z9hG4bK-2", "1");
    /* A re-INVITE (hold) answered 491 does not change the call's outcome. */
    request(w, 5000, UA, PBX, "INVITE", "z9hG4bK-4", "2");
    feed(w, 10, PBX, UA, "SIP/2.0 491 Request Pending\r\n" CALL("z9hG4bK-4", "2", "INVITE", ";tag=b")
         "Content-Length: 0\r\n\r\n");
    finish(w, 1000);
    assert_int_equal(last_call.state, SW_CALL_ANSWERED);
    assert_int_equal(last_call.final_status, 200);
}

static void outcome(world *w, int code, sw_call_state want)
{
    invite(w, 0, "z9hG4bK-1", "1");
    answer(w, 100, "z9hG4bK-1", "1", 180);
    answer(w, 3000, "z9hG4bK-1", "1", code);
    request(w, 10, UA, PBX, "ACK", "z9hG4bK-1", "1");
    finish(w, 100);
    assert_int_equal(calls_seen, 1);
    assert_int_equal(last_call.final_status, code);
    assert_int_equal(last_call.state, want);
    assert_int_equal(last_call.ender, SW_ENDER_CALLEE);
}

static void test_busy(void **state) { outcome(*state, 486, SW_CALL_BUSY); }
static void test_busy_everywhere(void **state) { outcome(*state, 600, SW_CALL_BUSY); }
static void test_no_answer(void **state) { outcome(*state, 480, SW_CALL_NO_ANSWER); }
static void test_failed(void **state) { outcome(*state, 503, SW_CALL_FAILED); }
static void test_declined(void **state) { outcome(*state, 603, SW_CALL_REJECTED); }
static void test_rejected(void **state) { outcome(*state, 404, SW_CALL_REJECTED); }

static void test_cancelled_and_cancel_racing_200(void **state)
{
    world *w = *state;
    invite(w, 0, "z9hG4bK-1", "1");
    answer(w, 100, "z9hG4bK-1", "1", 180);
    feed(w, 3000, UA, PBX, "CANCEL sip:bob@pbx.test SIP/2.0\r\n" CALL("z9hG4bK-1", "1", "CANCEL", "")
         "Content-Length: 0\r\n\r\n");
    answer(w, 5, "z9hG4bK-1", "1", 487);
    finish(w, 100);
    assert_int_equal(last_call.state, SW_CALL_CANCELLED);
    assert_int_equal(last_call.ender, SW_ENDER_CALLER);

    /* The 200 wins the race: the call is answered, whatever the CANCEL meant. */
    calls_seen = 0;
    feed(w, 1000, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-9\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>\r\nCall-ID: call-2\r\nCSeq: 1 INVITE\r\n"
         "Content-Length: 0\r\n\r\n");
    feed(w, 3000, UA, PBX, "CANCEL sip:bob@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-9\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>\r\nCall-ID: call-2\r\nCSeq: 1 CANCEL\r\n"
         "Content-Length: 0\r\n\r\n");
    feed(w, 1, PBX, UA, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-9\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>;tag=b\r\nCall-ID: call-2\r\nCSeq: 1 INVITE\r\n"
         "Content-Length: 0\r\n\r\n");
    finish(w, 100);
    assert_int_equal(last_call.state, SW_CALL_ANSWERED);
}

static void test_challenge_then_answer(void **state)
{
    world *w = *state;
    invite(w, 0, "z9hG4bK-1", "1");
    feed(w, 5, PBX, UA, "SIP/2.0 407 Proxy Authentication Required\r\n" CALL("z9hG4bK-1", "1", "INVITE", ";tag=x")
         "Proxy-Authenticate: Digest realm=\"pbx.test\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n");
    request(w, 5, UA, PBX, "ACK", "z9hG4bK-1", "1");
    invite(w, 5, "z9hG4bK-2", "2");
    answer(w, 100, "z9hG4bK-2", "2", 183);
    answer(w, 1000, "z9hG4bK-2", "2", 200);
    finish(w, 100);
    assert_int_equal(last_call.state, SW_CALL_ANSWERED);
    assert_int_equal(last_call.final_status, 200);
    assert_true(last_call.first_provisional > 0);
}

static void test_slow_retry_after_challenge_is_one_call(void **state)
{
    world *w = *state;
    invite(w, 0, "z9hG4bK-1", "1");
    feed(w, 5, PBX, UA, "SIP/2.0 407 Proxy Authentication Required\r\n" CALL("z9hG4bK-1", "1", "INVITE", ";tag=x")
         "Proxy-Authenticate: Digest realm=\"pbx.test\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n");
    request(w, 5, UA, PBX, "ACK", "z9hG4bK-1", "1");
    invite(w, 40000, "z9hG4bK-2", "2");             /* the user typed a password: 40 s later */
    answer(w, 1000, "z9hG4bK-2", "2", 200);
    finish(w, 100);
    assert_int_equal(calls_seen, 1);
    assert_int_equal(last_call.state, SW_CALL_ANSWERED);
}

static void test_timeout_and_in_progress(void **state)
{
    world *w = *state;
    invite(w, 0, "z9hG4bK-1", "1");
    advance(w, 40000);
    finish(w, 0);
    assert_int_equal(last_call.state, SW_CALL_TIMEOUT);
    assert_int_equal(last_call.ender, SW_ENDER_TIMEOUT);
    /* Ringing when the capture ends: in progress. */
    calls_seen = 0;
    feed(w, 1000, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-8\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>\r\nCall-ID: call-3\r\nCSeq: 1 INVITE\r\n"
         "Content-Length: 0\r\n\r\n");
    feed(w, 100, PBX, UA, "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-8\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>;tag=b\r\nCall-ID: call-3\r\nCSeq: 1 INVITE\r\n"
         "Content-Length: 0\r\n\r\n");
    finish(w, 5000);
    assert_int_equal(last_call.state, SW_CALL_IN_PROGRESS);
}

static void test_register_is_a_record_too(void **state)
{
    world *w = *state;
    register_req(w, 0, "z9hG4bK-r1", 1, NULL);
    register_resp(w, 5, "z9hG4bK-r1", 1, 401, challenge("n1", false));
    register_req(w, 5, "z9hG4bK-r2", 2, creds("n1", "x"));
    register_resp(w, 5, "z9hG4bK-r2", 2, 200, NULL);
    finish(w, 100);
    assert_int_equal(calls_seen, 1);
    assert_int_equal(last_call.state, SW_CALL_COMPLETED);
    assert_int_equal(last_call.final_status, 200);
    assert_int_equal(last_call.answer, 0);
}

static void test_forked_invite_branches(void **state)
{
    world *w = *state;
    invite(w, 0, "z9hG4bK-1", "1");
    feed(w, 50, PBX, UA, "SIP/2.0 180 Ringing\r\n" CALL("z9hG4bK-1", "1", "INVITE", ";tag=desk")
         "Content-Length: 0\r\n\r\n");
    feed(w, 10, PBX, UA, "SIP/2.0 180 Ringing\r\n" CALL("z9hG4bK-1", "1", "INVITE", ";tag=mobile")
         "Content-Length: 0\r\n\r\n");
    feed(w, 3000, PBX, UA, "SIP/2.0 486 Busy Here\r\n" CALL("z9hG4bK-1", "1", "INVITE", ";tag=desk")
         "Content-Length: 0\r\n\r\n");
    feed(w, 500, PBX, UA, "SIP/2.0 200 OK\r\n" CALL("z9hG4bK-1", "1", "INVITE", ";tag=mobile")
         "Content-Length: 0\r\n\r\n");
    finish(w, 100);
    assert_int_equal(last_call.nbranches, 2);
    assert_int_equal(last_call.branch_status[0], 486);
    assert_int_equal(last_call.branch_status[1], 200);
    assert_int_equal(last_call.state, SW_CALL_ANSWERED);
    /* The other order: a late failure on one branch does not undo the answer. */
    calls_seen = 0;
    feed(w, 1000, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-7\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>\r\nCall-ID: call-4\r\nCSeq: 1 INVITE\r\n"
         "Content-Length: 0\r\n\r\n");
    feed(w, 100, PBX, UA, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-7\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>;tag=m\r\nCall-ID: call-4\r\nCSeq: 1 INVITE\r\n"
         "Content-Length: 0\r\n\r\n");
    feed(w, 100, PBX, UA, "SIP/2.0 487 Request Terminated\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-7\r\n"
         "From: <sip:alice@pbx.test>;tag=a\r\nTo: <sip:bob@pbx.test>;tag=d\r\nCall-ID: call-4\r\nCSeq: 1 INVITE\r\n"
         "Content-Length: 0\r\n\r\n");
    finish(w, 100);
    assert_int_equal(last_call.state, SW_CALL_ANSWERED);
    assert_int_equal(last_call.final_status, 200);
    assert_int_equal(last_call.nbranches, 2);
}

/* KPIs: overall and per peer, the busiest first, the rest in "other". */
static void test_kpis_overall_and_per_peer(void **state)
{
    (void)state;
    static sw_call_stats cs;
    memset(&cs, 0, sizeof cs);
    sw_call c = {.method = "INVITE", .start = 1000 * SEC};
    for (int i = 0; i < 40; i++) {
        c.dst = ep(100 + i % 35, 5060);
        c.state = i % 4 == 0 ? SW_CALL_BUSY : SW_CALL_COMPLETED;
        c.final_status = i % 4 == 0 ? 486 : 200;
        c.first_provisional = c.start + 300 * MS;
        c.answer = c.state == SW_CALL_COMPLETED ? c.start + 2 * SEC : 0;
        c.end = c.start + 62 * SEC;
        sw_call_stats_add(&cs, &c);
    }
    sw_call reg = {.method = "REGISTER", .state = SW_CALL_COMPLETED, .final_status = 200};
    sw_call_stats_add(&cs, &reg);
    assert_int_equal(cs.records, 41);
    assert_int_equal(cs.attempts, 40);
    assert_true(sw_call_stats_asr(&cs) > 0.749 && sw_call_stats_asr(&cs) < 0.751);
    assert_true(sw_call_stats_ner(&cs) > 0.999);                /* busy is delivered too */
    assert_true(sw_call_stats_pdd_ms(&cs) > 299 && sw_call_stats_pdd_ms(&cs) < 301);
    assert_true(sw_call_stats_acd_s(&cs) > 59.9 && sw_call_stats_acd_s(&cs) < 60.1);
    const sw_peer_calls *top[5];
    unsigned n = sw_call_stats_top_peers(&cs, top, 5);
    assert_int_equal(n, 5);
    /* 35 peers for 32 rows: the last 3 share "other" (3 calls), the busiest;
     * peers .100 to .104 had two calls each, the others one. */
    assert_int_equal(cs.npeers, SW_CALL_PEERS);
    assert_int_equal(top[0]->peer.family, 0);
    assert_int_equal(top[0]->attempts, 3);
    for (unsigned i = 1; i < 5; i++) {
        assert_int_equal(top[i]->attempts, 2);
        assert_int_equal(top[i]->peer.bytes[3], 100 + (i - 1));
    }
}

int main(void)
{
    sw_sip_init();
#define C(name) cmocka_unit_test_setup_teardown(name, setup_calls, teardown)
    const struct CMUnitTest tests[] = {
        C(test_answered_then_completed),
        C(test_answered_without_bye_at_end),
        C(test_busy),
        C(test_busy_everywhere),
        C(test_no_answer),
        C(test_failed),
        C(test_declined),
        C(test_rejected),
        C(test_cancelled_and_cancel_racing_200),
        C(test_challenge_then_answer),
        C(test_slow_retry_after_challenge_is_one_call),
        C(test_timeout_and_in_progress),
        C(test_register_is_a_record_too),
        C(test_forked_invite_branches),
        cmocka_unit_test(test_kpis_overall_and_per_peer),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return failed;
}
