/* Unit tests for the findings lifecycle: a resolved finding is history (the
 * problem coming back opens a new finding, the old one keeps its words), a
 * finding's identity (Call-ID, endpoints, first_seen) never changes after it
 * opened, and auth-loop names the accounts of the attempts that make it,
 * not the first request of the Call-ID. */
#include "rule_world.h"

static sw_finding *open_one(sw_findings *fs, const char *key, sw_time_us now, const char *call_id,
                            const char *summary)
{
    bool created;
    sw_finding *f = sw_findings_get(fs, "auth-loop", key, now, &created);
    assert_non_null(f);
    if (created) {
        snprintf(f->call_id, sizeof f->call_id, "%s", call_id);
        f->first_seen = now;
    }
    snprintf(f->summary, sizeof f->summary, "%s", summary);
    sw_findings_commit(fs, f, created, SW_SEV_INFO);
    return f;
}

static void test_resolved_finding_is_never_reopened(void **state)
{
    (void)state;
    sw_findings *fs = sw_findings_create(0, NULL, NULL);
    sw_finding *first = open_one(fs, "k", T0, "call-1", "loop for alice");
    uint64_t first_id = first->id;
    sw_findings_resolve(fs, "auth-loop", "k", T0 + SEC, "succeeded");
    sw_finding *second = open_one(fs, "k", T0 + 60 * SEC, "call-1", "loop for bob");
    assert_true(second->id != first_id);
    assert_int_equal(sw_findings_count(fs), 2);
    const sw_finding *old = sw_findings_at(fs, 0);
    assert_int_equal(old->id, first_id);
    assert_int_equal(old->state, SW_FINDING_RESOLVED);
    assert_string_equal(old->summary, "loop for alice");
    assert_int_equal(old->first_seen, T0);
    assert_int_equal(sw_findings_at(fs, 1)->state, SW_FINDING_OPEN);
    assert_ptr_equal(sw_findings_find(fs, "auth-loop", "k"), sw_findings_at(fs, 1));
    /* Resolving again touches only the new one. */
    sw_findings_resolve(fs, "auth-loop", "k", T0 + 61 * SEC, "succeeded");
    assert_int_equal(sw_findings_at(fs, 1)->state, SW_FINDING_RESOLVED);
    assert_int_equal(sw_findings_at(fs, 0)->resolved_at, T0 + SEC);
    sw_findings_stats st;
    sw_findings_get_stats(fs, &st);
    assert_int_equal(st.opened, 2);
    assert_int_equal(st.resolved, 2);
    sw_findings_destroy(fs);
}

static void test_identity_is_kept_on_update(void **state)
{
    (void)state;
    sw_findings *fs = sw_findings_create(0, NULL, NULL);
    open_one(fs, "k", T0, "call-1", "first");
    bool created;
    sw_finding *f = sw_findings_get(fs, "auth-loop", "k", T0 + 5 * SEC, &created);
    assert_false(created);
    snprintf(f->call_id, sizeof f->call_id, "call-2");       /* a careless rule */
    f->first_seen = T0 + 5 * SEC;
    f->src = ep(99, 1);
    snprintf(f->summary, sizeof f->summary, "second");
    sw_findings_commit(fs, f, false, SW_SEV_INFO);
    assert_string_equal(f->call_id, "call-1");
    assert_int_equal(f->first_seen, T0);
    assert_int_equal(f->src.ip.family, 0);
    assert_string_equal(f->summary, "second");                 /* the words may be refreshed */
    assert_int_equal(f->last_seen, T0 + 5 * SEC);
    sw_findings_destroy(fs);
}

static void reg(world *w, unsigned after, const char *user, unsigned cseq, bool with_creds)
{
    char auth[256] = "";
    if (with_creds)
        snprintf(auth, sizeof auth,
                 "Authorization: Digest username=\"%s\", realm=\"pbx.test\", nonce=\"n%u\", "
                 "uri=\"sip:pbx.test\", response=\"r%u\"\r\n", user, cseq, cseq);
    feed(w, after, UA, PBX,
         "REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%u\r\n"
         "From: <sip:%s@pbx.test>;tag=ua1\r\nTo: <sip:%s@pbx.test>\r\nCall-ID: shared-1\r\n"
         "CSeq: %u REGISTER\r\n%sContent-Length: 0\r\n\r\n", cseq, user, user, cseq, auth);
}

static void reg_resp(world *w, unsigned after, const char *user, unsigned cseq, int code)
{
    feed(w, after, PBX, UA,
         "SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%u\r\n"
         "From: <sip:%s@pbx.test>;tag=ua1\r\nTo: <sip:%s@pbx.test>;tag=s\r\nCall-ID: shared-1\r\n"
         "CSeq: %u REGISTER\r\n%sContent-Length: 0\r\n\r\n", code, code == 200 ? "OK" : "Unauthorized", cseq,
         user, user, cseq, code == 401 ? "WWW-Authenticate: Digest realm=\"pbx.test\", nonce=\"x\"\r\n" : "");
}

/* One account's loop: 3 challenges, 2 of them to credentials. */
static void account_loop(world *w, const char *user, unsigned *cseq)
{
    for (int i = 0; i < 3; i++) {
        reg(w, 1000, user, *cseq, i > 0);
        reg_resp(w, 50, user, *cseq, 401);
        (*cseq)++;
    }
}

static const char *f_call(const sw_finding *f)
{
    return f->call_id;
}

static void test_auth_loop_named_from_its_own_attempts(void **state)
{
    world *w = *state;
    unsigned cseq = 1;
    account_loop(w, "alice", &cseq);
    assert_int_equal(count_rule(w, "auth-loop"), 1);
    reg(w, 1000, "alice", cseq, true);
    reg_resp(w, 50, "alice", cseq++, 200);                    /* alice succeeds: resolved */
    assert_int_equal(first_of(w, "auth-loop")->state, SW_FINDING_RESOLVED);
    /* One ordinary challenge after the success is not a loop again. */
    reg(w, 1000, "alice", cseq, false);
    reg_resp(w, 50, "alice", cseq++, 401);
    assert_int_equal(count_rule(w, "auth-loop"), 1);
    /* The same phone, same Call-ID, now loops on another account. */
    account_loop(w, "bob", &cseq);
    assert_int_equal(count_rule(w, "auth-loop"), 2);
    const sw_finding *old = sw_findings_at(w->findings, 0), *now = sw_findings_at(w->findings, 1);
    assert_int_equal(old->state, SW_FINDING_RESOLVED);
    assert_non_null(strstr(old->summary, "alice@pbx.test"));
    assert_null(strstr(old->summary, "bob"));
    assert_int_equal(now->state, SW_FINDING_OPEN);
    assert_true(now->id > old->id);
    assert_true(now->first_seen > old->last_seen);
    assert_non_null(strstr(now->summary, "bob@pbx.test"));
    assert_null(strstr(now->summary, "alice"));
    assert_string_equal(detail(now, "aor"), "bob@pbx.test");
    assert_string_equal(f_call(now), "shared-1");
}

int main(void)
{
    sw_sip_init();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolved_finding_is_never_reopened),
        cmocka_unit_test(test_identity_is_kept_on_update),
        T(test_auth_loop_named_from_its_own_attempts),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return failed;
}
