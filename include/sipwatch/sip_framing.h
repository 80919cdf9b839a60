/* SIP framing: recognises SIP by content (never by port) and cuts byte
 * streams into messages. Datagrams are checked for a SIP start line; TCP
 * streams are split by Content-Length (compact "l:" too), skip CRLF
 * keep-alives, resynchronise on the next start line after a gap, and unwrap
 * WebSocket frames after an HTTP Upgrade (RFC 7118). TLS is recognised and
 * counted and handed to the sink's TLS hook, never framed here. */
#ifndef SIPWATCH_SIP_FRAMING_H
#define SIPWATCH_SIP_FRAMING_H

#include "sipwatch/types.h"

typedef enum sw_start_line {
    SW_START_NO = 0,        /* not a SIP start line */
    SW_START_YES,           /* a complete request or status line */
    SW_START_NEED_MORE      /* could still become one: not enough bytes yet */
} sw_start_line;

/* Is there a SIP request line ("TOKEN SP URI SP SIP/2.0") or status line
 * ("SIP/2.0 SP 3DIGIT") at the very start of data? */
sw_start_line sw_sip_start_line(const uint8_t *data, size_t len);

/* Content-Length of a header block (data..data+header_len, which ends with the
 * blank line). Returns 0 and sets *ok=true when the header is absent;
 * *ok=false for a malformed value. Compact form "l:" is accepted. */
size_t sw_sip_content_length(const uint8_t *data, size_t header_len, bool *ok);

/* Offset just past the blank line ending the header block ("\r\n\r\n", or a
 * bare "\n\n"), or 0 when it is not in data yet. */
size_t sw_sip_header_end(const uint8_t *data, size_t len);

typedef enum sw_framer_mode {
    SW_FRAMER_DETECT = 0,   /* nothing recognised yet */
    SW_FRAMER_SIP,          /* plain SIP stream */
    SW_FRAMER_HTTP_UPGRADE, /* HTTP request/response expected to switch to WebSocket */
    SW_FRAMER_WEBSOCKET,    /* WebSocket frames carrying SIP */
    SW_FRAMER_TLS,          /* TLS: counted, skipped */
    SW_FRAMER_OTHER,        /* some other protocol: skipped */
    SW_FRAMER_HEP           /* HEP3 packets, framed by their length field, handed to sink->hep */
} sw_framer_mode;

typedef struct sw_framer_stats {
    uint64_t messages;          /* SIP messages delivered */
    uint64_t keepalives;        /* CRLF keep-alives skipped */
    uint64_t resyncs;           /* times framing restarted at a new start line */
    uint64_t skipped_bytes;     /* bytes discarded while looking for a start line */
    uint64_t bad_content_length;/* malformed Content-Length (message cut at its header) */
    uint64_t oversize;          /* messages larger than the cap (discarded) */
    uint64_t length_over_max;   /* of those, a Content-Length beyond the cap: resynchronised */
    uint64_t ws_frames;         /* WebSocket data frames */
    uint64_t tls_bytes;         /* bytes of TLS streams */
} sw_framer_stats;

/* Where a stream's messages go: the payload template carries the time,
 * endpoints and transport; the framer fills data/len. */
typedef struct sw_framer_sink {
    sw_payload tmpl;
    void (*deliver)(void *user, const sw_payload *payload);
    void *user;
    sw_framer_stats *stats;
    size_t max_message_len;
    /* When set, the bytes of a stream recognised as TLS go here (to be
     * decrypted) instead of being skipped. */
    void (*tls)(void *tls_user, const uint8_t *data, size_t len);
    void *tls_user;
    /* When set, a stream that starts with "HEP3" is cut into HEP packets by
     * their length field and each goes here (a stream that loses the HEP
     * framing hands its remaining bytes over once, then is skipped). */
    void (*hep)(void *user, const uint8_t *packet, size_t len, const sw_payload *tmpl);
    void *hep_user;
} sw_framer_sink;

/* Per-direction framing state. Buffers only what it cannot frame yet. */
typedef struct sw_framer {
    uint8_t *buf;
    size_t len, cap;
    uint32_t scanned;           /* bytes inspected without recognising anything */
    uint8_t mode;               /* sw_framer_mode */
    bool resync;                /* a gap: look for the next start line */
    uint8_t *ws_msg;            /* WebSocket message being assembled from continuation frames */
    size_t ws_len, ws_cap;
    bool ws_drop;               /* that message outgrew the cap: skip its remaining frames */
} sw_framer;

/* Feeds in-order stream bytes. Returns the number of bytes now buffered. */
size_t sw_framer_feed(sw_framer *f, const uint8_t *data, size_t len, const sw_framer_sink *sink);
/* Bytes were lost before the next feed: drop the partial message, resync. */
void sw_framer_gap(sw_framer *f);
void sw_framer_release(sw_framer *f);
/* Bytes currently held (buffer plus partial WebSocket message). */
size_t sw_framer_held(const sw_framer *f);

#endif
