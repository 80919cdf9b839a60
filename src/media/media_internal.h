/* Media stage (private): the tables shared by its files. */
#ifndef SIPWATCH_MEDIA_INTERNAL_H
#define SIPWATCH_MEDIA_INTERNAL_H

#include "sipwatch/media.h"
#include "sipwatch/object_pool.h"

/* A call's slot: its key, chain and age links beside the call's pointer,
 * so a lookup reads one cache line a step and only then the call. */
typedef struct media_slot {
    uint64_t key;                   /* media_call_key of the Call-ID; 0: the slot is free */
    int32_t next;                   /* the next slot in the hash chain, or -1 */
    int32_t age_prev, age_next;     /* creation order, or -1 */
    sw_media_call *call;
} media_slot;

struct sw_media {
    size_t max_calls, active;
    uint32_t nbuckets;              /* power of two, for calls and endpoints alike */
    media_slot *slots;              /* max_calls of them */
    int32_t *call_bucket;           /* chains of slots, linked through their `next` */
    int32_t *ep_bucket;             /* chains of call * SW_MEDIA_ENDPOINTS + slot, linked through
                                     * each endpoint's `next`: no table sized for 16 slots a call */
    int32_t age_head, age_tail;     /* the slots in creation order, oldest first: eviction in O(1) */
    int32_t *free_slots;            /* a ring of the free call slots, oldest freed first */
    size_t free_head, free_count;
    sw_media_config cfg;
    sw_object_pool call_pool;       /* where the calls live */
    sw_media_stats stats;
};

/* Endpoint entry e (call slot * SW_MEDIA_ENDPOINTS + its place) and its call's slot. */
static inline int32_t media_ep_slot(int32_t e)
{
    return e / SW_MEDIA_ENDPOINTS;
}
static inline sw_media_endpoint *media_ep_entry(const sw_media *m, int32_t e)
{
    return &m->slots[media_ep_slot(e)].call->endpoints[e % SW_MEDIA_ENDPOINTS];
}

uint64_t media_call_key(const char *call_id);
int32_t media_call_index(const sw_media *m, uint64_t key);
int32_t media_call_get(sw_media *m, uint64_t key);
int32_t media_ep_lookup(const sw_media *m, const sw_endpoint *ep);
void media_ep_add(sw_media *m, int32_t ci, const sw_endpoint *ep, uint8_t side, bool latched);
void media_count_mos(sw_media *m, const sw_media_call *mc);
/* A side's SDP packed into one allocation (NULL when out of memory), and back. */
uint8_t *media_sdp_pack(const sw_sdp *sdp);
void media_sdp_unpack(const uint8_t *packed, sw_sdp *out);
/* The MOS of one stream (0 when its codec clock is unknown). */
double media_stream_mos(const sw_rtp_stream *s);

#endif
