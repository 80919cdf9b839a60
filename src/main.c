/* sipwatch: SIP diagnostic sniffer. Entry point: parses the command line,
 * installs the signal handlers that stop a capture cleanly, and runs the
 * pipeline (src/app/run.c). */
#include "sipwatch/app.h"
#include "sipwatch/sip_reference.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

/* Columns to lay text out for: COLUMNS when set, else the terminal's width
 * when standard output is one, else 80. */
static int output_width(void)
{
    const char *env = getenv("COLUMNS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v > 0 && v < 10000)
            return (int)v;
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}
static volatile sig_atomic_t hup_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        hup_requested = 1;
    else
        stop_requested = 1;
}

int main(int argc, char **argv)
{
    sw_options opt;
    char err[256];
    if (sw_options_parse(argc, argv, &opt, err, sizeof err) != 0) {
        fprintf(stderr, "sipwatch: %s (see sipwatch --help)\n", err);
        sw_options_free(&opt);
        return SW_EXIT_USAGE;
    }
    if (opt.help) {
        sw_options_usage(stdout);
        return SW_EXIT_OK;
    }
    if (opt.version) {
        printf("sipwatch %s\n", SIPWATCH_VERSION);
        return SW_EXIT_OK;
    }
    if (opt.explain_first) {
        int rc = sw_explain(stdout, stderr, opt.explain_count, argv + opt.explain_first, output_width());
        sw_options_free(&opt);
        return rc ? SW_EXIT_USAGE : SW_EXIT_OK;
    }
    if (opt.list_rules) {
        size_t n;
        const sw_rule *const *rules = sw_rules_all(&n);
        puts("Rules (id, default severity, what it detects):");
        for (size_t i = 0; i < n; i++)
            printf("  %-22s %-9s %s\n", rules[i]->id, sw_severity_name(rules[i]->severity), rules[i]->title);
        puts("\nThresholds and timeouts (--set NAME=VALUE):");
        sw_options_list_settings(stdout, &opt);
        sw_options_free(&opt);
        return SW_EXIT_OK;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    opt.width = output_width();
    int status = sw_run(&opt, &stop_requested, &hup_requested);
    sw_options_free(&opt);
    return status;
}
