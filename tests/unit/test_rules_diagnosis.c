/* Unit tests for the words and the diagnoses an operator relies on, from
 * message sequences: advice that fits the transport and the method, what a
 * silent server did send, a request still open when the capture ends,
 * ack-missing naming the Contact and covering failures, visible cuts,
 * NOTIFYs the transferor rejects, requests returned in ICMP errors, and a
 * scanner that only pings. */
#include "rule_world.h"

#include "sipwatch/text.h"

static bool has(const char *text, const char *needle)
{
    return text && strstr(text, needle) != NULL;
}

#define INVITE_HDRS(branch, callid, cseq, method, totag)                                 \
    "Via: SIP/2.0/UDP 127.0.0.11:5071;branch=" branch "\r\n"                             \
    "From: <sip:alice@pbx.test>;tag=ua1\r\nTo: <sip:bob@pbx.test>" totag "\r\n"          \
    "Call-ID: " callid "\r\nCSeq: " cseq " " method "\r\n"

/* An INVITE sent over TCP that nobody answers: no advice to switch to TCP. */
static void test_tcp_timeout_advice_fits_transport(void **state)
{
    world *w = *state;
    w->transport = SW_TRANSPORT_TCP;
    feed(w, 0, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-t1", "tcp-1", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    advance(w, 40000);
    const sw_finding *f = first_of(w, "transaction-timeout");
    assert_non_null(f);
    assert_false(has(f->suggestion, "switch that leg to TCP"));
    assert_true(has(f->suggestion, "TCP connection"));
    assert_true(has(f->summary, "sent 1 time "));               /* not "1 times" */
}

static void test_udp_timeout_advice_mentions_size(void **state)
{
    world *w = *state;
    feed(w, 0, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-u1", "udp-1", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    advance(w, 40000);
    const sw_finding *f = first_of(w, "transaction-timeout");
    assert_non_null(f);
    assert_true(has(f->suggestion, "switch that leg to TCP"));
}

/* INVITE -> 100, 408; the CANCEL is never answered: the words say what came back. */
static void test_unanswered_cancel_says_what_came_back(void **state)
{
    world *w = *state;
    feed(w, 0, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-c1", "cancel-1", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    feed(w, 50, PBX, UA, "SIP/2.0 100 Trying\r\n" INVITE_HDRS("z9hG4bK-c1", "cancel-1", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    feed(w, 500, UA, PBX, "CANCEL sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-c1", "cancel-1", "1", "CANCEL", "")
         "Content-Length: 0\r\n\r\n");
    feed(w, 1000, PBX, UA, "SIP/2.0 408 Request Timeout\r\n" INVITE_HDRS("z9hG4bK-c1", "cancel-1", "1", "INVITE", ";tag=x")
         "Content-Length: 0\r\n\r\n");
    for (int i = 0; i < 8; i++)
        feed(w, 4000, UA, PBX, "CANCEL sip:bob@pbx.test SIP/2.0\r\n"
             INVITE_HDRS("z9hG4bK-c1", "cancel-1", "1", "CANCEL", "") "Content-Length: 0\r\n\r\n");
    advance(w, 5000);
    const sw_finding *f = first_of(w, "transaction-timeout");
    assert_non_null(f);
    assert_string_equal(detail(f, "method"), "CANCEL");
    assert_false(has(f->suggestion, "Nothing came back"));
    assert_true(has(f->suggestion, "100 and 408 to the INVITE"));
    assert_true(has(f->suggestion, "481"));
}

/* A BYE sent 20 s before the end of the capture, retransmitted, never answered:
 * open at the end, info, not a timeout. */
static void test_request_open_at_end_is_info(void **state)
{
    world *w = *state;
    unsigned gap = 0;
    for (int i = 0; i < 6; i++) {
        feed(w, gap, UA, PBX, "BYE sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-b1", "bye-1", "2", "BYE", ";tag=x")
             "Content-Length: 0\r\n\r\n");
        gap = gap ? (gap < 4000 ? gap * 2 : 4000) : 500;
    }
    finish(w, 8000);
    const sw_finding *f = first_of(w, "transaction-timeout");
    assert_non_null(f);
    assert_int_equal(f->severity, SW_SEV_INFO);
    assert_string_equal(detail(f, "open_at_end_of_capture"), "true");
    assert_true(has(f->summary, "when the capture ended"));
    assert_true(has(f->summary, "not yet a timeout"));
    assert_true(has(f->key, "open-at-end"));
}

/* ---- REFER --------------------------------------------------------------- */

#define DLG(method)                                                                                  \
    "Via: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-%s\r\nFrom: <sip:alice@pbx.test>;tag=a1\r\n" \
    "To: <sip:bob@pbx.test>;tag=b1\r\nCall-ID: xfer-9\r\nCSeq: %u " method "\r\n"
#define DLG_REV(method)                                                                              \
    "Via: SIP/2.0/UDP 127.0.0.12:5072;branch=z9hG4bK-%s\r\nFrom: <sip:bob@pbx.test>;tag=b1\r\n"   \
    "To: <sip:alice@pbx.test>;tag=a1\r\nCall-ID: xfer-9\r\nCSeq: %u " method "\r\n"

static void refer_with(world *w, unsigned cseq, const char *refer_to, int answer)
{
    feed(w, 0, UA, UA2, "REFER sip:bob@127.0.0.12 SIP/2.0\r\n" DLG("REFER") "Refer-To: %s\r\nContent-Length: 0\r\n\r\n",
         "r1", cseq, refer_to);
    feed(w, 5, UA2, UA, "SIP/2.0 %d X\r\n" DLG("REFER") "Content-Length: 0\r\n\r\n", answer, "r1", cseq);
}

static void test_refer_488_is_not_explained_as_sdp(void **state)
{
    world *w = *state;
    refer_with(w, 5, "<sip:carol@pbx.test?Replaces=abc>", 488);
    const sw_finding *f = first_of(w, "refer-failed");
    assert_non_null(f);
    assert_false(has(f->suggestion, "almost always because of the SDP"));
    assert_true(has(f->suggestion, "not about SDP"));
}

static void test_long_refer_to_is_cut_visibly(void **state)
{
    world *w = *state;
    char target[700];
    int n = snprintf(target, sizeof target, "<sip:carol@pbx.test?Replaces=");
    while (n < 600)
        n += snprintf(target + n, sizeof target - (size_t)n, "abcdef%%3Bto-tag%%3D1234");
    snprintf(target + n, sizeof target - (size_t)n, ">");
    refer_with(w, 5, target, 603);
    const sw_finding *f = first_of(w, "refer-failed");
    assert_non_null(f);
    const char *rt = detail(f, "refer_to");
    assert_non_null(rt);
    size_t len = strlen(rt);
    assert_true(len > 3);
    assert_string_equal(rt + len - 3, SW_ELLIPSIS);
}

static void notify_answered(world *w, unsigned cseq, int answer, const char *reason)
{
    const char *body = "SIP/2.0 100 Trying\r\n";
    char br[16];
    snprintf(br, sizeof br, "n%u", cseq);
    feed(w, 10, UA2, UA, "NOTIFY sip:alice@127.0.0.11 SIP/2.0\r\n" DLG_REV("NOTIFY")
         "Event: refer;id=5\r\nSubscription-State: active;expires=60\r\nContent-Type: message/sipfrag\r\n"
         "Content-Length: %zu\r\n\r\n%s", br, cseq, strlen(body), body);
    feed(w, 2, UA, UA2, "SIP/2.0 %d %s\r\n" DLG_REV("NOTIFY") "Content-Length: 0\r\n\r\n", answer, reason, br, cseq);
}

static void test_rejected_notify_is_reported(void **state)
{
    world *w = *state;
    refer_with(w, 5, "<sip:carol@pbx.test>", 202);
    notify_answered(w, 40, 400, "Missing Subscription-State");
    assert_int_equal(count_rule(w, "refer-notify-rejected"), 1);
    const sw_finding *f = first_of(w, "refer-notify-rejected");
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_string_equal(detail(f, "rejected_status"), "400");
    assert_string_equal(detail(f, "rejected_notify_cseq"), "40");
    assert_true(has(f->summary, "400 Missing Subscription-State"));
    assert_true(has(f->suggestion, "Subscription-State"));
    /* Never called stalled as well. */
    advance(w, 200000);
    finish(w, 0);
    assert_int_equal(count_rule(w, "refer-stalled"), 0);
    assert_int_equal(count_rule(w, "refer-no-notify"), 0);
}

static void test_accepted_notify_resolves_rejection(void **state)
{
    world *w = *state;
    refer_with(w, 5, "<sip:carol@pbx.test>", 202);
    notify_answered(w, 40, 488, "Not Acceptable Here");
    notify_answered(w, 41, 200, "OK");
    assert_int_equal(first_of(w, "refer-notify-rejected")->state, SW_FINDING_RESOLVED);
}

/* ---- ack-missing ------------------------------------------------------------ */

static void invite_final_no_ack(world *w, int status, int copies)
{
    feed(w, 0, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-k1", "noack-9", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    unsigned gap = 0;
    for (int i = 0; i < copies; i++) {
        feed(w, gap, PBX, UA, "SIP/2.0 %d X\r\n" INVITE_HDRS("z9hG4bK-k1", "noack-9", "1", "INVITE", ";tag=callee")
             "Contact: <sip:bob@10.0.0.5:5060>\r\nRecord-Route: <sip:10.0.0.1;lr>\r\nContent-Length: 0\r\n\r\n",
             status);
        gap = gap ? (gap < 4000 ? gap * 2 : 4000) : 500;
    }
}

static void test_ack_missing_names_contact_and_route(void **state)
{
    world *w = *state;
    invite_final_no_ack(w, 200, 10);
    advance(w, 10000);
    const sw_finding *f = first_of(w, "ack-missing");
    assert_non_null(f);
    assert_true(has(f->suggestion, "sip:bob@10.0.0.5:5060"));
    assert_true(has(f->suggestion, "sip:10.0.0.1"));
    assert_true(has(f->suggestion, "127.0.0.11:5071"));            /* the INVITE's Via */
    assert_string_equal(detail(f, "contact"), "sip:bob@10.0.0.5:5060");
    assert_true(has(f->summary, "drops after 32 s"));
}

static void test_ack_missing_for_a_failure(void **state)
{
    world *w = *state;
    invite_final_no_ack(w, 486, 11);
    advance(w, 10000);
    const sw_finding *f = first_of(w, "ack-missing");
    assert_non_null(f);
    assert_string_equal(detail(f, "status"), "486");
    assert_false(has(f->summary, "drops after 32 s"));
    assert_true(has(f->suggestion, "hop by hop"));
    assert_int_equal(count_rule(w, "transaction-timeout"), 0);
}

static void test_acked_failure_is_clean(void **state)
{
    world *w = *state;
    invite_final_no_ack(w, 486, 2);
    feed(w, 20, UA, PBX, "ACK sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-k1", "noack-9", "1", "ACK", ";tag=callee")
         "Content-Length: 0\r\n\r\n");
    advance(w, 60000);
    finish(w, 0);
    assert_int_equal(count_rule(w, "ack-missing"), 0);
}

/* ---- ICMP unreachable --------------------------------------------------------- */

static void test_icmp_unreachable_replaces_timeout(void **state)
{
    world *w = *state;
    const char *text = "OPTIONS sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-i1", "icmp-1", "1", "OPTIONS", "")
                       "Content-Length: 0\r\n\r\n";
    unsigned gap = 0;
    for (int i = 0; i < 6; i++) {
        feed(w, gap, UA, PBX, "%s", text);
        gap = gap ? gap * 2 : 500;
        /* The kernel at the destination answers each copy. */
        sw_sip_msg quoted = w->msg;
        sw_endpoint target = PBX;
        sw_correlate_unreachable(w->corr, &quoted, SW_UNREACH_PORT, &target.ip);
    }
    advance(w, 40000);
    assert_int_equal(count_rule(w, "transaction-timeout"), 0);
    const sw_finding *f = first_of(w, "destination-unreachable");
    assert_non_null(f);
    assert_int_equal(f->count, 6);
    assert_int_equal(f->severity, SW_SEV_CRITICAL);
    assert_true(has(f->summary, "nothing listens at 127.0.0.10:5070"));
    assert_string_equal(detail(f, "methods"), "OPTIONS");
    sw_correlate_stats st;
    sw_correlate_get_stats(w->corr, &st);
    assert_int_equal(st.unreachable, 6);
    assert_int_equal(st.messages, 6);                                /* ICMP quotes are not messages */
    /* The destination answers again: resolved. */
    feed(w, 10, UA, PBX, "OPTIONS sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-i2", "icmp-2", "1", "OPTIONS", "")
         "Content-Length: 0\r\n\r\n");
    feed(w, 10, PBX, UA, "SIP/2.0 200 OK\r\n" INVITE_HDRS("z9hG4bK-i2", "icmp-2", "1", "OPTIONS", ";tag=s")
         "Content-Length: 0\r\n\r\n");
    assert_int_equal(first_of(w, "destination-unreachable")->state, SW_FINDING_RESOLVED);
}

static void test_icmp_from_a_router_names_it(void **state)
{
    world *w = *state;
    feed(w, 0, PBX, UA, "INVITE sip:alice@127.0.0.11 SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-n1", "nat-1", "1", "INVITE", "")
         "Content-Length: 0\r\n\r\n");
    sw_sip_msg quoted = w->msg;
    sw_endpoint router = ep(1, 0);
    sw_correlate_unreachable(w->corr, &quoted, SW_UNREACH_PORT, &router.ip);
    const sw_finding *f = first_of(w, "destination-unreachable");
    assert_non_null(f);
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_true(has(f->summary, "reported by 127.0.0.1"));
    assert_true(has(f->suggestion, "NAT router"));
}

/* ---- codec-mismatch ------------------------------------------------------------ */

static void test_t38_reoffer_refused(void **state)
{
    world *w = *state;
    const char *sdp = "v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
                      "m=image 4000 udptl t38\r\n";
    for (int i = 0; i < 2; i++) {
        feed(w, 1000, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-f%d", "fax-1", "%d", "INVITE",
             ";tag=b") "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", i, i + 2, strlen(sdp), sdp);
        feed(w, 20, PBX, UA, "SIP/2.0 488 Not Acceptable Here\r\n" INVITE_HDRS("z9hG4bK-f%d", "fax-1", "%d",
             "INVITE", ";tag=b") "Content-Length: 0\r\n\r\n", i, i + 2);
    }
    assert_int_equal(count_rule(w, "codec-mismatch"), 1);
    const sw_finding *f = first_of(w, "codec-mismatch");
    assert_int_equal(f->count, 2);
    assert_string_equal(detail(f, "offered"), "image t38");
    assert_string_equal(detail(f, "reinvite"), "true");
    assert_true(has(f->summary, "re-INVITE"));
    assert_true(has(f->suggestion, "T.38"));
    /* A 488 to a request without an offer (a REFER) is not this rule's. */
    assert_int_equal(count_rule(w, "refer-failed"), 0);
}

static void test_audio_offer_refused_names_codecs(void **state)
{
    world *w = *state;
    const char *sdp = "v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
                      "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    feed(w, 0, UA, PBX, "INVITE sip:bob@pbx.test SIP/2.0\r\n" INVITE_HDRS("z9hG4bK-c1", "codec-1", "1", "INVITE", "")
         "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
    feed(w, 20, PBX, UA, "SIP/2.0 488 Not Acceptable Here\r\n" INVITE_HDRS("z9hG4bK-c1", "codec-1", "1", "INVITE",
         ";tag=b") "Content-Length: 0\r\n\r\n");
    const sw_finding *f = first_of(w, "codec-mismatch");
    assert_non_null(f);
    assert_string_equal(detail(f, "offered"), "audio PCMU telephone-event");
    assert_string_equal(detail(f, "offer_address"), "10.0.0.5");
    assert_true(has(f->suggestion, "common codec"));
}

/* ---- scanner ------------------------------------------------------------------ */

static void scanner_request(world *w, const char *method, unsigned n)
{
    feed(w, 100, UA, PBX, "%s sip:100@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=z9hG4bK-s%u\r\n"
         "From: <sip:100@pbx.test>;tag=1\r\nTo: <sip:100@pbx.test>\r\nCall-ID: scan-%u\r\nCSeq: 1 %s\r\n"
         "User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n", method, n, n, method);
}

static void test_scanner_ping_is_warning_then_probe_is_critical(void **state)
{
    world *w = *state;
    scanner_request(w, "OPTIONS", 1);
    const sw_finding *f = first_of(w, "scanner");
    assert_non_null(f);
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_true(has(f->summary, "no account tried yet"));
    scanner_request(w, "REGISTER", 2);
    f = first_of(w, "scanner");
    assert_int_equal(f->severity, SW_SEV_CRITICAL);
    assert_int_equal(count_rule(w, "scanner"), 1);
    scanner_request(w, "OPTIONS", 3);                               /* stays critical */
    assert_int_equal(first_of(w, "scanner")->severity, SW_SEV_CRITICAL);
}

int main(void)
{
    sw_sip_init();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_tcp_timeout_advice_fits_transport),
        T(test_udp_timeout_advice_mentions_size),
        T(test_unanswered_cancel_says_what_came_back),
        T(test_request_open_at_end_is_info),
        T(test_refer_488_is_not_explained_as_sdp),
        T(test_long_refer_to_is_cut_visibly),
        T(test_rejected_notify_is_reported),
        T(test_accepted_notify_resolves_rejection),
        T(test_ack_missing_names_contact_and_route),
        T(test_ack_missing_for_a_failure),
        T(test_acked_failure_is_clean),
        T(test_icmp_unreachable_replaces_timeout),
        T(test_icmp_from_a_router_names_it),
        T(test_scanner_ping_is_warning_then_probe_is_critical),
        T(test_t38_reoffer_refused),
        T(test_audio_offer_refused_names_codecs),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sw_sip_thread_done();
    return failed;
}
