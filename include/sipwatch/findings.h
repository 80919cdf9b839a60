/* Findings: what the rules conclude, with a lifecycle. A finding is one
 * problem on one flow or peer (keyed by rule and key); while it is open and
 * the same problem is seen again it is updated (count, last seen, evidence),
 * never duplicated; when the flow recovers it is resolved. A resolved
 * finding is history: if the problem comes back, a new finding (a new id)
 * opens, and no finding's Call-ID, endpoints or first_seen ever change after
 * it opened. The store is bounded:
 * past its cap the oldest resolved findings are dropped first, and what is
 * dropped is counted. Every change is reported to an optional listener
 * (dashboard, alert sinks). */
#ifndef SIPWATCH_FINDINGS_H
#define SIPWATCH_FINDINGS_H

#include "sipwatch/evidence.h"

typedef enum sw_severity {
    SW_SEV_INFO = 0,
    SW_SEV_WARNING,
    SW_SEV_CRITICAL,
} sw_severity;

typedef enum sw_finding_state {
    SW_FINDING_OPEN = 0,
    SW_FINDING_RESOLVED,
} sw_finding_state;

typedef enum sw_finding_change {
    SW_FINDING_OPENED = 0,
    SW_FINDING_UPDATED,
    SW_FINDING_ESCALATED,           /* severity went up */
    SW_FINDING_RESOLVED_NOW,
} sw_finding_change;

#define SW_FINDING_DETAILS 14
#define SW_FINDING_EVIDENCE 12

typedef struct sw_finding_detail {
    char name[32];                  /* JSON field name, e.g. "realm" */
    char value[256];                /* a longer value is cut with an ellipsis */
    bool is_number;                 /* emit as a JSON number / boolean literal */
} sw_finding_detail;

typedef struct sw_finding {
    uint64_t id;                    /* 1, 2, 3 ... in order of opening */
    const char *rule;               /* stable rule id, e.g. "auth-loop" */
    sw_severity severity;
    sw_finding_state state;
    char key[200];                  /* what makes it one problem: rule-specific */
    char call_id[128];              /* empty for peer-level findings */
    sw_endpoint src, dst;
    sw_time_us first_seen, last_seen, resolved_at;
    uint32_t count;                 /* occurrences, in the rule's own unit */
    uint32_t updates;
    char summary[320];
    char suggestion[2048];
    char resolution[200];           /* why it resolved */
    sw_finding_detail details[SW_FINDING_DETAILS];
    unsigned ndetails;
    sw_evidence evidence[SW_FINDING_EVIDENCE];
    unsigned nevidence;
    bool selected;                  /* its call matched --match (see sw_findings_select_call) */
} sw_finding;

typedef struct sw_findings_stats {
    uint64_t opened, updated, resolved, dropped;
    uint64_t open_by_severity[3];   /* gauges */
} sw_findings_stats;

typedef struct sw_findings sw_findings;

typedef void (*sw_finding_fn)(void *user, const sw_finding *finding, sw_finding_change change);

sw_findings *sw_findings_create(size_t max_findings, sw_finding_fn listener, void *user);
void sw_findings_destroy(sw_findings *fs);

/* Finds the open finding (rule, key), or opens a new one (also when the
 * last one with that key is resolved). *created tells which. The caller
 * fills or refreshes its fields, then calls sw_findings_commit. */
sw_finding *sw_findings_get(sw_findings *fs, const char *rule, const char *key, sw_time_us now, bool *created);
/* Reports the change to the listener and keeps the counters right. Call after
 * sw_findings_get and filling; severity may have been raised. */
void sw_findings_commit(sw_findings *fs, sw_finding *f, bool created, sw_severity old_severity);
/* Looks up the open or latest finding (rule, key) without creating. */
sw_finding *sw_findings_find(sw_findings *fs, const char *rule, const char *key);
/* Marks an open finding resolved, with the reason. */
void sw_findings_resolve(sw_findings *fs, const char *rule, const char *key, sw_time_us now, const char *why);

/* Open findings of one rule (cheap: lets a rule skip work when none is open). */
size_t sw_findings_open_count(const sw_findings *fs, const char *rule);

/* All findings, in the order they were opened. */
size_t sw_findings_count(const sw_findings *fs);
const sw_finding *sw_findings_at(const sw_findings *fs, size_t i);
void sw_findings_get_stats(const sw_findings *fs, sw_findings_stats *stats);
/* The ids of the findings opened for this Call-ID, oldest first: fills up
 * to max, returns how many there are (ids may be NULL when max is 0). */
size_t sw_findings_for_call(const sw_findings *fs, const char *call_id, uint64_t *ids, size_t max);
/* Marks the findings of this Call-ID selected (its call matched --match). */
void sw_findings_select_call(sw_findings *fs, const char *call_id);
/* Whether a finding is shown under --match: selected, or not about a call. */
static inline bool sw_finding_shown(const sw_finding *f, bool only_selected)
{
    return !only_selected || f->selected || !f->call_id[0];
}

/* Helpers for rules filling a finding. */
void sw_finding_set_detail(sw_finding *f, const char *name, const char *value);
void sw_finding_set_number(sw_finding *f, const char *name, long long value);
void sw_finding_set_bool(sw_finding *f, const char *name, bool value);

const char *sw_severity_name(sw_severity s);
const char *sw_finding_change_name(sw_finding_change c);

#endif
