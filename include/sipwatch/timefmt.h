/* Capture-clock time formatting: ISO 8601 UTC with microseconds, used by
 * every output so that a finding, a dump line and the stats agree. */
#ifndef SIPWATCH_TIMEFMT_H
#define SIPWATCH_TIMEFMT_H

#include "sipwatch/types.h"

#define SW_TIME_STRLEN 32
/* "2026-11-23T22:25:15.123456Z" */
const char *sw_time_iso(sw_time_us t, char *buf, size_t buflen);

#endif
