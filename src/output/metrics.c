/* Prometheus metrics endpoint: libmicrohttpd serves GET /metrics from its own
 * thread, rendering the monitor's latest counters in the text exposition
 * format (0.0.4). Like the dashboard it only reads the monitor, so a slow or
 * stuck scraper can never hold up capture. Binds to loopback unless told
 * otherwise. libmicrohttpd (and the TLS stack it brings) is opened when the
 * endpoint starts and closed when it stops (dynlib.h). */
#include "sipwatch/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "sipwatch/dynlib.h"
#include "sipwatch/rules.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MAX_RULES (sizeof ((sw_monitor_counters *)0)->rules / sizeof ((sw_monitor_counters *)0)->rules[0])

/* The libmicrohttpd functions used, resolved when the endpoint starts. */
typedef struct httpd_api {
    __typeof__(&MHD_start_daemon) start_daemon;
    __typeof__(&MHD_stop_daemon) stop_daemon;
    __typeof__(&MHD_create_response_from_buffer) response_from_buffer;
    __typeof__(&MHD_add_response_header) add_header;
    __typeof__(&MHD_queue_response) queue_response;
    __typeof__(&MHD_destroy_response) destroy_response;
} httpd_api;

struct sw_metrics {
    httpd_api http;                 /* written before the daemon starts, read-only after */
    void *library;
    struct MHD_Daemon *daemon;
    sw_monitor *monitor;
};

/* ---- rendering ------------------------------------------------------------ */

/* Writes s as a label value: backslash, double quote and newline escaped. */
static void put_label_value(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", out); break;
        case '"': fputs("\\\"", out); break;
        case '\n': fputs("\\n", out); break;
        default: fputc(*s, out); break;
        }
    }
}

static void put_header(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_scalar(FILE *out, const char *name, const char *type, const char *help, uint64_t value)
{
    put_header(out, name, type, help);
    fprintf(out, "%s %llu\n", name, (unsigned long long)value);
}

/* The open findings of rule `id` by severity, from the counters (zeros when
 * the counters do not list it). */
static const uint64_t *rule_open(const sw_monitor_counters *c, const char *id)
{
    static const uint64_t zeros[3];
    size_t n = c->nrules < MAX_RULES ? c->nrules : MAX_RULES;
    for (size_t i = 0; i < n; i++)
        if (c->rules[i].rule && strcmp(c->rules[i].rule, id) == 0)
            return c->rules[i].open;
    return zeros;
}

static void put_rule(FILE *out, const char *id, const uint64_t open[3])
{
    for (int s = 0; s < 3; s++) {
        fputs("sipwatch_findings_open{rule=\"", out);
        put_label_value(out, id);
        fprintf(out, "\",severity=\"%s\"} %llu\n", sw_severity_name((sw_severity)s),
                (unsigned long long)open[s]);
    }
}

/* Media: packets and streams followed, and the MOS histogram of ended streams. */
static void render_media(FILE *out, const sw_monitor_counters *c)
{
    static const double upper[5] = {2.0, 3.0, 3.5, 4.0, 4.3};
    put_header(out, "sipwatch_rtp_packets_total", "counter", "RTP packets matched to a call's SDP.");
    fprintf(out, "sipwatch_rtp_packets_total %llu\n", (unsigned long long)c->rtp_packets);
    put_header(out, "sipwatch_rtcp_packets_total", "counter", "RTCP packets matched to a call's SDP.");
    fprintf(out, "sipwatch_rtcp_packets_total %llu\n", (unsigned long long)c->rtcp_packets);
    put_header(out, "sipwatch_media_streams_total", "counter", "RTP streams (SSRC and direction) followed.");
    fprintf(out, "sipwatch_media_streams_total %llu\n", (unsigned long long)c->media_streams);
    put_header(out, "sipwatch_media_calls_evicted_total", "counter",
               "Calls whose media state was forgotten early because the media table was full.");
    fprintf(out, "sipwatch_media_calls_evicted_total %llu\n", (unsigned long long)c->media_calls_evicted);
    put_header(out, "sipwatch_stream_mos", "histogram",
               "MOS estimate (E-model, from loss and jitter) of the RTP streams of ended calls.");
    uint64_t cum = 0;
    for (int i = 0; i < 5; i++) {
        cum += c->mos_bins[i];
        fprintf(out, "sipwatch_stream_mos_bucket{le=\"%g\"} %llu\n", upper[i], (unsigned long long)cum);
    }
    fprintf(out, "sipwatch_stream_mos_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)c->mos_count);
    fprintf(out, "sipwatch_stream_mos_sum %.3f\n", c->mos_sum);
    fprintf(out, "sipwatch_stream_mos_count %llu\n", (unsigned long long)c->mos_count);
}

/* INVITE calls that ended, by state, and the post-dial-delay histogram. */
static void render_calls(FILE *out, const sw_monitor_counters *c)
{
    put_header(out, "sipwatch_calls_total", "counter", "INVITE calls that ended, by state.");
    for (int i = 0; i < SW_CALL_STATES; i++)
        fprintf(out, "sipwatch_calls_total{state=\"%s\"} %llu\n", sw_call_state_name((sw_call_state)i),
                (unsigned long long)c->calls_by_state[i]);
    put_header(out, "sipwatch_post_dial_delay_seconds", "histogram",
               "Time from an INVITE to its first 180 or 183, for the calls that rang.");
    for (int i = 0; i < SW_PDD_BUCKETS; i++)
        fprintf(out, "sipwatch_post_dial_delay_seconds_bucket{le=\"%g\"} %llu\n", sw_pdd_bounds_ms[i] / 1000.0,
                (unsigned long long)c->pdd_buckets[i]);
    fprintf(out, "sipwatch_post_dial_delay_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)c->pdd_count);
    fprintf(out, "sipwatch_post_dial_delay_seconds_sum %.3f\n", (double)c->pdd_ms_sum / 1000.0);
    fprintf(out, "sipwatch_post_dial_delay_seconds_count %llu\n", (unsigned long long)c->pdd_count);
    put_header(out, "sipwatch_peer_calls_total", "counter",
               "INVITE calls that ended, by destination (the 10 busiest) and state.");
    for (unsigned p = 0; p < c->ntop_peers; p++)
        for (int i = 0; i < SW_CALL_STATES; i++) {
            fputs("sipwatch_peer_calls_total{peer=\"", out);
            put_label_value(out, c->top_peers[p].peer);
            fprintf(out, "\",state=\"%s\"} %llu\n", sw_call_state_name((sw_call_state)i),
                    (unsigned long long)c->top_peers[p].by_state[i]);
        }
}

/* HEP in (--hep-listen, HEP in a capture) and out (--hep-send), when used. */
static void render_hep(FILE *out, const sw_monitor_counters *c)
{
    if (c->hep_in) {
        put_scalar(out, "sipwatch_hep_received_total", "counter", "HEP packets received or found in the capture.",
                   c->hep_received);
        put_scalar(out, "sipwatch_hep_decoded_total", "counter", "HEP packets decoded.", c->hep_decoded);
        put_scalar(out, "sipwatch_hep_dropped_total", "counter",
                   "HEP packets dropped (malformed, wrong auth key, queue full); by reason in the JSON stats.",
                   c->hep_dropped);
        put_scalar(out, "sipwatch_hep_agents", "gauge", "HEP agents seen (capture node id and source address).",
                   c->hep_agents);
    }
    if (c->hep_sending) {
        put_scalar(out, "sipwatch_hep_sent_total", "counter", "HEP packets sent to the collector (--hep-send).",
                   c->hep_sent);
        put_scalar(out, "sipwatch_hep_send_dropped_total", "counter",
                   "HEP packets not sent: queue full, too large, or refused by the socket.", c->hep_send_dropped);
        put_scalar(out, "sipwatch_hep_send_connected", "gauge", "1 while the collector connection is up.",
                   c->hep_send_connected);
    }
}

static void render_counters(FILE *out, const sw_monitor_counters *c)
{
    put_scalar(out, "sipwatch_up", "gauge", "1 while sipwatch is running.", 1);
    put_scalar(out, "sipwatch_input_finished", "gauge",
               "1 once the analysis has reached the end of its input (capture file read).",
               c->finished ? 1 : 0);
    put_scalar(out, "sipwatch_packets_total", "counter", "Packets read from the capture (file or interface).",
               c->packets);
    put_scalar(out, "sipwatch_sip_messages_total", "counter", "SIP messages recognised (parsed or not).",
               c->sip_messages);

    put_header(out, "sipwatch_sip_requests_total", "counter",
               "SIP requests by method (OTHER = any method not listed).");
    for (int m = 1; m <= SW_METHOD_COUNT; m++) {
        int method = m == SW_METHOD_COUNT ? SW_METHOD_OTHER : m;   /* OTHER last */
        fprintf(out, "sipwatch_sip_requests_total{method=\"");
        put_label_value(out, sw_sip_method_name((sw_sip_method)method));
        fprintf(out, "\"} %llu\n", (unsigned long long)c->requests_by_method[method]);
    }

    put_header(out, "sipwatch_sip_responses_total", "counter", "SIP responses by status class.");
    for (int k = 1; k <= 6; k++)
        fprintf(out, "sipwatch_sip_responses_total{class=\"%dxx\"} %llu\n", k,
                (unsigned long long)c->responses_by_class[k]);

    put_scalar(out, "sipwatch_sip_parse_errors_total", "counter",
               "SIP messages libosip2 rejected (analysed from the fallback parser's fields).", c->parse_errors);
    put_scalar(out, "sipwatch_kernel_drops_total", "counter",
               "Packets dropped by the kernel capture buffer (live capture).", c->kernel_drops);
    put_scalar(out, "sipwatch_interface_drops_total", "counter",
               "Packets dropped by the network interface or its driver (live capture).", c->interface_drops);
    put_scalar(out, "sipwatch_retransmissions_total", "counter",
               "Copies of SIP messages already seen (retransmissions; not same-instant duplicate captures).",
               c->retransmissions);
    put_scalar(out, "sipwatch_flows_evicted_total", "counter",
               "Flows evicted before they ended because the flow table was full (their state was lost).",
               c->flows_evicted);

    put_scalar(out, "sipwatch_active_dialogs", "gauge", "Confirmed dialogs not yet terminated.",
               c->active_dialogs);
    put_scalar(out, "sipwatch_pending_transactions", "gauge",
               "Transactions waiting for a final response.", c->pending_transactions);
    put_scalar(out, "sipwatch_active_flows", "gauge", "Flows (everything sharing a Call-ID) currently tracked.",
               c->active_flows);

    put_header(out, "sipwatch_findings_open", "gauge",
               "Open findings by rule and severity (every rule and severity listed, zeros included).");
    size_t nall = 0;
    const sw_rule *const *all = sw_rules_all(&nall);
    for (size_t i = 0; i < nall; i++)
        put_rule(out, all[i]->id, rule_open(c, all[i]->id));
    size_t n = c->nrules < MAX_RULES ? c->nrules : MAX_RULES;
    for (size_t i = 0; i < n; i++)                    /* any rule the table does not know */
        if (c->rules[i].rule && !sw_rule_by_id(c->rules[i].rule))
            put_rule(out, c->rules[i].rule, c->rules[i].open);

    put_header(out, "sipwatch_capture_clock_seconds", "gauge",
               "Timestamp of the latest packet seen (capture clock), as Unix time; 0 before the first.");
    fprintf(out, "sipwatch_capture_clock_seconds %llu.%06llu\n",
            (unsigned long long)(c->capture_clock / SW_USEC_PER_SEC),
            (unsigned long long)(c->capture_clock % SW_USEC_PER_SEC));

    put_scalar(out, "sipwatch_alerts_sent_total", "counter", "Alert deliveries that succeeded (one per sink).",
               c->alerts_sent);
    put_scalar(out, "sipwatch_alerts_failed_total", "counter",
               "Alert deliveries that failed (sink error, queue full, command failed).", c->alerts_failed);
    put_scalar(out, "sipwatch_alerts_suppressed_total", "counter",
               "Finding changes not alerted because of the rate limit or a storm.", c->alerts_suppressed);
    render_calls(out, c);
    render_hep(out, c);
    render_media(out, c);
}

char *sw_metrics_render(sw_monitor *monitor)
{
    sw_monitor_counters *c = malloc(sizeof *c);      /* ~2 KB: keep it off the server thread's stack */
    if (!c)
        return NULL;
    sw_monitor_get_counters(monitor, c);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        free(c);
        return NULL;
    }
    render_counters(out, c);
    free(c);
    if (ferror(out)) {
        fclose(out);
        free(text);
        return NULL;
    }
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- HTTP ------------------------------------------------------------------ */

static enum MHD_Result reply(const httpd_api *http, struct MHD_Connection *conn, unsigned status,
                             const char *body, const char *allow)
{
    struct MHD_Response *r =
        http->response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    http->add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow)
        http->add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = http->queue_response(conn, status, r);
    http->destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    sw_metrics *mx = cls;
    const httpd_api *http = &mx->http;

    if (strcmp(url, "/metrics") != 0)
        return reply(http, conn, MHD_HTTP_NOT_FOUND, "404 not found: sipwatch serves /metrics only\n", NULL);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply(http, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed: use GET\n", "GET, HEAD");

    char *text = sw_metrics_render(mx->monitor);
    if (!text)
        return reply(http, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory\n", NULL);
    struct MHD_Response *r = http->response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    http->add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
    http->add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = http->queue_response(conn, MHD_HTTP_OK, r);
    http->destroy_response(r);
    return ret;
}

/* ---- address parsing --------------------------------------------------------- */

typedef struct listen_addr {
    bool any;                           /* "*:PORT" */
    int family;                         /* AF_INET or AF_INET6 (when !any) */
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    unsigned port;
} listen_addr;

static int parse_port(const char *s, unsigned *port)
{
    if (!*s || strlen(s) > 5)
        return -1;
    unsigned v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *port = v;
    return 0;
}

static int parse_addr(const char *addr, listen_addr *la, char *err, size_t errlen)
{
    memset(la, 0, sizeof *la);
    char host[64];
    const char *port_s;

    if (!addr || !*addr) {
        snprintf(err, errlen, "empty address (expected PORT, ADDR:PORT, [IPv6]:PORT or *:PORT)");
        return -1;
    }
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':' || (size_t)(close - addr - 1) >= sizeof host) {
            snprintf(err, errlen, "%s: malformed address (expected [IPv6]:PORT, e.g. [::1]:9260)", addr);
            return -1;
        }
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        host[close - addr - 1] = '\0';
        port_s = close + 2;
        la->family = AF_INET6;
    } else {
        const char *colon = strrchr(addr, ':');
        if (!colon) {
            host[0] = '\0';                             /* "PORT": loopback */
            port_s = addr;
            la->family = AF_INET;
        } else {
            if (memchr(addr, ':', (size_t)(colon - addr))) {
                snprintf(err, errlen, "%s: put an IPv6 address in brackets, e.g. [::1]:9260", addr);
                return -1;
            }
            if ((size_t)(colon - addr) >= sizeof host || colon == addr) {
                snprintf(err, errlen, "%s: malformed address (expected PORT, ADDR:PORT, [IPv6]:PORT or *:PORT)", addr);
                return -1;
            }
            memcpy(host, addr, (size_t)(colon - addr));
            host[colon - addr] = '\0';
            port_s = colon + 1;
            la->family = AF_INET;
        }
    }
    if (parse_port(port_s, &la->port) != 0) {
        snprintf(err, errlen, "%s: bad port '%s' (expected 1-65535)", addr, port_s);
        return -1;
    }

    if (strcmp(host, "*") == 0) {
        la->any = true;
        return 0;
    }
    if (la->family == AF_INET) {
        la->in4.sin_family = AF_INET;
        la->in4.sin_port = htons((uint16_t)la->port);
        if (!host[0])
            la->in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        else if (inet_pton(AF_INET, host, &la->in4.sin_addr) != 1) {
            snprintf(err, errlen,
                     "%s: '%s' is not a numeric IPv4 address (use e.g. 127.0.0.1:9260, [::1]:9260 or *:9260)",
                     addr, host);
            return -1;
        }
    } else {
        la->in6.sin6_family = AF_INET6;
        la->in6.sin6_port = htons((uint16_t)la->port);
        if (inet_pton(AF_INET6, host, &la->in6.sin6_addr) != 1) {
            snprintf(err, errlen, "%s: '%s' is not a numeric IPv6 address", addr, host);
            return -1;
        }
    }
    return 0;
}

/* ---- start / stop -------------------------------------------------------------- */

/* Connection limits: a scraper needs one or two connections, so one client
 * address gets a few; slow or idle connections are closed after a few
 * seconds; the total leaves room for many clients. Slow clients from one
 * address (slowloris) thus never keep a scrape from another one out. */
#define METRICS_MAX_CONNECTIONS 256
#define METRICS_MAX_PER_CLIENT 8
#define METRICS_IDLE_TIMEOUT_S 3

/* libmicrohttpd's own thread (epoll or poll where available, so no
 * FD_SETSIZE limit), bounded connections, idle ones closed. */
static struct MHD_Daemon *start_daemon(sw_metrics *mx, unsigned flags, const struct sockaddr *sa, unsigned port)
{
    return mx->http.start_daemon(flags | MHD_USE_AUTO_INTERNAL_THREAD, (uint16_t)port, NULL, NULL,
                            handle, mx,
                            MHD_OPTION_SOCK_ADDR, sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_MAX_PER_CLIENT,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_IDLE_TIMEOUT_S,
                            MHD_OPTION_END);
}

sw_metrics *sw_metrics_start(const char *addr, sw_monitor *monitor, char *err, size_t errlen)
{
    listen_addr la;
    if (parse_addr(addr, &la, err, errlen) != 0)
        return NULL;

    sw_metrics *mx = calloc(1, sizeof *mx);
    if (!mx) {
        snprintf(err, errlen, "%s: out of memory", addr);
        return NULL;
    }
    mx->monitor = monitor;
    const sw_dynlib_symbol syms[] = {
        {"MHD_start_daemon", &mx->http.start_daemon},
        {"MHD_stop_daemon", &mx->http.stop_daemon},
        {"MHD_create_response_from_buffer", &mx->http.response_from_buffer},
        {"MHD_add_response_header", &mx->http.add_header},
        {"MHD_queue_response", &mx->http.queue_response},
        {"MHD_destroy_response", &mx->http.destroy_response},
    };
    char why[200];
    mx->library = sw_dynlib_open(SW_LIBMHD_SONAME, syms, sizeof syms / sizeof syms[0], why, sizeof why);
    if (!mx->library) {
        snprintf(err, errlen, "%s: %s", addr, why);
        free(mx);
        return NULL;
    }

    errno = 0;
    if (la.any) {
        /* Every address: one IPv6 socket that also takes IPv4, or IPv4 only
         * where the host has no IPv6. */
        struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)la.port),
                                     .sin6_addr = IN6ADDR_ANY_INIT };
        mx->daemon = start_daemon(mx, MHD_USE_DUAL_STACK, (const struct sockaddr *)&any6, la.port);
        if (!mx->daemon && errno != EADDRINUSE && errno != EACCES) {
            struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)la.port),
                                        .sin_addr.s_addr = htonl(INADDR_ANY) };
            errno = 0;
            mx->daemon = start_daemon(mx, 0, (const struct sockaddr *)&any4, la.port);
        }
    } else if (la.family == AF_INET6) {
        mx->daemon = start_daemon(mx, MHD_USE_IPv6, (const struct sockaddr *)&la.in6, la.port);
    } else {
        mx->daemon = start_daemon(mx, 0, (const struct sockaddr *)&la.in4, la.port);
    }

    if (!mx->daemon) {
        int e = errno;
        if (e == EADDRINUSE)
            snprintf(err, errlen, "%s: port %u is already in use", addr, la.port);
        else if (e == EACCES)
            snprintf(err, errlen, "%s: permission denied binding port %u", addr, la.port);
        else if (e == EADDRNOTAVAIL)
            snprintf(err, errlen, "%s: address not available on this host", addr);
        else if (e == EAFNOSUPPORT)
            snprintf(err, errlen, "%s: IPv6 is not available on this host", addr);
        else if (e)
            snprintf(err, errlen, "%s: cannot listen: %s", addr, strerror(e));
        else
            snprintf(err, errlen, "%s: cannot start the HTTP server", addr);
        sw_dynlib_close(mx->library);
        free(mx);
        return NULL;
    }
    return mx;
}

void sw_metrics_stop(sw_metrics *mx)
{
    if (!mx)
        return;
    mx->http.stop_daemon(mx->daemon);
    sw_dynlib_close(mx->library);
    free(mx);
}
