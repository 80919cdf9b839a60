/* Capture-wide minutes (private to src/correlate): counts per minute of
 * capture clock (sw_minutes in correlate.h), the distinct sources of refused
 * REGISTERs on a bitmap, and the exponentially weighted baseline the rules
 * compare a closed minute with. The correlator decides when a minute closes. */
#ifndef SIPWATCH_MINUTES_H
#define SIPWATCH_MINUTES_H

#include "sipwatch/correlate.h"

/* Counts n events of kind k in the current minute. */
static inline void minutes_count(sw_minutes *m, sw_minute_counter k, uint32_t n)
{
    m->current[k] += n;
}
/* Notes a client whose REGISTER was refused (for the distinct-source estimate). */
void minutes_note_refused_source(sw_minutes *m, const sw_ip_addr *client);
/* Moves the current minute to closed (with its source estimate) and starts an empty one. */
void minutes_close(sw_minutes *m);
/* Folds the closed minute into the baseline (after the rules judged it). */
void minutes_fold(sw_minutes *m);

#endif
