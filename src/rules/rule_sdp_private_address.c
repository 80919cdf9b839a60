/* Rule sdp-private-address: an SDP whose audio connection address is
 * private (RFC 1918), CGNAT (100.64/10) or link-local, sent by a public
 * address: the phone is behind NAT and its media address was not fixed, so
 * the other side's audio goes to an address it cannot reach. Quiet when the
 * SDP carries ICE candidates (ICE finds its way) and when the signalling
 * comes from a private or loopback address (a LAN). One finding per call. */
#include "rule_media.h"

#include <stdio.h>
#include <string.h>

static const sw_sdp_media *private_audio(const sw_sdp *sdp)
{
    for (unsigned i = 0; i < sdp->nmedia; i++)
        if (sdp->media[i].kind == SW_SDP_AUDIO && sdp->media[i].port && sw_ip_is_private(&sdp->media[i].addr))
            return &sdp->media[i];
    return NULL;
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MESSAGE || !ev->flow || ev->retransmission || !ctx->media_on)
        return;
    const sw_sip_msg *m = ev->msg;
    if (!m->sdp.present || m->sdp.ice || sw_ip_is_private(&m->src.ip) || sw_ip_is_loopback(&m->src.ip))
        return;
    const sw_sdp_media *a = private_audio(&m->sdp);
    if (!a)
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_sdp_private_address, ev->flow->call_id, ev->now, &created, &old);
    if (!f)
        return;
    char src[RULE_EP_LEN], addr[SW_IP_STRLEN], dst[RULE_EP_LEN];
    rule_ep(&m->src, src, sizeof src);
    rule_ep(&m->dst, dst, sizeof dst);
    sw_ip_format(&a->addr, addr, sizeof addr);
    char what[48];
    if (m->is_request)
        snprintf(what, sizeof what, "%s", m->method_name ? m->method_name : "request");
    else
        snprintf(what, sizeof what, "%d response", m->status);
    f->severity = SW_SEV_WARNING;
    f->count++;
    if (created)
        f->first_seen = m->ts;
    rule_from_flow(f, ev->flow, &m->src, &m->dst);
    sw_finding_set_detail(f, "sdp_address", addr);
    sw_finding_set_detail(f, "signalling_source", src);
    sw_finding_set_number(f, "sdp_port", a->port);
    if (m->via_host)
        sw_finding_set_detail(f, "via", m->via_host);
    rule_printf(f->summary, sizeof f->summary, "The SDP of the %s from %s announces the private address %s (port %u) "
                "for its audio: behind NAT, without media traversal", what, src, addr, a->port);
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The SIP came from the public address %s but its SDP asks for the audio at %s, an address that "
                "exists only inside that site's network: the other side (%s) will send its RTP there and it will "
                "be lost, giving one-way or no audio. Fix one of: the PBX, SBC or proxy's NAT handling for media "
                "(rewrite the SDP to the source address, or anchor the media with a relay such as rtpengine); "
                "STUN, ICE or a public-address setting on the phone; and turn off the router's SIP ALG, which "
                "rewrites SDP inconsistently.",
                src, addr, dst);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_sdp_private_address = {
    .id = "sdp-private-address",
    .severity = SW_SEV_WARNING,
    .title = "an SDP from a public address announces a private, CGNAT or link-local media address (NAT)",
    .evaluate = evaluate,
};
