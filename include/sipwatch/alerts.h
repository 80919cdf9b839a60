/* Alerts: findings pushed to people and monitoring systems. Decides which
 * finding changes become alerts (opened, escalated, resolved; repeats
 * rate-limited; a storm of one rule summarised into one alert with a count)
 * on the capture thread, and hands them to each sink's own delivery thread
 * through a bounded queue per sink, so a failing sink (syslog gone, disk
 * full, a hung command) never stalls capture, analysis or the other sinks:
 * it only fails, and is counted. */
#ifndef SIPWATCH_ALERTS_H
#define SIPWATCH_ALERTS_H

#include "sipwatch/findings.h"

typedef struct sw_alert_config {
    bool syslog;                    /* --syslog[=FACILITY] */
    int syslog_facility;            /* LOG_DAEMON by default */
    const char *syslog_socket;      /* the local syslog socket (default /dev/log) */
    const char *json_path;          /* --alert-json FILE: JSON Lines appended */
    const char *exec_cmd;           /* --alert-exec CMD: run through /bin/sh -c */
    unsigned exec_timeout_ms;       /* a command running longer is killed (default 10 s) */
    sw_severity min_severity;       /* findings below are not alerted (default warning) */
    sw_time_us repeat_interval;     /* an updated finding is re-alerted at most this often (default 300 s) */
    unsigned storm_threshold;       /* more openings of one rule than this per window are summarised (default 10) */
    sw_time_us storm_window;        /* default 60 s */
} sw_alert_config;

typedef enum sw_alert_sink { SW_ALERT_SYSLOG, SW_ALERT_JSON, SW_ALERT_EXEC, SW_ALERT_SINKS } sw_alert_sink;

typedef struct sw_alert_stats {
    uint64_t queued;                /* alerts decided */
    uint64_t sent;                  /* deliveries that succeeded (one per sink) */
    uint64_t failed;                /* deliveries that failed (sink error, queue full, command failed) */
    uint64_t suppressed;            /* changes not alerted: rate limit or storm */
    uint64_t storms;                /* storm summaries sent */
    uint64_t exec_killed;           /* commands killed at the timeout */
    uint64_t dropped;               /* deliveries never tried: a sink's queue was full, or
                                     * still held the alert at exit (counted in failed too) */
    uint64_t dropped_by_sink[SW_ALERT_SINKS];
} sw_alert_stats;

typedef struct sw_alerts sw_alerts;

void sw_alert_config_default(sw_alert_config *cfg);
/* True when at least one sink is configured. */
bool sw_alert_config_any(const sw_alert_config *cfg);

/* Opens the sinks (the JSON file, syslog) and starts the delivery thread.
 * NULL with a one-line message in err when a sink cannot be opened. */
sw_alerts *sw_alerts_create(const sw_alert_config *cfg, char *err, size_t errlen);

/* A finding changed (called from the findings store's listener). */
void sw_alerts_finding(sw_alerts *a, const sw_finding *f, sw_finding_change change, sw_time_us now);
/* Capture time advanced: closes storm windows and sends their summaries. */
void sw_alerts_tick(sw_alerts *a, sw_time_us now);
/* Reopens the JSON file (after logrotate moved it): safe from any thread;
 * takes effect on the delivery thread. */
void sw_alerts_reopen(sw_alerts *a);
/* Sends what is pending (storm summaries included) and waits up to
 * timeout_ms for the queue to drain; the sinks stay open. */
void sw_alerts_flush(sw_alerts *a, sw_time_us now, unsigned timeout_ms);
/* Flushes (as above), then drops and counts what is still queued, stops the
 * delivery threads (cutting a running command short) and says on standard
 * error, in one line, what each sink dropped. The stats stay readable;
 * later alerts are dropped. Only the first call does anything. */
void sw_alerts_stop(sw_alerts *a, sw_time_us now, unsigned timeout_ms);
/* Stops (as above, unless already stopped) and frees everything. */
void sw_alerts_destroy(sw_alerts *a, sw_time_us now, unsigned timeout_ms);

void sw_alerts_get_stats(sw_alerts *a, sw_alert_stats *stats);
/* "syslog", "json", "exec". */
const char *sw_alert_sink_name(sw_alert_sink s);

/* The alert's JSON object (a finding plus "event" and "alert" fields);
 * malloc'ed, one line, no trailing newline. */
char *sw_alert_json(const sw_finding *f, const char *event);

#endif
