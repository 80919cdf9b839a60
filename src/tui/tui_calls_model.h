/* The Calls view's list without ncurses, so the unit tests reach it: the
 * filter expression (state:, method:, status:, addr:, user:, has:finding
 * media:, and plain words), the sort columns, and the selection of rows. */
#ifndef SIPWATCH_TUI_CALLS_MODEL_H
#define SIPWATCH_TUI_CALLS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipwatch/call_store.h"

typedef enum tui_call_col {
    TUI_CC_START = 0, TUI_CC_METHOD, TUI_CC_FROM, TUI_CC_TO, TUI_CC_SRC, TUI_CC_DST,
    TUI_CC_MSGS, TUI_CC_STATE, TUI_CC_DURATION, TUI_CC_COUNT
} tui_call_col;

const char *tui_call_col_name(tui_call_col c);

#define TUI_CALL_FILTER_TERMS 8

typedef struct tui_call_filter {
    char text[128];                 /* as typed, for the status line */
    int nterms;
    struct {
        char key;                   /* 's'tate 'm'ethod 'c'ode class 'a'ddr 'u'ser me'd'ia 'w'ord */
        char value[48];
        int code;                   /* status: 4 for "4xx", 486 for "486" */
    } terms[TUI_CALL_FILTER_TERMS];
    bool has_finding;
    bool only_selected;             /* --match: only the calls that matched */
} tui_call_filter;

/* Parses "state:busy method:invite status:4xx addr:10.1.2.3 user:1001
 * media:1-way has:finding bob". Every term must hold (AND). Returns 0, or -1 with a
 * one-line reason in err. */
int tui_call_filter_parse(tui_call_filter *f, const char *text, char *err, size_t errlen);
/* has_finding_fn tells whether a call has a finding (NULL: none has). */
typedef bool (*tui_has_finding_fn)(const void *ctx, const sw_call_row *r);
bool tui_call_matches(const sw_call_row *r, const tui_call_filter *f, tui_has_finding_fn has, const void *ctx);

/* The row's state as the list shows it: "busy 486", "answered", "in-progress". */
const char *tui_call_state_text(const sw_call_row *r, char *buf, size_t len);
/* The call's media in a word for the list: "" (no SDP), "n/c" (RTP not
 * captured), "ok", "1-way", "no-rtp", "stopped", "poor", "private". */
const char *tui_call_media_text(const sw_call_row *r);
/* Seconds from answer to end, or -1 when not answered. */
double tui_call_duration(const sw_call_row *r);

/* Sort order on a column, then the call's id; desc reverses. */
int tui_call_cmp(const sw_call_row *a, const sw_call_row *b, tui_call_col col, bool desc);
/* Rows that pass the filter (and, when only is non-NULL, whose id is in the
 * sorted array only[0..nonly)), sorted: pointers into rows; returns count. */
size_t tui_select_calls(const sw_call_row *rows, size_t n, const tui_call_filter *f, tui_has_finding_fn has,
                        const void *ctx, const uint64_t *only, size_t nonly, tui_call_col col, bool desc,
                        const sw_call_row **out);

#endif
