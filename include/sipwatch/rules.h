/* Rules stage: one diagnosis per source file (src/rules/rule_*.c), each a
 * plain function over the correlator's state and the event that changed it.
 * A rule has a stable id (used in JSON, the dashboard and alerts: a public
 * interface), a default severity, documented thresholds in sw_rules_config,
 * and its own fix-suggestion text with the concrete values filled in. */
#ifndef SIPWATCH_RULES_H
#define SIPWATCH_RULES_H

#include "sipwatch/correlate.h"
#include "sipwatch/findings.h"

typedef struct sw_rules_config {
    /* auth-loop */
    unsigned auth_loop_challenges;      /* challenges in the window (default 3) */
    unsigned auth_loop_rejected;        /* of which answered credentials (default 2) */
    unsigned auth_loop_stale;           /* stale=true challenges that count as a loop (default 3) */
    sw_time_us auth_loop_window;        /* default 5 min */
    /* refer-no-notify, refer-stalled: deadlines live in sw_correlate_config;
     * at the end of a capture, a pending expectation younger than this is
     * reported as info ("too early to tell") instead of warning. */
    sw_time_us settle_grace;            /* default 8*T1 = 4 s */
    /* transaction-timeout */
    unsigned txn_timeout_critical;      /* timed-out transactions to one server for critical (default 5) */
    /* retransmission-storm */
    unsigned storm_retransmissions;     /* retransmitted requests per minute from one source (default 50) */
    /* server-errors */
    unsigned server_errors;             /* 5xx per minute from one server (default 10) */
    /* scanner */
    unsigned scanner_users;             /* distinct users tried per minute (default 10) */
    unsigned scanner_failures;          /* with at least this many 401/403/407 back (default 10) */
    unsigned scanner_distributed;       /* REGISTERs refused per minute, capture-wide, from many sources (300) */
    /* registration-outage, error-surge: a minute against the baseline */
    unsigned surge_factor;              /* this many times the baseline (default 3) */
    unsigned surge_minimum;             /* and at least this many per minute (default 10) */
    unsigned baseline_minutes;          /* minutes of history before judging (default 5) */
    unsigned vanish_percent;            /* registrations below this % of the baseline vanished (default 25) */
    /* no-audio, one-way-audio, media-stopped */
    sw_time_us media_timeout;           /* RTP missing this long (default 5 s) */
    unsigned media_expected;            /* 1: a call with no RTP at all in the capture is no-audio (default 0) */
    /* poor-quality: per 5 s interval, sustained over poor_intervals of them */
    unsigned poor_loss_percent;         /* default 5 */
    unsigned poor_jitter_ms;            /* default 30 */
    unsigned poor_mos_tenths;           /* default 36 (MOS 3.6) */
    unsigned poor_intervals;            /* default 2 */
    /* rules switched off by id (comma-separated), or NULL */
    const char *disabled;
} sw_rules_config;

struct sw_media_call;

typedef struct sw_rule_ctx {
    const sw_rules_config *cfg;
    const sw_correlate_config *corr;
    sw_findings *findings;
    bool capture_losing;            /* the capture dropped packets in the last minute (kernel drops rose) */
    /* The media stage's state of the event's call (NULL: none, or --no-rtp),
     * and whether any RTP was seen in the run; set by the app for the events
     * media is judged on (FLOW_END, and a message carrying SDP), NULL on
     * the others. */
    const struct sw_media_call *media;
    bool media_on, media_seen;
} sw_rule_ctx;

typedef void (*sw_rule_fn)(const sw_rule_ctx *ctx, const sw_event *event);

typedef struct sw_rule {
    const char *id;                     /* "auth-loop" */
    sw_severity severity;               /* default severity */
    const char *title;                  /* one line: what it detects */
    sw_rule_fn evaluate;
} sw_rule;

void sw_rules_config_default(sw_rules_config *cfg, const sw_correlate_config *corr);

/* Every rule, in a fixed order. */
const sw_rule *const *sw_rules_all(size_t *count);
const sw_rule *sw_rule_by_id(const char *id);

/* Runs every enabled rule on one event. */
void sw_rules_evaluate(const sw_rule_ctx *ctx, const sw_event *event);

/* The rules (one file each). */
extern const sw_rule sw_rule_auth_loop;
extern const sw_rule sw_rule_auth_rejected;
extern const sw_rule sw_rule_refer_no_notify;
extern const sw_rule sw_rule_refer_stalled;
extern const sw_rule sw_rule_refer_failed;
extern const sw_rule sw_rule_refer_notify_rejected;
extern const sw_rule sw_rule_transaction_timeout;
extern const sw_rule sw_rule_destination_unreachable;
extern const sw_rule sw_rule_retransmission_storm;
extern const sw_rule sw_rule_server_errors;
extern const sw_rule sw_rule_scanner;
extern const sw_rule sw_rule_ack_missing;
extern const sw_rule sw_rule_codec_mismatch;
extern const sw_rule sw_rule_registration_outage;
extern const sw_rule sw_rule_error_surge;
extern const sw_rule sw_rule_one_way_audio;
extern const sw_rule sw_rule_no_audio;
extern const sw_rule sw_rule_sdp_private_address;
extern const sw_rule sw_rule_media_stopped;
extern const sw_rule sw_rule_poor_quality;

#endif
