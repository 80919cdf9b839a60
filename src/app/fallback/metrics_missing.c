/* Stand-in for the metrics endpoint, compiled only while
 * src/output/metrics.c is absent (see CMakeLists.txt). */
#include "sipwatch/metrics.h"

#include <stdio.h>
#include <stdlib.h>

sw_metrics *sw_metrics_start(const char *addr, sw_monitor *monitor, char *err, size_t errlen)
{
    (void)addr;
    (void)monitor;
    snprintf(err, errlen, "this build has no metrics endpoint");
    return NULL;
}

void sw_metrics_stop(sw_metrics *metrics)
{
    (void)metrics;
}

char *sw_metrics_render(sw_monitor *monitor)
{
    (void)monitor;
    return NULL;
}
