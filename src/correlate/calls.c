/* Call records: what one message changes in a flow's call outcome (times of
 * the first provisional, the answer and the end, the final status, who ended
 * it), and the record built from a flow (see sipwatch/calls.h). */
#include "flow_state.h"
#include "corr_util.h"
#include "packed_text.h"

#include <stdlib.h>

const char *sw_call_state_name(sw_call_state s)
{
    static const char *const names[] = {"in-progress", "answered", "completed", "rejected", "busy",
                                        "cancelled", "no-answer", "failed", "timeout"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

const char *sw_call_ender_name(int e)
{
    switch (e) {
    case SW_ENDER_CALLER: return "caller";
    case SW_ENDER_CALLEE: return "callee";
    case SW_ENDER_TIMEOUT: return "timeout";
    default: return "";
    }
}

sw_call_state sw_call_state_of_final(uint16_t status, bool invite, bool cancelled)
{
    if (status >= 200 && status < 300)
        return SW_CALL_COMPLETED;
    if (!invite)
        return SW_CALL_REJECTED;
    if (status == 486 || status == 600)
        return SW_CALL_BUSY;
    if (status == 487 && cancelled)
        return SW_CALL_CANCELLED;
    if (status == 408 || status == 480)
        return SW_CALL_NO_ANSWER;
    if ((status >= 500 && status < 600) || (status >= 600 && status != 603))
        return SW_CALL_FAILED;
    return SW_CALL_REJECTED;
}

static void note_final(sw_flow *f, const sw_sip_msg *m, sw_time_us now)
{
    if (f->final_status >= 200 && f->final_status < 300 && m->status >= 300)
        return;                     /* answered on one branch: another branch's failure changes nothing */
    f->final_status = (uint16_t)m->status;
    flow_set_text(f, SW_FLOW_FINAL_REASON, m->reason);
    if (m->status < 300) {
        if (!f->answer_ts)
            f->answer_ts = now;
        return;
    }
    f->end_ts = now;
    if (!f->ender)
        f->ender = f->cancelled && m->status == 487 ? SW_ENDER_CALLER : SW_ENDER_CALLEE;
}

/* A response to the call's INVITE from one branch (To tag) of a fork. */
static void note_branch(sw_flow *f, const sw_sip_msg *m)
{
    if (!m->to_tag || m->status == 100)
        return;
    uint32_t h = (uint32_t)hash_str(FNV_SEED, m->to_tag);
    unsigned i = 0;
    while (i < f->nbranches && f->branch_tag[i] != h)
        i++;
    if (i == f->nbranches) {
        if (f->nbranches == SW_CALL_BRANCHES)
            i = SW_CALL_BRANCHES - 1;      /* more branches than kept: the last slot takes them */
        else
            f->branch_tag[f->nbranches++] = h;
    }
    if (f->branch_status[i] < 200 || m->status >= 200)
        f->branch_status[i] = (uint16_t)m->status;
}

void note_call(sw_flow *f, const sw_sip_msg *m, bool retransmission, sw_time_us now)
{
    if (retransmission) {
        f->retransmissions++;
        return;
    }
    bool invite_call = f->first_method == SW_METHOD_INVITE;
    if (m->is_request) {
        if (f->messages == 1 || (!f->transport && m->method == f->first_method)) {
            f->transport = (uint8_t)m->transport;
            flow_set_text(f, SW_FLOW_FROM_DISPLAY, m->from_display);
        }
        if (m->method == SW_METHOD_INVITE && !m->to_tag && (m->cseq != f->invite_cseq || !f->invite_cseq)) {
            /* A new attempt (after a challenge): its answer decides. A proxy's
             * relayed copy keeps the CSeq, and HEP agents may stamp it after
             * the answer: that answer stands. */
            f->invite_cseq = m->cseq;
            f->final_status = 0;
            f->nbranches = 0;
        } else if (m->method == SW_METHOD_CANCEL) {
            f->cancelled = true;
            f->ender = SW_ENDER_CALLER;
            if (!f->end_ts)
                f->end_ts = now;
        } else if (m->method == SW_METHOD_BYE) {
            f->end_ts = now;
            if (f->ender != SW_ENDER_CALLER && f->ender != SW_ENDER_CALLEE)
                f->ender = endpoint_equal(&m->src, &f->client) ? SW_ENDER_CALLER : SW_ENDER_CALLEE;
        }
        return;
    }
    if (invite_call) {
        if (m->cseq_method != SW_METHOD_INVITE || m->cseq != f->invite_cseq)
            return;
        note_branch(f, m);
        if ((m->status == 180 || m->status == 183) && !f->first_provisional_ts)
            f->first_provisional_ts = now;
        if (m->status >= 200)
            note_final(f, m, now);
        return;
    }
    if (m->status >= 200 && m->cseq_method == f->first_method) {
        f->final_status = (uint16_t)m->status;
        flow_set_text(f, SW_FLOW_FINAL_REASON, m->reason);
        f->end_ts = now;
    }
}

void offer_free(sw_offer *o)
{
    if (o)
        free(o->text);
    free(o);
}

const char *sw_offer_media(const sw_offer *o)
{
    return packed_text_get(o->text, 2, 0);
}

const char *sw_offer_address(const sw_offer *o)
{
    return packed_text_get(o->text, 2, 1);
}

void note_offer(sw_flow *f, const sw_sip_msg *m, bool retransmission, sw_time_us now)
{
    if (retransmission)
        return;
    bool offering = m->is_request && (m->method == SW_METHOD_INVITE || m->method == SW_METHOD_UPDATE) && m->sdp_media;
    if (offering) {
        if (!f->offer && !(f->offer = calloc(1, sizeof *f->offer)))
            return;
        sw_offer *o = f->offer;
        packed_text_set_cut(&o->text, 2, 0, m->sdp_media, 96);
        packed_text_set_cut(&o->text, 2, 1, m->sdp_address, 48);
        o->offerer = m->src;
        o->answerer = m->dst;
        o->cseq = m->cseq;
        o->method = (uint8_t)m->method;
        o->reinvite = m->to_tag != NULL;
        o->refused_status = 0;
        o->ts = now;
        return;
    }
    sw_offer *o = f->offer;
    if (!o || m->is_request || m->cseq != o->cseq || m->cseq_method != o->method)
        return;
    if (m->status == 488 || m->status == 415 || m->status == 606) {
        o->refused_status = (uint16_t)m->status;
        o->refusals++;
    }
}

bool flow_timed_out(const sw_flow *f)
{
    if (f->own_timeout)
        return true;                /* judged before its transactions were dropped */
    for (unsigned i = 0; i < f->ntxns; i++) {
        const sw_txn *t = &f->txns[i];
        if (t->timeout_settled && !t->final_status && t->method == f->first_method &&
            (f->first_method != SW_METHOD_INVITE || t->cseq == f->invite_cseq))
            return true;
    }
    return false;
}

void sw_flow_call(const sw_flow *f, sw_call *out)
{
    memset(out, 0, sizeof *out);
    bool invite = f->first_method == SW_METHOD_INVITE;
    out->call_id = f->call_id;
    out->method = f->first_method ? sw_sip_method_name((sw_sip_method)f->first_method) : "?";
    out->from_user = sw_flow_text(f, SW_FLOW_FROM_USER);
    out->from_host = sw_flow_text(f, SW_FLOW_FROM_HOST);
    out->from_display = sw_flow_text(f, SW_FLOW_FROM_DISPLAY);
    out->to_user = sw_flow_text(f, SW_FLOW_TO_USER);
    out->to_host = sw_flow_text(f, SW_FLOW_TO_HOST);
    out->src = f->client;
    out->dst = f->server;
    out->transport = (sw_transport)f->transport;
    out->start = f->first_ts;
    out->first_provisional = f->first_provisional_ts;
    out->answer = invite ? f->answer_ts : 0;
    out->end = f->end_ts ? f->end_ts : f->last_ts;
    out->final_status = f->final_status;
    out->reason = sw_flow_text(f, SW_FLOW_FINAL_REASON);
    out->ender = f->ender;
    out->messages = f->messages;
    out->retransmissions = f->retransmissions;
    out->selected = f->selected;
    out->nbranches = f->nbranches;
    memcpy(out->branch_status, f->branch_status, sizeof out->branch_status);
    if (f->final_status >= 200 && f->final_status < 300 && invite)
        out->state = f->dialog == SW_DIALOG_TERMINATED ? SW_CALL_COMPLETED : SW_CALL_ANSWERED;
    else if (f->final_status)
        out->state = sw_call_state_of_final(f->final_status, invite, f->cancelled);
    else if (flow_timed_out(f)) {
        out->state = SW_CALL_TIMEOUT;
        out->ender = SW_ENDER_TIMEOUT;
    } else
        out->state = SW_CALL_IN_PROGRESS;
}
