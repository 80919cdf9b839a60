/* Small helpers shared by the correlator's modules (private to
 * src/correlate): FNV-1a hashing of bytes, strings and addresses, and the
 * visible-cut string copy every module uses for captured values. */
#ifndef SIPWATCH_CORR_UTIL_H
#define SIPWATCH_CORR_UTIL_H

#include "sipwatch/correlate.h"
#include "sipwatch/hash.h"
#include "sipwatch/text.h"

#include <string.h>

#define FNV_SEED SW_FNV_SEED

/* Folds len bytes into the FNV-1a hash h. */
static inline uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    return sw_fnv_bytes(h, data, len);
}

/* Folds a string and its terminator (NULL hashes apart from "") into h. */
static inline uint64_t hash_str(uint64_t h, const char *s)
{
    if (!s)
        return hash_bytes(h, "\x01", 1);
    h = hash_bytes(h, s, strlen(s));
    return hash_bytes(h, "\0", 1);
}

/* Hash of an address (its family and significant bytes). */
static inline uint64_t ip_hash(const sw_ip_addr *ip)
{
    return hash_bytes(FNV_SEED, ip->bytes, ip->family == 4 ? 4 : 16) ^ ip->family;
}

/* Copies a captured value into a fixed field, cut visibly (NULL gives ""). */
static inline void copy_str(char *dst, size_t cap, const char *src)
{
    sw_copy_cut(dst, cap, src);
}

static inline bool endpoint_equal(const sw_endpoint *a, const sw_endpoint *b)
{
    return a->port == b->port && sw_ip_equal(&a->ip, &b->ip);
}

/* Counted in the pending_txns gauge: a request with no final response yet
 * whose timeout was not judged (ringing INVITEs included). */
static inline bool txn_pending(const sw_txn *t)
{
    return t->requests && !t->final_status && !t->timeout_settled;
}

#endif
