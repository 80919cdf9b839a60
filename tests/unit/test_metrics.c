/* Unit tests for the Prometheus metrics endpoint: the exposition text for
 * counters set on a monitor (values, HELP/TYPE lines, every rule x severity
 * listed with zeros, label escaping), address parsing and bind errors, and
 * the real HTTP server on a loopback port (200/404/405, content type, a new
 * scrape sees new counters), checked with promtool when it is installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "free_port.h"
#include "sipwatch/metrics.h"
#include "sipwatch/rules.h"

static sw_monitor_counters sample_counters(void)
{
    sw_monitor_counters c;
    memset(&c, 0, sizeof c);
    snprintf(c.source, sizeof c.source, "test.pcap");
    c.finished = true;
    c.capture_clock = 1700000000ULL * 1000000ULL + 250000;
    c.packets = 20000;
    c.sip_messages = 12345;
    c.parse_errors = 7;
    c.kernel_drops = 3;
    c.interface_drops = 4;
    c.active_dialogs = 11;
    c.pending_transactions = 12;
    c.active_flows = 13;
    c.requests_by_method[SW_METHOD_INVITE] = 100;
    c.requests_by_method[SW_METHOD_REGISTER] = 200;
    c.requests_by_method[SW_METHOD_OTHER] = 5;
    c.responses_by_class[0] = 99;           /* invalid: not exported */
    c.responses_by_class[2] = 150;
    c.responses_by_class[4] = 40;
    c.flows_evicted = 21;
    c.retransmissions = 22;
    c.alerts_sent = 31;
    c.alerts_failed = 32;
    c.alerts_suppressed = 33;
    c.rules[0].rule = "auth-loop";
    c.rules[0].open[SW_SEV_CRITICAL] = 2;
    c.rules[1].rule = "refer-no-notify";
    c.rules[1].open[SW_SEV_WARNING] = 5;
    c.rules[1].open[SW_SEV_INFO] = 1;
    c.nrules = 2;
    return c;
}

static char *render_with(const sw_monitor_counters *c)
{
    sw_monitor *m = sw_monitor_create(0);
    assert_non_null(m);
    sw_monitor_set_counters(m, c);
    char *text = sw_metrics_render(m);
    sw_monitor_destroy(m);
    assert_non_null(text);
    return text;
}

/* True when `line` (without its newline) is a whole line of text. */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

#define assert_line(text, line)                                                     \
    do {                                                                            \
        if (!has_line((text), (line)))                                              \
            fail_msg("missing line: %s\n--- got ---\n%s", (line), (text));          \
    } while (0)

static void test_render_values(void **state)
{
    (void)state;
    sw_monitor_counters c = sample_counters();
    char *t = render_with(&c);

    assert_line(t, "sipwatch_up 1");
    assert_line(t, "sipwatch_input_finished 1");
    assert_line(t, "sipwatch_packets_total 20000");
    assert_line(t, "sipwatch_sip_messages_total 12345");
    assert_line(t, "sipwatch_sip_requests_total{method=\"INVITE\"} 100");
    assert_line(t, "sipwatch_sip_requests_total{method=\"REGISTER\"} 200");
    assert_line(t, "sipwatch_sip_requests_total{method=\"OTHER\"} 5");
    assert_line(t, "sipwatch_sip_requests_total{method=\"UPDATE\"} 0");
    assert_line(t, "sipwatch_sip_responses_total{class=\"1xx\"} 0");
    assert_line(t, "sipwatch_sip_responses_total{class=\"2xx\"} 150");
    assert_line(t, "sipwatch_sip_responses_total{class=\"4xx\"} 40");
    assert_line(t, "sipwatch_sip_responses_total{class=\"6xx\"} 0");
    assert_null(strstr(t, "class=\"0xx\""));
    assert_line(t, "sipwatch_sip_parse_errors_total 7");
    assert_line(t, "sipwatch_kernel_drops_total 3");
    assert_line(t, "sipwatch_interface_drops_total 4");
    assert_line(t, "sipwatch_retransmissions_total 22");
    assert_line(t, "sipwatch_flows_evicted_total 21");
    assert_line(t, "sipwatch_active_dialogs 11");
    assert_line(t, "sipwatch_pending_transactions 12");
    assert_line(t, "sipwatch_active_flows 13");
    assert_line(t, "sipwatch_capture_clock_seconds 1700000000.250000");
    assert_line(t, "sipwatch_alerts_sent_total 31");
    assert_line(t, "sipwatch_alerts_failed_total 32");
    assert_line(t, "sipwatch_alerts_suppressed_total 33");
    assert_line(t, "sipwatch_findings_open{rule=\"auth-loop\",severity=\"critical\"} 2");
    assert_line(t, "sipwatch_findings_open{rule=\"auth-loop\",severity=\"warning\"} 0");
    assert_line(t, "sipwatch_findings_open{rule=\"refer-no-notify\",severity=\"warning\"} 5");
    assert_line(t, "sipwatch_findings_open{rule=\"refer-no-notify\",severity=\"info\"} 1");

    /* HELP and TYPE for every family; counters end in _total. */
    static const struct { const char *name, *type; } families[] = {
        { "sipwatch_up", "gauge" }, { "sipwatch_input_finished", "gauge" },
        { "sipwatch_packets_total", "counter" }, { "sipwatch_sip_messages_total", "counter" },
        { "sipwatch_sip_requests_total", "counter" }, { "sipwatch_sip_responses_total", "counter" },
        { "sipwatch_sip_parse_errors_total", "counter" }, { "sipwatch_kernel_drops_total", "counter" },
        { "sipwatch_interface_drops_total", "counter" }, { "sipwatch_retransmissions_total", "counter" },
        { "sipwatch_flows_evicted_total", "counter" }, { "sipwatch_active_dialogs", "gauge" },
        { "sipwatch_pending_transactions", "gauge" }, { "sipwatch_active_flows", "gauge" },
        { "sipwatch_findings_open", "gauge" }, { "sipwatch_capture_clock_seconds", "gauge" },
        { "sipwatch_alerts_sent_total", "counter" }, { "sipwatch_alerts_failed_total", "counter" },
        { "sipwatch_alerts_suppressed_total", "counter" },
    };
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        char line[160];
        snprintf(line, sizeof line, "# TYPE %s %s", families[i].name, families[i].type);
        assert_line(t, line);
        snprintf(line, sizeof line, "# HELP %s ", families[i].name);
        assert_non_null(strstr(t, line));
    }
    for (const char *p = t; (p = strstr(p, " counter\n")) != NULL; p++) {
        const char *bol = p;
        while (bol > t && bol[-1] != '\n')
            bol--;
        assert_true(p - bol > 6 && strncmp(p - 6, "_total", 6) == 0);
    }
    assert_int_equal(t[strlen(t) - 1], '\n');
    free(t);
}

/* Every rule the analysis knows is listed with every severity, even with no
 * open finding and even when the counters list no rule at all. */
static void test_every_rule_listed(void **state)
{
    (void)state;
    sw_monitor_counters c;
    memset(&c, 0, sizeof c);
    char *t = render_with(&c);
    size_t n = 0;
    const sw_rule *const *all = sw_rules_all(&n);
    assert_true(n >= 10);
    static const char *const sev[] = { "info", "warning", "critical" };
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < 3; s++) {
            char line[160];
            snprintf(line, sizeof line, "sipwatch_findings_open{rule=\"%s\",severity=\"%s\"} 0",
                     all[i]->id, sev[s]);
            assert_line(t, line);
        }
    assert_line(t, "sipwatch_capture_clock_seconds 0.000000");
    assert_line(t, "sipwatch_input_finished 0");
    /* Exactly 3 sample lines per rule. */
    size_t samples = 0;
    for (const char *p = t; (p = strstr(p, "\nsipwatch_findings_open{")) != NULL; p++)
        samples++;
    assert_int_equal(samples, 3 * n);
    free(t);
}

static void test_label_escaping(void **state)
{
    (void)state;
    sw_monitor_counters c;
    memset(&c, 0, sizeof c);
    c.rules[0].rule = "we\"ird\\rule\nx";
    c.rules[0].open[SW_SEV_WARNING] = 9;
    c.nrules = 1;
    char *t = render_with(&c);
    assert_line(t, "sipwatch_findings_open{rule=\"we\\\"ird\\\\rule\\nx\",severity=\"warning\"} 9");
    free(t);
}

/* ---- addresses ---------------------------------------------------------------- */

static void expect_rejected(const char *addr, const char *needle)
{
    char err[256] = "";
    sw_monitor *m = sw_monitor_create(0);
    sw_metrics *mx = sw_metrics_start(addr, m, err, sizeof err);
    if (mx) {
        sw_metrics_stop(mx);
        fail_msg("address '%s' was accepted", addr);
    }
    if (!strstr(err, needle))
        fail_msg("address '%s': error '%s' does not mention '%s'", addr, err, needle);
    assert_null(strchr(err, '\n'));
    sw_monitor_destroy(m);
}

static void test_bad_addresses(void **state)
{
    (void)state;
    expect_rejected("", "empty address");
    expect_rejected("abc", "bad port");
    expect_rejected("0", "bad port");
    expect_rejected("65536", "bad port");
    expect_rejected("127.0.0.1:", "bad port");
    expect_rejected("127.0.0.1:80x", "bad port");
    expect_rejected("127.0.0.1:-1", "bad port");
    expect_rejected(":9260", "malformed");
    expect_rejected("localhost:9260", "not a numeric IPv4 address");
    expect_rejected("1.2.3:9260", "not a numeric IPv4 address");
    expect_rejected("::1:9260", "brackets");
    expect_rejected("[::1]9260", "malformed");
    expect_rejected("[::1", "malformed");
    expect_rejected("[1.2.3.4]:9260", "not a numeric IPv6 address");
}

/* ---- HTTP ------------------------------------------------------------------------ */

/* Starts the endpoint on `prefix` followed by a free port, retrying if another
 * process took the port in between. */
static sw_metrics *start_on_free_port(const char *prefix, sw_monitor *m, unsigned *port, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        char addr[64];
        *port = free_port();
        snprintf(addr, sizeof addr, "%s%u", prefix, *port);
        sw_metrics *mx = sw_metrics_start(addr, m, err, errlen);
        if (mx || !strstr(err, "already in use"))
            return mx;
    }
    return NULL;
}

/* One HTTP/1.1 request with Connection: close; returns the whole response
 * (malloc'ed) or NULL when the connection fails. */
static char *http_request(int family, unsigned port, const char *method, const char *path)
{
    int s = socket(family, SOCK_STREAM, 0);
    if (s < 0)
        return NULL;
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int rc;
    if (family == AF_INET6) {
        struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                                  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        rc = connect(s, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        rc = connect(s, (struct sockaddr *)&a, sizeof a);
    }
    if (rc != 0) {
        close(s);
        return NULL;
    }
    char req[256];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                     "Content-Length: 0\r\n\r\n", method, path);
    if (write(s, req, (size_t)n) != n) {
        close(s);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (cap - len < 2048) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t got = read(s, buf + len, cap - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(s);
    return buf;
}

static const char *body_of(const char *response)
{
    const char *p = strstr(response, "\r\n\r\n");
    return p ? p + 4 : NULL;
}

/* Runs promtool check metrics on text when promtool is installed. */
static void promtool_check(const char *text)
{
    if (system("command -v promtool >/dev/null 2>&1") != 0) {
        print_message("promtool not installed: exposition not linted\n");
        return;
    }
    FILE *p = popen("promtool check metrics", "w");
    assert_non_null(p);
    fputs(text, p);
    int status = pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("promtool check metrics failed on:\n%s", text);
}

static void test_http_endpoint(void **state)
{
    (void)state;
    sw_monitor *m = sw_monitor_create(0);
    sw_monitor_counters c = sample_counters();
    sw_monitor_set_counters(m, &c);

    char err[256] = "";
    unsigned port = 0;
    sw_metrics *mx = start_on_free_port("", m, &port, err, sizeof err);   /* "PORT" = loopback */
    if (!mx)
        fail_msg("sw_metrics_start: %s", err);

    char *r = http_request(AF_INET, port, "GET", "/metrics");
    assert_non_null(r);
    assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
    assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    const char *body = body_of(r);
    assert_non_null(body);
    assert_line(body, "sipwatch_up 1");
    assert_line(body, "sipwatch_sip_messages_total 12345");
    promtool_check(body);
    free(r);

    /* A new scrape sees the counters as published now. */
    c.sip_messages = 54321;
    c.rules[0].open[SW_SEV_CRITICAL] = 0;
    sw_monitor_set_counters(m, &c);
    r = http_request(AF_INET, port, "GET", "/metrics");
    assert_non_null(r);
    assert_line(body_of(r), "sipwatch_sip_messages_total 54321");
    assert_line(body_of(r), "sipwatch_findings_open{rule=\"auth-loop\",severity=\"critical\"} 0");
    free(r);

    r = http_request(AF_INET, port, "GET", "/metrics?x=1");            /* query ignored */
    assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
    free(r);
    r = http_request(AF_INET, port, "HEAD", "/metrics");
    assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
    assert_string_equal(body_of(r), "");
    free(r);
    r = http_request(AF_INET, port, "GET", "/");
    assert_true(strncmp(r, "HTTP/1.1 404", 12) == 0);
    free(r);
    r = http_request(AF_INET, port, "GET", "/metrics/extra");
    assert_true(strncmp(r, "HTTP/1.1 404", 12) == 0);
    free(r);
    r = http_request(AF_INET, port, "POST", "/metrics");
    assert_true(strncmp(r, "HTTP/1.1 405", 12) == 0);
    assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
    free(r);
    r = http_request(AF_INET, port, "DELETE", "/metrics");
    assert_true(strncmp(r, "HTTP/1.1 405", 12) == 0);
    free(r);

    /* The port is taken now: a second server says so. */
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    assert_null(sw_metrics_start(addr, m, err, sizeof err));
    if (!strstr(err, "already in use"))
        fail_msg("unexpected error: %s", err);

    sw_metrics_stop(mx);
    /* Stopped: nothing listens any more. */
    r = http_request(AF_INET, port, "GET", "/metrics");
    assert_null(r);
    sw_metrics_stop(NULL);
    sw_monitor_destroy(m);
}

static void test_http_explicit_addresses(void **state)
{
    (void)state;
    sw_monitor *m = sw_monitor_create(0);
    char err[256] = "";
    unsigned port = 0;

    sw_metrics *mx = start_on_free_port("127.0.0.1:", m, &port, err, sizeof err);
    if (!mx)
        fail_msg("sw_metrics_start: %s", err);
    char *r = http_request(AF_INET, port, "GET", "/metrics");
    assert_non_null(r);
    assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
    free(r);
    sw_metrics_stop(mx);

    /* All addresses: reachable on IPv4 loopback (dual stack or IPv4 only). */
    mx = start_on_free_port("*:", m, &port, err, sizeof err);
    if (!mx)
        fail_msg("sw_metrics_start *: %s", err);
    r = http_request(AF_INET, port, "GET", "/metrics");
    assert_non_null(r);
    assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
    free(r);
    sw_metrics_stop(mx);

    /* IPv6 loopback, where the host has IPv6. */
    mx = start_on_free_port("[::1]:", m, &port, err, sizeof err);
    if (!mx) {
        print_message("no IPv6 loopback here (%s): [::1] not tested\n", err);
    } else {
        r = http_request(AF_INET6, port, "GET", "/metrics");
        assert_non_null(r);
        assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
        free(r);
        /* Bound to ::1 only: not on 127.0.0.1. */
        r = http_request(AF_INET, port, "GET", "/metrics");
        assert_null(r);
        sw_metrics_stop(mx);
    }
    sw_monitor_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_values),
        cmocka_unit_test(test_every_rule_listed),
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_http_endpoint),
        cmocka_unit_test(test_http_explicit_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
