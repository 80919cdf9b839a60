/* Monitor: the one place where the analysis and its viewers meet.
 * The capture thread publishes counters, findings and the SIP messages
 * behind them; the dashboard (and later the metrics endpoint) takes
 * consistent copies, at its own pace, from its own thread. Publishing only
 * takes a short lock and never waits for a reader, so a slow terminal can
 * never make capture drop packets. Nothing here refers to pcap, reassembly
 * or libosip2: viewers see plain data. */
#ifndef SIPWATCH_MONITOR_H
#define SIPWATCH_MONITOR_H

#include <stdio.h>

#include "sipwatch/call_stats.h"
#include "sipwatch/call_store.h"
#include "sipwatch/findings.h"
#include "sipwatch/sip_message.h"

#define SW_MONITOR_HISTORY 60           /* seconds of message-rate history */

typedef struct sw_monitor_counters {
    char source[128];                   /* "eth0 (filter ...)" or the file name */
    bool live;
    double progress;                    /* file: fraction read, 0..1; live: -1 */
    bool finished;                      /* the analysis reached the end of its input */
    sw_time_us capture_clock;           /* time of the latest packet */
    uint64_t packets, sip_messages, parse_errors;
    uint64_t kernel_drops, interface_drops;
    uint64_t tls_connections;           /* TCP connections that carried TLS (not inspected) */
    bool truncated;                     /* the capture file ends early */
    char truncated_why[128];
    uint64_t active_dialogs, pending_transactions, active_flows;
    sw_call_store_stats call_store;     /* the dashboard's calls (zero without one) */
    uint64_t open_by_severity[3];       /* indexed by sw_severity */
    uint32_t rate[SW_MONITOR_HISTORY];  /* SIP messages in each of the last 60 s; [59] = newest */
    /* For the metrics endpoint: */
    uint64_t requests_by_method[SW_METHOD_COUNT];   /* [SW_METHOD_OTHER] = unknown methods */
    uint64_t responses_by_class[7];     /* [1] = 1xx ... [6] = 6xx, [0] = invalid */
    uint64_t flows_evicted, retransmissions;
    uint64_t alerts_sent, alerts_failed, alerts_suppressed;
    /* HEP (issue 13): agents seen (for the dashboard header), packets in,
     * drops; --hep-send: sent, dropped, connected. */
    bool hep_in;                        /* --hep-listen, or HEP seen in the capture */
    uint32_t hep_agents;
    uint64_t hep_received, hep_decoded, hep_dropped;
    bool hep_sending, hep_send_connected;
    uint64_t hep_sent, hep_send_dropped;
    /* Calls that ended: INVITE calls by state, the post-dial-delay histogram. */
    uint64_t calls_by_state[SW_CALL_STATES];
    uint64_t pdd_buckets[SW_PDD_BUCKETS], pdd_count, pdd_ms_sum;
    /* Media: RTP/RTCP matched to calls, streams followed, the MOS of ended streams
     * (bins <2, <3, <3.5, <4, <4.3, the rest). */
    uint64_t rtp_packets, rtcp_packets, media_streams, media_calls_evicted;
    uint64_t mos_bins[6], mos_count;
    double mos_sum;
    struct {
        char peer[46];              /* address, or "other" */
        uint64_t by_state[SW_CALL_STATES];
    } top_peers[10];                /* the busiest call destinations */
    unsigned ntop_peers;
    struct {
        const char *rule;               /* static rule id */
        uint64_t open[3];               /* open findings by severity */
    } rules[24];
    unsigned nrules;                    /* every rule, open or not */
} sw_monitor_counters;

/* One message behind a finding, as a viewer gets it: the same shape as a
 * call's message (time, frame, endpoints, method/status, flags; its SDP
 * summary; its text, NULL when no longer held, owned by the copy). */
typedef sw_call_message sw_monitor_message;

typedef struct sw_monitor sw_monitor;

/* max_text_bytes: budget for SIP message text kept for viewers (recent
 * messages and those pinned by findings); 0 = 16 MiB. */
sw_monitor *sw_monitor_create(size_t max_text_bytes);
void sw_monitor_destroy(sw_monitor *m);

/* ---- producer side (the capture thread) -------------------------------- */

void sw_monitor_set_counters(sw_monitor *m, const sw_monitor_counters *c);
/* Every parsed SIP message: its text is kept (within the budget) so that a
 * finding can show it later. */
void sw_monitor_note_message(sw_monitor *m, const sw_sip_msg *msg);
/* A finding changed (the findings store's listener); its evidence's text is
 * pinned while the finding lives. */
void sw_monitor_finding_changed(sw_monitor *m, const sw_finding *f, sw_finding_change change);

/* Keeps every call and its messages for viewers, within budget_bytes
 * (--call-memory); without it the call functions below do nothing.
 * Returns -1 when out of memory. Call before publishing starts. */
int sw_monitor_enable_calls(sw_monitor *m, size_t budget_bytes);
/* A message of a call, after correlation: the call's record as it stands,
 * the message's summary, and the message itself (its text and SDP). */
void sw_monitor_note_call(sw_monitor *m, const sw_call *call, const sw_evidence *ev, const sw_sip_msg *msg);
/* The call's record is final. */
void sw_monitor_call_ended(sw_monitor *m, const sw_call *call);

/* ---- viewer side (any thread) -------------------------------------------- */

/* Counters as of the last publish. */
void sw_monitor_get_counters(sw_monitor *m, sw_monitor_counters *out);

/* Changes whenever a finding opens, changes or resolves: a viewer re-reads
 * the findings only when it moved. */
uint64_t sw_monitor_findings_version(sw_monitor *m);

/* Copies up to max findings (in opening order) into out; returns how many
 * there are in all. */
size_t sw_monitor_get_findings(sw_monitor *m, sw_finding *out, size_t max);

/* The messages behind finding `id`, oldest first: *out is an array the
 * caller frees with sw_monitor_free_messages. Returns the count (0 if the
 * finding is unknown). */
size_t sw_monitor_get_messages(sw_monitor *m, uint64_t id, sw_monitor_message **out);
void sw_monitor_free_messages(sw_monitor_message *msgs, size_t n);

/* Writes the messages behind finding `id` as a pcap file (Ethernet, IPv4 or
 * IPv6, UDP, with the original addresses, ports and times; messages that
 * came over TCP are written as UDP datagrams). Returns 0, or -1 with err. */
int sw_monitor_save_pcap(sw_monitor *m, uint64_t id, const char *path, char *err, size_t errlen);

/* Calls: a version that moves on every change, the rows (oldest first; returns
 * how many are held), the messages of one call (free with
 * sw_call_store_free_messages). */
uint64_t sw_monitor_calls_version(sw_monitor *m);
size_t sw_monitor_get_calls(sw_monitor *m, sw_call_row *out, size_t max);
size_t sw_monitor_get_call_messages(sw_monitor *m, uint64_t call, sw_call_message **out);
bool sw_monitor_get_call_media(sw_monitor *m, uint64_t call, sw_call_media_info *out);
/* Runs a search (see sw_call_store_search_step) to its end, letting go of
 * the lock between steps so that capture never waits long. */
void sw_monitor_search_calls(sw_monitor *m, sw_call_search *q);

/* Writes the held messages of the given calls, in time order, to path:
 * as_text false gives a pcap (UDP as UDP, TCP as one TCP stream per
 * direction with running sequence numbers; SIP decrypted from TLS is written
 * in clear as TCP), true a text file with a header line per message (TLS
 * marked "decrypted"). The file must not exist (never overwritten).
 * Returns the messages written, or -1 with err. */
long sw_monitor_save_calls(sw_monitor *m, const uint64_t *ids, size_t n, const char *path, bool as_text,
                           char *err, size_t errlen);

#endif
