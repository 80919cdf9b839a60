/* Shared by the libFuzzer targets: a reader that takes fields off the input
 * (zeros once it runs out, so every input is valid), the capture-clock steps
 * the inputs choose from, and the endpoints they use. */
#ifndef SIPWATCH_FUZZ_UTIL_H
#define SIPWATCH_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct fz_reader {
    const uint8_t *p;
    size_t n;
} fz_reader;

static inline uint8_t fz_u8(fz_reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static inline uint16_t fz_u16(fz_reader *r)
{
    uint16_t hi = fz_u8(r);
    return (uint16_t)(hi << 8 | fz_u8(r));
}

/* Up to want bytes (fewer at the end of the input); *got says how many. */
static inline const uint8_t *fz_bytes(fz_reader *r, size_t want, size_t *got)
{
    const uint8_t *p = r->p;
    *got = want < r->n ? want : r->n;
    r->p += *got;
    r->n -= *got;
    return p;
}

/* How far the capture clock moves: small steps, and the ones that cross
 * the timeouts (T1 multiples, 32 s, 64 s, 120 s, 300 s, an hour). */
static inline sw_time_us fz_step(unsigned i)
{
    static const uint32_t ms[32] = {0, 0, 0, 0, 1, 1, 10, 10, 50, 100, 250, 500, 500, 1000, 1000, 2000,
                                    4000, 4000, 8000, 16000, 31000, 32100, 33000, 60000, 64100, 65000,
                                    120100, 180000, 300100, 600100, 3600000, 7300000};
    return (sw_time_us)ms[i % 32] * 1000;
}

/* Endpoint k of a few: IPv4 10.0.0.1-4 (k 0-3) and two IPv6 ones (k 4-5). */
static inline sw_endpoint fz_endpoint(unsigned k, uint16_t port)
{
    sw_endpoint e;
    memset(&e, 0, sizeof e);
    k %= 6;
    if (k < 4) {
        e.ip.family = 4;
        e.ip.bytes[0] = 10;
        e.ip.bytes[3] = (uint8_t)(k + 1);
    } else {
        e.ip.family = 6;
        e.ip.bytes[0] = 0xfd;
        e.ip.bytes[15] = (uint8_t)k;
    }
    e.port = port;
    return e;
}

#define FZ_START_TIME ((sw_time_us)1700000000 * SW_USEC_PER_SEC)

#endif
