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
#define PACKED_TEXT_FIELDS 16       /* most fields a set has */

/* Field k (of n) of the packed set, "" when the set is NULL. */
const char *packed_text_get(const char *set, unsigned n, unsigned k);

/* The bytes the set of n fields takes (0 for NULL). */
size_t packed_text_size(const char *set, unsigned n);
/* The same for a set read from a buffer of `avail` bytes that may be cut
 * short or damaged: 0 unless the whole set, each field ended by its NUL,
 * lies within it. */
size_t packed_text_size_bounded(const char *set, unsigned n, size_t avail);

/* Sets several fields (of n, at most PACKED_TEXT_FIELDS) in one rebuild:
 * values[k] replaces field k, NULL keeps it. A new allocation is made only
 * when a value differs (or *set is NULL). Returns false (the set unchanged)
 * when out of memory or when a value is longer than PACKED_TEXT_MAX. No
 * value may point into *set. */
bool packed_text_update(char **set, unsigned n, const char *const *values);
/* Sets field k (of n) to value (NULL = ""): packed_text_update for one field. */
bool packed_text_set(char **set, unsigned n, unsigned k, const char *value);

/* Sets field k from a captured value cut visibly to cap - 1 bytes, as a
 * char[cap] field copied with sw_copy_cut would hold it (cap <= 512). */
bool packed_text_set_cut(char **set, unsigned n, unsigned k, const char *value, size_t cap);

#endif
