/* Shared helpers for the rule files (private to src/rules): opening and
 * committing a finding, and formatting the values that go into summaries
 * and suggestions (addresses, user@host, durations). */
#ifndef SIPWATCH_RULE_UTIL_H
#define SIPWATCH_RULE_UTIL_H

#include <stdio.h>

#include "sipwatch/rules.h"

/* Opens or refreshes the finding (rule, key); *old receives the severity it
 * had, for sw_findings_commit. NULL when the store is out of memory. */
sw_finding *rule_finding(const sw_rule_ctx *ctx, const sw_rule *rule, const char *key, sw_time_us now,
                         bool *created, sw_severity *old);

/* Copies the flow's evidence (oldest first) into the finding, keeping at
 * most the last SW_FINDING_EVIDENCE messages. */
void rule_take_evidence(sw_finding *f, const sw_flow *flow);
/* Sets a finding's flow identity: Call-ID, endpoints, evidence. */
void rule_from_flow(sw_finding *f, const sw_flow *flow, const sw_endpoint *src, const sw_endpoint *dst);

/* "alice@pbx.test", or "alice", or "?" */
const char *rule_user_at(const char *user, const char *host, char *buf, size_t n);
/* The digest username a track's credentials presented, "?" when none (or no track). */
const char *rule_auth_user(const sw_auth_track *a);
/* The realm the track's credentials named, else the one challenged. */
const char *rule_auth_realm(const sw_auth_track *a);
/* Joins labels as "a", "a and b", "a, b and c" into buf. */
const char *rule_join(char *buf, size_t n, const char *const *items, unsigned count);
/* "1.2.3.4:5060" */
const char *rule_ep(const sw_endpoint *ep, char *buf, size_t n);
/* "12.3 s" from microseconds */
const char *rule_secs(sw_time_us us, char *buf, size_t n);

#define RULE_EP_LEN SW_ENDPOINT_STRLEN

/* Formats into a fixed buffer; what does not fit is cut visibly (an
 * ellipsis at the end), never silently. */
void rule_printf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Appends to a fixed buffer (suggestions are built in pieces), cut the same way. */
void rule_append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));



/* Ends a suggestion with the built-in reference's meaning of a status code
 * as an answer to `method` (an sw_sip_method; 0 = any), so rules and
 * --explain use the same words: " [403 Forbidden: ... More: sipwatch
 * --explain 403]". */
void rule_append_reference(char *buf, size_t cap, int status, int method);

/* For findings that rest on a message NOT being seen: when the capture
 * itself is dropping packets, says so first and lowers the severity to info
 * (the message may have been lost by the capture, not the network). */
void rule_note_capture_loss(const sw_rule_ctx *ctx, sw_finding *f);

/* Whether a minute's count is a surge over its baseline. */
bool rule_is_surge(const sw_rule_ctx *ctx, uint32_t value, double baseline);
/* A detail's value as text (NULL when absent). */
const char *rule_detail_text(const sw_finding *f, const char *name);
/* A detail's value as a number (0 when absent; a boolean is 1 or 0). */
double rule_detail_number(const sw_finding *f, const char *name);

/* Key and common details of a finding about one REFER subscription. */
void rule_refer_key(char *key, size_t n, const sw_flow *flow, const sw_refer *r);
void rule_refer_details(sw_finding *f, const sw_flow *flow, const sw_refer *r);
#endif
