/* SIP stage: the compact, parser-independent view of one SIP message that
 * every later stage works on. sw_sip_parse() runs libosip2 over the bytes,
 * copies out the fields the correlator and rules need into the message's own
 * small string arena, and frees the libosip2 tree at once.
 *
 * This is the sanitising boundary for captured text: every string field of
 * a sw_sip_msg went through sw_sip_msg_copy, so it is valid UTF-8 with no
 * control or escape characters, safe for every text sink (report, JSON,
 * syslog, alert commands, the dashboard, --dump). Only raw and body point
 * at the captured bytes themselves. */
#ifndef SIPWATCH_SIP_MESSAGE_H
#define SIPWATCH_SIP_MESSAGE_H

#include "sipwatch/sdp.h"
#include "sipwatch/types.h"

typedef enum sw_sip_method {
    SW_METHOD_OTHER = 0,
    SW_METHOD_INVITE, SW_METHOD_ACK, SW_METHOD_BYE, SW_METHOD_CANCEL,
    SW_METHOD_REGISTER, SW_METHOD_OPTIONS, SW_METHOD_PRACK, SW_METHOD_SUBSCRIBE,
    SW_METHOD_NOTIFY, SW_METHOD_PUBLISH, SW_METHOD_INFO, SW_METHOD_REFER,
    SW_METHOD_MESSAGE, SW_METHOD_UPDATE,
    SW_METHOD_COUNT
} sw_sip_method;

/* Digest credentials (Authorization / Proxy-Authorization) or a challenge
 * (WWW-Authenticate / Proxy-Authenticate). Quotes are removed. */
typedef struct sw_sip_auth {
    bool present;
    bool proxy;             /* the Proxy- form of the header */
    bool stale;             /* challenge: stale=true */
    const char *scheme;     /* "Digest" */
    const char *username;   /* credentials only */
    const char *realm;
    const char *nonce;
    const char *uri;        /* credentials only */
    const char *response;   /* credentials only: the digest response (changes with the password) */
} sw_sip_auth;

#define SW_SIP_ARENA 6144   /* bytes for all copied strings of one message */

typedef struct sw_sip_msg {
    /* Where and when it was seen. raw/body are borrowed from the capture
     * buffer: valid only while the callback that received the message runs. */
    sw_time_us ts;
    uint64_t frame;
    sw_endpoint src, dst;
    sw_transport transport;
    uint32_t agent;                 /* HEP agent tag (sw_payload.agent), 0 for the wire */
    const uint8_t *raw;
    size_t raw_len;

    bool degraded;                  /* libosip2 rejected it: only the fallback's keys are set */
    bool is_request;
    sw_sip_method method;           /* request method (OTHER for responses or unknown) */
    const char *method_name;        /* as written; NULL for responses */
    int status;                     /* response status; 0 for requests */
    const char *reason;
    const char *request_uri;

    const char *call_id;            /* NULL when the message has none */
    bool has_cseq;
    uint32_t cseq;
    sw_sip_method cseq_method;
    const char *cseq_method_name;

    const char *from_user, *from_host, *from_tag, *from_display;
    const char *to_user, *to_host, *to_tag;

    int via_count;
    const char *via_branch;         /* top Via's branch parameter */
    const char *via_host;           /* top Via's sent-by */
    uint16_t via_port;
    const char *via_transport;
    bool via_rport;                 /* top Via has the rport parameter (RFC 3581) */

    const char *contact;            /* first Contact URI, as text */
    const char *record_route;       /* first Record-Route URI, as text */
    const char *user_agent;         /* User-Agent, or Server for responses */
    int expires;                    /* Expires header, -1 when absent */

    sw_sip_auth credentials;
    sw_sip_auth challenge;

    const char *event;              /* Event package ("refer"), without parameters */
    const char *event_id;           /* Event's id parameter */
    const char *subscription_state; /* "active", "pending", "terminated" */
    const char *refer_to;
    bool refer_sub_false;           /* Refer-Sub: false (RFC 4488) */
    const char *content_type;       /* "type/subtype" */
    const uint8_t *body;            /* borrowed, see raw; set only with a content_type */
    size_t body_len;
    int sipfrag_status;             /* status of a message/sipfrag body, 0 if none */
    const char *sdp_media;          /* SDP body, summarised: "audio PCMU PCMA telephone-event; image t38" */
    const char *sdp_address;        /* its connection address (c=), session or first media */
    sw_sdp sdp;                     /* the same SDP, structured for the media stage */

    size_t arena_used;
    /* Where its strings are copied: SW_SIP_ARENA bytes the owner provides
     * (sw_sip_msg_buf, or a parse batch's arena, filled one message after
     * the other so that only the bytes used are touched). NULL: no strings. */
    char *arena;
} sw_sip_msg;

/* A message with its own string arena, for whoever reads one at a time. */
typedef struct sw_sip_msg_buf {
    sw_sip_msg msg;
    char arena[SW_SIP_ARENA];
} sw_sip_msg_buf;

/* Points the buffer's message at its arena; returns the message. */
static inline sw_sip_msg *sw_sip_msg_buf_init(sw_sip_msg_buf *buf)
{
    buf->msg.arena = buf->arena;
    return &buf->msg;
}

typedef enum sw_sip_parse_result {
    SW_SIP_OK = 0,
    SW_SIP_PARSE_ERROR,             /* libosip2 rejected the message */
    SW_SIP_TOO_LARGE,               /* over the size cap, not parsed */
} sw_sip_parse_result;

/* One-time process set-up of libosip2 (its parser tables) with its trace
 * output silenced. Call before the first sw_sip_parse, before any thread starts. */
void sw_sip_init(void);

/* Releases the calling thread's parse scratch memory; call before a thread
 * that parsed messages ends (and once on the main thread at exit). */
void sw_sip_thread_done(void);

/* Copies captured bytes s[0..len) into the message's string arena as
 * sanitised text (sw_text_sanitize: control characters and invalid UTF-8
 * become '?'), cut visibly with an ellipsis past maxlen. NULL when s is NULL
 * or the arena is full. */
const char *sw_sip_msg_copy(sw_sip_msg *m, const char *s, size_t len, size_t maxlen);

/* Clears a message's fields (not its string arena) and sets where and when
 * it was seen from the payload: the common start of every way of reading one. */
void sw_sip_msg_start(sw_sip_msg *m, const sw_payload *payload);

/* Parses one message. Reentrant: may run on several threads at once. */
sw_sip_parse_result sw_sip_parse(const sw_payload *payload, size_t max_len, sw_sip_msg *out);

/* For a message libosip2 rejected: reads just the correlation keys (start
 * line, Call-ID, CSeq, top Via branch and sent-by, From/To tags) straight
 * from the header lines, so the transaction it belongs to is not left
 * looking unanswered. Marks the message degraded. Returns false when even
 * those cannot be found. The message is still counted as a parse error. */
bool sw_sip_scan_keys(const sw_payload *payload, sw_sip_msg *out);

sw_sip_method sw_sip_method_from_name(const char *name);
const char *sw_sip_method_name(sw_sip_method m);

#endif
