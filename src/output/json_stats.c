/* JSON Lines output of the run summary: the {"type":"stats"} line that closes
 * every --json stream. Field names are a public interface (README, man page):
 * add fields freely, never rename or remove one. Built with jansson, so every
 * string from the wire is escaped correctly. */
#include "sipwatch/media.h"
#include "sipwatch/output.h"
#include "sipwatch/timefmt.h"

#include <jansson.h>
#include <string.h>

#include "json_text.h"

static json_t *endpoint_json(const sw_endpoint *ep)
{
    char buf[SW_ENDPOINT_STRLEN];
    return sw_json_text(sw_endpoint_format(ep, buf, sizeof buf));
}

static json_t *requests_json(const sw_sip_stats *s)
{
    json_t *o = json_object();
    for (int m = 1; m < SW_METHOD_COUNT; m++)
        if (s->by_method[m])
            json_object_set_new(o, sw_sip_method_name((sw_sip_method)m), json_integer((json_int_t)s->by_method[m]));
    if (s->by_method[SW_METHOD_OTHER])
        json_object_set_new(o, "OTHER", json_integer((json_int_t)s->by_method[SW_METHOD_OTHER]));
    return o;
}

static json_t *responses_json(const sw_sip_stats *s)
{
    json_t *o = json_object();
    char key[8];
    for (int code = 100; code < 700; code++) {
        if (!s->by_status[code])
            continue;
        snprintf(key, sizeof key, "%d", code);
        json_object_set_new(o, key, json_integer((json_int_t)s->by_status[code]));
    }
    if (s->by_status[0])
        json_object_set_new(o, "other", json_integer((json_int_t)s->by_status[0]));
    return o;
}

#define J(v) json_integer((json_int_t)(v))

/* The media stage: RTP/RTCP matched to calls, streams, MOS of ended streams. */
static json_t *media_json(const sw_media_stats *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "rtp_packets", J(m->rtp_packets));
    json_object_set_new(o, "rtcp_packets", J(m->rtcp_packets));
    json_object_set_new(o, "unmatched", J(m->unmatched));
    json_object_set_new(o, "malformed", J(m->malformed));
    json_object_set_new(o, "calls", J(m->calls));
    json_object_set_new(o, "calls_evicted", J(m->calls_evicted));
    json_object_set_new(o, "streams", J(m->streams));
    json_object_set_new(o, "streams_dropped", J(m->streams_dropped));
    json_object_set_new(o, "endpoints_dropped", J(m->endpoints_dropped));
    json_object_set_new(o, "mos_mean", m->mos_count ? json_real((double)(long long)(m->mos_sum / m->mos_count * 100 + 0.5) / 100)
                                                    : json_null());
    return o;
}

/* The calls' KPIs: outcomes by state and status, ASR, NER, PDD, ACD. */
static json_t *calls_json(const sw_call_stats *cs)
{
    json_t *o = json_object();
    json_object_set_new(o, "records", J(cs->records));
    json_object_set_new(o, "attempts", J(cs->attempts));
    json_t *st = json_object();
    for (int i = 0; i < SW_CALL_STATES; i++)
        if (cs->by_state[i])
            json_object_set_new(st, sw_call_state_name((sw_call_state)i), J(cs->by_state[i]));
    json_object_set_new(o, "by_state", st);
    json_t *bs = json_object();
    char key[8];
    for (int code = 100; code < 700; code++)
        if (cs->by_status[code]) {
            snprintf(key, sizeof key, "%d", code);
            json_object_set_new(bs, key, J(cs->by_status[code]));
        }
    if (cs->by_status[0])
        json_object_set_new(bs, "none", J(cs->by_status[0]));
    json_object_set_new(o, "by_status", bs);
    json_object_set_new(o, "asr", json_real(sw_call_stats_asr(cs)));
    json_object_set_new(o, "ner", json_real(sw_call_stats_ner(cs)));
    json_object_set_new(o, "pdd_ms_mean", cs->pdd_count ? json_real(sw_call_stats_pdd_ms(cs)) : json_null());
    json_object_set_new(o, "acd_s", cs->duration_count ? json_real(sw_call_stats_acd_s(cs)) : json_null());
    const sw_peer_calls *top[10];
    unsigned n = sw_call_stats_top_peers(cs, top, 10);
    json_t *peers = json_array();
    for (unsigned i = 0; i < n; i++) {
        const sw_peer_calls *p = top[i];
        char ip[SW_IP_STRLEN];
        json_t *po = json_object();
        json_object_set_new(po, "peer", json_string(p->peer.family ? sw_ip_format(&p->peer, ip, sizeof ip) : "other"));
        json_object_set_new(po, "attempts", J(p->attempts));
        json_object_set_new(po, "asr", json_real((double)p->answered / (double)p->attempts));
        json_object_set_new(po, "ner", json_real((double)p->delivered / (double)p->attempts));
        json_object_set_new(po, "pdd_ms_mean", p->pdd_count ? json_real((double)p->pdd_ms_sum / p->pdd_count)
                                                             : json_null());
        json_object_set_new(po, "acd_s", p->duration_count ? json_real(p->duration_s_sum / p->duration_count)
                                                           : json_null());
        json_array_append_new(peers, po);
    }
    json_object_set_new(o, "by_peer", peers);
    return o;
}

/* SIP over TLS: connections decrypted, and not decrypted by reason. */
static json_t *tls_json(const sw_run_summary *r)
{
    const sw_tls_stats *t = &r->tcp.tls;
    json_t *o = json_object(), *nd = json_object();
    json_object_set_new(o, "connections", J(t->connections));
    json_object_set_new(o, "decrypted", J(t->decrypted));
    json_object_set_new(nd, "no_key", J(t->no_key));
    json_object_set_new(nd, "unsupported", J(t->unsupported));
    json_object_set_new(nd, "midstream", J(t->midstream));
    json_object_set_new(nd, "damaged", J(t->damaged));
    json_object_set_new(o, "not_decrypted", nd);
    json_t *samples = json_array();
    for (unsigned i = 0; i < t->nsamples; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "client", endpoint_json(&t->samples[i].client));
        json_object_set_new(x, "server", endpoint_json(&t->samples[i].server));
        json_object_set_new(x, "time", sw_json_time(t->samples[i].ts));
        json_object_set_new(x, "reason", json_string(sw_tls_reason_name((sw_tls_reason)t->samples[i].reason)));
        json_array_append_new(samples, x);
    }
    json_object_set_new(o, "not_decrypted_connections", samples);
    json_object_set_new(o, "records", J(t->records));
    json_object_set_new(o, "records_decrypted", J(t->records_decrypted));
    json_object_set_new(o, "late_keys", J(t->late_keys));
    json_object_set_new(o, "key_updates", J(t->key_updates));
    if (r->have_keylog) {
        json_t *k = json_object();
        json_object_set_new(k, "secrets", J(r->keylog.secrets));
        json_object_set_new(k, "lines", J(r->keylog.lines));
        json_object_set_new(k, "ignored", J(r->keylog.ignored));
        json_object_set_new(k, "bad_lines", J(r->keylog.bad_lines));
        json_object_set_new(k, "evicted", J(r->keylog.evicted));
        json_object_set_new(k, "read_errors", J(r->keylog.read_errors));
        json_object_set_new(o, "keylog", k);
    }
    return o;
}

/* HEP in (a capture's HEP packets, --hep-listen) and out (--hep-send). */
static json_t *hep_json(const sw_run_summary *r)
{
    json_t *o = json_object();
    const sw_hep_stats *h = r->hep;
    sw_hep_stats none;
    if (!h) {
        memset(&none, 0, sizeof none);
        h = &none;
    }
    json_object_set_new(o, "received", J(h->received));
    json_object_set_new(o, "decoded", J(h->decoded));
    json_t *v = json_object();
    for (int i = 1; i < 4; i++)
        if (h->by_version[i]) {
            char k[4];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(v, k, J(h->by_version[i]));
        }
    json_object_set_new(o, "versions", v);
    json_object_set_new(o, "sip", J(h->sip));
    json_object_set_new(o, "payload_not_sip", J(h->payload_not_sip));
    json_object_set_new(o, "unknown_chunks", J(h->unknown_chunks));
    json_t *pt = json_object();
    for (unsigned i = 0; i < sizeof h->payload_types / sizeof h->payload_types[0]; i++)
        if (h->payload_types[i]) {
            char k[16];
            int type = sw_hep_slot_type(i);
            if (type < 0)
                snprintf(k, sizeof k, "other");
            else
                snprintf(k, sizeof k, "%d", type);
            json_object_set_new(pt, k, J(h->payload_types[i]));
        }
    json_object_set_new(o, "payload_types", pt);
    json_object_set_new(o, "dropped", J(sw_hep_dropped_total(h)));
    json_t *by = json_object();
    for (int i = 0; i < SW_HEP_DROP_COUNT; i++)
        json_object_set_new(by, sw_hep_drop_name((sw_hep_drop)i), J(h->dropped[i]));
    json_object_set_new(o, "dropped_by", by);
    json_object_set_new(o, "agents", J(h->nagents));
    json_object_set_new(o, "agents_untracked", J(h->agents_overflow));
    json_t *nodes = json_object(), *list = json_array();
    for (size_t i = 0; i < h->nagents; i++) {
        const sw_hep_agent *a = &h->agents[i];
        char k[16], ip[SW_IP_STRLEN];
        snprintf(k, sizeof k, "%u", a->node_id);
        json_t *cur = json_object_get(nodes, k);
        json_object_set_new(nodes, k, J((cur ? json_integer_value(cur) : 0) + (json_int_t)a->packets));
        json_t *x = json_object();
        json_object_set_new(x, "node_id", a->have_node ? J(a->node_id) : json_null());
        json_object_set_new(x, "from", sw_json_text(sw_ip_format(&a->from, ip, sizeof ip)));
        json_object_set_new(x, "packets", J(a->packets));
        json_object_set_new(x, "last_time", sw_json_time(a->last_ts));
        json_array_append_new(list, x);
    }
    json_object_set_new(o, "nodes", nodes);
    json_object_set_new(o, "agent_list", list);
    if (r->have_hep_send) {
        const sw_hep_send_stats *s = &r->hep_send;
        json_t *so = json_object();
        json_object_set_new(so, "messages", J(s->messages));
        json_object_set_new(so, "findings", J(s->findings));
        json_object_set_new(so, "sent", J(s->sent));
        json_object_set_new(so, "dropped_queue_full", J(s->dropped_queue_full));
        json_object_set_new(so, "dropped_too_large", J(s->dropped_too_large));
        json_object_set_new(so, "send_errors", J(s->send_errors));
        json_object_set_new(so, "connects", J(s->connects));
        json_object_set_new(so, "connect_failures", J(s->connect_failures));
        json_object_set_new(so, "connected", json_boolean(s->connected));
        json_object_set_new(o, "send", so);
    }
    return o;
}

void sw_json_write_stats(FILE *out, const sw_run_summary *r)
{
    const sw_sip_stats *s = r->sip;
    json_t *o = json_object();
    json_object_set_new(o, "type", sw_json_text("stats"));
    json_object_set_new(o, "source", sw_json_text(r->source ? r->source : ""));
    json_object_set_new(o, "live", json_boolean(r->live));
    json_object_set_new(o, "link_type", r->link_type ? sw_json_text(r->link_type) : json_null());
    json_object_set_new(o, "filter", r->filter ? sw_json_text(r->filter) : json_null());
    json_object_set_new(o, "packets", J(r->decode.packets));
    json_object_set_new(o, "bytes", J(r->decode.bytes));
    json_object_set_new(o, "sip_messages", J(s->messages));
    json_object_set_new(o, "parse_errors", J(s->parse_errors));
    json_object_set_new(o, "requests", requests_json(s));
    json_object_set_new(o, "responses", responses_json(s));
    json_object_set_new(o, "tcp_streams", J(r->tcp.sip_connections));
    json_object_set_new(o, "ip_fragments_reassembled", J(r->ipfrag.reassembled));
    json_object_set_new(o, "kernel_drops", J(r->capture.kernel_drops));
    json_object_set_new(o, "interface_drops", J(r->capture.if_drops));
    json_object_set_new(o, "first_packet", sw_json_time(r->first_ts));
    json_object_set_new(o, "last_packet", sw_json_time(r->last_ts));
    json_object_set_new(o, "duration_s",
                        json_real(r->last_ts > r->first_ts ? (double)(r->last_ts - r->first_ts) / 1e6 : 0.0));
    json_object_set_new(o, "truncated", json_boolean(r->capture.truncated));
    sw_blind_spots blind;
    sw_summary_blind_spots(r, &blind);
    json_t *ni = json_array();
    for (unsigned i = 0; i < blind.count; i++)
        json_array_append_new(ni, sw_json_text(blind.lines[i]));
    json_object_set_new(o, "not_inspected", ni);
    json_object_set_new(o, "capture_error", r->capture.error[0] ? sw_json_text(r->capture.error) : json_null());

    json_t *tr = json_object();
    for (int t = 0; t < SW_TRANSPORT_COUNT; t++)
        json_object_set_new(tr, sw_transport_name((sw_transport)t), J(s->by_transport[t]));
    json_object_set_new(o, "transports", tr);
    if (r->calls)
        json_object_set_new(o, "calls", calls_json(r->calls));
    if (r->media)
        json_object_set_new(o, "media", media_json(r->media));

    json_t *sip = json_object();
    json_object_set_new(sip, "requests", J(s->requests));
    json_object_set_new(sip, "responses", J(s->responses));
    json_object_set_new(sip, "too_large", J(s->too_large));
    json_object_set_new(sip, "missing_call_id", J(s->missing_call_id));
    json_object_set_new(sip, "missing_cseq", J(s->missing_cseq));
    json_t *samples = json_array();
    for (size_t i = 0; i < s->error_samples; i++) {
        const sw_parse_error_sample *e = &s->errors[i];
        json_t *x = json_object();
        json_object_set_new(x, "frame", J(e->frame));
        json_object_set_new(x, "time", sw_json_time(e->ts));
        json_object_set_new(x, "src", endpoint_json(&e->src));
        json_object_set_new(x, "dst", endpoint_json(&e->dst));
        json_object_set_new(x, "transport", sw_json_text(sw_transport_name(e->transport)));
        json_object_set_new(x, "length", J(e->len));
        json_object_set_new(x, "first_line", sw_json_text(e->first_line));
        json_array_append_new(samples, x);
    }
    json_object_set_new(sip, "parse_error_samples", samples);
    json_object_set_new(o, "sip", sip);

    const sw_decode_stats *d = &r->decode;
    json_t *dec = json_object();
    json_object_set_new(dec, "truncated", J(d->truncated));
    json_object_set_new(dec, "non_ip", J(d->non_ip));
    json_object_set_new(dec, "ipv4", J(d->ipv4));
    json_object_set_new(dec, "ipv6", J(d->ipv6));
    json_object_set_new(dec, "tunnels", J(d->tunnels));
    json_object_set_new(dec, "udp", J(d->udp));
    json_object_set_new(dec, "tcp", J(d->tcp));
    json_object_set_new(dec, "sctp", J(d->sctp));
    json_object_set_new(dec, "other_l4", J(d->other_l4));
    json_object_set_new(dec, "non_sip_payloads", J(d->non_sip_payloads));
    json_object_set_new(dec, "keepalives", J(d->keepalives));
    json_object_set_new(dec, "oversize_messages", J(d->oversize_messages));
    json_object_set_new(dec, "content_length_over_max", J(d->content_length_over_max));
    json_object_set_new(dec, "tls_segments", J(d->tls_segments));
    json_object_set_new(dec, "sctp_fragmented", J(d->sctp_fragmented));
    json_object_set_new(dec, "websocket_frames", J(d->ws_frames));
    json_object_set_new(o, "decode", dec);

    const sw_ipfrag_stats *f = &r->ipfrag;
    json_t *frag = json_object();
    json_object_set_new(frag, "fragments", J(f->fragments));
    json_object_set_new(frag, "reassembled", J(f->reassembled));
    json_object_set_new(frag, "timed_out", J(f->timed_out));
    json_object_set_new(frag, "evicted", J(f->evicted));
    json_object_set_new(frag, "overlaps", J(f->overlaps));
    json_object_set_new(frag, "invalid", J(f->invalid));
    json_object_set_new(o, "ip_fragments", frag);

    const sw_tcp_stats *t = &r->tcp;
    json_t *tcp = json_object();
    json_object_set_new(tcp, "segments", J(t->segments));
    json_object_set_new(tcp, "connections", J(t->connections));
    json_object_set_new(tcp, "sip_connections", J(t->sip_connections));
    json_object_set_new(tcp, "tls_connections", J(t->tls_connections));
    json_object_set_new(tcp, "retransmissions", J(t->retransmissions));
    json_object_set_new(tcp, "out_of_order", J(t->out_of_order));
    json_object_set_new(tcp, "gaps", J(t->gaps));
    json_object_set_new(tcp, "gap_bytes", J(t->gap_bytes));
    json_object_set_new(tcp, "expired", J(t->expired));
    json_object_set_new(tcp, "evicted", J(t->evicted));
    json_object_set_new(tcp, "resyncs", J(t->framing.resyncs));
    json_object_set_new(tcp, "skipped_bytes", J(t->framing.skipped_bytes));
    json_object_set_new(tcp, "bad_content_length", J(t->framing.bad_content_length));
    json_object_set_new(o, "tcp", tcp);
    json_object_set_new(o, "tls", tls_json(r));

    const sw_correlate_stats *c = &r->correlate;
    json_t *corr = json_object();
    json_object_set_new(corr, "flows", J(c->flows));
    json_object_set_new(corr, "active_flows", J(c->active_flows));
    json_object_set_new(corr, "flows_expired", J(c->flows_expired));
    json_object_set_new(corr, "flows_evicted", J(c->flows_evicted));
    json_object_set_new(corr, "active_dialogs", J(c->active_dialogs));
    json_object_set_new(corr, "pending_transactions", J(c->pending_txns));
    json_object_set_new(corr, "retransmissions", J(c->retransmissions));
    json_object_set_new(corr, "duplicates", J(c->duplicates));
    json_object_set_new(corr, "uncorrelated", J(c->uncorrelated));
    json_object_set_new(corr, "peers", J(c->peers));
    json_object_set_new(corr, "peers_evicted", J(c->peers_evicted));
    json_object_set_new(corr, "transactions_evicted_pending", J(c->txns_evicted_pending));
    json_object_set_new(corr, "clock_jumps", J(c->clock_jumps));
    json_object_set_new(corr, "orphans_dropped", J(c->orphans_dropped));
    json_object_set_new(corr, "unreachable", J(c->unreachable));
    json_object_set_new(o, "correlator", corr);

    const sw_findings_stats *fs = &r->findings;
    json_t *fj = json_object();
    json_object_set_new(fj, "opened", J(fs->opened));
    json_object_set_new(fj, "updated", J(fs->updated));
    json_object_set_new(fj, "resolved", J(fs->resolved));
    json_object_set_new(fj, "dropped", J(fs->dropped));
    json_object_set_new(fj, "open_critical", J(fs->open_by_severity[SW_SEV_CRITICAL]));
    json_object_set_new(fj, "open_warning", J(fs->open_by_severity[SW_SEV_WARNING]));
    json_object_set_new(fj, "open_info", J(fs->open_by_severity[SW_SEV_INFO]));
    json_object_set_new(o, "findings", fj);
    if (r->hep || r->hep_listening || r->have_hep_send)
        json_object_set_new(o, "hep", hep_json(r));

    if (r->have_alerts) {
        json_t *al = json_object();
        json_object_set_new(al, "queued", J(r->alerts.queued));
        json_object_set_new(al, "sent", J(r->alerts.sent));
        json_object_set_new(al, "failed", J(r->alerts.failed));
        json_object_set_new(al, "suppressed", J(r->alerts.suppressed));
        json_object_set_new(al, "storms", J(r->alerts.storms));
        json_object_set_new(al, "exec_killed", J(r->alerts.exec_killed));
        json_object_set_new(al, "dropped", J(r->alerts.dropped));
        json_t *by_sink = json_object();
        for (int k = 0; k < SW_ALERT_SINKS; k++)
            json_object_set_new(by_sink, sw_alert_sink_name((sw_alert_sink)k), J(r->alerts.dropped_by_sink[k]));
        json_object_set_new(al, "dropped_by_sink", by_sink);
        json_object_set_new(o, "alerts", al);
    }

    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
        fputs(line, out);
        fputc('\n', out);
        free(line);
    }
    json_decref(o);
}
