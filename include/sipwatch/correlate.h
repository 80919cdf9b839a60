/* Correlate stage: turns the stream of parsed SIP messages into state the
 * diagnosis rules can judge: flows (everything sharing a Call-ID: its
 * transactions, dialog, registration and digest-auth attempts, REFER
 * subscriptions, and its evidence in a store shared by all flows) and peers
 * (per IP address: sliding-window counts of requests, failures,
 * retransmissions, users tried).
 *
 * Every table is bounded, expires idle entries on the capture clock and
 * counts what it evicts. Flow state is keyed by Call-ID only, so it can be
 * partitioned by Call-ID over several threads later; peer state is keyed by
 * address. Deadlines (a transaction that must be answered, a REFER that must
 * be notified) are computed here, so rules stay plain functions of state. */
#ifndef SIPWATCH_CORRELATE_H
#define SIPWATCH_CORRELATE_H

#include "sipwatch/calls.h"
#include "sipwatch/correlate_stats.h"
#include "sipwatch/evidence.h"
#include "sipwatch/sip_message.h"

#define SW_FLOW_EVIDENCE 12        /* entries sw_flow_evidence gives at most */

/* ---- transactions -------------------------------------------------------- */

typedef struct sw_txn {
    uint64_t key;                   /* branch + CSeq method (+ sent-by), or the RFC 2543 tuple */
    uint64_t cred_fp;               /* fingerprint of the request's credentials (0 = none) */
    sw_time_us first_ts, last_request_ts, final_ts, last_final_ts;
    uint32_t cseq;
    uint16_t final_status;          /* 0 until a final response */
    uint16_t provisional;           /* last 1xx */
    uint16_t requests;              /* copies of the request seen (1 + retransmissions) */
    uint16_t finals;                /* copies of the final response */
    uint8_t method;
    uint8_t transport;              /* sw_transport of the request */
    uint8_t client_ep, server_ep;   /* its client and server, as the flow names them: see sw_txn_client */
    bool credentials, proxy_credentials;
    bool timeout_settled;           /* the no-final-response deadline was judged */
    bool acked;                     /* INVITE: an ACK with this CSeq was seen */
    bool ack_settled;               /* INVITE 2xx: the missing-ACK deadline was judged */
    uint8_t unreachable;            /* an ICMP error (sw_unreachable) came back for the request */
} sw_txn;

#define SW_FLOW_TXNS 8

/* A request still waiting for its final response, whose no-answer deadline
 * is not yet judged. An INVITE that got a provisional response is ringing,
 * not waiting: it may take minutes. Shared by the correlator (deadlines) and
 * the rule that judges them. */
static inline bool sw_txn_awaits_final(const sw_txn *t)
{
    return t->requests && !t->final_status && !t->timeout_settled && t->method != SW_METHOD_ACK &&
           !(t->method == SW_METHOD_INVITE && t->provisional);
}

/* An INVITE answered with a final response (2xx or not) whose ACK has not
 * been seen, and whose missing-ACK deadline is not yet judged. */
static inline bool sw_txn_awaits_ack(const sw_txn *t)
{
    return t->method == SW_METHOD_INVITE && t->final_status >= 200 && !t->acked && !t->ack_settled;
}

/* ---- digest authentication --------------------------------------------------
 * Attempts are counted once per (CSeq number, credentials fingerprint): a
 * retransmission, a second capture point, or the next hop of a proxy carries
 * the same pair and is not a new attempt; password guessing that reuses one
 * CSeq with new credentials is. kind 0 = 401/WWW-Authenticate, 1 = 407/Proxy. */

#define SW_AUTH_RING 8

typedef struct sw_auth_attempt {
    sw_time_us ts;
    uint64_t cred_fp;
    uint64_t nonce_hash;            /* nonce the request presented (0 = no credentials) */
    uint32_t cseq;
    bool rejected;                  /* the request carried credentials of this kind */
    bool stale;                     /* the challenge said stale=true */
    uint8_t account;                /* index into the track's accounts */
} sw_auth_attempt;

#define SW_AUTH_ACCOUNTS 4
#define SW_AUTH_ACCOUNT_LEN 64

/* The track's texts, packed in one allocation (sw_auth_text reads them). */
typedef enum sw_auth_text_field {
    SW_AUTH_REALM = 0,              /* realm challenged (each cut at 63 bytes) */
    SW_AUTH_CRED_REALM,             /* realm in the credentials */
    SW_AUTH_USERNAME,               /* digest username presented */
    SW_AUTH_LAST_NONCE,             /* last nonce presented */
    /* The accounts the challenged requests were for (REGISTER: the To AOR,
     * other methods: the From user), "user@host": one UA may try several. */
    SW_AUTH_ACCOUNT0,
    SW_AUTH_TEXT_FIELDS = SW_AUTH_ACCOUNT0 + SW_AUTH_ACCOUNTS
} sw_auth_text_field;

typedef struct sw_auth_track {
    uint32_t challenges;            /* distinct attempts challenged, in total */
    uint32_t rejected;              /* of which carried credentials of this kind */
    uint32_t stale;                 /* of which the challenge had stale=true */
    unsigned ring_next;
    unsigned account_next;
    uint8_t method;                 /* method challenged last */
    bool realm_mismatch;            /* credentials named another realm than the challenge */
    bool nonce_reused;              /* two rejected attempts presented the same nonce */
    bool nonce_ignored;             /* an attempt answered a challenge with another nonce than it gave */
    bool success_after;             /* a 2xx followed the last challenge */
    /* The last SW_AUTH_RING attempts: slot (ring_next - 1 - i) % SW_AUTH_RING is
     * the i-th latest, i < min(challenges, SW_AUTH_RING). Allocated 1, 2, 4, 8 as they come. */
    sw_auth_attempt *ring;
    uint8_t ring_cap;
    uint64_t challenge_nonce;       /* hash of the nonce in the last challenge */
    sw_time_us first_ts, last_ts, success_ts;
    sw_endpoint client, challenger;
    char *text;                     /* sw_auth_text_field values, packed */
} sw_auth_track;

/* One of the track's texts ("" when unknown). */
const char *sw_auth_text(const sw_auth_track *a, sw_auth_text_field k);

/* ---- REFER subscriptions (RFC 3515, 4488) -------------------------------- */

typedef enum sw_refer_state {
    SW_REFER_SENT = 0,              /* no final response yet */
    SW_REFER_ACCEPTED,              /* 2xx, NOTIFY expected */
    SW_REFER_NO_SUB,                /* 2xx with Refer-Sub: false: no NOTIFY expected */
    SW_REFER_REFUSED,               /* 3xx-6xx other than 401/407 */
    SW_REFER_CHALLENGED,            /* 401/407: followed through the re-sent REFER */
} sw_refer_state;

typedef struct sw_refer {
    uint32_t id;                    /* the REFER's CSeq number: Event: refer;id= */
    sw_refer_state state;
    uint16_t response;              /* final response to the REFER */
    uint16_t last_sipfrag;          /* status in the last NOTIFY's sipfrag (0 = none) */
    uint16_t notifies;              /* distinct NOTIFYs for it */
    bool terminated;                /* a NOTIFY said Subscription-State: terminated */
    bool notify_before_accept;      /* a NOTIFY came before the 2xx (allowed) */
    bool no_notify_settled, stalled_settled;
    uint32_t notify_cseq[4];        /* CSeqs of the last NOTIFYs, to match their responses */
    unsigned notify_next;
    uint16_t notifies_rejected;     /* NOTIFYs answered with an error (not 401/407) */
    uint16_t notifies_accepted;     /* NOTIFYs answered 2xx */
    uint16_t reject_status;         /* the last error that answered a NOTIFY */
    uint32_t reject_cseq;           /* ... and that NOTIFY's CSeq */
    sw_time_us reject_ts, last_accept_ts;
    char reject_reason[48];
    sw_time_us refer_ts, accepted_ts, first_notify_ts, last_notify_ts, final_ts, bye_ts;
    sw_endpoint referrer, referee;  /* REFER source and destination */
    char tags[2][64];               /* the dialog's tags */
    char refer_to[256];
} sw_refer;

#define SW_FLOW_REFERS 4

/* ---- flows --------------------------------------------------------------- */

typedef enum sw_dialog_state {
    SW_DIALOG_NONE = 0,             /* no INVITE seen */
    SW_DIALOG_TRYING,               /* INVITE sent, no final response */
    SW_DIALOG_CONFIRMED,            /* 2xx to the INVITE */
    SW_DIALOG_FAILED,               /* final non-2xx to the INVITE */
    SW_DIALOG_TERMINATED,           /* BYE (or CANCEL) */
} sw_dialog_state;

/* Where the final response to an INVITE and its ACK travel, for advice
 * that names them: taken from a retransmitted final response (which carries
 * the INVITE's Via), so only a flow whose ACK may be missing allocates it. */
typedef struct sw_invite_route {
    char via[96];                   /* the INVITE's top Via sent-by (copied into its responses): they go there */
    bool via_rport;                 /* ... with rport (RFC 3581): to the source port instead */
    char contact[128];              /* Contact of the last final response: where a 2xx's ACK goes */
    char record_route[128];         /* its first Record-Route: the ACK goes through it */
} sw_invite_route;

/* The last session offer (SDP in an INVITE, re-INVITE or UPDATE) of a
 * flow, for the codec-mismatch rule: allocated on the first offer. */
typedef struct sw_offer {
    char *text;                     /* its media ("audio PCMU PCMA; image t38", cut at 95 bytes)
                                       and c= address (cut at 47), packed: see sw_offer_media */
    sw_endpoint offerer, answerer;
    uint32_t cseq;                  /* the offering request's CSeq */
    uint8_t method;
    bool reinvite;                  /* in an established dialog (To tag) */
    uint16_t refused_status;        /* 488, 415 or 606 answering it (0 = none) */
    uint16_t refusals;              /* offers refused on this flow, in all */
    sw_time_us ts;
} sw_offer;

/* The offer's media summary, and its c= address ("" when none). */
const char *sw_offer_media(const sw_offer *o);
const char *sw_offer_address(const sw_offer *o);

/* The flow's short texts, packed in one allocation (sw_flow_text reads them). */
typedef enum sw_flow_text_field {
    SW_FLOW_FROM_USER = 0,          /* of its first request (each cut at 63 bytes) */
    SW_FLOW_FROM_HOST,
    SW_FLOW_TO_USER,
    SW_FLOW_TO_HOST,
    SW_FLOW_USER_AGENT,             /* the client's last User-Agent */
    SW_FLOW_FROM_DISPLAY,           /* cut at 47 bytes */
    SW_FLOW_FINAL_REASON,           /* reason phrase of the call's final response, cut at 39 */
    SW_FLOW_TEXT_FIELDS
} sw_flow_text_field;

typedef struct sw_evidence_store sw_evidence_store;

/* Everything sharing a Call-ID. Parts are allocated as the messages need
 * them, and a quiet flow (nothing pending for a transaction timeout) drops
 * its transactions, INVITE route and answered offer: a confirmed dialog
 * then costs a couple of hundred bytes while it talks. A flow with no
 * deadline left (talking, or finished and lingering) is also frozen between
 * events: packed with LZ4, unpacked exactly as it was when needed. Its
 * evidence lives in the correlator's shared store (sw_flow_evidence reads it). */
typedef struct sw_flow sw_flow;
struct sw_flow {
    const char *call_id;            /* points into text */
    char *text;                     /* the Call-ID and sw_flow_text_field values, packed */
    sw_time_us first_ts, last_ts;
    sw_endpoint client, server;     /* first request's source and destination */
    uint8_t first_method;
    uint8_t dialog;                 /* sw_dialog_state */
    bool completed;                 /* nothing more is expected: linger, then expire */
    bool selected;                  /* a message of the flow matched --match */
    bool own_timeout;               /* its own request timed out before the transactions were dropped */
    uint8_t transport;              /* of the first request */
    uint8_t ender;                  /* sw_call_ender */
    bool cancelled;                 /* a CANCEL was sent */
    uint32_t messages;
    uint32_t retransmissions;
    /* Transactions: a ring of up to SW_FLOW_TXNS, grown as they come, dropped when quiet. */
    sw_txn *txns;
    uint8_t ntxns;                  /* slots allocated */
    uint8_t txn_next;
    uint8_t nrefers;
    uint8_t nbranches;              /* To tags answering the initial INVITE (forking) */
    uint16_t final_status;          /* the call's outcome: final response to its latest initial INVITE
                                       (other methods: to the first method's latest request) */
    uint8_t ev_neps;                /* endpoints in ev_eps */
    uint32_t invite_cseq;           /* CSeq of the latest initial INVITE (no To tag) */
    sw_auth_track *auth[2];         /* allocated on the first challenge */
    sw_refer *refers;               /* nrefers of them, grown one at a time up to SW_FLOW_REFERS */
    sw_invite_route *route;         /* allocated when a final response to an INVITE is re-sent */
    sw_offer *offer;                /* allocated on the first SDP offer */
    /* Evidence: a chain of entries in the shared store, newest first. */
    const sw_evidence_store *evs;
    uint32_t ev_head;               /* store position of the newest entry */
    uint32_t ev_count;              /* entries written (the oldest may be overwritten) */
    uint64_t ev_frame_base;         /* frame of the first one */
    sw_endpoint *ev_eps;            /* endpoints it names other than client and server */
    uint16_t branch_status[SW_CALL_BRANCHES];   /* each one's last status, by order of answer */
    uint32_t branch_tag[SW_CALL_BRANCHES];      /* hash of its To tag */
    sw_time_us first_provisional_ts, answer_ts, end_ts;
};

/* One of the flow's texts ("" when unknown). */
const char *sw_flow_text(const sw_flow *f, sw_flow_text_field k);
/* An endpoint of the flow by the index its transactions and evidence keep
 * (0.0.0.0:0 when unknown: a flow names at most 255). */
sw_endpoint sw_flow_endpoint(const sw_flow *f, uint8_t index);
/* A transaction's client (the request's source) and server. */
static inline sw_endpoint sw_txn_client(const sw_flow *f, const sw_txn *t)
{
    return sw_flow_endpoint(f, t->client_ep);
}
static inline sw_endpoint sw_txn_server(const sw_flow *f, const sw_txn *t)
{
    return sw_flow_endpoint(f, t->server_ep);
}

/* ---- peers --------------------------------------------------------------- */

#define SW_WINDOW_BUCKETS 12        /* 12 x 5 s = the last minute */

/* The events a peer's windows count, each over the last minute. */
typedef enum sw_peer_window {
    SW_PEER_REQUESTS_SENT,          /* new requests (not retransmissions) it sent */
    SW_PEER_RETRANSMISSIONS,        /* requests it re-sent */
    SW_PEER_ERRORS_5XX,             /* 5xx it answered */
    SW_PEER_FINALS_SENT,            /* final responses it answered */
    SW_PEER_AUTH_FAILURES,          /* refusals it received: 403/404, or 401/407 answering credentials */
    SW_PEER_USERS_TRIED,            /* distinct identities (From users) it claimed (approximate) */
    SW_PEER_WINDOWS
} sw_peer_window;

#define SW_PEER_USERS 16

typedef struct sw_peer sw_peer;
/* What the rules read of an address, and no more: one is kept for every
 * address in the peer table (16,384 by default), so each byte counts. */
struct sw_peer {
    sw_ip_addr ip;
    uint8_t user_next;              /* next slot of user_hash (mod SW_PEER_USERS) */
    uint32_t window_epoch;          /* bucket number of the newest bucket, shared by all windows */
    sw_time_us last_ts;             /* last seen: the table expires and evicts by it */
    /* Sliding windows (sw_peer_window), 5 s buckets that saturate at 65535
     * (13,000 a second from one address); read with sw_peer_window_sum. */
    uint16_t window[SW_PEER_WINDOWS][SW_WINDOW_BUCKETS];
    uint32_t user_hash[SW_PEER_USERS];
    uint64_t total_requests, total_5xx;
    char *user_agent;               /* last User-Agent it sent (cut at 63 bytes; NULL = none): see sw_peer_user_agent */
};

/* The last User-Agent the peer sent, "" when none. */
static inline const char *sw_peer_user_agent(const sw_peer *p)
{
    return p->user_agent ? p->user_agent : "";
}

/* ---- capture-wide minutes and their baseline ---------------------------------
 * Counted per minute of capture clock; when a minute closes, its counts are
 * compared by rules with a baseline (an exponentially weighted average of
 * the minutes before), then folded into it. */

typedef enum sw_minute_counter {
    SW_MIN_REGISTERS = 0,           /* new REGISTER requests */
    SW_MIN_REG_OK,                  /* 2xx to REGISTER */
    SW_MIN_REG_FAILED,              /* final failures to REGISTER other than 401/407, and REGISTER timeouts */
    SW_MIN_5XX,                     /* 5xx responses */
    SW_MIN_TIMEOUTS,                /* transactions without a final response */
    SW_MIN_REQUESTS,                /* new requests */
    SW_MIN_REG_REFUSED,             /* REGISTERs answered 401, 407, 403 or 404 */
    SW_MIN_COUNT
} sw_minute_counter;

#define SW_MINUTE_SOURCE_BITS 4096  /* distinct-source estimate (linear counting) */

typedef struct sw_minutes {
    uint64_t minute;                /* capture-clock minute being counted */
    uint32_t current[SW_MIN_COUNT];
    uint32_t closed[SW_MIN_COUNT];  /* the minute that just closed */
    double baseline[SW_MIN_COUNT];  /* before the closed minute was folded in */
    unsigned history;               /* minutes in the baseline */
    /* Distinct clients whose REGISTER was refused, per minute: counted on
     * a bitmap (no per-source state to lose when the peer table evicts). */
    uint8_t refused_sources[SW_MINUTE_SOURCE_BITS / 8];
    uint32_t closed_refused_sources;  /* estimate for the minute that closed */
} sw_minutes;

/* ---- orphaned transactions --------------------------------------------------
 * A request still waiting for its final response when its flow is evicted
 * (flows.max reached: a flood of Call-IDs) or pushed out of its flow's
 * transaction ring is not forgotten: it is counted per server and method,
 * in aggregate, until a response without a known request comes back from
 * that server (an answer to an evicted flow) or its timeout passes, when the
 * rules judge it like any unanswered transaction. A dead server under a
 * flood is the outage an operator most needs to hear about. */

/* Orphans of one server and method, in runs of requests sent within the
 * same second, oldest first: each run is judged when its own timeout has
 * passed, so a request evicted a moment after it was sent is not judged
 * early. */
typedef struct sw_orphan_run {
    sw_time_us first_ts;            /* when its oldest request was sent */
    uint32_t count;                 /* unanswered requests in it */
} sw_orphan_run;

#define SW_ORPHAN_RUNS 48

typedef struct sw_orphan {
    sw_endpoint server, client;     /* the server, and the client of the latest */
    uint8_t method, transport;
    uint64_t evicted;               /* in all */
    char call_id[64];               /* the latest one's, as an example */
    sw_orphan_run runs[SW_ORPHAN_RUNS];
    unsigned run_head, run_len;
    /* What an ORPHANS event judges: */
    uint32_t judged;                /* requests whose timeout passed unanswered (or left at the end) */
    sw_time_us judged_first_ts;     /* the oldest of them */
} sw_orphan;

#define SW_ORPHANS 64               /* server/method pairs tracked at once */

/* ---- events handed to the rules ------------------------------------------ */

typedef enum sw_event_kind {
    SW_EVENT_MESSAGE = 0,           /* a message was correlated */
    SW_EVENT_DEADLINE,              /* capture time passed one of the flow's deadlines */
    SW_EVENT_FLOW_END,              /* the flow is about to be forgotten */
    SW_EVENT_MINUTE,                /* a minute of capture clock closed: see sw_event.minutes */
    SW_EVENT_UNREACHABLE,           /* an ICMP error said a request could not be delivered: see msg */
    SW_EVENT_ORPHANS,               /* evicted transactions to one server are due: see orphan */
} sw_event_kind;

typedef enum sw_flow_end {
    SW_END_EXPIRED = 0,
    SW_END_EVICTED,
    SW_END_CAPTURE,                 /* end of the capture file or of the run */
} sw_flow_end;

typedef struct sw_event {
    sw_event_kind kind;
    sw_time_us now;
    const sw_flow *flow;            /* NULL for a message without Call-ID. Good only while
                                       the event is handled: a quiet flow is then frozen
                                       (packed) and its memory reused */
    const sw_sip_msg *msg;          /* MESSAGE only */
    const sw_txn *txn;              /* MESSAGE: its transaction, if tracked */
    const sw_refer *refer;          /* MESSAGE: the REFER subscription it concerns */
    const sw_auth_track *auth;      /* MESSAGE: the auth track it changed */
    const sw_peer *src_peer, *dst_peer; /* MESSAGE: the peers */
    bool retransmission;            /* a copy of a message of this transaction already seen */
    bool duplicate;                 /* ... seen within SW_DUPLICATE_WINDOW: a second capture point */
    bool new_attempt;               /* MESSAGE, 401/407: a new auth attempt was challenged */
    sw_flow_end end;                /* FLOW_END */
    const sw_minutes *minutes;      /* MINUTE: the minute that closed; MESSAGE: the current one's counts */
    sw_unreachable unreachable;     /* UNREACHABLE: why (msg holds the quoted request's keys) */
    const sw_ip_addr *reporter;     /* UNREACHABLE: who sent the ICMP error */
    const sw_orphan *orphan;        /* ORPHANS: their aggregate; end = CAPTURE when the capture ended first */
} sw_event;

#define SW_DUPLICATE_WINDOW (20 * 1000)     /* 20 ms */

/* ---- the correlator ------------------------------------------------------ */

#define SW_DEFAULT_MAX_FLOWS 200000
#define SW_DEFAULT_EVIDENCE 131072
#define SW_MAX_EVIDENCE 16777216    /* 512 MB */

typedef struct sw_correlate_config {
    size_t max_flows;               /* default SW_DEFAULT_MAX_FLOWS */
    size_t max_peers;               /* default 16384 */
    sw_time_us t1;                  /* SIP T1, default 500 ms */
    sw_time_us txn_timeout;         /* no final response: default 64*T1 = 32 s */
    sw_time_us refer_notify_timeout;/* 2xx to REFER without NOTIFY: default 32 s */
    sw_time_us refer_final_timeout; /* NOTIFYs without a final one: default 120 s */
    sw_time_us completed_linger;    /* flow kept after completion: default 32 s */
    sw_time_us idle_timeout;        /* flow with no traffic: default 300 s */
    sw_time_us dialog_idle_timeout; /* confirmed dialog with no traffic: default 2 h */
    sw_time_us peer_idle_timeout;   /* default 600 s */
    size_t evidence_entries;        /* the shared evidence store: default SW_DEFAULT_EVIDENCE (4 MB, about 30 s
                                       of a PBX at 4,000 messages/s), rounded up to a power of two
                                       from 1024 to SW_MAX_EVIDENCE */
} sw_correlate_config;


typedef struct sw_correlator sw_correlator;

typedef void (*sw_event_fn)(void *user, const sw_event *event);

void sw_correlate_config_default(sw_correlate_config *cfg);
sw_correlator *sw_correlator_create(const sw_correlate_config *cfg, sw_event_fn on_event, void *user);
void sw_correlator_destroy(sw_correlator *c);

/* Correlates one parsed message (in capture order); deadlines up to its
 * time fire first. Rules see it through on_event. `selected` says the
 * message matched the caller's selection (--match): its flow is selected
 * from then on. Returns whether the flow is selected. */
bool sw_correlate_message(sw_correlator *c, const sw_sip_msg *msg, bool selected);

/* A request (its keys, as much as the quote holds) came back inside an ICMP
 * destination-unreachable error from `reporter`: marks its transaction,
 * if tracked, and tells the rules (SW_EVENT_UNREACHABLE). Not a message. */
void sw_correlate_unreachable(sw_correlator *c, const sw_sip_msg *quoted, sw_unreachable why,
                              const sw_ip_addr *reporter);

/* Advances the capture clock without a message (live capture when idle). */
void sw_correlate_advance(sw_correlator *c, sw_time_us now);

/* End of capture: every flow gets a FLOW_END (SW_END_CAPTURE) event so
 * pending expectations are settled and reported, then is forgotten. */
void sw_correlate_finish(sw_correlator *c, sw_time_us now);

void sw_correlate_get_stats(const sw_correlator *c, sw_correlate_stats *stats);

/* Helpers for rules. */
/* Events of one kind from or to a peer in the minute ending at `now`. */
uint32_t sw_peer_window_sum(const sw_peer *p, sw_peer_window w, sw_time_us now);
/* Auth attempts of one kind in the window ending at `now`. */
void sw_auth_window(const sw_auth_track *a, sw_time_us now, sw_time_us window,
                    uint32_t *challenges, uint32_t *rejected, uint32_t *stale);
/* The distinct accounts of the attempts in that window whose credentials
 * were refused (all challenged ones when none was), oldest first:
 * fills out[] with up to max pointers into the track, returns the count. */
unsigned sw_auth_window_accounts(const sw_auth_track *a, sw_time_us now, sw_time_us window, const char *out[],
                                 unsigned max);
/* Estimated distinct clients whose REGISTER was refused in the minute
 * being counted (the closed minute's is in closed_refused_sources). */
uint32_t sw_minutes_refused_sources(const sw_minutes *m);
/* The flow's call record, as it stands (at FLOW_END: final). Its strings
 * point into the flow: valid while the flow is (during the event). */
void sw_flow_call(const sw_flow *f, sw_call *out);
/* The flow's latest evidence in chronological order: fills out[] with up
 * to max entries, returns the count. Entries the shared store has since
 * overwritten (it holds the last evidence_entries messages of all flows)
 * are not given. */
unsigned sw_flow_evidence(const sw_flow *f, sw_evidence *out, unsigned max);

#endif
