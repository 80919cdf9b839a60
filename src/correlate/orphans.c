/* Orphaned transactions: the per-server table (see orphans.h). */
#include "orphans.h"
#include "corr_util.h"

static sw_orphan *slot(orphan_table *t, const sw_endpoint *server, uint8_t method, bool create)
{
    sw_orphan *free_slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < SW_ORPHANS; i++) {
        sw_orphan *o = &t->e[i];
        if (o->evicted && o->method == method && endpoint_equal(&o->server, server))
            return o;
        if (!o->evicted && !free_slot)
            free_slot = o;
        if (!o->unanswered && (!oldest || o->last_ts < oldest->last_ts))
            oldest = o;             /* a settled pair may be reused */
    }
    if (!create)
        return NULL;
    sw_orphan *o = free_slot ? free_slot : oldest;
    if (o)
        memset(o, 0, sizeof *o);
    return o;
}

bool orphans_add(orphan_table *t, const char *call_id, const sw_txn *tx, sw_time_us timeout)
{
    sw_orphan *o = slot(t, &tx->server, tx->method, true);
    if (!o)
        return false;
    o->server = tx->server;
    o->client = tx->client;
    o->method = tx->method;
    o->transport = tx->transport;
    o->evicted++;
    if (!o->unanswered || tx->first_ts < o->first_ts)
        o->first_ts = tx->first_ts;
    if (tx->first_ts > o->last_ts)
        o->last_ts = tx->first_ts;
    o->unanswered++;
    copy_str(o->call_id, sizeof o->call_id, call_id);
    sw_time_us due = o->first_ts + timeout;
    if (!t->due || due < t->due)
        t->due = due;
    return true;
}

void orphans_answered(orphan_table *t, const sw_endpoint *server, uint8_t method)
{
    sw_orphan *o = slot(t, server, method, false);
    if (o && o->unanswered)
        o->unanswered--;
}

void orphans_judge(orphan_table *t, sw_time_us now, sw_time_us timeout, bool at_end, orphan_due_fn fn, void *user)
{
    sw_time_us next = 0;
    for (unsigned i = 0; i < SW_ORPHANS; i++) {
        sw_orphan *o = &t->e[i];
        if (!o->unanswered)
            continue;
        sw_time_us due = o->first_ts + timeout;
        if (due <= now || at_end) {
            fn(user, o, due <= now);
            o->unanswered = 0;
            continue;
        }
        if (!next || due < next)
            next = due;
    }
    t->due = next;
}
