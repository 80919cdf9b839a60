/* Prometheus metrics endpoint (libmicrohttpd): GET /metrics serves the
 * monitor's counters in the text exposition format. A viewer like the
 * dashboard: it reads the monitor only, on libmicrohttpd's own thread. */
#ifndef SIPWATCH_METRICS_H
#define SIPWATCH_METRICS_H

#include "sipwatch/monitor.h"

typedef struct sw_metrics sw_metrics;

/* addr: "PORT" (binds 127.0.0.1), "ADDR:PORT", "[IPv6]:PORT" or "*:PORT"
 * (all addresses). Returns NULL with a one-line message in err when the
 * address is malformed or cannot be bound. */
sw_metrics *sw_metrics_start(const char *addr, sw_monitor *monitor, char *err, size_t errlen);
void sw_metrics_stop(sw_metrics *metrics);

/* The exposition text for the monitor's current counters (malloc'ed,
 * NUL-terminated; the caller frees). Used by the endpoint and by tests. */
char *sw_metrics_render(sw_monitor *monitor);

#endif
