/* Visibility: what a run could not inspect, so that "no problems found" is
 * only ever said about traffic sipwatch could read. Turns plain counters
 * (SIP messages, TLS connections, a truncated file, capture drops, state
 * evicted at its limits) into sentences for the report, the --check line,
 * the JSON stats and the dashboard header. A pure function of its input. */
#ifndef SIPWATCH_VISIBILITY_H
#define SIPWATCH_VISIBILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sw_visibility_input {
    uint64_t packets;
    uint64_t sip_messages;
    uint64_t parse_errors;          /* messages libosip2 rejected */
    uint64_t tls_connections;       /* TLS connections not decrypted (all of them without a key log) */
    /* Why, when known (all zero: the reasons are not told): */
    uint64_t tls_no_key, tls_unsupported, tls_midstream, tls_damaged;
    uint64_t capture_drops;         /* kernel + interface drops (live) */
    uint64_t flows_evicted;         /* Call-ID state pushed out by flows.max */
    bool truncated;                 /* the capture file ends early */
    const char *truncated_why;      /* libpcap's words, or NULL */
} sw_visibility_input;

#define SW_BLIND_SPOTS 6
#define SW_BLIND_SPOT_LEN 200

typedef struct sw_blind_spots {
    bool saw_nothing;               /* not one SIP message: no verdict is possible */
    unsigned count;
    char lines[SW_BLIND_SPOTS][SW_BLIND_SPOT_LEN];   /* sentences */
    char labels[SW_BLIND_SPOTS][64];                  /* short forms, for a status line */
} sw_blind_spots;

/* Fills out with one sentence per blind spot, most serious first. */
void sw_visibility_assess(const sw_visibility_input *in, sw_blind_spots *out);

#endif
