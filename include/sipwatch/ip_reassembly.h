/* IPv4 and IPv6 fragment reassembly for the decode stage.
 * Fragments are grouped by (family, src, dst, identification, protocol); a
 * datagram is handed back once every byte from 0 to the end is present.
 * The table is bounded (datagrams in progress and buffered bytes), expires
 * incomplete datagrams after a timeout on the capture clock, and counts every
 * fragment it refuses or drops, so hostile input costs memory only up to a cap. */
#ifndef SIPWATCH_IP_REASSEMBLY_H
#define SIPWATCH_IP_REASSEMBLY_H

#include "sipwatch/types.h"

typedef struct sw_ipfrag_limits {
    size_t max_datagrams;       /* datagrams being reassembled at once (default 1024) */
    size_t max_bytes;           /* payload bytes buffered in all of them (default 8 MiB) */
    size_t max_datagram_len;    /* largest reassembled payload accepted (default 65535) */
    sw_time_us timeout_us;      /* an incomplete datagram is dropped this long after its
                                   first fragment (default 30 s, as Linux ipfrag_time) */
} sw_ipfrag_limits;

typedef struct sw_ipfrag_stats {
    uint64_t fragments;         /* fragments offered */
    uint64_t reassembled;       /* datagrams completed */
    uint64_t timed_out;         /* incomplete datagrams dropped by the timeout */
    uint64_t evicted;           /* incomplete datagrams dropped to respect a cap */
    uint64_t overlaps;          /* fragments overlapping data already held */
    uint64_t invalid;           /* fragments refused: bad offsets, too long, conflicting end */
    uint64_t active;            /* datagrams currently in progress (gauge) */
    uint64_t bytes_held;        /* payload bytes currently buffered (gauge) */
} sw_ipfrag_stats;

typedef struct sw_ipfrag_key {
    sw_ip_addr src, dst;
    uint32_t id;                /* IPv4: 16-bit identification; IPv6: 32-bit */
    uint8_t protocol;           /* IPv4 protocol / IPv6 next header after the fragment header */
} sw_ipfrag_key;

typedef struct sw_ipfrag_table sw_ipfrag_table;

/* Fills in the defaults documented above. */
void sw_ipfrag_limits_default(sw_ipfrag_limits *limits);

sw_ipfrag_table *sw_ipfrag_create(const sw_ipfrag_limits *limits);
void sw_ipfrag_destroy(sw_ipfrag_table *table);

/* Offers one fragment: `offset` is the byte offset of `data` inside the
 * fragmented payload (the bytes after the IP header / fragment header),
 * `more` the More-Fragments flag. Returns true when this fragment completed
 * a datagram: *out and *out_len then describe the whole reassembled payload
 * (starting with the transport header), valid until the next call on the table.
 * Overlapping data is resolved first-wins (bytes already held are kept); a
 * fragment that disagrees about where the datagram ends invalidates it. */
bool sw_ipfrag_add(sw_ipfrag_table *table, const sw_ipfrag_key *key,
                   uint32_t offset, const uint8_t *data, size_t len, bool more,
                   sw_time_us now, const uint8_t **out, size_t *out_len);

/* Drops datagrams whose first fragment is older than the timeout. Called by the
 * decoder as capture time advances (cheap when nothing is due). */
void sw_ipfrag_expire(sw_ipfrag_table *table, sw_time_us now);

void sw_ipfrag_get_stats(const sw_ipfrag_table *table, sw_ipfrag_stats *stats);

#endif
