/* Media stage: RTP and RTCP of the calls the SIP stage has seen. It learns
 * the endpoints each side announces in its SDP from correlated SIP messages
 * (never calling back into earlier stages), matches every non-SIP UDP
 * datagram against them with one hash lookup (two on a miss), latches onto
 * the actual source a NAT or relay uses, and keeps per stream (source,
 * destination, SSRC) the counts, loss, sequence errors and RFC 3550 jitter
 * tshark reports, a MOS estimate and what RTCP reports say. RTP never goes
 * through libosip2. Everything is bounded (calls, streams per call,
 * endpoints) with evictions counted; a call's media is forgotten with it. */
#ifndef SIPWATCH_MEDIA_H
#define SIPWATCH_MEDIA_H

#include "sipwatch/calls.h"
#include "sipwatch/sdp.h"
#include "sipwatch/sip_message.h"

#define SW_MEDIA_STREAMS 8          /* RTP streams kept per call; more are counted, not followed */
#define SW_MEDIA_ENDPOINTS 16       /* announced or latched endpoints per call */
#define SW_MEDIA_INTERVAL (5 * SW_USEC_PER_SEC)     /* quality is judged per interval of this length */

/* One RTP stream: one SSRC from one source to one destination. */
typedef struct sw_rtp_stream {
    sw_endpoint src, dst;
    uint32_t ssrc;
    uint8_t side;                   /* 0 = sent by the caller's side, 1 = by the callee's */
    uint8_t pt;                     /* payload type of the first packet */
    bool srtp;                      /* the SDP said RTP/SAVP */
    uint32_t rate;                  /* clock rate (Hz) from the SDP or the static table; 0 = unknown */
    char codec[SW_SDP_CODEC_NAME];
    uint64_t packets, bytes;
    sw_time_us first_ts, last_ts;
    /* sequence numbers (RFC 3550 A.1): extended highest and first */
    uint32_t base_seq, max_ext_seq;
    uint32_t seq_errors;            /* packets whose number was not the next expected one */
    uint32_t ssrc_change;           /* 1 when another SSRC came before this one on the same path */
    /* jitter (RFC 3550 6.4.1), in ms of the codec clock */
    uint32_t last_rtp_ts;
    sw_time_us last_arrival;
    double jitter_ms, jitter_max_ms, jitter_sum_ms;
    uint32_t jitter_n;
    /* intervals of SW_MEDIA_INTERVAL judged against the poor-quality thresholds */
    sw_time_us interval_start;
    uint64_t interval_packets;      /* packets when it started */
    uint32_t interval_ext_seq;      /* max_ext_seq when it started */
    uint32_t bad_intervals, intervals;
    float bad_loss, bad_jitter;     /* what makes an interval bad (percent, ms), from sw_media_config */
    double worst_interval_loss;     /* percent */
    /* RTCP about this stream (report blocks for its SSRC, from the receiver) */
    bool rtcp_report;
    uint8_t rtcp_fraction_lost;     /* /256 */
    int32_t rtcp_cum_lost;
    double rtcp_jitter_ms;
    double rtcp_rtt_ms;             /* from LSR/DLSR, -1 = not computed */
    uint32_t sr_count;              /* sender reports its source sent */
    uint32_t last_sr_mid;           /* middle 32 bits of the last SR's NTP time */
    sw_time_us last_sr_ts;
} sw_rtp_stream;

/* A side's latest SDP is kept packed (only the media lines and formats it
 * has, about 70 bytes for one audio line with three codecs): read it with
 * sw_media_side_sdp. */
typedef struct sw_media_side {
    uint8_t *sdp;                   /* the latest SDP this side sent, packed */
    bool have;
    uint16_t sdps;                  /* SDP bodies it sent (offers and answers) */
} sw_media_side;

/* An SDP from a public source that announced a private audio address (sdp-private-address). */
typedef struct sw_media_private_sdp {
    sw_ip_addr addr;
    uint16_t port;
    sw_endpoint src, dst;           /* the message carrying it */
    uint16_t status;                /* 0 = a request */
    uint8_t method;
    sw_time_us ts;
} sw_media_private_sdp;

typedef struct sw_media_endpoint {
    sw_endpoint ep;                 /* port 0 = a free slot */
    uint8_t side;
    bool latched;
    int32_t next;                   /* the media table's own: the next entry in its hash chain */
} sw_media_endpoint;

/* What changed on the call's re-offers. */
enum {
    SW_MEDIA_CHANGE_HOLD = 1,       /* sendonly, recvonly, inactive, port 0 or 0.0.0.0 */
    SW_MEDIA_CHANGE_RESUME = 2,
    SW_MEDIA_CHANGE_CODEC = 4,      /* the first audio codec changed */
    SW_MEDIA_CHANGE_T38 = 8,        /* an image/t38 line appeared */
    SW_MEDIA_CHANGE_ADDRESS = 16,   /* the audio address or port changed */
};

typedef struct sw_media_call {
    uint64_t caller_tag;            /* hash of the From tag of the first request seen */
    sw_media_side side[2];          /* 0 = caller, 1 = callee */
    uint8_t changes;                /* SW_MEDIA_CHANGE_ bits */
    uint8_t last_side;              /* the side whose SDP was learned last */
    uint16_t reoffers;
    bool held;                      /* on hold now (the latest SDP of a side says so) */
    bool ever_held;
    bool t38;
    bool srtp;
    sw_time_us hold_ts;             /* when the last hold began */
    sw_time_us held_us;             /* time spent on hold before hold_ts */
    bool ep_full;                   /* endpoints[] was full once: no more latching */
    uint8_t nendpoints;             /* slots used */
    uint8_t ep_cap;                 /* slots allocated: grow by doubling up to SW_MEDIA_ENDPOINTS */
    sw_media_endpoint *endpoints;
    /* The first SDP from a public source that announced a private audio
     * address (NULL = none). */
    sw_media_private_sdp *private_sdp;
    unsigned nstreams;
    uint32_t streams_dropped;       /* streams beyond SW_MEDIA_STREAMS */
    uint32_t rtcp_packets;
    sw_rtp_stream *streams;         /* SW_MEDIA_STREAMS, allocated with the first RTP packet */
} sw_media_call;

typedef struct sw_media_stats {
    uint64_t datagrams;             /* non-SIP UDP datagrams offered */
    uint64_t rtp_packets, rtcp_packets;
    uint64_t unmatched;             /* RTP-looking datagrams to or from no announced endpoint */
    uint64_t malformed;             /* matched, but too short or not RTP version 2 */
    uint64_t calls;                 /* calls that announced media */
    uint64_t calls_evicted;         /* forgotten early: the call table was full */
    uint64_t streams;               /* streams followed */
    uint64_t streams_dropped;       /* streams beyond a call's SW_MEDIA_STREAMS */
    uint64_t endpoints_dropped;     /* endpoints beyond a call's SW_MEDIA_ENDPOINTS or the table */
    uint64_t active_calls;
    uint64_t mos_buckets[6];        /* ended streams' MOS: <2, <3, <3.5, <4, <4.3, >=4.3 */
    uint64_t mos_count;
    double mos_sum;
} sw_media_stats;

typedef struct sw_media sw_media;

typedef struct sw_media_config {
    size_t max_calls;               /* calls with media state at once (0 = 16384) */
    double bad_loss_percent;        /* an interval losing more is bad (poor-quality) */
    double bad_jitter_ms;           /* an interval ending with more jitter is bad */
} sw_media_config;

sw_media *sw_media_create(const sw_media_config *cfg);
void sw_media_destroy(sw_media *m);

/* A correlated SIP message: its SDP (if any) teaches the call's endpoints. */
void sw_media_learn(sw_media *m, const sw_sip_msg *msg);
/* One non-SIP UDP datagram, in capture order relative to SIP. */
void sw_media_datagram(sw_media *m, const sw_payload *p);
/* The call's media state, or NULL (none announced, or forgotten). */
const sw_media_call *sw_media_find(const sw_media *m, const char *call_id);
/* The latest SDP side k (0 = caller, 1 = callee) of the call sent: false,
 * with out zeroed, when that side sent none. */
bool sw_media_side_sdp(const sw_media_call *mc, int side, sw_sdp *out);
/* The call ended: its streams' MOS go into the statistics, then it is forgotten. */
void sw_media_forget(sw_media *m, const char *call_id);
void sw_media_get_stats(const sw_media *m, sw_media_stats *out);
/* Whether any RTP or RTCP was matched to a call in this run. */
bool sw_media_seen(const sw_media *m);

/* ---- per-stream figures (media_rtp.c), plain functions for rules and tests ---- */

/* Packets expected from the sequence numbers minus packets received (may be < 0 with duplicates). */
int64_t sw_rtp_lost(const sw_rtp_stream *s);
double sw_rtp_loss_percent(const sw_rtp_stream *s);
double sw_rtp_jitter_mean_ms(const sw_rtp_stream *s);
/* MOS (1 to 4.5) from the ITU-T G.107 E-model, simplified: see media_quality.c. */
double sw_media_mos(const char *codec, double loss_percent, double jitter_ms);
/* Updates a stream with one RTP packet (header already checked). */
void sw_rtp_stream_packet(sw_rtp_stream *s, sw_time_us ts, uint16_t seq, uint32_t rtp_ts, bool marker, size_t len);
/* Whether an address is private, CGNAT, link-local or unique-local. */
bool sw_ip_is_private(const sw_ip_addr *ip);
bool sw_ip_is_loopback(const sw_ip_addr *ip);

/* The call record's media summary (sw_call.media*), from its media state. */
void sw_media_fill_call(const sw_media_call *mc, bool media_seen, sw_call *call);

#endif
