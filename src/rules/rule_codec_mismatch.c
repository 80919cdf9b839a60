/* Rule codec-mismatch: a session offer (INVITE, re-INVITE or UPDATE with
 * SDP) refused with 488 Not Acceptable Here, 415 or 606: the other side
 * accepts none of the media or codecs offered. Names what was offered, so
 * a T.38 fax re-offer refused four times reads as exactly that. One finding
 * per call, counting the refusals. */
#include "rule_util.h"

#include "sipwatch/text.h"

#include <string.h>

static void suggest(sw_finding *f, const sw_offer *o, const char *offerer, const char *answerer)
{
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    bool t38 = strstr(o->media, "image") && strstr(o->media, "t38");
    if (t38)
        rule_append(s, cap, "%s asked to switch the call to T.38 fax and %s refused it: that side has no T.38 "
                            "(or it is switched off). Enable T.38 on both the gateway or ATA and the far end "
                            "(trunk, PBX), or disable T.38 on %s so that faxes go as G.711 pass-through "
                            "(PCMU/PCMA, no silence suppression, a fixed jitter buffer). ",
                    offerer, answerer, offerer);
    else
        rule_append(s, cap, "%s accepts none of the media offered by %s (%s). Compare the codec lists of both "
                            "sides (and of every SBC or trunk between them) and enable at least one common "
                            "codec, usually G.711 PCMU or PCMA; check SRTP is required on both or neither; a "
                            "video-only or unusual offer needs a matching audio line. ",
                    answerer, offerer, o->media);
    rule_append(s, cap, "The refused offer: %s%s%s.", o->media, o->address[0] ? " at " : "", o->address);
    rule_append_reference(s, cap, o->refused_status, o->method);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MESSAGE || !ev->flow || !ev->flow->offer || ev->retransmission)
        return;
    const sw_sip_msg *m = ev->msg;
    const sw_offer *o = ev->flow->offer;
    if (m->is_request || m->status != o->refused_status || m->cseq != o->cseq || !o->refused_status)
        return;
    char key[200], offerer[RULE_EP_LEN], answerer[RULE_EP_LEN];
    rule_printf(key, sizeof key, "%s/offer", ev->flow->call_id);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_codec_mismatch, key, ev->now, &created, &old);
    if (!f)
        return;
    rule_ep(&o->offerer, offerer, sizeof offerer);
    rule_ep(&o->answerer, answerer, sizeof answerer);
    f->severity = SW_SEV_WARNING;
    f->count++;
    if (created)
        f->first_seen = o->ts;
    rule_from_flow(f, ev->flow, &o->offerer, &o->answerer);
    sw_finding_set_detail(f, "offered", o->media);
    sw_finding_set_detail(f, "offer_address", o->address);
    sw_finding_set_number(f, "status", o->refused_status);
    sw_finding_set_bool(f, "reinvite", o->reinvite);
    sw_finding_set_number(f, "refusals", f->count);
    const char *what = o->method == SW_METHOD_UPDATE ? "UPDATE" : o->reinvite ? "re-INVITE" : "INVITE";
    rule_printf(f->summary, sizeof f->summary, "%s from %s offering %s refused with %u %s by %s (%u %s on this call)",
                what, offerer, o->media, o->refused_status, m->reason ? m->reason : "", answerer, f->count,
                sw_plural(f->count, "time", "times"));
    suggest(f, o, offerer, answerer);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_codec_mismatch = {
    .id = "codec-mismatch",
    .severity = SW_SEV_WARNING,
    .title = "a session offer was refused (488/415/606): no common codec or media (T.38 fax refused ...)",
    .evaluate = evaluate,
};
