/* Detail view of one finding or one call: title line, then a text pane (a
 * finding's summary, fix suggestion, details and resolution; a call's
 * parties, outcome, delays and findings) and the call-flow ladder of every
 * message of the call the store still holds (a finding's own evidence when
 * the call is gone), with a cursor; Enter shows the selected message's raw
 * text, 'e' its reference entry, Tab moves the arrows between the ladder and
 * the text. */
#include "tui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/sdp.h"
#include "sipwatch/timefmt.h"

/* ---- the finding and its messages ------------------------------------------ */

void tui_detail_release(tui *t)
{
    if (t->msgs)
        sw_monitor_free_messages(t->msgs, t->nmsgs);
    t->msgs = NULL;
    t->nmsgs = 0;
}

static size_t evidence_count(const tui *t)
{
    if (t->detail_call)
        return t->nmsgs;
    return t->nmsgs ? t->nmsgs : (t->detail.nevidence <= SW_FINDING_EVIDENCE ? t->detail.nevidence : 0);
}

static const sw_evidence *evidence_at(const tui *t, size_t i)
{
    return t->nmsgs ? &t->msgs[i].ev : &t->detail.evidence[i];
}

/* The cursor on the message that matters, the first time a flow is shown. */
static void cursor_on_key(tui *t, size_t n)
{
    sw_evidence *ev = malloc(n * sizeof *ev);
    tui_ladder l;
    if (!ev)
        return;
    for (size_t i = 0; i < n; i++)
        ev[i] = *evidence_at(t, i);
    if (tui_ladder_layout(&l, ev, n, 80) == 0) {
        for (size_t i = 0; i < l.nrows; i++)
            if (l.rows[i].mark == TUI_MARK_KEY) {
                t->mcur = i;
                break;
            }
        tui_ladder_free(&l);
    }
    free(ev);
}

/* A finding's messages: the whole flow of its call when the store holds
 * more of it than the finding's evidence, with the evidence's marks. */
static void load_finding_messages(tui *t, const sw_finding *f)
{
    t->nmsgs = sw_monitor_get_messages(t->mon, f->id, &t->msgs);
    t->whole_flow = false;
    const sw_call_row *row = f->call_id[0] ? tui_call_by_callid(t, f->call_id) : NULL;
    t->msgs_call_messages = row ? row->messages : 0;
    if (!row || row->stored <= t->nmsgs)
        return;
    sw_call_message *all;
    size_t n = sw_monitor_get_call_messages(t->mon, row->id, &all);
    if (n <= t->nmsgs) {
        sw_call_store_free_messages(all, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned k = 0; k < f->nevidence && k < SW_FINDING_EVIDENCE; k++)
            if (f->evidence[k].frame == all[i].ev.frame && f->evidence[k].cseq == all[i].ev.cseq)
                all[i].ev.flags |= f->evidence[k].flags & SW_EVF_KEY;
    sw_monitor_free_messages(t->msgs, t->nmsgs);
    t->msgs = all;
    t->nmsgs = n;
    t->whole_flow = true;
}

/* Takes new messages, keeping the cursor on the same frame. */
static void reload(tui *t, const sw_finding *f, const sw_call_row *call)
{
    bool first_look = !t->msgs && t->msgs_updates == (uint32_t)-1;
    uint64_t frame = !first_look && t->mcur < evidence_count(t) ? evidence_at(t, t->mcur)->frame : 0;
    bool at_end = evidence_count(t) && t->mcur + 1 == evidence_count(t);
    tui_detail_release(t);
    if (f) {
        load_finding_messages(t, f);
        t->msgs_updates = f->updates;
    } else {
        t->nmsgs = sw_monitor_get_call_messages(t->mon, call->id, &t->msgs);
        t->msgs_call_messages = call->messages;
        t->msgs_updates = 0;
        t->whole_flow = true;
    }
    size_t n = evidence_count(t);
    t->mcur = 0;
    for (size_t i = 0; i < n; i++)
        if (frame && evidence_at(t, i)->frame == frame)
            t->mcur = i;
    if (at_end && n)
        t->mcur = n - 1;
    if (first_look && n)
        cursor_on_key(t, n);
    if (t->mcur >= n)
        t->mcur = n ? n - 1 : 0;
}

static void refresh_call(tui *t)
{
    const sw_call_row *r = tui_call_by_id(t, t->detail_call);
    if (!r) {
        t->detail_gone = true;
        return;
    }
    t->detail_gone = false;
    t->call = *r;
    if (!t->msgs || t->msgs_call_messages != r->messages)
        reload(t, NULL, r);
}

void tui_detail_refresh(tui *t)
{
    if (t->detail_call) {
        refresh_call(t);
        t->have_media = sw_monitor_get_call_media(t->mon, t->detail_call, &t->media);
        return;
    }
    const sw_finding *f = NULL;
    for (size_t i = 0; i < t->nfindings; i++)
        if (t->findings[i].id == t->detail_id)
            f = &t->findings[i];
    if (!f) {
        t->detail_gone = true;      /* keep showing the last copy */
        return;
    }
    t->detail_gone = false;
    t->detail = *f;
    const sw_call_row *row = f->call_id[0] ? tui_call_by_callid(t, f->call_id) : NULL;
    t->have_media = row && sw_monitor_get_call_media(t->mon, row->id, &t->media);
    bool call_grew = row && row->messages != t->msgs_call_messages;
    if (t->msgs && t->msgs_updates == f->updates && !call_grew)
        return;
    reload(t, f, NULL);
}

/* The detail view as it opens: nothing shown yet, cursor and scroll at the top. */
static void open_fresh(tui *t)
{
    tui_detail_release(t);
    t->detail_id = 0;
    t->detail_call = 0;
    memset(&t->detail, 0, sizeof t->detail);
    t->detail_gone = false;
    t->mcur = 0;
    t->mtop = 0;
    t->text_scroll = 0;
    t->focus_text = false;
    t->msgs_updates = (uint32_t)-1;
    t->msgs_call_messages = 0;
}

tui_action tui_open_detail(tui *t, const sw_finding *f)
{
    open_fresh(t);
    t->detail_id = f->id;
    t->detail = *f;
    tui_detail_refresh(t);
    return tui_act(TUI_ACT_PUSH, TUI_VIEW_DETAIL);
}

tui_action tui_open_call(tui *t, const sw_call_row *r)
{
    open_fresh(t);
    t->detail_call = r->id;
    t->call = *r;
    tui_detail_refresh(t);
    return tui_act(TUI_ACT_PUSH, TUI_VIEW_DETAIL);
}

/* ---- the text pane: summary, what to do, details ------------------------------ */

typedef struct doc_line {
    char text[512];
    tui_role role;
    int indent;
} doc_line;

typedef struct doc {
    doc_line *lines;
    size_t n, cap;
} doc;

static void doc_push(doc *d, const char *s, size_t len, int indent, tui_role role)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        doc_line *l = realloc(d->lines, cap * sizeof *l);
        if (!l)
            return;
        d->lines = l;
        d->cap = cap;
    }
    doc_line *l = &d->lines[d->n++];
    if (len >= sizeof l->text)
        len = sizeof l->text - 1;
    memcpy(l->text, s, len);
    l->text[len] = '\0';
    l->indent = indent;
    l->role = role;
}

static void doc_para(const tui *t, doc *d, const char *text, int indent, int width, tui_role role)
{
    char clean[4096];
    sw_text_sanitize(text, strlen(text), t->utf8_text, true, clean, sizeof clean);
    sw_text_span spans[128];
    size_t n = sw_text_wrap_lines(clean, width - indent, spans, 128);
    for (size_t i = 0; i < n && i < 128; i++)
        doc_push(d, clean + spans[i].off, spans[i].len, indent, role);
}

static void fmt_party(const char *display, const char *user, const char *host, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s%s%s%s", display, display[0] ? " <" : "", user, user[0] && host[0] ? "@" : "", host,
             display[0] ? ">" : "");
}

/* The call's media: each side's SDP, then each RTP stream with its loss,
 * jitter and MOS; or why there is none. */
static void doc_media(const tui *t, doc *d, int width)
{
    if (!t->have_media)
        return;
    const sw_call_media_info *m = &t->media;
    char buf[512], ep[SW_ENDPOINT_STRLEN], ep2[SW_ENDPOINT_STRLEN];
    doc_push(d, "Media:", 6, 0, TUI_A_SECTION);
    static const char *const side[2] = {"caller", "callee"};
    for (int i = 0; i < 2; i++) {
        const sw_call_sdp *s = &m->sdp[i];
        if (!s->present)
            continue;
        snprintf(buf, sizeof buf, "SDP %s: %s %s %s%s%s%s", side[i], sw_endpoint_format(&s->audio, ep, sizeof ep),
                 s->codecs, sw_sdp_dir_name((sw_sdp_dir)s->dir), s->t38 ? " T.38" : "", s->srtp ? " SRTP" : "",
                 s->ice ? " ICE" : "");
        doc_para(t, d, buf, 2, width, TUI_A_NORMAL);
    }
    if (m->media == SW_CALL_MEDIA_NOT_CAPTURED)
        doc_para(t, d, "RTP: media not captured (no RTP at all in this capture)", 2, width, TUI_A_DIM);
    unsigned n = m->nstreams < SW_CALL_STREAMS ? m->nstreams : SW_CALL_STREAMS;
    if (m->media == SW_CALL_MEDIA_SEEN && !n)
        doc_para(t, d, "RTP: none seen for this call", 2, width, TUI_A_WARN);
    for (unsigned i = 0; i < n; i++) {
        const sw_call_stream *s = &m->streams[i];
        double pct = s->packets + (s->lost > 0 ? (uint64_t)s->lost : 0)
                         ? 100.0 * (double)s->lost / (double)(s->packets + (s->lost > 0 ? (uint64_t)s->lost : 0))
                         : 0;
        int o = snprintf(buf, sizeof buf, "RTP from %s: %s %s %s  %s  %llu packets, lost %lld (%.1f%%), jitter %.1f/%.1f ms",
                         side[s->side ? 1 : 0], sw_endpoint_format(&s->src, ep, sizeof ep), t->utf8 ? "\u2192" : "->",
                         sw_endpoint_format(&s->dst, ep2, sizeof ep2), s->codec[0] ? s->codec : "?",
                         (unsigned long long)s->packets, (long long)s->lost, pct, s->jitter_mean_ms, s->jitter_max_ms);
        if (s->mos > 0)
            o += snprintf(buf + o, sizeof buf - (size_t)o, ", MOS %.1f", s->mos);
        if (s->rtt_ms >= 0 && s->rtcp)
            snprintf(buf + o, sizeof buf - (size_t)o, ", RTT %.0f ms", s->rtt_ms);
        doc_para(t, d, buf, 2, width, s->mos > 0 && s->mos < 3.6 ? TUI_A_WARN : TUI_A_NORMAL);
    }
    if (m->nstreams > n) {
        snprintf(buf, sizeof buf, "... and %u more streams", m->nstreams - n);
        doc_para(t, d, buf, 2, width, TUI_A_DIM);
    }
}

/* A call's facts: parties, outcome, delays, message counts, findings. */
static void build_call_doc(const tui *t, doc *d, int width)
{
    const sw_call_row *c = &t->call;
    char buf[1024], who[200], st[48];
    fmt_party(c->from_display, c->from_user, c->from_host, who, sizeof who);
    snprintf(buf, sizeof buf, "From: %s", who);
    doc_para(t, d, buf, 0, width, TUI_A_NORMAL);
    fmt_party("", c->to_user, c->to_host, who, sizeof who);
    snprintf(buf, sizeof buf, "To:   %s", who);
    doc_para(t, d, buf, 0, width, TUI_A_NORMAL);
    int o = snprintf(buf, sizeof buf, "Outcome: %s", tui_call_state_text(c, st, sizeof st));
    if (c->reason[0])
        o += snprintf(buf + o, sizeof buf - (size_t)o, " %s", c->reason);
    if (c->ender)
        o += snprintf(buf + o, sizeof buf - (size_t)o, ", ended by %s", sw_call_ender_name(c->ender));
    if (c->nbranches > 1) {
        o += snprintf(buf + o, sizeof buf - (size_t)o, ", forked to %u branches:", c->nbranches);
        for (unsigned i = 0; i < c->nbranches && i < SW_CALL_BRANCHES; i++)
            o += snprintf(buf + o, sizeof buf - (size_t)o, " %u", c->branch_status[i]);
    }
    if (!c->ended)
        snprintf(buf + o, sizeof buf - (size_t)o, " (still followed)");
    doc_para(t, d, buf, 0, width, c->state == SW_CALL_ANSWERED || c->state == SW_CALL_COMPLETED ? TUI_A_OK
                                                                                             : TUI_A_NORMAL);
    o = 0;
    buf[0] = '\0';
    if (c->first_provisional > c->start)
        o += snprintf(buf + o, sizeof buf - (size_t)o, "Ringing after %.0f ms   ",
                      (double)(c->first_provisional - c->start) / 1e3);
    if (c->answer > c->start)
        o += snprintf(buf + o, sizeof buf - (size_t)o, "Answered after %.0f ms   ", (double)(c->answer - c->start) / 1e3);
    double dur = tui_call_duration(c);
    if (dur >= 0)
        o += snprintf(buf + o, sizeof buf - (size_t)o, "Duration %.1f s   ", dur);
    snprintf(buf + o, sizeof buf - (size_t)o, "Messages %u (%u retransmitted), %u held", c->messages,
             c->retransmissions, c->stored);
    doc_para(t, d, buf, 0, width, TUI_A_NORMAL);
    o = snprintf(buf, sizeof buf, "Findings:");
    int nf = 0;
    for (size_t i = 0; i < t->nfindings && o < (int)sizeof buf - 64; i++)
        if (strcmp(t->findings[i].call_id, c->call_id) == 0) {
            o += snprintf(buf + o, sizeof buf - (size_t)o, " #%llu %s (%s)", (unsigned long long)t->findings[i].id,
                          t->findings[i].rule ? t->findings[i].rule : "?", sw_severity_name(t->findings[i].severity));
            nf++;
        }
    if (nf)
        doc_para(t, d, buf, 0, width, TUI_A_WARN);
    doc_media(t, d, width);
    snprintf(buf, sizeof buf, "Call-ID: %s", c->call_id);
    doc_para(t, d, buf, 0, width, TUI_A_DIM);
}

static void build_doc(const tui *t, doc *d, int width)
{
    if (t->detail_call) {
        build_call_doc(t, d, width);
        return;
    }
    const sw_finding *f = &t->detail;
    char buf[4096];
    doc_para(t, d, f->summary, 0, width, TUI_A_TITLE);
    if (f->state == SW_FINDING_RESOLVED) {
        char when[SW_TIME_STRLEN];
        snprintf(buf, sizeof buf, "Resolved at %s: %s", sw_time_iso(f->resolved_at, when, sizeof when),
                 f->resolution[0] ? f->resolution : "the problem stopped");
        doc_para(t, d, buf, 0, width, TUI_A_OK);
    }
    doc_push(d, "What to do:", 11, 0, TUI_A_SECTION);
    doc_para(t, d, f->suggestion[0] ? f->suggestion : "(no suggestion)", 2, width, TUI_A_NORMAL);
    if (f->ndetails) {
        doc_push(d, "Details:", 8, 0, TUI_A_SECTION);
        /* name: value items packed into lines */
        size_t o = 0;
        buf[0] = '\0';
        for (unsigned i = 0; i < f->ndetails && i < SW_FINDING_DETAILS; i++) {
            char item[sizeof f->details[0].name + sizeof f->details[0].value + 4];
            snprintf(item, sizeof item, "%s: %s", f->details[i].name, f->details[i].value);
            size_t il = strlen(item);
            if (o && (int)(o + 3 + il) > width - 2) {
                doc_para(t, d, buf, 2, width, TUI_A_NORMAL);
                o = 0;
                buf[0] = '\0';
            }
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", o ? "   " : "", item);
            if (o >= sizeof buf)
                o = sizeof buf - 1;
        }
        if (o)
            doc_para(t, d, buf, 2, width, TUI_A_NORMAL);
    }
    doc_media(t, d, width);
    if (f->call_id[0]) {
        snprintf(buf, sizeof buf, "Call-ID: %s", f->call_id);
        doc_para(t, d, buf, 2, width, TUI_A_DIM);
    }
}

/* ---- drawing ------------------------------------------------------------------ */

static attr_t mark_attr(const tui *t, tui_mark m)
{
    switch (m) {
    case TUI_MARK_CHALLENGE: return tui_attr(t, TUI_A_CHALLENGE);
    case TUI_MARK_CREDENTIALS: return tui_attr(t, TUI_A_CREDENTIALS);
    case TUI_MARK_KEY: return tui_attr(t, TUI_A_KEYMSG);
    case TUI_MARK_ERROR: return tui_attr(t, TUI_A_ERRMSG);
    case TUI_MARK_OK: return tui_attr(t, TUI_A_OK);
    case TUI_MARK_REPEAT: return tui_attr(t, TUI_A_DIM);
    default: return A_NORMAL;
    }
}

void tui_ladder_draw_row(const tui *t, const tui_ladder *l, long row, int y, bool selected)
{
    tui_cell cells[512];
    int n = row < 0 ? tui_ladder_header_cells(l, t->utf8, cells, 512)
                    : tui_ladder_row_cells(l, (size_t)row, t->utf8, cells, 512);
    tui_mark mark = row >= 0 ? l->rows[row].mark : TUI_MARK_NONE;
    attr_t sel = tui_attr(t, TUI_A_SELECTED);
    if (selected)
        tui_fill(y, 0, t->cols, sel);
    int x = 0;
    while (x < n) {
        int role = cells[x].role, end = x;
        char buf[2048];
        size_t o = 0;
        while (end < n && cells[end].role == role && o + 6 < sizeof buf) {
            size_t gl = strlen(cells[end].g);
            memcpy(buf + o, cells[end].g, gl);
            o += gl;
            end++;
        }
        buf[o] = '\0';
        attr_t a = A_NORMAL;
        switch (role) {
        case TUI_CELL_TIME: a = mark == TUI_MARK_REPEAT ? tui_attr(t, TUI_A_DIM) : A_NORMAL; break;
        case TUI_CELL_LIFELINE: a = tui_attr(t, TUI_A_LIFELINE); break;
        case TUI_CELL_ARROW: a = mark_attr(t, mark); break;
        case TUI_CELL_LABEL: a = mark_attr(t, mark) | A_BOLD; break;
        case TUI_CELL_NOTE: a = mark_attr(t, mark); break;
        case TUI_CELL_ENDPOINT: a = tui_attr(t, TUI_A_ENDPOINT); break;
        default: a = A_NORMAL; break;
        }
        if (selected)
            a = sel | (role == TUI_CELL_LABEL ? A_BOLD : 0);
        if (role != TUI_CELL_BLANK || selected)
            tui_put(y, x + 1, end - x, buf, a);
        x = end;
    }
}

static void draw_call_title(tui *t, int y)
{
    const sw_call_row *c = &t->call;
    char st[48], iso[SW_TIME_STRLEN], src[SW_ENDPOINT_STRLEN], dst[SW_ENDPOINT_STRLEN];
    int x = 1;
    x += tui_putf(y, x, t->cols - x, tui_attr(t, TUI_A_TITLE) | A_REVERSE, " %s ", c->method[0] ? c->method : "?");
    x += tui_putf(y, x, t->cols - x, A_BOLD, " call #%llu ", (unsigned long long)c->id);
    x += tui_putf(y, x, t->cols - x, tui_attr(t, c->state == SW_CALL_ANSWERED || c->state == SW_CALL_COMPLETED
                                                     ? TUI_A_OK : TUI_A_WARN),
                  " %s ", tui_call_state_text(c, st, sizeof st));
    x += tui_put(y, x, t->cols - x, "  ", A_NORMAL);
    x += tui_put_safe(t, y, x, 30, c->from_user[0] ? c->from_user : c->from_host, A_BOLD);
    x += tui_put(y, x, t->cols - x, t->utf8 ? " \u2192 " : " -> ", A_NORMAL);
    x += tui_put_safe(t, y, x, 30, c->to_user[0] ? c->to_user : c->to_host, A_BOLD);
    sw_time_iso(c->start, iso, sizeof iso);
    if (t->cols - x > 30)
        tui_putf(y, x, t->cols - x, A_NORMAL, "   started %s", iso);
    if (t->detail_gone)
        tui_put(y, t->cols - 18, 18, " (no longer kept) ", tui_attr(t, TUI_A_DIM));
    x = 1;
    x += tui_put(y + 1, x, t->cols - x, sw_endpoint_format(&c->src, src, sizeof src), tui_attr(t, TUI_A_ENDPOINT));
    x += tui_put(y + 1, x, t->cols - x, t->utf8 ? " \u2192 " : " -> ", A_NORMAL);
    x += tui_put(y + 1, x, t->cols - x, sw_endpoint_format(&c->dst, dst, sizeof dst), tui_attr(t, TUI_A_ENDPOINT));
    tui_putf(y + 1, x, t->cols - x, A_NORMAL, "  over %s", sw_transport_name((sw_transport)c->transport));
}

static void draw_title(tui *t, int y)
{
    if (t->detail_call) {
        draw_call_title(t, y);
        return;
    }
    const sw_finding *f = &t->detail;
    int x = 1;
    char buf[256];
    attr_t sa = f->state == SW_FINDING_RESOLVED ? tui_attr(t, TUI_A_DIM)
             : f->severity == SW_SEV_CRITICAL ? tui_attr(t, TUI_A_CRIT_BADGE)
                                              : tui_attr(t, tui_severity_role(f->severity)) | A_REVERSE;
    snprintf(buf, sizeof buf, " %s ", sw_severity_name(f->severity));
    for (char *p = buf; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    x += tui_put(y, x, t->cols - x, buf, sa);
    x += tui_putf(y, x, t->cols - x, A_BOLD, " %s #%llu ", f->rule ? f->rule : "?", (unsigned long long)f->id);
    x += tui_put(y, x, t->cols - x, f->state == SW_FINDING_OPEN ? " open " : " resolved ",
                 f->state == SW_FINDING_OPEN ? tui_attr(t, TUI_A_CRIT) : tui_attr(t, TUI_A_OK));
    char first[SW_TIME_STRLEN], last[SW_TIME_STRLEN];
    sw_time_iso(f->first_seen, first, sizeof first);
    sw_time_iso(f->last_seen, last, sizeof last);
    x += tui_putf(y, x, t->cols - x, A_NORMAL, "  count %u  ", f->count);
    if (strlen(first) > 11)
        first[10] = ' ';
    if (t->cols - x >= 52)
        tui_putf(y, x, t->cols - x, A_NORMAL, "seen %.26s .. %.15s", first, strlen(last) > 11 ? last + 11 : last);
    else if (t->cols - x >= 20)
        tui_putf(y, x, t->cols - x, A_NORMAL, "last seen %.8s", strlen(last) > 11 ? last + 11 : last);
    if (t->detail_gone)
        tui_put(y, t->cols - 18, 18, " (no longer kept) ", tui_attr(t, TUI_A_DIM));

    char src[SW_ENDPOINT_STRLEN], dst[SW_ENDPOINT_STRLEN];
    sw_endpoint_format(&f->src, src, sizeof src);
    sw_endpoint_format(&f->dst, dst, sizeof dst);
    x = 1;
    x += tui_put(y + 1, x, t->cols - x, src, tui_attr(t, TUI_A_ENDPOINT));
    x += tui_put(y + 1, x, t->cols - x, t->utf8 ? " \u2192 " : " -> ", A_NORMAL);
    x += tui_put(y + 1, x, t->cols - x, dst, tui_attr(t, TUI_A_ENDPOINT));
    if (f->updates)
        tui_putf(y + 1, x, t->cols - x, A_NORMAL, "   updated %u time%s", f->updates, f->updates == 1 ? "" : "s");
}

static void detail_draw(tui *t, int y, int h)
{
    int cols = t->cols;
    int width = cols - 2;
    draw_title(t, y);
    int top = y + 2, avail = h - 2;
    if (avail < 4)
        return;

    doc d = {0};
    build_doc(t, &d, width);
    size_t nev = evidence_count(t);
    int ladder_full = 3 + (int)(nev ? nev : 1);
    int text_h;
    if ((int)d.n + ladder_full <= avail) {
        text_h = (int)d.n;
    } else if (t->focus_text) {
        int keep = ladder_full < 5 ? ladder_full : 5;
        text_h = avail - keep;
    } else {
        text_h = avail * 45 / 100;
        if (avail - ladder_full > text_h)
            text_h = avail - ladder_full;
    }
    if (text_h > (int)d.n)
        text_h = (int)d.n;
    if (text_h < 1)
        text_h = 1;

    /* text pane */
    int max_scroll = (int)d.n - text_h;
    if (max_scroll < 0)
        max_scroll = 0;
    if (t->text_scroll > max_scroll)
        t->text_scroll = max_scroll;
    if (t->text_scroll < 0)
        t->text_scroll = 0;
    for (int i = 0; i < text_h; i++) {
        size_t li = (size_t)(t->text_scroll + i);
        if (li >= d.n)
            break;
        const doc_line *l = &d.lines[li];
        tui_put(top + i, 1 + l->indent, width - l->indent, l->text, tui_attr(t, l->role));
    }
    bool more_below = t->text_scroll < max_scroll, more_above = t->text_scroll > 0;
    if (more_below || more_above) {
        char ind[64];
        snprintf(ind, sizeof ind, " %s%s %s ", more_above ? (t->utf8 ? "\u25b2" : "^") : "",
                 more_below ? (t->utf8 ? "\u25bc" : "v") : "", t->focus_text ? "\u2191\u2193 scroll" : "Tab: more");
        if (!t->utf8 && t->focus_text)
            snprintf(ind, sizeof ind, " %s%s arrows scroll ", more_above ? "^" : "", more_below ? "v" : "");
        int iw = sw_text_width(ind);
        tui_put(top + text_h - 1, cols - iw - 1, iw, ind, tui_attr(t, TUI_A_KEYLABEL));
    }
    free(d.lines);

    /* the ladder */
    int ly = top + text_h;
    int lh = avail - text_h;
    char title[128];
    snprintf(title, sizeof title, "%s: %zu message%s%s", t->whole_flow ? "Call flow (whole call)" : "Call flow", nev,
             nev == 1 ? "" : "s",
             t->focus_text ? "" : "  (\u2191\u2193 select, Enter raw, e explain)");
    if (!t->utf8 && !t->focus_text)
        snprintf(title, sizeof title, "%s: %zu message%s  (arrows select, Enter raw, e explain)",
                 t->whole_flow ? "Call flow (whole call)" : "Call flow", nev, nev == 1 ? "" : "s");
    if (lh < 1)
        return;
    tui_rule(t, ly, 0, cols, title, tui_attr(t, TUI_A_SECTION));
    if (nev == 0) {
        tui_put(ly + 1, 2, cols - 4, "No messages kept for this finding.", tui_attr(t, TUI_A_DIM));
        t->ladder_rows = 0;
        return;
    }
    sw_evidence *ev = malloc(nev * sizeof *ev);
    if (!ev)
        return;
    for (size_t i = 0; i < nev; i++)
        ev[i] = *evidence_at(t, i);
    tui_ladder l;
    if (tui_ladder_layout_notes(&l, ev, nev, width, t->whole_flow ? 44 : 0) != 0) {
        free(ev);
        return;
    }
    free(ev);
    if (t->whole_flow && t->nmsgs == nev) {
        const char **sdp = malloc(nev * sizeof *sdp);
        if (sdp) {
            for (size_t i = 0; i < nev; i++)
                sdp[i] = t->msgs[i].sdp;
            tui_ladder_add_notes(&l, sdp);
            free(sdp);
        }
        l.delta = true;
    }
    if (lh >= 2)
        tui_ladder_draw_row(t, &l, -1, ly + 1, false);
    int rows = lh - 3;              /* rule, endpoints, info line */
    if (rows < 1)
        rows = lh - 2;
    if (rows < 1)
        rows = 0;
    if (t->mcur >= nev)
        t->mcur = nev - 1;
    if (t->mcur < t->mtop)
        t->mtop = t->mcur;
    if (rows > 0 && t->mcur >= t->mtop + (size_t)rows)
        t->mtop = t->mcur - (size_t)rows + 1;
    if (t->mtop + (size_t)rows > nev)
        t->mtop = nev > (size_t)rows ? nev - (size_t)rows : 0;
    t->ladder_y = ly + 2;
    t->ladder_rows = rows;
    for (int r = 0; r < rows; r++) {
        size_t i = t->mtop + (size_t)r;
        if (i >= nev)
            break;
        tui_ladder_draw_row(t, &l, (long)i, ly + 2 + r, i == t->mcur && !t->focus_text);
    }
    /* the selected message in words */
    int iy = ly + 2 + (nev < (size_t)rows ? (int)nev : rows);
    if (iy < top + avail && t->mcur < nev) {
        const tui_ladder_row *r = &l.rows[t->mcur];
        char label[64], info[320];
        tui_ladder_label(&r->ev, label, sizeof label, true);
        char flags[96] = "";
        size_t o = 0;
        static const struct { uint8_t bit; const char *name; } fl[] = {
            {SW_EVF_CREDENTIALS, "credentials"}, {SW_EVF_CHALLENGE, "challenge"},
            {SW_EVF_RETRANSMISSION, "retransmission"}, {SW_EVF_DUPLICATE, "duplicate"}, {SW_EVF_KEY, "key"}};
        for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++)
            if (r->ev.flags & fl[k].bit)
                o += (size_t)snprintf(flags + o, sizeof flags - o, "%s%s", o ? "," : " [", fl[k].name);
        if (o)
            snprintf(flags + o, sizeof flags - o, "]");
        const char *method = sw_sip_method_name((sw_sip_method)r->ev.method);
        snprintf(info, sizeof info, "%zu/%zu  frame %llu  %s  CSeq %u %s  %s%s%s", t->mcur + 1, nev,
                 (unsigned long long)r->ev.frame, label, r->ev.cseq, method,
                 sw_transport_name((sw_transport)r->ev.transport), flags,
                 t->nmsgs && !t->msgs[t->mcur].text ? "  (text no longer in memory)" : "");
        tui_put(iy, 1, width, info, tui_attr(t, TUI_A_DIM) | A_BOLD);
    }
    if (nev > (size_t)rows && rows > 0) {
        char pos[48];
        snprintf(pos, sizeof pos, " %zu-%zu/%zu ", t->mtop + 1,
                 t->mtop + (size_t)rows < nev ? t->mtop + (size_t)rows : nev, nev);
        int pw = (int)strlen(pos);
        tui_put(ly, cols - pw - 2, pw, pos, tui_attr(t, TUI_A_KEYLABEL));
    }
    tui_ladder_free(&l);
}

/* ---- keys and mouse ---------------------------------------------------------- */

static void move_msg(tui *t, long delta)
{
    size_t n = evidence_count(t);
    if (n == 0)
        return;
    long i = (long)t->mcur + delta;
    if (i < 0)
        i = 0;
    if (i >= (long)n)
        i = (long)n - 1;
    t->mcur = (size_t)i;
}

static tui_action open_message(tui *t)
{
    return evidence_count(t) ? tui_act(TUI_ACT_PUSH, TUI_VIEW_MESSAGE) : TUI_HANDLED;
}

static tui_action detail_key(tui *t, int ch, int h)
{
    (void)h;
    int page = t->ladder_rows > 1 ? t->ladder_rows - 1 : 1;
    if (t->focus_text) {
        switch (ch) {
        case KEY_UP: case 'k': t->text_scroll--; return TUI_HANDLED;
        case KEY_DOWN: case 'j': t->text_scroll++; return TUI_HANDLED;
        case KEY_PPAGE: t->text_scroll -= 5; return TUI_HANDLED;
        case KEY_NPAGE: case ' ': t->text_scroll += 5; return TUI_HANDLED;
        case KEY_HOME: case 'g': t->text_scroll = 0; return TUI_HANDLED;
        case KEY_END: case 'G': t->text_scroll = 1 << 20; return TUI_HANDLED;
        }
    } else {
        long to;
        if (tui_list_key(ch, t->mcur, evidence_count(t), page, true, &to)) {
            move_msg(t, to - (long)t->mcur);
            return TUI_HANDLED;
        }
    }
    switch (ch) {
    case '\t':
        t->focus_text = !t->focus_text;
        return TUI_HANDLED;
    case '\n':
    case '\r':
    case KEY_ENTER:
    case KEY_RIGHT:
        return open_message(t);
    case 'e':
    case 'E':
        if (t->mcur < evidence_count(t))
            return tui_reference_open(t, evidence_at(t, t->mcur));
        return TUI_HANDLED;
    case 's':
    case 'S':
        if (t->detail_call)
            tui_save_calls(t, &t->detail_call, 1, ch == 'S');
        else
            tui_save_finding(t, t->detail_id);
        return TUI_HANDLED;
    case '/':
    case 'f':
        tui_set_status(t, false, "Filters apply to the lists: Esc goes back.");
        return TUI_HANDLED;
    }
    return TUI_IGNORED;
}

static tui_action detail_mouse(tui *t, const MEVENT *ev)
{
    if (ev->bstate & BUTTON4_PRESSED) {
        if (t->focus_text)
            t->text_scroll -= 3;
        else
            move_msg(t, -3);
        return TUI_HANDLED;
    }
#ifdef BUTTON5_PRESSED
    if (ev->bstate & BUTTON5_PRESSED) {
        if (t->focus_text)
            t->text_scroll += 3;
        else
            move_msg(t, 3);
        return TUI_HANDLED;
    }
#endif
    if (!(ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
        return TUI_HANDLED;
    int r = ev->y - t->ladder_y;
    if (r < 0 || r >= t->ladder_rows) {
        if (ev->y < t->ladder_y)
            t->focus_text = true;
        return TUI_HANDLED;
    }
    size_t i = t->mtop + (size_t)r;
    if (i >= evidence_count(t))
        return TUI_HANDLED;
    bool again = i == t->mcur && !t->focus_text;
    t->focus_text = false;
    t->mcur = i;
    if ((ev->bstate & BUTTON1_DOUBLE_CLICKED) || (again && (ev->bstate & BUTTON1_CLICKED)))
        return open_message(t);
    return TUI_HANDLED;
}

static void detail_release(tui *t)
{
    tui_detail_release(t);
    t->detail_id = 0;
    t->detail_call = 0;
}

const tui_panel_class tui_detail_panel = {
    .name = "Detail", .draw = detail_draw, .key = detail_key, .mouse = detail_mouse, .release = detail_release,
};
