/* TCP stream reassembly for the decode stage.
 * Orders each direction of each connection by sequence number (retransmitted,
 * overlapping and out-of-order segments handled, holes waited for within a
 * bounded window, then skipped) and feeds the in-order bytes to that
 * direction's SIP framer. The connection table is bounded, expires idle
 * connections on the capture clock and counts what it evicts. */
#ifndef SIPWATCH_TCP_REASSEMBLY_H
#define SIPWATCH_TCP_REASSEMBLY_H

#include "sipwatch/sip_framing.h"
#include "sipwatch/tls.h"
#include "sipwatch/types.h"

typedef struct sw_tcp_limits {
    size_t max_connections;         /* default 65536 */
    size_t max_ooo_bytes_per_dir;   /* out-of-order bytes held per direction before skipping the hole (256 KiB) */
    size_t max_total_bytes;         /* all buffered bytes, all connections (64 MiB) */
    sw_time_us idle_timeout_us;     /* a connection with no segment for this long is dropped (300 s) */
    sw_time_us closed_linger_us;    /* kept this long after FIN/RST for late retransmissions (5 s) */
} sw_tcp_limits;

typedef struct sw_tcp_stats {
    uint64_t segments;              /* TCP segments offered */
    uint64_t connections;           /* connections tracked */
    uint64_t sip_connections;       /* connections that carried at least one SIP message */
    uint64_t tls_connections;       /* connections recognised as TLS (a TLS record header first) */
    uint64_t tls_segments;          /* segments fed to a direction recognised as TLS */
    uint64_t retransmissions;       /* segments carrying only bytes already delivered */
    uint64_t out_of_order;          /* segments that arrived ahead of a hole */
    uint64_t gaps;                  /* holes never filled (bytes skipped, framing resynchronised) */
    uint64_t gap_bytes;
    uint64_t expired;               /* connections dropped for idleness */
    uint64_t evicted;               /* connections dropped to respect a cap */
    uint64_t active;                /* gauge */
    uint64_t bytes_held;            /* gauge: buffered bytes */
    sw_framer_stats framing;
    sw_tls_stats tls;               /* TLS connections: decrypted, or not and why */
} sw_tcp_stats;

typedef struct sw_tcp_table sw_tcp_table;

typedef struct sw_tcp_segment {
    sw_time_us ts;
    uint64_t frame;
    sw_endpoint src, dst;
    uint32_t seq;
    uint8_t flags;                  /* TCP flags byte: FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10 */
    const uint8_t *data;
    size_t len;
} sw_tcp_segment;

#define SW_TCP_FIN 0x01
#define SW_TCP_SYN 0x02
#define SW_TCP_RST 0x04

void sw_tcp_limits_default(sw_tcp_limits *limits);

/* deliver/user receive each framed SIP message; max_message_len caps one. */
sw_tcp_table *sw_tcp_create(const sw_tcp_limits *limits, size_t max_message_len,
                            void (*deliver)(void *user, const sw_payload *payload), void *user);
void sw_tcp_destroy(sw_tcp_table *table);

/* TLS streams are decrypted with the keys of this key log (NULL: none);
 * the caller keeps it alive and may refresh it between segments. */
void sw_tcp_set_keylog(sw_tcp_table *table, const sw_tls_keylog *keylog);
/* Streams that start with "HEP3" go to hep as HEP packets (see
 * sw_framer_sink.hep), and so does the unfinished packet a stream ends in. */
void sw_tcp_set_hep(sw_tcp_table *table,
                    void (*hep)(void *user, const uint8_t *packet, size_t len, const sw_payload *tmpl), void *user);

/* Offers one segment. */
void sw_tcp_segment_add(sw_tcp_table *table, const sw_tcp_segment *seg);

/* Drops idle and closed connections (cheap when nothing is due). */
void sw_tcp_expire(sw_tcp_table *table, sw_time_us now);

/* End of input: frames what can be framed and releases every connection. */
void sw_tcp_finish(sw_tcp_table *table);

void sw_tcp_get_stats(const sw_tcp_table *table, sw_tcp_stats *stats);

#endif
