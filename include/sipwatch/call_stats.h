/* Call statistics: the operators' KPIs accumulated from call records as
 * they end: attempts and outcomes by state and by final status, answer-
 * seizure ratio (ASR), network effectiveness ratio (NER), mean post-dial
 * delay (PDD) and average call duration (ACD); and the first failed calls,
 * for the report. Plain data, bounded. */
#ifndef SIPWATCH_CALL_STATS_H
#define SIPWATCH_CALL_STATS_H

#include "sipwatch/calls.h"

#define SW_CALL_STATES 9
#define SW_FAILED_CALLS_KEPT 20
#define SW_PDD_BUCKETS 7
/* Upper bounds of the post-dial-delay histogram, in ms (then +Inf). */
extern const unsigned sw_pdd_bounds_ms[SW_PDD_BUCKETS];

typedef struct sw_failed_call {
    sw_time_us start;
    char from[48], to[48], call_id[64];
    sw_call_state state;
    uint16_t final_status;
    char reason[32];
} sw_failed_call;

#define SW_CALL_PEERS 32          /* peers counted apart; the rest share one "other" row */

/* KPIs of the calls sent to one peer (the INVITE's destination address: a
 * trunk, a PBX, a gateway). */
typedef struct sw_peer_calls {
    sw_ip_addr peer;                /* family 0: "other" */
    uint64_t attempts, answered, delivered;
    uint64_t pdd_count, pdd_ms_sum;
    uint64_t duration_count;
    double duration_s_sum;
    uint64_t by_state[SW_CALL_STATES];
} sw_peer_calls;

typedef struct sw_call_stats {
    uint64_t records;               /* every call record (all methods) */
    uint64_t attempts;              /* INVITE calls */
    uint64_t by_state[SW_CALL_STATES];      /* INVITE calls by state */
    uint64_t by_status[700];        /* INVITE calls by final status ([0] = none) */
    uint64_t pdd_count, pdd_ms_sum;         /* calls that rang, and their post-dial delays */
    uint64_t pdd_buckets[SW_PDD_BUCKETS];   /* cumulative: PDD at most sw_pdd_bounds_ms[i] */
    uint64_t duration_count;        /* answered calls with a known end */
    double duration_s_sum;
    uint64_t failed;                /* INVITE calls that did not connect for a failure */
    sw_failed_call failed_calls[SW_FAILED_CALLS_KEPT];  /* the first of them */
    unsigned nfailed_calls;
    sw_peer_calls peers[SW_CALL_PEERS + 1];   /* the first SW_CALL_PEERS peers, then "other" */
    unsigned npeers;
} sw_call_stats;

/* Counts one ended call. */
void sw_call_stats_add(sw_call_stats *s, const sw_call *c);
/* Answered / attempts (0 when no attempt). */
double sw_call_stats_asr(const sw_call_stats *s);
/* Answered, busy, no answer, cancelled and declined / attempts: the calls
 * the network delivered to the user. */
double sw_call_stats_ner(const sw_call_stats *s);
/* The peers in order of attempts, busiest first (at most max): fills out
 * with pointers into s, returns how many. */
unsigned sw_call_stats_top_peers(const sw_call_stats *s, const sw_peer_calls **out, unsigned max);
/* Means: post-dial delay in ms, call duration in s (0 when none). */
double sw_call_stats_pdd_ms(const sw_call_stats *s);
double sw_call_stats_acd_s(const sw_call_stats *s);

#endif
