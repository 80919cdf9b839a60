/* Per-thread bump allocator for libosip2 (private to the SIP stage).
 * A parse allocates hundreds of small blocks that all die together; serving
 * them from a thread's arena and dropping the whole tree at once removes
 * most of libosip2's cost. Blocks outside any arena go to malloc/free. */
#ifndef SIPWATCH_OSIP_ARENA_H
#define SIPWATCH_OSIP_ARENA_H

#include <stdbool.h>
#include <stddef.h>

/* Installs the allocators into libosip2; once, before any parse. */
void sw_osip_arena_install(void);

/* Starts serving this thread's allocations from its arena. */
void sw_osip_arena_begin(void);
/* Stops; returns true when every block came from the arena, so the parse
 * tree can be dropped without walking it (osip_message_free not needed). */
bool sw_osip_arena_end(void);

/* Whether every block since begin came from the arena (it is serving and
 * none overflowed): a tree parsed so far is then dropped with the arena,
 * and need not be walked to be freed. */
bool sw_osip_arena_clean(void);

/* Frees the calling thread's arena (before the thread ends). */
void sw_osip_arena_release(void);

#endif
