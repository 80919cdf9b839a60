/* Frozen flows (private to src/correlate): a quiet flow, one that waits for
 * nothing but its compaction or expiry, is packed into an LZ4-compressed
 * image of its record and every part it owns (texts, transactions, auth
 * tracks, REFERs, route, offer, evidence endpoints), with what compaction
 * drops in a tail of its own, and unpacked exactly as it was when a message
 * or its expiry needs it. Lossless: what rules read does not change. */
#ifndef SIPWATCH_FLOW_FREEZE_H
#define SIPWATCH_FLOW_FREEZE_H

#include "sipwatch/correlate.h"

#include <stddef.h>
#include <stdint.h>

#define FLOW_IMAGE_MAX 16384        /* a flow whose image is larger stays as it is */

/* Scratch space for packing, reused from flow to flow. Zero it to start. */
typedef struct flow_packer {
    unsigned char *image;           /* FLOW_IMAGE_MAX bytes, allocated on first use */
    char *packed;                   /* LZ4_COMPRESSBOUND(FLOW_IMAGE_MAX) bytes */
    union LZ4_stream_u *lz4;        /* compression state, reset for each image */
} flow_packer;

void flow_packer_free(flow_packer *p);

/* The sizes of a packed flow: its head, and the tail a compaction drops
 * (both 0 when it has none). The head's image is what it unpacks to. */
typedef struct flow_sizes {
    uint32_t head_packed, head_image;
    uint32_t tail_packed, tail_image;
} flow_sizes;

/* Packs f and its parts into p->packed (f is left as it is). With
 * compacted NULL the head is f whole and there is no tail. Otherwise
 * compacted is f as its compaction will leave it (a copy of the record
 * with fewer transactions, no route or offer, other fields as they will
 * be; every other part f's own): the head is compacted, the tail f's
 * record and the parts compacted lacks, compressed after the head so that
 * dropping the tail leaves the compacted flow packed. Returns false when
 * f is too large to freeze or memory ran out. */
bool flow_pack(flow_packer *p, const sw_flow *f, const sw_flow *compacted, flow_sizes *sz);

/* Rebuilds a flow from the packed head and tail (when sz has one) into *f,
 * each part in an allocation of its own as the live flow had it. Returns
 * false (f zeroed, nothing allocated) when memory ran out or the image does
 * not read back. */
bool flow_unpack(flow_packer *p, const char *packed, const flow_sizes *sz, sw_flow *f);

/* The same, read in place: *f's parts point into p's scratch image, good
 * until p packs or unpacks again; nothing is allocated, nothing to free. */
bool flow_unpack_view(flow_packer *p, const char *packed, const flow_sizes *sz, sw_flow *f);

/* Whether the packed flow's Call-ID is call_id (without unpacking the rest). */
bool flow_packed_call_id_is(const char *packed, const flow_sizes *sz, const char *call_id);

/* Frees what a live flow owns (its texts and every part), not the flow itself. */
void flow_free_parts(sw_flow *f);

#endif
