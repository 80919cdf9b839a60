/* Findings store: one entry per problem, kept in opening order, the open or
 * latest one of each (rule, key) found through a hash table, capped (oldest
 * resolved dropped first, then the oldest open of the lowest severity), with every change reported to
 * the listener. A resolved finding is history: it is never reopened or
 * rewritten, and the identity a finding was opened with (Call-ID, endpoints,
 * first seen) never changes. */
#include "sipwatch/findings.h"
#include "sipwatch/hash.h"
#include "sipwatch/text.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 32

typedef struct rule_count {
    const char *rule;       /* rule ids are static strings: compared by address first */
    size_t open;
} rule_count;

typedef struct entry {
    sw_finding f;
    uint64_t hash;
    struct entry *hnext;
    bool hashed;            /* reachable by (rule, key): false once superseded */
    struct entry *cnext;    /* chain of findings with the same Call-ID */
    uint64_t call_hash;     /* 0 = not in the Call-ID chains */
    bool frozen;            /* identity below taken at the first commit */
    char call_id[sizeof ((sw_finding *)0)->call_id];
    sw_endpoint src, dst;
    sw_time_us first_seen;
} entry;

struct sw_findings {
    size_t max;
    entry **order;          /* opening order */
    size_t len;
    entry **buckets;
    size_t nbuckets;
    entry **call_buckets;   /* by Call-ID, for a call's findings */
    uint64_t next_id;
    sw_finding_fn listener;
    void *user;
    sw_findings_stats stats;
    rule_count open_by_rule[MAX_RULES];
};

/* Rule ids are the static strings of the sw_rule definitions: compared by
 * address first (this runs for every message), by content only then. */
static rule_count *rule_slot(sw_findings *fs, const char *rule)
{
    for (int i = 0; i < MAX_RULES && fs->open_by_rule[i].rule; i++)
        if (fs->open_by_rule[i].rule == rule)
            return &fs->open_by_rule[i];
    for (int i = 0; i < MAX_RULES; i++) {
        rule_count *rc = &fs->open_by_rule[i];
        if (!rc->rule) {
            rc->rule = rule;
            return rc;
        }
        if (strcmp(rc->rule, rule) == 0)
            return rc;
    }
    return NULL;
}

static void open_delta(sw_findings *fs, const char *rule, int delta)
{
    rule_count *rc = rule_slot(fs, rule);
    if (rc)
        rc->open = (size_t)((long)rc->open + delta);
}

size_t sw_findings_open_count(const sw_findings *fs, const char *rule)
{
    for (int i = 0; i < MAX_RULES && fs->open_by_rule[i].rule; i++)
        if (fs->open_by_rule[i].rule == rule)
            return fs->open_by_rule[i].open;
    for (int i = 0; i < MAX_RULES && fs->open_by_rule[i].rule; i++)
        if (strcmp(fs->open_by_rule[i].rule, rule) == 0)
            return fs->open_by_rule[i].open;
    return 0;
}

static uint64_t key_hash(const char *rule, const char *key)
{
    uint64_t h = sw_fnv_bytes(sw_fnv_str(SW_FNV_SEED, rule), "\xff", 1);
    return sw_fnv_str(h, key);
}

sw_findings *sw_findings_create(size_t max_findings, sw_finding_fn listener, void *user)
{
    sw_findings *fs = calloc(1, sizeof *fs);
    if (!fs)
        return NULL;
    fs->max = max_findings ? max_findings : 2048;
    fs->order = calloc(fs->max + 1, sizeof *fs->order);
    fs->nbuckets = 64;
    while (fs->nbuckets < fs->max * 2)
        fs->nbuckets *= 2;
    fs->buckets = calloc(fs->nbuckets, sizeof *fs->buckets);
    fs->call_buckets = calloc(fs->nbuckets, sizeof *fs->call_buckets);
    fs->listener = listener;
    fs->user = user;
    if (!fs->order || !fs->buckets || !fs->call_buckets) {
        sw_findings_destroy(fs);
        return NULL;
    }
    return fs;
}

void sw_findings_destroy(sw_findings *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; fs->order && i < fs->len; i++)
        free(fs->order[i]);
    free(fs->order);
    free(fs->buckets);
    free(fs->call_buckets);
    free(fs);
}

static entry *lookup(const sw_findings *fs, const char *rule, const char *key, uint64_t h)
{
    for (entry *e = fs->buckets[h & (fs->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->f.rule, rule) == 0 && strcmp(e->f.key, key) == 0)
            return e;
    return NULL;
}

static void unhash(sw_findings *fs, entry *e)
{
    if (!e->hashed)
        return;
    entry **pp = &fs->buckets[e->hash & (fs->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    e->hashed = false;
}

static uint64_t call_hash(const char *call_id)
{
    uint64_t h = sw_fnv_str(SW_FNV_SEED, call_id);
    return h ? h : 1;
}

static void call_unlink(sw_findings *fs, entry *e)
{
    if (!e->call_hash)
        return;
    entry **pp = &fs->call_buckets[e->call_hash & (fs->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->cnext;
    if (*pp)
        *pp = e->cnext;
    e->call_hash = 0;
}

static void call_link(sw_findings *fs, entry *e)
{
    if (!e->f.call_id[0])
        return;
    e->call_hash = call_hash(e->f.call_id);
    e->cnext = fs->call_buckets[e->call_hash & (fs->nbuckets - 1)];
    fs->call_buckets[e->call_hash & (fs->nbuckets - 1)] = e;
}

size_t sw_findings_for_call(const sw_findings *fs, const char *call_id, uint64_t *ids, size_t max)
{
    if (!call_id || !*call_id)
        return 0;
    uint64_t h = call_hash(call_id);
    size_t n = 0;
    for (entry *e = fs->call_buckets[h & (fs->nbuckets - 1)]; e; e = e->cnext)
        if (e->call_hash == h && strcmp(e->f.call_id, call_id) == 0) {
            if (n < max)
                ids[n] = e->f.id;
            n++;
        }
    /* Chains hold the newest first: give them in opening order. */
    size_t m = n < max ? n : max;
    for (size_t i = 0; i < m / 2; i++) {
        uint64_t t = ids[i];
        ids[i] = ids[m - 1 - i];
        ids[m - 1 - i] = t;
    }
    return n;
}

void sw_findings_select_call(sw_findings *fs, const char *call_id)
{
    if (!call_id || !*call_id)
        return;
    uint64_t h = call_hash(call_id);
    for (entry *e = fs->call_buckets[h & (fs->nbuckets - 1)]; e; e = e->cnext)
        if (e->call_hash == h && strcmp(e->f.call_id, call_id) == 0)
            e->f.selected = true;
}

static void drop_at(sw_findings *fs, size_t i)
{
    entry *e = fs->order[i];
    unhash(fs, e);
    call_unlink(fs, e);
    if (e->f.state == SW_FINDING_OPEN) {
        fs->stats.open_by_severity[e->f.severity]--;
        open_delta(fs, e->f.rule, -1);
    }
    memmove(&fs->order[i], &fs->order[i + 1], (fs->len - i - 1) * sizeof *fs->order);
    fs->len--;
    fs->stats.dropped++;
    free(e);
}

/* What goes when the store is full: the oldest resolved finding; else the
 * oldest open one of the lowest severity, so a flood of small findings
 * never pushes out the critical one that explains it. */
static size_t victim_index(const sw_findings *fs)
{
    size_t best = 0;
    int best_rank = 99;
    for (size_t i = 0; i < fs->len; i++) {
        const sw_finding *f = &fs->order[i]->f;
        int rank = f->state == SW_FINDING_RESOLVED ? 0 : 1 + (int)f->severity;
        if (rank < best_rank) {
            best_rank = rank;
            best = i;
            if (rank == 0)
                break;
        }
    }
    return best;
}

sw_finding *sw_findings_find(sw_findings *fs, const char *rule, const char *key)
{
    entry *e = lookup(fs, rule, key, key_hash(rule, key));
    return e ? &e->f : NULL;
}

sw_finding *sw_findings_get(sw_findings *fs, const char *rule, const char *key, sw_time_us now, bool *created)
{
    uint64_t h = key_hash(rule, key);
    entry *e = lookup(fs, rule, key, h);
    *created = false;
    if (e && e->f.state == SW_FINDING_OPEN) {
        if (now > e->f.last_seen)
            e->f.last_seen = now;
        return &e->f;
    }
    if (e)
        unhash(fs, e);      /* resolved: history; the problem is back as a new finding */
    if (fs->len >= fs->max)
        drop_at(fs, victim_index(fs));
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->hash = h;
    e->hashed = true;
    e->f.id = ++fs->next_id;
    e->f.rule = rule;
    snprintf(e->f.key, sizeof e->f.key, "%s", key);
    e->f.first_seen = e->f.last_seen = now;
    e->f.severity = SW_SEV_INFO;
    e->hnext = fs->buckets[h & (fs->nbuckets - 1)];
    fs->buckets[h & (fs->nbuckets - 1)] = e;
    fs->order[fs->len++] = e;
    fs->stats.open_by_severity[SW_SEV_INFO]++;
    open_delta(fs, rule, +1);
    *created = true;
    return &e->f;
}

/* The identity a finding was opened with is kept: a rule refreshing it
 * from state that moved on (a flow re-created, another account) cannot
 * rewrite it. */
static void call_link(sw_findings *fs, entry *e);

static void keep_identity(sw_findings *fs, entry *e)
{
    if (!e->frozen) {
        e->frozen = true;
        call_link(fs, e);
        memcpy(e->call_id, e->f.call_id, sizeof e->call_id);
        e->src = e->f.src;
        e->dst = e->f.dst;
        e->first_seen = e->f.first_seen;
        return;
    }
    memcpy(e->f.call_id, e->call_id, sizeof e->call_id);
    e->f.src = e->src;
    e->f.dst = e->dst;
    e->f.first_seen = e->first_seen;
}

void sw_findings_commit(sw_findings *fs, sw_finding *f, bool created, sw_severity old_severity)
{
    keep_identity(fs, (entry *)((char *)f - offsetof(entry, f)));
    if (f->state == SW_FINDING_OPEN && f->severity != old_severity) {
        fs->stats.open_by_severity[old_severity]--;
        fs->stats.open_by_severity[f->severity]++;
    }
    sw_finding_change change;
    if (created) {
        fs->stats.opened++;
        change = SW_FINDING_OPENED;
    } else {
        f->updates++;
        fs->stats.updated++;
        change = f->severity > old_severity ? SW_FINDING_ESCALATED : SW_FINDING_UPDATED;
    }
    if (fs->listener)
        fs->listener(fs->user, f, change);
}

void sw_findings_resolve(sw_findings *fs, const char *rule, const char *key, sw_time_us now, const char *why)
{
    entry *e = lookup(fs, rule, key, key_hash(rule, key));
    if (!e || e->f.state != SW_FINDING_OPEN)
        return;
    e->f.state = SW_FINDING_RESOLVED;
    e->f.resolved_at = now;
    snprintf(e->f.resolution, sizeof e->f.resolution, "%s", why ? why : "");
    fs->stats.open_by_severity[e->f.severity]--;
    open_delta(fs, e->f.rule, -1);
    fs->stats.resolved++;
    if (fs->listener)
        fs->listener(fs->user, &e->f, SW_FINDING_RESOLVED_NOW);
}

size_t sw_findings_count(const sw_findings *fs)
{
    return fs->len;
}

const sw_finding *sw_findings_at(const sw_findings *fs, size_t i)
{
    return i < fs->len ? &fs->order[i]->f : NULL;
}

void sw_findings_get_stats(const sw_findings *fs, sw_findings_stats *stats)
{
    *stats = fs->stats;
}

static sw_finding_detail *detail_slot(sw_finding *f, const char *name)
{
    for (unsigned i = 0; i < f->ndetails; i++)
        if (strcmp(f->details[i].name, name) == 0)
            return &f->details[i];
    if (f->ndetails >= SW_FINDING_DETAILS)
        return NULL;
    sw_finding_detail *d = &f->details[f->ndetails++];
    snprintf(d->name, sizeof d->name, "%s", name);
    return d;
}

void sw_finding_set_detail(sw_finding *f, const char *name, const char *value)
{
    sw_finding_detail *d = detail_slot(f, name);
    if (d) {
        sw_copy_cut(d->value, sizeof d->value, value);
        d->is_number = false;
    }
}

void sw_finding_set_number(sw_finding *f, const char *name, long long value)
{
    sw_finding_detail *d = detail_slot(f, name);
    if (d) {
        snprintf(d->value, sizeof d->value, "%lld", value);
        d->is_number = true;
    }
}

void sw_finding_set_bool(sw_finding *f, const char *name, bool value)
{
    sw_finding_detail *d = detail_slot(f, name);
    if (d) {
        snprintf(d->value, sizeof d->value, "%s", value ? "true" : "false");
        d->is_number = true;
    }
}

const char *sw_severity_name(sw_severity s)
{
    switch (s) {
    case SW_SEV_CRITICAL: return "critical";
    case SW_SEV_WARNING: return "warning";
    default: return "info";
    }
}

const char *sw_finding_change_name(sw_finding_change c)
{
    switch (c) {
    case SW_FINDING_OPENED: return "opened";
    case SW_FINDING_UPDATED: return "updated";
    case SW_FINDING_ESCALATED: return "escalated";
    default: return "resolved";
    }
}
