/* REFER subscriptions per flow: the REFERs, their answers, the NOTIFYs
 * that report on them and the answers to those (see flow_state.h). */
#include "flow_state.h"
#include "corr_util.h"

#include <stdlib.h>

sw_refer *refer_by_id(sw_flow *f, uint32_t id)
{
    for (unsigned i = 0; f->refers && i < f->nrefers; i++)
        if (f->refers[i].id == id)
            return &f->refers[i];
    return NULL;
}

static bool tags_match(const sw_refer *r, const sw_sip_msg *m)
{
    const char *a = m->from_tag ? m->from_tag : "", *b = m->to_tag ? m->to_tag : "";
    if (!r->tags[0][0] && !r->tags[1][0])
        return true;
    bool a_in = strcmp(a, r->tags[0]) == 0 || strcmp(a, r->tags[1]) == 0;
    bool b_in = !r->tags[1][0] || strcmp(b, r->tags[0]) == 0 || strcmp(b, r->tags[1]) == 0;
    return a_in && b_in;
}

sw_refer *refer_add(sw_flow *f, const sw_sip_msg *m, sw_time_us now)
{
    sw_refer *r;
    if (f->nrefers < SW_FLOW_REFERS) {
        sw_refer *grown = realloc(f->refers, (f->nrefers + 1u) * sizeof *grown);
        if (!grown)
            return NULL;
        f->refers = grown;
        r = &f->refers[f->nrefers++];
    } else {
        /* Full: reuse the oldest one that is over, else the oldest. */
        r = &f->refers[0];
        for (unsigned i = 0; i < SW_FLOW_REFERS; i++)
            if (f->refers[i].state != SW_REFER_ACCEPTED || f->refers[i].final_ts) {
                r = &f->refers[i];
                break;
            }
    }
    memset(r, 0, sizeof *r);
    r->id = m->cseq;
    r->refer_ts = now;
    r->referrer = m->src;
    r->referee = m->dst;
    copy_str(r->tags[0], sizeof r->tags[0], m->from_tag);
    copy_str(r->tags[1], sizeof r->tags[1], m->to_tag);
    copy_str(r->refer_to, sizeof r->refer_to, m->refer_to);
    return r;
}

sw_refer *refer_for_notify(sw_flow *f, const sw_sip_msg *m)
{
    if (!f->refers)
        return NULL;
    if (m->event_id) {
        char *end;
        unsigned long id = strtoul(m->event_id, &end, 10);
        if (*end == '\0') {
            sw_refer *r = refer_by_id(f, (uint32_t)id);
            if (r && tags_match(r, m))
                return r;
        }
        return NULL;
    }
    /* No id: the first REFER of the dialog (RFC 3515 §2.4.6). */
    for (unsigned i = 0; i < f->nrefers; i++)
        if (tags_match(&f->refers[i], m))
            return &f->refers[i];
    return NULL;
}

/* A response to a NOTIFY of a refer subscription: the transferor accepted
 * or rejected the transferee's report. Returns the subscription, or NULL. */
sw_refer *note_notify_answer(sw_flow *f, const sw_sip_msg *m, sw_time_us now, bool retransmission)
{
    for (unsigned i = 0; f->refers && i < f->nrefers; i++) {
        sw_refer *r = &f->refers[i];
        bool ours = false;
        for (unsigned k = 0; k < 4 && k < r->notify_next; k++)
            ours |= r->notify_cseq[k] == m->cseq;
        if (!ours)
            continue;
        if (retransmission)
            return r;
        if (m->status < 300) {
            r->notifies_accepted++;
            r->last_accept_ts = now;
        } else if (m->status != 401 && m->status != 407) {
            r->notifies_rejected++;
            r->reject_status = (uint16_t)m->status;
            r->reject_cseq = m->cseq;
            r->reject_ts = now;
            copy_str(r->reject_reason, sizeof r->reject_reason, m->reason);
        }
        return r;
    }
    return NULL;
}
