/* Shared helpers for the media rules (private to src/rules): whether a
 * call's media can be judged at all, the window the call was up, and what
 * each side sent. A media rule's finding is keyed by the Call-ID alone. */
#ifndef SIPWATCH_RULE_MEDIA_H
#define SIPWATCH_RULE_MEDIA_H

#include "rule_util.h"

#include "sipwatch/media.h"

typedef struct media_view {
    const sw_flow *flow;
    const sw_media_call *mc;
    sw_time_us answer, end;         /* the call was up from answer to end */
    uint64_t packets[2];            /* RTP packets each side sent */
    sw_time_us first[2], last[2];   /* first and last RTP each side sent (0 = none) */
} media_view;

/* At a FLOW_END of an answered INVITE call with announced audio, media on,
 * no T.38: fills v and returns true. The end is the BYE, or the capture's
 * end for a call still up; a flow expired or evicted without BYE is not judged. */
bool media_view_of(const sw_rule_ctx *ctx, const sw_event *ev, media_view *v);
/* "caller 127.0.0.11" / "callee 127.0.0.12:10020 (its SDP)" pieces. */
const char *media_side_name(int side);
/* The side's signalling address (the flow's client or server). */
const sw_endpoint *media_side_signalling(const sw_flow *f, int side);
/* "127.0.0.12:10020" from the side's latest SDP (its audio line), or "?". */
const char *media_sdp_audio(const sw_media_call *mc, int side, char *buf, size_t n);
/* The side's latest SDP audio line into *out: false when it has none. */
bool media_sdp_audio_line(const sw_media_call *mc, int side, sw_sdp_media *out);

#endif
