/* Decode stage: turns captured frames into SIP payloads.
 * Walks the link layer (Ethernet/VLAN/QinQ/MPLS/PPPoE, Linux cooked v1/v2, raw
 * IP, BSD null/loopback), IPv4/IPv6 (extension headers, fragments), tunnels
 * (IP-in-IP, GRE, ERSPAN, VXLAN, GTP-U), then UDP, SCTP and TCP (via the stream
 * reassembler), and hands every SIP message it recognises to a callback;
 * also the start of SIP datagrams quoted in ICMP destination-unreachable
 * errors, marked as such. */
#ifndef SIPWATCH_DECODE_H
#define SIPWATCH_DECODE_H

#include "sipwatch/hep.h"
#include "sipwatch/ip_reassembly.h"
#include "sipwatch/tcp_reassembly.h"
#include "sipwatch/types.h"

typedef void (*sw_payload_fn)(void *user, const sw_payload *payload);

typedef struct sw_decode_config {
    sw_ipfrag_limits ipfrag;
    sw_tcp_limits tcp;
    size_t max_message_len;     /* larger SIP messages are dropped and counted */
    const struct sw_tls_keylog *tls_keylog;    /* keys for SIP over TLS (NULL: none), owned by the caller */
    const char *hep_password;   /* HEP packets without this auth key are dropped; NULL = none */
    bool hep_frames_off;        /* HEP in captured frames is not decoded (live capture beside
                                 * --hep-listen, which receives it: never counted twice) */
} sw_decode_config;

typedef struct sw_decode_stats {
    uint64_t packets, bytes;            /* frames offered, and their wire length */
    uint64_t truncated;                 /* frames cut short by the snapshot length or malformed lengths */
    uint64_t non_ip;                    /* frames with no IP inside (ARP, LLDP, ...) */
    uint64_t ipv4, ipv6;                /* IP headers decoded (tunnels count each layer) */
    uint64_t tunnels;                   /* encapsulation layers removed */
    uint64_t udp, tcp, sctp, other_l4;  /* transport headers seen */
    uint64_t tls_segments;              /* TCP segments of streams that start with a TLS record: undecodable */
    uint64_t sip_payloads;              /* SIP messages handed on */
    uint64_t non_sip_payloads;          /* UDP/SCTP payloads that were not SIP */
    uint64_t keepalives;                /* CRLF / empty keep-alives */
    uint64_t oversize_messages;         /* SIP messages over max_message_len */
    uint64_t content_length_over_max;   /* of those on streams, a Content-Length over max_message_len:
                                         * the header dropped, framing resumed at the next start line */
    uint64_t sctp_fragmented;           /* SCTP DATA chunks split over several chunks (skipped) */
    uint64_t ws_frames;                 /* WebSocket frames carrying SIP */
    uint64_t icmp_unreachable;          /* ICMP/ICMPv6 destination unreachable errors seen */
    uint64_t icmp_sip;                  /* ... quoting a SIP datagram (handed on, not counted as SIP) */
} sw_decode_stats;

typedef struct sw_decoder sw_decoder;

void sw_decode_config_default(sw_decode_config *cfg);

sw_decoder *sw_decoder_create(const sw_decode_config *cfg, sw_payload_fn on_payload, void *user);
void sw_decoder_destroy(sw_decoder *dec);

/* Selects the link type (a DLT_ value from pcap_datalink). Returns false, with
 * the decoder unchanged, for a link type it cannot decode. */
bool sw_decoder_set_linktype(sw_decoder *dec, int dlt);
bool sw_decode_linktype_supported(int dlt);

/* Also hands every UDP datagram that is not SIP (nor a keep-alive) to
 * on_media, marked media (the media stage); NULL to stop. */
void sw_decoder_set_media(sw_decoder *dec, sw_payload_fn on_media, void *user);

/* Decodes one frame. `caplen` bytes are present of a frame `wirelen` long. */
void sw_decoder_frame(sw_decoder *dec, sw_time_us ts, const uint8_t *data, size_t caplen, size_t wirelen);

/* End of input: delivers what the stream reassembler can still frame and
 * releases partial state. */
void sw_decoder_finish(sw_decoder *dec, sw_time_us now);

void sw_decoder_get_stats(const sw_decoder *dec, sw_decode_stats *stats,
                          sw_ipfrag_stats *ipfrag, sw_tcp_stats *tcp);

/* One HEP packet received from the network (--hep-listen) from `from`,
 * at arrival time `ts`: decoded, counted, its SIP handed on. Bytes that are
 * not HEP are a counted drop here. */
void sw_decoder_hep_packet(sw_decoder *dec, sw_time_us ts, const sw_ip_addr *from, const uint8_t *data, size_t len);
/* Counts a packet the listener dropped before decoding (queue full, a TCP
 * stream that lost its framing). */
void sw_decoder_hep_drop(sw_decoder *dec, sw_hep_drop why, uint64_t n);

/* The time of the last frame's content: the HEP time of the last SIP it
 * carried in HEP, else the frame's capture time. */
sw_time_us sw_decoder_content_time(const sw_decoder *dec);

/* HEP counters (decoded, dropped by reason, agents); NULL when no HEP was
 * ever seen or offered. */
const sw_hep_stats *sw_decoder_hep_stats(const sw_decoder *dec);

#endif
