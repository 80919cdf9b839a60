/* Bottom of the screen: the htop-style key bar (the keys of the current
 * view, key then label) and, above it when needed, the status line: the
 * '/' filter prompt, or a message (saved file, filter change, new critical
 * finding) for a few seconds. */
#include "tui_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct keyitem {
    const char *key, *label;
} keyitem;

void tui_keybar_draw(tui *t)
{
    keyitem items[12];
    int n = 0;
    const char *ud = t->utf8 ? "\u2191\u2193" : "Up/Dn";
#define K(k, l) (items[n].key = (k), items[n].label = (l), n++)
    if (t->cprompt) {
        K("Enter", t->cprompt == '/' ? "Search" : "Apply");
        K("Esc", "Cancel");
        K("^U", "Clear");
    } else if (t->editing) {
        K("Enter", "Keep");
        K("Esc", "Cancel");
        K("^U", "Clear");
        K("Bksp", "Delete");
    } else {
        switch (tui_current(t)) {
        case TUI_VIEW_LIST:
            K("Enter", "Open");
            K("/", "Filter");
            K("f", "Sev/Rule");
            K("Tab", "Calls");
            K("h", t->filter.hide_resolved ? "ShowRes" : "HideRes");
            K("p", t->paused ? "Resume" : "Pause");
            K("s", "Save");
            K("?", "Help");
            K("q", "Quit");
            break;
        case TUI_VIEW_CALLS:
            K("Enter", "Flow");
            K("/", "Search");
            K("f", "Filter");
            K("o", "Sort");
            K("Space", "Select");
            K("s/S", "Save");
            K("Tab", "Findings");
            K("?", "Help");
            K("q", "Quit");
            break;
        case TUI_VIEW_DETAIL:
            K(ud, t->focus_text ? "Scroll" : "Message");
            K("Enter", "Raw");
            K("e", "Explain");
            K("Tab", t->focus_text ? "Flow" : "Text");
            K(t->detail_call ? "s/S" : "s", "Save");
            K("p", t->paused ? "Resume" : "Pause");
            K("Esc", "Back");
            K("?", "Help");
            K("q", "Quit");
            break;
        case TUI_VIEW_MESSAGE:
            K(ud, "Scroll");
            K("n/N", "Next/Prev");
            K("e", "Explain");
            K("s", "Save");
            K("Esc", "Back");
            K("?", "Help");
            K("q", "Quit");
            break;
        case TUI_VIEW_REFERENCE:
        case TUI_VIEW_HELP:
        case TUI_VIEW_COUNT:
            K(ud, "Scroll");
            K("Esc", "Back");
            K("q", "Quit");
            break;
        }
    }
#undef K
    /* drop items before the last (Quit) until the bar fits */
    int y = t->rows - 1;
    for (;;) {
        int w = 0;
        for (int i = 0; i < n; i++)
            w += sw_text_width(items[i].key) + sw_text_width(items[i].label) + 1;
        if (w <= t->cols || n <= 2)
            break;
        items[n - 2] = items[n - 1];
        n--;
    }
    attr_t la = tui_attr(t, TUI_A_KEYLABEL);
    tui_fill(y, 0, t->cols, la);
    int x = 0;
    for (int i = 0; i < n; i++) {
        x += tui_put(y, x, t->cols - x, items[i].key, tui_attr(t, TUI_A_KEY));
        x += tui_put(y, x, t->cols - x, items[i].label, la);
        x += tui_put(y, x, t->cols - x, " ", la);
    }
    /* on the right: the screen's name */
    static const char *const names[TUI_VIEW_COUNT] = {"findings", "calls", "detail", "message", "reference",
                                                      "help"};
    const char *name = names[tui_current(t)];
    int nw = (int)strlen(name) + 2;
    if (x + nw + 1 < t->cols)
        tui_putf(y, t->cols - nw, nw, la | A_BOLD, " %s ", name);
}

bool tui_status_visible(const tui *t)
{
    return t->editing || t->cprompt || t->status[0];
}

void tui_status_draw(tui *t, int y)
{
    tui_fill(y, 0, t->cols, A_NORMAL);
    if (t->cprompt) {
        const char *what = t->cprompt == '/' ? "Search messages: " : "Filter calls: ";
        int x = tui_put(y, 0, t->cols, what, tui_attr(t, TUI_A_SECTION));
        x += tui_put_safe(t, y, x, t->cols - x - 1, t->cedit, A_BOLD);
        x += tui_put(y, x, 1, " ", A_REVERSE);
        tui_put(y, x, t->cols - x,
                t->cprompt == '/' ? "   any header or body text" : "   state: method: status: addr: user: has:finding",
                tui_attr(t, TUI_A_DIM));
        return;
    }
    if (t->editing) {
        int x = tui_put(y, 0, t->cols, "Filter: ", tui_attr(t, TUI_A_SECTION));
        x += tui_put_safe(t, y, x, t->cols - x - 1, t->filter.text, A_BOLD);
        x += tui_put(y, x, 1, " ", A_REVERSE);       /* the cursor */
        char info[64];
        snprintf(info, sizeof info, "   %zu of %zu findings match", t->nsel, t->nfindings);
        tui_put(y, x, t->cols - x, info, tui_attr(t, TUI_A_DIM));
        return;
    }
    tui_put_safe(t, y, 0, t->cols, t->status, t->status_error ? tui_attr(t, TUI_A_ALERT) : tui_attr(t, TUI_A_STATUS));
}
