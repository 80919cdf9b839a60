/* Frozen flows (private to src/correlate): a quiet flow, one that waits for
 * nothing but its expiry, is packed into one LZ4-compressed image of its
 * record and every part it owns (texts, transactions, auth tracks, REFERs,
 * route, offer, evidence endpoints), and unpacked exactly as it was when a
 * message or its expiry needs it. Lossless: what rules read does not change. */
#ifndef SIPWATCH_FLOW_FREEZE_H
#define SIPWATCH_FLOW_FREEZE_H

#include "sipwatch/correlate.h"

#include <stddef.h>

#define FLOW_IMAGE_MAX 16384        /* a flow whose image is larger stays as it is */

/* Scratch space for packing, reused from flow to flow. Zero it to start. */
typedef struct flow_packer {
    unsigned char *image;           /* FLOW_IMAGE_MAX bytes, allocated on first use */
    char *packed;                   /* LZ4_COMPRESSBOUND(FLOW_IMAGE_MAX) bytes */
    union LZ4_stream_u *lz4;        /* compression state, reset for each image */
} flow_packer;

void flow_packer_free(flow_packer *p);

/* Packs f and its parts into p->packed (f is left as it is). Returns the
 * packed length and sets *image_len, or returns 0 when f is too large to
 * freeze or memory ran out. */
size_t flow_pack(flow_packer *p, const sw_flow *f, size_t *image_len);

/* Rebuilds a flow from a packed image into *f, each part in an allocation
 * of its own as the live flow had it. Returns false (f zeroed, nothing
 * allocated) when memory ran out or the image does not read back. */
bool flow_unpack(flow_packer *p, const char *packed, size_t len, size_t image_len, sw_flow *f);

/* The same, read in place: *f's parts point into p's scratch image, good
 * until p packs or unpacks again; nothing is allocated, nothing to free. */
bool flow_unpack_view(flow_packer *p, const char *packed, size_t len, size_t image_len, sw_flow *f);

/* Whether the packed flow's Call-ID is call_id (without unpacking the rest). */
bool flow_packed_call_id_is(const char *packed, size_t len, size_t image_len, const char *call_id);

/* Frees what a live flow owns (its texts and every part), not the flow itself. */
void flow_free_parts(sw_flow *f);

#endif
