/* Flow table: Call-ID hash chains and the LRU list (see flow_table.h). */
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
    flow_node **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        flow_node *next;
        for (flow_node *x = t->buckets[i]; x; x = next) {
            next = x->hnext;
            x->hnext = b[x->hash & (n - 1)];
            b[x->hash & (n - 1)] = x;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static void lru_unlink(flow_table *t, flow_node *n)
{
    if (n->prev) n->prev->next = n->next; else t->lru_head = n->next;
    if (n->next) n->next->prev = n->prev; else t->lru_tail = n->prev;
    n->prev = n->next = NULL;
}

static void lru_append(flow_table *t, flow_node *n)
{
    n->prev = t->lru_tail;
    n->next = NULL;
    if (t->lru_tail) t->lru_tail->next = n; else t->lru_head = n;
    t->lru_tail = n;
}

flow_node *flow_table_lookup(const flow_table *t, const char *call_id, uint64_t hash)
{
    for (flow_node *n = t->buckets[hash & (t->nbuckets - 1)]; n; n = n->hnext)
        if (n->hash == (uint32_t)hash && strcmp(n->flow.call_id, call_id) == 0)
            return n;
    return NULL;
}

flow_node *flow_table_insert(flow_table *t, const char *call_id, uint64_t hash,
                             const char *const texts[SW_FLOW_TEXT_FIELDS])
{
    grow_buckets(t);
    flow_node *n = sw_object_pool_alloc(&t->nodes);
    if (!n)
        return NULL;
    n->hash = (uint32_t)hash;
    if (!flow_set_call_id(&n->flow, call_id, texts)) {
        sw_object_pool_free(&t->nodes, n);
        return NULL;
    }
    n->hnext = t->buckets[hash & (t->nbuckets - 1)];
    t->buckets[hash & (t->nbuckets - 1)] = n;
    lru_append(t, n);
    t->count++;
    return n;
}

void flow_table_touch(flow_table *t, flow_node *n)
{
    if (t->lru_tail == n)
        return;
    lru_unlink(t, n);
    lru_append(t, n);
}

static void free_node(flow_table *t, flow_node *n)
{
    sw_flow *f = &n->flow;
    auth_track_free(f->auth[0]);
    auth_track_free(f->auth[1]);
    free(f->refers);
    free(f->route);
    offer_free(f->offer);
    free(f->txns);
    free(f->ev_eps);
    free(f->text);
    sw_object_pool_free(&t->nodes, n);
}

void flow_table_remove(flow_table *t, flow_node *n)
{
    flow_node **pp = &t->buckets[n->hash & (t->nbuckets - 1)];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    lru_unlink(t, n);
    t->count--;
    free_node(t, n);
}

void flow_table_free(flow_table *t)
{
    while (t->lru_head)
        flow_table_remove(t, t->lru_head);
    free(t->buckets);
    t->buckets = NULL;
    sw_object_pool_destroy(&t->nodes);
}
