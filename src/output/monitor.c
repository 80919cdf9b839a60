/* Monitor: counters, findings and message text shared between the capture
 * thread (producer) and viewers such as the dashboard (consumers).
 *
 * Design: one mutex, held only for copies. Message text goes into a byte
 * ring of recent messages (oldest overwritten first) with a direct-mapped
 * index from (frame, CSeq, status) to ring offset; when a finding changes,
 * the text of its evidence is copied out of the ring and pinned with the
 * finding, within a global budget, so a viewer can show it long after the
 * ring moved on. Findings are mirrored (bounded, oldest resolved dropped
 * first) and a version number tells viewers when to re-read them. */
#include "sipwatch/monitor.h"
#include "sipwatch/byte_ring.h"
#include "pcap_writer.h"
#include "sipwatch/timefmt.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FINDINGS 2048
#define MAX_TEXT 8192               /* longest text pinned for one message */

typedef struct ring_rec {
    uint64_t frame;
    uint32_t cseq;
    uint16_t status;
    uint32_t len;
} ring_rec;

typedef struct mirrored {
    sw_finding f;
    char *text[SW_FINDING_EVIDENCE];    /* pinned copies, NULL when not held */
    size_t text_len[SW_FINDING_EVIDENCE];
} mirrored;

struct sw_monitor {
    pthread_mutex_t lock;
    sw_monitor_counters counters;
    uint64_t version;
    mirrored *findings;
    size_t nfindings;
    /* recent message text */
    sw_byte_ring ring;              /* recent message text */
    uint64_t *index;                /* ring position + 1, 0 = empty */
    size_t index_size;
    size_t pinned, pin_budget;
    sw_call_store *calls;           /* NULL unless a viewer lists calls */
};

sw_monitor *sw_monitor_create(size_t max_text_bytes)
{
    sw_monitor *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (!max_text_bytes)
        max_text_bytes = 16u * 1024 * 1024;
    size_t ring_size = max_text_bytes / 2;
    m->pin_budget = max_text_bytes / 2;
    m->index_size = 65536;
    int ring_rc = sw_byte_ring_init(&m->ring, ring_size);
    m->index = calloc(m->index_size, sizeof *m->index);
    m->findings = calloc(MAX_FINDINGS, sizeof *m->findings);
    if (ring_rc < 0 || !m->index || !m->findings) {
        sw_monitor_destroy(m);
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    m->counters.progress = -1;
    return m;
}

static void unpin(sw_monitor *m, mirrored *x)
{
    for (unsigned i = 0; i < SW_FINDING_EVIDENCE; i++) {
        m->pinned -= x->text[i] ? x->text_len[i] + 1 : 0;
        free(x->text[i]);
        x->text[i] = NULL;
        x->text_len[i] = 0;
    }
}

void sw_monitor_destroy(sw_monitor *m)
{
    if (!m)
        return;
    if (m->findings) {
        for (size_t i = 0; i < m->nfindings; i++)
            unpin(m, &m->findings[i]);
        pthread_mutex_destroy(&m->lock);
    }
    sw_call_store_destroy(m->calls);
    free(m->findings);
    sw_byte_ring_free(&m->ring);
    free(m->index);
    free(m);
}

/* ---- the text ring --------------------------------------------------------- */

static size_t index_slot(const sw_monitor *m, uint64_t frame, uint32_t cseq, uint16_t status)
{
    uint64_t h = frame * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)cseq << 16) ^ status;
    return (size_t)(h % m->index_size);
}

void sw_monitor_note_message(sw_monitor *m, const sw_sip_msg *msg)
{
    size_t len = msg->raw_len < MAX_TEXT ? msg->raw_len : MAX_TEXT;
    if (sizeof(ring_rec) + len > m->ring.size / 4)
        return;
    ring_rec rec = {.frame = msg->frame, .cseq = msg->cseq, .status = (uint16_t)(msg->is_request ? 0 : msg->status),
                    .len = (uint32_t)len};
    pthread_mutex_lock(&m->lock);
    uint64_t pos = m->ring.written;
    sw_byte_ring_put(&m->ring, &rec, sizeof rec);
    sw_byte_ring_put(&m->ring, msg->raw, len);
    m->index[index_slot(m, rec.frame, rec.cseq, rec.status)] = pos + 1;
    pthread_mutex_unlock(&m->lock);
}

/* Text of the message an evidence entry describes, copied out; NULL when it
 * is no longer in the ring. Called with the lock held. */
static char *ring_lookup(const sw_monitor *m, const sw_evidence *e, size_t *len)
{
    uint64_t slot = m->index[index_slot(m, e->frame, e->cseq, e->status)];
    if (!slot)
        return NULL;
    uint64_t pos = slot - 1;
    ring_rec rec;
    if (!sw_byte_ring_holds(&m->ring, pos, sizeof rec))
        return NULL;                        /* overwritten since */
    sw_byte_ring_get(&m->ring, pos, &rec, sizeof rec);
    if (rec.frame != e->frame || rec.cseq != e->cseq || rec.status != e->status)
        return NULL;
    if (!sw_byte_ring_holds(&m->ring, pos, sizeof rec + rec.len))
        return NULL;
    char *text = malloc(rec.len + 1);
    if (!text)
        return NULL;
    sw_byte_ring_get(&m->ring, pos + sizeof rec, text, rec.len);
    text[rec.len] = '\0';
    *len = rec.len;
    return text;
}

/* ---- findings ---------------------------------------------------------------- */

static mirrored *find_mirror(sw_monitor *m, uint64_t id)
{
    for (size_t i = m->nfindings; i-- > 0;)
        if (m->findings[i].f.id == id)
            return &m->findings[i];
    return NULL;
}

void sw_monitor_finding_changed(sw_monitor *m, const sw_finding *f, sw_finding_change change)
{
    (void)change;
    pthread_mutex_lock(&m->lock);
    mirrored *x = find_mirror(m, f->id);
    if (!x) {
        if (m->nfindings == MAX_FINDINGS) {
            size_t victim = 0;
            for (size_t i = 0; i < m->nfindings; i++)
                if (m->findings[i].f.state == SW_FINDING_RESOLVED) {
                    victim = i;
                    break;
                }
            unpin(m, &m->findings[victim]);
            memmove(&m->findings[victim], &m->findings[victim + 1],
                    (m->nfindings - victim - 1) * sizeof *m->findings);
            m->nfindings--;
        }
        x = &m->findings[m->nfindings++];
        memset(x, 0, sizeof *x);
    }
    /* Keep the texts already pinned for evidence that is still there. */
    char *old_text[SW_FINDING_EVIDENCE];
    size_t old_len[SW_FINDING_EVIDENCE];
    sw_evidence old_ev[SW_FINDING_EVIDENCE];
    unsigned old_n = x->f.nevidence;
    memcpy(old_text, x->text, sizeof old_text);
    memcpy(old_len, x->text_len, sizeof old_len);
    memcpy(old_ev, x->f.evidence, sizeof old_ev);
    memset(x->text, 0, sizeof x->text);
    x->f = *f;
    for (unsigned i = 0; i < f->nevidence; i++) {
        const sw_evidence *e = &f->evidence[i];
        for (unsigned j = 0; j < old_n; j++) {
            if (old_text[j] && old_ev[j].frame == e->frame && old_ev[j].cseq == e->cseq &&
                old_ev[j].status == e->status) {
                x->text[i] = old_text[j];
                x->text_len[i] = old_len[j];
                old_text[j] = NULL;
                break;
            }
        }
        if (!x->text[i] && m->pinned < m->pin_budget) {
            x->text[i] = ring_lookup(m, e, &x->text_len[i]);
            if (x->text[i])
                m->pinned += x->text_len[i] + 1;
        }
    }
    for (unsigned j = 0; j < old_n; j++) {
        if (old_text[j]) {
            m->pinned -= old_len[j] + 1;
            free(old_text[j]);
        }
    }
    m->version++;
    pthread_mutex_unlock(&m->lock);
}

/* ---- counters ------------------------------------------------------------------ */

void sw_monitor_set_counters(sw_monitor *m, const sw_monitor_counters *c)
{
    pthread_mutex_lock(&m->lock);
    m->counters = *c;
    pthread_mutex_unlock(&m->lock);
}

void sw_monitor_get_counters(sw_monitor *m, sw_monitor_counters *out)
{
    pthread_mutex_lock(&m->lock);
    *out = m->counters;
    if (m->calls)
        sw_call_store_get_stats(m->calls, &out->call_store);
    pthread_mutex_unlock(&m->lock);
}

uint64_t sw_monitor_findings_version(sw_monitor *m)
{
    pthread_mutex_lock(&m->lock);
    uint64_t v = m->version;
    pthread_mutex_unlock(&m->lock);
    return v;
}

size_t sw_monitor_get_findings(sw_monitor *m, sw_finding *out, size_t max)
{
    pthread_mutex_lock(&m->lock);
    size_t n = m->nfindings;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = m->findings[i].f;
    pthread_mutex_unlock(&m->lock);
    return n;
}

size_t sw_monitor_get_messages(sw_monitor *m, uint64_t id, sw_monitor_message **out)
{
    *out = NULL;
    pthread_mutex_lock(&m->lock);
    mirrored *x = find_mirror(m, id);
    size_t n = x ? x->f.nevidence : 0;
    sw_monitor_message *msgs = n ? calloc(n, sizeof *msgs) : NULL;
    if (!msgs)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        msgs[i].ev = x->f.evidence[i];
        if (x->text[i]) {
            msgs[i].text = malloc(x->text_len[i] + 1);
            if (msgs[i].text) {
                memcpy(msgs[i].text, x->text[i], x->text_len[i] + 1);
                msgs[i].text_len = x->text_len[i];
            }
        }
    }
    pthread_mutex_unlock(&m->lock);
    *out = msgs;
    return n;
}

void sw_monitor_free_messages(sw_monitor_message *msgs, size_t n)
{
    for (size_t i = 0; msgs && i < n; i++)
        free(msgs[i].text);
    free(msgs);
}

/* ---- saving a finding's messages as a pcap file ----------------------------- */

int sw_monitor_save_pcap(sw_monitor *m, uint64_t id, const char *path, char *err, size_t errlen)
{
    sw_monitor_message *msgs;
    size_t n = sw_monitor_get_messages(m, id, &msgs);
    size_t with_text = 0;
    for (size_t i = 0; i < n; i++)
        with_text += msgs[i].text != NULL;
    if (!with_text) {
        snprintf(err, errlen, "the messages of finding %llu are no longer in memory", (unsigned long long)id);
        sw_monitor_free_messages(msgs, n);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        sw_monitor_free_messages(msgs, n);
        return -1;
    }
    int rc = sw_pcap_write_header(f);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (msgs[i].text && sw_pcap_write_udp(f, &msgs[i].ev, msgs[i].text, msgs[i].text_len) < 0)
            rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    sw_monitor_free_messages(msgs, n);
    return rc;
}

/* ---- calls ------------------------------------------------------------------------ */

int sw_monitor_enable_calls(sw_monitor *m, size_t budget_bytes)
{
    sw_call_store *s = sw_call_store_create(budget_bytes);
    if (!s)
        return -1;
    pthread_mutex_lock(&m->lock);
    sw_call_store_destroy(m->calls);
    m->calls = s;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

void sw_monitor_note_call(sw_monitor *m, const sw_call *call, const sw_evidence *ev, const sw_sip_msg *msg)
{
    if (!m->calls)
        return;
    char sdp[96] = "";
    if (msg->sdp_media && msg->sdp_media[0])
        snprintf(sdp, sizeof sdp, "%s%s%s", msg->sdp_media, msg->sdp_address ? " @" : "",
                 msg->sdp_address ? msg->sdp_address : "");
    pthread_mutex_lock(&m->lock);
    sw_call_store_note(m->calls, call, ev, sdp[0] ? sdp : NULL, (const char *)msg->raw, msg->raw_len);
    pthread_mutex_unlock(&m->lock);
}

void sw_monitor_call_ended(sw_monitor *m, const sw_call *call)
{
    if (!m->calls)
        return;
    pthread_mutex_lock(&m->lock);
    sw_call_store_end(m->calls, call);
    pthread_mutex_unlock(&m->lock);
}

uint64_t sw_monitor_calls_version(sw_monitor *m)
{
    pthread_mutex_lock(&m->lock);
    uint64_t v = m->calls ? sw_call_store_version(m->calls) : 0;
    pthread_mutex_unlock(&m->lock);
    return v;
}

size_t sw_monitor_get_calls(sw_monitor *m, sw_call_row *out, size_t max)
{
    pthread_mutex_lock(&m->lock);
    size_t n = m->calls ? sw_call_store_rows(m->calls, out, max) : 0;
    pthread_mutex_unlock(&m->lock);
    return n;
}

size_t sw_monitor_get_call_messages(sw_monitor *m, uint64_t call, sw_call_message **out)
{
    *out = NULL;
    pthread_mutex_lock(&m->lock);
    size_t n = m->calls ? sw_call_store_messages(m->calls, call, out) : 0;
    pthread_mutex_unlock(&m->lock);
    return n;
}

bool sw_monitor_get_call_media(sw_monitor *m, uint64_t call, sw_call_media_info *out)
{
    pthread_mutex_lock(&m->lock);
    bool ok = m->calls && sw_call_store_media(m->calls, call, out);
    pthread_mutex_unlock(&m->lock);
    return ok;
}

void sw_monitor_search_calls(sw_monitor *m, sw_call_search *q)
{
    for (;;) {
        pthread_mutex_lock(&m->lock);
        bool done = !m->calls || sw_call_store_search_step(m->calls, q, 1u << 20);
        pthread_mutex_unlock(&m->lock);
        if (done)
            return;
    }
}

/* ---- saving calls ------------------------------------------------------------------ */

static int by_time(const void *a, const void *b)
{
    const sw_call_message *x = a, *y = b;
    if (x->ev.ts != y->ev.ts)
        return x->ev.ts < y->ev.ts ? -1 : 1;
    return x->ev.frame < y->ev.frame ? -1 : x->ev.frame > y->ev.frame;
}

/* The held messages of every call in ids, in time order. */
static size_t gather(sw_monitor *m, const uint64_t *ids, size_t n, sw_call_message **out)
{
    sw_call_message *all = NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        sw_call_message *msgs;
        size_t k = sw_monitor_get_call_messages(m, ids[i], &msgs);
        sw_call_message *grown = k ? realloc(all, (total + k) * sizeof *all) : all;
        if (!grown) {
            sw_call_store_free_messages(msgs, k);
            continue;
        }
        all = grown;
        memcpy(all + total, msgs, k * sizeof *msgs);
        free(msgs);                 /* the texts moved into all */
        total += k;
    }
    if (total)
        qsort(all, total, sizeof *all, by_time);
    *out = all;
    return total;
}

/* Running sequence numbers of the TCP directions written so far. */
typedef struct tcp_dir {
    sw_endpoint src, dst;
    uint32_t next_seq;
} tcp_dir;

static bool same_endpoint(const sw_endpoint *a, const sw_endpoint *b)
{
    return a->port == b->port && sw_ip_equal(&a->ip, &b->ip);
}

static uint32_t *tcp_seq(tcp_dir *dirs, size_t *ndirs, size_t cap, const sw_evidence *e)
{
    for (size_t i = 0; i < *ndirs; i++)
        if (same_endpoint(&dirs[i].src, &e->src) && same_endpoint(&dirs[i].dst, &e->dst))
            return &dirs[i].next_seq;
    if (*ndirs == cap)
        return &dirs[cap - 1].next_seq;
    dirs[*ndirs] = (tcp_dir){.src = e->src, .dst = e->dst, .next_seq = 1000 + (uint32_t)*ndirs * 0x1000000u};
    return &dirs[(*ndirs)++].next_seq;
}

static int write_pcap_messages(FILE *f, const sw_call_message *msgs, size_t n, long *written)
{
    tcp_dir dirs[64];
    size_t ndirs = 0;
    if (sw_pcap_write_header(f) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const sw_call_message *c = &msgs[i];
        if (!c->text)
            continue;
        int rc;
        if (c->ev.transport == SW_TRANSPORT_TCP || c->ev.transport == SW_TRANSPORT_WS ||
            c->ev.transport == SW_TRANSPORT_TLS) {
            uint32_t *seq = tcp_seq(dirs, &ndirs, 64, &c->ev);
            sw_evidence back = {.src = c->ev.dst, .dst = c->ev.src};
            uint32_t ack = *tcp_seq(dirs, &ndirs, 64, &back);
            rc = sw_pcap_write_tcp(f, &c->ev, c->text, c->text_len, *seq, ack);
            *seq += (uint32_t)c->text_len;
        } else {
            rc = sw_pcap_write_udp(f, &c->ev, c->text, c->text_len);
        }
        if (rc < 0)
            return -1;
        *written += rc;
    }
    return 0;
}

static int write_text_messages(FILE *f, const sw_call_message *msgs, size_t n, long *written)
{
    for (size_t i = 0; i < n; i++) {
        const sw_call_message *c = &msgs[i];
        if (!c->text)
            continue;
        char ts[40], src[64], dst[64];
        sw_time_iso(c->ev.ts, ts, sizeof ts);
        sw_endpoint_format(&c->ev.src, src, sizeof src);
        sw_endpoint_format(&c->ev.dst, dst, sizeof dst);
        const char *note = c->ev.transport == SW_TRANSPORT_TLS ? " (decrypted)" : "";
        if (fprintf(f, "%s %s%s %s -> %s\n", ts, sw_transport_name((sw_transport)c->ev.transport), note, src, dst) < 0 ||
            fwrite(c->text, 1, c->text_len, f) != c->text_len || fputs("\n\n", f) == EOF)
            return -1;
        (*written)++;
    }
    return 0;
}

long sw_monitor_save_calls(sw_monitor *m, const uint64_t *ids, size_t n, const char *path, bool as_text,
                           char *err, size_t errlen)
{
    sw_call_message *msgs;
    size_t total = gather(m, ids, n, &msgs);
    if (!total) {
        snprintf(err, errlen, "the messages of these calls are no longer in memory");
        free(msgs);
        return -1;
    }
    FILE *f = fopen(path, "wbx");       /* never overwrite */
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        sw_call_store_free_messages(msgs, total);
        return -1;
    }
    long written = 0;
    int rc = as_text ? write_text_messages(f, msgs, total, &written) : write_pcap_messages(f, msgs, total, &written);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    sw_call_store_free_messages(msgs, total);
    return rc == 0 ? written : -1;
}
