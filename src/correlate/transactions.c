/* Transactions: keys, credential fingerprints and lookup (see flow_state.h). */
#include "flow_state.h"
#include "corr_util.h"

static uint8_t txn_method(const sw_sip_msg *m)
{
    /* The ACK to a non-2xx final belongs to the INVITE transaction (RFC 3261 §17.1.1.3). */
    uint8_t method = m->is_request ? (uint8_t)m->method : (uint8_t)m->cseq_method;
    return method == SW_METHOD_ACK ? SW_METHOD_INVITE : method;
}

uint64_t txn_key(const sw_sip_msg *m)
{
    uint64_t h = FNV_SEED;
    uint8_t method = txn_method(m);
    const char *method_name = method == SW_METHOD_OTHER ? m->cseq_method_name : NULL;
    h = hash_bytes(h, &method, 1);
    h = hash_str(h, method_name);
    /* RFC 3261 §17.1.3: branch and method. Not the sent-by: NAT helpers and
     * SIP ALGs rewrite the Via of responses (port 5260 -> 5860;rport=5260). */
    if (m->via_branch && strncmp(m->via_branch, "z9hG4bK", 7) == 0)
        return hash_str(h, m->via_branch);
    /* RFC 2543 peers: the branch is not unique; add sent-by, dialog and CSeq. */
    h = hash_str(h, m->via_host);
    h = hash_bytes(h, &m->via_port, sizeof m->via_port);
    h = hash_str(h, m->via_branch);
    h = hash_str(h, m->call_id);
    h = hash_str(h, m->from_tag);
    return hash_bytes(h, &m->cseq, sizeof m->cseq);
}

uint64_t cred_fingerprint(const sw_sip_msg *m)
{
    if (!m->credentials.present)
        return 0;
    uint64_t h = FNV_SEED;
    h = hash_str(h, m->credentials.username);
    h = hash_str(h, m->credentials.realm);
    h = hash_str(h, m->credentials.nonce);
    h = hash_str(h, m->credentials.uri);
    h = hash_str(h, m->credentials.response);
    h = hash_bytes(h, &m->credentials.proxy, 1);
    return h ? h : 1;
}

sw_txn *txn_find(sw_flow *f, uint64_t key)
{
    for (unsigned i = 0; i < f->ntxns; i++)
        if (f->txns[i].key == key && (f->txns[i].requests || f->txns[i].final_status || f->txns[i].provisional))
            return &f->txns[i];
    return NULL;
}
