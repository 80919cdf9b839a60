/* Raw message view (the selected ladder message as captured, header names
 * highlighted, "no longer in memory" when its text was not kept; n/N step
 * through the messages) and the reference view (the built-in entry for its
 * status code or method, from sw_explain). Both scroll. */
#include "tui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/sip_reference.h"
#include "sipwatch/timefmt.h"

/* A document of wrapped lines, built from text with newlines. */
typedef struct wrapped {
    char *text;                     /* sanitised copy */
    sw_text_span *lines;
    bool *first;                    /* the line starts a line of the original */
    size_t n;
} wrapped;

static void wrap_text(const tui *t, const char *src, size_t len, int width, bool chars, wrapped *w)
{
    memset(w, 0, sizeof *w);
    w->text = malloc(len * 3 + 1);
    if (!w->text)
        return;
    sw_text_sanitize(src, len, t->utf8_text, true, w->text, len * 3 + 1);
    /* wrap each original line on its own, to know where they start */
    size_t cap = 64;
    w->lines = malloc(cap * sizeof *w->lines);
    w->first = malloc(cap * sizeof *w->first);
    if (!w->lines || !w->first)
        return;
    char *p = w->text;
    for (;;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        size_t (*wrap)(const char *, int, sw_text_span *, size_t) = chars ? sw_text_wrap_chars : sw_text_wrap_lines;
        size_t need = wrap(p, width, NULL, 0);
        if (w->n + need > cap) {
            while (w->n + need > cap)
                cap *= 2;
            sw_text_span *l = realloc(w->lines, cap * sizeof *l);
            bool *f = l ? realloc(w->first, cap * sizeof *f) : NULL;
            if (l)
                w->lines = l;
            if (!l || !f)
                return;
            w->first = f;
        }
        wrap(p, width, w->lines + w->n, need);
        for (size_t i = 0; i < need; i++) {
            w->lines[w->n + i].off += (size_t)(p - w->text);
            w->first[w->n + i] = i == 0;
        }
        w->n += need;
        if (!nl)
            break;
        p = nl + 1;
    }
}

static void wrapped_free(wrapped *w)
{
    free(w->text);
    free(w->lines);
    free(w->first);
}

static void clamp_scroll(tui *t, size_t n, int rows)
{
    int max = (int)n - rows;
    if (max < 0)
        max = 0;
    if (t->scroll > max)
        t->scroll = max;
    if (t->scroll < 0)
        t->scroll = 0;
}

static void scroll_indicator(const tui *t, int y, size_t n, int rows)
{
    if ((size_t)rows >= n)
        return;
    char pos[64];
    size_t last = (size_t)t->scroll + (size_t)rows;
    snprintf(pos, sizeof pos, " lines %d-%zu of %zu ", t->scroll + 1, last < n ? last : n, n);
    int pw = (int)strlen(pos);
    tui_put(y, t->cols - pw - 2, pw, pos, tui_attr(t, TUI_A_KEYLABEL));
}

static bool scroll_key(tui *t, int ch, int h)
{
    int page = h > 3 ? h - 3 : 1;
    switch (ch) {
    case KEY_UP: case 'k': t->scroll--; return true;
    case KEY_DOWN: case 'j': t->scroll++; return true;
    case KEY_PPAGE: t->scroll -= page; return true;
    case KEY_NPAGE: case ' ': t->scroll += page; return true;
    case KEY_HOME: case 'g': t->scroll = 0; return true;
    case KEY_END: case 'G': t->scroll = 1 << 24; return true;
    }
    return false;
}

/* ---- raw message ------------------------------------------------------------- */

static void message_draw(tui *t, int y, int h)
{
    size_t nev = t->nmsgs ? t->nmsgs : t->detail.nevidence;
    if (nev == 0 || t->mcur >= nev) {
        tui_put(y + 1, 2, t->cols - 4, "No message selected.", A_NORMAL);
        return;
    }
    const sw_evidence *ev = t->nmsgs ? &t->msgs[t->mcur].ev : &t->detail.evidence[t->mcur];
    const char *text = t->nmsgs ? t->msgs[t->mcur].text : NULL;
    size_t text_len = t->nmsgs ? t->msgs[t->mcur].text_len : 0;

    char label[64], when[SW_TIME_STRLEN], src[SW_ENDPOINT_STRLEN], dst[SW_ENDPOINT_STRLEN], title[320];
    tui_ladder_label(ev, label, sizeof label, true);
    sw_time_iso(ev->ts, when, sizeof when);
    sw_endpoint_format(&ev->src, src, sizeof src);
    sw_endpoint_format(&ev->dst, dst, sizeof dst);
    snprintf(title, sizeof title, "%s  (message %zu of %zu, frame %llu)", label, t->mcur + 1, nev,
             (unsigned long long)ev->frame);
    tui_put(y, 1, t->cols - 2, title, A_BOLD);
    tui_putf(y + 1, 1, t->cols - 2, A_NORMAL, "%s  %s %s %s  %s", when, src, t->utf8 ? "\u2192" : "->", dst,
             sw_transport_name((sw_transport)ev->transport));
    tui_rule(t, y + 2, 0, t->cols, NULL, 0);
    int top = y + 3, rows = h - 3;
    if (rows < 1)
        return;
    if (!text) {
        tui_put(top + 1, 2, t->cols - 4, "The text of this message is no longer in memory.", tui_attr(t, TUI_A_WARN));
        tui_put(top + 2, 2, t->cols - 4,
                "Only its summary above was kept; save the finding's packets earlier with s next time.",
                A_NORMAL);
        return;
    }
    wrapped w;
    wrap_text(t, text, text_len, t->cols - 4, true, &w);
    if (!w.lines || !w.first) {
        wrapped_free(&w);
        return;
    }
    clamp_scroll(t, w.n, rows);
    bool in_body = false;
    /* header or body: everything after the first empty line is the body */
    for (size_t i = 0; i < w.n && i < (size_t)t->scroll; i++)
        if (w.first[i] && w.lines[i].len == 0 && i > 0)
            in_body = true;
    for (int r = 0; r < rows; r++) {
        size_t i = (size_t)t->scroll + (size_t)r;
        if (i >= w.n)
            break;
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)w.lines[i].len, w.text + w.lines[i].off);
        if (w.first[i] && w.lines[i].len == 0 && i > 0)
            in_body = true;
        int yy = top + r;
        if (i == 0) {
            tui_put(yy, 1, t->cols - 2, line, A_BOLD);
            continue;
        }
        char *colon = w.first[i] && !in_body && line[0] != ' ' ? strchr(line, ':') : NULL;
        if (colon) {
            size_t nl = (size_t)(colon - line) + 1;
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), line);
            int x = 1 + tui_put(yy, 1, t->cols - 2, name, tui_attr(t, TUI_A_HEADERNAME));
            tui_put(yy, x, t->cols - 1 - x, colon + 1, A_NORMAL);
        } else {
            int x = w.first[i] ? 1 : 3;     /* continuation of a long line */
            tui_put(yy, x, t->cols - 1 - x, line, A_NORMAL);
        }
    }
    scroll_indicator(t, y + 2, w.n, rows);
    wrapped_free(&w);
}

static tui_action message_key(tui *t, int ch, int h)
{
    size_t nev = t->nmsgs ? t->nmsgs : t->detail.nevidence;
    if (scroll_key(t, ch, h))
        return TUI_HANDLED;
    switch (ch) {
    case 'n':
    case ']':
        if (t->mcur + 1 < nev) {
            t->mcur++;
            t->scroll = 0;
        }
        return TUI_HANDLED;
    case 'N':
    case '[':
        if (t->mcur > 0) {
            t->mcur--;
            t->scroll = 0;
        }
        return TUI_HANDLED;
    case 'e':
    case 'E':
        if (t->mcur < nev)
            return tui_reference_open(t, t->nmsgs ? &t->msgs[t->mcur].ev : &t->detail.evidence[t->mcur]);
        return TUI_HANDLED;
    case 's':
    case 'S':
        if (t->detail_call)
            tui_save_calls(t, &t->detail_call, 1, ch == 'S');
        else
            tui_save_finding(t, t->detail_id);
        return TUI_HANDLED;
    }
    return TUI_IGNORED;
}

/* ---- reference --------------------------------------------------------------- */

tui_action tui_reference_open(tui *t, const sw_evidence *ev)
{
    char term[32];
    if (ev->status)
        snprintf(term, sizeof term, "%u", (unsigned)ev->status);
    else if (ev->method != SW_METHOD_OTHER)
        snprintf(term, sizeof term, "%s", sw_sip_method_name((sw_sip_method)ev->method));
    else {
        tui_set_status(t, true, "No reference entry for this method.");
        return TUI_HANDLED;
    }
    char *out = NULL, *errs = NULL;
    size_t outlen = 0, errlen = 0;
    FILE *fo = open_memstream(&out, &outlen);
    FILE *fe = open_memstream(&errs, &errlen);
    if (!fo || !fe) {
        if (fo)
            fclose(fo);
        if (fe)
            fclose(fe);
        free(out);
        free(errs);
        tui_set_status(t, true, "Out of memory.");
        return TUI_HANDLED;
    }
    int width = t->cols - 2;
    if (width > 100)
        width = 100;
    char *terms[1] = {term};
    int rc = sw_explain(fo, fe, 1, terms, width);
    fclose(fo);
    fclose(fe);
    if (rc != 0 || !out || !outlen) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", errs && errs[0] ? errs : "no reference entry");
        msg[strcspn(msg, "\n")] = '\0';
        tui_set_status(t, true, "%s", msg);
        free(out);
        free(errs);
        return TUI_HANDLED;
    }
    free(errs);
    free(t->ref_text);
    t->ref_text = out;
    snprintf(t->ref_title, sizeof t->ref_title, "Reference: %s", term);
    return tui_act(TUI_ACT_PUSH, TUI_VIEW_REFERENCE);
}

static void reference_draw(tui *t, int y, int h)
{
    tui_put(y, 1, t->cols - 2, t->ref_title, tui_attr(t, TUI_A_TITLE));
    tui_put(y, 1 + (int)strlen(t->ref_title), t->cols - 2 - (int)strlen(t->ref_title),
            "  (built-in SIP reference, as sipwatch --explain)", tui_attr(t, TUI_A_DIM));
    tui_rule(t, y + 1, 0, t->cols, NULL, 0);
    if (!t->ref_text)
        return;
    wrapped w;
    wrap_text(t, t->ref_text, strlen(t->ref_text), t->cols - 2, false, &w);
    if (!w.lines || !w.first) {
        wrapped_free(&w);
        return;
    }
    int rows = h - 2;
    clamp_scroll(t, w.n, rows);
    for (int r = 0; r < rows; r++) {
        size_t i = (size_t)t->scroll + (size_t)r;
        if (i >= w.n)
            break;
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)w.lines[i].len, w.text + w.lines[i].off);
        tui_put(y + 2 + r, 1, t->cols - 2, line, i == 0 ? A_BOLD : A_NORMAL);
    }
    scroll_indicator(t, y + 1, w.n, rows);
    wrapped_free(&w);
}

static tui_action reference_key(tui *t, int ch, int h)
{
    return scroll_key(t, ch, h) ? TUI_HANDLED : TUI_IGNORED;
}

const tui_panel_class tui_message_panel = {.name = "Message", .draw = message_draw, .key = message_key};
const tui_panel_class tui_reference_panel = {.name = "Reference", .draw = reference_draw, .key = reference_key};
