/* The call store (see call_store.h): rows in a fixed array with a chained
 * hash on Call-ID and an age list (oldest first) for eviction; message text
 * in a byte ring where each record points back to the previous message of
 * its call, so a call's flow is the chain walked from its newest message
 * until a link points at bytes the ring has overwritten. */
#include "sipwatch/call_store.h"
#include "sipwatch/byte_ring.h"
#include "sipwatch/hash.h"
#include "sipwatch/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define EVICT_SCAN 64               /* oldest rows looked at for a finished one */

typedef struct slot {
    sw_call_row row;
    uint64_t key;                   /* hash of the Call-ID */
    uint64_t last_msg;              /* ring position + 1 of its newest message, 0 = none */
    uint64_t last_media;            /* ring position + 1 of its newest media snapshot, 0 = none */
    uint32_t bucket_next;           /* next slot in the same hash bucket */
    uint32_t older, newer;          /* age list */
    bool used;
} slot;

/* A record in the ring: this header, then len bytes: a message's text, or
 * (media) a sw_call_media_info. */
typedef struct msg_rec {
    uint64_t call;                  /* row id of its call */
    bool media;                     /* a media snapshot, not a message */
    uint64_t prev;                  /* ring position + 1 of the call's previous message, 0 = none */
    sw_evidence ev;
    char sdp[96];
    uint32_t len;
} msg_rec;

struct sw_call_store {
    slot *slots;
    uint32_t capacity, used;
    uint32_t *buckets;
    uint32_t nbuckets;
    uint32_t free_head;             /* free slots chained through bucket_next */
    uint32_t oldest, newest;
    uint64_t next_id, version;
    sw_byte_ring ring;
    uint64_t first_rec;             /* ring position of the oldest whole record */
    sw_call_store_stats st;
};

static uint64_t key_of(const char *s)
{
    return sw_fnv_str(SW_FNV_SEED, s);
}

sw_call_store *sw_call_store_create(size_t budget)
{
    if (!budget)
        budget = (size_t)SW_CALL_STORE_DEFAULT_MB << 20;
    if (budget < (1u << 20))
        budget = 1u << 20;
    sw_call_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t rows = budget / 4 / sizeof(slot);
    if (rows > UINT32_MAX / 2)
        rows = UINT32_MAX / 2;
    s->capacity = (uint32_t)(rows ? rows : 1);
    s->nbuckets = 1;
    while (s->nbuckets < s->capacity)
        s->nbuckets <<= 1;
    s->slots = calloc(s->capacity, sizeof *s->slots);
    s->buckets = malloc((size_t)s->nbuckets * sizeof *s->buckets);
    int ring_rc = sw_byte_ring_init(&s->ring, budget - (size_t)s->capacity * sizeof(slot));
    if (!s->slots || !s->buckets || ring_rc < 0) {
        sw_call_store_destroy(s);
        return NULL;
    }
    memset(s->buckets, 0xff, (size_t)s->nbuckets * sizeof *s->buckets);
    for (uint32_t i = 0; i < s->capacity; i++)
        s->slots[i].bucket_next = i + 1 < s->capacity ? i + 1 : NIL;
    s->free_head = 0;
    s->oldest = s->newest = NIL;
    s->st.capacity = s->capacity;
    s->st.ring_bytes = s->ring.size;
    return s;
}

void sw_call_store_destroy(sw_call_store *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s->buckets);
    sw_byte_ring_free(&s->ring);
    free(s);
}

/* ---- rows ------------------------------------------------------------------- */

static uint32_t find_slot(const sw_call_store *s, const char *call_id, uint64_t key)
{
    for (uint32_t i = s->buckets[key & (s->nbuckets - 1)]; i != NIL; i = s->slots[i].bucket_next)
        if (s->slots[i].key == key && strcmp(s->slots[i].row.call_id, call_id) == 0)
            return i;
    return NIL;
}

static void age_unlink(sw_call_store *s, uint32_t i)
{
    slot *x = &s->slots[i];
    if (x->older != NIL)
        s->slots[x->older].newer = x->newer;
    else
        s->oldest = x->newer;
    if (x->newer != NIL)
        s->slots[x->newer].older = x->older;
    else
        s->newest = x->older;
}

static void remove_slot(sw_call_store *s, uint32_t i)
{
    slot *x = &s->slots[i];
    uint32_t *link = &s->buckets[x->key & (s->nbuckets - 1)];
    while (*link != i)
        link = &s->slots[*link].bucket_next;
    *link = x->bucket_next;
    age_unlink(s, i);
    x->used = false;
    x->bucket_next = s->free_head;
    s->free_head = i;
    s->used--;
    s->st.calls--;
}

/* Makes room: the oldest finished call among the oldest few, else the oldest. */
static void evict_one(sw_call_store *s)
{
    uint32_t victim = s->oldest;
    uint32_t i = s->oldest;
    for (int n = 0; i != NIL && n < EVICT_SCAN; n++, i = s->slots[i].newer) {
        if (s->slots[i].row.ended) {
            victim = i;
            break;
        }
    }
    if (victim == NIL)
        return;
    s->st.calls_evicted++;
    if (!s->slots[victim].row.ended)
        s->st.calls_evicted_active++;
    remove_slot(s, victim);
}

static uint32_t new_slot(sw_call_store *s, const char *call_id, uint64_t key)
{
    if (s->free_head == NIL)
        evict_one(s);
    uint32_t i = s->free_head;
    if (i == NIL)
        return NIL;
    slot *x = &s->slots[i];
    s->free_head = x->bucket_next;
    memset(x, 0, sizeof *x);
    x->used = true;
    x->key = key;
    x->row.id = ++s->next_id;
    sw_copy_cut(x->row.call_id, sizeof x->row.call_id, call_id);
    uint32_t *head = &s->buckets[key & (s->nbuckets - 1)];
    x->bucket_next = *head;
    *head = i;
    x->older = s->newest;
    x->newer = NIL;
    if (s->newest != NIL)
        s->slots[s->newest].newer = i;
    else
        s->oldest = i;
    s->newest = i;
    s->used++;
    s->st.calls++;
    s->st.calls_seen++;
    return i;
}

static void copy_record(sw_call_row *r, const sw_call *c)
{
    sw_copy_cut(r->method, sizeof r->method, c->method ? c->method : "");
    sw_copy_cut(r->from_user, sizeof r->from_user, c->from_user ? c->from_user : "");
    sw_copy_cut(r->from_host, sizeof r->from_host, c->from_host ? c->from_host : "");
    sw_copy_cut(r->from_display, sizeof r->from_display, c->from_display ? c->from_display : "");
    sw_copy_cut(r->to_user, sizeof r->to_user, c->to_user ? c->to_user : "");
    sw_copy_cut(r->to_host, sizeof r->to_host, c->to_host ? c->to_host : "");
    sw_copy_cut(r->reason, sizeof r->reason, c->reason ? c->reason : "");
    r->src = c->src;
    r->dst = c->dst;
    r->transport = (uint8_t)c->transport;
    r->state = (uint8_t)c->state;
    r->ender = (uint8_t)c->ender;
    r->final_status = c->final_status;
    r->nbranches = (uint8_t)(c->nbranches < 255 ? c->nbranches : 255);
    memcpy(r->branch_status, c->branch_status, sizeof r->branch_status);
    r->start = c->start;
    r->first_provisional = c->first_provisional;
    r->answer = c->answer;
    r->end = c->end;
    r->messages = c->messages;
    r->retransmissions = c->retransmissions;
    r->selected = c->selected;
    r->media = c->media;
    r->media_problems = c->media_problems;
}

static slot *row_for(sw_call_store *s, const sw_call *call)
{
    if (!call->call_id)
        return NULL;
    uint64_t key = key_of(call->call_id);
    uint32_t i = find_slot(s, call->call_id, key);
    if (i == NIL)
        i = new_slot(s, call->call_id, key);
    return i == NIL ? NULL : &s->slots[i];
}

/* ---- the message ring ---------------------------------------------------------- */

/* Moves first_rec past the records the next `len` bytes will overwrite. */
static void make_room(sw_call_store *s, size_t len)
{
    const sw_byte_ring *r = &s->ring;
    while (s->first_rec < r->written && r->written + len - s->first_rec > r->size) {
        msg_rec rec;
        sw_byte_ring_get(r, s->first_rec, &rec, sizeof rec);
        s->first_rec += sizeof rec + rec.len;
    }
    if (s->first_rec > r->written)
        s->first_rec = r->written;
}

static bool read_rec(const sw_call_store *s, uint64_t pos, msg_rec *rec)
{
    if (!sw_byte_ring_holds(&s->ring, pos, sizeof *rec))
        return false;
    sw_byte_ring_get(&s->ring, pos, rec, sizeof *rec);
    return sw_byte_ring_holds(&s->ring, pos, sizeof *rec + rec->len);
}

/* Appends a record for the slot's call (a message or a media snapshot). */
static uint64_t append(sw_call_store *s, msg_rec *rec, const void *body)
{
    make_room(s, sizeof *rec + rec->len);
    uint64_t pos = s->ring.written + 1;
    sw_byte_ring_put(&s->ring, rec, sizeof *rec);
    sw_byte_ring_put(&s->ring, body, rec->len);
    return pos;
}

static void note_media(sw_call_store *s, slot *x, const sw_call *call)
{
    if (!call->media && !call->sdp[0].present && !call->sdp[1].present)
        return;
    sw_call_media_info m;
    memset(&m, 0, sizeof m);
    m.media = call->media;
    m.problems = call->media_problems;
    m.reoffers = call->reoffers;
    memcpy(m.sdp, call->sdp, sizeof m.sdp);
    m.nstreams = call->nstreams;
    memcpy(m.streams, call->streams, sizeof m.streams);
    msg_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.call = x->row.id;
    rec.media = true;
    rec.len = (uint32_t)sizeof m;
    x->last_media = append(s, &rec, &m);
}

void sw_call_store_note(sw_call_store *s, const sw_call *call, const sw_evidence *ev, const char *sdp,
                        const char *text, size_t text_len)
{
    slot *x = row_for(s, call);
    if (!x)
        return;
    copy_record(&x->row, call);
    x->row.last = ev->ts;
    if (ev->status)
        x->row.last_status = ev->status;
    s->version++;
    if (sizeof(msg_rec) + text_len > s->ring.size / 4) {
        s->st.messages_too_large++;
        return;
    }
    msg_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.call = x->row.id;
    rec.prev = x->last_msg;
    rec.ev = *ev;
    if (sdp)
        sw_copy_cut(rec.sdp, sizeof rec.sdp, sdp);
    rec.len = (uint32_t)text_len;
    x->row.stored++;
    x->last_msg = append(s, &rec, text);
    s->st.messages_stored++;
    note_media(s, x, call);
}

void sw_call_store_end(sw_call_store *s, const sw_call *call)
{
    if (!call->call_id)
        return;
    uint64_t key = key_of(call->call_id);
    uint32_t i = find_slot(s, call->call_id, key);
    if (i == NIL)
        return;
    copy_record(&s->slots[i].row, call);
    s->slots[i].row.ended = true;
    note_media(s, &s->slots[i], call);
    s->version++;
}

/* ---- reading ------------------------------------------------------------------- */

uint64_t sw_call_store_version(const sw_call_store *s)
{
    return s->version;
}

/* Messages of the slot's call still whole in the ring. */
static uint32_t count_held(const sw_call_store *s, const slot *x)
{
    uint32_t n = 0;
    msg_rec rec;
    for (uint64_t p = x->last_msg; p && read_rec(s, p - 1, &rec) && rec.call == x->row.id; p = rec.prev)
        if (++n >= x->row.messages)
            break;
    return n;
}

size_t sw_call_store_rows(const sw_call_store *s, sw_call_row *out, size_t max)
{
    size_t n = 0;
    for (uint32_t i = s->oldest; i != NIL && n < max; i = s->slots[i].newer)
        out[n++] = s->slots[i].row;
    return s->used;
}

static const slot *slot_by_id(const sw_call_store *s, uint64_t id)
{
    /* ids grow with age: walk from the end nearer to it */
    if (s->newest == NIL)
        return NULL;
    uint64_t mid = (s->slots[s->oldest].row.id + s->slots[s->newest].row.id) / 2;
    if (id >= mid) {
        for (uint32_t i = s->newest; i != NIL && s->slots[i].row.id >= id; i = s->slots[i].older)
            if (s->slots[i].row.id == id)
                return &s->slots[i];
    } else {
        for (uint32_t i = s->oldest; i != NIL && s->slots[i].row.id <= id; i = s->slots[i].newer)
            if (s->slots[i].row.id == id)
                return &s->slots[i];
    }
    return NULL;
}

size_t sw_call_store_messages(const sw_call_store *s, uint64_t id, sw_call_message **out)
{
    *out = NULL;
    const slot *x = slot_by_id(s, id);
    if (!x)
        return 0;
    uint32_t n = count_held(s, x);
    sw_call_message *m = n ? calloc(n, sizeof *m) : NULL;
    if (!m)
        return 0;
    msg_rec rec;
    uint32_t k = n;
    for (uint64_t p = x->last_msg; k && p && read_rec(s, p - 1, &rec); p = rec.prev) {
        sw_call_message *cm = &m[--k];
        cm->ev = rec.ev;
        memcpy(cm->sdp, rec.sdp, sizeof cm->sdp);
        cm->text = malloc((size_t)rec.len + 1);
        if (cm->text) {
            sw_byte_ring_get(&s->ring, p - 1 + sizeof rec, cm->text, rec.len);
            cm->text[rec.len] = '\0';
            cm->text_len = rec.len;
        }
    }
    *out = m;
    return n;
}

void sw_call_store_free_messages(sw_call_message *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++)
        free(m[i].text);
    free(m);
}

static void lower_copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[n] = '\0';
}

bool sw_call_store_search_step(const sw_call_store *s, sw_call_search *q, size_t budget)
{
    if (!q->started) {
        q->pos = s->first_rec;
        q->started = true;
        size_t n = strlen(q->needle);
        lower_copy(q->lowered, q->needle, n < sizeof q->lowered - 1 ? n : sizeof q->lowered - 1);
    }
    if (q->pos < s->first_rec)
        q->pos = s->first_rec;      /* the ring moved on while the search paused */
    if (!q->lowered[0])
        return true;
    size_t done = 0;
    while (q->pos < s->ring.written && done < budget && q->nids < SW_CALL_SEARCH_MAX) {
        msg_rec rec;
        sw_byte_ring_get(&s->ring, q->pos, &rec, sizeof rec);
        if (rec.media) {
            q->pos += sizeof rec + rec.len;
            continue;
        }
        size_t n = rec.len < sizeof q->text - 1 ? rec.len : sizeof q->text - 1;
        sw_byte_ring_get(&s->ring, q->pos + sizeof rec, q->text, n);
        lower_copy(q->text, q->text, n);
        bool seen = q->nids && q->ids[q->nids - 1] == rec.call;
        if (!seen && strstr(q->text, q->lowered))
            q->ids[q->nids++] = rec.call;
        q->pos += sizeof rec + rec.len;
        done += sizeof rec + rec.len;
    }
    return q->pos >= s->ring.written || q->nids >= SW_CALL_SEARCH_MAX;
}

bool sw_call_store_media(const sw_call_store *s, uint64_t id, sw_call_media_info *out)
{
    const slot *x = slot_by_id(s, id);
    msg_rec rec;
    if (!x || !x->last_media || !read_rec(s, x->last_media - 1, &rec) || !rec.media || rec.call != id ||
        rec.len != sizeof *out)
        return false;
    sw_byte_ring_get(&s->ring, x->last_media - 1 + sizeof rec, out, sizeof *out);
    return true;
}

void sw_call_store_get_stats(const sw_call_store *s, sw_call_store_stats *st)
{
    *st = s->st;
}
