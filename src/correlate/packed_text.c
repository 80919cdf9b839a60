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

size_t packed_text_size(const char *set, unsigned n)
{
    if (!set)
        return 0;
    size_t total = n * sizeof(uint16_t);
    for (unsigned i = 0; i < n; i++)
        total += field_len(set, i) + 1;
    return total;
}

size_t packed_text_size_bounded(const char *set, unsigned n, size_t avail)
{
    size_t total = n * sizeof(uint16_t);
    if (total > avail)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        total += field_len(set, i) + 1;
        if (total > avail || set[total - 1] != '\0')
            return 0;
    }
    return total;
}

bool packed_text_update(char **set, unsigned n, const char *const *values)
{
    if (n > PACKED_TEXT_FIELDS)
        return false;
    const char *old = *set;
    const char *src[PACKED_TEXT_FIELDS];
    size_t len[PACKED_TEXT_FIELDS], header = n * sizeof(uint16_t), total = header;
    bool changed = !old;
    /* One walk over the old set: each field's text is where the last ended. */
    const char *cur = old ? old + header : "";
    for (unsigned i = 0; i < n; i++) {
        size_t cur_len = old ? field_len(old, i) : 0;
        if (values[i]) {
            len[i] = strlen(values[i]);
            changed |= len[i] != cur_len || memcmp(values[i], cur, cur_len) != 0;
            src[i] = values[i];
        } else {
            len[i] = cur_len;
            src[i] = cur;
        }
        if (len[i] > PACKED_TEXT_MAX)
            return false;
        total += len[i] + 1;
        if (old)
            cur += cur_len + 1;
    }
    if (!changed)
        return true;
    char *fresh = malloc(total);
    if (!fresh)
        return false;
    char *p = fresh + header;
    for (unsigned i = 0; i < n; i++) {
        uint16_t l = (uint16_t)len[i];
        memcpy(fresh + i * sizeof l, &l, sizeof l);
        memcpy(p, src[i], l);
        p[l] = '\0';
        p += l + 1;
    }
    free(*set);
    *set = fresh;
    return true;
}

bool packed_text_set(char **set, unsigned n, unsigned k, const char *value)
{
    if (k >= n || n > PACKED_TEXT_FIELDS)
        return false;
    const char *values[PACKED_TEXT_FIELDS] = {0};
    values[k] = value ? value : "";
    return packed_text_update(set, n, values);
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
