/* Header (three lines): the source and its progress or live state, the
 * capture clock and PAUSED; packets, SIP messages per second with a
 * sparkline of the last minute, parse errors, drops (highlighted when not
 * zero); dialogs, transactions and open findings by severity; and a fourth
 * line, only when something could not be inspected (a truncated file, TLS,
 * no SIP at all, state evicted at its limits). */
#include "tui_internal.h"

#include <stdio.h>
#include <string.h>

#include "sipwatch/timefmt.h"
#include "sipwatch/visibility.h"

/* What could not be inspected, as the fourth line shows it. "No SIP
 * seen" only once the input is finished: a live capture may be quiet. */
static void blind_spots(const tui *t, sw_blind_spots *out)
{
    const sw_monitor_counters *c = &t->ctr;
    sw_visibility_input in = {
        .packets = c->packets,
        .sip_messages = c->sip_messages || !c->finished ? 1 : 0,
        .parse_errors = 0,                  /* shown on line 1 already */
        .tls_connections = c->tls_connections,
        .capture_drops = 0,                 /* shown on line 1 already */
        .flows_evicted = c->flows_evicted,
        .truncated = c->truncated,
        .truncated_why = c->truncated_why,
    };
    sw_visibility_assess(&in, out);
}

int tui_header_height(const tui *t)
{
    sw_blind_spots b;
    blind_spots(t, &b);
    return b.count ? 4 : 3;
}

/* Line 3, when something could not be inspected: a truncated file, TLS ... */
static void draw_blind_spots(tui *t)
{
    sw_blind_spots b;
    blind_spots(t, &b);
    if (!b.count)
        return;
    int x = 1;
    x += tui_put(3, x, t->cols - x, "Not inspected: ", A_BOLD);
    for (unsigned i = 0; i < b.count && x < t->cols; i++) {
        x += tui_put(3, x, t->cols - x, i ? ", " : "", A_NORMAL);
        x += tui_put(3, x, t->cols - x, b.labels[i], tui_attr(t, TUI_A_ALERT));
    }
}

/* Draws "label value" at x; returns the new x. */
static int field(const tui *t, int y, int x, const char *label, const char *value, attr_t vattr)
{
    int w = t->cols - x;
    if (w <= 0)
        return x;
    x += tui_put(y, x, w, label, A_NORMAL);
    x += tui_put(y, x, t->cols - x, " ", A_NORMAL);
    x += tui_put(y, x, t->cols - x, value, vattr);
    x += tui_put(y, x, t->cols - x, "   ", A_NORMAL);
    return x;
}

/* HEP on line 2: the agents heard and HEP dropped; what goes out to a
 * collector, its drops highlighted and a lost connection said. */
static int draw_hep(const tui *t, int x)
{
    const sw_monitor_counters *c = &t->ctr;
    char num[32], buf[96];
    if (c->hep_in) {
        x = field(t, 2, x, "HEP agents", tui_fmt_count(c->hep_agents, num, sizeof num), A_BOLD);
        if (c->hep_dropped) {
            snprintf(buf, sizeof buf, "(%s dropped)  ", tui_fmt_count(c->hep_dropped, num, sizeof num));
            x += tui_put(2, x - 2, t->cols - x, buf, tui_attr(t, TUI_A_WARN)) - 2;
        }
    }
    if (c->hep_sending) {
        snprintf(buf, sizeof buf, "%s sent%s", tui_fmt_count(c->hep_sent, num, sizeof num),
                 c->hep_send_connected ? "" : ", not connected");
        x = field(t, 2, x, "HEP out", buf, c->hep_send_connected ? A_BOLD : tui_attr(t, TUI_A_ALERT));
        if (c->hep_send_dropped) {
            snprintf(buf, sizeof buf, "(%s dropped)  ", tui_fmt_count(c->hep_send_dropped, num, sizeof num));
            x += tui_put(2, x - 2, t->cols - x, buf, tui_attr(t, TUI_A_ALERT)) - 2;
        }
    }
    return x;
}

static void progress_bar(const tui *t, double frac, int width, char *out, size_t len)
{
    static const char *const part[8] = {"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"};
    size_t o = 0;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    int eighths = (int)(frac * width * 8 + 0.5);
    for (int i = 0; i < width; i++) {
        const char *g;
        int cell = eighths - i * 8;
        if (t->utf8)
            g = cell >= 8 ? "\u2588" : cell > 0 ? part[cell] : " ";
        else
            g = cell >= 4 ? "#" : " ";
        if (!g[0])
            g = " ";
        size_t gl = strlen(g);
        if (o + gl + 1 > len)
            break;
        memcpy(out + o, g, gl);
        o += gl;
    }
    out[o] = '\0';
}

void tui_header_draw(tui *t)
{
    const sw_monitor_counters *c = &t->ctr;
    int cols = t->cols;
    char buf[256], num[32];

    /* line 0: source, state, clock, PAUSED */
    int x = 0;
    x += tui_put(0, x, cols, " sipwatch ", tui_attr(t, TUI_A_COLHEAD) | A_BOLD);
    x += tui_put(0, x, cols - x, "  ", A_NORMAL);
    char right[96] = "";
    if (c->capture_clock) {
        char iso[SW_TIME_STRLEN];
        sw_time_iso(c->capture_clock, iso, sizeof iso);
        if (strlen(iso) >= 19) {
            iso[10] = ' ';
            iso[19] = '\0';
        }
        snprintf(right, sizeof right, "%s UTC", iso);
    }
    int right_w = (int)strlen(right);
    int paused_w = t->paused ? 8 : 0;
    char state[128];
    attr_t state_attr = A_NORMAL;
    if (c->live) {
        snprintf(state, sizeof state, "%s", c->finished ? "capture ended" : "live");
        state_attr = c->finished ? tui_attr(t, TUI_A_ALERT) : tui_attr(t, TUI_A_OK) | A_BOLD;
    } else if (!c->finished) {
        char bar[64];
        progress_bar(t, c->progress, 10, bar, sizeof bar);
        snprintf(state, sizeof state, "reading %3.0f%% [%s]", (c->progress < 0 ? 0 : c->progress) * 100.0, bar);
        state_attr = tui_attr(t, TUI_A_WARN);
    } else {
        snprintf(state, sizeof state, "analysed");
        state_attr = tui_attr(t, TUI_A_OK) | A_BOLD;
    }
    int state_w = sw_text_width(state);
    const char *kind = c->live ? "live " : "";
    const char *src = c->source;
    int room = cols - x - (int)strlen(kind) - state_w - 2 - right_w - 2 - paused_w;
    const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
    if (room < (int)strlen(base) && right_w > 13) {
        /* the time of day is enough */
        memmove(right, right + 11, strlen(right + 11) + 1);
        right_w = (int)strlen(right);
        room = cols - x - (int)strlen(kind) - state_w - 2 - right_w - 2 - paused_w;
    }
    if (room < 8) {                 /* no room for the clock */
        right[0] = '\0';
        right_w = 0;
        room = cols - x - (int)strlen(kind) - state_w - 2 - paused_w;
    }
    if (!c->live && (int)strlen(src) > room) {
        const char *slash = strrchr(src, '/');
        if (slash)
            src = slash + 1;
    }
    x += tui_put(0, x, cols - x, kind, A_NORMAL);
    if (room < 4)
        room = 4;
    int sw;
    if (sw_text_width(src) > room) {
        sw = tui_put_safe(t, 0, x, room - 1, src, tui_attr(t, TUI_A_TITLE));
        sw += tui_put(0, x + sw, 1, tui_glyph_ellipsis(t), tui_attr(t, TUI_A_TITLE));
    } else {
        sw = tui_put_safe(t, 0, x, room, src, tui_attr(t, TUI_A_TITLE));
    }
    x += sw + 2;
    x += tui_put(0, x, cols - x - right_w - paused_w, state, state_attr);
    if (right_w)
        tui_put(0, cols - right_w - paused_w - 1, right_w, right, A_NORMAL);
    if (t->paused)
        tui_put(0, cols - paused_w, paused_w, " PAUSED ", tui_attr(t, TUI_A_PAUSED));

    /* line 1: traffic */
    x = 1;
    x = field(t, 1, x, "Packets", tui_fmt_count(c->packets, num, sizeof num), A_BOLD);
    x = field(t, 1, x, "SIP", tui_fmt_count(c->sip_messages, num, sizeof num), A_BOLD);
    uint32_t now_rate = c->rate[SW_MONITOR_HISTORY - (c->live ? 2 : 1)], peak = 0;
    for (int i = 0; i < SW_MONITOR_HISTORY; i++)
        if (c->rate[i] > peak)
            peak = c->rate[i];
    snprintf(buf, sizeof buf, "%u/s", now_rate);
    x += tui_put(1, x, cols - x, buf, A_BOLD);
    x += tui_put(1, x, cols - x, " ", A_NORMAL);
    /* what follows the sparkline: parse errors and drops */
    char perr[32], drops[32];
    tui_fmt_count(c->parse_errors, perr, sizeof perr);
    tui_fmt_count(c->kernel_drops + c->interface_drops, drops, sizeof drops);
    int tail = (int)(strlen("Parse errors ") + strlen(perr) + 3 + strlen("Drops ") + strlen(drops) + 12);
    int spark_w = cols - x - tail;
    if (spark_w > SW_MONITOR_HISTORY)
        spark_w = SW_MONITOR_HISTORY;
    if (spark_w >= 6) {
        char spark[SW_MONITOR_HISTORY * 4 + 1];
        tui_sparkline(c->rate, SW_MONITOR_HISTORY, spark_w, t->utf8, spark, sizeof spark);
        x += tui_put(1, x, spark_w, spark, tui_attr(t, TUI_A_OK));
        snprintf(buf, sizeof buf, " peak %u", peak);
        x += tui_put(1, x, cols - x, buf, A_NORMAL);
    }
    x += tui_put(1, x, cols - x, "   ", A_NORMAL);
    x = field(t, 1, x, "Parse errors", perr, c->parse_errors ? tui_attr(t, TUI_A_WARN) : A_BOLD);
    x = field(t, 1, x, "Drops", drops,
              (c->kernel_drops || c->interface_drops) ? tui_attr(t, TUI_A_ALERT) : A_BOLD);

    /* line 2: state and open findings */
    x = 1;
    x = field(t, 2, x, "Dialogs", tui_fmt_count(c->active_dialogs, num, sizeof num), A_BOLD);
    x = field(t, 2, x, "Transactions", tui_fmt_count(c->pending_transactions, num, sizeof num), A_BOLD);
    x = field(t, 2, x, "Calls", tui_fmt_count(c->call_store.calls, num, sizeof num), A_BOLD);
    if (c->call_store.calls_evicted) {
        /* the store is full: the oldest calls are forgotten as new ones come */
        snprintf(buf, sizeof buf, "(%s evicted)  ", tui_fmt_count(c->call_store.calls_evicted, num, sizeof num));
        x += tui_put(2, x - 2, cols - x, buf, tui_attr(t, TUI_A_WARN)) - 2;
    }
    x = draw_hep(t, x);
    x += tui_put(2, x, cols - x, "Open findings:", A_NORMAL);
    static const sw_severity order[3] = {SW_SEV_CRITICAL, SW_SEV_WARNING, SW_SEV_INFO};
    for (int i = 0; i < 3; i++) {
        uint64_t n = c->open_by_severity[order[i]];
        attr_t a = A_NORMAL;
        if (n && order[i] == SW_SEV_CRITICAL)
            a = tui_attr(t, TUI_A_CRIT_BADGE);
        else if (n)
            a = tui_attr(t, tui_severity_role(order[i]));
        snprintf(buf, sizeof buf, " %s %s ", tui_fmt_count(n, num, sizeof num), sw_severity_name(order[i]));
        x += tui_put(2, x, cols - x, buf, a);
    }
    /* Alert sinks, when configured: failures are highlighted like drops. */
    if (c->alerts_sent || c->alerts_failed) {
        x += tui_put(2, x, cols - x, "  Alerts ", A_NORMAL);
        snprintf(buf, sizeof buf, "%s sent", tui_fmt_count(c->alerts_sent, num, sizeof num));
        x += tui_put(2, x, cols - x, buf, A_BOLD);
        if (c->alerts_failed) {
            snprintf(buf, sizeof buf, " %s failed", tui_fmt_count(c->alerts_failed, num, sizeof num));
            x += tui_put(2, x, cols - x, buf, tui_attr(t, TUI_A_CRIT_BADGE));
        }
    }
    draw_blind_spots(t);
}
