/* Capture-wide minutes and their baseline (see minutes.h). */
#include "minutes.h"
#include "corr_util.h"

#include <math.h>

/* Linear counting: distinct items hashed into a bitmap of `bits` bits. */
static uint32_t distinct_estimate(const uint8_t *map, unsigned bits)
{
    unsigned zero = 0;
    for (unsigned i = 0; i < bits / 8; i++)
        zero += 8u - (unsigned)__builtin_popcount(map[i]);
    if (zero == 0)
        zero = 1;                   /* saturated: a lower bound */
    return (uint32_t)(-(double)bits * log((double)zero / bits) + 0.5);
}

uint32_t sw_minutes_refused_sources(const sw_minutes *m)
{
    return distinct_estimate(m->refused_sources, SW_MINUTE_SOURCE_BITS);
}

void minutes_note_refused_source(sw_minutes *m, const sw_ip_addr *client)
{
    uint64_t bit = ip_hash(client) % SW_MINUTE_SOURCE_BITS;
    m->refused_sources[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

void minutes_close(sw_minutes *m)
{
    memcpy(m->closed, m->current, sizeof m->closed);
    memset(m->current, 0, sizeof m->current);
    m->closed_refused_sources = distinct_estimate(m->refused_sources, SW_MINUTE_SOURCE_BITS);
    memset(m->refused_sources, 0, sizeof m->refused_sources);
}

void minutes_fold(sw_minutes *m)
{
    for (int k = 0; k < SW_MIN_COUNT; k++)
        m->baseline[k] = m->history ? 0.9 * m->baseline[k] + 0.1 * m->closed[k] : m->closed[k];
    m->history++;
}
