/* State shared by the dashboard's screen components (src/tui/ files): the
 * copies taken from the monitor, the view stack, selection and scroll
 * positions, filters, and the attribute table; plus each component's draw
 * and key functions. Only tui.c owns the terminal. */
#ifndef SIPWATCH_TUI_INTERNAL_H
#define SIPWATCH_TUI_INTERNAL_H

#include <curses.h>

#include "sipwatch/monitor.h"
#include "sipwatch/tui.h"
#include "tui_calls_model.h"
#include "tui_ladder.h"
#include "tui_text.h"

typedef enum tui_view {
    TUI_VIEW_LIST = 0,              /* findings */
    TUI_VIEW_CALLS,
    TUI_VIEW_DETAIL,                /* a finding or a call: its whole call flow */
    TUI_VIEW_MESSAGE,
    TUI_VIEW_REFERENCE,
    TUI_VIEW_HELP,
    TUI_VIEW_COUNT
} tui_view;

/* What a view's key or mouse handler asks of the loop that owns the view
 * stack (tui.c): nothing (not its key), done, open a view, close this one,
 * put another view at the bottom of the stack (Findings <-> Calls), quit. */
typedef enum tui_action_kind {
    TUI_ACT_IGNORED = 0,
    TUI_ACT_HANDLED,
    TUI_ACT_PUSH,
    TUI_ACT_POP,
    TUI_ACT_SWITCH,
    TUI_ACT_QUIT,
} tui_action_kind;

typedef struct tui_action {
    tui_action_kind kind;
    tui_view view;                  /* PUSH, SWITCH */
} tui_action;

static inline tui_action tui_act(tui_action_kind kind, tui_view view)
{
    return (tui_action){kind, view};
}
#define TUI_IGNORED tui_act(TUI_ACT_IGNORED, TUI_VIEW_LIST)
#define TUI_HANDLED tui_act(TUI_ACT_HANDLED, TUI_VIEW_LIST)

/* Attribute roles: colour when the terminal has it, else bold/reverse/dim. */
typedef enum tui_role {
    TUI_A_NORMAL = 0,
    TUI_A_TITLE,            /* program name, section titles */
    TUI_A_SECTION,          /* "What to do" */
    TUI_A_CRIT, TUI_A_WARN, TUI_A_INFO,
    TUI_A_CRIT_BADGE,       /* the severity cell of a critical finding */
    TUI_A_OK,
    TUI_A_DIM,              /* resolved findings, retransmissions */
    TUI_A_SELECTED,
    TUI_A_COLHEAD,          /* table column header */
    TUI_A_KEY, TUI_A_KEYLABEL,
    TUI_A_ALERT,            /* kernel drops, errors in the status line */
    TUI_A_PAUSED,
    TUI_A_CHALLENGE, TUI_A_CREDENTIALS, TUI_A_KEYMSG, TUI_A_ERRMSG,
    TUI_A_LIFELINE, TUI_A_ENDPOINT,
    TUI_A_HEADERNAME,       /* raw message: header names */
    TUI_A_STATUS,
    TUI_A_COUNT
} tui_role;

#define TUI_VIEW_STACK 8

typedef struct tui {
    sw_monitor *mon;
    const sw_tui_options *opt;
    volatile sig_atomic_t *stop;
    bool utf8_text;                 /* the locale is UTF-8: captured text may be drawn as such */
    bool utf8;                      /* line drawing in UTF-8 (not --ascii) */
    bool color;
    attr_t attr[TUI_A_COUNT];
    int rows, cols;

    tui_view stack[TUI_VIEW_STACK];
    int depth;                      /* stack[depth] is the current view */

    /* copies taken from the monitor */
    sw_monitor_counters ctr;
    bool have_ctr;
    uint64_t fversion;
    bool have_findings;
    double last_findings_copy;      /* monotonic seconds */
    sw_finding *findings;
    size_t nfindings, cap;
    const sw_finding **sel;         /* visible, filtered and sorted */
    size_t nsel;

    /* list */
    uint64_t sel_id;
    size_t cur, top;
    bool follow_top;                /* the cursor is on the top row: keep it there */
    tui_filter filter;
    bool editing;                   /* '/' prompt open */
    char edit_saved[64];            /* the filter text before editing, for Esc */
    bool paused;

    /* calls list (tui_calls.c) */
    uint64_t cversion;
    double last_calls_copy;
    sw_call_row *calls;             /* copied rows, oldest first */
    size_t ncalls, calls_cap;
    uint64_t calls_epoch;           /* bumped by every copy */
    uint64_t findings_epoch;
    const sw_call_row **csel;       /* shown, filtered and sorted */
    uint64_t csel_epoch;            /* the copy csel was built from */
    size_t ncsel;
    size_t ccur, ctop;
    uint64_t ccur_id;               /* the call under the cursor */
    bool cfollow;                   /* the cursor stays on the newest call */
    tui_call_col csort;
    bool csort_desc;
    tui_call_filter cfilter;
    int cprompt;                    /* 0, '/' (search messages) or 'f' (filter) */
    char cedit[128];
    uint64_t *found;                /* sorted ids the last '/' search found */
    size_t nfound;
    bool search_on;
    char search_text[128];
    uint64_t *marked;               /* calls selected with space, sorted */
    size_t nmarked, marked_cap;
    uint64_t *finding_keys;         /* sorted hashes of the Call-IDs findings name */
    size_t nfinding_keys;
    int clist_y, clist_rows;

    /* detail */
    uint64_t detail_id;
    uint64_t detail_call;           /* the call shown (0: a finding is) */
    sw_call_row call;               /* ... as last copied */
    sw_call_media_info media;       /* the shown call's media (have_media) */
    bool have_media;
    sw_finding detail;              /* the finding shown, as last copied */
    bool detail_gone;               /* no longer in the monitor */
    sw_monitor_message *msgs;
    size_t nmsgs;
    uint32_t msgs_updates;          /* the finding's `updates` when msgs were taken */
    uint32_t msgs_call_messages;    /* the call's message count when msgs were taken */
    bool whole_flow;                /* msgs hold the whole call, not only the finding's evidence */
    size_t mcur, mtop;
    int text_scroll;
    bool focus_text;                /* Tab: arrows scroll the text instead of the ladder */
    int ladder_y, ladder_rows;      /* where the ladder rows were drawn (mouse) */
    int list_y, list_rows;          /* where the table rows were drawn (mouse) */

    /* raw message and reference views */
    int scroll;
    char *ref_text;
    char ref_title[64];

    /* status line */
    char status[256];
    bool status_error;
    double status_until;

    /* new critical findings already announced */
    uint64_t *alerted;
    size_t nalerted, alerted_cap;
    bool first_copy_done;
} tui;

/* One view's interface: the loop draws the view on top of the stack, gives
 * it keys and mouse events first, and releases it when it is closed. */
typedef struct tui_panel_class {
    const char *name;                               /* for the key bar */
    void (*draw)(tui *t, int y, int h);
    tui_action (*key)(tui *t, int ch, int h);
    tui_action (*mouse)(tui *t, const MEVENT *ev);  /* NULL: the wheel moves as arrows do */
    void (*release)(tui *t);                        /* NULL: nothing to let go */
} tui_panel_class;

extern const tui_panel_class tui_findings_panel, tui_calls_panel, tui_detail_panel, tui_message_panel,
    tui_reference_panel, tui_help_panel;

/* The files form layers, each calling only into the ones below it:
 *   tui.c (the loop and the view stack)
 *   views: tui_findings.c, tui_calls.c -> tui_detail.c -> tui_message.c, tui_help.c
 *   services: tui_data.c (copies), tui_save.c, tui_header.c, tui_keybar.c,
 *             tui_draw.c, tui_ladder.c, tui_text.c, tui_calls_model.c */

static inline tui_view tui_current(const tui *t)
{
    return t->stack[t->depth];
}

/* tui_data.c: copies from the monitor, the clock, the status message */
double tui_now(void);
void tui_set_status(tui *t, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Copies the findings (bumps findings_epoch; beeps for a new critical one). */
void tui_copy_findings(tui *t);
/* Copies the calls when they changed (at most once a second when there are
 * many, unless force); bumps calls_epoch and returns true when it did. */
bool tui_copy_calls(tui *t, bool force);
/* A copied call by its Call-ID or its id, or NULL. */
const sw_call_row *tui_call_by_callid(const tui *t, const char *call_id);
const sw_call_row *tui_call_by_id(const tui *t, uint64_t id);

/* tui_save.c */
/* 's': saves the packets of finding id to a pcap file. */
void tui_save_finding(tui *t, uint64_t id);
/* 's'/'S' on calls: saves their messages as a pcap file or as text. */
void tui_save_calls(tui *t, const uint64_t *ids, size_t n, bool as_text);

/* tui_draw.c: attributes and clipped text */
void tui_attr_init(tui *t);
attr_t tui_attr(const tui *t, tui_role r);
/* Draws s (UTF-8, already sanitised) at y,x in at most maxcols columns;
 * returns the columns used. */
int tui_put(int y, int x, int maxcols, const char *s, attr_t attr);
int tui_putf(int y, int x, int maxcols, attr_t attr, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void tui_fill(int y, int x, int n, attr_t attr);
/* A horizontal rule with an optional title. */
void tui_rule(const tui *t, int y, int x, int w, const char *title, attr_t title_attr);
/* Sanitises and draws foreign text (findings, messages). */
int tui_put_safe(const tui *t, int y, int x, int maxcols, const char *s, attr_t attr);
tui_role tui_severity_role(sw_severity s);
const char *tui_glyph_ellipsis(const tui *t);

/* A mouse event on a list drawn on rows [y, y + rows) from item `top`: the
 * wheel's move (-3 or 3, else 0), or the item clicked (row, -1 for none)
 * and whether the click opens it (a double click, or a click on the item
 * already under the cursor at `cur`). */
typedef struct tui_list_hit {
    int wheel;
    long row;
    bool open;
} tui_list_hit;
tui_list_hit tui_list_mouse(const MEVENT *ev, int y, int rows, size_t top, size_t n, size_t cur);
/* A moving key in a list of n items with the cursor at cur (arrows, j/k,
 * PgUp/PgDn, Home/End, g/G, and Space as PgDn when space_pages): true and
 * *to the wanted index (not clamped), or false for any other key. */
bool tui_list_key(int ch, size_t cur, size_t n, int page, bool space_pages, long *to);
/* One key typed into a prompt's text: edits buf (UTF-8 aware backspace,
 * ^U clears); returns 1 for Enter, -1 for Esc, 0 otherwise. */
int tui_edit_key(char *buf, size_t cap, int ch);

/* tui_header.c */
int tui_header_height(const tui *t);
void tui_header_draw(tui *t);

/* tui_findings.c */
/* Re-applies the filter and the order to the copied findings, keeping the
 * cursor on the same finding. */
void tui_rebuild_selection(tui *t);

/* tui_detail.c */
/* Opens the detail view of a finding (copies it and its messages). */
tui_action tui_open_detail(tui *t, const sw_finding *f);
/* Refreshes the copy of the shown finding or call and its messages. */
void tui_detail_refresh(tui *t);
void tui_detail_release(tui *t);
/* Opens the detail view of a call: its whole flow. */
tui_action tui_open_call(tui *t, const sw_call_row *r);
/* Draws a laid-out ladder row (or the endpoint line when row < 0). */
void tui_ladder_draw_row(const tui *t, const tui_ladder *l, long row, int y, bool selected);

/* tui_message.c */
/* Prepares the reference view for a message (status code or method). */
tui_action tui_reference_open(tui *t, const sw_evidence *ev);

/* tui_keybar.c */
void tui_keybar_draw(tui *t);
/* Whether the status line is shown (it takes the line above the key bar). */
bool tui_status_visible(const tui *t);
void tui_status_draw(tui *t, int y);

#endif
