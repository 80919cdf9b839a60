/* Rule auth-rejected: credentials were presented and refused outright.
 * Fires on a 403 (any method) or a 404 (REGISTER: unknown user) answering a
 * request that carried credentials; and, when a flow ends, on a UA that
 * presented credentials, was challenged again, and gave up without ever
 * succeeding (too few attempts for auth-loop). Resolves when the method
 * later succeeds. */
#include "rule_util.h"

#include <string.h>

static bool refusal(const sw_sip_msg *m)
{
    return m->status == 403 || (m->status == 404 && m->cseq_method == SW_METHOD_REGISTER);
}

/* Details named from the account the refused request was for. */
static void fill_common(sw_finding *f, const char *user, const char *aor, const sw_auth_track *a, const char *method)
{
    sw_finding_set_detail(f, "method", method);
    sw_finding_set_detail(f, "user", user);
    sw_finding_set_detail(f, "aor", aor);
    if (a) {
        sw_finding_set_detail(f, "auth_username", sw_auth_text(a, SW_AUTH_USERNAME));
        sw_finding_set_detail(f, "realm", rule_auth_realm(a));
    }
}

static void on_refusal(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_sip_msg *m = ev->msg;
    const sw_flow *flow = ev->flow;
    const sw_txn *t = ev->txn;
    const sw_auth_track *a = flow->auth[t->proxy_credentials ? 1 : 0];
    const char *method = sw_sip_method_name((sw_sip_method)m->cseq_method);
    char key[200];
    rule_printf(key, sizeof key, "%s/%s", flow->call_id, method);
    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_auth_rejected, key, ev->now, &created, &old);
    if (!f)
        return;
    char server[RULE_EP_LEN], client[RULE_EP_LEN], who[160], aor[160];
    rule_ep(&m->src, server, sizeof server);
    rule_ep(&m->dst, client, sizeof client);
    bool reg = m->cseq_method == SW_METHOD_REGISTER;
    rule_user_at(reg ? m->to_user : m->from_user, reg ? m->to_host : m->from_host, who, sizeof who);
    rule_user_at(m->to_user, m->to_host, aor, sizeof aor);
    f->severity = SW_SEV_WARNING;
    f->count++;
    rule_from_flow(f, flow, &m->dst, &m->src);
    rule_printf(f->summary, sizeof f->summary,
             "%s for %s from %s refused by %s with %d %s after credentials were presented (auth user '%s')",
             method, who, client, server, m->status, m->reason ? m->reason : "",
             rule_auth_user(a));
    fill_common(f, m->from_user ? m->from_user : "", aor, a, method);
    sw_finding_set_number(f, "status", m->status);
    char *s = f->suggestion;
    s[0] = '\0';
    if (m->status == 404)
        rule_append(s, sizeof f->suggestion,
                    "The registrar at %s does not know the user being registered (%s): check the account "
                    "exists on the server and the UA registers the right user and domain. ",
                    server, who);
    else
        rule_append(s, sizeof f->suggestion,
                    "The server at %s understood the credentials and refused them outright (403 is a refusal, "
                    "not a request to authenticate). Likely causes: a wrong password or auth username "
                    "('%s'); the account disabled or locked, perhaps by earlier failures; the source address "
                    "%s not allowed (an IP access list, fail2ban or similar ban). ",
                    server, rule_auth_user(a), client);
    rule_append(s, sizeof f->suggestion,
                "Check the account and its credentials on the server, the auth username and password on the "
                "UA, and the server's log for the reason it gave ('%s').", m->reason ? m->reason : "");
    rule_append_reference(s, sizeof f->suggestion, m->status, m->cseq_method);
    sw_findings_commit(ctx->findings, f, created, old);
}

/* The flow ends after credentials were re-challenged and the UA gave up. */
static void on_flow_end(const sw_rule_ctx *ctx, const sw_event *ev)
{
    const sw_flow *flow = ev->flow;
    for (int k = 0; k < 2; k++) {
        const sw_auth_track *a = flow->auth[k];
        if (!a || !a->rejected || a->success_after)
            continue;
        char key[200];
        const char *method = sw_sip_method_name((sw_sip_method)a->method);
        rule_printf(key, sizeof key, "%s/%s", flow->call_id, k ? "407" : "401");
        if (sw_findings_find(ctx->findings, sw_rule_auth_loop.id, key))
            continue;       /* already an auth loop */
        rule_printf(key, sizeof key, "%s/%s", flow->call_id, method);
        bool created;
        sw_severity old;
        sw_finding *f = rule_finding(ctx, &sw_rule_auth_rejected, key, ev->now, &created, &old);
        if (!f)
            continue;
        char challenger[RULE_EP_LEN], client[RULE_EP_LEN];
        rule_ep(&a->challenger, challenger, sizeof challenger);
        rule_ep(&a->client, client, sizeof client);
        f->severity = SW_SEV_WARNING;
        f->count = a->rejected;
        f->first_seen = a->first_ts;
        f->last_seen = a->last_ts;
        rule_from_flow(f, flow, &a->client, &a->challenger);
        const sw_auth_attempt *last = &a->ring[(a->ring_next - 1) % SW_AUTH_RING];
        const char *account = sw_auth_text(a, (sw_auth_text_field)(SW_AUTH_ACCOUNT0 + last->account));
        rule_printf(f->summary, sizeof f->summary,
                 "%s for %s from %s: credentials for '%s' rejected by %s %s (challenged again with %s), "
                 "and the UA gave up without succeeding",
                 method, account[0] ? account : "?", client, rule_auth_user(a),
                 k ? "proxy" : "registrar/UAS", challenger, k ? "407" : "401");
        char user[SW_AUTH_ACCOUNT_LEN];
        rule_printf(user, sizeof user, "%.*s", (int)strcspn(account, "@"), account);
        fill_common(f, user, account, a, method);
        sw_finding_set_number(f, "status", k ? 407 : 401);
        rule_printf(f->suggestion, sizeof f->suggestion,
                 "The %s at %s did not accept the %s credentials the UA sent and challenged it again; the UA "
                 "then stopped trying. Most likely the password for auth user '%s' is wrong%s. Check the "
                 "password and auth username on the UA against the account on the server%s.",
                 k ? "proxy" : "registrar or called UA", challenger, k ? "proxy (Proxy-Authorization)" : "digest",
                 rule_auth_user(a),
                 a->realm_mismatch ? ", or the UA answers for another realm than the one challenged" : "",
                 k ? "; a proxy may need other credentials than the registrar" : "");
        sw_findings_commit(ctx->findings, f, created, old);
    }
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (!ev->flow)
        return;
    if (ev->kind == SW_EVENT_FLOW_END) {
        on_flow_end(ctx, ev);
        return;
    }
    if (ev->kind != SW_EVENT_MESSAGE)
        return;
    const sw_sip_msg *m = ev->msg;
    if (m->is_request || ev->retransmission || !ev->txn)
        return;
    /* Refusals at a storm's rate are one problem (scanner, key "distributed"),
     * not one finding per Call-ID that would flood the store. */
    bool storm = false;
    if (m->cseq_method == SW_METHOD_REGISTER && refusal(m)) {
        const sw_finding *scan = sw_findings_find(ctx->findings, "scanner", "distributed");
        uint32_t now_refused = ev->minutes ? ev->minutes->current[SW_MIN_REG_REFUSED] : 0;
        storm = (scan && scan->state == SW_FINDING_OPEN) ||
                (now_refused >= ctx->cfg->scanner_distributed &&
                 now_refused <= 3 * sw_minutes_refused_sources(ev->minutes));
    }
    if (refusal(m) && (ev->txn->credentials || ev->txn->proxy_credentials) && !storm) {
        on_refusal(ctx, ev);
    } else if (m->status >= 200 && m->status < 300 &&
               sw_findings_open_count(ctx->findings, sw_rule_auth_rejected.id)) {
        char key[200];
        rule_printf(key, sizeof key, "%s/%s", ev->flow->call_id, sw_sip_method_name((sw_sip_method)m->cseq_method));
        sw_findings_resolve(ctx->findings, sw_rule_auth_rejected.id, key, ev->now, "the request later succeeded");
    }
}

const sw_rule sw_rule_auth_rejected = {
    .id = "auth-rejected",
    .severity = SW_SEV_WARNING,
    .title = "credentials were presented and refused (403, or rejected and the UA gave up)",
    .evaluate = evaluate,
};
