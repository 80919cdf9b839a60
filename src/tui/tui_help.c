/* Help screen ('?' or F1): every key of the Findings and Calls views, what
 * the colours and marks of the tables and the ladder mean, and the
 * command-line equivalents. Scrolls;
 * Esc, Backspace, Enter or '?' again goes back. */
#include "tui_internal.h"

#include <string.h>

typedef struct help_line {
    const char *key;                /* NULL: a section title or plain text in `text` */
    const char *text;
} help_line;

static const help_line help[] = {
    {NULL, "Moving around"},
    {"Up/Down  j/k", "select a finding or a call, or a message in the call flow"},
    {"PgUp/PgDn", "a page up or down (Space: page down)"},
    {"Home/End  g/G", "first or last"},
    {"Enter  Right", "open the finding or the call; in the call flow, the raw message"},
    {"Esc  Backspace", "back (in the lists: clear the filters)"},
    {"Tab", "switch between Findings and Calls; in the detail: flow or text"},
    {"n / N", "raw message: next / previous message"},
    {"e", "reference entry for the message's status code or method"},
    {"mouse", "click selects, click again opens, the wheel scrolls"},
    {NULL, ""},
    {NULL, "Findings"},
    {"/", "filter by text: rule, summary, address, Call-ID, user"},
    {"f", "filter by severity, then by each rule, then all (cycle)"},
    {"h", "hide or show resolved findings"},
    {"s", "save its packets to sipwatch-finding-<id>.pcap"},
    {"p", "pause the display (the capture goes on); again: resume"},
    {"?  F1", "this help"},
    {"q", "quit (Ctrl-C too)"},
    {NULL, ""},
    {NULL, "Calls"},
    {"/", "search every header and body of every message of every call"},
    {"f", "filter: state:busy method:invite status:4xx addr:.. user:.. media:1-way has:finding"},
    {"o / O", "sort by the next column / reverse the order"},
    {"Space", "select the call (a clears the selection)"},
    {"s / S", "save the selected calls (or this one) as a pcap / as text"},
    {"!", "a finding names this call"},
    {"Media column", "ok, 1-way, no-rtp, stopped, poor, private (SDP), n/c (RTP not captured)"},
    {NULL, ""},
    {NULL, "Reading the screen"},
    {"CRIT/WARN/INFO", "severity: open first, critical and most recent on top"},
    {"dimmed row", "resolved: the problem stopped (kept for reference)"},
    {"Drops", "highlighted when packets were lost before analysis"},
    {"call flow", "one column per address, an arrow per message; +s.us since the last"},
    {"red/bold arrow", "a 401/407 challenge"},
    {"yellow/underline", "a request carrying credentials (Authorization)"},
    {"magenta/bold+ul", "the message that matters (e.g. 202 and no NOTIFY)"},
    {"dim arrow", "a retransmission or a duplicate copy"},
    {NULL, ""},
    {NULL, "Without the dashboard: sipwatch --report, --json, --explain CODE"},
};

#define HELP_LINES (sizeof help / sizeof help[0])

static void help_draw(tui *t, int y, int h)
{
    tui_put(y, 1, t->cols - 2, "sipwatch dashboard: keys", tui_attr(t, TUI_A_TITLE));
    tui_put(y, 26, t->cols - 27, "  (Esc goes back)", tui_attr(t, TUI_A_DIM));
    tui_rule(t, y + 1, 0, t->cols, NULL, 0);
    int rows = h - 2;
    int max = (int)HELP_LINES - rows;
    if (max < 0)
        max = 0;
    if (t->scroll > max)
        t->scroll = max;
    if (t->scroll < 0)
        t->scroll = 0;
    int kw = 17;
    for (int r = 0; r < rows; r++) {
        size_t i = (size_t)(t->scroll + r);
        if (i >= HELP_LINES)
            break;
        int yy = y + 2 + r;
        if (!help[i].key) {
            bool section = help[i].text[0] && strncmp(help[i].text, "Same", 4) != 0;
            tui_put(yy, 1, t->cols - 2, help[i].text, section ? tui_attr(t, TUI_A_SECTION) : A_NORMAL);
            continue;
        }
        tui_put(yy, 3, kw, help[i].key, tui_attr(t, TUI_A_KEY));
        tui_put(yy, 3 + kw + 1, t->cols - kw - 5, help[i].text, A_NORMAL);
    }
    if ((int)HELP_LINES > rows) {
        const char *more = t->scroll < max ? " more: Down/PgDn " : " top: Home ";
        int mw = (int)strlen(more);
        tui_put(y + 1, t->cols - mw - 2, mw, more, tui_attr(t, TUI_A_KEYLABEL));
    }
}

static tui_action help_key(tui *t, int ch, int h)
{
    int page = h > 3 ? h - 3 : 1;
    switch (ch) {
    case KEY_UP: case 'k': t->scroll--; return TUI_HANDLED;
    case KEY_DOWN: case 'j': t->scroll++; return TUI_HANDLED;
    case KEY_PPAGE: t->scroll -= page; return TUI_HANDLED;
    case KEY_NPAGE: case ' ': t->scroll += page; return TUI_HANDLED;
    case KEY_HOME: case 'g': t->scroll = 0; return TUI_HANDLED;
    case KEY_END: case 'G': t->scroll = 1 << 20; return TUI_HANDLED;
    case '?':
    case KEY_F(1):
    case '\n':
    case '\r':
    case KEY_ENTER:
        return tui_act(TUI_ACT_POP, TUI_VIEW_HELP);
    }
    return TUI_IGNORED;
}

const tui_panel_class tui_help_panel = {.name = "Help", .draw = help_draw, .key = help_key};
