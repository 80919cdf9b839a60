/* Orphaned transactions (private to src/correlate): requests still waiting
 * for a final response when their flow was evicted or pushed out of its
 * ring, counted per server and method in a small fixed table (sw_orphan in
 * correlate.h) until answered or due. The correlator judges the due ones. */
#ifndef SIPWATCH_ORPHANS_H
#define SIPWATCH_ORPHANS_H

#include "sipwatch/correlate.h"

typedef struct orphan_table {
    sw_orphan e[SW_ORPHANS];
    sw_time_us due;                 /* earliest deadline of an unanswered entry, 0 = none */
} orphan_table;

/* Counts transaction t of flow call_id as orphaned; its deadline is its
 * first request plus timeout. False when no slot could take it (the caller
 * counts that). */
bool orphans_add(orphan_table *t, const sw_flow *f, const sw_txn *tx, sw_time_us timeout);

/* A final response whose request is unknown came from server for method:
 * most likely the answer to one of its orphans, which is no longer waiting. */
void orphans_answered(orphan_table *t, const sw_endpoint *server, uint8_t method);

/* Unanswered orphans of an entry, in all its runs. */
uint32_t orphans_unanswered(const sw_orphan *o);

/* Whether an entry is due at `now`. */
static inline bool orphans_due(const orphan_table *t, sw_time_us now)
{
    return t->due && t->due <= now;
}

/* For every entry, takes the runs whose timeout passed (or, at the end of
 * the capture, all that are left) into o->judged / o->judged_first_ts and
 * calls fn once with them (expired false at the end). Recomputes the next
 * deadline. */
typedef void (*orphan_due_fn)(void *user, const sw_orphan *o, bool expired);
void orphans_judge(orphan_table *t, sw_time_us now, sw_time_us timeout, bool at_end, orphan_due_fn fn, void *user);

#endif
