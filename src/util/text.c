/* Text toolkit (see sipwatch/text.h): UTF-8 decoding and terminal columns,
 * the one sanitiser for captured text, word wrapping, plurals and visible
 * cuts. Every text sink uses these. */
#include "sipwatch/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 and columns ---------------------------------------------------- */

size_t sw_utf8_decode(const char *str, size_t len, uint32_t *cp)
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

int sw_cp_width(uint32_t cp)
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

int sw_text_width_n(const char *s, size_t n)
{
    int cols = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += sw_utf8_decode(s + i, n - i, &cp);
        cols += sw_cp_width(cp);
    }
    return cols;
}

int sw_text_width(const char *s)
{
    int cols = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += sw_utf8_decode(s + i, len - i, &cp);
        cols += sw_cp_width(cp);
    }
    return cols;
}

size_t sw_text_fit(const char *s, int maxcols, int *colsp)
{
    int cols = 0;
    size_t len = strlen(s), i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = sw_utf8_decode(s + i, len - i, &cp);
        int w = sw_cp_width(cp);
        if (cols + w > maxcols)
            break;
        cols += w;
        i += n;
    }
    if (colsp)
        *colsp = cols;
    return i;
}

size_t sw_text_sanitize(const char *in, size_t len, bool utf8, bool keep_newlines, char *out, size_t outlen)
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
        size_t n = sw_utf8_decode(in + i, len - i, &cp);
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

static void add_line(sw_text_span *lines, size_t max, size_t *count, size_t off, size_t len)
{
    if (*count < max) {
        lines[*count].off = off;
        lines[*count].len = len;
    }
    (*count)++;
}

size_t sw_text_wrap_lines(const char *text, int width, sw_text_span *lines, size_t max)
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
                size_t n = sw_utf8_decode(text + i, end - i, &cp);
                int w = sw_cp_width(cp);
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
                    i += sw_utf8_decode(text + i, end - i, &cp);
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

size_t sw_text_wrap_chars(const char *text, int width, sw_text_span *lines, size_t max)
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
                size_t n = sw_utf8_decode(text + i, end - i, &cp);
                int w = sw_cp_width(cp);
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


const char *sw_plural(unsigned long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

size_t sw_utf8_boundary(const char *s, size_t len)
{
    /* Step back over continuation bytes to the lead byte of the last
     * character; keep it only if all its bytes are inside len. */
    size_t i = len;
    unsigned back = 0;
    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return len;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (need == 1)
        return len;                 /* ASCII (or a stray continuation run): nothing split */
    return back + 1 >= need ? len : i - 1;
}

/* Ends dst[cap] (holding `len` bytes of text) with the ellipsis. */
static void mark_cut(char *dst, size_t cap)
{
    static const char ell[] = SW_ELLIPSIS;
    size_t ellen = sizeof ell - 1;
    if (cap <= ellen) {
        dst[0] = '\0';
        return;
    }
    size_t keep = sw_utf8_boundary(dst, cap - 1 - ellen);
    memcpy(dst + keep, ell, ellen + 1);
}

bool sw_copy_cut(char *dst, size_t cap, const char *src)
{
    if (!cap)
        return false;
    if (!src) {
        dst[0] = '\0';
        return false;
    }
    size_t n = strlen(src);
    if (n < cap) {
        memcpy(dst, src, n + 1);
        return false;
    }
    memcpy(dst, src, cap - 1);
    dst[cap - 1] = '\0';
    mark_cut(dst, cap);
    return true;
}

bool sw_vformat_cut(char *dst, size_t cap, size_t at, const char *fmt, va_list ap)
{
    if (at + 1 >= cap)
        return true;
    int n = vsnprintf(dst + at, cap - at, fmt, ap);
    if (n < 0 || (size_t)n < cap - at)
        return false;
    mark_cut(dst, cap);
    return true;
}
