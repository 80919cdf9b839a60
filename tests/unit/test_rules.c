/* Unit tests for the correlator and the diagnosis rules, driven by SIP
 * message sequences (parsed from text, no pcap): each rule's positive case
 * and the false-positive traps: a single challenge, a retransmitted 401,
 * 407 then 401, stale nonces, a second capture point, NOTIFY before 202, two
 * REFERs in one dialog, Refer-Sub: false, a REFER refused with 488, a
 * SUBSCRIBE answered 202; deadlines, end of capture, and bounded state. */
#include "rule_world.h"

/* ---- auth-loop / auth-rejected ---------------------------------------- */

static void test_auth_loop_fires(void **state)
{
    world *w = *state;
    register_req(w, 0, "z9hG4bK-1", 1, NULL);
    register_resp(w, 5, "z9hG4bK-1", 1, 401, challenge("n1", false));
    register_req(w, 5, "z9hG4bK-2", 2, creds("n1", "aaaa"));
    register_resp(w, 5, "z9hG4bK-2", 2, 401, challenge("n2", false));
    assert_int_equal(count_rule(w, "auth-loop"), 0);     /* 2 challenges, 1 rejected: not yet */
    register_req(w, 5, "z9hG4bK-3", 3, creds("n2", "bbbb"));
    register_resp(w, 5, "z9hG4bK-3", 3, 401, challenge("n3", false));
    assert_int_equal(count_rule(w, "auth-loop"), 1);
    const sw_finding *f = first_of(w, "auth-loop");
    assert_int_equal(f->severity, SW_SEV_CRITICAL);
    assert_int_equal(f->count, 3);
    assert_string_equal(detail(f, "rejected_credentials"), "2");
    assert_string_equal(detail(f, "realm"), "pbx.test");
    assert_string_equal(detail(f, "auth_username"), "alice");
    assert_string_equal(detail(f, "challenger"), "registrar/UAS (401)");
    assert_string_equal(detail(f, "method"), "REGISTER");
    assert_string_equal(f->call_id, "reg-1");
    assert_non_null(strstr(f->suggestion, "password"));
    assert_non_null(strstr(f->suggestion, "fail2ban"));
    /* More of the same updates the one finding. */
    register_req(w, 5, "z9hG4bK-4", 4, creds("n3", "cccc"));
    register_resp(w, 5, "z9hG4bK-4", 4, 401, challenge("n4", false));
    assert_int_equal(count_rule(w, "auth-loop"), 1);
    assert_int_equal(first_of(w, "auth-loop")->count, 4);
    /* Success resolves it. */
    register_req(w, 5, "z9hG4bK-5", 5, creds("n4", "dddd"));
    register_resp(w, 5, "z9hG4bK-5", 5, 200, NULL);
    assert_int_equal(first_of(w, "auth-loop")->state, SW_FINDING_RESOLVED);
}

static void test_single_challenge_then_success(void **state)
{
    world *w = *state;
    register_req(w, 0, "z9hG4bK-1", 1, NULL);
    register_resp(w, 5, "z9hG4bK-1", 1, 401, challenge("n1", false));
    register_req(w, 5, "z9hG4bK-2", 2, creds("n1", "aaaa"));
    register_resp(w, 5, "z9hG4bK-2", 2, 200, NULL);
    finish(w, 1000);
    assert_int_equal(sw_findings_count(w->findings), 0);
}

static void test_retransmitted_401_is_not_a_loop(void **state)
{
    world *w = *state;
    register_req(w, 0, "z9hG4bK-1", 1, NULL);
    for (int i = 0; i < 4; i++)         /* the 401 retransmitted, and the request too */
        register_resp(w, 500, "z9hG4bK-1", 1, 401, challenge("n1", false));
    register_req(w, 500, "z9hG4bK-1", 1, NULL);
    register_req(w, 5, "z9hG4bK-2", 2, creds("n1", "aaaa"));
    for (int i = 0; i < 4; i++)
        register_resp(w, 500, "z9hG4bK-2", 2, 401, challenge("n2", false));
    assert_int_equal(count_rule(w, "auth-loop"), 0);
}

static void test_duplicate_capture_is_not_a_loop(void **state)
{
    world *w = *state;
    /* Every message seen twice, 1 ms apart (a second capture point). */
    for (int copy = 0; copy < 2; copy++) register_req(w, copy, "z9hG4bK-1", 1, NULL);
    for (int copy = 0; copy < 2; copy++) register_resp(w, 5 - 4 * copy, "z9hG4bK-1", 1, 401, challenge("n1", false));
    for (int copy = 0; copy < 2; copy++) register_req(w, 5 - 4 * copy, "z9hG4bK-2", 2, creds("n1", "aaaa"));
    for (int copy = 0; copy < 2; copy++) register_resp(w, 5 - 4 * copy, "z9hG4bK-2", 2, 401, challenge("n2", false));
    assert_int_equal(count_rule(w, "auth-loop"), 0);
    sw_correlate_stats st;
    sw_correlate_get_stats(w->corr, &st);
    assert_int_equal(st.duplicates, 4);
    assert_int_equal(st.retransmissions, 0);
}

static void test_password_guessing_same_cseq_is_a_loop(void **state)
{
    world *w = *state;
    /* One CSeq and branch, new credentials each time: not retransmissions. */
    register_req(w, 0, "z9hG4bK-g", 2, creds("n1", "guess1"));
    register_resp(w, 5, "z9hG4bK-g", 2, 401, challenge("n1", false));
    register_req(w, 5, "z9hG4bK-g", 2, creds("n1", "guess2"));
    register_resp(w, 5, "z9hG4bK-g", 2, 401, challenge("n1", false));
    register_req(w, 5, "z9hG4bK-g", 2, creds("n1", "guess3"));
    register_resp(w, 5, "z9hG4bK-g", 2, 401, challenge("n1", false));
    assert_int_equal(count_rule(w, "auth-loop"), 1);
    assert_string_equal(detail(first_of(w, "auth-loop"), "nonce_reused"), "true");
}

static void test_stale_nonce_refresh_is_not_a_loop(void **state)
{
    world *w = *state;
    register_req(w, 0, "z9hG4bK-1", 1, NULL);
    register_resp(w, 5, "z9hG4bK-1", 1, 401, challenge("n1", false));
    register_req(w, 5, "z9hG4bK-2", 2, creds("n1", "aaaa"));
    register_resp(w, 5, "z9hG4bK-2", 2, 401, challenge("n2", true));    /* nonce expired: legitimate */
    register_req(w, 5, "z9hG4bK-3", 3, creds("n2", "bbbb"));
    register_resp(w, 5, "z9hG4bK-3", 3, 200, NULL);
    finish(w, 1000);
    assert_int_equal(count_rule(w, "auth-loop"), 0);
}

static void test_repeating_stale_challenges_are_a_loop(void **state)
{
    world *w = *state;
    char b[32], n[16], r[16];
    register_req(w, 0, "z9hG4bK-0", 1, NULL);
    register_resp(w, 5, "z9hG4bK-0", 1, 401, challenge("n0", false));
    for (unsigned i = 1; i <= 3; i++) {
        snprintf(b, sizeof b, "z9hG4bK-%u", i);
        snprintf(n, sizeof n, "n%u", i - 1);
        snprintf(r, sizeof r, "r%u", i);
        register_req(w, 5, b, i + 1, creds(n, r));
        snprintf(n, sizeof n, "n%u", i);
        register_resp(w, 5, b, i + 1, 401, challenge(n, true));
    }
    assert_int_equal(count_rule(w, "auth-loop"), 1);
    assert_non_null(strstr(first_of(w, "auth-loop")->suggestion, "stale"));
}

static void test_407_then_401_on_a_call_is_not_a_loop(void **state)
{
    world *w = *state;
    const char *inv = "INVITE sip:bob@pbx.test SIP/2.0\r\n" HDRS("%s", "call-1", "%u", "INVITE", "")
                      "%sContent-Length: 0\r\n\r\n";
    const char *resp = "SIP/2.0 %d %s\r\n" HDRS("%s", "call-1", "%u", "INVITE", ";tag=x") "%sContent-Length: 0\r\n\r\n";
    feed(w, 0, UA, PBX, inv, "z9hG4bK-i1", 1, "");
    feed(w, 5, PBX, UA, resp, 407, "Proxy Authentication Required", "z9hG4bK-i1", 1,
         "Proxy-Authenticate: Digest realm=\"proxy.test\", nonce=\"p1\"\r\n");
    feed(w, 5, UA, PBX, inv, "z9hG4bK-i2", 2,
         "Proxy-Authorization: Digest username=\"alice\", realm=\"proxy.test\", nonce=\"p1\", uri=\"sip:bob@pbx.test\", response=\"x1\"\r\n");
    feed(w, 5, PBX, UA, resp, 401, "Unauthorized", "z9hG4bK-i2", 2,
         "WWW-Authenticate: Digest realm=\"pbx.test\", nonce=\"w1\"\r\n");
    feed(w, 5, UA, PBX, inv, "z9hG4bK-i3", 3,
         "Proxy-Authorization: Digest username=\"alice\", realm=\"proxy.test\", nonce=\"p1\", uri=\"sip:bob@pbx.test\", response=\"x2\"\r\n"
         "Authorization: Digest username=\"alice\", realm=\"pbx.test\", nonce=\"w1\", uri=\"sip:bob@pbx.test\", response=\"y1\"\r\n");
    feed(w, 5, PBX, UA, resp, 200, "OK", "z9hG4bK-i3", 3, "");
    finish(w, 1000);
    assert_int_equal(count_rule(w, "auth-loop"), 0);
    assert_int_equal(count_rule(w, "auth-rejected"), 0);
}

static void test_403_after_credentials_is_auth_rejected(void **state)
{
    world *w = *state;
    register_req(w, 0, "z9hG4bK-1", 1, NULL);
    register_resp(w, 5, "z9hG4bK-1", 1, 401, challenge("n1", false));
    register_req(w, 5, "z9hG4bK-2", 2, creds("n1", "aaaa"));
    register_resp(w, 5, "z9hG4bK-2", 2, 403, NULL);
    assert_int_equal(count_rule(w, "auth-rejected"), 1);
    const sw_finding *f = first_of(w, "auth-rejected");
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_string_equal(detail(f, "status"), "403");
    assert_non_null(strstr(f->summary, "403"));
    assert_int_equal(count_rule(w, "auth-loop"), 0);
}

/* ---- REFER ------------------------------------------------------------- */

#define DLG(cseq, method) \
    "Via: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%s\r\nFrom: <sip:alice@pbx.test>;tag=a1\r\n" \
    "To: <sip:bob@pbx.test>;tag=b1\r\nCall-ID: xfer-1\r\nCSeq: " cseq " " method "\r\n"
#define DLG_REV(cseq, method) \
    "Via: SIP/2.0/UDP 127.0.0.12:5072;branch=z9hG4bK-%s\r\nFrom: <sip:bob@pbx.test>;tag=b1\r\n" \
    "To: <sip:alice@pbx.test>;tag=a1\r\nCall-ID: xfer-1\r\nCSeq: " cseq " " method "\r\n"

static void refer(world *w, unsigned after, unsigned cseq, const char *extra)
{
    char br[16];
    snprintf(br, sizeof br, "r%u", cseq);
    feed(w, after, UA, UA2, "REFER sip:bob@127.0.0.12 SIP/2.0\r\n" DLG("%u", "REFER")
         "Refer-To: <sip:carol@pbx.test>\r\n%sContent-Length: 0\r\n\r\n", br, cseq, extra ? extra : "");
}

static void refer_resp(world *w, unsigned after, unsigned cseq, int code, const char *extra)
{
    char br[16];
    snprintf(br, sizeof br, "r%u", cseq);
    feed(w, after, UA2, UA, "SIP/2.0 %d X\r\n" DLG("%u", "REFER") "%sContent-Length: 0\r\n\r\n", code, br, cseq,
         extra ? extra : "");
}

static void notify(world *w, unsigned after, unsigned cseq, const char *id_param, int frag, bool terminated)
{
    char br[16], body[64];
    snprintf(br, sizeof br, "n%u", cseq);
    snprintf(body, sizeof body, "SIP/2.0 %d Status\r\n", frag);
    feed(w, after, UA2, UA,
         "NOTIFY sip:alice@127.0.0.11 SIP/2.0\r\n" DLG_REV("%u", "NOTIFY")
         "Event: refer%s\r\nSubscription-State: %s\r\nContent-Type: message/sipfrag\r\nContent-Length: %zu\r\n\r\n%s",
         br, cseq, id_param, terminated ? "terminated;reason=noresource" : "active;expires=60", strlen(body), body);
    feed(w, 2, UA, UA2, "SIP/2.0 200 OK\r\n" DLG_REV("%u", "NOTIFY") "Content-Length: 0\r\n\r\n", br, cseq);
}

static void test_refer_with_notifies_is_clean(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    refer_resp(w, 5, 5, 202, NULL);
    notify(w, 5, 100, "", 100, false);
    notify(w, 2000, 101, "", 200, true);
    finish(w, 60000);
    assert_int_equal(sw_findings_count(w->findings), 0);
}

static void test_notify_before_202_counts(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    notify(w, 2, 100, ";id=5", 100, false);      /* RFC 3515 allows this order */
    refer_resp(w, 2, 5, 202, NULL);
    notify(w, 1000, 101, ";id=5", 200, true);
    advance(w, 60000);
    finish(w, 0);
    assert_int_equal(sw_findings_count(w->findings), 0);
}

static void test_refer_no_notify_after_timeout(void **state)
{
    world *w = *state;
    refer(w, 0, 7, NULL);
    refer_resp(w, 5, 7, 202, NULL);
    advance(w, 31000);
    assert_int_equal(count_rule(w, "refer-no-notify"), 0);
    advance(w, 2000);
    assert_int_equal(count_rule(w, "refer-no-notify"), 1);
    const sw_finding *f = first_of(w, "refer-no-notify");
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_string_equal(detail(f, "refer_id"), "7");
    assert_non_null(strstr(f->suggestion, "NAT"));
    /* The NOTIFY arrives late: resolved. */
    notify(w, 1000, 100, ";id=7", 200, true);
    assert_int_equal(first_of(w, "refer-no-notify")->state, SW_FINDING_RESOLVED);
}

static void test_two_refers_in_one_dialog(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    refer_resp(w, 5, 5, 202, NULL);
    notify(w, 5, 100, ";id=5", 200, true);
    refer(w, 1000, 6, NULL);
    refer_resp(w, 5, 6, 202, NULL);
    advance(w, 40000);
    assert_int_equal(count_rule(w, "refer-no-notify"), 1);
    assert_non_null(strstr(first_of(w, "refer-no-notify")->key, "/refer/6"));
}

static void test_refer_sub_false_expects_no_notify(void **state)
{
    world *w = *state;
    refer(w, 0, 5, "Refer-Sub: false\r\n");
    refer_resp(w, 5, 5, 202, "Refer-Sub: false\r\n");
    advance(w, 60000);
    finish(w, 0);
    assert_int_equal(sw_findings_count(w->findings), 0);
}

static void test_refer_refused_488_is_refer_failed_only(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    refer_resp(w, 5, 5, 407, "Proxy-Authenticate: Digest realm=\"x\", nonce=\"y\"\r\n");
    assert_int_equal(count_rule(w, "refer-failed"), 0);      /* 407 is auth, not a refusal */
    refer(w, 5, 6, NULL);
    refer_resp(w, 5, 6, 488, NULL);
    advance(w, 60000);
    finish(w, 0);
    assert_int_equal(count_rule(w, "refer-failed"), 1);
    assert_int_equal(count_rule(w, "refer-no-notify"), 0);
    assert_non_null(strstr(first_of(w, "refer-failed")->summary, "488"));
}

static void test_subscribe_202_is_not_a_refer(void **state)
{
    world *w = *state;
    feed(w, 0, UA, PBX, "SUBSCRIBE sip:bob@pbx.test SIP/2.0\r\n" DLG("1", "SUBSCRIBE")
         "Event: presence\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n", "s1");
    feed(w, 5, PBX, UA, "SIP/2.0 202 Accepted\r\n" DLG("1", "SUBSCRIBE") "Expires: 600\r\nContent-Length: 0\r\n\r\n", "s1");
    advance(w, 60000);
    finish(w, 0);
    assert_int_equal(sw_findings_count(w->findings), 0);
}

static void test_refer_pending_at_end_of_capture(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    refer_resp(w, 5, 5, 202, NULL);
    feed(w, 3000, UA, UA2, "BYE sip:bob@127.0.0.12 SIP/2.0\r\n" DLG("6", "BYE") "Content-Length: 0\r\n\r\n", "bye");
    finish(w, 7000);
    assert_int_equal(count_rule(w, "refer-no-notify"), 1);
    const sw_finding *f = first_of(w, "refer-no-notify");
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_string_equal(detail(f, "waited_ms"), "10000");
    assert_string_equal(detail(f, "bye_after_ms"), "3000");
    assert_non_null(strstr(f->summary, "capture ended"));
}

static void test_capture_loss_lowers_missing_message_findings(void **state)
{
    world *w = *state;
    w->ctx.capture_losing = true;
    refer(w, 0, 7, NULL);
    refer_resp(w, 5, 7, 202, NULL);
    advance(w, 40000);
    const sw_finding *f = first_of(w, "refer-no-notify");
    assert_non_null(f);
    assert_int_equal(f->severity, SW_SEV_INFO);
    assert_string_equal(detail(f, "capture_losing_packets"), "true");
    assert_non_null(strstr(f->suggestion, "dropping packets"));
    assert_memory_equal(f->suggestion, "The capture is dropping packets", 31);   /* said first */
}

static void test_refer_pending_too_early_is_info(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    refer_resp(w, 5, 5, 202, NULL);
    finish(w, 500);
    assert_int_equal(count_rule(w, "refer-no-notify"), 1);
    assert_int_equal(first_of(w, "refer-no-notify")->severity, SW_SEV_INFO);
}

static void test_refer_stalled(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    refer_resp(w, 5, 5, 202, NULL);
    notify(w, 5, 100, "", 100, false);
    advance(w, 119000);
    assert_int_equal(count_rule(w, "refer-stalled"), 0);
    advance(w, 2000);
    assert_int_equal(count_rule(w, "refer-stalled"), 1);
    assert_int_equal(count_rule(w, "refer-no-notify"), 0);
}

static void test_refer_target_failed(void **state)
{
    world *w = *state;
    refer(w, 0, 5, NULL);
    refer_resp(w, 5, 5, 202, NULL);
    notify(w, 5, 100, "", 100, false);
    notify(w, 5, 101, "", 486, true);
    assert_int_equal(count_rule(w, "refer-failed"), 1);
    assert_non_null(strstr(first_of(w, "refer-failed")->summary, "486"));
}

/* ---- transactions and peers ---------------------------------------------- */

static void test_transaction_timeout(void **state)
{
    world *w = *state;
    for (int i = 0; i < 6; i++)
        register_req(w, i ? 1000u << (i - 1) : 0, "z9hG4bK-t", 1, NULL);   /* Timer E retransmissions */
    advance(w, 10000);
    assert_int_equal(count_rule(w, "transaction-timeout"), 1);
    const sw_finding *f = first_of(w, "transaction-timeout");
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_string_equal(detail(f, "method"), "REGISTER");
    assert_string_equal(detail(f, "retransmissions"), "5");
    assert_non_null(strstr(f->key, "127.0.0.10:5070"));
}

static void test_ringing_invite_does_not_time_out(void **state)
{
    world *w = *state;
    feed(w, 0, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" HDRS("z9hG4bK-r", "ring-1", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    feed(w, 50, PBX, UA, "SIP/2.0 180 Ringing\r\n" HDRS("z9hG4bK-r", "ring-1", "1", "INVITE", ";tag=x")
         "Content-Length: 0\r\n\r\n");
    advance(w, 90000);
    assert_int_equal(count_rule(w, "transaction-timeout"), 0);
}

static void test_server_errors_and_scanner(void **state)
{
    world *w = *state;
    char cid[32];
    for (int i = 0; i < 12; i++) {
        snprintf(cid, sizeof cid, "busy-%d", i);
        feed(w, 100, UA, PBX, "OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-o%d\r\n"
             "From: <sip:a@b>;tag=1\r\nTo: <sip:u%d@pbx.test>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
             "User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n", i, i, cid);
        feed(w, 5, PBX, UA, "SIP/2.0 503 Service Unavailable\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-o%d\r\n"
             "From: <sip:a@b>;tag=1\r\nTo: <sip:u%d@pbx.test>;tag=s\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
             "Content-Length: 0\r\n\r\n", i, i, cid);
    }
    assert_int_equal(count_rule(w, "server-errors"), 1);
    assert_int_equal(first_of(w, "server-errors")->severity, SW_SEV_CRITICAL);
    assert_non_null(strstr(first_of(w, "server-errors")->suggestion, "503"));
    assert_int_equal(count_rule(w, "scanner"), 1);
    assert_string_equal(detail(first_of(w, "scanner"), "tool"), "friendly-scanner");
}

/* A scanning tool is named from its User-Agent whatever the case and
 * wherever the name stands; when two are named, the first of the list
 * wins; a phone is not a tool. */
static void test_scanner_tool_names(void **state)
{
    world *w = *state;
    static const struct { const char *ua, *tool; } cases[] = {
        {"friendly-scanner", "friendly-scanner"},
        {"Mozilla/5.0 FRIENDLY-SCANNER", "friendly-scanner"},
        {"sipvicious friendly-scanner", "friendly-scanner"},
        {"x-SmAp-0.6", "smap"},
        {"VoIPBuster", "voipbuster"},
        {"Yealink SIP-T46S 66.86.0.15", NULL},
        {"sip", NULL},
    };
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sw_endpoint src = ep(30 + k, 5090);
        feed(w, 10, src, PBX, "OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.%u:5090;branch=z9hG4bK-t%u\r\n"
             "From: <sip:a@b>;tag=1\r\nTo: <sip:u@pbx.test>\r\nCall-ID: tool-%u\r\nCSeq: 1 OPTIONS\r\n"
             "User-Agent: %s\r\nContent-Length: 0\r\n\r\n", 30 + k, k, k, cases[k].ua);
        char ip[32];
        snprintf(ip, sizeof ip, "127.0.0.%u", 30 + k);
        const sw_finding *f = sw_findings_find(w->findings, "scanner", ip);
        if (!cases[k].tool) {
            assert_null(f);
            continue;
        }
        assert_non_null(f);
        assert_string_equal(detail(f, "tool"), cases[k].tool);
    }
}

static void test_retransmission_storm(void **state)
{
    world *w = *state;
    char b[32];
    /* Below the rate: 4 requests retransmitted 5 times each, 2 s apart. */
    for (int i = 0; i < 4; i++) {
        snprintf(b, sizeof b, "z9hG4bK-q%d", i);
        for (int copy = 0; copy < 6; copy++)
            feed(w, 2000, UA, PBX, "OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=%s\r\n"
                 "From: <sip:a@b>;tag=1\r\nTo: <sip:x@pbx.test>\r\nCall-ID: calm-%d\r\nCSeq: 1 OPTIONS\r\n"
                 "Content-Length: 0\r\n\r\n", b, i);
    }
    assert_int_equal(count_rule(w, "retransmission-storm"), 0);
    advance(w, 120000);
    for (int i = 0; i < 12; i++) {
        snprintf(b, sizeof b, "z9hG4bK-s%d", i);
        for (int copy = 0; copy < 6; copy++)
            feed(w, 500, UA, PBX, "OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=%s\r\n"
                 "From: <sip:a@b>;tag=1\r\nTo: <sip:x@pbx.test>\r\nCall-ID: storm-%d\r\nCSeq: 1 OPTIONS\r\n"
                 "Content-Length: 0\r\n\r\n", b, i);
    }
    /* 60 retransmissions within 36 s: over 50 a minute. */
    sw_correlate_stats st;
    sw_correlate_get_stats(w->corr, &st);
    assert_int_equal(st.retransmissions, 80);
    assert_int_equal(count_rule(w, "retransmission-storm"), 1);
    assert_non_null(strstr(first_of(w, "retransmission-storm")->summary, "127.0.0.11"));
}

static void invite_200_no_ack(world *w, int copies)
{
    feed(w, 0, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" HDRS("z9hG4bK-a1", "noack-1", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    unsigned gap = 0;
    for (int i = 0; i < copies; i++) {      /* Timer G: 0.5, 1, 2, 4, 4 ... s */
        feed(w, gap, PBX, UA, "SIP/2.0 200 OK\r\n" HDRS("z9hG4bK-a1", "noack-1", "1", "INVITE", ";tag=callee")
             "Contact: <sip:bob@10.0.0.5:5060>\r\nContent-Length: 0\r\n\r\n");
        gap = gap ? (gap < 4000 ? gap * 2 : 4000) : 500;
    }
}

static void test_ack_missing(void **state)
{
    world *w = *state;
    invite_200_no_ack(w, 10);
    advance(w, 10000);
    assert_int_equal(count_rule(w, "ack-missing"), 1);
    const sw_finding *f = first_of(w, "ack-missing");
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_string_equal(detail(f, "copies_of_2xx"), "10");
    assert_non_null(strstr(f->suggestion, "Contact"));
    assert_int_equal(count_rule(w, "transaction-timeout"), 0);
}

static void test_acked_call_is_clean(void **state)
{
    world *w = *state;
    invite_200_no_ack(w, 2);        /* one retransmission, then the ACK */
    feed(w, 100, UA, PBX, "ACK sip:bob@10.0.0.5 SIP/2.0\r\n" HDRS("z9hG4bK-a2", "noack-1", "1", "ACK", ";tag=callee")
         "Content-Length: 0\r\n\r\n");
    advance(w, 60000);
    finish(w, 0);
    assert_int_equal(count_rule(w, "ack-missing"), 0);
}

/* One minute of `n` registrations answered `code`, spread over the minute. */
static void registration_minute(world *w, unsigned n, int code, unsigned *seq)
{
    char cid[32], br[32];
    unsigned step = n ? 60000 / n : 60000;
    for (unsigned i = 0; i < n; i++) {
        (*seq)++;
        snprintf(cid, sizeof cid, "base-%u", *seq);
        snprintf(br, sizeof br, "z9hG4bK-b%u", *seq);
        feed(w, step - 10, UA, PBX, "REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=%s\r\n"
             "From: <sip:u%u@pbx.test>;tag=f\r\nTo: <sip:u%u@pbx.test>\r\nCall-ID: %s\r\nCSeq: 1 REGISTER\r\n"
             "Content-Length: 0\r\n\r\n", br, *seq, *seq, cid);
        feed(w, 10, PBX, UA, "SIP/2.0 %d X\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=%s\r\n"
             "From: <sip:u%u@pbx.test>;tag=f\r\nTo: <sip:u%u@pbx.test>;tag=s\r\nCall-ID: %s\r\nCSeq: 1 REGISTER\r\n"
             "Content-Length: 0\r\n\r\n", code, br, *seq, *seq, cid);
    }
    if (!n)
        advance(w, 60000);
}

static void test_registration_outage_failing_and_recovery(void **state)
{
    world *w = *state;
    w->now = T0 - T0 % (60 * SEC);
    unsigned seq = 0;
    for (int m = 0; m < 7; m++)
        registration_minute(w, 30, 200, &seq);
    assert_int_equal(count_rule(w, "registration-outage"), 0);
    registration_minute(w, 40, 503, &seq);          /* the registrar fails */
    registration_minute(w, 30, 200, &seq);          /* the next minute closes the failing one */
    assert_int_equal(count_rule(w, "registration-outage"), 1);
    const sw_finding *f = first_of(w, "registration-outage");
    assert_string_equal(detail(f, "kind"), "failing");
    assert_int_equal(f->severity, SW_SEV_CRITICAL);
    registration_minute(w, 30, 200, &seq);          /* closes a normal minute: recovered */
    assert_int_equal(first_of(w, "registration-outage")->state, SW_FINDING_RESOLVED);
}

static void test_registrations_vanishing(void **state)
{
    world *w = *state;
    w->now = T0 - T0 % (60 * SEC);
    unsigned seq = 0;
    for (int m = 0; m < 7; m++)
        registration_minute(w, 30, 200, &seq);
    registration_minute(w, 2, 200, &seq);           /* the phones cannot reach it any more */
    registration_minute(w, 2, 200, &seq);
    assert_int_equal(count_rule(w, "registration-outage"), 1);
    assert_string_equal(detail(first_of(w, "registration-outage"), "kind"), "vanishing");
    assert_int_equal(count_rule(w, "error-surge"), 0);
}

static void test_error_surge(void **state)
{
    world *w = *state;
    w->now = T0 - T0 % (60 * SEC);
    unsigned seq = 0;
    for (int m = 0; m < 7; m++)
        registration_minute(w, 20, 200, &seq);
    assert_int_equal(count_rule(w, "error-surge"), 0);
    registration_minute(w, 30, 503, &seq);
    registration_minute(w, 20, 200, &seq);
    assert_int_equal(count_rule(w, "error-surge"), 1);
    const sw_finding *es = first_of(w, "error-surge");
    assert_true(atoi(detail(es, "errors_5xx_last_minute")) >= 25);      /* the minute's 503s */
    assert_string_equal(detail(es, "usual_per_minute"), "0");
}

static void test_bounded_flows(void **state)
{
    world *w = *state;
    sw_correlator_destroy(w->corr);
    w->ccfg.max_flows = 100;
    w->corr = sw_correlator_create(&w->ccfg, on_event, w);
    char cid[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(cid, sizeof cid, "c-%d", i);
        feed(w, 1, UA, PBX, "OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%d\r\n"
             "From: <sip:a@b>;tag=1\r\nTo: <sip:x@pbx.test>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
             "Content-Length: 0\r\n\r\n", i, cid);
    }
    sw_correlate_stats st;
    sw_correlate_get_stats(w->corr, &st);
    assert_true(st.active_flows <= 100);
    assert_int_equal(st.flows, 5000);
    assert_int_equal(st.flows_evicted + st.flows_expired + st.active_flows, 5000);
    assert_true(st.flows_evicted > 0);
}

int main(void)
{
    sw_sip_init();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_auth_loop_fires),
        T(test_single_challenge_then_success),
        T(test_retransmitted_401_is_not_a_loop),
        T(test_duplicate_capture_is_not_a_loop),
        T(test_password_guessing_same_cseq_is_a_loop),
        T(test_stale_nonce_refresh_is_not_a_loop),
        T(test_repeating_stale_challenges_are_a_loop),
        T(test_407_then_401_on_a_call_is_not_a_loop),
        T(test_403_after_credentials_is_auth_rejected),
        T(test_refer_with_notifies_is_clean),
        T(test_notify_before_202_counts),
        T(test_refer_no_notify_after_timeout),
        T(test_two_refers_in_one_dialog),
        T(test_refer_sub_false_expects_no_notify),
        T(test_refer_refused_488_is_refer_failed_only),
        T(test_subscribe_202_is_not_a_refer),
        T(test_refer_pending_at_end_of_capture),
        T(test_refer_pending_too_early_is_info),
        T(test_capture_loss_lowers_missing_message_findings),
        T(test_refer_stalled),
        T(test_refer_target_failed),
        T(test_transaction_timeout),
        T(test_ringing_invite_does_not_time_out),
        T(test_server_errors_and_scanner),
        T(test_scanner_tool_names),
        T(test_retransmission_storm),
        T(test_ack_missing),
        T(test_acked_call_is_clean),
        T(test_registration_outage_failing_and_recovery),
        T(test_registrations_vanishing),
        T(test_error_surge),
        T(test_bounded_flows),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return failed;
}
