/* The dashboard's copies of what the monitor publishes: findings (with the
 * bell for a new critical one), calls (copied at most once a second when
 * there are many), lookups of a copied call, the clock and the status
 * line's message. Views read these copies; none of them reads the monitor
 * for the lists itself. */
#include "tui_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double tui_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tui_set_status(tui *t, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status, sizeof t->status, fmt, ap);
    va_end(ap);
    t->status_error = error;
    t->status_until = tui_now() + 6.0;
}

/* ---- findings ------------------------------------------------------------------ */

static bool alerted(const tui *t, uint64_t id)
{
    for (size_t i = 0; i < t->nalerted; i++)
        if (t->alerted[i] == id)
            return true;
    return false;
}

/* Beeps once per new critical finding (or one escalated to critical). */
static void check_alerts(tui *t)
{
    const sw_finding *newest = NULL;
    for (size_t i = 0; i < t->nfindings; i++) {
        const sw_finding *f = &t->findings[i];
        if (f->severity != SW_SEV_CRITICAL || f->state != SW_FINDING_OPEN || alerted(t, f->id))
            continue;
        if (t->nalerted == t->alerted_cap) {
            size_t cap = t->alerted_cap ? t->alerted_cap * 2 : 64;
            uint64_t *a = realloc(t->alerted, cap * sizeof *a);
            if (!a)
                return;
            t->alerted = a;
            t->alerted_cap = cap;
        }
        t->alerted[t->nalerted++] = f->id;
        newest = f;
    }
    if (newest) {
        if (!t->opt->quiet)
            beep();
        tui_set_status(t, true, "New critical finding: %s #%llu", newest->rule ? newest->rule : "?",
                       (unsigned long long)newest->id);
    }
}

void tui_copy_findings(tui *t)
{
    for (int tries = 0; tries < 4; tries++) {
        size_t n = sw_monitor_get_findings(t->mon, t->findings, t->cap);
        if (n <= t->cap) {
            t->nfindings = n;
            break;
        }
        size_t cap = n + 64;
        sw_finding *f = realloc(t->findings, cap * sizeof *f);
        const sw_finding **s = f ? realloc(t->sel, cap * sizeof *s) : NULL;
        if (f)
            t->findings = f;
        if (!f || !s) {
            t->nfindings = sw_monitor_get_findings(t->mon, t->findings, t->cap);
            if (t->nfindings > t->cap)
                t->nfindings = t->cap;
            break;
        }
        t->sel = s;
        t->cap = cap;
    }
    t->findings_epoch++;
    check_alerts(t);
}

/* ---- calls -------------------------------------------------------------------- */

bool tui_copy_calls(tui *t, bool force)
{
    uint64_t v = sw_monitor_calls_version(t->mon);
    double now = tui_now();
    double gap = t->ncalls > 20000 ? 1.0 : t->ncalls > 2000 ? 0.3 : 0.0;
    if (!force && (v == t->cversion || now - t->last_calls_copy < gap))
        return false;
    for (int tries = 0; tries < 4; tries++) {
        size_t n = sw_monitor_get_calls(t->mon, t->calls, t->calls_cap);
        if (n <= t->calls_cap) {
            t->ncalls = n;
            break;
        }
        size_t cap = n + n / 4 + 256;
        sw_call_row *r = realloc(t->calls, cap * sizeof *r);
        const sw_call_row **s = r ? realloc(t->csel, cap * sizeof *s) : NULL;
        if (r)
            t->calls = r;
        if (!r || !s) {
            t->ncalls = sw_monitor_get_calls(t->mon, t->calls, t->calls_cap);
            if (t->ncalls > t->calls_cap)
                t->ncalls = t->calls_cap;
            break;
        }
        t->csel = s;
        t->calls_cap = cap;
    }
    t->cversion = v;
    t->last_calls_copy = now;
    t->calls_epoch++;
    return true;
}

const sw_call_row *tui_call_by_callid(const tui *t, const char *call_id)
{
    for (size_t i = t->ncalls; i-- > 0;)
        if (strcmp(t->calls[i].call_id, call_id) == 0)
            return &t->calls[i];
    return NULL;
}

const sw_call_row *tui_call_by_id(const tui *t, uint64_t id)
{
    size_t lo = 0, hi = t->ncalls;     /* rows are in id order */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->calls[mid].id == id)
            return &t->calls[mid];
        if (t->calls[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
