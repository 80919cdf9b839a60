/* Wake heap: a four-ary min-heap sifted up and down over (wake, node)
 * pairs (see wake_heap.h). */
#include "wake_heap.h"

#include <stdlib.h>

bool wake_heap_init(wake_heap *h)
{
    h->len = 0;
    h->cap = 1024;
    h->e = malloc(h->cap * sizeof *h->e);
    return h->e != NULL;
}

void wake_heap_free(wake_heap *h)
{
    free(h->e);
    h->e = NULL;
    h->len = h->cap = 0;
}

/* Four children per entry: half the levels of a binary heap, the four
 * siblings side by side. Sifting moves a hole and writes each moved
 * flow's index once, instead of swapping pairs. */
#define ARITY 4

static inline void place(wake_heap *h, size_t i, wake_entry e)
{
    h->e[i] = e;
    e.link->heap_index = (uint32_t)i;
}

static void up(wake_heap *h, size_t i)
{
    wake_entry moving = h->e[i];
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (h->e[parent].wake <= moving.wake)
            break;
        place(h, i, h->e[parent]);
        i = parent;
    }
    place(h, i, moving);
}

static void down(wake_heap *h, size_t i)
{
    wake_entry moving = h->e[i];
    for (;;) {
        size_t first = ARITY * i + 1, m = i;
        sw_time_us least = moving.wake;
        size_t last = first + ARITY < h->len ? first + ARITY : h->len;
        for (size_t c = first; c < last; c++)
            if (h->e[c].wake < least) {
                least = h->e[c].wake;
                m = c;
            }
        if (m == i)
            break;
        place(h, i, h->e[m]);
        i = m;
    }
    place(h, i, moving);
}

bool wake_heap_push(wake_heap *h, flow_link *n, sw_time_us wake)
{
    if (h->len == h->cap) {
        wake_entry *ne = realloc(h->e, 2 * h->cap * sizeof *ne);
        if (!ne)
            return false;
        h->e = ne;
        h->cap *= 2;
    }
    size_t i = h->len++;
    n->heap_index = (uint32_t)i;
    h->e[i].wake = wake;
    h->e[i].link = n;
    up(h, i);
    return true;
}

void wake_heap_remove(wake_heap *h, flow_link *n)
{
    size_t i = n->heap_index;
    if (i >= h->len || h->e[i].link != n)
        return;                     /* not in the heap (it was cleared) */
    h->len--;
    if (i != h->len) {
        place(h, i, h->e[h->len]);
        down(h, i);
        up(h, i);
    }
}

void wake_heap_set(wake_heap *h, flow_link *n, sw_time_us wake)
{
    h->e[n->heap_index].wake = wake;
    down(h, n->heap_index);
    up(h, n->heap_index);
}

void wake_heap_clear(wake_heap *h)
{
    h->len = 0;
}

void wake_heap_rebuild(wake_heap *h)
{
    for (size_t i = h->len; i-- > 0;)
        down(h, i);
}
