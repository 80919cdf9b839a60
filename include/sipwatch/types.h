/* Types shared by every pipeline stage: packet time, network addresses,
 * transport endpoints and the flow a SIP payload travelled on.
 * Time is always the capture clock (packet timestamps), in microseconds since
 * the Unix epoch; nothing in the analysis reads the wall clock. */
#ifndef SIPWATCH_TYPES_H
#define SIPWATCH_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t sw_time_us;            /* capture-clock time, microseconds */
#define SW_USEC_PER_SEC 1000000ULL

typedef struct sw_ip_addr {
    uint8_t family;                     /* 4 or 6; 0 = unset */
    uint8_t bytes[16];                  /* IPv4 uses the first 4 bytes */
} sw_ip_addr;

typedef enum sw_transport {
    SW_TRANSPORT_UDP = 0,
    SW_TRANSPORT_TCP,
    SW_TRANSPORT_SCTP,
    SW_TRANSPORT_WS,                    /* SIP over WebSocket (RFC 7118) */
    SW_TRANSPORT_TLS,                   /* SIP over TLS, decrypted with a key log (a HEP
                                         * mirror sends these in clear, over IP protocol TCP) */
    SW_TRANSPORT_COUNT
} sw_transport;

typedef struct sw_endpoint {
    sw_ip_addr ip;
    uint16_t port;
} sw_endpoint;

/* Why an ICMP error came back for a datagram (RFC 792, RFC 4443). */
typedef enum sw_unreachable {
    SW_UNREACH_NONE = 0,
    SW_UNREACH_PORT,                    /* nothing listens on that port */
    SW_UNREACH_HOST,                    /* host (or address) unreachable */
    SW_UNREACH_NET,                     /* no route to the network */
    SW_UNREACH_PROHIBITED,              /* a firewall rejected it */
    SW_UNREACH_OTHER,
} sw_unreachable;

const char *sw_unreachable_name(sw_unreachable u);

/* One SIP message's worth of bytes, as found on the wire, handed from the
 * decode stage to the SIP stage. The bytes are borrowed: valid only for the
 * duration of the callback that receives them. */
typedef struct sw_payload {
    sw_time_us ts;
    uint64_t frame;                     /* 1-based number of the packet that completed it */
    sw_endpoint src, dst;
    sw_transport transport;
    const uint8_t *data;
    size_t len;
    /* Set when these bytes are the start of a SIP datagram quoted inside an
     * ICMP error (src/dst are then the quoted datagram's): not a SIP message
     * seen on the wire, but news that it could not be delivered. */
    uint8_t icmp;                       /* sw_unreachable */
    sw_ip_addr icmp_from;               /* who sent the ICMP error */
    /* Non-zero when the bytes came in HEP: a tag of the agent (capture node
     * id and source) that exported them, so that the same message from two
     * agents is known for a copy. */
    uint32_t agent;
    /* Set for a UDP datagram that is not SIP, handed to the media stage: it
     * rides through the SIP parse pool unparsed, to keep capture order. */
    uint8_t media;
} sw_payload;

const char *sw_transport_name(sw_transport t);

/* Formats "1.2.3.4" or "2001:db8::1"; buf must hold SW_IP_STRLEN bytes. */
#define SW_IP_STRLEN 46
const char *sw_ip_format(const sw_ip_addr *ip, char *buf, size_t buflen);
/* Formats "1.2.3.4:5060" or "[2001:db8::1]:5060"; SW_ENDPOINT_STRLEN bytes. */
#define SW_ENDPOINT_STRLEN 56
const char *sw_endpoint_format(const sw_endpoint *ep, char *buf, size_t buflen);
/* Same family and address (an IPv4 address compares its 4 bytes only).
 * Inline: every table lookup calls it. */
static inline bool sw_ip_equal(const sw_ip_addr *a, const sw_ip_addr *b)
{
    if (a->family != b->family)
        return false;
    return memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

#endif
