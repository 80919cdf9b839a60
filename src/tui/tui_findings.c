/* Findings table: severity (coloured), rule, count, last seen, state and
 * summary, critical and recent first, resolved ones dimmed; below it a
 * preview of the selected finding (summary and the start of the fix). Keys:
 * moving, Enter, '/' text filter prompt, 'f' severity/rule filter, 's'. */
#include "tui_internal.h"

#include <stdio.h>
#include <string.h>

#include "sipwatch/timefmt.h"

static void reselect(tui *t)
{
    if (t->follow_top) {            /* the cursor on the top row follows the worst finding */
        t->cur = 0;
        t->sel_id = t->nsel ? t->sel[0]->id : 0;
        return;
    }
    long i = t->sel_id ? tui_find_id(t->sel, t->nsel, t->sel_id) : -1;
    if (i >= 0) {
        t->cur = (size_t)i;
    } else {
        if (t->cur >= t->nsel)
            t->cur = t->nsel ? t->nsel - 1 : 0;
        if (!t->sel_id)
            t->cur = 0;             /* nothing chosen yet: follow the top (worst) one */
    }
    t->sel_id = t->cur < t->nsel ? t->sel[t->cur]->id : 0;
}

void tui_rebuild_selection(tui *t)
{
    t->nsel = tui_select_findings(t->findings, t->nfindings, &t->filter, t->sel);
    reselect(t);
}

static void move_to(tui *t, long i)
{
    if (t->nsel == 0)
        return;
    if (i < 0)
        i = 0;
    if (i >= (long)t->nsel)
        i = (long)t->nsel - 1;
    t->cur = (size_t)i;
    t->sel_id = t->sel[t->cur]->id;
    t->follow_top = t->cur == 0;
}

static void clock_hms(sw_time_us ts, char *out, size_t len)
{
    char iso[SW_TIME_STRLEN];
    sw_time_iso(ts, iso, sizeof iso);
    snprintf(out, len, "%.8s", strlen(iso) > 11 ? iso + 11 : "");
}

/* The preview takes two fifths of the list area, more when the table has
 * few rows, never more than it needs. */
static int preview_height(const tui *t, int h)
{
    if (h < 14 || t->cur >= t->nsel)
        return 0;
    int p = h * 2 / 5;
    if (p > 10)
        p = 10;
    size_t shown = t->nsel < 3 ? 3 : t->nsel;
    if ((int)shown < h - 1 - p)
        p = h - 1 - (int)shown;
    const sw_finding *f = t->sel[t->cur];
    int w = t->cols - 2;
    int need = 1 + (int)sw_text_wrap_lines(f->summary, w, NULL, 0);
    if (need > 4)
        need = 4;
    char both[4096];
    snprintf(both, sizeof both, "What to do: %s", f->suggestion);
    need += (int)sw_text_wrap_lines(both, w, NULL, 0);
    if (p > need)
        p = need;
    return p;
}

static void draw_preview(tui *t, const sw_finding *f, int y, int h)
{
    char title[160];
    snprintf(title, sizeof title, "#%llu %s: %s, %s", (unsigned long long)f->id, f->rule ? f->rule : "?",
             sw_severity_name(f->severity), f->state == SW_FINDING_OPEN ? "open" : "resolved");
    tui_rule(t, y, 0, t->cols, title, tui_attr(t, tui_severity_role(f->severity)));
    int w = t->cols - 2;
    char text[4096];
    sw_text_span lines[64];
    int row = y + 1, end = y + h;
    sw_text_sanitize(f->summary, strlen(f->summary), t->utf8_text, false, text, sizeof text);
    size_t n = sw_text_wrap_lines(text, w, lines, 64);
    int max_summary = h - 3 > 3 ? 3 : h - 3 > 1 ? h - 3 : 1;
    for (size_t i = 0; i < n && i < 64 && row < end && (int)i < max_summary; i++, row++) {
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)lines[i].len, text + lines[i].off);
        tui_put(row, 1, w, line, A_BOLD);
    }
    if (row >= end)
        return;
    const char *fix = f->state == SW_FINDING_RESOLVED && f->resolution[0] ? f->resolution : f->suggestion;
    const char *label = f->state == SW_FINDING_RESOLVED && f->resolution[0] ? "Resolved: " : "What to do: ";
    char both[4096];
    snprintf(both, sizeof both, "%s%s", label, fix);
    sw_text_sanitize(both, strlen(both), t->utf8_text, false, text, sizeof text);
    n = sw_text_wrap_lines(text, w, lines, 64);
    for (size_t i = 0; i < n && i < 64 && row < end; i++, row++) {
        char line[1024];
        bool last = row == end - 1 && i + 1 < n;
        int len = (int)lines[i].len;
        snprintf(line, sizeof line, "%.*s", len, text + lines[i].off);
        int x = 1;
        if (i == 0) {
            x += tui_put(row, x, w, label, tui_attr(t, TUI_A_SECTION));
            x += tui_put(row, x, w - (x - 1), line + strlen(label), A_NORMAL);
        } else {
            if (last) {
                const char *more = " ... Enter: all";
                int mw = (int)strlen(more);
                tui_put(row, x, w - mw, line, A_NORMAL);
                tui_put(row, t->cols - 1 - mw, mw, more, tui_attr(t, TUI_A_KEY));
                break;
            }
            tui_put(row, x, w, line, A_NORMAL);
        }
    }
}

static void findings_draw(tui *t, int y, int h)
{
    int cols = t->cols;
    int ph = t->nsel ? preview_height(t, h) : 0;
    int th = h - ph;                /* table: column header + rows */
    if (th < 2)
        th = 2;

    /* column widths */
    int rule_w = 4;
    for (size_t i = 0; i < t->nsel; i++) {
        int l = t->sel[i]->rule ? (int)strlen(t->sel[i]->rule) : 1;
        if (l > rule_w)
            rule_w = l;
    }
    if (rule_w > 20)
        rule_w = 20;
    bool wide = cols >= 120;
    int sev_w = wide ? 8 : 4;
    int x_sev = 1, x_rule = x_sev + sev_w + 1, x_count = x_rule + rule_w + 1, x_last = x_count + 7,
        x_state = x_last + 9, x_sum = x_state + 9;

    /* column header, with the filter on the right */
    attr_t ha = tui_attr(t, TUI_A_COLHEAD);
    tui_fill(y, 0, cols, ha);
    tui_put(y, x_sev, sev_w, "SEV", ha);
    tui_put(y, x_rule, rule_w, "RULE", ha);
    tui_put(y, x_count, 6, " COUNT", ha);
    tui_put(y, x_last, 8, "LAST", ha);
    tui_put(y, x_state, 8, "STATE", ha);
    tui_put(y, x_sum, cols - x_sum, "SUMMARY", ha);
    char desc[160], right[200];
    tui_filter_describe(&t->filter, desc, sizeof desc);
    if (desc[0])
        snprintf(right, sizeof right, " filter: %s  %zu of %zu ", desc, t->nsel, t->nfindings);
    else if (t->nsel)
        snprintf(right, sizeof right, " %zu/%zu ", t->cur + 1, t->nsel);
    else
        right[0] = '\0';
    int rw = sw_text_width(right);
    if (x_sum + 8 + rw < cols)
        tui_put(y, cols - rw, rw, right, desc[0] ? tui_attr(t, TUI_A_PAUSED) : ha);

    int rows = th - 1;
    t->list_y = y + 1;
    t->list_rows = rows;
    if (t->nsel == 0) {
        int my = y + 2;
        if (t->nfindings == 0) {
            char num[32];
            if (!t->ctr.live && !t->ctr.finished)
                tui_put(my, 2, cols - 4, "Analysing the capture... no problem found so far.", A_BOLD);
            else if (!t->ctr.sip_messages && t->ctr.finished)
                tui_put(my, 2, cols - 4, "No verdict: no SIP message was seen, so nothing could be checked.",
                        tui_attr(t, TUI_A_WARN) | A_BOLD);
            else if (t->ctr.truncated || t->ctr.tls_connections || t->ctr.flows_evicted)
                tui_putf(my, 2, cols - 4, tui_attr(t, TUI_A_WARN) | A_BOLD,
                         "No problem found in the %s SIP messages that could be inspected (see Not inspected).",
                         tui_fmt_count(t->ctr.sip_messages, num, sizeof num));
            else
                tui_putf(my, 2, cols - 4, tui_attr(t, TUI_A_OK) | A_BOLD,
                         "No problem found: %s SIP messages analysed, every rule is quiet.",
                         tui_fmt_count(t->ctr.sip_messages, num, sizeof num));
            tui_put(my + 2, 2, cols - 4,
                    t->ctr.live ? "Findings appear here as soon as a rule fires. ? shows the keys."
                                : "? shows the keys; q quits.",
                    A_NORMAL);
        } else {
            tui_putf(my, 2, cols - 4, tui_attr(t, TUI_A_WARN), "No finding matches the filter (%s).", desc);
            tui_put(my + 2, 2, cols - 4, "Esc clears the filter; / edits the text, f cycles severity and rule, h shows resolved.",
                    A_NORMAL);
        }
        return;
    }

    /* keep the cursor visible */
    if (rows < 1)
        rows = 1;
    if (t->cur < t->top)
        t->top = t->cur;
    if (t->cur >= t->top + (size_t)rows)
        t->top = t->cur - (size_t)rows + 1;
    if (t->top + (size_t)rows > t->nsel)
        t->top = t->nsel > (size_t)rows ? t->nsel - (size_t)rows : 0;

    for (int r = 0; r < rows; r++) {
        size_t i = t->top + (size_t)r;
        if (i >= t->nsel)
            break;
        const sw_finding *f = t->sel[i];
        int ry = y + 1 + r;
        bool selected = i == t->cur;
        bool resolved = f->state == SW_FINDING_RESOLVED;
        attr_t base = selected ? tui_attr(t, TUI_A_SELECTED) : resolved ? tui_attr(t, TUI_A_DIM) : A_NORMAL;
        if (selected)
            tui_fill(ry, 0, cols, base);
        attr_t sev_attr;
        if (selected)
            sev_attr = base | A_BOLD;
        else if (resolved)
            sev_attr = tui_attr(t, TUI_A_DIM);
        else if (f->severity == SW_SEV_CRITICAL)
            sev_attr = tui_attr(t, TUI_A_CRIT_BADGE);
        else
            sev_attr = tui_attr(t, tui_severity_role(f->severity));
        static const char *const sev_short[3] = {"INFO", "WARN", "CRIT"};
        const char *sev = wide ? sw_severity_name(f->severity) : sev_short[f->severity <= SW_SEV_CRITICAL ? f->severity : 0];
        char sevbuf[16];
        snprintf(sevbuf, sizeof sevbuf, "%-*s", sev_w, sev);
        for (char *p = sevbuf; wide && *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        tui_put(ry, x_sev, sev_w, sevbuf, sev_attr);
        tui_put(ry, x_rule, rule_w, f->rule ? f->rule : "?", selected ? base | A_BOLD : base);
        char num[32], cnt[16], hms[16];
        snprintf(cnt, sizeof cnt, "%6s", tui_fmt_count(f->count, num, sizeof num));
        tui_put(ry, x_count, 6, cnt, base);
        clock_hms(f->last_seen, hms, sizeof hms);
        tui_put(ry, x_last, 8, hms, base);
        tui_put(ry, x_state, 8, resolved ? "resolved" : "open",
                selected ? base : resolved ? tui_attr(t, TUI_A_DIM) : A_BOLD);
        int sw = cols - x_sum - 1;
        char sum[1024];
        sw_text_sanitize(f->summary, strlen(f->summary), t->utf8_text, false, sum, sizeof sum);
        int used;
        size_t fit = sw_text_fit(sum, sw, &used);
        if (fit < strlen(sum) && sw > 1) {
            fit = sw_text_fit(sum, sw - 1, &used);
            sum[fit] = '\0';
            int x = x_sum + tui_put(ry, x_sum, sw - 1, sum, base);
            tui_put(ry, x, 1, tui_glyph_ellipsis(t), base);
        } else {
            tui_put(ry, x_sum, sw, sum, base);
        }
    }
    if (ph && t->cur < t->nsel) {
        /* right under the rows when the table is short, else at the bottom */
        int py = y + th;
        if ((int)t->nsel + 2 < rows)
            py = y + 1 + (int)t->nsel + 1;
        draw_preview(t, t->sel[t->cur], py, ph);
    }
}

static void edit_key(tui *t, int ch)
{
    int r = tui_edit_key(t->filter.text, sizeof t->filter.text, ch);
    if (r < 0)                      /* Esc: back to the text before editing */
        snprintf(t->filter.text, sizeof t->filter.text, "%s", t->edit_saved);
    if (r != 0)
        t->editing = false;
    t->sel_id = 0;
    t->cur = 0;
    t->top = 0;
    tui_rebuild_selection(t);
}

static tui_action findings_key(tui *t, int ch, int h)
{
    (void)h;
    if (t->editing) {
        edit_key(t, ch);
        return TUI_HANDLED;
    }
    int page = t->list_rows > 1 ? t->list_rows - 1 : 1;
    long to;
    if (tui_list_key(ch, t->cur, t->nsel, page, true, &to)) {
        move_to(t, to);
        return TUI_HANDLED;
    }
    switch (ch) {
    case '\n':
    case '\r':
    case KEY_ENTER:
    case KEY_RIGHT:
        return t->cur < t->nsel ? tui_open_detail(t, t->sel[t->cur]) : TUI_HANDLED;
    case '/':
        t->editing = true;
        snprintf(t->edit_saved, sizeof t->edit_saved, "%s", t->filter.text);
        return TUI_HANDLED;
    case 'f':
    case 'F': {
        tui_filter_cycle(&t->filter, t->findings, t->nfindings);
        tui_rebuild_selection(t);
        char desc[160];
        tui_filter_describe(&t->filter, desc, sizeof desc);
        tui_set_status(t, false, "Filter: %s", desc[0] ? desc : "none (all findings)");
        return TUI_HANDLED;
    }
    case 27:                        /* Esc: clear the filters */
        if (t->filter.text[0] || t->filter.severity >= 0 || t->filter.rule[0]) {
            t->filter.text[0] = '\0';
            t->filter.severity = -1;
            t->filter.rule[0] = '\0';
            tui_rebuild_selection(t);
            tui_set_status(t, false, "Filter cleared.");
        }
        return TUI_HANDLED;
    case 's':
    case 'S':
        if (t->cur < t->nsel)
            tui_save_finding(t, t->sel[t->cur]->id);
        else
            tui_set_status(t, true, "No finding selected to save.");
        return TUI_HANDLED;
    }
    return TUI_IGNORED;
}

static tui_action findings_mouse(tui *t, const MEVENT *ev)
{
    tui_list_hit hit = tui_list_mouse(ev, t->list_y, t->list_rows, t->top, t->nsel, t->cur);
    if (hit.wheel)
        move_to(t, (long)t->cur + hit.wheel);
    if (hit.row < 0)
        return TUI_HANDLED;
    move_to(t, hit.row);
    return hit.open ? tui_open_detail(t, t->sel[t->cur]) : TUI_HANDLED;
}

const tui_panel_class tui_findings_panel = {
    .name = "Findings", .draw = findings_draw, .key = findings_key, .mouse = findings_mouse,
};
