/* Rule sdp-private-address: an SDP whose audio connection address is
 * private (RFC 1918), CGNAT (100.64/10) or link-local, sent from a public
 * address (the packet's source), and RTP then sent to that private address:
 * the phone is behind NAT, its media address was not fixed by anyone on the
 * way (no ICE, no SBC or media relay rewriting it), and the other side's
 * audio is lost. Many servers repair such an SDP (symmetric RTP, a relay),
 * so an SDP alone is not enough: the RTP must show the address was used.
 * Judged when the call ends; one finding per call. */
#include "rule_media.h"

#include <stdio.h>

/* A stream sent to the private address itself (same address, any port). */
static const sw_rtp_stream *sent_there(const sw_media_call *mc)
{
    for (unsigned i = 0; i < mc->nstreams; i++)
        if (sw_ip_equal(&mc->streams[i].dst.ip, &mc->private_sdp->addr))
            return &mc->streams[i];
    return NULL;
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_media_call *mc = ctx->media;
    if (ev->kind != SW_EVENT_FLOW_END || !ev->flow || !mc || !ctx->media_on || !mc->private_sdp)
        return;
    const sw_rtp_stream *s = sent_there(mc);
    if (!s)
        return;
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_sdp_private_address, ev->flow->call_id, ev->now, &created, &old);
    if (!f)
        return;
    char src[RULE_EP_LEN], addr[SW_IP_STRLEN], dst[RULE_EP_LEN], sender[RULE_EP_LEN], what[48];
    rule_ep(&mc->private_sdp->src, src, sizeof src);
    rule_ep(&mc->private_sdp->dst, dst, sizeof dst);
    rule_ep(&s->src, sender, sizeof sender);
    sw_ip_format(&mc->private_sdp->addr, addr, sizeof addr);
    if (mc->private_sdp->status)
        snprintf(what, sizeof what, "%u response", mc->private_sdp->status);
    else
        snprintf(what, sizeof what, "%s", sw_sip_method_name(mc->private_sdp->method));
    f->severity = SW_SEV_WARNING;
    f->count = 1;
    f->first_seen = mc->private_sdp->ts;
    rule_from_flow(f, ev->flow, &mc->private_sdp->src, &mc->private_sdp->dst);
    sw_finding_set_detail(f, "sdp_address", addr);
    sw_finding_set_detail(f, "signalling_source", src);
    sw_finding_set_number(f, "sdp_port", mc->private_sdp->port);
    sw_finding_set_number(f, "rtp_packets_to_it", (long long)s->packets);
    rule_printf(f->summary, sizeof f->summary, "The SDP of the %s from the public address %s announces the private "
                "address %s (port %u), and %s sent %llu RTP packets there: NAT without media traversal", what, src,
                addr, mc->private_sdp->port, sender, (unsigned long long)s->packets);
    rule_printf(f->suggestion, sizeof f->suggestion,
                "The SIP came from the public address %s but its SDP asks for the audio at %s, an address that "
                "exists only inside that site's network; %s (toward %s) sent its RTP there, where it is lost: "
                "one-way or no audio. Fix one of: the PBX, SBC or proxy's NAT handling for media (rewrite the "
                "SDP to the source address, symmetric RTP / comedia, or anchor the media with a relay such as "
                "rtpengine); STUN, ICE or a public-address setting on the phone; and turn off the router's SIP "
                "ALG, which rewrites SDP inconsistently.",
                src, addr, sender, dst);
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_sdp_private_address = {
    .id = "sdp-private-address",
    .severity = SW_SEV_WARNING,
    .title = "an SDP from a public address announced a private, CGNAT or link-local media address, and RTP went there",
    .evaluate = evaluate,
};
