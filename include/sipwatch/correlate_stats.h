/* The correlator's counters, as plain data: what the run summary, the JSON
 * stats line and the metrics read, without the correlator's state types. */
#ifndef SIPWATCH_CORRELATE_STATS_H
#define SIPWATCH_CORRELATE_STATS_H

#include <stdint.h>

typedef struct sw_correlate_stats {
    uint64_t messages, uncorrelated;            /* uncorrelated: no Call-ID or CSeq, or no flow could hold it */
    uint64_t retransmissions, duplicates;
    uint64_t flows, flows_expired, flows_evicted;
    uint64_t peers, peers_evicted;
    uint64_t txns_evicted_pending;              /* evicted (with their flow, or from its ring) while waiting
                                                   for a final response: judged in aggregate */
    uint64_t orphans_dropped;                   /* ... whose server/method could not be tracked (table full) */
    uint64_t clock_jumps;                       /* capture clock leapt forward by more than a day */
    uint64_t unreachable;                       /* requests returned in ICMP destination-unreachable errors */
    uint64_t active_flows, active_peers;        /* gauges */
    uint64_t active_dialogs;                    /* gauge: confirmed, not terminated */
    uint64_t pending_txns;                      /* gauge: transactions awaiting a final response */
} sw_correlate_stats;

#endif
