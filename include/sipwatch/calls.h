/* Call records: every dialog-forming or standalone transaction group (an
 * INVITE call, a REGISTER, an OPTIONS ping, a SUBSCRIBE ...) summarised when
 * it ends, with its outcome an operator reads at a glance. Plain data: the
 * correlator fills one from a flow (sw_flow_call), outputs write it. */
#ifndef SIPWATCH_CALLS_H
#define SIPWATCH_CALLS_H

#include "sipwatch/types.h"

typedef enum sw_call_state {
    SW_CALL_IN_PROGRESS = 0,        /* no final response yet (the capture ended first) */
    SW_CALL_ANSWERED,               /* INVITE answered 2xx, no BYE seen */
    SW_CALL_COMPLETED,              /* answered, then ended by BYE; other methods: a 2xx */
    SW_CALL_REJECTED,               /* a final failure not covered below (4xx, 603 ...) */
    SW_CALL_BUSY,                   /* 486, 600 */
    SW_CALL_CANCELLED,              /* 487 after CANCEL */
    SW_CALL_NO_ANSWER,              /* 408, 480 */
    SW_CALL_FAILED,                 /* 5xx, 6xx other than busy or decline */
    SW_CALL_TIMEOUT,                /* no final response within the transaction timeout */
} sw_call_state;

typedef enum sw_call_ender {
    SW_ENDER_NONE = 0,
    SW_ENDER_CALLER,                /* BYE or CANCEL from the caller */
    SW_ENDER_CALLEE,                /* BYE from the callee, or its final failure */
    SW_ENDER_TIMEOUT,               /* nobody answered */
} sw_call_ender;

#define SW_CALL_BRANCHES 4          /* forked branches told apart; more share the last */

#define SW_CALL_STREAMS 8           /* media streams summarised in a call record */

/* What the call record says of the call's media (the media stage fills it). */
typedef enum sw_call_media {
    SW_CALL_MEDIA_NONE = 0,         /* no SDP seen, or media analysis off (--no-rtp) */
    SW_CALL_MEDIA_NOT_CAPTURED,     /* SDP announced media but the capture holds no RTP at all */
    SW_CALL_MEDIA_SEEN,             /* RTP of the call was followed: see streams */
} sw_call_media;

/* One RTP stream (one SSRC, one direction) in a call record, for --calls and the dashboard. */
typedef struct sw_call_stream {
    sw_endpoint src, dst;
    uint32_t ssrc;
    char codec[16];
    uint8_t side;                   /* 0 = from the caller's side, 1 = from the callee's */
    bool srtp;
    uint64_t packets;
    int64_t lost;
    float jitter_max_ms, jitter_mean_ms;
    float mos;                      /* 0 = not estimated (unknown codec clock) */
    sw_time_us first, last;
    /* what the receiver's RTCP reports said of this stream (rtcp false: none seen) */
    bool rtcp;
    uint8_t rtcp_fraction_lost;     /* /256, in the last report */
    int32_t rtcp_cum_lost;
    float rtcp_jitter_ms;
    float rtt_ms;                   /* < 0: not computed */
} sw_call_stream;

/* One side's latest SDP, in short. */
typedef struct sw_call_sdp {
    bool present;
    sw_endpoint audio;              /* its audio address and port */
    char codecs[48];                /* "PCMU PCMA telephone-event" */
    uint8_t dir;                    /* sw_sdp_dir */
    bool t38, srtp, ice;
} sw_call_sdp;

/* Media problems the media rules found on the call (bits). */
enum {
    SW_CALL_MP_ONE_WAY = 1, SW_CALL_MP_NO_AUDIO = 2, SW_CALL_MP_PRIVATE_SDP = 4, SW_CALL_MP_STOPPED = 8,
    SW_CALL_MP_POOR = 16, SW_CALL_MP_CODEC = 32,
};

typedef struct sw_call {
    const char *call_id;
    const char *method;             /* first request's method */
    const char *from_user, *from_host, *from_display, *to_user, *to_host;
    sw_endpoint src, dst;           /* first request's source and destination */
    sw_transport transport;
    sw_time_us start;               /* first message */
    sw_time_us first_provisional;   /* first 180/183 (0 = none) */
    sw_time_us answer;              /* 2xx to the INVITE (0 = none) */
    sw_time_us end;                 /* BYE, CANCEL, final failure, or the last message */
    uint16_t final_status;          /* 0 = none */
    const char *reason;             /* its reason phrase */
    sw_call_state state;
    int ender;                      /* sw_call_ender */
    uint32_t messages, retransmissions;
    bool selected;                  /* a message of the call matched --match */
    unsigned nbranches;             /* To tags that answered the INVITE: more than 1 when forked */
    uint16_t branch_status[SW_CALL_BRANCHES];   /* each branch's last (final, or provisional) status */
    /* media (filled by the media stage; zero when it is off) */
    uint8_t media;                  /* sw_call_media */
    uint8_t media_problems;         /* SW_CALL_MP_ bits */
    sw_call_sdp sdp[2];             /* caller's and callee's latest SDP */
    uint8_t media_changes;          /* what re-offers changed: SW_MEDIA_CHANGE_ bits (sipwatch/media.h) */
    uint16_t reoffers;
    unsigned nstreams;              /* streams followed (may exceed SW_CALL_STREAMS) */
    sw_call_stream streams[SW_CALL_STREAMS];
} sw_call;

const char *sw_call_state_name(sw_call_state s);
const char *sw_call_ender_name(int e);
/* The state an INVITE call's final status gives: busy, cancelled ... */
sw_call_state sw_call_state_of_final(uint16_t status, bool invite, bool cancelled);

#endif
