/* Digest authentication per flow: attempts challenged, the accounts they
 * were for, nonce handling (see flow_state.h and correlate.h). */
#include "flow_state.h"
#include "corr_util.h"
#include "packed_text.h"

#include <stdio.h>
#include <stdlib.h>

const char *sw_auth_text(const sw_auth_track *a, sw_auth_text_field k)
{
    return packed_text_get(a->text, SW_AUTH_TEXT_FIELDS, (unsigned)k);
}

static void set_text(sw_auth_track *a, sw_auth_text_field k, const char *value)
{
    packed_text_set_cut(&a->text, SW_AUTH_TEXT_FIELDS, (unsigned)k, value, 64);
}

void auth_track_free(sw_auth_track *a)
{
    if (!a)
        return;
    free(a->text);
    free(a->ring);
    free(a);
}

static sw_auth_track *auth_track(sw_flow *f, int kind)
{
    if (!f->auth[kind])
        f->auth[kind] = calloc(1, sizeof *f->auth[kind]);
    return f->auth[kind];
}

void sw_auth_window(const sw_auth_track *a, sw_time_us now, sw_time_us window,
                    uint32_t *challenges, uint32_t *rejected, uint32_t *stale)
{
    uint32_t ch = 0, rj = 0, st = 0;
    unsigned n = a->challenges < SW_AUTH_RING ? a->challenges : SW_AUTH_RING;
    for (unsigned i = 0; i < n; i++) {
        const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
        if (at->ts + window < now || at->ts <= a->success_ts)
            continue;       /* out of the window, or before the last success */
        ch++;
        if (at->stale)
            st++;
        else if (at->rejected)
            rj++;
    }
    *challenges = ch;
    *rejected = rj;
    *stale = st;
}

unsigned sw_auth_window_accounts(const sw_auth_track *a, sw_time_us now, sw_time_us window, const char *out[],
                                 unsigned max)
{
    unsigned n = a->challenges < SW_AUTH_RING ? a->challenges : SW_AUTH_RING, count = 0;
    /* The accounts whose credentials were refused make the loop; only when
     * none was, the accounts merely challenged. */
    for (int pass = 0; pass < 2 && count == 0; pass++) {
        for (unsigned i = n; i-- > 0 && count < max;) {      /* oldest first */
            const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
            const char *acct = sw_auth_text(a, (sw_auth_text_field)(SW_AUTH_ACCOUNT0 + at->account));
            if (at->ts + window < now || at->ts <= a->success_ts || !acct[0])
                continue;
            if (pass == 0 && !at->rejected)
                continue;
            bool seen = false;
            for (unsigned k = 0; k < count; k++)
                seen |= out[k] == acct;
            if (!seen)
                out[count++] = acct;
        }
    }
    return count;
}

/* The account a request authenticates for: "user@host" of the To AOR for a
 * REGISTER, of From otherwise. Returns its slot in the track's accounts. */
static uint8_t auth_account(sw_auth_track *a, const sw_sip_msg *m)
{
    bool reg = m->cseq_method == SW_METHOD_REGISTER;
    const char *user = reg ? m->to_user : m->from_user, *host = reg ? m->to_host : m->from_host;
    char label[SW_AUTH_ACCOUNT_LEN];
    snprintf(label, sizeof label, "%s%s%s", user ? user : "", user && host ? "@" : "", host ? host : "");
    for (unsigned i = 0; i < SW_AUTH_ACCOUNTS; i++)
        if (strcmp(sw_auth_text(a, (sw_auth_text_field)(SW_AUTH_ACCOUNT0 + i)), label) == 0)
            return (uint8_t)i;
    uint8_t slot = (uint8_t)(a->account_next++ % SW_AUTH_ACCOUNTS);
    packed_text_set(&a->text, SW_AUTH_TEXT_FIELDS, SW_AUTH_ACCOUNT0 + slot, label);
    return slot;
}

void note_credentials(sw_flow *f, const sw_sip_msg *m)
{
    if (!m->credentials.present)
        return;
    sw_auth_track *a = auth_track(f, m->credentials.proxy ? 1 : 0);
    if (!a)
        return;
    set_text(a, SW_AUTH_USERNAME, m->credentials.username);
    set_text(a, SW_AUTH_CRED_REALM, m->credentials.realm);
    set_text(a, SW_AUTH_LAST_NONCE, m->credentials.nonce);
}

/* The slot for the next attempt, growing the ring until it holds SW_AUTH_RING. */
static sw_auth_attempt *ring_slot(sw_auth_track *a)
{
    if (a->ring_next >= a->ring_cap && a->ring_cap < SW_AUTH_RING) {
        unsigned cap = a->ring_cap ? a->ring_cap * 2u : 1u;
        sw_auth_attempt *grown = realloc(a->ring, cap * sizeof *grown);
        if (!grown)
            return NULL;
        a->ring = grown;
        a->ring_cap = (uint8_t)cap;
    }
    return &a->ring[a->ring_next++ % SW_AUTH_RING];
}

/* A 401/407: records the challenged attempt. Returns the track, and whether
 * the attempt is new (not a copy, another hop, or a retransmission). */
sw_auth_track *note_challenge(sw_flow *f, const sw_sip_msg *m, const sw_txn *t, sw_time_us now, bool *is_new)
{
    int kind = m->status == 407 ? 1 : 0;
    sw_auth_track *a = auth_track(f, kind);
    *is_new = false;
    if (!a)
        return NULL;
    uint32_t cseq = m->cseq;
    uint64_t fp = t ? t->cred_fp : 0;
    unsigned n = a->challenges < SW_AUTH_RING ? a->challenges : SW_AUTH_RING;
    for (unsigned i = 0; i < n; i++) {
        const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
        if (at->cseq == cseq && at->cred_fp == fp)
            return a;
    }
    *is_new = true;
    bool had_creds = t && (kind ? t->proxy_credentials : t->credentials);
    const char *last_nonce = sw_auth_text(a, SW_AUTH_LAST_NONCE);
    uint64_t nonce_hash = had_creds && last_nonce[0] ? hash_str(FNV_SEED, last_nonce) : 0;
    if (had_creds && nonce_hash) {
        for (unsigned i = 0; i < n; i++) {
            const sw_auth_attempt *at = &a->ring[(a->ring_next - 1 - i) % SW_AUTH_RING];
            if (at->rejected && at->nonce_hash == nonce_hash) {
                a->nonce_reused = true;
                break;
            }
        }
    }
    if (had_creds && nonce_hash && a->challenge_nonce && nonce_hash != a->challenge_nonce)
        a->nonce_ignored = true;
    sw_auth_attempt *at = ring_slot(a);
    if (!at)
        return a;                   /* out of memory: not recorded */
    at->ts = now;
    at->cseq = cseq;
    at->cred_fp = fp;
    at->nonce_hash = nonce_hash;
    at->rejected = had_creds;
    at->stale = m->challenge.stale;
    at->account = auth_account(a, m);
    a->challenges++;
    if (at->stale)
        a->stale++;
    else if (had_creds)
        a->rejected++;
    if (!a->first_ts)
        a->first_ts = now;
    a->last_ts = now;
    a->method = (uint8_t)m->cseq_method;
    a->client = m->dst;
    a->challenger = m->src;
    a->success_after = false;
    set_text(a, SW_AUTH_REALM, m->challenge.realm);
    if (m->challenge.nonce) {
        char trimmed[64];
        copy_str(trimmed, sizeof trimmed, m->challenge.nonce);
        a->challenge_nonce = hash_str(FNV_SEED, trimmed);
    }
    const char *realm = sw_auth_text(a, SW_AUTH_REALM), *cred_realm = sw_auth_text(a, SW_AUTH_CRED_REALM);
    if (had_creds && cred_realm[0] && realm[0] && strcmp(cred_realm, realm) != 0)
        a->realm_mismatch = true;
    return a;
}
