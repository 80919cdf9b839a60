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

double tui_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

tui_view tui_current(const tui *t)
{
    return t->stack[t->depth];
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

void tui_set_status(tui *t, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status, sizeof t->status, fmt, ap);
    va_end(ap);
    t->status_error = error;
    t->status_until = tui_now() + 6.0;
}

/* ---- copies from the monitor ------------------------------------------------ */

void tui_rebuild_selection(tui *t)
{
    t->nsel = tui_select_findings(t->findings, t->nfindings, &t->filter, t->sel);
    tui_findings_reselect(t);
}

static bool alerted(const tui *t, uint64_t id)
{
    for (size_t i = 0; i < t->nalerted; i++)
        if (t->alerted[i] == id)
            return true;
    return false;
}

/* Beeps once per new critical finding (or one escalated to critical). */
static void check_alerts(tui *t)
{
    const sw_finding *newest = NULL;
    for (size_t i = 0; i < t->nfindings; i++) {
        const sw_finding *f = &t->findings[i];
        if (f->severity != SW_SEV_CRITICAL || f->state != SW_FINDING_OPEN || alerted(t, f->id))
            continue;
        if (t->nalerted == t->alerted_cap) {
            size_t cap = t->alerted_cap ? t->alerted_cap * 2 : 64;
            uint64_t *a = realloc(t->alerted, cap * sizeof *a);
            if (!a)
                return;
            t->alerted = a;
            t->alerted_cap = cap;
        }
        t->alerted[t->nalerted++] = f->id;
        newest = f;
    }
    if (newest) {
        if (!t->opt->quiet)
            beep();
        tui_set_status(t, true, "New critical finding: %s #%llu", newest->rule ? newest->rule : "?",
                       (unsigned long long)newest->id);
    }
}

static void copy_findings(tui *t)
{
    for (int tries = 0; tries < 4; tries++) {
        size_t n = sw_monitor_get_findings(t->mon, t->findings, t->cap);
        if (n <= t->cap) {
            t->nfindings = n;
            break;
        }
        size_t cap = n + 64;
        sw_finding *f = realloc(t->findings, cap * sizeof *f);
        const sw_finding **s = f ? realloc(t->sel, cap * sizeof *s) : NULL;
        if (f)
            t->findings = f;
        if (!f || !s) {
            t->nfindings = sw_monitor_get_findings(t->mon, t->findings, t->cap);
            if (t->nfindings > t->cap)
                t->nfindings = t->cap;
            break;
        }
        t->sel = s;
        t->cap = cap;
    }
    tui_rebuild_selection(t);
    check_alerts(t);
}

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
        copy_findings(t);
    }
    tui_calls_refresh(t, false);
    if (t->detail_id || t->detail_call)
        tui_detail_refresh(t);
}

/* ---- actions ------------------------------------------------------------------ */

void tui_save_finding(tui *t, uint64_t id)
{
    char path[4096], err[256];
    const char *dir = t->opt->save_dir && t->opt->save_dir[0] ? t->opt->save_dir : ".";
    snprintf(path, sizeof path, "%s%ssipwatch-finding-%llu.pcap", dir,
             dir[strlen(dir) - 1] == '/' ? "" : "/", (unsigned long long)id);
    err[0] = '\0';
    if (sw_monitor_save_pcap(t->mon, id, path, err, sizeof err) == 0)
        tui_set_status(t, false, "Saved finding #%llu's packets to %s", (unsigned long long)id, path);
    else
        tui_set_status(t, true, "Save failed: %s", err[0] ? err : path);
}

/* Keeps letters, digits and . _ + - of captured text for a file name. */
static void name_part(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (; *in && o + 1 < len && o < 24; in++) {
        char c = *in;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == '+' || c == '-')
            out[o++] = c;
    }
    out[o] = '\0';
    if (!o)
        snprintf(out, len, "unknown");
}

/* "sipwatch-call-1001-to-2002-20261202-061500" or "sipwatch-3-calls-...". */
static void calls_file_stem(const tui *t, const uint64_t *ids, size_t n, char *out, size_t len)
{
    const sw_call_row *first = NULL;
    for (size_t i = 0; i < t->ncalls; i++)
        if (t->calls[i].id == ids[0])
            first = &t->calls[i];
    char when[32] = "";
    if (first) {
        time_t secs = (time_t)(first->start / SW_USEC_PER_SEC);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(when, sizeof when, "-%Y%m%d-%H%M%S", &tm);
    }
    if (n == 1 && first) {
        char from[32], to[32];
        name_part(first->from_user[0] ? first->from_user : first->from_host, from, sizeof from);
        name_part(first->to_user[0] ? first->to_user : first->to_host, to, sizeof to);
        snprintf(out, len, "sipwatch-call-%s-to-%s%s", from, to, when);
    } else {
        snprintf(out, len, "sipwatch-%zu-calls%s", n, when);
    }
}

void tui_save_calls(tui *t, const uint64_t *ids, size_t n, bool as_text)
{
    const char *dir = t->opt->save_dir && t->opt->save_dir[0] ? t->opt->save_dir : ".";
    const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
    char stem[160], path[4096], err[256] = "";
    calls_file_stem(t, ids, n, stem, sizeof stem);
    const char *ext = as_text ? "txt" : "pcap";
    long written = -1;
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(path, sizeof path, "%s%s%s.%s", dir, sep, stem, ext);
        else
            snprintf(path, sizeof path, "%s%s%s-%d.%s", dir, sep, stem, k, ext);
        if (access(path, F_OK) == 0)
            continue;               /* never overwrite: the next free name */
        written = sw_monitor_save_calls(t->mon, ids, n, path, as_text, err, sizeof err);
        break;
    }
    if (written >= 0)
        tui_set_status(t, false, "Saved %ld message%s of %zu call%s to %s", written, written == 1 ? "" : "s", n,
                       n == 1 ? "" : "s", path);
    else
        tui_set_status(t, true, "Save failed: %s", err[0] ? err : "no free file name");
}

tui_action tui_open_detail(tui *t, const sw_finding *f)
{
    tui_detail_release(t);
    t->detail_call = 0;
    t->detail_id = f->id;
    t->detail = *f;
    t->detail_gone = false;
    t->mcur = 0;
    t->mtop = 0;
    t->text_scroll = 0;
    t->focus_text = false;
    t->msgs_updates = (uint32_t)-1;
    tui_detail_refresh(t);
    return tui_act(TUI_ACT_PUSH, TUI_VIEW_DETAIL);
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
