/* Text toolkit shared by every stage that writes words for people: plurals
 * ("1 copy", "2 copies") and cutting a value to a fixed buffer visibly (an
 * ellipsis, never half a UTF-8 character), so a truncated Refer-To or
 * summary is never mistaken for the whole value. */
#ifndef SIPWATCH_TEXT_H
#define SIPWATCH_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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
bool sw_vformat_cut(char *dst, size_t cap, size_t at, const char *fmt, va_list ap);

/* Bytes of s[0..len) that form whole UTF-8 characters when cut at len:
 * len, or less when a multi-byte character would be split. */
size_t sw_utf8_boundary(const char *s, size_t len);

#endif
