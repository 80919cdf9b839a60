/* ISO 8601 formatting of capture-clock timestamps (UTC, microseconds). */
#include "sipwatch/timefmt.h"

#include <stdio.h>
#include <time.h>

const char *sw_time_iso(sw_time_us t, char *buf, size_t buflen)
{
    time_t secs = (time_t)(t / SW_USEC_PER_SEC);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, buflen, "?");
        return buf;
    }
    snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(t % SW_USEC_PER_SEC));
    return buf;
}
