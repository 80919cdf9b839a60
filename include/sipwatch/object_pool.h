/* An object pool: fixed-size objects carved from chunks, a freed object
 * reused before a new one is carved: one malloc per chunk, no per-object
 * header. Memory goes back to the system when the pool is destroyed. The
 * correlator's flows and peers and the media stage's calls use one each.
 * Plain memory, no locking. */
#ifndef SIPWATCH_OBJECT_POOL_H
#define SIPWATCH_OBJECT_POOL_H

#include <stddef.h>

typedef struct sw_object_pool {
    size_t size;                    /* of an object, rounded up to a multiple of 16 */
    size_t per_chunk;               /* objects carved from one chunk */
    void *free_list;                /* freed objects, each holding the next */
    char *carve, *carve_end;        /* what is left of the newest chunk */
    void **chunks;
    size_t nchunks, chunks_cap;
    size_t live;                    /* objects handed out and not freed */
} sw_object_pool;

/* An empty pool of objects of `size` bytes, carved per_chunk at a time
 * (at least 1). Allocates nothing yet. */
void sw_object_pool_init(sw_object_pool *p, size_t size, size_t per_chunk);
/* A zeroed object, or NULL when out of memory. */
void *sw_object_pool_alloc(sw_object_pool *p);
/* Gives back an object from this pool (NULL is ignored). */
void sw_object_pool_free(sw_object_pool *p, void *obj);
/* Frees every chunk: objects still handed out are gone with them. */
void sw_object_pool_destroy(sw_object_pool *p);

#endif
