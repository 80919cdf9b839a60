/* Flow table (private to src/correlate): flows by Call-ID in a chained hash
 * table, with an LRU list for eviction. A flow_node wraps the sw_flow that
 * rules see with the table's bookkeeping, which stays out of the public
 * header. The table only stores: the correlator decides when to evict,
 * expire and emit events. */
#ifndef SIPWATCH_FLOW_TABLE_H
#define SIPWATCH_FLOW_TABLE_H

#include "sipwatch/correlate.h"
#include "sipwatch/object_pool.h"

#include <stddef.h>

typedef struct flow_node {
    sw_flow flow;                   /* first: what rules see */
    uint32_t hash;                  /* of the Call-ID (its low 32 bits: enough for any bucket count) */
    uint32_t heap_index;            /* its place in the wake heap, which keeps its wake time */
    struct flow_node *hnext;        /* hash chain */
    struct flow_node *prev, *next;  /* LRU list: head = least recently used */
} flow_node;

/* The node of a flow handed out by this table. */
static inline flow_node *flow_node_of(const sw_flow *f)
{
    return (flow_node *)f;
}

typedef struct flow_table {
    flow_node **buckets;
    size_t nbuckets;                /* a power of two */
    flow_node *lru_head, *lru_tail;
    size_t count;
    sw_object_pool nodes;           /* where the nodes live */
} flow_table;

/* An empty table; its buckets grow with the flows it holds. Returns false when out of memory. */
bool flow_table_init(flow_table *t);
/* Frees every node (and what each flow allocated) and the buckets. */
void flow_table_free(flow_table *t);

/* The flow with this Call-ID (and its hash), or NULL. */
flow_node *flow_table_lookup(const flow_table *t, const char *call_id, uint64_t hash);
/* A new, zeroed flow for call_id, most recently used, with its other texts
 * from texts (NULL: none; see flow_set_call_id). NULL when out of memory. */
flow_node *flow_table_insert(flow_table *t, const char *call_id, uint64_t hash,
                             const char *const texts[SW_FLOW_TEXT_FIELDS]);
/* Marks n the most recently used. */
void flow_table_touch(flow_table *t, flow_node *n);
/* Unlinks n and frees it with what its flow allocated (texts, transactions, auth, REFERs, route, offer). */
void flow_table_remove(flow_table *t, flow_node *n);
/* The least recently used flow, or NULL when empty. */
static inline flow_node *flow_table_oldest(const flow_table *t)
{
    return t->lru_head;
}

#endif
