/* --report: the human-readable report. Findings grouped by severity, worst
 * first, each with its summary, where and when, the fix suggestion wrapped
 * to the width, and the key messages; then the run's totals. Written for
 * the support engineer reading a customer's capture. */
#include "sipwatch/media.h"
#include "sipwatch/output.h"
#include "sipwatch/text.h"
#include "sipwatch/timefmt.h"

#include <stdio.h>
#include <string.h>

const char *sw_evidence_label(const sw_evidence *e, char *buf, size_t n)
{
    const char *method = sw_sip_method_name((sw_sip_method)e->method);
    if (e->status)
        snprintf(buf, n, "%u (%s)", e->status, method);
    else if (e->sipfrag)
        snprintf(buf, n, "%s [sipfrag %u]", method, e->sipfrag * 10u);
    else
        snprintf(buf, n, "%s", method);
    return buf;
}

void sw_text_wrap(FILE *out, const char *text, int indent, int width)
{
    sw_text_wrap_bullet(out, NULL, text, indent, width);
}

void sw_text_wrap_bullet(FILE *out, const char *bullet, const char *text, int indent, int width)
{
    int avail = width - indent;
    if (avail < 20)
        avail = 20;
    sw_text_span lines[256];
    size_t n = sw_text_wrap_lines(text, avail, lines, 256);
    for (size_t i = 0; i < n && i < 256; i++) {
        if (i == 0 && bullet)
            fprintf(out, "%*s%s%.*s\n", indent - (int)strlen(bullet), "", bullet, (int)lines[i].len,
                    text + lines[i].off);
        else
            fprintf(out, "%*s%.*s\n", indent, "", (int)lines[i].len, text + lines[i].off);
    }
}

static const char *clock_of(sw_time_us t, char *buf, size_t n)
{
    char iso[SW_TIME_STRLEN];
    sw_time_iso(t, iso, sizeof iso);
    /* "2026-11-23T22:44:55.757685Z" -> "22:44:55.757685" */
    snprintf(buf, n, "%.15s", iso + 11);
    return buf;
}

static void write_finding(FILE *out, const sw_finding *f, int width)
{
    char a[SW_TIME_STRLEN], b[SW_TIME_STRLEN], src[SW_ENDPOINT_STRLEN], dst[SW_ENDPOINT_STRLEN];
    fprintf(out, "[%llu] %s%s\n", (unsigned long long)f->id, f->rule,
            f->state == SW_FINDING_RESOLVED ? "  (resolved)" : "");
    sw_text_wrap(out, f->summary, 4, width);
    fprintf(out, "    %s .. %s, count %u", sw_time_iso(f->first_seen, a, sizeof a),
            clock_of(f->last_seen, b, sizeof b), f->count);
    if (f->src.ip.family)
        fprintf(out, ", %s -> %s", sw_endpoint_format(&f->src, src, sizeof src),
                f->dst.ip.family ? sw_endpoint_format(&f->dst, dst, sizeof dst) : "?");
    fputc('\n', out);
    if (f->call_id[0])
        fprintf(out, "    Call-ID: %s\n", f->call_id);
    if (f->state == SW_FINDING_RESOLVED && f->resolution[0])
        fprintf(out, "    Resolved: %s\n", f->resolution);
    fputs("    What to do:\n", out);
    sw_text_wrap(out, f->suggestion, 6, width);
    if (f->nevidence) {
        fputs("    Messages:\n", out);
        for (unsigned i = 0; i < f->nevidence; i++) {
            const sw_evidence *e = &f->evidence[i];
            char label[64], t[24];
            fprintf(out, "      %s %s -> %s %s cseq %u%s%s%s\n", clock_of(e->ts, t, sizeof t),
                    sw_endpoint_format(&e->src, src, sizeof src), sw_endpoint_format(&e->dst, dst, sizeof dst),
                    sw_evidence_label(e, label, sizeof label), e->cseq,
                    (e->flags & SW_EVF_CREDENTIALS) ? " [credentials]" : "",
                    (e->flags & SW_EVF_RETRANSMISSION) ? " [retransmission]" : "",
                    (e->flags & SW_EVF_DUPLICATE) ? " [duplicate]" : "");
        }
    }
    fputc('\n', out);
}

void sw_summary_blind_spots(const sw_run_summary *sum, sw_blind_spots *out)
{
    sw_visibility_input in = {
        .packets = sum->decode.packets,
        .sip_messages = sum->sip ? sum->sip->messages : 0,
        .parse_errors = sum->sip ? sum->sip->parse_errors : 0,
        .tls_connections = sw_tls_unread(&sum->tcp.tls),
        .tls_no_key = sum->tcp.tls.no_key,
        .tls_unsupported = sum->tcp.tls.unsupported,
        .tls_midstream = sum->tcp.tls.midstream,
        .tls_damaged = sum->tcp.tls.damaged,
        .capture_drops = sum->capture.kernel_drops + sum->capture.if_drops,
        .flows_evicted = sum->correlate.flows_evicted,
        .truncated = sum->capture.truncated,
        .truncated_why = sum->capture.error,
    };
    sw_visibility_assess(&in, out);
}

/* The calls section: outcomes, KPIs, and the failed calls (a screenful). */
static void write_calls(FILE *out, const sw_call_stats *cs)
{
    unsigned long long n = cs->attempts;
    fprintf(out, "== Calls ==\n\n%llu INVITE %s:", n, sw_plural(n, "call", "calls"));
    for (int i = 0; i < SW_CALL_STATES; i++)
        if (cs->by_state[i])
            fprintf(out, " %s %llu", sw_call_state_name((sw_call_state)i), (unsigned long long)cs->by_state[i]);
    fputc('\n', out);
    fputs("By final status:", out);
    for (int code = 100; code < 700; code++)
        if (cs->by_status[code])
            fprintf(out, " %d x%llu", code, (unsigned long long)cs->by_status[code]);
    if (cs->by_status[0])
        fprintf(out, " none x%llu", (unsigned long long)cs->by_status[0]);
    fputc('\n', out);
    fprintf(out, "ASR %.1f%%, NER %.1f%%", 100.0 * sw_call_stats_asr(cs), 100.0 * sw_call_stats_ner(cs));
    if (cs->pdd_count)
        fprintf(out, ", mean post-dial delay %.0f ms", sw_call_stats_pdd_ms(cs));
    if (cs->duration_count)
        fprintf(out, ", ACD %.1f s", sw_call_stats_acd_s(cs));
    fputs("\n", out);
    const sw_peer_calls *top[5];
    unsigned np = sw_call_stats_top_peers(cs, top, 5);
    for (unsigned i = 0; i < np && (np > 1 || top[0]->peer.family); i++) {
        char ip[SW_IP_STRLEN];
        fprintf(out, "%s %s: %llu %s, ASR %.1f%%, NER %.1f%%\n", i ? "     " : "Peers", 
                top[i]->peer.family ? sw_ip_format(&top[i]->peer, ip, sizeof ip) : "other",
                (unsigned long long)top[i]->attempts, sw_plural(top[i]->attempts, "call", "calls"),
                100.0 * top[i]->answered / top[i]->attempts, 100.0 * top[i]->delivered / top[i]->attempts);
    }
    if (cs->failed) {
        fprintf(out, "Failed calls (%llu):\n", (unsigned long long)cs->failed);
        for (unsigned i = 0; i < cs->nfailed_calls; i++) {
            const sw_failed_call *f = &cs->failed_calls[i];
            char t[SW_TIME_STRLEN];
            fprintf(out, "  %s %s -> %s %s %u %s\n", clock_of(f->start, t, sizeof t), f->from, f->to,
                    sw_call_state_name(f->state), f->final_status, f->reason);
        }
        if (cs->failed > cs->nfailed_calls)
            fprintf(out, "  ... and %llu more (--calls lists every call)\n",
                    (unsigned long long)(cs->failed - cs->nfailed_calls));
    }
    fputc('\n', out);
}

/* The media section: streams followed, RTP and RTCP matched, MOS. */
static void write_media(FILE *out, const sw_media_stats *m)
{
    fprintf(out, "== Media ==\n\n%llu RTP %s in %llu %s of %llu %s with SDP; %llu RTCP",
            (unsigned long long)m->rtp_packets, sw_plural(m->rtp_packets, "packet", "packets"),
            (unsigned long long)m->streams, sw_plural(m->streams, "stream", "streams"),
            (unsigned long long)m->calls, sw_plural(m->calls, "call", "calls"), (unsigned long long)m->rtcp_packets);
    if (m->mos_count)
        fprintf(out, "; mean MOS %.2f over %llu %s", m->mos_sum / m->mos_count, (unsigned long long)m->mos_count,
                sw_plural(m->mos_count, "stream", "streams"));
    fputc('\n', out);
    if (m->unmatched)
        fprintf(out, "%llu RTP-like datagrams matched no SDP seen (media of calls set up before the capture, "
                     "or not SIP)\n", (unsigned long long)m->unmatched);
    if (m->calls_evicted || m->streams_dropped)
        fprintf(out, "Limits: %llu calls' media forgotten early, %llu streams not followed\n",
                (unsigned long long)m->calls_evicted, (unsigned long long)m->streams_dropped);
    fputc('\n', out);
}

/* The opening verdict: findings, or "no problems" only as far as sipwatch could see. */
static void write_verdict(FILE *out, size_t n, const unsigned by_sev[3], const sw_blind_spots *blind, int width)
{
    if (n)
        fprintf(out, "%zu %s: %u critical, %u warning, %u info\n", n, sw_plural(n, "finding", "findings"),
                by_sev[SW_SEV_CRITICAL], by_sev[SW_SEV_WARNING], by_sev[SW_SEV_INFO]);
    else if (blind->saw_nothing)
        fputs("No verdict: there was nothing sipwatch could inspect.\n", out);
    else if (blind->count)
        fputs("No problems found in the traffic sipwatch could inspect, but not everything could be.\n", out);
    else
        fputs("No problems found.\n", out);
    if (blind->count) {
        fputs("Not inspected:\n", out);
        for (unsigned i = 0; i < blind->count; i++)
            sw_text_wrap_bullet(out, "- ", blind->lines[i], 4, width);
    }
    fputc('\n', out);
}

void sw_report_write(FILE *out, const sw_findings *fs, const sw_run_summary *sum, int width)
{
    if (width <= 0)
        width = 80;
    size_t total = sw_findings_count(fs), n = 0;
    unsigned by_sev[3] = {0, 0, 0};
    for (size_t i = 0; i < total; i++)
        if (sw_finding_shown(sw_findings_at(fs, i), sum->only_selected)) {
            by_sev[sw_findings_at(fs, i)->severity]++;
            n++;
        }
    fprintf(out, "sipwatch report: %s\n", sum->source ? sum->source : "?");
    sw_blind_spots blind;
    sw_summary_blind_spots(sum, &blind);
    write_verdict(out, n, by_sev, &blind, width);
    static const char *const titles[3] = {"INFO", "WARNING", "CRITICAL"};
    for (int sev = SW_SEV_CRITICAL; sev >= SW_SEV_INFO; sev--) {
        if (!by_sev[sev])
            continue;
        fprintf(out, "== %s ==\n\n", titles[sev]);
        for (size_t i = 0; i < total; i++) {
            const sw_finding *f = sw_findings_at(fs, i);
            if ((int)f->severity == sev && sw_finding_shown(f, sum->only_selected))
                write_finding(out, f, width);
        }
    }
    if (sum->calls && sum->calls->attempts)
        write_calls(out, sum->calls);
    if (sum->media && (sum->media->rtp_packets || sum->media->rtcp_packets))
        write_media(out, sum->media);
    fputs("== Totals ==\n", out);
    sw_text_write_stats(out, sum);
}
