/* HEP (the HOMER Encapsulation Protocol): recognising, decoding and encoding
 * HEP v3 chunk packets and the older v1/v2 fixed headers. Decoding trusts no
 * length field: every packet either decodes into the addresses, ports,
 * transport, time, capture node id and payload it carries, or is refused
 * with a named reason. Encoding builds the v3 packets that --hep-send writes. */
#ifndef SIPWATCH_HEP_H
#define SIPWATCH_HEP_H

#include "sipwatch/types.h"

/* Why a packet that looked like HEP was not decoded (counted by name). */
typedef enum sw_hep_drop {
    SW_HEP_DROP_TRUNCATED = 0,      /* the packet claims more bytes than it has */
    SW_HEP_DROP_BAD_LENGTH,         /* total length shorter than its own header, or past a chunk */
    SW_HEP_DROP_BAD_CHUNK,          /* a chunk length under 6, or a fixed-size chunk of the wrong size */
    SW_HEP_DROP_MISSING_CHUNK,      /* no family, address, port or payload chunk */
    SW_HEP_DROP_BAD_ADDRESS,        /* addresses that do not match the family */
    SW_HEP_DROP_OVERSIZED,          /* a packet over the size cap */
    SW_HEP_DROP_AUTH,               /* --hep-password: auth key missing or wrong */
    SW_HEP_DROP_NOT_HEP,            /* --hep-listen: a datagram or stream that is not HEP at all */
    SW_HEP_DROP_QUEUE_FULL,         /* --hep-listen: the analysis could not keep up */
    SW_HEP_DROP_SOCKET_FULL,        /* --hep-listen: the kernel's socket buffer overflowed (SO_RXQ_OVFL) */
    SW_HEP_DROP_COUNT
} sw_hep_drop;

const char *sw_hep_drop_name(sw_hep_drop d);

#define SW_HEP_PAYLOAD_SIP 1
#define SW_HEP_PAYLOAD_LOG 100
#define SW_HEP_MAX_PACKET 65535     /* the v3 length field is 16 bits */

/* One decoded HEP packet. Pointers are into the packet's bytes. */
typedef struct sw_hep_msg {
    uint8_t version;                /* 1, 2 or 3 */
    uint8_t ip_proto;               /* 6 TCP, 17 UDP, 132 SCTP (0 when absent) */
    sw_endpoint src, dst;
    sw_time_us ts;                  /* 0 when the packet carries no time */
    uint8_t payload_type;           /* 1 SIP, 100 log, ...; 0 when absent */
    bool have_node;
    uint32_t node_id;               /* capture node id, as received */
    const uint8_t *auth_key;
    size_t auth_key_len;
    const uint8_t *payload;
    size_t payload_len;
    const uint8_t *correlation;
    size_t correlation_len;
    const uint8_t *node_name;
    size_t node_name_len;
    uint32_t unknown_chunks;        /* chunks skipped: unknown types, other vendors */
    size_t length;                  /* bytes the packet occupies */
} sw_hep_msg;

/* What the first bytes of data are: 0 not HEP, 2 a v1/v2 header, 3 HEP3. A
 * v1/v2 header is recognised by its version, its header length matching its
 * address family, and a known protocol (v2 has no magic). */
int sw_hep_detect(const uint8_t *data, size_t len);

/* Decodes one packet from data[0..len). Returns true, or false with *why set.
 * A password (NUL-terminated, or NULL for none) refuses v3 packets whose auth
 * key chunk differs, and v1/v2 packets (they have no key). */
bool sw_hep_decode(const uint8_t *data, size_t len, const char *password, sw_hep_msg *m, sw_hep_drop *why);

/* HEP3 stream framing: the total length of the packet starting at data, 0
 * when fewer than 6 bytes are there, or (size_t)-1 when data does not start
 * with a HEP3 header of a plausible length. */
size_t sw_hep_frame_length(const uint8_t *data, size_t len);

/* What the sender puts in a packet. */
typedef struct sw_hep_out {
    sw_endpoint src, dst;
    uint8_t ip_proto;
    sw_time_us ts;
    uint8_t payload_type;
    uint32_t node_id;
    const char *password;           /* auth key chunk when non-NULL and non-empty */
    const uint8_t *payload;
    size_t payload_len;
    const char *correlation;        /* correlation id chunk when non-NULL */
} sw_hep_out;

/* Encodes a HEP3 packet into buf; returns its length, or 0 when it does not
 * fit cap (or SW_HEP_MAX_PACKET). */
size_t sw_hep_encode(uint8_t *buf, size_t cap, const sw_hep_out *o);

/* HEP counters, shared by the decode stage (HEP in a capture) and the
 * listener (HEP from the network). */
#define SW_HEP_MAX_AGENTS 256

typedef struct sw_hep_agent {
    uint32_t node_id;
    bool have_node;
    sw_ip_addr from;                /* where its packets came from */
    uint64_t packets;
    sw_time_us last_ts;
} sw_hep_agent;

typedef struct sw_hep_stats {
    uint64_t received;              /* packets recognised as HEP (or offered to a listener) */
    uint64_t decoded;               /* decoded packets */
    uint64_t by_version[4];         /* decoded, by version 1..3 */
    uint64_t dropped[SW_HEP_DROP_COUNT];
    uint64_t unknown_chunks;        /* chunks skipped */
    uint64_t payload_not_sip;       /* payload type SIP whose bytes are not SIP */
    uint64_t other_payloads;        /* payload types other than SIP (logs, RTCP reports, ...) */
    uint64_t payload_types[8];      /* of those: 100 log, 5 RTCP, 34 RTP agent, 35..: see sw_hep_type_slot */
    uint64_t sip;                   /* SIP messages handed on */
    size_t nagents;
    uint64_t agents_overflow;       /* agents not tracked: the table was full */
    sw_hep_agent agents[SW_HEP_MAX_AGENTS];
} sw_hep_stats;

/* Slot of a payload type in payload_types (the last one is "other"), and back. */
unsigned sw_hep_type_slot(uint8_t type);
int sw_hep_slot_type(unsigned slot);   /* -1 for the "other" slot */

uint64_t sw_hep_dropped_total(const sw_hep_stats *s);

/* Counters of --hep-send. */
typedef struct sw_hep_send_stats {
    uint64_t messages;              /* SIP messages queued for sending */
    uint64_t findings;              /* finding changes queued (as log chunks) */
    uint64_t sent;                  /* packets written to the collector */
    uint64_t dropped_queue_full;    /* the queue was full: the collector is slow or gone */
    uint64_t dropped_too_large;     /* a packet over 64 KiB */
    uint64_t send_errors;           /* packets the socket refused (lost) */
    uint64_t connects;              /* TCP connections made */
    uint64_t connect_failures;      /* TCP connection attempts that failed */
    bool connected;                 /* TCP: connected now (UDP: always) */
} sw_hep_send_stats;

/* The agent that sent m from `from`: found or added. Returns a non-zero tag
 * that tells agents apart in the pipeline (node id and source address). */
uint32_t sw_hep_note_agent(sw_hep_stats *s, const sw_hep_msg *m, const sw_ip_addr *from);

/* Counts m's outcome and fills a SIP payload from it. Returns true when m
 * carries SIP that should go on (with its agent tag set), false otherwise
 * (counted as not SIP, or another payload type). fallback_ts is used when
 * the packet has no time. */
bool sw_hep_to_payload(sw_hep_stats *s, const sw_hep_msg *m, const sw_ip_addr *from, sw_time_us fallback_ts,
                       uint64_t frame, sw_payload *out);

#endif
