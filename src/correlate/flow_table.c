/* Flow table: Call-ID hash chains and the LRU list over live and frozen
 * flows (see flow_table.h). */
#include "flow_table.h"
#include "flow_state.h"

#include <stdlib.h>
#include <string.h>

#define MIN_BUCKETS 1024
#define MAX_BUCKETS (1u << 24)

bool flow_table_init(flow_table *t)
{
    memset(t, 0, sizeof *t);
    sw_object_pool_init(&t->nodes, sizeof(flow_node), 256);
    t->nbuckets = MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    return t->buckets != NULL;
}

/* Doubles the buckets once the flows outnumber them (kept as they are when out of memory). */
static void grow_buckets(flow_table *t)
{
    if (t->count < t->nbuckets || t->nbuckets >= MAX_BUCKETS)
        return;
    size_t n = t->nbuckets * 2;
    flow_link **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        flow_link *next;
        for (flow_link *x = t->buckets[i]; x; x = next) {
            next = x->hnext;
            x->hnext = b[x->hash & (n - 1)];
            b[x->hash & (n - 1)] = x;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static void lru_unlink(flow_table *t, flow_link *l)
{
    if (l->prev) l->prev->next = l->next; else t->lru_head = l->next;
    if (l->next) l->next->prev = l->prev; else t->lru_tail = l->prev;
    l->prev = l->next = NULL;
}

static void lru_append(flow_table *t, flow_link *l)
{
    l->prev = t->lru_tail;
    l->next = NULL;
    if (t->lru_tail) t->lru_tail->next = l; else t->lru_head = l;
    t->lru_tail = l;
}

static bool link_has_call_id(const flow_link *l, const char *call_id)
{
    if (!l->frozen)
        return strcmp(flow_node_of_link((flow_link *)l)->flow.call_id, call_id) == 0;
    const frozen_flow *z = (const frozen_flow *)l;
    flow_sizes sz = frozen_sizes(z);
    return flow_packed_call_id_is(z->packed, &sz, call_id);
}

flow_link *flow_table_lookup(const flow_table *t, const char *call_id, uint64_t hash)
{
    for (flow_link *l = t->buckets[hash & (t->nbuckets - 1)]; l; l = l->hnext)
        if (l->hash == (uint32_t)hash && link_has_call_id(l, call_id))
            return l;
    return NULL;
}

flow_node *flow_table_insert(flow_table *t, const char *call_id, uint64_t hash,
                             const char *const texts[SW_FLOW_TEXT_FIELDS])
{
    grow_buckets(t);
    flow_node *n = sw_object_pool_alloc(&t->nodes);
    if (!n)
        return NULL;
    n->link.hash = (uint32_t)hash;
    if (!flow_set_call_id(&n->flow, call_id, texts)) {
        sw_object_pool_free(&t->nodes, n);
        return NULL;
    }
    flow_link **bucket = &t->buckets[hash & (t->nbuckets - 1)];
    n->link.hnext = *bucket;
    *bucket = &n->link;
    lru_append(t, &n->link);
    t->count++;
    return n;
}

void flow_table_touch(flow_table *t, flow_link *l)
{
    if (t->lru_tail == l)
        return;
    lru_unlink(t, l);
    lru_append(t, l);
}

/* The pointer in l's hash chain that points to l. */
static flow_link **chain_slot(flow_table *t, flow_link *l)
{
    flow_link **pp = &t->buckets[l->hash & (t->nbuckets - 1)];
    while (*pp && *pp != l)
        pp = &(*pp)->hnext;
    return pp;
}

static void free_link(flow_table *t, flow_link *l)
{
    if (l->frozen) {
        t->frozen--;
        free(l);
        return;
    }
    flow_node *n = flow_node_of_link(l);
    flow_free_parts(&n->flow);
    sw_object_pool_free(&t->nodes, n);
}

void flow_table_remove(flow_table *t, flow_link *l)
{
    flow_link **pp = chain_slot(t, l);
    if (*pp)
        *pp = l->hnext;
    lru_unlink(t, l);
    t->count--;
    free_link(t, l);
}

void flow_table_unindex(flow_table *t)
{
    memset(t->buckets, 0, t->nbuckets * sizeof *t->buckets);
}

/* Puts `fresh` where `old` is: its hash chain, its LRU place, its heap index. */
static void replace_link(flow_table *t, flow_link *old, flow_link *fresh)
{
    bool frozen = fresh->frozen;
    *fresh = *old;
    fresh->frozen = frozen;
    flow_link **pp = chain_slot(t, old);
    if (*pp)
        *pp = fresh;
    if (old->prev) old->prev->next = fresh; else t->lru_head = fresh;
    if (old->next) old->next->prev = fresh; else t->lru_tail = fresh;
}

flow_link *flow_table_freeze(flow_table *t, flow_node *n, const sw_flow *compacted)
{
    flow_sizes sz;
    if (!flow_pack(&t->packer, &n->flow, compacted, &sz))
        return NULL;
    size_t len = (size_t)sz.head_packed + sz.tail_packed;
    frozen_flow *z = malloc(sizeof *z + len);
    if (!z)
        return NULL;
    z->link.frozen = 1;
    z->compacts = 0;
    z->expiry_kind = 0;
    z->head_packed = sz.head_packed;
    z->head_image = sz.head_image;
    z->tail_packed = sz.tail_packed;
    z->tail_image = sz.tail_image;
    memcpy(z->packed, t->packer.packed, len);
    replace_link(t, &n->link, &z->link);
    flow_free_parts(&n->flow);
    sw_object_pool_free(&t->nodes, n);
    t->frozen++;
    return &z->link;
}

flow_link *flow_table_drop_tail(flow_table *t, flow_link *l)
{
    frozen_flow *z = (frozen_flow *)l;
    if (!z->tail_image)
        return l;
    /* A fresh allocation of the head's size, not realloc: a shrunk block
     * leaves a small free piece beside it, which the heap keeps. */
    frozen_flow *y = malloc(sizeof *z + z->head_packed);
    if (!y) {
        z->tail_packed = z->tail_image = 0;     /* the tail's bytes stay, unused */
        return l;
    }
    memcpy(y, z, sizeof *z + z->head_packed);
    y->tail_packed = y->tail_image = 0;
    replace_link(t, &z->link, &y->link);
    free(z);
    return &y->link;
}

bool flow_table_view(flow_table *t, const flow_link *l, flow_node *scratch)
{
    const frozen_flow *z = (const frozen_flow *)l;
    memset(&scratch->link, 0, sizeof scratch->link);
    scratch->link.hash = l->hash;
    flow_sizes sz = frozen_sizes(z);
    return flow_unpack_view(&t->packer, z->packed, &sz, &scratch->flow);
}

flow_node *flow_table_thaw(flow_table *t, flow_link *l)
{
    if (!l->frozen)
        return flow_node_of_link(l);
    frozen_flow *z = (frozen_flow *)l;
    flow_node *n = sw_object_pool_alloc(&t->nodes);
    if (!n)
        return NULL;
    flow_sizes sz = frozen_sizes(z);
    if (!flow_unpack(&t->packer, z->packed, &sz, &n->flow)) {
        sw_object_pool_free(&t->nodes, n);
        return NULL;
    }
    n->link.frozen = 0;
    replace_link(t, l, &n->link);
    t->frozen--;
    free(z);
    return n;
}

void flow_table_free(flow_table *t)
{
    while (t->lru_head)
        flow_table_remove(t, t->lru_head);
    free(t->buckets);
    t->buckets = NULL;
    sw_object_pool_destroy(&t->nodes);
    flow_packer_free(&t->packer);
}
