/* Peer table (private to src/correlate): per-address state (sliding-window
 * counts of requests, failures, retransmissions, identities) in a hash table
 * with an LRU list. Bounded: past max_peers the least recently seen peer is
 * evicted (counted); idle peers expire. */
#ifndef SIPWATCH_PEER_TABLE_H
#define SIPWATCH_PEER_TABLE_H

#include "sipwatch/correlate.h"
#include "sipwatch/object_pool.h"

typedef struct peer_node {
    sw_peer peer;                   /* first: what rules see */
    struct peer_node *hnext;
    struct peer_node *prev, *next;  /* LRU list: head = least recently seen */
} peer_node;

typedef struct peer_table {
    peer_node **buckets;
    size_t nbuckets;                /* a power of two */
    peer_node *lru_head, *lru_tail;
    size_t max;                     /* peers kept at once */
    sw_time_us idle_timeout;
    uint64_t created, evicted;      /* counters */
    uint64_t active;                /* gauge */
    sw_object_pool nodes;           /* where the nodes live */
} peer_table;

/* Returns false when out of memory. */
bool peer_table_init(peer_table *t, size_t max_peers, sw_time_us idle_timeout);
void peer_table_free(peer_table *t);

/* The peer for ip, created when new (expiring idle peers and evicting the
 * least recently seen one past the limit first), marked seen at `now`.
 * NULL for an unset address or when out of memory. */
sw_peer *peer_table_get(peer_table *t, const sw_ip_addr *ip, sw_time_us now);

/* Counts one event of kind w in its window's bucket for `now`. */
void peer_window_add(sw_peer *p, sw_peer_window w, sw_time_us now);
/* Keeps the last User-Agent the peer sent (cut at 63 bytes). */
void peer_set_user_agent(sw_peer *p, const char *user_agent);
/* Notes the identity (From user) a peer claimed, counting new ones. */
void peer_note_user(sw_peer *p, const char *user, sw_time_us now);

#endif
