/* Call statistics: KPIs from ended call records (see sipwatch/call_stats.h). */
#include "sipwatch/call_stats.h"
#include "sipwatch/text.h"

#include <stdio.h>
#include <string.h>

const unsigned sw_pdd_bounds_ms[SW_PDD_BUCKETS] = {500, 1000, 2000, 3000, 5000, 10000, 20000};

static bool failure(sw_call_state s)
{
    return s == SW_CALL_REJECTED || s == SW_CALL_FAILED || s == SW_CALL_TIMEOUT || s == SW_CALL_BUSY ||
           s == SW_CALL_NO_ANSWER;
}

static bool delivered(const sw_call *c)
{
    return c->state == SW_CALL_ANSWERED || c->state == SW_CALL_COMPLETED || c->state == SW_CALL_BUSY ||
           c->state == SW_CALL_NO_ANSWER || c->state == SW_CALL_CANCELLED || c->final_status == 603;
}

/* The row of the INVITE's destination: its own while there is room, else "other". */
static sw_peer_calls *peer_row(sw_call_stats *s, const sw_ip_addr *ip)
{
    for (unsigned i = 0; i < s->npeers; i++)
        if (s->peers[i].peer.family && sw_ip_equal(&s->peers[i].peer, ip))
            return &s->peers[i];
    if (s->npeers < SW_CALL_PEERS) {
        sw_peer_calls *p = &s->peers[s->npeers++];
        p->peer = *ip;
        return p;
    }
    return &s->peers[SW_CALL_PEERS];
}

static void add_to_peer(sw_call_stats *s, const sw_call *c)
{
    sw_peer_calls *p = peer_row(s, &c->dst.ip);
    p->attempts++;
    if ((unsigned)c->state < SW_CALL_STATES)
        p->by_state[c->state]++;
    if (c->state == SW_CALL_ANSWERED || c->state == SW_CALL_COMPLETED)
        p->answered++;
    if (delivered(c))
        p->delivered++;
    if (c->first_provisional) {
        p->pdd_count++;
        p->pdd_ms_sum += (c->first_provisional - c->start) / 1000;
    }
    if (c->answer && c->end > c->answer && c->state == SW_CALL_COMPLETED) {
        p->duration_count++;
        p->duration_s_sum += (double)(c->end - c->answer) / 1e6;
    }
}

unsigned sw_call_stats_top_peers(const sw_call_stats *s, const sw_peer_calls **out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i <= SW_CALL_PEERS; i++) {
        const sw_peer_calls *p = &s->peers[i];
        if (!p->attempts)
            continue;
        /* insertion into out[], busiest first */
        unsigned at = n < max ? n : max;
        while (at > 0 && out[at - 1]->attempts < p->attempts)
            at--;
        if (at >= max)
            continue;
        for (unsigned k = (n < max ? n : max - 1); k > at; k--)
            out[k] = out[k - 1];
        out[at] = p;
        if (n < max)
            n++;
    }
    return n;
}

void sw_call_stats_add(sw_call_stats *s, const sw_call *c)
{
    s->records++;
    if (!c->method || strcmp(c->method, "INVITE") != 0)
        return;
    s->attempts++;
    if ((unsigned)c->state < SW_CALL_STATES)
        s->by_state[c->state]++;
    s->by_status[c->final_status < 700 ? c->final_status : 0]++;
    add_to_peer(s, c);
    if (c->first_provisional) {
        s->pdd_count++;
        uint64_t pdd = (c->first_provisional - c->start) / 1000;
        s->pdd_ms_sum += pdd;
        for (unsigned i = 0; i < SW_PDD_BUCKETS; i++)
            if (pdd <= sw_pdd_bounds_ms[i])
                s->pdd_buckets[i]++;
    }
    if (c->answer && c->end > c->answer && c->state == SW_CALL_COMPLETED) {
        s->duration_count++;
        s->duration_s_sum += (double)(c->end - c->answer) / 1e6;
    }
    if (!failure(c->state))
        return;
    s->failed++;
    if (s->nfailed_calls >= SW_FAILED_CALLS_KEPT)
        return;
    sw_failed_call *f = &s->failed_calls[s->nfailed_calls++];
    f->start = c->start;
    char buf[300];
    snprintf(buf, sizeof buf, "%s@%s", c->from_user ? c->from_user : "", c->from_host ? c->from_host : "");
    sw_copy_cut(f->from, sizeof f->from, buf);
    snprintf(buf, sizeof buf, "%s@%s", c->to_user ? c->to_user : "", c->to_host ? c->to_host : "");
    sw_copy_cut(f->to, sizeof f->to, buf);
    sw_copy_cut(f->call_id, sizeof f->call_id, c->call_id);
    sw_copy_cut(f->reason, sizeof f->reason, c->reason);
    f->state = c->state;
    f->final_status = c->final_status;
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

double sw_call_stats_asr(const sw_call_stats *s)
{
    return ratio(s->by_state[SW_CALL_ANSWERED] + s->by_state[SW_CALL_COMPLETED], s->attempts);
}

double sw_call_stats_ner(const sw_call_stats *s)
{
    uint64_t delivered = s->by_state[SW_CALL_ANSWERED] + s->by_state[SW_CALL_COMPLETED] +
                         s->by_state[SW_CALL_BUSY] + s->by_state[SW_CALL_NO_ANSWER] +
                         s->by_state[SW_CALL_CANCELLED] + s->by_status[603];
    return ratio(delivered, s->attempts);
}

double sw_call_stats_pdd_ms(const sw_call_stats *s)
{
    return ratio(s->pdd_ms_sum, s->pdd_count);
}

double sw_call_stats_acd_s(const sw_call_stats *s)
{
    return s->duration_count ? s->duration_s_sum / (double)s->duration_count : 0.0;
}
