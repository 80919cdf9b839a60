/* Rule auth-loop: a UA keeps being challenged (401 or 407) on the same flow
 * because the credentials it presents are rejected again and again.
 * Fires when, within the window, a challenger (401 and 407 are counted
 * apart) challenged at least auth_loop_challenges distinct attempts of which
 * at least auth_loop_rejected already carried credentials of that kind, or
 * when stale=true challenges themselves keep repeating. Not fooled by a
 * retransmitted 401, a second capture point, or a proxy's next hop (one
 * attempt = one CSeq with one set of credentials), nor by 407 then 401 on a
 * call. Resolves when the method later succeeds with 2xx. */
#include "rule_util.h"

#include <string.h>

static void suggest(sw_finding *f, const sw_flow *flow, const sw_auth_track *a, bool proxy, bool stale_loop,
                    const char *challenger, bool scanner, const char *from_user)
{
    char *s = f->suggestion;
    size_t cap = sizeof f->suggestion;
    s[0] = '\0';
    if (scanner) {
        /* Not a phone with a wrong password: someone guessing passwords. */
        rule_append(s, cap,
                    "The source is a scanner (see its scanner finding): these are password guesses against "
                    "account '%s', not a misconfigured phone. Block the source, check whether a guess "
                    "succeeded (then change that password at once), and make sure the account's password is "
                    "strong.",
                    rule_auth_user(a));
        return;
    }
    const char *user = rule_auth_user(a);
    if (stale_loop) {
        rule_append(s, cap,
                    "The %s at %s keeps answering with stale=true: each nonce the UA uses has already expired. "
                    "Likely causes: a nonce lifetime on the server shorter than the UA's retry time, clock "
                    "skew between cluster nodes that issue and check nonces, or a UA that caches an old nonce "
                    "instead of taking the new one. Check the server's nonce expiry setting and its clocks, "
                    "then the UA's firmware. ",
                    proxy ? "proxy" : "registrar", challenger);
    } else if (proxy) {
        rule_append(s, cap,
                    "The proxy at %s keeps rejecting the UA's proxy credentials (Proxy-Authorization): "
                    "most likely the password for auth user '%s' is wrong. 407 comes from a proxy, not the "
                    "registrar: check the credentials the UA uses for the proxy/outbound leg, which can "
                    "differ from its registration credentials. ",
                    challenger, user);
    } else {
        rule_append(s, cap,
                    "The %s at %s keeps rejecting the digest credentials the UA sends (Authorization): "
                    "most likely the password for auth user '%s' is wrong. ",
                    flow->first_method == SW_METHOD_REGISTER ? "registrar" : "registrar or called UA",
                    challenger, user);
    }
    if (!stale_loop) {
        const char *auth_user = sw_auth_text(a, SW_AUTH_USERNAME);
        if (auth_user[0] && from_user[0] && strcmp(auth_user, from_user) != 0)
            rule_append(s, cap, "The auth username ('%s') differs from the extension in From ('%s'): "
                                "check the phone uses the account's auth username. ",
                        auth_user, from_user);
        else
            rule_append(s, cap, "Check the password, and the auth username (which may differ from the "
                                "extension '%s'). ", from_user[0] ? from_user : "?");
        if (a->realm_mismatch)
            rule_append(s, cap, "The UA answers for realm '%s' but is challenged for realm '%s': fix the "
                                "realm (or domain) configured on the UA first. ",
                        sw_auth_text(a, SW_AUTH_CRED_REALM), sw_auth_text(a, SW_AUTH_REALM));
        else if (sw_auth_text(a, SW_AUTH_REALM)[0])
            rule_append(s, cap, "The realm challenged is '%s'; check the UA is configured for it. ", sw_auth_text(a, SW_AUTH_REALM));
        if (a->nonce_ignored)
            rule_append(s, cap, "The UA answers with an older nonce than the one it was just given: it ignores "
                                "the fresh challenge (a firmware bug, or broken stale-nonce handling). ");
        else if (a->nonce_reused)
            rule_append(s, cap, "The UA answers each challenge with the nonce it was given, so nonce handling is "
                                "fine: the credentials themselves are wrong. ");
    }
    rule_append(s, cap, "Stop the loop soon: repeated failures can lock the account and get the UA's address "
                        "banned by fail2ban or similar protection.");
    rule_append_reference(s, cap, proxy ? 407 : 401, a->method);
}

static void evaluate(const sw_rule_ctx *ctx, const sw_event *ev)
{
    if (ev->kind != SW_EVENT_MESSAGE || !ev->flow || !ev->auth)
        return;
    const sw_sip_msg *m = ev->msg;
    const sw_flow *flow = ev->flow;
    char key[200];

    if (!m->is_request && m->status >= 200 && m->status < 300) {
        /* Success after challenges resolves the loop of either kind (if
         * any is open: most successes follow an ordinary challenge). */
        if (!sw_findings_open_count(ctx->findings, sw_rule_auth_loop.id))
            return;
        for (int k = 0; k < 2; k++) {
            const sw_auth_track *s = flow->auth[k];
            if (!s || !s->success_after || s->success_ts != m->ts)
                continue;
            char why[200], t[32];
            rule_printf(key, sizeof key, "%s/%s", flow->call_id, k ? "407" : "401");
            rule_printf(why, sizeof why, "%s succeeded with %d %s, %s after the last challenge",
                     sw_sip_method_name((sw_sip_method)m->cseq_method), m->status, m->reason ? m->reason : "",
                     rule_secs(s->success_ts - s->last_ts, t, sizeof t));
            sw_findings_resolve(ctx->findings, sw_rule_auth_loop.id, key, ev->now, why);
        }
        return;
    }
    if (!ev->new_attempt)
        return;
    const sw_auth_track *a = ev->auth;
    bool proxy = a == flow->auth[1];
    rule_printf(key, sizeof key, "%s/%s", flow->call_id, proxy ? "407" : "401");

    uint32_t ch, rj, st;
    sw_auth_window(a, ev->now, ctx->cfg->auth_loop_window, &ch, &rj, &st);
    bool loop = ch >= ctx->cfg->auth_loop_challenges && rj >= ctx->cfg->auth_loop_rejected;
    bool stale_loop = !loop && st >= ctx->cfg->auth_loop_stale;
    if (!loop && !stale_loop)
        return;

    bool created;
    sw_severity old;
    sw_finding *f = rule_finding(ctx, &sw_rule_auth_loop, key, ev->now, &created, &old);
    if (!f)
        return;
    char challenger[RULE_EP_LEN], client[RULE_EP_LEN], accounts[200];
    rule_ep(&a->challenger, challenger, sizeof challenger);
    rule_ep(&a->client, client, sizeof client);
    /* Named from the attempts that make the loop: a UA may try several accounts. */
    const char *acct[SW_AUTH_ACCOUNTS];
    unsigned nacct = sw_auth_window_accounts(a, ev->now, ctx->cfg->auth_loop_window, acct, SW_AUTH_ACCOUNTS);
    rule_join(accounts, sizeof accounts, acct, nacct);
    const char *method = sw_sip_method_name((sw_sip_method)a->method);
    const sw_auth_attempt *last = &a->ring[(a->ring_next - 1) % SW_AUTH_RING];

    f->severity = SW_SEV_CRITICAL;
    f->count = created ? ch : f->count + 1;
    uint32_t rejected = created ? rj : (uint32_t)rule_detail_number(f, "rejected_credentials") + last->rejected;
    if (created) {
        f->first_seen = a->ring[(a->ring_next - ch) % SW_AUTH_RING].ts;
        sw_finding_set_detail(f, "aor", nacct ? acct[0] : "");
    }
    rule_from_flow(f, flow, &a->client, &a->challenger);
    rule_printf(f->summary, sizeof f->summary,
             "%s for %s from %s challenged %u times by %s %s (%u with credentials rejected%s), realm \"%s\"",
             method, accounts, client, f->count, proxy ? "proxy" : "registrar/UAS", challenger, rejected,
             st ? ", some stale=true" : "", sw_auth_text(a, SW_AUTH_REALM));
    sw_finding_set_detail(f, "method", method);
    sw_finding_set_detail(f, "user", m->from_user ? m->from_user : "");
    sw_finding_set_detail(f, "accounts", accounts);
    sw_finding_set_detail(f, "auth_username", sw_auth_text(a, SW_AUTH_USERNAME));
    sw_finding_set_detail(f, "realm", sw_auth_text(a, SW_AUTH_REALM));
    if (a->realm_mismatch)
        sw_finding_set_detail(f, "credentials_realm", sw_auth_text(a, SW_AUTH_CRED_REALM));
    sw_finding_set_number(f, "challenges", f->count);
    sw_finding_set_number(f, "rejected_credentials", rejected);
    sw_finding_set_number(f, "stale_challenges", st);
    sw_finding_set_bool(f, "nonce_reused", a->nonce_reused);
    sw_finding_set_bool(f, "nonce_ignored", a->nonce_ignored);
    sw_finding_set_detail(f, "challenger", proxy ? "proxy (407)" : "registrar/UAS (401)");
    char client_ip[SW_IP_STRLEN];
    sw_ip_format(&a->client.ip, client_ip, sizeof client_ip);
    const sw_finding *scan = sw_findings_find(ctx->findings, "scanner", client_ip);
    bool scanner = scan && scan->state == SW_FINDING_OPEN;
    sw_finding_set_bool(f, "source_is_scanner", scanner);
    suggest(f, flow, a, proxy, stale_loop, challenger, scanner, m->from_user ? m->from_user : "");
    sw_findings_commit(ctx->findings, f, created, old);
}

const sw_rule sw_rule_auth_loop = {
    .id = "auth-loop",
    .severity = SW_SEV_CRITICAL,
    .title = "a UA keeps being challenged (401/407): its credentials are rejected again and again",
    .evaluate = evaluate,
};
