/* Flow table (private to src/correlate): flows by Call-ID in a chained hash
 * table, with an LRU list for eviction. A flow_node wraps the sw_flow that
 * rules see with the table's bookkeeping, which stays out of the public
 * header; a quiet flow may be frozen in its place and thawed back. The
 * table only stores: the correlator decides when to evict,
 * expire and emit events. */
#ifndef SIPWATCH_FLOW_TABLE_H
#define SIPWATCH_FLOW_TABLE_H

#include "sipwatch/correlate.h"
#include "sipwatch/object_pool.h"

#include "flow_freeze.h"

#include <lz4.h>

#include <stddef.h>

/* What the table, its LRU list and the wake heap keep of every flow, live
 * or frozen (see flow_freeze.h). */
typedef struct flow_link {
    uint32_t hash;                  /* of the Call-ID (its low 32 bits: enough for any bucket count) */
    uint32_t heap_index : 31;       /* its place in the wake heap, which keeps its wake time */
    uint32_t frozen : 1;            /* a frozen_flow, not a flow_node */
    struct flow_link *hnext;        /* hash chain */
    struct flow_link *prev, *next;  /* LRU list: head = least recently used */
} flow_link;

/* A live flow: what rules see, and its link. */
typedef struct flow_node {
    sw_flow flow;                   /* first: what rules see */
    flow_link link;
} flow_node;

/* A frozen flow: its link and its packed head and tail (flow_pack). */
typedef struct frozen_flow {
    flow_link link;
    uint32_t head_packed : 15, tail_packed : 15;
    uint32_t expiry_kind : 2;       /* kept for the correlator: the timeout its expiry follows once compacted */
    uint32_t head_image : 15, tail_image : 15;
    uint32_t compacts : 1;          /* kept for the correlator: it wakes to be compacted, not to expire */
    char packed[];
} frozen_flow;

_Static_assert(LZ4_COMPRESSBOUND(FLOW_IMAGE_MAX) < (1 << 15), "a frozen flow's sizes take 15 bits");

/* The sizes of z's head and tail, as flow_pack gave them. */
static inline flow_sizes frozen_sizes(const frozen_flow *z)
{
    return (flow_sizes){z->head_packed, z->head_image, z->tail_packed, z->tail_image};
}

/* The node of a flow handed out by this table. */
static inline flow_node *flow_node_of(const sw_flow *f)
{
    return (flow_node *)f;
}

/* The live node of a link that is not frozen. */
static inline flow_node *flow_node_of_link(flow_link *l)
{
    return (flow_node *)((char *)l - offsetof(flow_node, link));
}

typedef struct flow_table {
    flow_link **buckets;
    size_t nbuckets;                /* a power of two */
    flow_link *lru_head, *lru_tail;
    size_t count;                   /* flows held, live or frozen */
    size_t frozen;                  /* of which frozen */
    sw_object_pool nodes;           /* where the live nodes live */
    flow_packer packer;
} flow_table;

/* An empty table; its buckets grow with the flows it holds. Returns false when out of memory. */
bool flow_table_init(flow_table *t);
/* Frees every flow (and what each allocated) and the buckets. */
void flow_table_free(flow_table *t);

/* The flow with this Call-ID (and its hash), live or frozen, or NULL. */
flow_link *flow_table_lookup(const flow_table *t, const char *call_id, uint64_t hash);
/* A new, zeroed flow for call_id, most recently used, with its other texts
 * from texts (NULL: none; see flow_set_call_id). NULL when out of memory. */
flow_node *flow_table_insert(flow_table *t, const char *call_id, uint64_t hash,
                             const char *const texts[SW_FLOW_TEXT_FIELDS]);
/* Marks l the most recently used. */
void flow_table_touch(flow_table *t, flow_link *l);
/* Unlinks l and frees it with what its flow allocated. */
void flow_table_remove(flow_table *t, flow_link *l);
/* Empties every hash chain, the flows staying in the LRU list: removing
 * each of them then walks no chain. Lookups find nothing until the table
 * is empty again; for the end, when every flow is removed in LRU order. */
void flow_table_unindex(flow_table *t);
/* The least recently used flow, or NULL when empty. */
static inline flow_link *flow_table_oldest(const flow_table *t)
{
    return t->lru_head;
}

/* Packs n's flow into a frozen_flow that takes its place (same hash chain,
 * LRU position and heap index; the caller points the heap at the new link),
 * and frees n. With compacted (see flow_pack), what a compaction drops is
 * packed as a tail that flow_table_drop_tail can drop without unpacking.
 * Returns the new link, or NULL with n untouched when the flow cannot be
 * frozen (too large, out of memory). */
flow_link *flow_table_freeze(flow_table *t, flow_node *n, const sw_flow *compacted);
/* Drops a frozen l's tail: l then holds the compacted flow. Returns its
 * link, which may have moved (same hash chain, LRU position and heap
 * index; the caller points the heap at it). */
flow_link *flow_table_drop_tail(flow_table *t, flow_link *l);
/* Reads a frozen l in place into *scratch (its flow's parts in the table's
 * scratch image, its link's hash set, nothing else): good until the table
 * freezes, thaws or views again. False when it does not read back. */
bool flow_table_view(flow_table *t, const flow_link *l, flow_node *scratch);
/* The way back: a live node in l's place, l freed. A live l is returned as
 * it is. NULL, with l untouched, when out of memory. */
flow_node *flow_table_thaw(flow_table *t, flow_link *l);

#endif
