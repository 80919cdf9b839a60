/* Evidence: one store shared by all flows, a ring of the last N message
 * summaries (32 bytes each: endpoints as indexes into their flow, the frame
 * as an offset from the flow's first). Each flow chains its own entries,
 * newest first; a flow's oldest evidence goes when the ring overwrites it,
 * so memory is the store's, whatever the number of flows. */
#include "flow_state.h"
#include "corr_util.h"
#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

#define EP_CLIENT 0
#define EP_SERVER 1
#define EP_FIRST_EXTRA 2
#define EP_UNKNOWN 255
#define FRAME_UNKNOWN INT32_MIN

typedef struct ev_entry {
    sw_time_us ts;
    int32_t frame;                  /* minus the flow's ev_frame_base */
    uint32_t prev;                  /* position of the flow's previous entry */
    uint32_t owner;                 /* the flow's Call-ID hash (low bits): a stale chain never reads another flow's */
    uint32_t cseq;
    uint16_t status;
    uint8_t src, dst;               /* EP_* or EP_FIRST_EXTRA + index into the flow's ev_eps */
    uint8_t method, flags, transport, sipfrag;
} ev_entry;

struct sw_evidence_store {
    ev_entry *e;
    uint32_t mask;                  /* entries - 1 */
    uint32_t next;                  /* position the next entry takes */
};

sw_evidence_store *evidence_store_create(size_t entries)
{
    size_t n = 1024;
    while (n < entries && n < SW_MAX_EVIDENCE)
        n *= 2;
    sw_evidence_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->e = calloc(n, sizeof *s->e);
    if (!s->e) {
        free(s);
        return NULL;
    }
    s->mask = (uint32_t)(n - 1);
    return s;
}

void evidence_store_free(sw_evidence_store *s)
{
    if (!s)
        return;
    free(s->e);
    free(s);
}

/* Whether position p still holds what was written there. */
static bool intact(const sw_evidence_store *s, uint32_t p)
{
    return (uint32_t)(s->next - 1 - p) <= s->mask;
}

static uint32_t owner_of(const sw_flow *f)
{
    return flow_node_of(f)->link.hash;
}

uint8_t flow_endpoint_index(sw_flow *f, const sw_endpoint *ep)
{
    if (f->first_method && endpoint_equal(ep, &f->client))
        return EP_CLIENT;
    if (f->first_method && endpoint_equal(ep, &f->server))
        return EP_SERVER;
    for (unsigned i = 0; i < f->ev_neps; i++)
        if (endpoint_equal(ep, &f->ev_eps[i]))
            return (uint8_t)(EP_FIRST_EXTRA + i);
    if (f->ev_neps >= EP_UNKNOWN - EP_FIRST_EXTRA)
        return EP_UNKNOWN;
    sw_endpoint *grown = realloc(f->ev_eps, (f->ev_neps + 1u) * sizeof *grown);
    if (!grown)
        return EP_UNKNOWN;
    f->ev_eps = grown;
    f->ev_eps[f->ev_neps] = *ep;
    return (uint8_t)(EP_FIRST_EXTRA + f->ev_neps++);
}

sw_endpoint sw_flow_endpoint(const sw_flow *f, uint8_t i)
{
    sw_endpoint none = {0};
    if (i == EP_CLIENT)
        return f->client;
    if (i == EP_SERVER)
        return f->server;
    if (i != EP_UNKNOWN && i - EP_FIRST_EXTRA < f->ev_neps)
        return f->ev_eps[i - EP_FIRST_EXTRA];
    return none;
}

void evidence_push(sw_evidence_store *s, sw_flow *f, const sw_sip_msg *m, uint8_t flags)
{
    if (!f->ev_count)
        f->ev_frame_base = m->frame;
    uint32_t p = s->next++;
    ev_entry *e = &s->e[p & s->mask];
    e->ts = m->ts;
    int64_t off = (int64_t)(m->frame - f->ev_frame_base);
    e->frame = off > INT32_MIN && off <= INT32_MAX ? (int32_t)off : FRAME_UNKNOWN;
    e->prev = f->ev_head;
    e->owner = owner_of(f);
    e->cseq = m->cseq;
    e->status = (uint16_t)(m->is_request ? 0 : m->status);
    e->src = flow_endpoint_index(f, &m->src);
    e->dst = flow_endpoint_index(f, &m->dst);
    e->method = (uint8_t)(m->is_request ? m->method : m->cseq_method);
    e->flags = flags;
    e->transport = (uint8_t)m->transport;
    e->sipfrag = (uint8_t)(m->sipfrag_status / 10);
    f->evs = s;
    f->ev_head = p;
    if (f->ev_count < UINT32_MAX)
        f->ev_count++;
}

unsigned sw_flow_evidence(const sw_flow *f, sw_evidence *out, unsigned max)
{
    const sw_evidence_store *s = f->evs;
    if (!s)
        return 0;
    unsigned n = 0;
    uint32_t p = f->ev_head, owner = owner_of(f);
    while (n < max && n < f->ev_count && intact(s, p)) {
        const ev_entry *e = &s->e[p & s->mask];
        if (e->owner != owner)
            break;
        sw_evidence *o = &out[n++];
        memset(o, 0, sizeof *o);
        o->ts = e->ts;
        o->frame = e->frame == FRAME_UNKNOWN ? 0 : f->ev_frame_base + (uint64_t)(int64_t)e->frame;
        o->src = sw_flow_endpoint(f, e->src);
        o->dst = sw_flow_endpoint(f, e->dst);
        o->cseq = e->cseq;
        o->status = e->status;
        o->method = e->method;
        o->flags = e->flags;
        o->transport = e->transport;
        o->sipfrag = e->sipfrag;
        p = e->prev;
    }
    for (unsigned i = 0; i < n / 2; i++) {     /* newest first -> chronological */
        sw_evidence t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
    return n;
}
