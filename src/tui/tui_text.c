/* Dashboard text helpers (no ncurses here; unit-tested): UTF-8 widths and
 * sanitising of captured text, word wrapping, number formatting, the rate
 * sparkline, and the findings table's order and filters. */
#include "tui_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/types.h"

/* ---- numbers and the rate sparkline ----------------------------------------- */

const char *tui_fmt_count(uint64_t v, char *buf, size_t len)
{
    if (v < 10000)
        snprintf(buf, len, "%llu", (unsigned long long)v);
    else if (v < 1000000)
        snprintf(buf, len, "%.1fk", (double)v / 1e3);
    else if (v < 1000000000ULL)
        snprintf(buf, len, "%.1fM", (double)v / 1e6);
    else
        snprintf(buf, len, "%.1fG", (double)v / 1e9);
    return buf;
}

void tui_sparkline(const uint32_t *rate, size_t n, int width, bool utf8, char *out, size_t outlen)
{
    static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                          "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char ascii[] = " .:-=+*#";
    size_t o = 0;
    if (outlen == 0)
        return;
    out[0] = '\0';
    if (width < 1 || n == 0)
        return;
    uint32_t peak = 0;
    for (size_t i = 0; i < n; i++)
        if (rate[i] > peak)
            peak = rate[i];
    for (int c = 0; c < width; c++) {
        /* cell c covers seconds [lo, hi), aligned so the last cell ends at n */
        size_t lo = (size_t)((unsigned long long)c * n / (unsigned)width);
        size_t hi = (size_t)((unsigned long long)(c + 1) * n / (unsigned)width);
        if (hi <= lo)
            hi = lo + 1;
        if (hi > n)
            hi = n;
        uint32_t v = 0;
        for (size_t i = lo; i < hi; i++)
            if (rate[i] > v)
                v = rate[i];
        int level = 0;              /* 0..7 */
        if (peak > 0 && v > 0) {
            level = (int)(((unsigned long long)v * 7 + peak - 1) / peak);
            if (level < 1)
                level = 1;
            if (level > 7)
                level = 7;
        }
        if (utf8) {
            const char *g = blocks[level];
            size_t gl = strlen(g);
            if (o + gl + 1 > outlen)
                break;
            memcpy(out + o, g, gl);
            o += gl;
        } else {
            if (o + 2 > outlen)
                break;
            out[o++] = level == 0 ? '_' : ascii[level];
        }
    }
    out[o] = '\0';
}

/* ---- the findings table: order and filters -------------------------------- */

int tui_finding_cmp(const sw_finding *a, const sw_finding *b)
{
    if (a->state != b->state)
        return a->state == SW_FINDING_OPEN ? -1 : 1;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->last_seen != b->last_seen)
        return a->last_seen > b->last_seen ? -1 : 1;
    if (a->id != b->id)
        return a->id > b->id ? -1 : 1;
    return 0;
}

void tui_filter_init(tui_filter *flt)
{
    memset(flt, 0, sizeof *flt);
    flt->severity = -1;
}

bool tui_filter_active(const tui_filter *flt)
{
    return flt->text[0] || flt->severity >= 0 || flt->rule[0] || flt->hide_resolved;
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0)
        return true;
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < nl && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl)
            return true;
    }
    return false;
}

bool tui_finding_matches(const sw_finding *f, const tui_filter *flt)
{
    if (flt->hide_resolved && f->state == SW_FINDING_RESOLVED)
        return false;
    if (flt->severity >= 0 && (int)f->severity != flt->severity)
        return false;
    if (flt->rule[0] && (!f->rule || strcmp(f->rule, flt->rule) != 0))
        return false;
    if (!flt->text[0])
        return true;
    const char *t = flt->text;
    if ((f->rule && contains_nocase(f->rule, t)) || contains_nocase(sw_severity_name(f->severity), t) ||
        contains_nocase(f->summary, t) || contains_nocase(f->call_id, t))
        return true;
    char ep[SW_ENDPOINT_STRLEN];
    if (contains_nocase(sw_endpoint_format(&f->src, ep, sizeof ep), t) ||
        contains_nocase(sw_endpoint_format(&f->dst, ep, sizeof ep), t))
        return true;
    for (unsigned i = 0; i < f->ndetails && i < SW_FINDING_DETAILS; i++)
        if (contains_nocase(f->details[i].value, t))
            return true;
    return false;
}

static int cmp_ptr(const void *a, const void *b)
{
    return tui_finding_cmp(*(const sw_finding *const *)a, *(const sw_finding *const *)b);
}

size_t tui_select_findings(const sw_finding *f, size_t n, const tui_filter *flt, const sw_finding **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!flt || tui_finding_matches(&f[i], flt))
            out[k++] = &f[i];
    if (k > 1)
        qsort(out, k, sizeof *out, cmp_ptr);
    return k;
}

void tui_filter_cycle(tui_filter *flt, const sw_finding *f, size_t n)
{
    /* next state after the current one: severities, then rules */
    if (flt->rule[0] == '\0') {
        if (flt->severity < 0) {
            flt->severity = SW_SEV_CRITICAL;
            return;
        }
        if (flt->severity > SW_SEV_INFO) {
            flt->severity--;
            return;
        }
        flt->severity = -1;         /* info -> the first rule */
    }
    /* the alphabetically next rule after flt->rule ("" = before all) */
    const char *next = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *r = f[i].rule;
        if (!r || strcmp(r, flt->rule) <= 0)
            continue;
        if (!next || strcmp(r, next) < 0)
            next = r;
    }
    flt->severity = -1;
    if (next)
        snprintf(flt->rule, sizeof flt->rule, "%s", next);
    else
        flt->rule[0] = '\0';
}

const char *tui_filter_describe(const tui_filter *flt, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
#define ADD(...)                                                          \
    do {                                                                  \
        if (o < len) {                                                    \
            int w = snprintf(buf + o, len - o, "%s", o ? ", " : "");      \
            if (w > 0)                                                    \
                o += (size_t)w;                                           \
        }                                                                 \
        if (o < len) {                                                    \
            int w = snprintf(buf + o, len - o, __VA_ARGS__);              \
            if (w > 0)                                                    \
                o += (size_t)w;                                           \
        }                                                                 \
    } while (0)
    if (flt->severity >= 0)
        ADD("%s only", sw_severity_name((sw_severity)flt->severity));
    if (flt->rule[0])
        ADD("rule %s", flt->rule);
    if (flt->text[0])
        ADD("text \"%s\"", flt->text);
    if (flt->hide_resolved)
        ADD("resolved hidden");
#undef ADD
    return buf;
}

long tui_find_id(const sw_finding *const *sel, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (sel[i]->id == id)
            return (long)i;
    return -1;
}
