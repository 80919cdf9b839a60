/* Call store: every call the dashboard lists, and the messages of each, in
 * one memory budget (--call-memory). A call is a row (its record as it
 * stands, with copies of its strings); its messages go into a byte ring of
 * the newest traffic, chained per call, so a whole call flow is read back
 * without a per-call allocation. When full, the oldest finished calls go
 * first; every eviction is counted. Single-threaded: the monitor holds one
 * under its lock. Plain data in and out; no dependency on the correlator. */
#ifndef SIPWATCH_CALL_STORE_H
#define SIPWATCH_CALL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipwatch/calls.h"
#include "sipwatch/evidence.h"

#define SW_CALL_STORE_DEFAULT_MB 256

/* One call as a viewer gets it: strings copied (sanitised text, possibly
 * cut with "…"). `id` never repeats within a run: rows are told apart by it. */
typedef struct sw_call_row {
    uint64_t id;                    /* order of the call's first message, from 1 */
    char call_id[128];
    char method[16];
    char from_user[48], from_host[64], from_display[48];
    char to_user[48], to_host[64];
    char reason[48];
    sw_endpoint src, dst;
    uint8_t transport;              /* sw_transport */
    uint8_t state;                  /* sw_call_state */
    uint8_t ender;                  /* sw_call_ender */
    bool ended;                     /* the correlator forgot its flow: the record is final */
    bool selected;                  /* one of its messages matched --match */
    uint8_t media;                  /* sw_call_media */
    uint8_t media_problems;         /* SW_CALL_MP_ bits */
    uint16_t final_status;
    uint16_t last_status;           /* latest status seen (provisional included) */
    uint8_t nbranches;
    uint16_t branch_status[SW_CALL_BRANCHES];   /* each forked branch's last status */
    sw_time_us start, first_provisional, answer, end, last;
    uint32_t messages, retransmissions;
    uint32_t stored;                /* messages whose text is still held */
} sw_call_row;

/* One message of a call as a viewer gets it. */
typedef struct sw_call_message {
    sw_evidence ev;
    char sdp[96];                   /* "audio PCMU PCMA @192.0.2.7:4000 sendrecv", or "" */
    char *text;                     /* the message as captured, NUL-terminated; owned by the copy */
    size_t text_len;
} sw_call_message;

/* A call's media as last noted: each side's SDP and the RTP streams. */
typedef struct sw_call_media_info {
    uint8_t media;                  /* sw_call_media */
    uint8_t problems;               /* SW_CALL_MP_ bits */
    uint16_t reoffers;
    sw_call_sdp sdp[2];
    unsigned nstreams;              /* streams followed (may exceed SW_CALL_STREAMS) */
    sw_call_stream streams[SW_CALL_STREAMS];
} sw_call_media_info;

typedef struct sw_call_store_stats {
    uint64_t calls;                 /* rows held now */
    uint64_t calls_seen;            /* rows ever created */
    uint64_t calls_evicted;         /* rows dropped to make room */
    uint64_t calls_evicted_active;  /* ... of which the call had not ended */
    uint64_t messages_stored;       /* messages ever written to the ring */
    uint64_t messages_too_large;    /* a message bigger than a quarter of the ring: not kept */
    size_t capacity;                /* rows the budget holds */
    size_t ring_bytes;
} sw_call_store_stats;

typedef struct sw_call_store sw_call_store;

/* A store within budget_bytes (0: the default 256 MiB): a quarter for
 * rows, the rest for message text. NULL when out of memory. Pages are
 * touched only as they fill, so a big budget costs nothing until used. */
sw_call_store *sw_call_store_create(size_t budget_bytes);
void sw_call_store_destroy(sw_call_store *s);

/* A message of a call (its record as it stands after the message): updates
 * or creates the call's row and appends the message to the call's chain;
 * when the record carries media (SDP or streams), a snapshot of it too.
 * sdp may be NULL. */
void sw_call_store_note(sw_call_store *s, const sw_call *call, const sw_evidence *ev, const char *sdp,
                        const char *text, size_t text_len);
/* The call's record is final (the correlator forgot its flow); its media
 * as the record has it. */
void sw_call_store_end(sw_call_store *s, const sw_call *call);

/* Bumped on every change: a viewer copies the rows again only when it moved. */
uint64_t sw_call_store_version(const sw_call_store *s);
/* Copies up to max rows, oldest call first; returns how many are held. */
size_t sw_call_store_rows(const sw_call_store *s, sw_call_row *out, size_t max);
/* The messages of call `id` still held, oldest first, into *out (free with
 * sw_call_store_free_messages). Returns the count; 0 when the call is gone. */
size_t sw_call_store_messages(const sw_call_store *s, uint64_t id, sw_call_message **out);
void sw_call_store_free_messages(sw_call_message *m, size_t n);
/* The latest media snapshot of call `id` still held: true and *out filled,
 * or false (none, or overwritten). */
bool sw_call_store_media(const sw_call_store *s, uint64_t id, sw_call_media_info *out);
/* A search of every held message's text for a string (case-insensitive),
 * done in steps so that the store's owner can let go of its lock between
 * them. Set needle, zero the rest; the ids found may repeat (a call whose
 * messages are not adjacent), a caller sorts them. */
#define SW_CALL_SEARCH_MAX 4096
typedef struct sw_call_search {
    char needle[128];
    uint64_t ids[SW_CALL_SEARCH_MAX];
    size_t nids;
    uint64_t pos;
    bool started;
    char lowered[128];
    char text[65536];
} sw_call_search;
/* Searches about `budget` more bytes; returns true when the search is done. */
bool sw_call_store_search_step(const sw_call_store *s, sw_call_search *q, size_t budget);
void sw_call_store_get_stats(const sw_call_store *s, sw_call_store_stats *st);

#endif
