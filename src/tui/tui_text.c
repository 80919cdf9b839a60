/* Dashboard text helpers (no ncurses here; unit-tested): UTF-8 widths and
 * sanitising of captured text, word wrapping, number formatting, the rate
 * sparkline, and the findings table's order and filters. */
#include "tui_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/types.h"

/* ---- UTF-8 and columns ---------------------------------------------------- */

size_t tui_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    size_t need;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        need = 1; v = c & 0x1f; min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2; v = c & 0x0f; min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3; v = c & 0x07; min = 0x10000;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    if (len < need + 1) {
        *cp = 0xfffd;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = v;
    return need + 1;
}

int tui_cp_width(uint32_t cp)
{
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
        (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int tui_text_width(const char *s)
{
    int cols = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tui_utf8_decode(s + i, len - i, &cp);
        cols += tui_cp_width(cp);
    }
    return cols;
}

size_t tui_text_fit(const char *s, int maxcols, int *colsp)
{
    int cols = 0;
    size_t len = strlen(s), i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = tui_utf8_decode(s + i, len - i, &cp);
        int w = tui_cp_width(cp);
        if (cols + w > maxcols)
            break;
        cols += w;
        i += n;
    }
    if (colsp)
        *colsp = cols;
    return i;
}

size_t tui_sanitize(const char *in, size_t len, bool utf8, bool keep_newlines, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < len && o + 1 < outlen;) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' && keep_newlines) {
            i++;
            if (i < len && in[i] == '\n')
                continue;           /* CR LF: the LF makes the break */
            out[o++] = '\n';
            continue;
        }
        if (c == '\n' && keep_newlines) {
            out[o++] = '\n';
            i++;
            continue;
        }
        if (c == '\t') {
            out[o++] = ' ';
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            out[o++] = '?';
            i++;
            continue;
        }
        if (c < 0x80) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = tui_utf8_decode(in + i, len - i, &cp);
        /* C1 controls and invalid bytes are not drawn as such */
        if (!utf8 || cp == 0xfffd || (cp >= 0x80 && cp < 0xa0)) {
            out[o++] = '?';
            i += n;
            continue;
        }
        if (o + n + 1 > outlen)
            break;
        memcpy(out + o, in + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return o;
}

/* ---- wrapping --------------------------------------------------------------- */

static void add_line(tui_span *lines, size_t max, size_t *count, size_t off, size_t len)
{
    if (*count < max) {
        lines[*count].off = off;
        lines[*count].len = len;
    }
    (*count)++;
}

size_t tui_wrap(const char *text, int width, tui_span *lines, size_t max)
{
    size_t count = 0;
    size_t len = strlen(text);
    if (width < 1)
        width = 1;
    size_t pos = 0;
    for (;;) {
        /* one paragraph: text[pos .. end) */
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t start = pos;
        if (start == end)
            add_line(lines, max, &count, start, 0);
        while (start < end) {
            /* fill the line with as many columns as fit */
            size_t i = start, last_space = (size_t)-1;
            int cols = 0;
            while (i < end) {
                uint32_t cp;
                size_t n = tui_utf8_decode(text + i, end - i, &cp);
                int w = tui_cp_width(cp);
                if (cols + w > width)
                    break;
                if (cp == ' ')
                    last_space = i;
                cols += w;
                i += n;
            }
            size_t line_end, next;
            if (i >= end) {
                line_end = end;
                next = end;
            } else if (text[i] == ' ') {
                line_end = i;       /* the break falls exactly on a space */
                next = i;
            } else if (last_space != (size_t)-1 && last_space > start) {
                line_end = last_space;
                next = last_space;
            } else {
                if (i == start) {   /* a character wider than the line */
                    uint32_t cp;
                    i += tui_utf8_decode(text + i, end - i, &cp);
                }
                line_end = i;       /* a word longer than the line: cut it */
                next = i;
            }
            while (line_end > start && text[line_end - 1] == ' ')
                line_end--;
            add_line(lines, max, &count, start, line_end - start);
            while (next < end && text[next] == ' ')
                next++;
            start = next;
        }
        if (end >= len)
            break;
        pos = end + 1;              /* past the '\n' */
    }
    return count;
}

size_t tui_wrap_chars(const char *text, int width, tui_span *lines, size_t max)
{
    size_t count = 0, len = strlen(text), pos = 0;
    if (width < 1)
        width = 1;
    for (;;) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t start = pos;
        if (start == end)
            add_line(lines, max, &count, start, 0);
        while (start < end) {
            size_t i = start;
            int cols = 0;
            while (i < end) {
                uint32_t cp;
                size_t n = tui_utf8_decode(text + i, end - i, &cp);
                int w = tui_cp_width(cp);
                if (cols + w > width && i > start)
                    break;
                cols += w;
                i += n;
            }
            add_line(lines, max, &count, start, i - start);
            start = i;
        }
        if (end >= len)
            break;
        pos = end + 1;
    }
    return count;
}

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
