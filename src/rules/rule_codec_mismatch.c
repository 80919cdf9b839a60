/* Rule codec-mismatch: a session offer (INVITE, re-INVITE or UPDATE with
 * SDP) refused with 488 Not Acceptable Here, 415 or 606: the other side
 * accepts none of the media or codecs offered. Names what was offered, so
 * a T.38 fax re-offer refused four times reads as exactly that. One finding
 * per call, counting the refusals. With media analysis on, an offer
 * answered 2xx with no common codec (the answer's audio refused with port 0,
 * or none of its audio codecs offered) is the same fault, told the same way. */
#include "rule_media.h"

#include "sipwatch/text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void suggest(sw_finding *f, const sw_offer *o, const char *offerer, const char *answerer)
{
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    bool t38 = strstr(sw_offer_media(o), "image") && strstr(sw_offer_media(o), "t38");
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
                    answerer, offerer, sw_offer_media(o));
    rule_append(s, cap, "The refused offer: %s%s%s.", sw_offer_media(o), sw_offer_address(o)[0] ? " at " : "", sw_offer_address(o));
    rule_append_reference(s, cap, o->refused_status, o->method);
}

/* Real codecs (not telephone-event, CN or redundancy) of an audio line. */
static bool real_codec(const sw_sdp_codec *c)
{
    return strcasecmp(c->name, "telephone-event") != 0 && strcasecmp(c->name, "CN") != 0 &&
           strcasecmp(c->name, "red") != 0;
}

/* The answer's audio shares no real codec with the offer, or refuses it. */
static bool no_common_codec(const sw_sdp_media *offer, const sw_sdp_media *answer)
{
    if (!offer->port)
        return false;
    if (!answer->port)
        return true;
    bool any = false;
    for (unsigned i = 0; i < answer->ncodecs; i++) {
        if (!real_codec(&answer->codecs[i]))
            continue;
        any = true;
        for (unsigned j = 0; j < offer->ncodecs; j++)
            if (strcasecmp(answer->codecs[i].name, offer->codecs[j].name) == 0)
                return false;
    }
    return any;
}

static void list_codecs(char *buf, size_t n, const sw_sdp_media *a)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < a->ncodecs && used + 1 < n; i++) {
        int k = snprintf(buf + used, n - used, "%s%s", i ? " " : "", a->codecs[i].name);
        used += k > 0 && (size_t)k < n - used ? (size_t)k : n - used - 1;
    }
}

/* A 2xx answer (already learned by the media stage) with no common codec. */
static void check_answer(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_sip_msg *m = ev->msg;
    const sw_media_call *mc = ctx->media;
    if (!mc || m->is_request || m->status < 200 || m->status >= 300 || !m->sdp.present || ev->retransmission)
        return;
    int answerer = mc->last_side;   /* the media stage learned this message just before */
    sw_sdp_media offer_line, answer_line;
    if (!media_sdp_audio_line(mc, 1 - answerer, &offer_line) || !media_sdp_audio_line(mc, answerer, &answer_line))
        return;
    const sw_sdp_media *offer = &offer_line, *answer = &answer_line;
    if (!no_common_codec(offer, answer))
        return;
    char key[200], offerer_ep[RULE_EP_LEN], answerer_ep[RULE_EP_LEN], offered[120], answered[120];
    rule_printf(key, sizeof key, "%s/offer", ev->flow->call_id);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_codec_mismatch, key, ev->now, &created, &old);
    if (!f)
        return;
    rule_ep(&m->dst, offerer_ep, sizeof offerer_ep);
    rule_ep(&m->src, answerer_ep, sizeof answerer_ep);
    list_codecs(offered, sizeof offered, offer);
    list_codecs(answered, sizeof answered, answer);
    f->severity = SW_SEV_WARNING;
    f->count++;
    if (created)
        f->first_seen = m->ts;
    rule_from_flow(f, ev->flow, &m->dst, &m->src);
    sw_finding_set_detail(f, "offered", offered);
    sw_finding_set_detail(f, "answered", answer->port ? answered : "audio refused (port 0)");
    sw_finding_set_number(f, "status", m->status);
    rule_printf(f->summary, sizeof f->summary, "%d answer from %s has no codec in common with the offer (offered: "
                "%s; answered: %s)", m->status, answerer_ep, offered, answer->port ? answered : "audio port 0");
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The call is answered but the two sides share no audio codec, so no audio can flow (or the "
                "answer refused the audio stream). %s offered %s; %s answered %s. Enable at least one common "
                "codec on both (usually G.711 PCMU or PCMA), on every SBC or trunk between them too, or let a "
                "media relay transcode.",
                offerer_ep, offered, answerer_ep, answer->port ? answered : "with the audio port set to 0");
    sw_findings_commit(ctx->findings, f, created, old);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind == SW_EVENT_MESSAGE && ev->flow && ctx->media_on)
        check_answer(ctx, ev);
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
    sw_finding_set_detail(f, "offered", sw_offer_media(o));
    sw_finding_set_detail(f, "offer_address", sw_offer_address(o));
    sw_finding_set_number(f, "status", o->refused_status);
    sw_finding_set_bool(f, "reinvite", o->reinvite);
    sw_finding_set_number(f, "refusals", f->count);
    const char *what = o->method == SW_METHOD_UPDATE ? "UPDATE" : o->reinvite ? "re-INVITE" : "INVITE";
    rule_printf(f->summary, sizeof f->summary, "%s from %s offering %s refused with %u %s by %s (%u %s on this call)",
                what, offerer, sw_offer_media(o), o->refused_status, m->reason ? m->reason : "", answerer, f->count,
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
