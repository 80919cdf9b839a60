/* Media stage: the call and endpoint tables. Calls are keyed by a hash of
 * the Call-ID; every (address, port) a side announces in its SDP, and the
 * sources latched on when RTP to an announced endpoint comes from elsewhere
 * (NAT, symmetric RTP, relays), point at their call through a chained hash
 * with a fixed number of buckets, so one datagram costs one lookup (two
 * when it misses). RTCP is found on the RTP port + 1. RTP that arrives
 * before the SDP announcing it is not matched (counted as unmatched): the
 * SIP stage hands messages on in capture order, so that is only media sent
 * before its SDP reached the capture point. */
#include "media_internal.h"
#include "sipwatch/hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t media_call_key(const char *call_id)
{
    uint64_t h = sw_fnv_str(SW_FNV_SEED, call_id);
    return h ? h : 1;
}

static uint32_t ep_hash(const sw_endpoint *ep)
{
    uint64_t h = sw_fnv_bytes(SW_FNV_SEED, ep->ip.bytes, ep->ip.family == 6 ? 16 : 4);
    h = sw_fnv_bytes(h, &ep->port, sizeof ep->port);
    return (uint32_t)(h ^ (h >> 32));
}

static bool ep_equal(const sw_endpoint *a, const sw_endpoint *b)
{
    return a->port == b->port && sw_ip_equal(&a->ip, &b->ip);
}

sw_media *sw_media_create(const sw_media_config *cfg)
{
    sw_media *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cfg = *cfg;
    sw_object_pool_init(&m->call_pool, sizeof(sw_media_call), 256);
    m->max_calls = cfg->max_calls ? cfg->max_calls : 16384;
    /* Two buckets a call: the calls' chains average under one entry, the
     * endpoints' (two to four a call) under two. */
    m->nbuckets = 1;
    while (m->nbuckets < m->max_calls * 2)
        m->nbuckets <<= 1;
    m->slots = calloc(m->max_calls, sizeof *m->slots);
    m->call_bucket = malloc(m->nbuckets * sizeof *m->call_bucket);
    m->ep_bucket = malloc(m->nbuckets * sizeof *m->ep_bucket);
    m->age_head = m->age_tail = -1;
    m->free_slots = malloc(m->max_calls * sizeof *m->free_slots);
    if (m->free_slots)
        for (size_t i = 0; i < m->max_calls; i++)
            m->free_slots[i] = (int32_t)i;
    m->free_count = m->max_calls;
    if (!m->free_slots || !m->slots || !m->call_bucket || !m->ep_bucket) {
        sw_media_destroy(m);
        return NULL;
    }
    memset(m->call_bucket, 0xff, m->nbuckets * sizeof *m->call_bucket);
    memset(m->ep_bucket, 0xff, m->nbuckets * sizeof *m->ep_bucket);
    return m;
}

/* Frees a call and everything it holds (NULL is fine). */
static void call_free(sw_media *m, sw_media_call *mc)
{
    if (!mc)
        return;
    free(mc->side[0].sdp);
    free(mc->side[1].sdp);
    free(mc->endpoints);
    free(mc->private_sdp);
    free(mc->streams);
    sw_object_pool_free(&m->call_pool, mc);
}

void sw_media_destroy(sw_media *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->slots && i < m->max_calls; i++)
        call_free(m, m->slots[i].call);
    free(m->slots);
    free(m->free_slots);
    sw_object_pool_destroy(&m->call_pool);
    free(m->call_bucket);
    free(m->ep_bucket);
    free(m);
}

int32_t media_call_index(const sw_media *m, uint64_t key)
{
    for (int32_t i = m->call_bucket[key & (m->nbuckets - 1)]; i >= 0; i = m->slots[i].next)
        if (m->slots[i].key == key)
            return i;
    return -1;
}

const sw_media_call *sw_media_find(const sw_media *m, const char *call_id)
{
    if (!m || !call_id)
        return NULL;
    int32_t i = media_call_index(m, media_call_key(call_id));
    return i >= 0 ? m->slots[i].call : NULL;
}

/* Endpoint entry e leaves its chain. */
static void ep_unlink(sw_media *m, int32_t e)
{
    int32_t *p = &m->ep_bucket[ep_hash(&media_ep_entry(m, e)->ep) & (m->nbuckets - 1)];
    for (; *p >= 0; p = &media_ep_entry(m, *p)->next)
        if (*p == e) {
            *p = media_ep_entry(m, e)->next;
            return;
        }
}

int32_t media_ep_lookup(const sw_media *m, const sw_endpoint *ep)
{
    for (int32_t e = m->ep_bucket[ep_hash(ep) & (m->nbuckets - 1)]; e >= 0;) {
        const sw_media_endpoint *me = media_ep_entry(m, e);
        if (ep_equal(&me->ep, ep))
            return e;
        e = me->next;
    }
    return -1;
}

/* Adds an endpoint to call ci for `side`; one already known elsewhere moves
 * to this call (ports are reused by later calls). */
void media_ep_add(sw_media *m, int32_t ci, const sw_endpoint *ep, uint8_t side, bool latched)
{
    sw_media_call *mc = m->slots[ci].call;
    if (!ep->port)
        return;                     /* port 0 marks a free slot: never a live endpoint */
    int32_t e = media_ep_lookup(m, ep);
    if (e >= 0) {
        if (media_ep_slot(e) == ci) {
            if (!latched)
                media_ep_entry(m, e)->side = side;
            return;
        }
        ep_unlink(m, e);
        media_ep_entry(m, e)->ep.port = 0;
    }
    unsigned slot = 0;
    while (slot < mc->nendpoints && mc->endpoints[slot].ep.port)
        slot++;
    if (slot >= SW_MEDIA_ENDPOINTS) {
        if (!mc->ep_full)
            m->stats.endpoints_dropped++;
        mc->ep_full = true;
        return;
    }
    if (slot >= mc->ep_cap) {       /* grow: 2, 4, 8, 16 slots */
        unsigned cap = mc->ep_cap ? mc->ep_cap * 2u : 2u;
        sw_media_endpoint *grown = realloc(mc->endpoints, cap * sizeof *grown);
        if (!grown)
            return;
        memset(grown + mc->ep_cap, 0, (cap - mc->ep_cap) * sizeof *grown);
        mc->endpoints = grown;
        mc->ep_cap = (uint8_t)cap;
    }
    if (slot == mc->nendpoints)
        mc->nendpoints++;
    mc->endpoints[slot].ep = *ep;
    mc->endpoints[slot].side = side;
    mc->endpoints[slot].latched = latched;
    e = ci * SW_MEDIA_ENDPOINTS + (int32_t)slot;
    uint32_t b = ep_hash(ep) & (m->nbuckets - 1);
    mc->endpoints[slot].next = m->ep_bucket[b];
    m->ep_bucket[b] = e;
}

static void age_unlink(sw_media *m, int32_t i)
{
    int32_t p = m->slots[i].age_prev, n = m->slots[i].age_next;
    if (p >= 0) m->slots[p].age_next = n; else m->age_head = n;
    if (n >= 0) m->slots[n].age_prev = p; else m->age_tail = p;
}

static void age_append(sw_media *m, int32_t i)
{
    m->slots[i].age_prev = m->age_tail;
    m->slots[i].age_next = -1;
    if (m->age_tail >= 0) m->slots[m->age_tail].age_next = i; else m->age_head = i;
    m->age_tail = i;
}

/* Takes call slot i out of both tables and frees it; its streams' MOS are counted. */
static void call_remove(sw_media *m, int32_t i)
{
    sw_media_call *mc = m->slots[i].call;
    for (unsigned s = 0; s < mc->nendpoints; s++)
        if (mc->endpoints[s].ep.port)
            ep_unlink(m, i * SW_MEDIA_ENDPOINTS + (int32_t)s);
    int32_t *p = &m->call_bucket[m->slots[i].key & (m->nbuckets - 1)];
    for (; *p >= 0; p = &m->slots[*p].next)
        if (*p == i) {
            *p = m->slots[i].next;
            break;
        }
    media_count_mos(m, mc);
    age_unlink(m, i);
    call_free(m, mc);
    m->slots[i].call = NULL;
    m->slots[i].key = 0;
    m->active--;
    m->free_slots[(m->free_head + m->free_count++) % m->max_calls] = i;
}

/* The call's slot, created when absent (the oldest call is evicted when full). */
int32_t media_call_get(sw_media *m, uint64_t key)
{
    int32_t i = media_call_index(m, key);
    if (i >= 0)
        return i;
    if (m->active >= m->max_calls && m->age_head >= 0) {
        call_remove(m, m->age_head);        /* the oldest call */
        m->stats.calls_evicted++;
    }
    if (!m->free_count)
        return -1;
    sw_media_call *mc = sw_object_pool_alloc(&m->call_pool);
    if (!mc)
        return -1;
    i = m->free_slots[m->free_head];
    m->free_head = (m->free_head + 1) % m->max_calls;
    m->free_count--;
    m->slots[i].call = mc;
    m->slots[i].key = key;
    age_append(m, i);
    uint32_t b = key & (m->nbuckets - 1);
    m->slots[i].next = m->call_bucket[b];
    m->call_bucket[b] = i;
    m->active++;
    m->stats.calls++;
    return i;
}

void sw_media_forget(sw_media *m, const char *call_id)
{
    if (!m || !call_id)
        return;
    int32_t i = media_call_index(m, media_call_key(call_id));
    if (i >= 0)
        call_remove(m, i);
}

void sw_media_get_stats(const sw_media *m, sw_media_stats *out)
{
    *out = m->stats;
    out->active_calls = m->active;
}

bool sw_media_seen(const sw_media *m)
{
    return m && (m->stats.rtp_packets || m->stats.rtcp_packets);
}
