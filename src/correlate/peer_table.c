/* Peer table and sliding windows (see peer_table.h). */
#include "peer_table.h"
#include "corr_util.h"

#include <stdlib.h>
#include <string.h>

#define SW_WINDOW_BUCKET_US (5 * SW_USEC_PER_SEC)


/* The windows share one epoch: moving it on empties the buckets it passes
 * in every window, which is what each would have read as stale anyway. */
void peer_window_add(sw_peer *p, sw_peer_window w, sw_time_us now)
{
    uint32_t b = (uint32_t)(now / SW_WINDOW_BUCKET_US);
    if (b > p->window_epoch) {
        uint64_t gap = b - p->window_epoch;
        if (gap >= SW_WINDOW_BUCKETS)
            memset(p->window, 0, sizeof p->window);
        else
            for (uint64_t i = 1; i <= gap; i++)
                for (unsigned k = 0; k < SW_PEER_WINDOWS; k++)
                    p->window[k][(p->window_epoch + i) % SW_WINDOW_BUCKETS] = 0;
        p->window_epoch = b;
    }
    if (p->window_epoch - b < SW_WINDOW_BUCKETS) {
        uint16_t *c = &p->window[w][b % SW_WINDOW_BUCKETS];
        if (*c < UINT16_MAX)
            (*c)++;
    }
}

uint32_t sw_peer_window_sum(const sw_peer *p, sw_peer_window w, sw_time_us now)
{
    uint64_t nb = now / SW_WINDOW_BUCKET_US;
    uint32_t sum = 0;
    for (uint64_t i = 0; i < SW_WINDOW_BUCKETS; i++) {
        if (p->window_epoch < i)
            break;
        uint64_t b = p->window_epoch - i;
        if (b + SW_WINDOW_BUCKETS > nb)
            sum += p->window[w][b % SW_WINDOW_BUCKETS];
    }
    return sum;
}

bool peer_table_init(peer_table *t, size_t max_peers, sw_time_us idle_timeout)
{
    memset(t, 0, sizeof *t);
    t->max = max_peers ? max_peers : 16384;
    sw_object_pool_init(&t->nodes, sizeof(peer_node), 256);
    t->idle_timeout = idle_timeout;
    t->nbuckets = 256;
    while (t->nbuckets < t->max && t->nbuckets < (1u << 20))
        t->nbuckets *= 2;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    return t->buckets != NULL;
}

static void lru_unlink(peer_table *t, peer_node *n)
{
    if (n->prev) n->prev->next = n->next; else t->lru_head = n->next;
    if (n->next) n->next->prev = n->prev; else t->lru_tail = n->prev;
    n->prev = n->next = NULL;
}

static void lru_append(peer_table *t, peer_node *n)
{
    n->prev = t->lru_tail;
    n->next = NULL;
    if (t->lru_tail) t->lru_tail->next = n; else t->lru_head = n;
    t->lru_tail = n;
}

static void peer_free(peer_table *t, peer_node *n)
{
    peer_node **pp = &t->buckets[ip_hash(&n->peer.ip) & (t->nbuckets - 1)];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    lru_unlink(t, n);
    t->active--;
    free(n->peer.user_agent);
    sw_object_pool_free(&t->nodes, n);
}

void peer_table_free(peer_table *t)
{
    while (t->lru_head)
        peer_free(t, t->lru_head);
    free(t->buckets);
    t->buckets = NULL;
    sw_object_pool_destroy(&t->nodes);
}

sw_peer *peer_table_get(peer_table *t, const sw_ip_addr *ip, sw_time_us now)
{
    if (!ip->family)
        return NULL;
    uint64_t h = ip_hash(ip);
    peer_node *n = t->buckets[h & (t->nbuckets - 1)];
    while (n && !sw_ip_equal(&n->peer.ip, ip))
        n = n->hnext;
    if (!n) {
        while (t->lru_head && (t->active >= t->max || t->lru_head->peer.last_ts + t->idle_timeout < now)) {
            if (t->lru_head->peer.last_ts + t->idle_timeout >= now)
                t->evicted++;       /* pushed out while still active; idle ones just expire */
            peer_free(t, t->lru_head);
        }
        n = sw_object_pool_alloc(&t->nodes);
        if (!n)
            return NULL;
        n->peer.ip = *ip;
        n->hnext = t->buckets[h & (t->nbuckets - 1)];
        t->buckets[h & (t->nbuckets - 1)] = n;
        t->created++;
        t->active++;
    } else {
        lru_unlink(t, n);
    }
    n->peer.last_ts = now;
    lru_append(t, n);
    return &n->peer;
}



void peer_set_user_agent(sw_peer *p, const char *user_agent)
{
    char cut[64];
    sw_copy_cut(cut, sizeof cut, user_agent);
    if (p->user_agent && strcmp(p->user_agent, cut) == 0)
        return;
    char *copy = strdup(cut);
    if (!copy)
        return;                     /* out of memory: the previous one stays */
    free(p->user_agent);
    p->user_agent = copy;
}

void peer_note_user(sw_peer *p, const char *user, sw_time_us now)
{
    if (!user || !*user)
        return;
    uint32_t h = (uint32_t)hash_str(FNV_SEED, user);
    for (unsigned i = 0; i < SW_PEER_USERS; i++)
        if (p->user_hash[i] == h)
            return;
    p->user_hash[p->user_next++ % SW_PEER_USERS] = h;
    peer_window_add(p, SW_PEER_USERS_TRIED, now);
}
