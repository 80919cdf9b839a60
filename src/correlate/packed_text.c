/* Packed text: several short strings of one record in one allocation, read
 * by walking the lengths, rebuilt whole when a value changes (see packed_text.h). */
#include "packed_text.h"

#include "sipwatch/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t field_len(const char *set, unsigned k)
{
    uint16_t len;
    memcpy(&len, set + k * sizeof len, sizeof len);
    return len;
}

const char *packed_text_get(const char *set, unsigned n, unsigned k)
{
    if (!set || k >= n)
        return "";
    const char *p = set + n * sizeof(uint16_t);
    for (unsigned i = 0; i < k; i++)
        p += field_len(set, i) + 1;
    return p;
}

bool packed_text_set(char **set, unsigned n, unsigned k, const char *value)
{
    if (!value)
        value = "";
    if (k >= n)
        return false;
    size_t vlen = strlen(value);
    if (vlen > PACKED_TEXT_MAX)
        return false;
    const char *old = *set;
    if (old && strcmp(packed_text_get(old, n, k), value) == 0)
        return true;
    size_t header = n * sizeof(uint16_t), total = header;
    for (unsigned i = 0; i < n; i++)
        total += (i == k ? vlen : old ? field_len(old, i) : 0) + 1;
    char *fresh = malloc(total);
    if (!fresh)
        return false;
    char *p = fresh + header;
    for (unsigned i = 0; i < n; i++) {
        const char *src = i == k ? value : packed_text_get(old, n, i);
        uint16_t len = (uint16_t)(i == k ? vlen : old ? field_len(old, i) : 0);
        memcpy(fresh + i * sizeof len, &len, sizeof len);
        memcpy(p, src, len);
        p[len] = '\0';
        p += len + 1;
    }
    free(*set);
    *set = fresh;
    return true;
}

bool packed_text_set_cut(char **set, unsigned n, unsigned k, const char *value, size_t cap)
{
    char buf[512];
    if (cap > sizeof buf)
        cap = sizeof buf;
    /* A value that fits is kept as it is: when it is already there (a
     * User-Agent on every request), nothing is copied or rebuilt. */
    if (*set && k < n && strnlen(value ? value : "", cap) < cap &&
        strcmp(packed_text_get(*set, n, k), value ? value : "") == 0)
        return true;
    sw_copy_cut(buf, cap, value);
    return packed_text_set(set, n, k, buf);
}
