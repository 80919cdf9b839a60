/* Wake heap (private to src/correlate): a four-ary min-heap of flows ordered
 * by their next wake-up time (a deadline to judge, or the time to forget
 * them). The wake time is kept beside each pointer, so sifting compares
 * without reading the flows; each flow_link keeps its own index for removal
 * and updates. */
#ifndef SIPWATCH_WAKE_HEAP_H
#define SIPWATCH_WAKE_HEAP_H

#include "flow_table.h"

typedef struct wake_entry {
    sw_time_us wake;
    flow_link *link;
} wake_entry;

typedef struct wake_heap {
    wake_entry *e;
    size_t len, cap;
} wake_heap;

/* Returns false when out of memory. */
bool wake_heap_init(wake_heap *h);
void wake_heap_free(wake_heap *h);

/* Adds n to wake at `wake` (n->heap_index set). False when out of memory. */
bool wake_heap_push(wake_heap *h, flow_link *n, sw_time_us wake);
/* Takes n out of the heap; nothing when n is not in it. */
void wake_heap_remove(wake_heap *h, flow_link *n);
/* Empties the heap at once (its flows keep stale indexes: removing them
 * afterwards does nothing). */
void wake_heap_clear(wake_heap *h);
/* Moves n to wake at `wake`, earlier or later. */
void wake_heap_set(wake_heap *h, flow_link *n, sw_time_us wake);
/* When n wakes. */
static inline sw_time_us wake_heap_time(const wake_heap *h, const flow_link *n)
{
    return h->e[n->heap_index].wake;
}
/* The flow that wakes first and its time, or NULL when empty. */
static inline flow_link *wake_heap_top(const wake_heap *h, sw_time_us *wake)
{
    if (!h->len)
        return NULL;
    *wake = h->e[0].wake;
    return h->e[0].link;
}
/* Points n's entry at n again after the flow table put n in another
 * link's place (it took over that link's heap index). */
static inline void wake_heap_relink(wake_heap *h, flow_link *n)
{
    h->e[n->heap_index].link = n;
}
/* Restores the order after the caller rewrote wake times of many entries
 * in place (e[i].wake). */
void wake_heap_rebuild(wake_heap *h);

#endif
