/* Orphaned transactions: the per-server table of time-ordered runs (see orphans.h). */
#include "orphans.h"
#include "corr_util.h"

static uint32_t unanswered(const sw_orphan *o)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < o->run_len; i++)
        n += o->runs[(o->run_head + i) % SW_ORPHAN_RUNS].count;
    return n;
}

static sw_orphan *slot(orphan_table *t, const sw_endpoint *server, uint8_t method, bool create)
{
    sw_orphan *free_slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < SW_ORPHANS; i++) {
        sw_orphan *o = &t->e[i];
        if (o->evicted && o->method == method && endpoint_equal(&o->server, server))
            return o;
        if (!o->evicted && !free_slot)
            free_slot = o;
        if (!o->run_len && (!oldest || o->evicted < oldest->evicted))
            oldest = o;             /* a settled pair may be reused */
    }
    if (!create)
        return NULL;
    sw_orphan *o = free_slot ? free_slot : oldest;
    if (o)
        memset(o, 0, sizeof *o);
    return o;
}

static void note_due(orphan_table *t, const sw_orphan *o, sw_time_us timeout)
{
    if (!o->run_len)
        return;
    sw_time_us due = o->runs[o->run_head].first_ts + timeout;
    if (!t->due || due < t->due)
        t->due = due;
}

bool orphans_add(orphan_table *t, const sw_flow *f, const sw_txn *tx, sw_time_us timeout)
{
    sw_endpoint server = sw_txn_server(f, tx);
    sw_orphan *o = slot(t, &server, tx->method, true);
    if (!o)
        return false;
    o->server = server;
    o->client = sw_txn_client(f, tx);
    o->method = tx->method;
    o->transport = tx->transport;
    o->evicted++;
    copy_str(o->call_id, sizeof o->call_id, f->call_id);
    /* Same second as the newest run (or no room for another): it joins it. */
    sw_orphan_run *last = o->run_len ? &o->runs[(o->run_head + o->run_len - 1) % SW_ORPHAN_RUNS] : NULL;
    if (last && (last->first_ts / SW_USEC_PER_SEC == tx->first_ts / SW_USEC_PER_SEC ||
                 o->run_len == SW_ORPHAN_RUNS)) {
        last->count++;
        if (tx->first_ts < last->first_ts)
            last->first_ts = tx->first_ts;
    } else {
        sw_orphan_run *r = &o->runs[(o->run_head + o->run_len++) % SW_ORPHAN_RUNS];
        r->first_ts = tx->first_ts;
        r->count = 1;
    }
    note_due(t, o, timeout);
    return true;
}

void orphans_answered(orphan_table *t, const sw_endpoint *server, uint8_t method)
{
    sw_orphan *o = slot(t, server, method, false);
    if (!o || !o->run_len)
        return;
    sw_orphan_run *r = &o->runs[o->run_head];     /* answers come oldest first */
    if (--r->count == 0) {
        o->run_head = (o->run_head + 1) % SW_ORPHAN_RUNS;
        o->run_len--;
    }
}

void orphans_judge(orphan_table *t, sw_time_us now, sw_time_us timeout, bool at_end, orphan_due_fn fn, void *user)
{
    t->due = 0;
    for (unsigned i = 0; i < SW_ORPHANS; i++) {
        sw_orphan *o = &t->e[i];
        o->judged = 0;
        while (o->run_len) {
            sw_orphan_run *r = &o->runs[o->run_head];
            if (r->first_ts + timeout > now && !at_end)
                break;
            if (!o->judged)
                o->judged_first_ts = r->first_ts;
            o->judged += r->count;
            o->run_head = (o->run_head + 1) % SW_ORPHAN_RUNS;
            o->run_len--;
        }
        if (o->judged)
            fn(user, o, !at_end);
        note_due(t, o, timeout);
    }
}

uint32_t orphans_unanswered(const sw_orphan *o)
{
    return unanswered(o);
}
