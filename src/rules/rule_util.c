/* Helpers shared by the rule files: finding set-up from a flow, and the
 * small formatters used in summaries and suggestions. */
#include "rule_util.h"

#include "sipwatch/sip_reference.h"
#include "sipwatch/text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

sw_finding *rule_finding(const sw_rule_ctx *ctx, const sw_rule *rule, const char *key, sw_time_us now,
                         bool *created, sw_severity *old)
{
    sw_finding *f = sw_findings_get(ctx->findings, rule->id, key, now, created);
    if (!f)
        return NULL;
    *old = *created ? SW_SEV_INFO : f->severity;
    return f;
}

void rule_take_evidence(sw_finding *f, const sw_flow *flow)
{
    f->nevidence = sw_flow_evidence(flow, f->evidence, SW_FINDING_EVIDENCE);
}

void rule_from_flow(sw_finding *f, const sw_flow *flow, const sw_endpoint *src, const sw_endpoint *dst)
{
    snprintf(f->call_id, sizeof f->call_id, "%s", flow->call_id);
    if (src)
        f->src = *src;
    if (dst)
        f->dst = *dst;
    rule_take_evidence(f, flow);
}

const char *rule_auth_user(const sw_auth_track *a)
{
    const char *user = a ? sw_auth_text(a, SW_AUTH_USERNAME) : "";
    return user[0] ? user : "?";
}

const char *rule_auth_realm(const sw_auth_track *a)
{
    const char *realm = sw_auth_text(a, SW_AUTH_CRED_REALM);
    return realm[0] ? realm : sw_auth_text(a, SW_AUTH_REALM);
}

const char *rule_user_at(const char *user, const char *host, char *buf, size_t n)
{
    if (user && *user && host && *host)
        snprintf(buf, n, "%s@%s", user, host);
    else if (user && *user)
        snprintf(buf, n, "%s", user);
    else if (host && *host)
        snprintf(buf, n, "%s", host);
    else
        snprintf(buf, n, "?");
    return buf;
}

const char *rule_join(char *buf, size_t n, const char *const *items, unsigned count)
{
    buf[0] = '\0';
    for (unsigned i = 0; i < count; i++)
        rule_append(buf, n, "%s%s", i == 0 ? "" : i + 1 == count ? " and " : ", ", items[i]);
    if (!count)
        rule_append(buf, n, "?");
    return buf;
}

const char *rule_ep(const sw_endpoint *ep, char *buf, size_t n)
{
    return sw_endpoint_format(ep, buf, n);
}

const char *rule_secs(sw_time_us us, char *buf, size_t n)
{
    double s = (double)us / 1e6;
    if (s < 10)
        snprintf(buf, n, "%.1f s", s);
    else
        snprintf(buf, n, "%.0f s", s);
    return buf;
}

void rule_printf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sw_vformat_cut(buf, cap, 0, fmt, ap);
    va_end(ap);
}

void rule_append(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sw_vformat_cut(buf, cap, strlen(buf), fmt, ap);
    va_end(ap);
}

void rule_refer_key(char *key, size_t n, const sw_flow *flow, const sw_refer *r)
{
    snprintf(key, n, "%s/refer/%u", flow->call_id, r->id);
}

void rule_refer_details(sw_finding *f, const sw_flow *flow, const sw_refer *r)
{
    char a[RULE_EP_LEN], b[RULE_EP_LEN];
    rule_from_flow(f, flow, &r->referrer, &r->referee);
    sw_finding_set_number(f, "refer_id", r->id);
    sw_finding_set_detail(f, "refer_to", r->refer_to);
    sw_finding_set_detail(f, "transferor", rule_ep(&r->referrer, a, sizeof a));
    sw_finding_set_detail(f, "transferee", rule_ep(&r->referee, b, sizeof b));
    if (r->response)
        sw_finding_set_number(f, "refer_response", r->response);
    sw_finding_set_number(f, "notifies", r->notifies);
    if (r->last_sipfrag)
        sw_finding_set_number(f, "last_sipfrag", r->last_sipfrag);
}

void rule_append_reference(char *buf, size_t cap, int status, int method)
{
    const sw_status_ref *r = sw_reference_status(status);
    if (!r)
        return;
    const char *meaning = sw_reference_status_meaning(status, method ? sw_sip_method_name((sw_sip_method)method) : NULL);
    rule_append(buf, cap, " [%d %s: %s More: sipwatch --explain %d]", r->code, r->reason, meaning, r->code);
}

void rule_note_capture_loss(const sw_rule_ctx *ctx, sw_finding *f)
{
    sw_finding_set_bool(f, "capture_losing_packets", ctx->capture_losing);
    if (!ctx->capture_losing)
        return;
    f->severity = SW_SEV_INFO;
    char note[] = "The capture is dropping packets (kernel drops rose in the last minute), so the message "
                  "this finding misses may have been lost by the capture, not by the network: enlarge the "
                  "capture buffer (-B) or narrow the filter before blaming the UA. ";
    size_t nlen = strlen(note), slen = strlen(f->suggestion);
    if (nlen + slen + 1 > sizeof f->suggestion)
        slen = sizeof f->suggestion - nlen - 1;
    memmove(f->suggestion + nlen, f->suggestion, slen);
    memcpy(f->suggestion, note, nlen);
    f->suggestion[nlen + slen] = '\0';
}

bool rule_is_surge(const sw_rule_ctx *ctx, uint32_t value, double baseline)
{
    return value >= ctx->cfg->surge_minimum && value >= ctx->cfg->surge_factor * baseline + 5;
}

const char *rule_detail_text(const sw_finding *f, const char *name)
{
    for (unsigned i = 0; i < f->ndetails; i++)
        if (strcmp(f->details[i].name, name) == 0)
            return f->details[i].value;
    return NULL;
}

double rule_detail_number(const sw_finding *f, const char *name)
{
    const char *v = rule_detail_text(f, name);
    return !v ? 0 : strcmp(v, "true") == 0 ? 1 : atof(v);
}
