/* JSON Lines output of findings: one {"type":"finding"} object per finding,
 * written before the stats line. Field names are a public interface: add,
 * never rename. Rule-specific values go in "details", the messages behind
 * the finding in "evidence". */
#include "sipwatch/alerts.h"
#include "sipwatch/output.h"
#include "sipwatch/timefmt.h"

#include <jansson.h>

#include "json_text.h"
#include <stdlib.h>

static json_t *endpoint_json(const sw_endpoint *ep)
{
    char buf[SW_ENDPOINT_STRLEN];
    if (!ep->ip.family)
        return json_null();
    if (!ep->port)
        return sw_json_text(sw_ip_format(&ep->ip, buf, sizeof buf));
    return sw_json_text(sw_endpoint_format(ep, buf, sizeof buf));
}

static json_t *evidence_json(const sw_evidence *e)
{
    char label[64];
    json_t *o = json_object();
    json_object_set_new(o, "time", sw_json_time(e->ts));
    json_object_set_new(o, "frame", json_integer((json_int_t)e->frame));
    json_object_set_new(o, "src", endpoint_json(&e->src));
    json_object_set_new(o, "dst", endpoint_json(&e->dst));
    json_object_set_new(o, "transport", sw_json_text(sw_transport_name((sw_transport)e->transport)));
    json_object_set_new(o, "message", sw_json_text(sw_evidence_label(e, label, sizeof label)));
    json_object_set_new(o, "cseq", json_integer(e->cseq));
    json_t *flags = json_array();
    if (e->flags & SW_EVF_CREDENTIALS) json_array_append_new(flags, sw_json_text("credentials"));
    if (e->flags & SW_EVF_CHALLENGE) json_array_append_new(flags, sw_json_text("challenge"));
    if (e->flags & SW_EVF_RETRANSMISSION) json_array_append_new(flags, sw_json_text("retransmission"));
    if (e->flags & SW_EVF_DUPLICATE) json_array_append_new(flags, sw_json_text("duplicate"));
    json_object_set_new(o, "flags", flags);
    return o;
}

static json_t *finding_json(const sw_finding *f, const char *type)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", sw_json_text(type));
    json_object_set_new(o, "id", json_integer((json_int_t)f->id));
    json_object_set_new(o, "rule", sw_json_text(f->rule));
    json_object_set_new(o, "severity", sw_json_text(sw_severity_name(f->severity)));
    json_object_set_new(o, "state", sw_json_text(f->state == SW_FINDING_OPEN ? "open" : "resolved"));
    json_object_set_new(o, "call_id", f->call_id[0] ? sw_json_text(f->call_id) : json_null());
    json_object_set_new(o, "summary", sw_json_text(f->summary));
    json_object_set_new(o, "suggestion", sw_json_text(f->suggestion));
    json_object_set_new(o, "first_seen", sw_json_time(f->first_seen));
    json_object_set_new(o, "last_seen", sw_json_time(f->last_seen));
    json_object_set_new(o, "count", json_integer(f->count));
    json_object_set_new(o, "src", endpoint_json(&f->src));
    json_object_set_new(o, "dst", endpoint_json(&f->dst));
    json_object_set_new(o, "key", sw_json_text(f->key));
    json_object_set_new(o, "resolved_at", sw_json_time(f->resolved_at));
    json_object_set_new(o, "resolution", f->resolution[0] ? sw_json_text(f->resolution) : json_null());
    json_t *details = json_object();
    for (unsigned i = 0; i < f->ndetails; i++) {
        const sw_finding_detail *d = &f->details[i];
        json_t *v = NULL;
        if (d->is_number)
            v = json_loads(d->value, JSON_DECODE_ANY, NULL);
        json_object_set_new(details, d->name, v ? v : sw_json_text(d->value));
    }
    json_object_set_new(o, "details", details);
    json_t *ev = json_array();
    for (unsigned i = 0; i < f->nevidence; i++)
        json_array_append_new(ev, evidence_json(&f->evidence[i]));
    json_object_set_new(o, "evidence", ev);
    return o;
}

void sw_json_write_finding(FILE *out, const sw_finding *f)
{
    json_t *o = finding_json(f, "finding");
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
        fputs(line, out);
        fputc('\n', out);
        free(line);
    }
    json_decref(o);
}

char *sw_alert_json(const sw_finding *f, const char *event)
{
    json_t *o = finding_json(f, "alert");
    json_object_set_new(o, "event", sw_json_text(event));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return line;
}
