/* Packed text (private to src/correlate): a few short strings of one record
 * kept in a single allocation, [uint16 length per field][each string and its
 * NUL], instead of a fixed char array per field. A quiet flow's From, To and
 * User-Agent then cost their length, not 64 bytes each. NULL is the empty set:
 * every field reads "". */
#ifndef SIPWATCH_PACKED_TEXT_H
#define SIPWATCH_PACKED_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#define PACKED_TEXT_MAX 65535       /* longest value a field holds */

/* Field k (of n) of the packed set, "" when the set is NULL. */
const char *packed_text_get(const char *set, unsigned n, unsigned k);

/* Sets field k (of n) to value (NULL = ""), rebuilding the set in one new
 * allocation when the value differs (or *set is NULL). Returns false (the
 * set unchanged) when out of memory or when value is longer than
 * PACKED_TEXT_MAX. value must not point into *set. */
bool packed_text_set(char **set, unsigned n, unsigned k, const char *value);

/* Sets field k from a captured value cut visibly to cap - 1 bytes, as a
 * char[cap] field copied with sw_copy_cut would hold it (cap <= 512). */
bool packed_text_set_cut(char **set, unsigned n, unsigned k, const char *value, size_t cap);

#endif
