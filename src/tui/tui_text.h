/* Dashboard text helpers that never touch ncurses, so the unit tests can
 * reach them: UTF-8 decoding and column widths, sanitising captured text for
 * the screen, word wrapping, number formatting, the rate sparkline, and the
 * findings table's sort order and filters. */
#ifndef SIPWATCH_TUI_TEXT_H
#define SIPWATCH_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipwatch/findings.h"
#include "sipwatch/text.h"

/* ---- numbers and the rate sparkline ----------------------------------------- */

/* 999 -> "999", 12345 -> "12.3k", 4500000 -> "4.5M" */
const char *tui_fmt_count(uint64_t v, char *buf, size_t len);

/* Draws rate[0..n) (oldest first) as a sparkline `width` cells wide (each
 * cell the peak of the seconds it covers; the newest second rightmost),
 * scaled to the peak. UTF-8 uses the eight block elements, ASCII " .:-=+*#".
 * An all-zero history is a flat baseline. */
void tui_sparkline(const uint32_t *rate, size_t n, int width, bool utf8, char *out, size_t outlen);

/* ---- the findings table: order and filters -------------------------------- */

/* Order of the table: open before resolved; then critical first (severity
 * descending); then most recently seen first; then newest id first. */
int tui_finding_cmp(const sw_finding *a, const sw_finding *b);

typedef struct tui_filter {
    char text[64];                  /* case-insensitive substring; "" = any */
    int severity;                   /* -1 = any, else exactly this sw_severity */
    char rule[32];                  /* "" = any */
    bool hide_resolved;
} tui_filter;

void tui_filter_init(tui_filter *flt);
bool tui_filter_active(const tui_filter *flt);
/* Whether a finding passes: the text is looked for in the rule, severity,
 * summary, Call-ID, endpoints and detail values. */
bool tui_finding_matches(const sw_finding *f, const tui_filter *flt);
/* The findings that pass, sorted with tui_finding_cmp, as pointers into f;
 * returns how many (out must hold n). */
size_t tui_select_findings(const sw_finding *f, size_t n, const tui_filter *flt, const sw_finding **out);
/* The `f` key: any -> critical -> warning -> info -> each rule present in
 * f[] (alphabetically) -> any. Leaves text and hide_resolved alone. */
void tui_filter_cycle(tui_filter *flt, const sw_finding *f, size_t n);
/* "critical", "rule auth-loop", "text \"bob\"", ... joined; "" when none. */
const char *tui_filter_describe(const tui_filter *flt, char *buf, size_t len);

/* Index of the finding with this id in the selection, or -1. */
long tui_find_id(const sw_finding *const *sel, size_t n, uint64_t id);

#endif
