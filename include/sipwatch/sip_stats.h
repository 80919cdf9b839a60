/* SIP stage counters: messages recognised, parse outcomes, requests by
 * method and responses by status code, and a bounded sample of where parse
 * errors came from. Fixed size whatever the traffic: unknown methods and
 * out-of-range codes fold into "other". */
#ifndef SIPWATCH_SIP_STATS_H
#define SIPWATCH_SIP_STATS_H

#include "sipwatch/sip_message.h"

#define SW_PARSE_ERROR_SAMPLES 16

typedef struct sw_parse_error_sample {
    uint64_t frame;
    sw_time_us ts;
    sw_endpoint src, dst;
    sw_transport transport;
    size_t len;
    char first_line[80];
} sw_parse_error_sample;

typedef struct sw_sip_stats {
    uint64_t messages;              /* recognised as SIP (parsed or not) */
    uint64_t parse_errors;          /* rejected by libosip2 */
    uint64_t too_large;             /* over the message size cap */
    uint64_t requests, responses;
    uint64_t by_method[SW_METHOD_COUNT];        /* [SW_METHOD_OTHER] = unknown methods */
    uint64_t by_status[700];                    /* 100..699; [0] = anything else */
    uint64_t by_transport[SW_TRANSPORT_COUNT];
    uint64_t missing_call_id, missing_cseq;
    size_t error_samples;
    sw_parse_error_sample errors[SW_PARSE_ERROR_SAMPLES];
} sw_sip_stats;

void sw_sip_stats_count(sw_sip_stats *s, sw_sip_parse_result result, const sw_sip_msg *msg,
                        const sw_payload *payload);

#endif
