/* FNV-1a hashing of bytes and strings, for the hash tables of every stage
 * (correlator, findings, call store, media, dashboard): one definition so
 * the seed and the prime are written once. */
#ifndef SIPWATCH_HASH_H
#define SIPWATCH_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SW_FNV_SEED 14695981039346656037ULL

/* Folds len bytes into the FNV-1a hash h. */
static inline uint64_t sw_fnv_bytes(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* Folds the characters of s (not its terminator) into h. */
static inline uint64_t sw_fnv_str(uint64_t h, const char *s)
{
    return sw_fnv_bytes(h, s, strlen(s));
}

#endif
