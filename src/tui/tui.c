/* Dashboard main loop: terminal set-up and guaranteed restore (quit, *stop
 * raised by a signal, a dead terminal, atexit), copies from the monitor at
 * most ten times a second, and the view stack: this loop alone pushes and
 * pops views, acting on what each view's key handler returns; the bell for
 * new critical findings, saving pcaps. */
#include "tui_internal.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MS 100

static SCREEN *g_screen;
static bool g_active;               /* curses mode is on: endwin() is owed */
static bool g_atexit_done;

static void restore_terminal(void)
{
    if (g_active) {
        endwin();
        g_active = false;
    }
}

static const tui_panel_class *const panels[TUI_VIEW_COUNT] = {
    [TUI_VIEW_LIST] = &tui_findings_panel,   [TUI_VIEW_CALLS] = &tui_calls_panel,
    [TUI_VIEW_DETAIL] = &tui_detail_panel,   [TUI_VIEW_MESSAGE] = &tui_message_panel,
    [TUI_VIEW_REFERENCE] = &tui_reference_panel, [TUI_VIEW_HELP] = &tui_help_panel,
};

static const tui_panel_class *current_panel(const tui *t)
{
    return panels[tui_current(t)];
}

static void push_view(tui *t, tui_view v)
{
    if (tui_current(t) == v)
        return;
    if (t->depth + 1 < TUI_VIEW_STACK)
        t->depth++;
    t->stack[t->depth] = v;
    t->scroll = 0;
}

static void pop_view(tui *t)
{
    if (t->depth > 0) {
        if (current_panel(t)->release)
            current_panel(t)->release(t);
        t->depth--;
    }
    t->scroll = 0;
}

/* Findings <-> Calls: the other list becomes the bottom of the stack. */
static void switch_root(tui *t, tui_view v)
{
    while (t->depth > 0)
        pop_view(t);
    t->stack[0] = v;
    t->scroll = 0;
}

/* What a view asked for. */
static void apply(tui *t, tui_action a, bool *quit)
{
    switch (a.kind) {
    case TUI_ACT_PUSH: push_view(t, a.view); break;
    case TUI_ACT_POP: pop_view(t); break;
    case TUI_ACT_SWITCH: switch_root(t, a.view); break;
    case TUI_ACT_QUIT: *quit = true; break;
    case TUI_ACT_IGNORED:
    case TUI_ACT_HANDLED: break;
    }
}

/* ---- copies from the monitor ------------------------------------------------ */

static void refresh_data(tui *t, bool force)
{
    if (t->paused && !force)
        return;
    sw_monitor_get_counters(t->mon, &t->ctr);
    t->have_ctr = true;
    uint64_t v = sw_monitor_findings_version(t->mon);
    double now = tui_now();
    /* a big store is copied at most twice a second */
    double min_gap = t->nfindings > 500 ? 0.5 : 0.0;
    if (!t->have_findings || (v != t->fversion && now - t->last_findings_copy >= min_gap)) {
        t->fversion = v;
        t->have_findings = true;
        t->last_findings_copy = now;
        tui_copy_findings(t);
        tui_rebuild_selection(t);
    }
    tui_copy_calls(t, false);
    if (t->detail_id || t->detail_call)
        tui_detail_refresh(t);
}

/* ---- drawing ------------------------------------------------------------------- */

static void draw(tui *t)
{
    getmaxyx(stdscr, t->rows, t->cols);
    erase();
    if (t->cols < 30 || t->rows < 8) {
        tui_putf(0, 0, t->cols, tui_attr(t, TUI_A_TITLE), "sipwatch: terminal too small (%dx%d)", t->cols,
                 t->rows);
        tui_put(1, 0, t->cols, "q quits", A_NORMAL);
        refresh();
        return;
    }
    tui_header_draw(t);
    int y = tui_header_height(t);
    int bottom = t->rows - 1;       /* the key bar */
    if (tui_status_visible(t)) {
        bottom--;
        tui_status_draw(t, bottom);
    }
    current_panel(t)->draw(t, y, bottom - y);
    tui_keybar_draw(t);
    refresh();
}

static int content_height(const tui *t)
{
    int h = t->rows - 1 - tui_header_height(t) - (tui_status_visible(t) ? 1 : 0);
    return h > 1 ? h : 1;
}

/* Keys that work the same in every view. Returns true when handled. */
static bool global_key(tui *t, int ch, bool *quit)
{
    switch (ch) {
    case 'q':
    case 'Q':
        *quit = true;
        return true;
    case '?':
    case KEY_F(1):
        push_view(t, TUI_VIEW_HELP);
        return true;
    case '\t':                      /* the lists: Findings <-> Calls */
        switch_root(t, t->stack[0] == TUI_VIEW_CALLS ? TUI_VIEW_LIST : TUI_VIEW_CALLS);
        return true;
    case 'p':
    case 'P':
        t->paused = !t->paused;
        if (!t->paused)
            t->have_findings = false;   /* catch up at once */
        tui_set_status(t, false, t->paused ? "Display paused: the capture goes on. p resumes."
                                           : "Display resumed.");
        return true;
    case 'h':
    case 'H':
        t->filter.hide_resolved = !t->filter.hide_resolved;
        tui_rebuild_selection(t);
        tui_set_status(t, false, t->filter.hide_resolved ? "Resolved findings hidden (h shows them)."
                                                         : "Resolved findings shown.");
        return true;
    case KEY_RESIZE:
        return true;
    case 12:                        /* ^L */
        clearok(curscr, TRUE);
        return true;
    }
    return false;
}

static void handle_key(tui *t, int ch, bool *quit)
{
    const tui_panel_class *panel = current_panel(t);
    if (t->editing || t->cprompt) { /* an open prompt gets everything */
        apply(t, panel->key(t, ch, content_height(t)), quit);
        return;
    }
    if (ch == KEY_MOUSE) {
        MEVENT ev;
        if (getmouse(&ev) != OK)
            return;
        if (panel->mouse)
            apply(t, panel->mouse(t, &ev), quit);
        else if (ev.bstate & BUTTON4_PRESSED)
            handle_key(t, KEY_UP, quit);
#ifdef BUTTON5_PRESSED
        else if (ev.bstate & BUTTON5_PRESSED)
            handle_key(t, KEY_DOWN, quit);
#endif
        return;
    }
    tui_action a = panel->key(t, ch, content_height(t));
    if (a.kind != TUI_ACT_IGNORED) {
        apply(t, a, quit);
        return;
    }
    if (global_key(t, ch, quit))
        return;
    switch (ch) {
    case 27:                        /* Esc */
    case KEY_BACKSPACE:
    case 127:
    case 8:
    case KEY_LEFT:
        pop_view(t);
        break;
    }
}

/* Whether the terminal has gone away (SSH session lost, stdin closed). */
static bool terminal_dead(int err)
{
    if (err == EIO || err == EBADF || err == ENXIO)
        return true;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
        return true;
    return false;
}

static void tui_free(tui *t)
{
    tui_detail_release(t);
    free(t->findings);
    free(t->sel);
    free(t->calls);
    free(t->csel);
    free(t->found);
    free(t->marked);
    free(t->finding_keys);
    free(t->alerted);
    free(t->ref_text);
}

int sw_tui_run(sw_monitor *monitor, const sw_tui_options *options, volatile sig_atomic_t *stop)
{
    static const sw_tui_options defaults;
    if (!options)
        options = &defaults;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "sipwatch: the dashboard needs a terminal (use --report or --json for batch output)\n");
        return -1;
    }
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    bool utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);

    const char *term = getenv("TERM");
    if (!term || !term[0]) {
        fprintf(stderr, "sipwatch: TERM is not set; cannot open the dashboard\n");
        return -1;
    }
    g_screen = newterm(NULL, stdout, stdin);
    if (!g_screen) {
        fprintf(stderr, "sipwatch: cannot use terminal type '%s' for the dashboard\n", term);
        return -1;
    }
    g_active = true;
    if (!g_atexit_done) {
        atexit(restore_terminal);
        g_atexit_done = true;
    }
    set_term(g_screen);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    mouseinterval(200);

    tui t;
    memset(&t, 0, sizeof t);
    t.mon = monitor;
    t.opt = options;
    t.stop = stop;
    t.utf8_text = utf8;
    t.utf8 = utf8 && !options->ascii;
    tui_filter_init(&t.filter);
    t.follow_top = true;
    t.cfollow = true;
    tui_attr_init(&t);
    getmaxyx(stdscr, t.rows, t.cols);
    refresh_data(&t, true);

    bool quit = false;
    double last_refresh = tui_now();
    int fast_errors = 0;
    bool need_draw = true;
    while (!quit && !*stop) {
        if (need_draw) {
            draw(&t);
            need_draw = false;
        }
        double now = tui_now();
        int wait_ms = FRAME_MS - (int)((now - last_refresh) * 1000.0);
        if (wait_ms < 0)
            wait_ms = 0;
        timeout(wait_ms);
        errno = 0;
        double before = tui_now();
        int ch = getch();
        int err = errno;
        now = tui_now();
        if (ch == ERR) {
            if (terminal_dead(err)) {
                *stop = 1;
                break;
            }
            /* getch returning at once, again and again: the terminal is gone */
            if (wait_ms >= 50 && now - before < 0.005) {
                if (++fast_errors > 100) {
                    *stop = 1;
                    break;
                }
            } else {
                fast_errors = 0;
            }
        } else {
            fast_errors = 0;
            handle_key(&t, ch, &quit);
            need_draw = true;
        }
        if (now - last_refresh >= FRAME_MS / 1000.0) {
            refresh_data(&t, false);
            last_refresh = now;
            need_draw = true;
        }
        if (t.status[0] && now >= t.status_until) {
            t.status[0] = '\0';
            need_draw = true;
        }
    }
    if (quit)
        *stop = 1;

    restore_terminal();
    delscreen(g_screen);
    g_screen = NULL;
    tui_free(&t);
    return 0;
}
