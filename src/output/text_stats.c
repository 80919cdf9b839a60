/* Human-readable run totals: what was read, what was SIP, what could not be
 * decoded, and whether the capture was complete. Printed by the default
 * summary output and at the end of the report. */
#include "sipwatch/output.h"
#include "sipwatch/timefmt.h"

void sw_text_write_stats(FILE *out, const sw_run_summary *r)
{
    const sw_sip_stats *s = r->sip;
    char a[SW_TIME_STRLEN], b[SW_TIME_STRLEN];
    fprintf(out, "Source:        %s%s (%s)\n", r->source ? r->source : "?", r->live ? " (live)" : "",
            r->link_type ? r->link_type : "?");
    if (r->filter)
        fprintf(out, "Filter:        %s\n", r->filter);
    if (r->first_ts)
        fprintf(out, "Time:          %s .. %s (%.1f s)\n", sw_time_iso(r->first_ts, a, sizeof a),
                sw_time_iso(r->last_ts, b, sizeof b), (double)(r->last_ts - r->first_ts) / 1e6);
    fprintf(out, "Packets:       %llu (%llu bytes)\n", (unsigned long long)r->decode.packets,
            (unsigned long long)r->decode.bytes);
    fprintf(out, "SIP messages:  %llu (%llu requests, %llu responses, %llu parse errors)\n",
            (unsigned long long)s->messages, (unsigned long long)s->requests,
            (unsigned long long)s->responses, (unsigned long long)s->parse_errors);
    if (s->requests) {
        fputs("Requests:     ", out);
        for (int m = 1; m < SW_METHOD_COUNT; m++)
            if (s->by_method[m])
                fprintf(out, " %s %llu", sw_sip_method_name((sw_sip_method)m), (unsigned long long)s->by_method[m]);
        if (s->by_method[SW_METHOD_OTHER])
            fprintf(out, " other %llu", (unsigned long long)s->by_method[SW_METHOD_OTHER]);
        fputc('\n', out);
    }
    if (s->responses) {
        fputs("Responses:    ", out);
        for (int c = 100; c < 700; c++)
            if (s->by_status[c])
                fprintf(out, " %d %llu", c, (unsigned long long)s->by_status[c]);
        if (s->by_status[0])
            fprintf(out, " other %llu", (unsigned long long)s->by_status[0]);
        fputc('\n', out);
    }
    fprintf(out, "TCP streams:   %llu with SIP (%llu connections, %llu TLS, %llu gaps)\n",
            (unsigned long long)r->tcp.sip_connections, (unsigned long long)r->tcp.connections,
            (unsigned long long)r->tcp.tls_connections, (unsigned long long)r->tcp.gaps);
    fprintf(out, "IP fragments:  %llu datagrams reassembled from %llu fragments (%llu timed out)\n",
            (unsigned long long)r->ipfrag.reassembled, (unsigned long long)r->ipfrag.fragments,
            (unsigned long long)r->ipfrag.timed_out);
    fprintf(out, "Flows:         %llu Call-IDs (%llu retransmissions, %llu duplicate copies; %llu evicted)\n",
            (unsigned long long)r->correlate.flows, (unsigned long long)r->correlate.retransmissions,
            (unsigned long long)r->correlate.duplicates, (unsigned long long)r->correlate.flows_evicted);
    if (r->have_alerts)
        fprintf(out, "Alerts:        %llu sent, %llu failed, %llu held back (%llu storms), %llu commands killed\n",
                (unsigned long long)r->alerts.sent, (unsigned long long)r->alerts.failed,
                (unsigned long long)r->alerts.suppressed, (unsigned long long)r->alerts.storms,
                (unsigned long long)r->alerts.exec_killed);
    if (r->live)
        fprintf(out, "Kernel drops:  %llu (interface %llu)\n", (unsigned long long)r->capture.kernel_drops,
                (unsigned long long)r->capture.if_drops);
    if (r->capture.truncated)
        fprintf(out, "Warning:       the capture file ends early: %s\n", r->capture.error);
}
