/* SIP stage: the structured summary of one SDP body (RFC 4566), filled from
 * libosip2's SDP parser for the media stage: per media line its connection
 * address and port, formats with their rtpmap names and clock rates,
 * direction, and whether it is T.38, SRTP or carries ICE candidates. Plain
 * data with fixed bounds; codec names are reduced to safe characters. */
#ifndef SIPWATCH_SDP_H
#define SIPWATCH_SDP_H

#include "sipwatch/types.h"

#define SW_SDP_MEDIA 2              /* m= lines kept (audio and video, or audio and T.38); more are dropped */
#define SW_SDP_CODECS 8             /* formats kept per media line */
#define SW_SDP_CODEC_NAME 16

typedef enum sw_sdp_dir {
    SW_SDP_SENDRECV = 0,            /* the default when no attribute says otherwise */
    SW_SDP_SENDONLY,
    SW_SDP_RECVONLY,
    SW_SDP_INACTIVE,
} sw_sdp_dir;

typedef enum sw_sdp_kind { SW_SDP_AUDIO = 0, SW_SDP_VIDEO, SW_SDP_IMAGE, SW_SDP_OTHER } sw_sdp_kind;

typedef struct sw_sdp_codec {
    uint8_t pt;                     /* RTP payload type (image/t38: 0) */
    uint32_t rate;                  /* clock rate from rtpmap or the static table (0 = unknown) */
    char name[SW_SDP_CODEC_NAME];   /* "PCMU", "telephone-event", "t38" */
} sw_sdp_codec;

typedef struct sw_sdp_media {
    uint8_t kind;                   /* sw_sdp_kind */
    uint8_t dir;                    /* sw_sdp_dir (media attribute, else session attribute) */
    bool t38;                       /* image t38 */
    bool srtp;                      /* RTP/SAVP or RTP/SAVPF */
    bool rtcp_mux;                  /* a=rtcp-mux */
    uint16_t port;                  /* 0 = the stream is refused or disabled */
    sw_ip_addr addr;                /* c= of the media line, else the session's (family 0 = none) */
    uint8_t ncodecs;
    sw_sdp_codec codecs[SW_SDP_CODECS];
} sw_sdp_media;

typedef struct sw_sdp {
    bool present;                   /* an application/sdp body that libosip2 parsed */
    bool ice;                       /* a=candidate lines present */
    uint8_t nmedia;
    sw_sdp_media media[SW_SDP_MEDIA];
} sw_sdp;

const char *sw_sdp_dir_name(sw_sdp_dir d);
/* Whether a media line's direction means that side sends / receives. */
static inline bool sw_sdp_sends(sw_sdp_dir d) { return d == SW_SDP_SENDRECV || d == SW_SDP_SENDONLY; }
static inline bool sw_sdp_receives(sw_sdp_dir d) { return d == SW_SDP_SENDRECV || d == SW_SDP_RECVONLY; }
/* Clock rate of a static RTP payload type (RFC 3551), 0 when not static. */
uint32_t sw_rtp_static_rate(unsigned pt);
/* Name of a static RTP payload type, NULL when not static. */
const char *sw_rtp_static_name(unsigned pt);

#endif
