/* Object pool: chunks carved into fixed-size objects, freed ones reused
 * first (see sipwatch/object_pool.h). */
#include "sipwatch/object_pool.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Under AddressSanitizer a freed object is poisoned until it is handed out
 * again, so a pointer kept past its object's life (a flow frozen after its
 * event, say) is reported instead of reading stale memory. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(addr, size) ASAN_POISON_MEMORY_REGION((addr), (size))
#define UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION((addr), (size))
#else
#define POISON(addr, size) ((void)(addr), (void)(size))
#define UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif

void sw_object_pool_init(sw_object_pool *p, size_t size, size_t per_chunk)
{
    memset(p, 0, sizeof *p);
    if (size < sizeof(void *))
        size = sizeof(void *);
    p->size = (size + 15) & ~(size_t)15;
    p->per_chunk = per_chunk ? per_chunk : 1;
}

/* A new chunk to carve from; false when out of memory. */
static bool new_chunk(sw_object_pool *p)
{
    if (p->nchunks == p->chunks_cap) {
        size_t cap = p->chunks_cap ? p->chunks_cap * 2 : 16;
        void **grown = realloc(p->chunks, cap * sizeof *grown);
        if (!grown)
            return false;
        p->chunks = grown;
        p->chunks_cap = cap;
    }
    char *chunk = malloc(p->size * p->per_chunk);
    if (!chunk)
        return false;
    p->chunks[p->nchunks++] = chunk;
    p->carve = chunk;
    p->carve_end = chunk + p->size * p->per_chunk;
    return true;
}

void *sw_object_pool_alloc(sw_object_pool *p)
{
    void *obj;
    if (p->free_list) {
        obj = p->free_list;
        UNPOISON(obj, p->size);
        memcpy(&p->free_list, obj, sizeof p->free_list);
    } else {
        if (p->carve == p->carve_end && !new_chunk(p))
            return NULL;
        obj = p->carve;
        p->carve += p->size;
    }
    memset(obj, 0, p->size);
    p->live++;
    return obj;
}

void sw_object_pool_free(sw_object_pool *p, void *obj)
{
    if (!obj)
        return;
    memcpy(obj, &p->free_list, sizeof p->free_list);
    POISON(obj, p->size);
    p->free_list = obj;
    p->live--;
}

void sw_object_pool_destroy(sw_object_pool *p)
{
    for (size_t i = 0; i < p->nchunks; i++) {
        UNPOISON(p->chunks[i], p->size * p->per_chunk);
        free(p->chunks[i]);
    }
    free(p->chunks);
    memset(p, 0, sizeof *p);
}
