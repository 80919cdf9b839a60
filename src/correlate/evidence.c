/* The flow's evidence: a short ring of message summaries behind findings
 * (see flow_state.h and sw_flow_evidence in correlate.h). */
#include "flow_state.h"

void evidence_push(sw_flow *f, const sw_sip_msg *m, uint8_t flags)
{
    sw_evidence *e = &f->evidence[f->ev_next++ % SW_FLOW_EVIDENCE];
    if (f->ev_count < SW_FLOW_EVIDENCE)
        f->ev_count++;
    e->ts = m->ts;
    e->frame = m->frame;
    e->src = m->src;
    e->dst = m->dst;
    e->cseq = m->cseq;
    e->status = (uint16_t)(m->is_request ? 0 : m->status);
    e->method = (uint8_t)(m->is_request ? m->method : m->cseq_method);
    e->flags = flags;
    e->transport = (uint8_t)m->transport;
    e->sipfrag = (uint8_t)(m->sipfrag_status / 10);
}

unsigned sw_flow_evidence(const sw_flow *f, sw_evidence *out, unsigned max)
{
    unsigned n = f->ev_count < max ? f->ev_count : max;
    unsigned start = f->ev_next - n;
    for (unsigned i = 0; i < n; i++)
        out[i] = f->evidence[(start + i) % SW_FLOW_EVIDENCE];
    return n;
}
