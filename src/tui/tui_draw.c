/* Drawing helpers shared by the screen components: the attribute table
 * (colours, or bold/reverse/dim on a monochrome terminal or with NO_COLOR),
 * text clipped to a number of columns, horizontal rules. */
#include "tui_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_RED = 1, P_YELLOW, P_CYAN, P_GREEN, P_MAGENTA, P_BLUE, P_SEL, P_HEAD, P_KEYLABEL, P_ALERT, P_PAUSED,
       P_BADGE };

void tui_attr_init(tui *t)
{
    const char *nc = getenv("NO_COLOR");
    t->color = has_colors() && !(nc && nc[0]);
    attr_t *a = t->attr;
    for (int i = 0; i < TUI_A_COUNT; i++)
        a[i] = A_NORMAL;
    if (t->color && start_color() == OK) {
        int bg = -1;
        if (use_default_colors() != OK)
            bg = COLOR_BLACK;
        init_pair(P_RED, COLOR_RED, (short)bg);
        init_pair(P_YELLOW, COLOR_YELLOW, (short)bg);
        init_pair(P_CYAN, COLOR_CYAN, (short)bg);
        init_pair(P_GREEN, COLOR_GREEN, (short)bg);
        init_pair(P_MAGENTA, COLOR_MAGENTA, (short)bg);
        init_pair(P_BLUE, COLOR_BLUE, (short)bg);
        init_pair(P_SEL, COLOR_BLACK, COLOR_CYAN);
        init_pair(P_HEAD, COLOR_BLACK, COLOR_GREEN);
        init_pair(P_KEYLABEL, COLOR_BLACK, COLOR_CYAN);
        init_pair(P_ALERT, COLOR_WHITE, COLOR_RED);
        init_pair(P_PAUSED, COLOR_BLACK, COLOR_YELLOW);
        init_pair(P_BADGE, COLOR_WHITE, COLOR_RED);
        a[TUI_A_TITLE] = A_BOLD;
        a[TUI_A_SECTION] = COLOR_PAIR(P_GREEN) | A_BOLD;
        a[TUI_A_CRIT] = COLOR_PAIR(P_RED) | A_BOLD;
        a[TUI_A_WARN] = COLOR_PAIR(P_YELLOW) | A_BOLD;
        a[TUI_A_INFO] = COLOR_PAIR(P_CYAN);
        a[TUI_A_CRIT_BADGE] = COLOR_PAIR(P_BADGE) | A_BOLD;
        a[TUI_A_OK] = COLOR_PAIR(P_GREEN);
        a[TUI_A_DIM] = A_DIM;
        a[TUI_A_SELECTED] = COLOR_PAIR(P_SEL);
        a[TUI_A_COLHEAD] = COLOR_PAIR(P_HEAD);
        a[TUI_A_KEY] = A_BOLD;
        a[TUI_A_KEYLABEL] = COLOR_PAIR(P_KEYLABEL);
        a[TUI_A_ALERT] = COLOR_PAIR(P_ALERT) | A_BOLD;
        a[TUI_A_PAUSED] = COLOR_PAIR(P_PAUSED) | A_BOLD;
        a[TUI_A_CHALLENGE] = COLOR_PAIR(P_RED) | A_BOLD;
        a[TUI_A_CREDENTIALS] = COLOR_PAIR(P_YELLOW) | A_BOLD;
        a[TUI_A_KEYMSG] = COLOR_PAIR(P_MAGENTA) | A_BOLD | A_UNDERLINE;
        a[TUI_A_ERRMSG] = COLOR_PAIR(P_RED);
        a[TUI_A_LIFELINE] = COLOR_PAIR(P_BLUE);
        a[TUI_A_ENDPOINT] = COLOR_PAIR(P_CYAN) | A_BOLD;
        a[TUI_A_HEADERNAME] = COLOR_PAIR(P_CYAN) | A_BOLD;
        a[TUI_A_STATUS] = A_BOLD;
    } else {
        t->color = false;
        a[TUI_A_TITLE] = A_BOLD;
        a[TUI_A_SECTION] = A_BOLD | A_UNDERLINE;
        a[TUI_A_CRIT] = A_BOLD;
        a[TUI_A_WARN] = A_BOLD;
        a[TUI_A_INFO] = A_NORMAL;
        a[TUI_A_CRIT_BADGE] = A_BOLD | A_REVERSE;
        a[TUI_A_OK] = A_NORMAL;
        a[TUI_A_DIM] = A_DIM;
        a[TUI_A_SELECTED] = A_REVERSE;
        a[TUI_A_COLHEAD] = A_BOLD | A_UNDERLINE;
        a[TUI_A_KEY] = A_BOLD;
        a[TUI_A_KEYLABEL] = A_REVERSE;
        a[TUI_A_ALERT] = A_BOLD | A_REVERSE;
        a[TUI_A_PAUSED] = A_BOLD | A_REVERSE;
        a[TUI_A_CHALLENGE] = A_BOLD;
        a[TUI_A_CREDENTIALS] = A_UNDERLINE;
        a[TUI_A_KEYMSG] = A_BOLD | A_UNDERLINE;
        a[TUI_A_ERRMSG] = A_BOLD;
        a[TUI_A_LIFELINE] = A_NORMAL;
        a[TUI_A_ENDPOINT] = A_BOLD;
        a[TUI_A_HEADERNAME] = A_BOLD;
        a[TUI_A_STATUS] = A_BOLD;
    }
}

attr_t tui_attr(const tui *t, tui_role r)
{
    return t->attr[r];
}

tui_role tui_severity_role(sw_severity s)
{
    switch (s) {
    case SW_SEV_CRITICAL: return TUI_A_CRIT;
    case SW_SEV_WARNING: return TUI_A_WARN;
    default: return TUI_A_INFO;
    }
}

const char *tui_glyph_ellipsis(const tui *t)
{
    return t->utf8 ? "\u2026" : "~";
}

int tui_put(int y, int x, int maxcols, const char *s, attr_t attr)
{
    if (maxcols <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + maxcols > COLS)
        maxcols = COLS - x;
    int cols;
    size_t n = sw_text_fit(s, maxcols, &cols);
    if (n == 0)
        return 0;
    attr_t old;
    short pair;
    attr_get(&old, &pair, NULL);
    attrset(attr);
    mvaddnstr(y, x, s, (int)n);
    attr_set(old, pair, NULL);
    return cols;
}

int tui_putf(int y, int x, int maxcols, attr_t attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return tui_put(y, x, maxcols, buf, attr);
}

void tui_fill(int y, int x, int n, attr_t attr)
{
    if (y < 0 || y >= LINES || n <= 0)
        return;
    if (x + n > COLS)
        n = COLS - x;
    attr_t old;
    short pair;
    attr_get(&old, &pair, NULL);
    attrset(attr);
    mvhline(y, x, ' ', n);
    attr_set(old, pair, NULL);
}

int tui_put_safe(const tui *t, int y, int x, int maxcols, const char *s, attr_t attr)
{
    char buf[2048];
    sw_text_sanitize(s, strlen(s), t->utf8_text, false, buf, sizeof buf);
    return tui_put(y, x, maxcols, buf, attr);
}

void tui_rule(const tui *t, int y, int x, int w, const char *title, attr_t title_attr)
{
    if (w <= 0)
        return;
    const char *h = t->utf8 ? "\u2500" : "-";
    attr_t attr = tui_attr(t, TUI_A_LIFELINE);
    for (int i = 0; i < w; i++)
        tui_put(y, x + i, 1, h, attr);
    if (title && title[0]) {
        int used = tui_put(y, x + 2, w - 4, " ", title_attr);
        used += tui_put(y, x + 2 + used, w - 4 - used, title, title_attr);
        tui_put(y, x + 2 + used, w - 4 - used, " ", title_attr);
    }
}

/* ---- lists and prompts shared by the views ------------------------------------ */

tui_list_hit tui_list_mouse(const MEVENT *ev, int y, int rows, size_t top, size_t n, size_t cur)
{
    tui_list_hit hit = {.row = -1};
    if (ev->bstate & BUTTON4_PRESSED) {
        hit.wheel = -3;
        return hit;
    }
#ifdef BUTTON5_PRESSED
    if (ev->bstate & BUTTON5_PRESSED) {
        hit.wheel = 3;
        return hit;
    }
#endif
    if (!(ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
        return hit;
    int r = ev->y - y;
    size_t i = top + (size_t)r;
    if (r < 0 || r >= rows || i >= n)
        return hit;
    hit.row = (long)i;
    hit.open = (ev->bstate & BUTTON1_DOUBLE_CLICKED) || (i == cur && (ev->bstate & BUTTON1_CLICKED));
    return hit;
}

bool tui_list_key(int ch, size_t cur, size_t n, int page, bool space_pages, long *to)
{
    switch (ch) {
    case KEY_UP: case 'k': *to = (long)cur - 1; return true;
    case KEY_DOWN: case 'j': *to = (long)cur + 1; return true;
    case KEY_PPAGE: *to = (long)cur - page; return true;
    case KEY_NPAGE: *to = (long)cur + page; return true;
    case KEY_HOME: case 'g': *to = 0; return true;
    case KEY_END: case 'G': *to = (long)n - 1; return true;
    case ' ':
        *to = (long)cur + page;
        return space_pages;
    }
    return false;
}

int tui_edit_key(char *buf, size_t cap, int ch)
{
    size_t len = strlen(buf);
    switch (ch) {
    case 27:
        return -1;
    case '\n':
    case '\r':
    case KEY_ENTER:
        return 1;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        if (len > 0) {
            /* drop one UTF-8 character */
            size_t i = len - 1;
            while (i > 0 && ((unsigned char)buf[i] & 0xc0) == 0x80)
                i--;
            buf[i] = '\0';
        }
        return 0;
    case 21:                        /* ^U */
        buf[0] = '\0';
        return 0;
    default:
        if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && len + 1 < cap) {
            buf[len] = (char)ch;
            buf[len + 1] = '\0';
        }
        return 0;
    }
}
