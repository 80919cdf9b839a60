/* --dump output: one line per SIP message, in capture order, for a quick
 * look or grep: time, source -> destination, transport, method or status,
 * CSeq, Call-ID, and the From and To users (so grep finds a number's calls). Control characters and invalid UTF-8 from the wire are
 * shown as '?'. */
#include "sipwatch/output.h"
#include "sipwatch/text.h"
#include "sipwatch/timefmt.h"

#include <string.h>

/* Message fields are sanitised text already (the SIP stage's boundary);
 * passing them through the same sanitiser again costs little and keeps
 * --dump safe on its own. */
static void put_clean(FILE *out, const char *s)
{
    if (!s) {
        fputc('-', out);
        return;
    }
    char buf[512];
    size_t n = strlen(s);
    sw_text_sanitize(s, n < sizeof buf ? n : sizeof buf - 1, true, false, buf, sizeof buf);
    fputs(buf, out);
}

void sw_dump_message(FILE *out, const sw_sip_msg *m)
{
    char ts[SW_TIME_STRLEN], src[SW_ENDPOINT_STRLEN], dst[SW_ENDPOINT_STRLEN];
    fprintf(out, "%s %s -> %s %s ", sw_time_iso(m->ts, ts, sizeof ts),
            sw_endpoint_format(&m->src, src, sizeof src), sw_endpoint_format(&m->dst, dst, sizeof dst),
            sw_transport_name(m->transport));
    if (m->is_request) {
        put_clean(out, m->method_name);
    } else {
        fprintf(out, "%d ", m->status);
        put_clean(out, m->reason);
    }
    fputs(" CSeq: ", out);
    if (m->has_cseq)
        fprintf(out, "%u ", m->cseq);
    put_clean(out, m->cseq_method_name);
    fputs(" Call-ID: ", out);
    put_clean(out, m->call_id);
    fputs(" From: ", out);
    put_clean(out, m->from_user);
    fputs(" To: ", out);
    put_clean(out, m->to_user);
    fputc('\n', out);
}

void sw_dump_unparsed(FILE *out, const sw_payload *p, const char *why)
{
    char ts[SW_TIME_STRLEN], src[SW_ENDPOINT_STRLEN], dst[SW_ENDPOINT_STRLEN];
    fprintf(out, "%s %s -> %s %s !%s (frame %llu, %zu bytes)\n", sw_time_iso(p->ts, ts, sizeof ts),
            sw_endpoint_format(&p->src, src, sizeof src), sw_endpoint_format(&p->dst, dst, sizeof dst),
            sw_transport_name(p->transport), why, (unsigned long long)p->frame, p->len);
}
