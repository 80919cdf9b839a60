/* A byte ring: records appended at the head overwrite the oldest bytes;
 * a position is the count of bytes ever written when a record started, so a
 * reader can tell whether the bytes it wants are still there. Plain memory,
 * no locking; the message stores of the monitor and the call store use it. */
#ifndef SIPWATCH_BYTE_RING_H
#define SIPWATCH_BYTE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sw_byte_ring {
    uint8_t *buf;
    size_t size;
    size_t head;                    /* next write offset */
    uint64_t written;               /* bytes ever written */
} sw_byte_ring;

/* Allocates size bytes (pages are touched only as they fill). Returns 0, or
 * -1 when out of memory. */
int sw_byte_ring_init(sw_byte_ring *r, size_t size);
void sw_byte_ring_free(sw_byte_ring *r);
/* Appends len bytes (len <= size), overwriting the oldest. */
void sw_byte_ring_put(sw_byte_ring *r, const void *src, size_t len);
/* Copies len bytes from position pos (which the caller checked with
 * sw_byte_ring_holds). */
void sw_byte_ring_get(const sw_byte_ring *r, uint64_t pos, void *dst, size_t len);
/* Whether the len bytes from pos are all written and none overwritten. */
bool sw_byte_ring_holds(const sw_byte_ring *r, uint64_t pos, size_t len);

#endif
