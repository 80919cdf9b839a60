/* Text toolkit shared by every stage that writes words for people: UTF-8
 * decoding and terminal columns; the one sanitiser that makes captured bytes
 * safe (no control or escape characters, valid UTF-8) for every text sink;
 * word wrapping; plurals ("1 copy", "2 copies"); and cutting a value to a
 * fixed buffer visibly (an ellipsis, never half a UTF-8 character). */
#ifndef SIPWATCH_TEXT_H
#define SIPWATCH_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- UTF-8 and columns ---------------------------------------------------- */

/* Decodes one code point from s (len bytes, len > 0); returns the bytes
 * used (at least 1). Invalid or truncated sequences give U+FFFD and 1. */
size_t sw_utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Terminal columns of a code point: 0 (combining), 1, or 2 (wide). */
int sw_cp_width(uint32_t cp);
/* Columns of a NUL-terminated UTF-8 string. */
int sw_text_width(const char *s);
/* Columns of the first n bytes of s. */
int sw_text_width_n(const char *s, size_t n);
/* Bytes of s (NUL-terminated) that fit in maxcols columns, never cutting a
 * character; *cols (optional) gets the columns they take. */
size_t sw_text_fit(const char *s, int maxcols, int *cols);

/* Makes captured text safe to draw: control characters become '?', a tab
 * one space, CR and LF are kept only when keep_newlines (CR LF becomes LF),
 * invalid UTF-8 (or, when !utf8, any byte above 0x7e) becomes '?'. Always
 * NUL-terminates out (outlen > 0); returns the bytes written. */
size_t sw_text_sanitize(const char *in, size_t len, bool utf8, bool keep_newlines, char *out, size_t outlen);

/* ---- wrapping --------------------------------------------------------------- */

typedef struct sw_text_span {
    size_t off, len;                /* bytes of the source text */
} sw_text_span;

/* Word-wraps text to `width` columns (values below 1 count as 1): breaks at
 * spaces, cuts words longer than a line, honours '\n', drops the spaces at
 * a break. Fills up to max spans and returns how many lines there are in all
 * (an empty text is one empty line). */
size_t sw_text_wrap_lines(const char *text, int width, sw_text_span *lines, size_t max);

/* Cuts text into lines of exactly `width` columns (the last may be
 * shorter), honouring '\n'; for raw messages, where words do not matter.
 * Same conventions as sw_text_wrap_lines. */
size_t sw_text_wrap_chars(const char *text, int width, sw_text_span *lines, size_t max);


/* "one" when n is 1, else "many": printf("%u %s", n, sw_plural(n, "copy", "copies")). */
const char *sw_plural(unsigned long long n, const char *one, const char *many);

/* The ellipsis that marks a cut ("…", 3 bytes of UTF-8). */
#define SW_ELLIPSIS "\xe2\x80\xa6"

/* Copies src into dst (cap > 0 bytes, always NUL-terminated). When src does
 * not fit, it is cut at a character boundary and ends with SW_ELLIPSIS.
 * NULL src gives "". Returns true when src was cut. */
bool sw_copy_cut(char *dst, size_t cap, const char *src);

/* vsnprintf into dst[cap] at offset `at` (appending), with the same visible
 * cut as sw_copy_cut when the result does not fit. */
bool sw_vformat_cut(char *dst, size_t cap, size_t at, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Bytes of s[0..len) that form whole UTF-8 characters when cut at len:
 * len, or less when a multi-byte character would be split. */
size_t sw_utf8_boundary(const char *s, size_t len);

#endif
