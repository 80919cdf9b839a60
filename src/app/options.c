/* Command-line parsing. The options follow tcpdump's conventions (-r, -i,
 * -B, -c, -s, a trailing BPF filter) and are a public interface: README and
 * man/sipwatch.8 document each one; keep all three in step. */
#include "sipwatch/app.h"
#include "sipwatch/hep_listen.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

enum {
    OPT_JSON = 256,
    OPT_DUMP,
    OPT_NO_PROMISC,
    OPT_MAX_MESSAGE,
    OPT_THREADS,
    OPT_REPORT,
    OPT_SET,
    OPT_DISABLE,
    OPT_EXPLAIN,
    OPT_LIST_RULES,
    OPT_QUIET,
    OPT_ASCII,
    OPT_NO_UI,
    OPT_NO_RTP,
    OPT_SYSLOG,
    OPT_ALERT_JSON,
    OPT_ALERT_EXEC,
    OPT_ALERT_TIMEOUT,
    OPT_ALERT_SEVERITY,
    OPT_ALERT_REPEAT,
    OPT_ALERT_STORM,
    OPT_CONFIG,
    OPT_CHECK,
    OPT_DURATION,
    OPT_METRICS,
    OPT_METRICS_LINGER,
    OPT_SYSLOG_SOCKET,
    OPT_REPLAY,
    OPT_CALLS,
    OPT_MATCH,
    OPT_MATCH_FIELD,
    OPT_CALL_MEMORY,
    OPT_TLS_KEYLOG,
    OPT_HEP_LISTEN,
    OPT_HEP_PASSWORD,
    OPT_HEP_SEND,
    OPT_HEP_ID,
};

static const struct option long_options[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"count", required_argument, NULL, 'c'},
    {"snaplen", required_argument, NULL, 's'},
    {"port", required_argument, NULL, 'p'},
    {"json", no_argument, NULL, OPT_JSON},
    {"dump", no_argument, NULL, OPT_DUMP},
    {"calls", no_argument, NULL, OPT_CALLS},
    {"match", required_argument, NULL, OPT_MATCH},
    {"match-field", required_argument, NULL, OPT_MATCH_FIELD},
    {"call-memory", required_argument, NULL, OPT_CALL_MEMORY},
    {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
    {"max-message", required_argument, NULL, OPT_MAX_MESSAGE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"report", no_argument, NULL, OPT_REPORT},
    {"set", required_argument, NULL, OPT_SET},
    {"disable", required_argument, NULL, OPT_DISABLE},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"list-rules", no_argument, NULL, OPT_LIST_RULES},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"ascii", no_argument, NULL, OPT_ASCII},
    {"no-ui", no_argument, NULL, OPT_NO_UI},
    {"no-rtp", no_argument, NULL, OPT_NO_RTP},
    {"syslog", optional_argument, NULL, OPT_SYSLOG},
    {"alert-json", required_argument, NULL, OPT_ALERT_JSON},
    {"alert-exec", required_argument, NULL, OPT_ALERT_EXEC},
    {"alert-timeout", required_argument, NULL, OPT_ALERT_TIMEOUT},
    {"alert-severity", required_argument, NULL, OPT_ALERT_SEVERITY},
    {"alert-repeat", required_argument, NULL, OPT_ALERT_REPEAT},
    {"alert-storm", required_argument, NULL, OPT_ALERT_STORM},
    {"user", required_argument, NULL, 'Z'},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"check", no_argument, NULL, OPT_CHECK},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"metrics-linger", required_argument, NULL, OPT_METRICS_LINGER},
    {"syslog-socket", required_argument, NULL, OPT_SYSLOG_SOCKET},
    {"replay", optional_argument, NULL, OPT_REPLAY},
    {"tls-keylog", required_argument, NULL, OPT_TLS_KEYLOG},
    {"hep-listen", required_argument, NULL, OPT_HEP_LISTEN},
    {"hep-password", required_argument, NULL, OPT_HEP_PASSWORD},
    {"hep-send", required_argument, NULL, OPT_HEP_SEND},
    {"hep-id", required_argument, NULL, OPT_HEP_ID},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void sw_options_usage(FILE *out)
{
    fputs("Usage: sipwatch -r FILE | -i IFACE | --hep-listen ADDR [options] [BPF filter]\n"
          "Watches SIP traffic and reports what is wrong with it.\n"
          "\n"
          "Input:\n"
          "  -r, --read FILE        read a pcap or pcapng file ('-' = standard input)\n"
          "  -i, --interface IFACE  capture live on IFACE ('any' for all interfaces)\n"
          "  -c, --count N          stop after N packets\n"
          "  -B, --buffer-size MIB  kernel capture buffer for live capture, in MiB\n"
          "  -s, --snaplen BYTES    bytes captured per packet (default 262144)\n"
          "  -p, --port PORT        capture only these SIP ports (repeatable), plus IP\n"
          "                         fragments and tunnels; default: SIP on any port\n"
          "      --no-promisc       do not put the interface in promiscuous mode\n"
          "      --replay[=SPEED]   read a file at the pace it was captured (SPEED times faster)\n"
          "      --max-message BYTES  largest SIP message analysed (default 262144)\n"
          "      --threads N        SIP parsing threads besides the capture thread, which\n"
          "                         helps them (default: one per CPU but one, at most 8;\n"
          "                         0 parses on the capture thread only)\n"
          "      --tls-keylog FILE  decrypt SIP over TLS with this NSS key log (repeatable;\n"
          "                         re-read as it grows in a live capture)\n"
          "      --hep-listen [udp:|tcp:]ADDR:PORT  receive HEP v2/v3 from agents (repeatable;\n"
          "                         a bare PORT binds 127.0.0.1); alone or with -i\n"
          "      --hep-password KEY  HEP auth key: required on input, sent on output\n"
          "      --no-rtp           no media analysis: RTP/RTCP ignored (and, live, filtered out)\n"
          "  A BPF filter after the options replaces the default filter.\n"
          "\n"
          "Output (on a terminal, without these, the dashboard opens):\n"
          "      --report           findings grouped by severity, with fixes\n"
          "      --json             JSON Lines: one line per finding, then a stats line\n"
          "      --dump             one line per SIP message\n"
          "      --calls            one line per call when it ends (with --json: JSON lines)\n"
          "      --match REGEX      only the calls one of whose messages matches (extended regex)\n"
          "      --match-field F    match only From, To, User-Agent or Call-ID: from|to|ua|callid\n"
          "      --no-ui            never open the dashboard (the report is written instead)\n"
          "      --quiet            dashboard: no bell or flash for new critical findings\n"
          "      --ascii            dashboard: ASCII line drawing instead of UTF-8\n"
          "      --call-memory MB   dashboard: memory for calls and their messages (256)\n"
          "\n"
          "Service and alerts:\n"
          "      --config FILE      read options from FILE (command-line options win)\n"
          "  -Z, --user USER        drop root to USER once the capture is open\n"
          "      --syslog[=FACILITY]  one syslog line per alert (default facility daemon)\n"
          "      --syslog-socket PATH  the local syslog socket (default /dev/log)\n"
          "      --alert-json FILE  append alerts to FILE as JSON Lines\n"
          "      --alert-exec CMD   run CMD per alert: JSON on stdin, SIPWATCH_* variables\n"
          "      --alert-timeout SECONDS  kill an alert command after this (default 10)\n"
          "      --alert-severity LEVEL   alert from info, warning (default) or critical\n"
          "      --alert-repeat SECONDS   re-alert an updated finding at most this often (300)\n"
          "      --alert-storm N    more openings of one rule per minute become one alert (10)\n"
          "      --metrics ADDR:PORT  serve Prometheus metrics (a bare PORT binds 127.0.0.1)\n"
          "      --metrics-linger SECONDS  keep serving after a file is analysed\n"
          "      --hep-send [udp:|tcp:]HOST:PORT  mirror SIP and findings to a HEP collector\n"
          "      --hep-id N         capture node id in the HEP sent (default 2001)\n"
          "      --check            print one monitoring-plugin status line; exit 0 OK,\n"
          "                         1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
          "      --duration SECONDS  stop a live capture after this long\n"
          "\n"
          "Diagnosis:\n"
          "      --set NAME=VALUE   change a threshold or timeout (see --list-rules)\n"
          "      --disable RULE[,RULE]  switch rules off\n"
          "      --list-rules       the rules, their severities and thresholds\n"
          "      --explain TERM...  what a status code or method means and what to do;\n"
          "                         two or more terms are compared side by side\n"
          "\n"
          "  -h, --help             this help\n"
          "  -V, --version          version\n"
          "\n"
          "Exit status: 0 ok, 1 findings of warning severity or worse, 2 usage error,\n"
          "3 input error (file, interface, link type), 4 capture failure.\n",
          out);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end || x > max)
        return -1;
    *v = x;
    return 0;
}

static int parse_args(int argc, char **argv, sw_options *o, int config_end, char *err, size_t errlen);

/* Reads a configuration file into "--key=value" arguments. Lines are
 * "key = value", "key" for a switch, "# comment"; keys are the long option
 * names; "filter = EXPR" gives the BPF filter. */
static int read_config(const char *path, sw_options *o, char **filter, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read the configuration file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(err, errlen, "%s:%d: line too long", path, lineno);
            fclose(f);
            return -1;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        char *end = p + strlen(p);
        while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        char *value = NULL;
        if (eq) {
            char *k = eq;
            while (k > p && (k[-1] == ' ' || k[-1] == '\t'))
                k--;
            *k = '\0';
            value = eq + 1;
            while (*value == ' ' || *value == '\t')
                value++;
        }
        if (strcmp(p, "filter") == 0) {
            free(*filter);
            *filter = value ? strdup(value) : NULL;
            continue;
        }
        const struct option *opt = NULL;
        for (const struct option *lo = long_options; lo->name; lo++)
            if (strcmp(lo->name, p) == 0)
                opt = lo;
        if (!opt || strcmp(p, "config") == 0 || strcmp(p, "help") == 0 || strcmp(p, "version") == 0) {
            snprintf(err, errlen, "%s:%d: unknown setting '%s'", path, lineno, p);
            fclose(f);
            return -1;
        }
        if (opt->has_arg == required_argument && (!value || !*value)) {
            snprintf(err, errlen, "%s:%d: '%s' needs a value", path, lineno, p);
            fclose(f);
            return -1;
        }
        if (opt->has_arg == no_argument && value) {
            snprintf(err, errlen, "%s:%d: '%s' takes no value", path, lineno, p);
            fclose(f);
            return -1;
        }
        size_t n = strlen(p) + (value ? strlen(value) : 0) + 4;
        char *arg = malloc(n);
        char **grown = realloc(o->config_args, (size_t)(o->config_nargs + 1) * sizeof *grown);
        if (!arg || !grown) {
            free(arg);
            if (grown)
                o->config_args = grown;
            snprintf(err, errlen, "out of memory");
            fclose(f);
            return -1;
        }
        o->config_args = grown;
        snprintf(arg, n, value ? "--%s=%s" : "--%s", p, value ? value : "");
        o->config_args[o->config_nargs++] = arg;
    }
    fclose(f);
    return 0;
}

int sw_options_parse(int argc, char **argv, sw_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    /* A configuration file's settings go first: the command line overrides them. */
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            config = argv[i] + 9;
    }
    char *config_filter = NULL;
    if (config && read_config(config, o, &config_filter, err, errlen) != 0) {
        free(config_filter);
        return -1;
    }
    int config_end = 1 + o->config_nargs;   /* argv index where the real command line starts */
    char **all = NULL;
    if (o->config_nargs) {
        all = calloc((size_t)(argc + o->config_nargs + 1), sizeof *all);
        if (!all) {
            free(config_filter);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        all[0] = argv[0];
        memcpy(all + 1, o->config_args, (size_t)o->config_nargs * sizeof *all);
        memcpy(all + config_end, argv + 1, (size_t)(argc - 1) * sizeof *all);
        argc += o->config_nargs;
        argv = all;
    }
    int rc = parse_args(argc, argv, o, config_end, err, errlen);
    if (rc == 0 && !o->filter && config_filter) {
        o->filter = config_filter;
        o->capture.filter = o->filter;
        config_filter = NULL;
    }
    free(config_filter);
    free(all);
    return rc;
}

static int parse_args(int argc, char **argv, sw_options *o, int config_end, char *err, size_t errlen)
{
    bool iface_from_config = false, file_from_config = false;
    sw_capture_config_default(&o->capture);
    o->max_message_len = 256 * 1024;
    sw_correlate_config_default(&o->correlate);
    sw_rules_config_default(&o->rules, &o->correlate);
    sw_alert_config_default(&o->alerts);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* One worker per CPU but one: the capture thread parses too whenever
     * the workers fall behind, so it never waits on an idle core. */
    o->threads = cpus > 1 ? (int)(cpus - 1 > 8 ? 8 : cpus - 1) : 0;
    o->hep_id = 2001;

    opterr = 0;
    optind = 1;
    int c;
    unsigned long long v;
    while ((c = getopt_long(argc, argv, "+:r:i:B:c:s:p:Z:hV", long_options, NULL)) != -1) {
        switch (c) {
        case 'r':
            /* -r on the command line replaces a configured interface (testing a setup). */
            o->capture.file = optarg;
            file_from_config = optind <= config_end;
            if (!file_from_config && iface_from_config)
                o->capture.iface = NULL;
            break;
        case 'i':
            o->capture.iface = optarg;
            iface_from_config = optind <= config_end;
            if (!iface_from_config && file_from_config)
                o->capture.file = NULL;
            break;
        case 'B':
            if (parse_uint(optarg, 4096, &v) || v == 0) {
                snprintf(err, errlen, "invalid buffer size '%s' (MiB, 1-4096)", optarg);
                return -1;
            }
            o->capture.buffer_mib = (int)v;
            break;
        case 'c':
            if (parse_uint(optarg, UINT64_MAX, &v) || v == 0) {
                snprintf(err, errlen, "invalid packet count '%s'", optarg);
                return -1;
            }
            o->capture.max_packets = v;
            break;
        case 's':
            if (parse_uint(optarg, 262144, &v) || v < 64) {
                snprintf(err, errlen, "invalid snapshot length '%s' (64-262144)", optarg);
                return -1;
            }
            o->capture.snaplen = (int)v;
            break;
        case 'p':
            if (parse_uint(optarg, 65535, &v) || v == 0) {
                snprintf(err, errlen, "invalid port '%s'", optarg);
                return -1;
            }
            if (o->nports >= SW_MAX_PORTS) {
                snprintf(err, errlen, "too many ports (at most %d)", SW_MAX_PORTS);
                return -1;
            }
            o->ports[o->nports++] = (uint16_t)v;
            o->capture.ports = o->ports;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_DUMP:
            o->dump = true;
            break;
        case OPT_CALLS:
            o->calls = true;
            break;
        case OPT_MATCH:
            o->match = optarg;
            break;
        case OPT_TLS_KEYLOG:
            if (o->ntls_keylogs >= SW_MAX_TLS_KEYLOGS) {
                snprintf(err, errlen, "--tls-keylog: at most %d files", SW_MAX_TLS_KEYLOGS);
                return -1;
            }
            o->tls_keylogs[o->ntls_keylogs++] = optarg;
            break;
        case OPT_MATCH_FIELD: {
            static const char *const fields[] = {"message", "from", "to", "ua", "callid"};
            o->match_field = -1;
            for (int k = 0; k < 5; k++)
                if (strcmp(optarg, fields[k]) == 0)
                    o->match_field = k;
            if (o->match_field < 0) {
                snprintf(err, errlen, "--match-field: unknown field '%s' (from, to, ua, callid)", optarg);
                return -1;
            }
            break;
        }
        case OPT_NO_PROMISC:
            o->capture.promisc = false;
            break;
        case OPT_CALL_MEMORY:
            if (parse_uint(optarg, 1024 * 1024, &v) || v < 1) {
                snprintf(err, errlen, "invalid call memory '%s' (1 to 1048576 MB)", optarg);
                return -1;
            }
            o->call_memory_mb = (size_t)v;
            break;
        case OPT_MAX_MESSAGE:
            if (parse_uint(optarg, 16u * 1024 * 1024, &v) || v < 512) {
                snprintf(err, errlen, "invalid message size '%s' (512 bytes to 16 MiB)", optarg);
                return -1;
            }
            o->max_message_len = (size_t)v;
            break;
        case OPT_THREADS:
            if (parse_uint(optarg, 64, &v)) {
                snprintf(err, errlen, "invalid thread count '%s' (0-64)", optarg);
                return -1;
            }
            o->threads = (int)v;
            break;
        case OPT_REPORT:
            o->report = true;
            break;
        case OPT_SET:
            if (sw_options_set(o, optarg, err, errlen) != 0)
                return -1;
            break;
        case OPT_DISABLE: {
            char *list = optarg;
            for (char *tok = list; *tok;) {
                size_t n = strcspn(tok, ",");
                char id[64];
                snprintf(id, sizeof id, "%.*s", (int)(n < 63 ? n : 63), tok);
                if (!sw_rule_by_id(id)) {
                    snprintf(err, errlen, "--disable: unknown rule '%s' (see --list-rules)", id);
                    return -1;
                }
                tok += n;
                if (*tok == ',')
                    tok++;
            }
            size_t old = o->disabled ? strlen(o->disabled) : 0;
            char *joined = realloc(o->disabled, old + strlen(list) + 2);
            if (!joined) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            if (old)
                joined[old++] = ',';
            strcpy(joined + old, list);
            o->disabled = joined;
            o->rules.disabled = joined;
            break;
        }
        case OPT_EXPLAIN:
            /* Every remaining argument is a term. */
            o->explain_first = optind - (config_end - 1);   /* index in the caller's argv */
            o->explain_count = argc - optind;
            if (o->explain_count < 1) {
                snprintf(err, errlen, "--explain needs a status code or method, e.g. --explain 401");
                return -1;
            }
            return 0;
        case OPT_LIST_RULES:
            o->list_rules = true;       /* after every other option: --set changes what it lists */
            break;
        case OPT_QUIET:
            o->quiet = true;
            break;
        case OPT_ASCII:
            o->ascii = true;
            break;
        case OPT_NO_UI:
            o->no_ui = true;
            break;
        case OPT_NO_RTP:
            o->no_rtp = true;
            o->capture.no_rtp = true;
            break;
        case OPT_SYSLOG:
            o->alerts.syslog = true;
            if (optarg) {
                static const struct { const char *name; int facility; } facilities[] = {
                    {"daemon", LOG_DAEMON}, {"user", LOG_USER}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
                    {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
                    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
                };
                bool found = false;
                for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
                    if (strcmp(optarg, facilities[i].name) == 0) {
                        o->alerts.syslog_facility = facilities[i].facility;
                        found = true;
                    }
                if (!found) {
                    snprintf(err, errlen, "--syslog: unknown facility '%s' (daemon, user, local0..local7)", optarg);
                    return -1;
                }
            }
            break;
        case OPT_REPLAY: {
            double speed = 1;
            if (optarg) {
                char *end;
                speed = strtod(optarg, &end);
                if (*end || !(speed > 0 && speed <= 1e6)) {
                    snprintf(err, errlen, "invalid --replay speed '%s' (a factor above 0)", optarg);
                    return -1;
                }
            }
            o->capture.replay_speed = speed;
            break;
        }
        case OPT_SYSLOG_SOCKET:
            o->alerts.syslog_socket = optarg;
            break;
        case OPT_ALERT_JSON:
            o->alerts.json_path = optarg;
            break;
        case OPT_ALERT_EXEC:
            o->alerts.exec_cmd = optarg;
            break;
        case OPT_ALERT_TIMEOUT:
            if (parse_uint(optarg, 3600, &v) || v == 0) {
                snprintf(err, errlen, "invalid --alert-timeout '%s' (seconds, 1-3600)", optarg);
                return -1;
            }
            o->alerts.exec_timeout_ms = (unsigned)v * 1000;
            break;
        case OPT_ALERT_SEVERITY:
            if (strcmp(optarg, "info") == 0)
                o->alerts.min_severity = SW_SEV_INFO;
            else if (strcmp(optarg, "warning") == 0)
                o->alerts.min_severity = SW_SEV_WARNING;
            else if (strcmp(optarg, "critical") == 0)
                o->alerts.min_severity = SW_SEV_CRITICAL;
            else {
                snprintf(err, errlen, "invalid --alert-severity '%s' (info, warning or critical)", optarg);
                return -1;
            }
            break;
        case OPT_ALERT_REPEAT:
            if (parse_uint(optarg, 86400 * 7, &v)) {
                snprintf(err, errlen, "invalid --alert-repeat '%s' (seconds)", optarg);
                return -1;
            }
            o->alerts.repeat_interval = (sw_time_us)v * SW_USEC_PER_SEC;
            break;
        case OPT_ALERT_STORM:
            if (parse_uint(optarg, 1000000, &v) || v == 0) {
                snprintf(err, errlen, "invalid --alert-storm '%s' (openings per minute)", optarg);
                return -1;
            }
            o->alerts.storm_threshold = (unsigned)v;
            break;
        case 'Z':
            o->user = optarg;
            break;
        case OPT_CONFIG:
            break;                  /* read before the command line, see sw_options_parse */
        case OPT_CHECK:
            o->check = true;
            break;
        case OPT_DURATION:
            if (parse_uint(optarg, 86400 * 365, &v) || v == 0) {
                snprintf(err, errlen, "invalid --duration '%s' (seconds)", optarg);
                return -1;
            }
            o->duration = (unsigned)v;
            break;
        case OPT_METRICS:
            o->metrics = optarg;
            break;
        case OPT_HEP_LISTEN:
            if (o->nhep_listen >= SW_MAX_HEP_LISTEN) {
                snprintf(err, errlen, "--hep-listen: at most %d sockets", SW_MAX_HEP_LISTEN);
                return -1;
            }
            {
                bool tcp;
                char host[256], port[8];
                if (!sw_hep_parse_address(optarg, &tcp, host, sizeof host, port, sizeof port, err, errlen))
                    return -1;
            }
            o->hep_listen[o->nhep_listen++] = optarg;
            break;
        case OPT_HEP_PASSWORD:
            o->hep_password = optarg;
            break;
        case OPT_HEP_SEND:
            o->hep_send = optarg;
            break;
        case OPT_HEP_ID:
            if (parse_uint(optarg, UINT32_MAX, &v)) {
                snprintf(err, errlen, "invalid --hep-id '%s' (0 to 4294967295)", optarg);
                return -1;
            }
            o->hep_id = (uint32_t)v;
            break;
        case OPT_METRICS_LINGER:
            if (parse_uint(optarg, 86400 * 365, &v)) {
                snprintf(err, errlen, "invalid --metrics-linger '%s' (seconds)", optarg);
                return -1;
            }
            o->metrics_linger = (unsigned)v;
            break;
        case 'h':
            o->help = true;
            return 0;
        case 'V':
            o->version = true;
            return 0;
        case ':':
            if (optopt > 0 && optopt < 256 && optopt != OPT_MAX_MESSAGE)
                snprintf(err, errlen, "option -%c needs a value", optopt);
            else
                snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return -1;
        case '?':
        default:
            if (optopt > 0 && optopt < 256)
                snprintf(err, errlen, "unknown option -%c", optopt);
            else
                snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
            return -1;
        }
    }

    if (o->list_rules && optind < argc) {
        snprintf(err, errlen, "--list-rules takes no arguments, got '%s'", argv[optind]);
        return -1;
    }
    if (o->explain_first || o->list_rules)
        return 0;
    if (o->nhep_listen && o->capture.file) {
        snprintf(err, errlen, "--hep-listen combines with -i, not with -r (HEP in a file is read with -r alone)");
        return -1;
    }
    if (!o->capture.file == !o->capture.iface && !(o->nhep_listen && !o->capture.file)) {
        snprintf(err, errlen, o->capture.file ? "give either -r FILE or -i IFACE, not both"
                                              : "nothing to read: give -r FILE, -i IFACE or --hep-listen");
        return -1;
    }
    if (o->json + o->dump + o->report + o->check > 1) {
        snprintf(err, errlen, "--json, --dump, --report and --check all write to standard output: choose one");
        return -1;
    }
    if (o->capture.replay_speed > 0 && !o->capture.file) {
        snprintf(err, errlen, "--replay is for reading a file (-r)");
        return -1;
    }
    if (o->duration && !o->capture.iface && !o->nhep_listen) {
        snprintf(err, errlen, "--duration is for live capture (-i, --hep-listen)");
        return -1;
    }

    if (optind < argc) {
        size_t len = 0;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        o->filter = malloc(len);
        if (!o->filter) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        o->filter[0] = '\0';
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(o->filter, " ");
            strcat(o->filter, argv[i]);
        }
        o->capture.filter = o->filter;
    }
    return 0;
}

void sw_options_free(sw_options *o)
{
    free(o->filter);
    o->filter = NULL;
    free(o->disabled);
    o->disabled = NULL;
    for (int i = 0; i < o->config_nargs; i++)
        free(o->config_args[i]);
    free(o->config_args);
    o->config_args = NULL;
    o->config_nargs = 0;
}

/* The thresholds --set accepts: a public interface (README, man page). */
typedef enum { SET_COUNT, SET_SIZE, SET_SECONDS, SET_MILLIS } set_kind;   /* unsigned, size_t, sw_time_us */

typedef struct setting {
    const char *name;
    set_kind kind;
    size_t offset;              /* into sw_options */
    const char *what;
} setting;

#define IN_RULES(field) offsetof(sw_options, rules) + offsetof(sw_rules_config, field)
#define IN_CORR(field) offsetof(sw_options, correlate) + offsetof(sw_correlate_config, field)

static const setting settings[] = {
    {"auth-loop.challenges", SET_COUNT, IN_RULES(auth_loop_challenges), "challenges within the window"},
    {"auth-loop.rejected", SET_COUNT, IN_RULES(auth_loop_rejected), "of which answered credentials"},
    {"auth-loop.stale", SET_COUNT, IN_RULES(auth_loop_stale), "stale=true challenges that make a loop"},
    {"auth-loop.window", SET_SECONDS, IN_RULES(auth_loop_window), "seconds"},
    {"refer.notify-timeout", SET_SECONDS, IN_CORR(refer_notify_timeout), "seconds from the 2xx to the first NOTIFY"},
    {"refer.final-timeout", SET_SECONDS, IN_CORR(refer_final_timeout), "seconds from a NOTIFY to the final one"},
    {"transaction.timeout", SET_SECONDS, IN_CORR(txn_timeout), "seconds to a final response"},
    {"transaction.critical", SET_COUNT, IN_RULES(txn_timeout_critical), "timeouts on one server for critical"},
    {"settle.grace", SET_SECONDS, IN_RULES(settle_grace), "at the end of a capture, younger expectations are info"},
    {"retransmission-storm.per-minute", SET_COUNT, IN_RULES(storm_retransmissions), "retransmitted requests per minute"},
    {"server-errors.per-minute", SET_COUNT, IN_RULES(server_errors), "5xx per minute from one server"},
    {"scanner.users-per-minute", SET_COUNT, IN_RULES(scanner_users), "distinct users tried per minute"},
    {"scanner.refused-per-minute", SET_COUNT, IN_RULES(scanner_failures), "401/403/407 received per minute"},
    {"scanner.distributed-per-minute", SET_COUNT, IN_RULES(scanner_distributed),
     "REGISTERs refused per minute, from many sources, for a distributed scan"},
    {"surge.factor", SET_COUNT, IN_RULES(surge_factor), "a minute this many times its baseline is a surge"},
    {"surge.minimum", SET_COUNT, IN_RULES(surge_minimum), "and at least this many events in the minute"},
    {"surge.history", SET_COUNT, IN_RULES(baseline_minutes), "minutes of baseline before surges are judged"},
    {"registration.vanish-percent", SET_COUNT, IN_RULES(vanish_percent), "registrations below this % of usual vanished"},
    {"flows.max", SET_SIZE, IN_CORR(max_flows), "Call-IDs tracked at once"},
    {"evidence.max", SET_SIZE, IN_CORR(evidence_entries),
     "message summaries kept for findings, all flows together (32 bytes each)"},
    {"flows.idle-timeout", SET_SECONDS, IN_CORR(idle_timeout), "seconds before an idle flow is forgotten"},
    {"sip.t1", SET_MILLIS, IN_CORR(t1), "milliseconds (RFC 3261 T1)"},
    {"no-audio.seconds", SET_SECONDS, IN_RULES(media_timeout),
     "seconds without RTP (one or both ways) for no-audio, one-way-audio, media-stopped"},
    {"no-audio.media-expected", SET_COUNT, IN_RULES(media_expected),
     "1: the capture sees the media path, so a call without any RTP is no-audio"},
    {"poor-quality.loss-percent", SET_COUNT, IN_RULES(poor_loss_percent), "packet loss % in an interval"},
    {"poor-quality.jitter-ms", SET_COUNT, IN_RULES(poor_jitter_ms), "mean jitter in ms"},
    {"poor-quality.mos-tenths", SET_COUNT, IN_RULES(poor_mos_tenths), "MOS below this / 10 (36 = 3.6)"},
    {"poor-quality.intervals", SET_COUNT, IN_RULES(poor_intervals), "5 s intervals beyond a threshold: sustained"},
};

static void *setting_ptr(sw_options *o, const setting *s)
{
    return (char *)o + s->offset;
}

int sw_options_set(sw_options *o, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (!eq) {
        snprintf(err, errlen, "--set wants NAME=VALUE, got '%s'", assignment);
        return -1;
    }
    size_t nlen = (size_t)(eq - assignment);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const setting *s = &settings[i];
        if (strlen(s->name) != nlen || strncmp(s->name, assignment, nlen) != 0)
            continue;
        unsigned long long v;
        if (parse_uint(eq + 1, 100000000ULL, &v) || v == 0) {
            snprintf(err, errlen, "--set %s: '%s' is not a positive whole number", s->name, eq + 1);
            return -1;
        }
        void *p = setting_ptr(o, s);
        if (s->kind == SET_SIZE) {
            *(size_t *)p = (size_t)v;
        } else if (s->kind == SET_COUNT) {
            *(unsigned *)p = (unsigned)v;
        } else {
            *(sw_time_us *)p = (sw_time_us)v * (s->kind == SET_SECONDS ? SW_USEC_PER_SEC : 1000);
        }
        return 0;
    }
    snprintf(err, errlen, "--set: unknown setting '%.*s' (see --list-rules)", (int)nlen, assignment);
    return -1;
}

void sw_options_list_settings(FILE *out, const sw_options *o)
{
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const setting *s = &settings[i];
        const void *p = (const char *)o + s->offset;
        unsigned long long v;
        if (s->kind == SET_SIZE)
            v = *(const size_t *)p;
        else if (s->kind == SET_COUNT)
            v = *(const unsigned *)p;
        else
            v = *(const sw_time_us *)p / (s->kind == SET_SECONDS ? SW_USEC_PER_SEC : 1000);
        fprintf(out, "  %-34s %8llu  %s\n", s->name, v, s->what);
    }
}
