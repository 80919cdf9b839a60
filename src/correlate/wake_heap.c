/* Wake heap: sift up and down over (wake, node) pairs (see wake_heap.h). */
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

static void swap(wake_heap *h, size_t a, size_t b)
{
    wake_entry t = h->e[a];
    h->e[a] = h->e[b];
    h->e[b] = t;
    h->e[a].node->heap_index = a;
    h->e[b].node->heap_index = b;
}

static void up(wake_heap *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->e[parent].wake <= h->e[i].wake)
            break;
        swap(h, i, parent);
        i = parent;
    }
}

static void down(wake_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && h->e[l].wake < h->e[m].wake)
            m = l;
        if (r < h->len && h->e[r].wake < h->e[m].wake)
            m = r;
        if (m == i)
            return;
        swap(h, i, m);
        i = m;
    }
}

bool wake_heap_push(wake_heap *h, flow_node *n, sw_time_us wake)
{
    if (h->len == h->cap) {
        wake_entry *ne = realloc(h->e, 2 * h->cap * sizeof *ne);
        if (!ne)
            return false;
        h->e = ne;
        h->cap *= 2;
    }
    n->wake_at = wake;
    n->heap_index = h->len;
    h->e[h->len].wake = wake;
    h->e[h->len].node = n;
    h->len++;
    up(h, n->heap_index);
    return true;
}

void wake_heap_remove(wake_heap *h, flow_node *n)
{
    size_t i = n->heap_index;
    h->len--;
    if (i != h->len) {
        swap(h, i, h->len);
        down(h, i);
        up(h, i);
    }
}

void wake_heap_set(wake_heap *h, flow_node *n, sw_time_us wake)
{
    n->wake_at = wake;
    h->e[n->heap_index].wake = wake;
    down(h, n->heap_index);
    up(h, n->heap_index);
}

void wake_heap_rebuild(wake_heap *h)
{
    for (size_t i = h->len; i-- > 0;)
        down(h, i);
}
