/* Per-thread bump allocator behind libosip2's allocation hooks.
 * Between begin and end, osip_malloc carves 8-byte aligned blocks (with a
 * size header, for realloc) out of a thread-local buffer; free of an arena
 * block does nothing; anything that does not fit, or is allocated outside a
 * parse, uses the C library. The thread-local state is scratch memory, not
 * shared state: each parsing thread has its own. */
#include "osip_arena.h"

#include <osipparser2/osip_port.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_SIZE (512 * 1024)
/* Eight bytes of size before each block (for realloc), blocks 8-byte
 * aligned: libosip2 allocates only its own structures (pointers, ints,
 * size_t) and strings, none of which needs more; a small string then takes
 * 16 bytes of the arena instead of 32. */
#define HDR 8

typedef struct arena {
    uint8_t *base;
    size_t used;
    bool active;
    bool overflowed;
} arena;

static _Thread_local arena tl_arena;

static bool in_arena(const void *p)
{
    const uint8_t *b = tl_arena.base;
    return b && (const uint8_t *)p >= b && (const uint8_t *)p < b + ARENA_SIZE;
}

static void *arena_malloc(size_t n)
{
    arena *a = &tl_arena;
    if (a->active) {
        size_t need = (n + HDR + 7) & ~(size_t)7;
        if (n <= ARENA_SIZE && a->used + need <= ARENA_SIZE) {
            uint8_t *p = a->base + a->used;
            a->used += need;
            memcpy(p, &n, sizeof n);
            return p + HDR;
        }
        a->overflowed = true;
    }
    return malloc(n ? n : 1);
}

static void arena_free(void *p)
{
    if (p && !in_arena(p))
        free(p);
}

static void *arena_realloc(void *p, size_t n)
{
    if (!p)
        return arena_malloc(n);
    if (!in_arena(p))
        return realloc(p, n);
    size_t old;
    memcpy(&old, (uint8_t *)p - HDR, sizeof old);
    if (n <= old)
        return p;
    void *q = arena_malloc(n);
    if (q)
        memcpy(q, p, old);
    return q;
}

void sw_osip_arena_install(void)
{
    osip_set_allocators(arena_malloc, arena_realloc, arena_free);
}

void sw_osip_arena_begin(void)
{
    arena *a = &tl_arena;
    if (!a->base) {
        a->base = malloc(ARENA_SIZE);
        if (!a->base)
            return;
    }
    a->used = 0;
    a->overflowed = false;
    a->active = true;
}

void sw_osip_arena_release(void)
{
    free(tl_arena.base);
    memset(&tl_arena, 0, sizeof tl_arena);
}

bool sw_osip_arena_clean(void)
{
    const arena *a = &tl_arena;
    return a->base && a->active && !a->overflowed;
}

bool sw_osip_arena_end(void)
{
    arena *a = &tl_arena;
    bool clean = sw_osip_arena_clean();
    a->active = false;
    a->used = 0;
    return clean;
}
