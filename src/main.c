/* sipwatch: SIP diagnostic sniffer. Entry point: parses the command line,
 * installs the signal handlers that stop a capture cleanly, and runs the
 * pipeline (src/app/run.c). */
#include "sipwatch/app.h"
#include "sipwatch/sip_reference.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop_requested;
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
        fprintf(stderr, "sipwatch: %s\nTry 'sipwatch --help'.\n", err);
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
        int rc = sw_explain(stdout, stderr, opt.explain_count, argv + opt.explain_first, 0);
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

    int status = sw_run(&opt, &stop_requested, &hup_requested);
    sw_options_free(&opt);
    return status;
}
