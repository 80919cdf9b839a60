/* The byte ring (see byte_ring.h): copies wrap at the end of the buffer. */
#include "sipwatch/byte_ring.h"

#include <stdlib.h>
#include <string.h>

int sw_byte_ring_init(sw_byte_ring *r, size_t size)
{
    memset(r, 0, sizeof *r);
    r->buf = malloc(size);
    if (!r->buf)
        return -1;
    r->size = size;
    return 0;
}

void sw_byte_ring_free(sw_byte_ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

void sw_byte_ring_put(sw_byte_ring *r, const void *src, size_t len)
{
    const uint8_t *s = src;
    while (len) {
        size_t room = r->size - r->head;
        size_t n = len < room ? len : room;
        memcpy(r->buf + r->head, s, n);
        r->head = (r->head + n) % r->size;
        r->written += n;
        s += n;
        len -= n;
    }
}

void sw_byte_ring_get(const sw_byte_ring *r, uint64_t pos, void *dst, size_t len)
{
    uint8_t *d = dst;
    size_t off = (size_t)(pos % r->size);
    while (len) {
        size_t room = r->size - off;
        size_t n = len < room ? len : room;
        memcpy(d, r->buf + off, n);
        off = (off + n) % r->size;
        d += n;
        len -= n;
    }
}

bool sw_byte_ring_holds(const sw_byte_ring *r, uint64_t pos, size_t len)
{
    return pos <= r->written && r->written - pos <= r->size && r->written - pos >= len;
}
