/* Call-flow ladder of a finding's messages: the layout (endpoint columns,
 * arrows, labels, which messages matter) is computed without ncurses into
 * rows of cells, so it is unit-tested; tui_ladder_draw_row() (tui_detail.c)
 * puts a row on screen. */
#ifndef SIPWATCH_TUI_LADDER_H
#define SIPWATCH_TUI_LADDER_H

#include <stdbool.h>
#include <stddef.h>

#include "sipwatch/evidence.h"
#include "sipwatch/sip_message.h"

#define TUI_LADDER_MAX_COLS 6       /* endpoints drawn as columns; more share the last */

/* Why a row is highlighted. */
typedef enum tui_mark {
    TUI_MARK_NONE = 0,
    TUI_MARK_OK,                    /* 2xx */
    TUI_MARK_PROVISIONAL,           /* 1xx */
    TUI_MARK_CHALLENGE,             /* 401/407 */
    TUI_MARK_CREDENTIALS,           /* request carrying Authorization */
    TUI_MARK_ERROR,                 /* other 4xx-6xx */
    TUI_MARK_KEY,                   /* marked by a rule; a 2xx to REFER no NOTIFY followed; the
                                       last NOTIFY when it reported only a 1xx */
    TUI_MARK_REPEAT,                /* retransmission or duplicate copy */
} tui_mark;

/* What a cell is, for its colour. */
typedef enum tui_cell_role {
    TUI_CELL_BLANK = 0,
    TUI_CELL_TIME,
    TUI_CELL_LIFELINE,
    TUI_CELL_ARROW,
    TUI_CELL_LABEL,
    TUI_CELL_NOTE,
    TUI_CELL_ENDPOINT,
} tui_cell_role;

typedef struct tui_cell {
    char g[5];                      /* one glyph, UTF-8, one column wide */
    unsigned char role;             /* tui_cell_role */
} tui_cell;

typedef struct tui_ladder_col {
    sw_endpoint ep;
    int x;                          /* column of its lifeline, from the left of the line */
    char name[64];                  /* "127.0.0.1:5060", or "others" */
} tui_ladder_col;

typedef struct tui_ladder_row {
    sw_evidence ev;
    int from, to;                   /* column indexes */
    int x0, x1;                     /* arrow span, inclusive: the cells between the lifelines */
    bool rightward;
    char label[48];                 /* "REGISTER", "401 Unauthorized" (as much as fits) */
    char note[112];                 /* "challenge", "credentials", "no NOTIFY!", an SDP summary ... */
    tui_mark mark;
} tui_ladder_row;

typedef struct tui_ladder {
    int width;                      /* of the whole line */
    int time_w;                     /* time column: "HH:MM:SS.ffffff", or .mmm when narrow */
    int diag_x, diag_w;             /* the diagram's first column and width */
    int note_x, note_w;             /* the notes column (note_w 0: none) */
    int ncols;
    bool merged;
    bool delta;                     /* the time column shows the time since the previous message */                    /* more endpoints than columns: the last is "others" */
    tui_ladder_col cols[TUI_LADDER_MAX_COLS];
    size_t nrows;
    tui_ladder_row *rows;
} tui_ladder;

/* Puts each message's SDP summary (sdp[i], "" for none) into the notes of
 * the rows that have none, and lets the notes take the rest of the line. */
void tui_ladder_add_notes(tui_ladder *l, const char *const *sdp);

/* Lays out n messages (oldest first) in a line `width` columns wide.
 * Returns 0, or -1 when out of memory. Free with tui_ladder_free. */
int tui_ladder_layout(tui_ladder *l, const sw_evidence *ev, size_t n, int width);
/* The same with a notes column of note_w columns when the line has room
 * (for SDP summaries). */
int tui_ladder_layout_notes(tui_ladder *l, const sw_evidence *ev, size_t n, int width, int note_w);
void tui_ladder_free(tui_ladder *l);

/* The label and the highlight of one message, on its own (used by the
 * layout and by the message view's title). */
void tui_ladder_label(const sw_evidence *ev, char *buf, size_t len, bool with_reason);

/* Renders the endpoint-name line or one message row into cells[0..width);
 * returns the cells written (l->width, or ncells if smaller). */
int tui_ladder_header_cells(const tui_ladder *l, bool utf8, tui_cell *cells, int ncells);
int tui_ladder_row_cells(const tui_ladder *l, size_t row, bool utf8, tui_cell *cells, int ncells);
/* Joins cells into a string (for tests and plain output). */
size_t tui_cells_text(const tui_cell *cells, int n, char *buf, size_t len);

#endif
