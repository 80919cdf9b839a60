/* Call-flow ladder: a finding's messages as arrows between endpoint
 * columns, with the time on the left, the method or status on the arrow and
 * a note on the right; challenges, credentials and the messages a rule
 * marked are highlighted. Layout and cells are pure; drawing is in
 * tui_detail.c. */
#include "tui_ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/sip_reference.h"
#include "sipwatch/timefmt.h"
#include "tui_text.h"

void tui_ladder_label(const sw_evidence *ev, char *buf, size_t len, bool with_reason)
{
    if (ev->status == 0) {
        snprintf(buf, len, "%s", sw_sip_method_name((sw_sip_method)ev->method));
        return;
    }
    const sw_status_ref *ref = with_reason ? sw_reference_status(ev->status) : NULL;
    if (ref && ref->reason)
        snprintf(buf, len, "%u %s", (unsigned)ev->status, ref->reason);
    else
        snprintf(buf, len, "%u", (unsigned)ev->status);
}

static int column_of(const tui_ladder *l, const sw_endpoint *ep)
{
    for (int i = 0; i < l->ncols; i++) {
        if (l->merged && i == l->ncols - 1)
            return i;               /* anything not yet placed is "others" */
        if (l->cols[i].ep.port == ep->port && sw_ip_equal(&l->cols[i].ep.ip, &ep->ip))
            return i;
    }
    return l->ncols - 1;
}

static bool same_ep(const sw_endpoint *a, const sw_endpoint *b)
{
    return a->port == b->port && sw_ip_equal(&a->ip, &b->ip);
}

/* Collects distinct endpoints in order of appearance; returns how many. */
static size_t distinct_endpoints(const sw_evidence *ev, size_t n, sw_endpoint *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_endpoint *e[2] = {&ev[i].src, &ev[i].dst};
        for (int j = 0; j < 2; j++) {
            bool seen = false;
            for (size_t m = 0; m < k && m < max; m++)
                if (same_ep(&out[m], e[j]))
                    seen = true;
            if (!seen) {
                if (k < max)
                    out[k] = *e[j];
                k++;
            }
        }
    }
    return k;
}

static void make_note(const sw_evidence *ev, const sw_evidence *all, size_t n, size_t idx,
                      tui_mark *mark, char *note, size_t notelen)
{
    const char *words[3];
    int nw = 0;
    char frag[16];
    tui_mark m = TUI_MARK_NONE;
    bool refer_ok = ev->status >= 200 && ev->status < 300 && ev->method == SW_METHOD_REFER;
    bool no_notify = false;
    if (refer_ok) {
        no_notify = true;
        for (size_t j = idx + 1; j < n; j++)
            if (all[j].status == 0 && all[j].method == SW_METHOD_NOTIFY)
                no_notify = false;
    }
    /* a NOTIFY reporting a provisional sipfrag, and none after it */
    bool no_final = false;
    if (ev->status == 0 && ev->method == SW_METHOD_NOTIFY && ev->sipfrag >= 10 && ev->sipfrag < 20) {
        no_final = true;
        for (size_t j = idx + 1; j < n; j++)
            if (all[j].status == 0 && all[j].method == SW_METHOD_NOTIFY)
                no_final = false;
    }
    bool challenge = (ev->flags & SW_EVF_CHALLENGE) || ev->status == 401 || ev->status == 407;
    if (ev->flags & SW_EVF_KEY)
        m = TUI_MARK_KEY;
    else if (no_notify || no_final)
        m = TUI_MARK_KEY;
    else if (challenge)
        m = TUI_MARK_CHALLENGE;
    else if (ev->flags & SW_EVF_CREDENTIALS)
        m = TUI_MARK_CREDENTIALS;
    else if (ev->flags & (SW_EVF_RETRANSMISSION | SW_EVF_DUPLICATE))
        m = TUI_MARK_REPEAT;
    else if (ev->status >= 400)
        m = TUI_MARK_ERROR;
    else if (ev->status >= 200 && ev->status < 300)
        m = TUI_MARK_OK;
    else if (ev->status >= 100 && ev->status < 200)
        m = TUI_MARK_PROVISIONAL;

    if (no_notify)
        words[nw++] = "no NOTIFY!";
    if (no_final) {
        snprintf(frag, sizeof frag, "stuck at %u!", (unsigned)ev->sipfrag * 10);
        words[nw++] = frag;
    }
    if (challenge)
        words[nw++] = "challenge";
    if ((ev->flags & SW_EVF_CREDENTIALS) && nw < 3)
        words[nw++] = "credentials";
    if ((ev->flags & SW_EVF_DUPLICATE) && nw < 3)
        words[nw++] = "duplicate";
    else if ((ev->flags & SW_EVF_RETRANSMISSION) && nw < 3)
        words[nw++] = "retransmit";
    if (ev->status == 0 && ev->method == SW_METHOD_NOTIFY && ev->sipfrag && !no_final && nw < 3) {
        snprintf(frag, sizeof frag, "sipfrag %u", (unsigned)ev->sipfrag * 10);
        words[nw++] = frag;
    }
    if (nw == 0 && m == TUI_MARK_KEY)
        words[nw++] = "key";
    note[0] = '\0';
    size_t o = 0;
    for (int i = 0; i < nw && o < notelen; i++) {
        int w = snprintf(note + o, notelen - o, "%s%s", i ? "," : "", words[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    *mark = m;
}

void tui_ladder_add_notes(tui_ladder *l, const char *const *sdp)
{
    bool any = false;
    for (size_t i = 0; i < l->nrows; i++) {
        if (!sdp[i] || !sdp[i][0])
            continue;
        any = true;
        size_t o = strlen(l->rows[i].note);
        snprintf(l->rows[i].note + o, sizeof l->rows[i].note - o, "%s%s", o ? " " : "", sdp[i]);
    }
    if (any && l->note_w && l->width - l->note_x > l->note_w)
        l->note_w = l->width - l->note_x;
}

static int layout(tui_ladder *l, const sw_evidence *ev, size_t n, int width, int want_note)
{
    memset(l, 0, sizeof *l);
    if (width < 20)
        width = 20;
    l->width = width;
    l->time_w = width >= 70 ? 15 : 12;      /* HH:MM:SS.ffffff or HH:MM:SS.mmm */
    l->diag_x = l->time_w + 1;
    int rest = width - l->diag_x;
    if (rest >= 60) {
        l->note_w = width >= 120 ? 24 : 16;
        if (want_note > l->note_w && rest - want_note >= 60)
            l->note_w = want_note;
        l->note_x = width - l->note_w;
        l->diag_w = l->note_x - l->diag_x - 1;
    } else {
        l->note_w = 0;
        l->note_x = width;
        l->diag_w = rest;
    }
    if (n == 0)
        return 0;
    l->rows = calloc(n, sizeof *l->rows);
    if (!l->rows)
        return -1;
    l->nrows = n;

    /* columns */
    sw_endpoint eps[TUI_LADDER_MAX_COLS + 1];
    size_t neps = distinct_endpoints(ev, n, eps, TUI_LADDER_MAX_COLS + 1);
    int maxcols = l->diag_w / 8;
    if (maxcols > TUI_LADDER_MAX_COLS)
        maxcols = TUI_LADDER_MAX_COLS;
    if (maxcols < 2)
        maxcols = 2;
    if (neps > (size_t)maxcols) {
        l->ncols = maxcols;
        l->merged = true;
    } else {
        l->ncols = (int)neps;
    }
    /* lifelines spread over the diagram, the outer ones just far enough in
     * for their names */
    /* wide screens: no arrow longer than it needs to be; the notes follow */
    int cap = l->ncols * 34;
    if (l->diag_w > cap) {
        l->diag_w = cap;
        if (l->note_w) {
            int keep = l->note_w > 24 ? l->note_w : 24;
            l->note_x = l->diag_x + l->diag_w + 2;
            l->note_w = width - l->note_x < keep ? width - l->note_x : keep;
        }
    }
    int spacing = l->diag_w / l->ncols;
    int longest = 0;
    for (int i = 0; i < l->ncols; i++) {
        char buf[SW_ENDPOINT_STRLEN];
        int len = (l->merged && i == l->ncols - 1) ? 6 : (int)strlen(sw_endpoint_format(&eps[i], buf, sizeof buf));
        if (len > longest)
            longest = len;
    }
    int margin = longest / 2 + 1;
    if (margin > spacing / 2)
        margin = spacing / 2;
    for (int i = 0; i < l->ncols; i++) {
        tui_ladder_col *c = &l->cols[i];
        if (l->ncols == 1)
            c->x = l->diag_x + l->diag_w / 2;
        else
            c->x = l->diag_x + margin + i * (l->diag_w - 1 - 2 * margin) / (l->ncols - 1);
        if (l->merged && i == l->ncols - 1) {
            memset(&c->ep, 0, sizeof c->ep);
            snprintf(c->name, sizeof c->name, "others");
        } else {
            c->ep = eps[i];
            char buf[SW_ENDPOINT_STRLEN];
            snprintf(c->name, sizeof c->name, "%s", sw_endpoint_format(&eps[i], buf, sizeof buf));
        }
    }

    /* rows */
    for (size_t i = 0; i < n; i++) {
        tui_ladder_row *r = &l->rows[i];
        r->ev = ev[i];
        r->from = column_of(l, &ev[i].src);
        r->to = column_of(l, &ev[i].dst);
        int xa = l->cols[r->from].x, xb = l->cols[r->to].x;
        if (r->from == r->to) {
            r->rightward = false;
            r->x0 = xa + 1;
            r->x1 = xa + 2;
        } else {
            r->rightward = xb > xa;
            r->x0 = (xa < xb ? xa : xb) + 1;
            r->x1 = (xa < xb ? xb : xa) - 1;
        }
        make_note(&ev[i], ev, n, i, &r->mark, r->note, sizeof r->note);
        /* the longest label that fits on the arrow with a space either side
         * and the arrow's ends visible */
        int span = r->x1 - r->x0 + 1;
        char full[48], brief[48];
        tui_ladder_label(&ev[i], full, sizeof full, true);
        tui_ladder_label(&ev[i], brief, sizeof brief, false);
        if (r->from == r->to)
            span = l->diag_x + l->diag_w - r->x0 - 3;
        if ((int)strlen(full) + 4 <= span)
            snprintf(r->label, sizeof r->label, "%s", full);
        else if ((int)strlen(brief) + 4 <= span)
            snprintf(r->label, sizeof r->label, "%s", brief);
        else if (span - 4 >= 3)
            snprintf(r->label, sizeof r->label, "%.*s", span - 4, brief);
        else
            r->label[0] = '\0';
    }
    return 0;
}

int tui_ladder_layout(tui_ladder *l, const sw_evidence *ev, size_t n, int width)
{
    return layout(l, ev, n, width, 0);
}

int tui_ladder_layout_notes(tui_ladder *l, const sw_evidence *ev, size_t n, int width, int note_w)
{
    return layout(l, ev, n, width, note_w);
}

void tui_ladder_free(tui_ladder *l)
{
    free(l->rows);
    l->rows = NULL;
    l->nrows = 0;
}

static void put(tui_cell *cells, int ncells, int x, const char *g, tui_cell_role role)
{
    if (x < 0 || x >= ncells)
        return;
    snprintf(cells[x].g, sizeof cells[x].g, "%s", g);
    cells[x].role = (unsigned char)role;
}

/* ASCII text into cells (one byte per cell; names and labels are ASCII). */
static void put_text(tui_cell *cells, int ncells, int x, const char *s, int maxw, tui_cell_role role)
{
    for (int i = 0; s[i] && i < maxw; i++) {
        char g[2] = {s[i], '\0'};
        put(cells, ncells, x + i, g, role);
    }
}

static int clear_cells(const tui_ladder *l, tui_cell *cells, int ncells)
{
    int n = l->width < ncells ? l->width : ncells;
    for (int i = 0; i < n; i++) {
        cells[i].g[0] = ' ';
        cells[i].g[1] = '\0';
        cells[i].role = TUI_CELL_BLANK;
    }
    return n;
}

int tui_ladder_header_cells(const tui_ladder *l, bool utf8, tui_cell *cells, int ncells)
{
    (void)utf8;
    int n = clear_cells(l, cells, ncells);
    put_text(cells, n, 0, "time", l->time_w, TUI_CELL_ENDPOINT);
    for (int i = 0; i < l->ncols; i++) {
        const char *name = l->cols[i].name;
        int len = (int)strlen(name);
        /* room: up to half way to the neighbours */
        int left = i > 0 ? l->cols[i].x - l->cols[i - 1].x : 2 * (l->cols[i].x - l->diag_x) + 1;
        int right = i + 1 < l->ncols ? l->cols[i + 1].x - l->cols[i].x : 2 * (l->diag_x + l->diag_w - l->cols[i].x);
        int room = (left < right ? left : right) - 1;
        if (room < 1)
            room = 1;
        if (len > room) {
            name += len - room;     /* keep the end: the port tells endpoints apart */
            len = room;
        }
        int x = l->cols[i].x - len / 2;
        if (x < l->diag_x)
            x = l->diag_x;
        if (x + len > l->diag_x + l->diag_w)
            x = l->diag_x + l->diag_w - len;
        put_text(cells, n, x, name, len, TUI_CELL_ENDPOINT);
    }
    if (l->note_w)
        put_text(cells, n, l->note_x, "note", l->note_w, TUI_CELL_ENDPOINT);
    return n;
}

int tui_ladder_row_cells(const tui_ladder *l, size_t row, bool utf8, tui_cell *cells, int ncells)
{
    int n = clear_cells(l, cells, ncells);
    if (row >= l->nrows)
        return n;
    const tui_ladder_row *r = &l->rows[row];
    const char *vline = utf8 ? "\u2502" : "|";
    const char *hline = utf8 ? "\u2500" : "-";
    const char *rhead = utf8 ? "\u25ba" : ">";
    const char *lhead = utf8 ? "\u25c4" : "<";

    char iso[SW_TIME_STRLEN];
    sw_time_iso(r->ev.ts, iso, sizeof iso);
    if (l->delta && row > 0) {
        sw_time_us prev = l->rows[row - 1].ev.ts;
        double d = r->ev.ts >= prev ? (double)(r->ev.ts - prev) / 1e6 : 0;
        char buf[32];
        if (d < 1000)
            snprintf(buf, sizeof buf, "+%.*f", l->time_w >= 15 ? 6 : 3, d);
        else
            snprintf(buf, sizeof buf, "+%.0fs", d);
        put_text(cells, n, 0, buf, l->time_w, TUI_CELL_TIME);
    } else if (strlen(iso) > 11) {
        put_text(cells, n, 0, iso + 11, l->time_w, TUI_CELL_TIME);
    }
    for (int i = 0; i < l->ncols; i++)
        put(cells, n, l->cols[i].x, vline, TUI_CELL_LIFELINE);

    if (r->from == r->to) {
        /* a message to itself (or between two merged endpoints) */
        put(cells, n, r->x0, lhead, TUI_CELL_ARROW);
        put(cells, n, r->x1, utf8 ? "\u2518" : "'", TUI_CELL_ARROW);
        put_text(cells, n, r->x1 + 2, r->label, (int)strlen(r->label), TUI_CELL_LABEL);
    } else {
        for (int x = r->x0; x <= r->x1; x++)
            put(cells, n, x, hline, TUI_CELL_ARROW);
        if (r->rightward)
            put(cells, n, r->x1, rhead, TUI_CELL_ARROW);
        else
            put(cells, n, r->x0, lhead, TUI_CELL_ARROW);
        int len = (int)strlen(r->label);
        if (len > 0) {
            int span = r->x1 - r->x0 + 1;
            int start = r->x0 + (span - len) / 2;
            put(cells, n, start - 1, " ", TUI_CELL_LABEL);
            put_text(cells, n, start, r->label, len, TUI_CELL_LABEL);
            put(cells, n, start + len, " ", TUI_CELL_LABEL);
        }
    }
    if (l->note_w && r->note[0])
        put_text(cells, n, l->note_x, r->note, l->note_w, TUI_CELL_NOTE);
    return n;
}

size_t tui_cells_text(const tui_cell *cells, int n, char *buf, size_t len)
{
    size_t o = 0;
    if (len == 0)
        return 0;
    for (int i = 0; i < n; i++) {
        size_t gl = strlen(cells[i].g);
        if (o + gl + 1 > len)
            break;
        memcpy(buf + o, cells[i].g, gl);
        o += gl;
    }
    buf[o] = '\0';
    return o;
}
