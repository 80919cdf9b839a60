/* Output stage: what a run reports. The run summary gathers every stage's
 * counters as plain data (outputs read it, never the stages themselves);
 * the writers turn it and individual messages into JSON Lines, the text
 * dump, and the text summary. */
#ifndef SIPWATCH_OUTPUT_H
#define SIPWATCH_OUTPUT_H

#include <stdio.h>

#include "sipwatch/alerts.h"
#include "sipwatch/capture.h"
#include "sipwatch/call_stats.h"
#include "sipwatch/correlate_stats.h"
#include "sipwatch/decode.h"
#include "sipwatch/findings.h"
#include "sipwatch/sip_stats.h"

typedef struct sw_run_summary {
    const char *source;             /* file name, "-", or interface */
    const char *filter;             /* BPF filter in force, or NULL */
    const char *link_type;
    bool live;
    sw_time_us first_ts, last_ts;   /* 0 when no packet was seen */
    sw_capture_stats capture;
    sw_decode_stats decode;
    sw_ipfrag_stats ipfrag;
    sw_tcp_stats tcp;               /* .tls: TLS connections decrypted, or not and why */
    bool have_keylog;               /* --tls-keylog given */
    sw_tls_keylog_stats keylog;
    const sw_sip_stats *sip;
    sw_correlate_stats correlate;
    sw_findings_stats findings;
    bool have_alerts;
    sw_alert_stats alerts;
    const sw_call_stats *calls;     /* KPIs of the calls that ended */
    const struct sw_media_stats *media; /* the media stage's counts; NULL with --no-rtp */
    bool only_selected;             /* --match: findings of calls that did not match are left out */
    const sw_hep_stats *hep;        /* HEP input counters; NULL when no HEP was seen */
    bool hep_listening;             /* --hep-listen: the counters are shown even at zero */
    bool have_hep_send;             /* --hep-send */
    sw_hep_send_stats hep_send;
} sw_run_summary;

/* What the run could not inspect (TLS, no SIP at all, a truncated file,
 * drops, limits hit), from its summary. */
#include "sipwatch/visibility.h"
void sw_summary_blind_spots(const sw_run_summary *summary, sw_blind_spots *out);

/* One {"type":"stats",...} line. */
void sw_json_write_stats(FILE *out, const sw_run_summary *summary);

/* --calls: one {"type":"call",...} line per ended call, with the ids of
 * the findings that name it; or one aligned text line ('!' marks findings). */
#include "sipwatch/calls.h"
void sw_json_write_call(FILE *out, const sw_call *call, const uint64_t *finding_ids, size_t nids);
void sw_text_write_call(FILE *out, const sw_call *call, size_t nfindings);
/* The column headings of the text lines. */
void sw_text_write_calls_header(FILE *out);

/* One {"type":"finding",...} line. */
void sw_json_write_finding(FILE *out, const sw_finding *finding);

/* The human-readable report: findings grouped by severity, each with its
 * suggestion and key evidence, then the run's totals. */
void sw_report_write(FILE *out, const sw_findings *findings, const sw_run_summary *summary, int width);

/* Word-wraps text to width columns, every line indented by indent spaces. */
void sw_text_wrap(FILE *out, const char *text, int indent, int width);
/* The same, the first line starting with `bullet` in the indent ("- "). */
void sw_text_wrap_bullet(FILE *out, const char *bullet, const char *text, int indent, int width);

/* "REGISTER", "401 Unauthorized"-style label of an evidence entry. */
const char *sw_evidence_label(const sw_evidence *e, char *buf, size_t n);

/* One line per SIP message: time, src -> dst, transport, method or status,
 * CSeq, Call-ID. */
void sw_dump_message(FILE *out, const sw_sip_msg *msg);
void sw_dump_unparsed(FILE *out, const sw_payload *payload, const char *why);

/* Human-readable totals (stderr or the report's footer). */
void sw_text_write_stats(FILE *out, const sw_run_summary *summary);

#endif
