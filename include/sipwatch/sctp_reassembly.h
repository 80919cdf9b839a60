/* SCTP user-message reassembly for the decode stage: joins the DATA chunks
 * of one message (B flag ... E flag, consecutive TSNs) per direction of an
 * association. Bounded: a few messages in progress at once, each capped in
 * size, the oldest replaced first; anything out of sequence is dropped and
 * counted. */
#ifndef SIPWATCH_SCTP_REASSEMBLY_H
#define SIPWATCH_SCTP_REASSEMBLY_H

#include "sipwatch/types.h"

#define SW_SCTP_FLAG_END 0x01
#define SW_SCTP_FLAG_BEGIN 0x02

typedef struct sw_sctp_stats {
    uint64_t fragments;         /* chunks that were part of a larger message */
    uint64_t reassembled;       /* messages completed */
    uint64_t dropped;           /* chunks out of sequence, oversize, or evicted partial messages */
} sw_sctp_stats;

typedef struct sw_sctp_table sw_sctp_table;

sw_sctp_table *sw_sctp_create(size_t max_message_len);
void sw_sctp_destroy(sw_sctp_table *t);

/* Offers a DATA chunk that is not a whole message on its own. Returns true
 * when it completed one: *out (valid until the next call) holds it. */
bool sw_sctp_add(sw_sctp_table *t, const sw_endpoint *src, const sw_endpoint *dst, uint16_t stream,
                 uint32_t tsn, uint8_t flags, const uint8_t *data, size_t len, sw_time_us now,
                 const uint8_t **out, size_t *out_len);

void sw_sctp_get_stats(const sw_sctp_table *t, sw_sctp_stats *stats);

#endif
