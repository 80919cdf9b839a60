/* Flow state (private to src/correlate): how one message changes the parts
 * of a flow, one file per concern: transactions.c (keys, credentials
 * fingerprints, lookup), auth.c (digest attempts per account), refer.c
 * (REFER subscriptions and their NOTIFYs), evidence.c (the shared store of
 * message summaries), flow_text.c (the packed texts). Plain functions of the
 * flow and the message: no tables, no events. */
#ifndef SIPWATCH_FLOW_STATE_H
#define SIPWATCH_FLOW_STATE_H

#include "sipwatch/correlate.h"

/* ---- transactions.c -------------------------------------------------------- */

/* The transaction key of a message: branch and method (RFC 3261 17.1.3), or
 * the RFC 2543 tuple when the branch has no magic cookie. An ACK belongs to
 * its INVITE's transaction. */
uint64_t txn_key(const sw_sip_msg *m);
/* Fingerprint of the request's credentials (0 = none): a new set of
 * credentials on the same branch and CSeq is a new attempt. */
uint64_t cred_fingerprint(const sw_sip_msg *m);
/* The flow's transaction with this key, or NULL. */
sw_txn *txn_find(sw_flow *f, uint64_t key);

/* ---- auth.c ------------------------------------------------------------------ */

/* Frees a track and what it holds (NULL is fine). */
void auth_track_free(sw_auth_track *a);
/* Keeps the auth username, realm and nonce a request presented. */
void note_credentials(sw_flow *f, const sw_sip_msg *m);
/* A 401/407: records the challenged attempt (once per CSeq and credentials).
 * Returns the track (NULL when out of memory); *is_new tells whether the
 * attempt is new rather than a copy, another hop or a retransmission. */
sw_auth_track *note_challenge(sw_flow *f, const sw_sip_msg *m, const sw_txn *t, sw_time_us now, bool *is_new);

/* ---- refer.c ------------------------------------------------------------------ */

/* The REFER subscription with this id (the REFER's CSeq), or NULL. */
sw_refer *refer_by_id(sw_flow *f, uint32_t id);
/* Records a new REFER (reusing the oldest finished slot when full). NULL when out of memory. */
sw_refer *refer_add(sw_flow *f, const sw_sip_msg *m, sw_time_us now);
/* The subscription a NOTIFY (Event: refer) reports on, by id and tags, or NULL. */
sw_refer *refer_for_notify(sw_flow *f, const sw_sip_msg *m);
/* A response to a NOTIFY of a refer subscription: counts it accepted or
 * rejected. Returns the subscription, or NULL. */
sw_refer *note_notify_answer(sw_flow *f, const sw_sip_msg *m, sw_time_us now, bool retransmission);

/* ---- calls.c ----------------------------------------------------------------- */

/* What the message changes in the flow's call record (answer, end, outcome). */
void note_call(sw_flow *f, const sw_sip_msg *m, bool retransmission, sw_time_us now);
/* Frees an offer and its texts (NULL is fine). */
void offer_free(sw_offer *o);
/* Keeps the flow's last session offer, and counts its refusal (488, 415, 606). */
void note_offer(sw_flow *f, const sw_sip_msg *m, bool retransmission, sw_time_us now);

/* Whether the call's own request timed out (no final response in time). */
bool flow_timed_out(const sw_flow *f);

/* ---- evidence.c ---------------------------------------------------------------- */

/* The index naming ep in the flow (see sw_flow_endpoint), adding it when new. */
uint8_t flow_endpoint_index(sw_flow *f, const sw_endpoint *ep);

/* The shared store of `entries` message summaries (rounded up to a power
 * of two, from 1024 to SW_MAX_EVIDENCE). NULL when out of memory. */
sw_evidence_store *evidence_store_create(size_t entries);
void evidence_store_free(sw_evidence_store *s);
/* Adds the message to the store and to the flow's chain in it. */
void evidence_push(sw_evidence_store *s, sw_flow *f, const sw_sip_msg *m, uint8_t flags);

/* ---- flow_text.c ------------------------------------------------------------------ */

#define FLOW_TEXT_SET_FIELDS (SW_FLOW_TEXT_FIELDS + 1)   /* the packed set: the Call-ID, then the texts */

/* Sets one of the flow's texts from a captured value, cut visibly at the
 * field's size (see sw_flow_text_field). Out of memory keeps the old value. */
void flow_set_text(sw_flow *f, sw_flow_text_field k, const char *value);
/* Sets several texts in one rebuild: values[k] (cut like flow_set_text),
 * NULL keeping text k as it is. Out of memory keeps them all. */
void flow_set_texts(sw_flow *f, const char *const values[SW_FLOW_TEXT_FIELDS]);
/* Sets the Call-ID (first, when the flow is created) and, unless texts is
 * NULL, the other texts as flow_set_texts would: one allocation for a new
 * flow. Returns false when out of memory. */
bool flow_set_call_id(sw_flow *f, const char *call_id, const char *const texts[SW_FLOW_TEXT_FIELDS]);

#endif
