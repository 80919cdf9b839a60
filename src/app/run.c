/* One run of the pipeline: capture -> decode -> SIP parse -> correlate ->
 * rules -> outputs. Owns every stage's state for the run (no globals) and
 * moves data one way only. In batch mode it runs on the calling thread and
 * writes the report, JSON Lines or dump at the end; with the dashboard, the
 * analysis runs on a thread of its own and publishes to the monitor, while
 * the calling thread drives the terminal. */
#include "sipwatch/alerts.h"
#include "sipwatch/app.h"
#include "sipwatch/correlate.h"
#include "sipwatch/decode.h"
#include "sipwatch/findings.h"
#include "sipwatch/hep_listen.h"
#include "sipwatch/hep_send.h"
#include "sipwatch/media.h"
#include "sipwatch/metrics.h"
#include "sipwatch/monitor.h"
#include "sipwatch/output.h"
#include "sipwatch/parse_pool.h"
#include "sipwatch/rules.h"
#include "sipwatch/sip_message.h"
#include "sipwatch/sip_stats.h"
#include "sipwatch/text.h"
#include "sipwatch/tui.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A partly filled parse batch waits at most this long (capture clock). */
#define SW_PARSE_MAX_WAIT (100 * 1000)
/* The dashboard's counters are published this often (wall clock). */
#define SW_PUBLISH_NS (100 * 1000 * 1000LL)

typedef struct sw_pipeline {
    const sw_options *opt;
    sw_capture *capture;
    sw_decoder *decoder;
    sw_parse_pool *parser;
    sw_correlator *correlator;
    sw_media *media;                /* NULL with --no-rtp */
    sw_media_stats media_stats;     /* for the summary */
    sw_findings *findings;
    sw_rule_ctx rules;
    sw_sip_stats sip;
    sw_call_stats calls;            /* KPIs of the calls that ended */
    bool have_match;                /* --match given: match_re compiled */
    bool calls_header_written;      /* --calls text: the column headings */
    regex_t match_re;
    sw_sip_msg_buf fallback;        /* keys of a message libosip2 rejected */
    FILE *out;
    sw_time_us first_ts, last_ts, last_poll;
    /* dashboard */
    sw_monitor *monitor;
    long long next_publish_ns;
    uint64_t rate_second;           /* capture-clock second of rate[59] */
    uint32_t rate[SW_MONITOR_HISTORY];
    volatile sig_atomic_t *stop;
    volatile sig_atomic_t *hup;
    bool dashboard;
    sw_capture_end end;
    sw_alerts *alerts;
    sw_tls_keylog *keylog;          /* --tls-keylog files, NULL without */
    long long keylog_checked_ns;
    long long started_ns;           /* for --duration */
    uint64_t drops_seen;            /* kernel + interface drops at the last look */
    long long drops_rose_ns;        /* when they last rose */
    long long drops_checked_ns;
    /* HEP in: the listener, its drops, and (HEP alone) the clock the HEP
     * time stamps drive: the latest one, advanced by the wall clock since. */
    sw_hep_listener *hep_listen;
    sw_hep_sender *hep_send;        /* --hep-send */
    sw_time_us hep_clock;
    long long hep_clock_ns;
} sw_pipeline;

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void count_rate(sw_pipeline *pl, sw_time_us ts)
{
    uint64_t sec = ts / SW_USEC_PER_SEC;
    if (sec > pl->rate_second) {
        uint64_t shift = sec - pl->rate_second;
        if (!pl->rate_second || shift >= SW_MONITOR_HISTORY) {
            memset(pl->rate, 0, sizeof pl->rate);
        } else {
            memmove(pl->rate, pl->rate + shift, (SW_MONITOR_HISTORY - shift) * sizeof pl->rate[0]);
            memset(pl->rate + SW_MONITOR_HISTORY - shift, 0, shift * sizeof pl->rate[0]);
        }
        pl->rate_second = sec;
    }
    if (sec == pl->rate_second)
        pl->rate[SW_MONITOR_HISTORY - 1]++;
}

static void publish(sw_pipeline *pl, bool finished)
{
    sw_monitor_counters c;
    memset(&c, 0, sizeof c);
    const sw_options *opt = pl->opt;
    const char *filter = sw_capture_filter(pl->capture);
    if (opt->capture.iface)
        snprintf(c.source, sizeof c.source, "%s%s%s%s", opt->capture.iface, filter ? " (" : "",
                 filter ? filter : "", filter ? ")" : "");
    else if (opt->capture.file)
        snprintf(c.source, sizeof c.source, "%s", opt->capture.file);
    else
        snprintf(c.source, sizeof c.source, "HEP %s%s", opt->hep_listen[0], opt->nhep_listen > 1 ? " ..." : "");
    c.live = opt->capture.iface != NULL || !opt->capture.file;
    const sw_hep_stats *hs = sw_decoder_hep_stats(pl->decoder);
    c.hep_in = hs || pl->hep_listen;
    if (hs) {
        c.hep_agents = (uint32_t)hs->nagents;
        c.hep_received = hs->received;
        c.hep_decoded = hs->decoded;
        c.hep_dropped = sw_hep_dropped_total(hs);
    }
    if (pl->hep_send) {
        sw_hep_send_stats ss;
        sw_hep_send_get_stats(pl->hep_send, &ss);
        c.hep_sending = true;
        c.hep_send_connected = ss.connected;
        c.hep_sent = ss.sent;
        c.hep_send_dropped = ss.dropped_queue_full + ss.dropped_too_large + ss.send_errors;
    }
    c.progress = finished && !c.live ? 1.0 : sw_capture_progress(pl->capture);
    c.finished = finished;
    c.capture_clock = pl->last_ts;
    sw_decode_stats ds;
    sw_decoder_get_stats(pl->decoder, &ds, NULL, NULL);
    c.packets = ds.packets;
    c.sip_messages = pl->sip.messages;
    c.parse_errors = pl->sip.parse_errors;
    sw_capture_stats cs;
    sw_capture_get_stats(pl->capture, &cs);
    c.kernel_drops = cs.kernel_drops;
    c.interface_drops = cs.if_drops;
    c.truncated = cs.truncated;
    sw_copy_cut(c.truncated_why, sizeof c.truncated_why, cs.truncated ? cs.error : "");
    sw_tcp_stats ts;
    sw_decoder_get_stats(pl->decoder, NULL, NULL, &ts);
    c.tls_connections = sw_tls_unread(&ts.tls);   /* what the header calls not inspected */
    sw_correlate_stats st;
    sw_correlate_get_stats(pl->correlator, &st);
    c.active_dialogs = st.active_dialogs;
    c.pending_transactions = st.pending_txns;
    c.active_flows = st.active_flows;
    sw_findings_stats fs;
    sw_findings_get_stats(pl->findings, &fs);
    memcpy(c.open_by_severity, fs.open_by_severity, sizeof c.open_by_severity);
    memcpy(c.rate, pl->rate, sizeof c.rate);
    memcpy(c.requests_by_method, pl->sip.by_method, sizeof c.requests_by_method);
    for (int code = 100; code < 700; code++)
        c.responses_by_class[code / 100] += pl->sip.by_status[code];
    c.responses_by_class[0] = pl->sip.by_status[0];
    c.flows_evicted = st.flows_evicted;
    memcpy(c.calls_by_state, pl->calls.by_state, sizeof c.calls_by_state);
    memcpy(c.pdd_buckets, pl->calls.pdd_buckets, sizeof c.pdd_buckets);
    c.pdd_count = pl->calls.pdd_count;
    c.pdd_ms_sum = pl->calls.pdd_ms_sum;
    if (pl->media) {
        sw_media_stats ms;
        sw_media_get_stats(pl->media, &ms);
        c.rtp_packets = ms.rtp_packets;
        c.rtcp_packets = ms.rtcp_packets;
        c.media_streams = ms.streams;
        c.media_calls_evicted = ms.calls_evicted;
        memcpy(c.mos_bins, ms.mos_buckets, sizeof c.mos_bins);
        c.mos_count = ms.mos_count;
        c.mos_sum = ms.mos_sum;
    }
    const sw_peer_calls *top[10];
    c.ntop_peers = sw_call_stats_top_peers(&pl->calls, top, 10);
    for (unsigned i = 0; i < c.ntop_peers; i++) {
        if (top[i]->peer.family)
            sw_ip_format(&top[i]->peer, c.top_peers[i].peer, sizeof c.top_peers[i].peer);
        else
            snprintf(c.top_peers[i].peer, sizeof c.top_peers[i].peer, "other");
        memcpy(c.top_peers[i].by_state, top[i]->by_state, sizeof c.top_peers[i].by_state);
    }
    c.retransmissions = st.retransmissions;
    if (pl->alerts) {
        sw_alert_stats as;
        sw_alerts_get_stats(pl->alerts, &as);
        c.alerts_sent = as.sent;
        c.alerts_failed = as.failed;
        c.alerts_suppressed = as.suppressed;
    }
    size_t nrules;
    const sw_rule *const *rules = sw_rules_all(&nrules);
    for (size_t i = 0; i < nrules && i < sizeof c.rules / sizeof c.rules[0]; i++) {
        c.rules[i].rule = rules[i]->id;
        c.nrules++;
    }
    for (size_t i = 0, n = sw_findings_count(pl->findings); i < n; i++) {
        const sw_finding *f = sw_findings_at(pl->findings, i);
        if (f->state != SW_FINDING_OPEN)
            continue;
        for (unsigned r = 0; r < c.nrules; r++)
            if (c.rules[r].rule == f->rule)
                c.rules[r].open[f->severity]++;
    }
    sw_monitor_set_counters(pl->monitor, &c);
}

/* Periodic work on the capture thread: counters for viewers, storm windows
 * of the alerts, SIGHUP, --duration. */
static void housekeeping(sw_pipeline *pl, sw_time_us capture_now)
{
    if (pl->alerts)
        sw_alerts_tick(pl->alerts, capture_now);
    if (pl->hup && *pl->hup) {
        *pl->hup = 0;
        if (pl->dashboard)
            *pl->stop = 1;          /* the terminal went away */
        else if (pl->alerts)
            sw_alerts_reopen(pl->alerts);
    }
    long long now = mono_ns();
    if (pl->keylog && pl->opt->capture.iface && now - pl->keylog_checked_ns >= 200000000LL) {
        /* Live: servers append keys as connections open; held records wait for them. */
        pl->keylog_checked_ns = now;
        sw_tls_keylog_refresh(pl->keylog);
    }
    if (pl->opt->capture.iface && now - pl->drops_checked_ns >= 1000000000LL) {
        /* Live: findings about missing messages are told when the capture loses packets. */
        pl->drops_checked_ns = now;
        sw_capture_stats cs;
        sw_capture_get_stats(pl->capture, &cs);
        uint64_t drops = cs.kernel_drops + cs.if_drops;
        if (drops > pl->drops_seen) {
            pl->drops_seen = drops;
            pl->drops_rose_ns = now;
        }
        pl->rules.capture_losing = pl->drops_rose_ns && now - pl->drops_rose_ns < 60000000000LL;
    }
    if (!pl->monitor && !pl->opt->duration)
        return;
    if (pl->opt->duration && now - pl->started_ns >= (long long)pl->opt->duration * 1000000000LL)
        *pl->stop = 1;
    if (pl->monitor && now >= pl->next_publish_ns) {
        pl->next_publish_ns = now + SW_PUBLISH_NS;
        publish(pl, false);
    }
}

/* --match: the message (or one field of it) matches the expression. */
static bool matches(const sw_pipeline *pl, const sw_sip_msg *m, const sw_payload *p)
{
    if (!pl->have_match)
        return false;
    char buf[300];
    const char *text = NULL;
    switch (pl->opt->match_field) {
    case 1:
        snprintf(buf, sizeof buf, "%s%s%s%s%s", m->from_display ? m->from_display : "", m->from_display ? " " : "",
                 m->from_user ? m->from_user : "", m->from_host ? "@" : "", m->from_host ? m->from_host : "");
        text = buf;
        break;
    case 2:
        snprintf(buf, sizeof buf, "%s%s%s", m->to_user ? m->to_user : "", m->to_host ? "@" : "",
                 m->to_host ? m->to_host : "");
        text = buf;
        break;
    case 3: text = m->user_agent ? m->user_agent : ""; break;
    case 4: text = m->call_id ? m->call_id : ""; break;
    default: {
        /* The whole message as captured: headers and body. */
        regmatch_t range = {.rm_so = 0, .rm_eo = (regoff_t)p->len};
        return regexec(&pl->match_re, (const char *)p->data, 1, &range, REG_STARTEND) == 0;
    }
    }
    return regexec(&pl->match_re, text, 0, NULL, 0) == 0;
}

/* Parsed messages arrive here in capture order, whatever the parse threads. */
static void on_parsed(void *user, const sw_payload *p, sw_sip_parse_result r, const sw_sip_msg *msg)
{
    sw_pipeline *pl = user;
    sw_sip_msg *fallback = &pl->fallback.msg;
    if (p->media) {
        sw_media_datagram(pl->media, p);
        return;
    }
    if (p->icmp) {
        /* A request quoted in an ICMP error: news for the correlator, not a SIP message. */
        const sw_sip_msg *quoted = msg;
        if (r != SW_SIP_OK) {
            quoted = fallback;
            if (!sw_sip_scan_keys(p, fallback)) {
                sw_sip_msg_start(fallback, p);     /* too short a quote for keys: the addresses still tell */
                fallback->is_request = true;
            }
        }
        sw_correlate_unreachable(pl->correlator, quoted, (sw_unreachable)p->icmp, &p->icmp_from);
        return;
    }
    sw_sip_stats_count(&pl->sip, r, msg, p);
    if (pl->hep_send)
        sw_hep_send_message(pl->hep_send, p);
    if (pl->monitor) {
        count_rate(pl, p->ts);
        if (r == SW_SIP_OK)
            sw_monitor_note_message(pl->monitor, msg);
    }
    bool shown = !pl->have_match;
    if (r == SW_SIP_OK) {
        shown = sw_correlate_message(pl->correlator, msg, matches(pl, msg, p));
    } else if (r == SW_SIP_PARSE_ERROR && sw_sip_scan_keys(p, fallback)) {
        /* Counted as a parse error; its keys still close its transaction. */
        if (pl->monitor)
            sw_monitor_note_message(pl->monitor, fallback);
        shown = sw_correlate_message(pl->correlator, fallback, matches(pl, fallback, p));
    }
    if (pl->opt->dump && (shown || !pl->have_match)) {
        if (r == SW_SIP_OK)
            sw_dump_message(pl->out, msg);
        else
            sw_dump_unparsed(pl->out, p, r == SW_SIP_TOO_LARGE ? "too-large" : "parse-error");
    }
}

/* A call's record as it ends (after the rules judged its end, so its
 * findings are named): counted in the KPIs and, with --calls, written; then
 * forgotten. */
/* The call's media as the media stage has it, and the media problems its
 * findings name. */
static void fill_media(sw_pipeline *pl, const sw_flow *flow, sw_call *call)
{
    if (!pl->media)
        return;
    sw_media_fill_call(sw_media_find(pl->media, flow->call_id), sw_media_seen(pl->media), call);
    if (sw_findings_for_call(pl->findings, flow->call_id, NULL, 0) == 0)
        return;                     /* no finding names the call, as for most: one lookup, not five */
    static const struct { const char *rule; uint8_t bit; } media_rules[] = {
        {"one-way-audio", SW_CALL_MP_ONE_WAY}, {"no-audio", SW_CALL_MP_NO_AUDIO},
        {"sdp-private-address", SW_CALL_MP_PRIVATE_SDP}, {"media-stopped", SW_CALL_MP_STOPPED},
        {"poor-quality", SW_CALL_MP_POOR},
    };
    for (size_t i = 0; i < sizeof media_rules / sizeof media_rules[0]; i++)
        if (sw_findings_find(pl->findings, media_rules[i].rule, flow->call_id))
            call->media_problems |= media_rules[i].bit;
}

static void call_ended(sw_pipeline *pl, const sw_flow *flow)
{
    sw_call call;
    sw_flow_call(flow, &call);
    fill_media(pl, flow, &call);
    if (pl->media)
        sw_media_forget(pl->media, flow->call_id);
    if (pl->dashboard)
        sw_monitor_call_ended(pl->monitor, &call);
    sw_call_stats_add(&pl->calls, &call);
    if (pl->have_match) {
        if (!call.selected)
            return;
        sw_findings_select_call(pl->findings, call.call_id);
    }
    if (!pl->opt->calls)
        return;
    uint64_t ids[32];
    size_t n = sw_findings_for_call(pl->findings, call.call_id, ids, 32);
    if (pl->opt->json) {
        sw_json_write_call(pl->out, &call, ids, n < 32 ? n : 32);
        return;
    }
    if (!pl->calls_header_written) {
        sw_text_write_calls_header(pl->out);
        pl->calls_header_written = true;
    }
    sw_text_write_call(pl->out, &call, n);
}

/* The dashboard's call list: each message of a call with the call's record
 * (and media) as it stands; call_ended gives the final record. */
static void note_call(sw_pipeline *pl, const sw_event *event)
{
    sw_call call;
    sw_flow_call(event->flow, &call);
    fill_media(pl, event->flow, &call);
    sw_evidence ev;
    if (sw_flow_evidence(event->flow, &ev, 1) == 1)
        sw_monitor_note_call(pl->monitor, &call, &ev, event->msg);
}

/* Correlator events go to every rule (and, with --calls, ended calls out). */
static void on_correlated(void *user, const sw_event *event)
{
    sw_pipeline *pl = user;
    if (pl->media) {
        /* The media stage learns from SIP, then rules see both. */
        if (event->kind == SW_EVENT_MESSAGE && !event->retransmission && event->msg)
            sw_media_learn(pl->media, event->msg);
        /* Looked up only for the events media is judged on: most messages carry no SDP. */
        bool judged = event->kind == SW_EVENT_FLOW_END ||
                      (event->kind == SW_EVENT_MESSAGE && event->msg && event->msg->sdp.present);
        pl->rules.media = event->flow && judged ? sw_media_find(pl->media, event->flow->call_id) : NULL;
        pl->rules.media_seen = sw_media_seen(pl->media);
    }
    sw_rules_evaluate(&pl->rules, event);
    if (pl->dashboard && event->flow && event->kind == SW_EVENT_MESSAGE)
        note_call(pl, event);
    if (event->kind == SW_EVENT_FLOW_END)
        call_ended(pl, event->flow);
}

/* Finding changes go to the dashboard and the alert sinks. */
static void on_finding(void *user, const sw_finding *f, sw_finding_change change)
{
    sw_pipeline *pl = user;
    if (pl->monitor)
        sw_monitor_finding_changed(pl->monitor, f, change);
    if (pl->alerts)
        sw_alerts_finding(pl->alerts, f, change, f->state == SW_FINDING_RESOLVED ? f->resolved_at : f->last_seen);
    if (pl->hep_send)
        sw_hep_send_finding(pl->hep_send, f, change, f->state == SW_FINDING_RESOLVED ? f->resolved_at : f->last_seen);
}

static void on_payload(void *user, const sw_payload *p)
{
    sw_pipeline *pl = user;
    sw_parse_pool_submit(pl->parser, p);
}

/* Non-SIP UDP rides through the parse pool unparsed, to stay in capture order with SIP. */
static void on_media(void *user, const sw_payload *p)
{
    sw_pipeline *pl = user;
    sw_parse_pool_submit(pl->parser, p);
}

/* A packet from --hep-listen: decoded like a frame, timed by its HEP stamp. */
static void on_hep_packet(void *user, sw_time_us arrival, const sw_ip_addr *from, const uint8_t *data, size_t len)
{
    sw_pipeline *pl = user;
    sw_decoder_hep_packet(pl->decoder, arrival, from, data, len);
    sw_time_us ts = sw_decoder_content_time(pl->decoder);
    if (!pl->first_ts)
        pl->first_ts = ts;
    if (ts > pl->last_ts)
        pl->last_ts = ts;
    if (ts > pl->hep_clock) {
        pl->hep_clock = ts;
        pl->hep_clock_ns = mono_ns();
    }
}

static void hep_drain(sw_pipeline *pl)
{
    if (!pl->hep_listen)
        return;
    uint64_t drops[SW_HEP_DROP_COUNT] = {0};
    sw_hep_listen_drain(pl->hep_listen, on_hep_packet, pl, drops);
    for (int i = 0; i < SW_HEP_DROP_COUNT; i++)
        if (drops[i])
            sw_decoder_hep_drop(pl->decoder, (sw_hep_drop)i, drops[i]);
}

static void on_frame(void *user, sw_time_us ts, const uint8_t *data, size_t caplen, size_t wirelen)
{
    sw_pipeline *pl = user;
    sw_decoder_frame(pl->decoder, ts, data, caplen, wirelen);
    ts = sw_decoder_content_time(pl->decoder);     /* HEP: the time the agent stamped */
    if (!pl->first_ts)
        pl->first_ts = ts;
    if (ts > pl->last_ts)
        pl->last_ts = ts;
    if (ts >= pl->last_poll + SW_PARSE_MAX_WAIT) {
        hep_drain(pl);
        sw_parse_pool_poll(pl->parser, ts, SW_PARSE_MAX_WAIT);
        pl->last_poll = ts;
        housekeeping(pl, ts);
    }
}

static void on_idle(void *user, sw_time_us now)
{
    sw_pipeline *pl = user;
    hep_drain(pl);
    sw_parse_pool_poll(pl->parser, now, SW_PARSE_MAX_WAIT);
    sw_correlate_advance(pl->correlator, now);
    housekeeping(pl, now);
}

static int open_error_status(sw_capture_open_error e)
{
    return e == SW_CAPTURE_OPEN_BAD_FILTER ? SW_EXIT_USAGE : SW_EXIT_INPUT;
}

static void pipeline_free(sw_pipeline *pl)
{
    if (!pl)
        return;
    if (pl->have_match)
        regfree(&pl->match_re);
    sw_correlator_destroy(pl->correlator);
    sw_media_destroy(pl->media);
    sw_findings_destroy(pl->findings);
    sw_parse_pool_destroy(pl->parser);
    sw_decoder_destroy(pl->decoder);
    sw_tls_keylog_destroy(pl->keylog);
    sw_monitor_destroy(pl->monitor);
    sw_capture_close(pl->capture);
    sw_hep_listen_close(pl->hep_listen);
    sw_hep_send_free(pl->hep_send);
    free(pl);
}

/* Reads the input to its end (or the stop flag) and settles every pending
 * expectation. */
/* --hep-listen alone: packets as they come; the clock is the HEP time
 * stamps' (agents may replay old traffic), moved on by the wall clock. */
static sw_capture_end hep_only_run(sw_pipeline *pl)
{
    while (!*pl->stop) {
        sw_hep_listen_wait(pl->hep_listen, 100);
        hep_drain(pl);
        sw_parse_pool_flush(pl->parser);   /* correlated before the clock moves on */
        /* Before the first packet, time stands still: an agent replaying
         * old traffic must not find the clock already at today. */
        sw_time_us now = pl->hep_clock ? pl->hep_clock + (sw_time_us)((mono_ns() - pl->hep_clock_ns) / 1000) : 0;
        on_idle(pl, now);
    }
    hep_drain(pl);
    return SW_CAPTURE_STOPPED;
}

static void analyse(sw_pipeline *pl)
{
    pl->end = pl->capture ? sw_capture_run(pl->capture, on_frame, on_idle, pl, pl->stop) : hep_only_run(pl);
    hep_drain(pl);
    sw_decoder_finish(pl->decoder, pl->last_ts);
    sw_parse_pool_flush(pl->parser);
    sw_correlate_finish(pl->correlator, pl->last_ts);
    if (pl->monitor)
        publish(pl, true);
}

static void *analysis_thread(void *arg)
{
    sw_pipeline *pl = arg;
    analyse(pl);
    sw_sip_thread_done();           /* this thread parsed too, helping the parse workers */
    /* A file is done, but alerts may still be in delivery: keep the
     * dashboard's counters fresh until the user quits. */
    while (!*pl->stop) {
        nanosleep(&(struct timespec){.tv_nsec = 200 * 1000 * 1000}, NULL);
        publish(pl, true);
    }
    return NULL;
}

static void summarise(sw_pipeline *pl, sw_run_summary *sum)
{
    const sw_options *opt = pl->opt;
    memset(sum, 0, sizeof *sum);
    sum->source = opt->capture.file ? opt->capture.file : opt->capture.iface ? opt->capture.iface : "HEP";
    sum->filter = sw_capture_filter(pl->capture);
    sum->link_type = sw_capture_datalink_name(pl->capture);
    sum->live = opt->capture.iface != NULL || !opt->capture.file;
    sum->first_ts = pl->first_ts;
    sum->last_ts = pl->last_ts;
    sw_capture_get_stats(pl->capture, &sum->capture);
    sw_decoder_get_stats(pl->decoder, &sum->decode, &sum->ipfrag, &sum->tcp);
    sum->have_keylog = pl->keylog != NULL;
    sw_tls_keylog_get_stats(pl->keylog, &sum->keylog);
    sum->sip = &pl->sip;
    sw_correlate_get_stats(pl->correlator, &sum->correlate);
    sw_findings_get_stats(pl->findings, &sum->findings);
    sum->calls = &pl->calls;
    if (pl->media) {
        sw_media_get_stats(pl->media, &pl->media_stats);
        sum->media = &pl->media_stats;
    }
    sum->only_selected = pl->have_match;
    sum->hep = sw_decoder_hep_stats(pl->decoder);
    sum->hep_listening = pl->hep_listen != NULL;
    if (pl->alerts) {
        sum->have_alerts = true;
        sw_alerts_get_stats(pl->alerts, &sum->alerts);
    }
    if (pl->hep_send) {
        sum->have_hep_send = true;
        sw_hep_send_get_stats(pl->hep_send, &sum->hep_send);
    }
}

/* -Z: like tcpdump, give up root once the capture is open. */
static int drop_privileges(const char *user, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z: no such user '%s'", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "-Z: cannot become user '%s': %s", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0 && pw->pw_uid != 0) {
        snprintf(err, errlen, "-Z: root privileges could be regained after switching to '%s'", user);
        return -1;
    }
    return 0;
}

/* --check: one status line with perfdata; the monitoring-plugin exit code. */
static int write_check(FILE *out, const sw_findings *fs, const sw_run_summary *sum)
{
    size_t n = sw_findings_count(fs), nrules;
    const sw_rule *const *rules = sw_rules_all(&nrules);
    unsigned by_sev[3] = {0, 0, 0};
    char detail[512] = "";
    size_t used = 0;
    for (size_t r = 0; r < nrules; r++) {
        unsigned count = 0;
        for (size_t i = 0; i < n; i++) {
            const sw_finding *f = sw_findings_at(fs, i);
            if (f->state == SW_FINDING_OPEN && f->rule == rules[r]->id && f->severity >= SW_SEV_WARNING)
                count++;
        }
        if (count && used < sizeof detail)
            used += (size_t)snprintf(detail + used, sizeof detail - used, "%s%u %s", used ? ", " : "", count,
                                     rules[r]->id);
    }
    for (size_t i = 0; i < n; i++) {
        const sw_finding *f = sw_findings_at(fs, i);
        if (f->state == SW_FINDING_OPEN)
            by_sev[f->severity]++;
    }
    int code = by_sev[SW_SEV_CRITICAL] ? SW_CHECK_CRITICAL : by_sev[SW_SEV_WARNING] ? SW_CHECK_WARNING : SW_CHECK_OK;
    /* "OK" only about traffic sipwatch could read; nothing read at all is UNKNOWN. */
    sw_blind_spots blind;
    sw_summary_blind_spots(sum, &blind);
    if (blind.saw_nothing && code == SW_CHECK_OK)
        code = SW_CHECK_UNKNOWN;
    if (sw_tls_unread(&sum->tcp.tls) && code == SW_CHECK_OK)
        code = SW_CHECK_UNKNOWN;        /* never OK about SIP over TLS that could not be read */
    char seen[320] = "";
    for (unsigned i = 0, at = 0; i < blind.count && at < sizeof seen; i++)
        at += (unsigned)snprintf(seen + at, sizeof seen - at, "%s%s", i ? ", " : "; not inspected: ", blind.labels[i]);
    static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    fprintf(out, "SIPWATCH %s - %s%s | critical=%u warning=%u info=%u sip_messages=%llu parse_errors=%llu "
                 "kernel_drops=%llu tls_connections=%llu\n",
            names[code], used ? detail : blind.saw_nothing ? "nothing could be checked"
                         : sw_tls_unread(&sum->tcp.tls) ? "no open problems in the SIP that could be read"
                                                        : "no open problems", seen,
            by_sev[SW_SEV_CRITICAL], by_sev[SW_SEV_WARNING], by_sev[SW_SEV_INFO],
            (unsigned long long)sum->sip->messages, (unsigned long long)sum->sip->parse_errors,
            (unsigned long long)sum->capture.kernel_drops, (unsigned long long)sum->tcp.tls_connections);
    return code;
}

bool sw_run_wants_dashboard(const sw_options *opt)
{
    return !opt->json && !opt->dump && !opt->report && !opt->calls && !opt->no_ui && isatty(STDOUT_FILENO) &&
           isatty(STDIN_FILENO);
}

int sw_run(const sw_options *opt, volatile sig_atomic_t *stop, volatile sig_atomic_t *hup)
{
    char err[512];
    sw_pipeline *pl = calloc(1, sizeof *pl);
    if (!pl) {
        fprintf(stderr, "sipwatch: out of memory\n");
        return SW_EXIT_RUNTIME;
    }
    sw_sip_msg_buf_init(&pl->fallback);
    pl->opt = opt;
    pl->stop = stop;
    pl->hup = hup;
    pl->out = stdout;
    pl->started_ns = mono_ns();
    if (opt->match) {
        int rc = regcomp(&pl->match_re, opt->match, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[160];
            regerror(rc, &pl->match_re, why, sizeof why);
            fprintf(stderr, "sipwatch: --match: bad expression '%s': %s\n", opt->match, why);
            free(pl);
            return SW_EXIT_USAGE;
        }
        pl->have_match = true;
    }
    if (opt->nhep_listen) {
        pl->hep_listen = sw_hep_listen_open(opt->hep_listen, opt->nhep_listen, err, sizeof err);
        if (!pl->hep_listen) {
            fprintf(stderr, "sipwatch: %s\n", err);
            free(pl);
            return opt->check ? SW_CHECK_UNKNOWN : SW_EXIT_INPUT;
        }
    }
    sw_capture_open_error oe = SW_CAPTURE_OPEN_OK;
    if (opt->capture.file || opt->capture.iface)
        oe = sw_capture_open(&opt->capture, sw_decode_linktype_supported, &pl->capture, err, sizeof err);
    if (oe != SW_CAPTURE_OPEN_OK) {
        sw_hep_listen_close(pl->hep_listen);
        fprintf(stderr, "sipwatch: %s\n", err);
        if (opt->check)
            printf("SIPWATCH UNKNOWN - %s\n", err);
        free(pl);
        return opt->check ? SW_CHECK_UNKNOWN : open_error_status(oe);
    }
    if (opt->user && drop_privileges(opt->user, err, sizeof err) != 0) {
        fprintf(stderr, "sipwatch: %s\n", err);
        sw_capture_close(pl->capture);
        sw_hep_listen_close(pl->hep_listen);
        free(pl);
        return opt->check ? SW_CHECK_UNKNOWN : SW_EXIT_RUNTIME;
    }

    bool dashboard = sw_run_wants_dashboard(opt) && !opt->check;
    pl->dashboard = dashboard;
    sw_decode_config dcfg;
    sw_decode_config_default(&dcfg);
    dcfg.max_message_len = opt->max_message_len;
    if (opt->ntls_keylogs && !(pl->keylog = sw_tls_keylog_create(0))) {
        fprintf(stderr, "sipwatch: out of memory\n");
        pipeline_free(pl);
        return SW_EXIT_RUNTIME;
    }
    if (opt->ntls_keylogs && !sw_tls_crypto_load(err, sizeof err)) {
        fprintf(stderr, "sipwatch: %s\n", err);
        if (opt->check)
            printf("SIPWATCH UNKNOWN - %s\n", err);
        pipeline_free(pl);
        return opt->check ? SW_CHECK_UNKNOWN : SW_EXIT_RUNTIME;
    }
    for (unsigned i = 0; i < opt->ntls_keylogs; i++)
        if (!sw_tls_keylog_add_file(pl->keylog, opt->tls_keylogs[i], err, sizeof err)) {
            fprintf(stderr, "sipwatch: %s\n", err);
            if (opt->check)
                printf("SIPWATCH UNKNOWN - %s\n", err);
            pipeline_free(pl);
            return opt->check ? SW_CHECK_UNKNOWN : SW_EXIT_INPUT;
        }
    dcfg.tls_keylog = pl->keylog;
    dcfg.hep_password = opt->hep_password;
    dcfg.hep_frames_off = opt->nhep_listen > 0;    /* -i beside --hep-listen: the listener has it */
    sw_sip_init();
    pl->decoder = sw_decoder_create(&dcfg, on_payload, pl);
    pl->parser = sw_parse_pool_create(opt->threads, opt->max_message_len, on_parsed, pl);
    pl->correlator = sw_correlator_create(&opt->correlate, on_correlated, pl);
    pl->findings = sw_findings_create(0, on_finding, pl);
    if (dashboard || opt->metrics)
        pl->monitor = sw_monitor_create(dashboard ? 0 : 1024 * 1024);
    if (dashboard && pl->monitor && sw_monitor_enable_calls(pl->monitor, opt->call_memory_mb << 20) < 0) {
        sw_monitor_destroy(pl->monitor);
        pl->monitor = NULL;
    }
    pl->rules.cfg = &opt->rules;
    pl->rules.corr = &opt->correlate;
    pl->rules.findings = pl->findings;
    if (!opt->no_rtp) {
        sw_media_config mcfg = {.max_calls = 0, .bad_loss_percent = opt->rules.poor_loss_percent,
                                .bad_jitter_ms = opt->rules.poor_jitter_ms};
        pl->media = sw_media_create(&mcfg);
        pl->rules.media_on = pl->media != NULL;
        if (pl->media && pl->decoder)
            sw_decoder_set_media(pl->decoder, on_media, pl);
    }
    if (!pl->decoder || !pl->parser || !pl->correlator || !pl->findings || ((dashboard || opt->metrics) && !pl->monitor)) {
        fprintf(stderr, "sipwatch: out of memory\n");
        pipeline_free(pl);
        return SW_EXIT_RUNTIME;
    }
    sw_decoder_set_linktype(pl->decoder, sw_capture_datalink(pl->capture));
    if (pl->hep_listen && !sw_hep_listen_start(pl->hep_listen)) {
        fprintf(stderr, "sipwatch: cannot start the HEP listener\n");
        pipeline_free(pl);
        return SW_EXIT_RUNTIME;
    }
    if (sw_alert_config_any(&opt->alerts)) {
        pl->alerts = sw_alerts_create(&opt->alerts, err, sizeof err);
        if (!pl->alerts) {
            fprintf(stderr, "sipwatch: %s\n", err);
            if (opt->check)
                printf("SIPWATCH UNKNOWN - %s\n", err);
            pipeline_free(pl);
            return opt->check ? SW_CHECK_UNKNOWN : SW_EXIT_INPUT;
        }
    }
    if (opt->hep_send) {
        err[0] = '\0';
        pl->hep_send = sw_hep_send_start(opt->hep_send, opt->hep_id, opt->hep_password, err, sizeof err);
        if (!pl->hep_send) {
            fprintf(stderr, "sipwatch: %s\n", err);
            sw_alerts_destroy(pl->alerts, 0, 0);
            pl->alerts = NULL;
            pipeline_free(pl);
            return opt->check ? SW_CHECK_UNKNOWN : SW_EXIT_USAGE;
        }
    }
    sw_metrics *metrics = NULL;
    if (opt->metrics) {
        publish(pl, false);
        metrics = sw_metrics_start(opt->metrics, pl->monitor, err, sizeof err);
        if (!metrics) {
            fprintf(stderr, "sipwatch: --metrics: %s\n", err);
            sw_alerts_destroy(pl->alerts, 0, 0);
            pl->alerts = NULL;
            pipeline_free(pl);
            return opt->check ? SW_CHECK_UNKNOWN : SW_EXIT_USAGE;
        }
    }
    if ((opt->capture.iface || opt->nhep_listen) && !dashboard)
        setvbuf(stdout, NULL, _IOLBF, 0);   /* live output is read as it comes */

    int status = SW_EXIT_OK;
    if (dashboard) {
        publish(pl, false);
        pthread_t analysis;
        if (pthread_create(&analysis, NULL, analysis_thread, pl) != 0) {
            fprintf(stderr, "sipwatch: cannot start the analysis thread\n");
            pipeline_free(pl);
            return SW_EXIT_RUNTIME;
        }
        sw_tui_options topt = {.quiet = opt->quiet, .ascii = opt->ascii, .save_dir = NULL,
                                  .match = pl->have_match};
        int rc = sw_tui_run(pl->monitor, &topt, stop);
        *stop = 1;                          /* the user quit: stop a live capture too */
        pthread_join(analysis, NULL);
        if (rc != 0)
            status = SW_EXIT_RUNTIME;
        if (pl->end == SW_CAPTURE_ERROR) {
            sw_capture_stats cs;
            sw_capture_get_stats(pl->capture, &cs);
            fprintf(stderr, "sipwatch: capture failed: %s\n", cs.error);
            status = SW_EXIT_RUNTIME;
        }
        sw_metrics_stop(metrics);
        sw_hep_send_stop(pl->hep_send, 1000);
        sw_alerts_destroy(pl->alerts, pl->last_ts, 1000);
        pl->alerts = NULL;
        pipeline_free(pl);
        return status;
    }

    analyse(pl);
    sw_hep_send_stop(pl->hep_send, 2000);  /* what is queued goes out first */
    sw_run_summary sum;
    summarise(pl, &sum);
    if (pl->end == SW_CAPTURE_TRUNCATED)
        fprintf(stderr, "sipwatch: %s: the capture ends early after packet %llu (%s); "
                        "results cover the packets before the cut\n",
                sum.source, (unsigned long long)sum.capture.frames, sum.capture.error);
    if (pl->end == SW_CAPTURE_ERROR) {
        fprintf(stderr, "sipwatch: capture on %s failed: %s\n", sum.source, sum.capture.error);
        status = SW_EXIT_RUNTIME;
    }

    if (pl->alerts) {
        /* Deliver what is queued (storm summaries included), drop what a
         * stuck sink still holds; then count it all. */
        sw_alerts_stop(pl->alerts, pl->last_ts, 2000);
        sw_alerts_get_stats(pl->alerts, &sum.alerts);
        sum.have_alerts = true;
    }
    if (metrics && opt->metrics_linger && opt->capture.file) {
        publish(pl, true);
        for (unsigned s = 0; s < opt->metrics_linger * 10 && !*stop; s++)
            nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
    }
    sw_metrics_stop(metrics);

    sw_alerts_destroy(pl->alerts, pl->last_ts, 0);
    pl->alerts = NULL;
    size_t nfindings = sw_findings_count(pl->findings);
    if (opt->check) {
        if (status == SW_EXIT_OK) {
            status = write_check(pl->out, pl->findings, &sum);
        } else {
            fprintf(pl->out, "SIPWATCH UNKNOWN - capture failed: %s\n", sum.capture.error);
            status = SW_CHECK_UNKNOWN;
        }
        fflush(pl->out);
        pipeline_free(pl);
        return status;
    }
    if (opt->json) {
        for (size_t i = 0; i < nfindings; i++)
            if (sw_finding_shown(sw_findings_at(pl->findings, i), pl->have_match))
                sw_json_write_finding(pl->out, sw_findings_at(pl->findings, i));
        sw_json_write_stats(pl->out, &sum);
    } else if (!opt->dump && !opt->calls) {
        /* Prose stays readable on very wide terminals. */
        int width = opt->width <= 0 ? 80 : opt->width < 60 ? 60 : opt->width > 100 ? 100 : opt->width;
        sw_report_write(pl->out, pl->findings, &sum, width);
    }
    fflush(pl->out);
    if (status == SW_EXIT_OK)
        for (size_t i = 0; i < nfindings; i++)
            if (sw_findings_at(pl->findings, i)->severity >= SW_SEV_WARNING &&
                sw_finding_shown(sw_findings_at(pl->findings, i), pl->have_match))
                status = SW_EXIT_FINDINGS;
    pipeline_free(pl);
    return status;
}
