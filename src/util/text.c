/* Text toolkit: plurals and visible cuts (see sipwatch/text.h). */
#include "sipwatch/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
