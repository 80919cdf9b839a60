/* Human-readable run totals: what was read, what was SIP, what could not be
 * decoded, and whether the capture was complete. Printed by the default
 * summary output and at the end of the report. */
#include "sipwatch/output.h"
#include "sipwatch/text.h"
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
    unsigned long long packets = r->decode.packets;
    fprintf(out, "Packets:       %llu (%llu bytes)\n", packets, (unsigned long long)r->decode.bytes);
    fprintf(out, "SIP messages:  %llu (%llu %s, %llu %s, %llu parse %s)\n", (unsigned long long)s->messages,
            (unsigned long long)s->requests, sw_plural(s->requests, "request", "requests"),
            (unsigned long long)s->responses, sw_plural(s->responses, "response", "responses"),
            (unsigned long long)s->parse_errors, sw_plural(s->parse_errors, "error", "errors"));
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
    const sw_tcp_stats *t = &r->tcp;
    fprintf(out, "TCP streams:   %llu with SIP (%llu %s, %llu TLS, %llu %s)\n",
            (unsigned long long)t->sip_connections, (unsigned long long)t->connections,
            sw_plural(t->connections, "connection", "connections"), (unsigned long long)t->tls_connections,
            (unsigned long long)t->gaps, sw_plural(t->gaps, "gap", "gaps"));
    const sw_tls_stats *tl = &t->tls;
    if (tl->connections)
        fprintf(out, "TLS:           %llu %s, %llu decrypted; not decrypted: %llu no key, %llu unsupported, "
                     "%llu midstream, %llu damaged\n",
                (unsigned long long)tl->connections, sw_plural(tl->connections, "connection", "connections"),
                (unsigned long long)tl->decrypted, (unsigned long long)tl->no_key,
                (unsigned long long)tl->unsupported, (unsigned long long)tl->midstream,
                (unsigned long long)tl->damaged);
    for (unsigned i = 0; i < tl->nsamples; i++) {
        char cl[SW_ENDPOINT_STRLEN], sv[SW_ENDPOINT_STRLEN], ts[SW_TIME_STRLEN];
        fprintf(out, "               not decrypted: %s -> %s at %s (%s)\n",
                sw_endpoint_format(&tl->samples[i].client, cl, sizeof cl),
                sw_endpoint_format(&tl->samples[i].server, sv, sizeof sv), sw_time_iso(tl->samples[i].ts, ts, sizeof ts),
                sw_tls_reason_name((sw_tls_reason)tl->samples[i].reason));
    }
    const sw_ipfrag_stats *fr = &r->ipfrag;
    fprintf(out, "IP fragments:  %llu %s reassembled from %llu %s (%llu timed out)\n",
            (unsigned long long)fr->reassembled, sw_plural(fr->reassembled, "datagram", "datagrams"),
            (unsigned long long)fr->fragments, sw_plural(fr->fragments, "fragment", "fragments"),
            (unsigned long long)fr->timed_out);
    /* A flow is a Call-ID's state while it is tracked: one forgotten after
     * its idle time and seen again is tracked (and counted) again. */
    const sw_correlate_stats *c = &r->correlate;
    fprintf(out, "Call-ID flows: %llu tracked, %llu evicted at the limit\n", (unsigned long long)c->flows,
            (unsigned long long)c->flows_evicted);
    if (c->flows)
        fputs("               (a Call-ID that returns after its flow idled out is tracked again)\n", out);
    fprintf(out, "Copies:        %llu %s, %llu duplicate %s (the same message captured twice)\n",
            (unsigned long long)c->retransmissions, sw_plural(c->retransmissions, "retransmission", "retransmissions"),
            (unsigned long long)c->duplicates, sw_plural(c->duplicates, "copy", "copies"));
    if (r->have_alerts)
        fprintf(out, "Alerts:        %llu sent, %llu failed, %llu held back (%llu storms), %llu commands killed\n",
                (unsigned long long)r->alerts.sent, (unsigned long long)r->alerts.failed,
                (unsigned long long)r->alerts.suppressed, (unsigned long long)r->alerts.storms,
                (unsigned long long)r->alerts.exec_killed);
    if (r->hep) {
        const sw_hep_stats *h = r->hep;
        fprintf(out, "HEP in:        %llu packets, %llu decoded (%llu SIP), %llu dropped, %zu %s\n",
                (unsigned long long)h->received, (unsigned long long)h->decoded, (unsigned long long)h->sip,
                (unsigned long long)sw_hep_dropped_total(h), h->nagents, h->nagents == 1 ? "agent" : "agents");
        for (int i = 0; i < SW_HEP_DROP_COUNT; i++)
            if (h->dropped[i])
                fprintf(out, "               dropped %s: %llu\n", sw_hep_drop_name((sw_hep_drop)i),
                        (unsigned long long)h->dropped[i]);
    }
    if (r->have_hep_send)
        fprintf(out, "HEP out:       %llu sent (%llu SIP, %llu findings queued), %llu dropped, %llu send errors\n",
                (unsigned long long)r->hep_send.sent, (unsigned long long)r->hep_send.messages,
                (unsigned long long)r->hep_send.findings,
                (unsigned long long)(r->hep_send.dropped_queue_full + r->hep_send.dropped_too_large),
                (unsigned long long)r->hep_send.send_errors);
    if (r->live)
        fprintf(out, "Kernel drops:  %llu (interface %llu)\n", (unsigned long long)r->capture.kernel_drops,
                (unsigned long long)r->capture.if_drops);
    if (r->capture.truncated)
        fprintf(out, "Warning:       the capture file ends early: %s\n", r->capture.error);
}
