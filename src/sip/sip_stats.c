/* Counting of what the SIP stage saw: outcome, method, status code and
 * transport per message, and the first parse errors with where they came
 * from (frame, endpoints, first line), for the report and the JSON stats. */
#include "sipwatch/sip_stats.h"

#include "sipwatch/text.h"

#include <string.h>

static void sample_error(sw_sip_stats *s, const sw_payload *p)
{
    if (s->error_samples >= SW_PARSE_ERROR_SAMPLES)
        return;
    sw_parse_error_sample *e = &s->errors[s->error_samples++];
    e->frame = p->frame;
    e->ts = p->ts;
    e->src = p->src;
    e->dst = p->dst;
    e->transport = p->transport;
    e->len = p->len;
    size_t n = 0;
    while (n < p->len && n < sizeof e->first_line - 1 && p->data[n] != '\r' && p->data[n] != '\n')
        n++;
    n = sw_utf8_boundary((const char *)p->data, n);
    sw_text_sanitize((const char *)p->data, n, true, false, e->first_line, sizeof e->first_line);
}

void sw_sip_stats_count(sw_sip_stats *s, sw_sip_parse_result result, const sw_sip_msg *m,
                        const sw_payload *p)
{
    s->messages++;
    if (p->transport < SW_TRANSPORT_COUNT)
        s->by_transport[p->transport]++;
    if (result == SW_SIP_TOO_LARGE) {
        s->too_large++;
        return;
    }
    if (result != SW_SIP_OK) {
        s->parse_errors++;
        sample_error(s, p);
        return;
    }
    if (m->is_request) {
        s->requests++;
        s->by_method[m->method]++;
    } else {
        s->responses++;
        s->by_status[(m->status >= 100 && m->status <= 699) ? m->status : 0]++;
    }
    if (!m->call_id)
        s->missing_call_id++;
    if (!m->has_cseq)
        s->missing_cseq++;
}
