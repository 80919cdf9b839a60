/* The ncurses dashboard (src/tui/, one file per view): header, findings
 * table, calls list, detail view of a finding or a call with the fix
 * suggestion and the whole call flow, raw message and reference views, help
 * screen, key bar. It reads
 * everything through the monitor (sipwatch/monitor.h) and never touches
 * pcap, reassembly or libosip2. It must run on the thread that owns the
 * terminal; the analysis runs on another. */
#ifndef SIPWATCH_TUI_H
#define SIPWATCH_TUI_H

#include <signal.h>

#include "sipwatch/monitor.h"

typedef struct sw_tui_options {
    bool quiet;             /* --quiet: no bell or flash for new critical findings */
    bool ascii;             /* force ASCII line drawing (also chosen when the locale is not UTF-8) */
    const char *save_dir;   /* where 's' writes pcap files (default: current directory) */
    bool match;             /* --match given: the Calls view lists only the calls that matched */
} sw_tui_options;

/* Runs the dashboard until the user quits ('q') or *stop is raised (SIGINT,
 * SIGTERM, SIGHUP), redrawing at most about ten times a second. Always
 * restores the terminal before returning, also after a fatal error. Returns
 * 0, or -1 when the terminal cannot be used (message on stderr). Sets
 * *stop when the user quits, so the analysis thread ends too. */
int sw_tui_run(sw_monitor *monitor, const sw_tui_options *options, volatile sig_atomic_t *stop);

#endif
