/* Application layer: the command line (options.c) and the wiring of the
 * pipeline stages for one run (run.c). main() only parses and runs. */
#ifndef SIPWATCH_APP_H
#define SIPWATCH_APP_H

#include <signal.h>
#include <stdio.h>

#include "sipwatch/alerts.h"
#include "sipwatch/capture.h"
#include "sipwatch/correlate.h"
#include "sipwatch/rules.h"

#define SW_MAX_PORTS 32
#define SW_MAX_TLS_KEYLOGS 8

/* --check exit statuses (monitoring-plugin convention). */
enum { SW_CHECK_OK = 0, SW_CHECK_WARNING = 1, SW_CHECK_CRITICAL = 2, SW_CHECK_UNKNOWN = 3 };

/* Exit statuses: a public interface (README, man page). */
enum {
    SW_EXIT_OK = 0,             /* ran to completion, nothing of warning severity or worse */
    SW_EXIT_FINDINGS = 1,       /* batch run: at least one finding of warning severity or worse */
    SW_EXIT_USAGE = 2,          /* bad command line or filter */
    SW_EXIT_INPUT = 3,          /* capture file or interface could not be opened or decoded */
    SW_EXIT_RUNTIME = 4,        /* live capture failed while running; out of memory */
};

typedef struct sw_options {
    sw_capture_config capture;
    char *filter;               /* trailing arguments joined, owned */
    uint16_t ports[SW_MAX_PORTS + 1];
    size_t nports;
    bool json, dump, report;
    bool calls;                 /* --calls: a record per call as it ends */
    const char *match;          /* --match REGEX: only the calls one of whose messages matches */
    int match_field;            /* --match-field: 0 whole message, 1 from, 2 to, 3 ua, 4 callid */
    const char *tls_keylogs[SW_MAX_TLS_KEYLOGS];   /* --tls-keylog files */
    unsigned ntls_keylogs;
    size_t max_message_len;
    size_t call_memory_mb;      /* --call-memory: the dashboard's call store (0 = default) */
    int threads;                /* SIP parsing threads; 0 = parse on the capture thread */
    sw_correlate_config correlate;
    sw_rules_config rules;
    char *disabled;             /* --disable list, owned */
    int explain_first;          /* --explain: index of the first term in argv, 0 = none */
    int explain_count;
    bool list_rules;
    bool quiet;                 /* dashboard: no bell or flash */
    bool ascii;                 /* dashboard: ASCII line drawing */
    bool no_ui;                 /* never open the dashboard */
    bool no_rtp;                /* --no-rtp: no media stage */
    sw_alert_config alerts;
    const char *user;           /* -Z: drop root to this user after opening the capture */
    bool check;                 /* --check: monitoring-plugin status line and exit code */
    unsigned duration;          /* --duration: stop a live capture after this many seconds */
    const char *metrics;        /* --metrics ADDR:PORT */
    unsigned metrics_linger;    /* keep serving metrics this long after a file ends */
    char **config_args;         /* arguments read from --config, owned */
    int config_nargs;
    /* HEP (issue 13) */
#define SW_MAX_HEP_LISTEN 8
    const char *hep_listen[SW_MAX_HEP_LISTEN];  /* --hep-listen [udp:|tcp:]ADDR:PORT */
    int nhep_listen;
    const char *hep_password;   /* --hep-password: the auth key chunk, in and out */
    const char *hep_send;       /* --hep-send [udp:|tcp:]HOST:PORT */
    uint32_t hep_id;            /* --hep-id: capture node id sent */
    bool help, version;
    int width;                  /* columns for the report (COLUMNS or the terminal), 0 = 80 */
} sw_options;

/* Applies one NAME=VALUE threshold (--set, and later the configuration
 * file). Returns 0, or -1 with a message in err. */
int sw_options_set(sw_options *opt, const char *assignment, char *err, size_t errlen);
/* Prints the thresholds --set accepts, with their current values. */
void sw_options_list_settings(FILE *out, const sw_options *opt);

/* Returns 0, or -1 with a one-line message in err. */
int sw_options_parse(int argc, char **argv, sw_options *opt, char *err, size_t errlen);
void sw_options_free(sw_options *opt);
void sw_options_usage(FILE *out);

/* Whether this run opens the dashboard: standard input and output are a
 * terminal and no batch output (--json, --dump, --report, --no-ui) was asked for. */
bool sw_run_wants_dashboard(const sw_options *opt);

/* Runs the pipeline; returns an exit status. stop is raised by SIGINT and
 * SIGTERM (and SIGHUP with the dashboard); hup by SIGHUP otherwise: output
 * files are reopened (logrotate). */
int sw_run(const sw_options *opt, volatile sig_atomic_t *stop, volatile sig_atomic_t *hup);

#endif
