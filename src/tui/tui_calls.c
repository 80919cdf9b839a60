/* Calls view: one row per call the monitor holds (time, method, From, To,
 * source -> destination, messages, state with status, duration, a mark on
 * calls a finding names), sorted by any column, filtered by an expression
 * ('f'), searched through every message's text ('/'); Enter opens the call's
 * whole flow, space selects calls, s/S save them as pcap or text. Rows are
 * sorted only when the copy of the calls changed (tui_data.c); drawing visits
 * the visible rows alone, so a list of 100,000 calls stays quick. */
#include "tui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/hash.h"
#include "sipwatch/timefmt.h"

/* ---- the shown list ---------------------------------------------- */

static uint64_t key_of(const char *s)
{
    return sw_fnv_str(SW_FNV_SEED, s);
}

static int cmp_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool sorted_has(const uint64_t *v, size_t n, uint64_t k)
{
    return n && bsearch(&k, v, n, sizeof *v, cmp_key) != NULL;
}

static bool has_finding(const void *ctx, const sw_call_row *r)
{
    const tui *t = ctx;
    return sorted_has(t->finding_keys, t->nfinding_keys, key_of(r->call_id));
}

/* The Call-IDs the findings name, for the marks and has:finding. */
static void collect_finding_keys(tui *t)
{
    uint64_t *k = realloc(t->finding_keys, (t->nfindings + 1) * sizeof *k);
    if (!k)
        return;
    t->finding_keys = k;
    t->nfinding_keys = 0;
    for (size_t i = 0; i < t->nfindings; i++)
        if (t->findings[i].call_id[0])
            k[t->nfinding_keys++] = key_of(t->findings[i].call_id);
    qsort(k, t->nfinding_keys, sizeof *k, cmp_key);
}

static void place_cursor(tui *t)
{
    if (t->cfollow && t->ncsel) {
        t->ccur = t->csort_desc ? 0 : t->ncsel - 1;
    } else {
        bool found = false;
        for (size_t i = 0; i < t->ncsel && t->ccur_id; i++)
            if (t->csel[i]->id == t->ccur_id) {
                t->ccur = i;
                found = true;
                break;
            }
        if (!found && t->ccur >= t->ncsel)
            t->ccur = t->ncsel ? t->ncsel - 1 : 0;
    }
    t->ccur_id = t->ccur < t->ncsel ? t->csel[t->ccur]->id : 0;
}

static void rebuild(tui *t)
{
    t->csel_epoch = t->calls_epoch;
    collect_finding_keys(t);
    t->cfilter.only_selected = t->opt->match;
    t->ncsel = tui_select_calls(t->calls, t->ncalls, &t->cfilter, has_finding, t,
                                t->search_on ? t->found : NULL, t->nfound, t->csort, t->csort_desc, t->csel);
    place_cursor(t);
}

/* ---- drawing --------------------------------------------------------------------- */

typedef struct cols {
    int time, method, from, to, route, msgs, state, dur, media;
} cols;

static cols layout(int width)
{
    cols c = {.time = 8, .method = 9, .msgs = 5, .state = 16, .dur = 8, .media = 7};
    int fixed = 2 + c.time + c.method + c.msgs + c.state + c.dur + c.media + 8;
    int rest = width - fixed;
    if (rest < 30) {
        c.dur = 0;
        c.method = 7;
        rest += 9 + 2;
    }
    if (rest < 30) {
        c.media = 0;
        rest += 8;
    }
    if (rest < 18)
        rest = 18;
    c.from = rest * 26 / 100;
    c.to = rest * 26 / 100;
    c.route = rest - c.from - c.to - 2;
    return c;
}

static void fmt_party(const char *user, const char *host, char *out, size_t len)
{
    if (user[0])
        snprintf(out, len, "%s", user);
    else
        snprintf(out, len, "%s", host);
}

static void draw_head(tui *t, int y, const cols *c)
{
    attr_t a = tui_attr(t, TUI_A_COLHEAD);
    tui_fill(y, 0, t->cols, a);
    static const char *const names[TUI_CC_COUNT] = {"Start", "Method", "From", "To", "Source", "Destination",
                                                    "Msgs", "State", "Duration"};
    char head[512];
    char route[64];
    snprintf(route, sizeof route, "%s %s %s", names[TUI_CC_SRC], t->utf8 ? "\u2192" : "->", names[TUI_CC_DST]);
    snprintf(head, sizeof head, "  %-*s %-*s %-*.*s %-*.*s %-*.*s %*s %-*s %*s %-*s", c->time, names[0], c->method,
             names[1], c->from, c->from, names[2], c->to, c->to, names[3], c->route, c->route, route, c->msgs,
             names[6], c->state, names[7], c->dur, c->dur ? names[8] : "", c->media, c->media ? "Media" : "");
    tui_put(y, 0, t->cols, head, a);
}

static tui_role row_role(const sw_call_row *r)
{
    switch ((sw_call_state)r->state) {
    case SW_CALL_ANSWERED:
    case SW_CALL_COMPLETED: return TUI_A_OK;
    case SW_CALL_FAILED:
    case SW_CALL_TIMEOUT: return TUI_A_CRIT;
    case SW_CALL_REJECTED:
    case SW_CALL_BUSY:
    case SW_CALL_NO_ANSWER: return TUI_A_WARN;
    default: return TUI_A_NORMAL;
    }
}

static void draw_row(tui *t, int y, const sw_call_row *r, const cols *c, bool cursor)
{
    char iso[SW_TIME_STRLEN], from[64], to[64], a[SW_ENDPOINT_STRLEN], b[SW_ENDPOINT_STRLEN], route[160];
    char state[48], dur[16] = "";
    sw_time_iso(r->start, iso, sizeof iso);
    fmt_party(r->from_user, r->from_host, from, sizeof from);
    fmt_party(r->to_user, r->to_host, to, sizeof to);
    snprintf(route, sizeof route, "%s %s %s", sw_endpoint_format(&r->src, a, sizeof a), t->utf8 ? "\u2192" : "->",
             sw_endpoint_format(&r->dst, b, sizeof b));
    tui_call_state_text(r, state, sizeof state);
    double d = tui_call_duration(r);
    if (d >= 0)
        snprintf(dur, sizeof dur, "%d:%02d:%02d", (int)d / 3600, (int)d / 60 % 60, (int)d % 60);
    bool marked = sorted_has(t->marked, t->nmarked, r->id);
    bool flagged = has_finding(t, r);
    attr_t base = cursor ? tui_attr(t, TUI_A_SELECTED) : A_NORMAL;
    if (cursor)
        tui_fill(y, 0, t->cols, base);
    int x = 0;
    x += tui_put(y, x, 1, marked ? (t->utf8 ? "\u25cf" : "*") : " ", base | A_BOLD);
    x += tui_put(y, x, 1, flagged ? "!" : " ", cursor ? base : tui_attr(t, TUI_A_CRIT) | A_BOLD);
    x += tui_putf(y, x, c->time + 1, base, "%-*.8s ", c->time, strlen(iso) > 11 ? iso + 11 : "");
    x += tui_put_safe(t, y, x, c->method, r->method, base | A_BOLD);
    x = 2 + c->time + 1 + c->method + 1;
    tui_put_safe(t, y, x, c->from, from, base);
    x += c->from + 1;
    tui_put_safe(t, y, x, c->to, to, base);
    x += c->to + 1;
    tui_put(y, x, c->route, route, cursor ? base : tui_attr(t, TUI_A_ENDPOINT));
    x += c->route + 1;
    tui_putf(y, x, c->msgs, base, "%*u", c->msgs, r->messages);
    x += c->msgs + 1;
    tui_put(y, x, c->state, state, cursor ? base : tui_attr(t, row_role(r)));
    x += c->state + 1;
    if (c->dur) {
        tui_putf(y, x, c->dur, base, "%*s", c->dur, dur);
        x += c->dur + 1;
    }
    if (c->media) {
        const char *m = tui_call_media_text(r);
        bool bad = r->media_problems != 0;
        tui_put(y, x, c->media, m, cursor ? base : bad ? tui_attr(t, TUI_A_CRIT) | A_BOLD : tui_attr(t, TUI_A_DIM));
    }
}

static void draw_title(tui *t, int y)
{
    char title[256];
    int o = snprintf(title, sizeof title, "Calls: %zu", t->ncsel);
    if (t->ncsel != t->ncalls)
        o += snprintf(title + o, sizeof title - (size_t)o, " of %zu", t->ncalls);
    if (t->search_on)
        o += snprintf(title + o, sizeof title - (size_t)o, "   search \"%s\"", t->search_text);
    if (t->cfilter.text[0])
        o += snprintf(title + o, sizeof title - (size_t)o, "   filter \"%s\"", t->cfilter.text);
    if (t->nmarked)
        o += snprintf(title + o, sizeof title - (size_t)o, "   %zu selected", t->nmarked);
    if (t->csort != TUI_CC_START || t->csort_desc)
        snprintf(title + o, sizeof title - (size_t)o, "   sorted by %s, %s", tui_call_col_name(t->csort),
                 t->csort_desc ? "descending" : "ascending");
    tui_rule(t, y, 0, t->cols, title, tui_attr(t, TUI_A_SECTION));
}

static void calls_draw(tui *t, int y, int h)
{
    if (t->csel_epoch != t->calls_epoch)
        rebuild(t);
    draw_title(t, y);
    if (h < 4)
        return;
    cols c = layout(t->cols);
    draw_head(t, y + 1, &c);
    int rows = h - 2;
    t->clist_y = y + 2;
    t->clist_rows = rows;
    if (t->ncsel == 0) {
        const char *why = t->ncalls ? "No call matches: Esc clears the search and the filter."
                                    : "No calls yet: every dialog and transaction group is listed here as it is seen.";
        tui_put(y + 3, 2, t->cols - 4, why, tui_attr(t, TUI_A_DIM));
        return;
    }
    if (t->ccur < t->ctop)
        t->ctop = t->ccur;
    if (t->ccur >= t->ctop + (size_t)rows)
        t->ctop = t->ccur - (size_t)rows + 1;
    if (t->ctop + (size_t)rows > t->ncsel)
        t->ctop = t->ncsel > (size_t)rows ? t->ncsel - (size_t)rows : 0;
    for (int r = 0; r < rows && t->ctop + (size_t)r < t->ncsel; r++) {
        size_t i = t->ctop + (size_t)r;
        draw_row(t, y + 2 + r, t->csel[i], &c, i == t->ccur);
    }
}

/* ---- keys ------------------------------------------------------------------------------ */

static void move_to(tui *t, long i)
{
    if (!t->ncsel)
        return;
    if (i < 0)
        i = 0;
    if (i >= (long)t->ncsel)
        i = (long)t->ncsel - 1;
    t->ccur = (size_t)i;
    t->ccur_id = t->csel[t->ccur]->id;
    t->cfollow = t->csort == TUI_CC_START && (t->csort_desc ? t->ccur == 0 : t->ccur + 1 == t->ncsel);
}

static void toggle_mark(tui *t)
{
    if (t->ccur >= t->ncsel)
        return;
    uint64_t id = t->csel[t->ccur]->id;
    size_t i = 0;
    while (i < t->nmarked && t->marked[i] < id)
        i++;
    if (i < t->nmarked && t->marked[i] == id) {
        memmove(&t->marked[i], &t->marked[i + 1], (t->nmarked - i - 1) * sizeof *t->marked);
        t->nmarked--;
    } else {
        if (t->nmarked == t->marked_cap) {
            size_t cap = t->marked_cap ? t->marked_cap * 2 : 64;
            uint64_t *m = realloc(t->marked, cap * sizeof *m);
            if (!m)
                return;
            t->marked = m;
            t->marked_cap = cap;
        }
        memmove(&t->marked[i + 1], &t->marked[i], (t->nmarked - i) * sizeof *t->marked);
        t->marked[i] = id;
        t->nmarked++;
    }
    move_to(t, (long)t->ccur + 1);
}

static void run_search(tui *t, const char *text)
{
    if (!text[0]) {
        t->search_on = false;
        rebuild(t);
        return;
    }
    sw_call_search *q = calloc(1, sizeof *q);
    uint64_t *ids = q ? malloc(SW_CALL_SEARCH_MAX * sizeof *ids) : NULL;
    if (!q || !ids) {
        free(q);
        free(ids);
        tui_set_status(t, true, "Out of memory for the search.");
        return;
    }
    snprintf(q->needle, sizeof q->needle, "%s", text);
    sw_monitor_search_calls(t->mon, q);
    memcpy(ids, q->ids, q->nids * sizeof *ids);
    qsort(ids, q->nids, sizeof *ids, cmp_key);
    size_t n = 0;
    for (size_t i = 0; i < q->nids; i++)
        if (!n || ids[n - 1] != ids[i])
            ids[n++] = ids[i];
    free(t->found);
    t->found = ids;
    t->nfound = n;
    t->search_on = true;
    snprintf(t->search_text, sizeof t->search_text, "%s", text);
    bool capped = q->nids >= SW_CALL_SEARCH_MAX;
    free(q);
    t->cfollow = false;
    rebuild(t);
    tui_set_status(t, false, "%zu call%s with \"%s\" in a message%s.", n, n == 1 ? "" : "s", text,
                   capped ? " (the oldest ones: narrow the search)" : "");
}

static void apply_filter(tui *t, const char *text)
{
    tui_call_filter f;
    char err[160];
    if (tui_call_filter_parse(&f, text, err, sizeof err) < 0) {
        tui_set_status(t, true, "Filter: %s", err);
        return;
    }
    t->cfilter = f;
    rebuild(t);
}

static tui_action prompt_key(tui *t, int ch)
{
    int r = tui_edit_key(t->cedit, sizeof t->cedit, ch);
    if (r > 0 && t->cprompt == '/')
        run_search(t, t->cedit);
    else if (r > 0)
        apply_filter(t, t->cedit);
    if (r != 0)
        t->cprompt = 0;
    return TUI_HANDLED;
}

static void open_prompt(tui *t, int which)
{
    t->cprompt = which;
    snprintf(t->cedit, sizeof t->cedit, "%s", which == '/' ? (t->search_on ? t->search_text : "") : t->cfilter.text);
}

static void cycle_sort(tui *t, bool reverse)
{
    if (reverse)
        t->csort_desc = !t->csort_desc;
    else
        t->csort = (tui_call_col)((t->csort + 1) % TUI_CC_COUNT);
    t->cfollow = false;
    rebuild(t);
    tui_set_status(t, false, "Sorted by %s, %s.", tui_call_col_name(t->csort),
                   t->csort_desc ? "descending" : "ascending");
}

static void save(tui *t, bool as_text)
{
    if (t->nmarked)
        tui_save_calls(t, t->marked, t->nmarked, as_text);
    else if (t->ccur < t->ncsel)
        tui_save_calls(t, &t->csel[t->ccur]->id, 1, as_text);
    else
        tui_set_status(t, true, "No call to save.");
}

static tui_action calls_key(tui *t, int ch, int h)
{
    if (t->cprompt)
        return prompt_key(t, ch);
    int page = h > 4 ? h - 3 : 1;
    long to;
    if (tui_list_key(ch, t->ccur, t->ncsel, page, false, &to)) {
        move_to(t, to);
        return TUI_HANDLED;
    }
    switch (ch) {
    case ' ': toggle_mark(t); return TUI_HANDLED;
    case '\n':
    case '\r':
    case KEY_ENTER:
    case KEY_RIGHT:
        return t->ccur < t->ncsel ? tui_open_call(t, t->csel[t->ccur]) : TUI_HANDLED;
    case '/': open_prompt(t, '/'); return TUI_HANDLED;
    case 'f': case 'F': open_prompt(t, 'f'); return TUI_HANDLED;
    case 'o': cycle_sort(t, false); return TUI_HANDLED;
    case 'O': cycle_sort(t, true); return TUI_HANDLED;
    case 's': save(t, false); return TUI_HANDLED;
    case 'S': save(t, true); return TUI_HANDLED;
    case 'a':                       /* clear the selection */
        t->nmarked = 0;
        return TUI_HANDLED;
    case 27:
        if (t->search_on || t->cfilter.text[0]) {
            t->search_on = false;
            memset(&t->cfilter, 0, sizeof t->cfilter);
            rebuild(t);
            tui_set_status(t, false, "Search and filter cleared.");
        }
        return TUI_HANDLED;
    }
    return TUI_IGNORED;
}

static tui_action calls_mouse(tui *t, const MEVENT *ev)
{
    tui_list_hit hit = tui_list_mouse(ev, t->clist_y, t->clist_rows, t->ctop, t->ncsel, t->ccur);
    if (hit.wheel)
        move_to(t, (long)t->ccur + hit.wheel);
    if (hit.row < 0)
        return TUI_HANDLED;
    move_to(t, hit.row);
    return hit.open ? tui_open_call(t, t->csel[t->ccur]) : TUI_HANDLED;
}

const tui_panel_class tui_calls_panel = {
    .name = "Calls", .draw = calls_draw, .key = calls_key, .mouse = calls_mouse,
};
