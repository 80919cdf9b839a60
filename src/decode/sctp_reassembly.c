/* SCTP user-message reassembly (RFC 9260 §6.9): DATA chunks flagged B, then
 * middle chunks, then E, with consecutive TSNs, joined per (source,
 * destination, stream). A small fixed slot array is enough: SIP over SCTP
 * rarely has more than a few fragmented messages in flight per capture
 * point, and a new message takes the least recently used slot. */
#include "sipwatch/sctp_reassembly.h"

#include <stdlib.h>
#include <string.h>

#define SW_SCTP_SLOTS 64

typedef struct sctp_slot {
    bool used;
    sw_endpoint src, dst;
    uint16_t stream;
    uint32_t next_tsn;
    sw_time_us last;
    uint8_t *buf;
    size_t len, cap;
} sctp_slot;

struct sw_sctp_table {
    size_t max_len;
    sctp_slot slots[SW_SCTP_SLOTS];
    uint8_t *done;              /* the last completed message, handed out */
    sw_sctp_stats stats;
};

sw_sctp_table *sw_sctp_create(size_t max_message_len)
{
    sw_sctp_table *t = calloc(1, sizeof *t);
    if (t)
        t->max_len = max_message_len ? max_message_len : 65536;
    return t;
}

static void slot_clear(sctp_slot *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

void sw_sctp_destroy(sw_sctp_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < SW_SCTP_SLOTS; i++)
        slot_clear(&t->slots[i]);
    free(t->done);
    free(t);
}

static bool same_flow(const sctp_slot *s, const sw_endpoint *src, const sw_endpoint *dst, uint16_t stream)
{
    return s->used && s->stream == stream && s->src.port == src->port && s->dst.port == dst->port &&
           sw_ip_equal(&s->src.ip, &src->ip) && sw_ip_equal(&s->dst.ip, &dst->ip);
}

static bool slot_append(sw_sctp_table *t, sctp_slot *s, const uint8_t *data, size_t len)
{
    if (s->len + len > t->max_len)
        return false;
    if (len == 0)
        return true;            /* nothing to copy (and no buffer yet, perhaps) */
    if (s->len + len > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 4096;
        while (ncap < s->len + len)
            ncap *= 2;
        uint8_t *nb = realloc(s->buf, ncap);
        if (!nb)
            return false;
        s->buf = nb;
        s->cap = ncap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return true;
}

bool sw_sctp_add(sw_sctp_table *t, const sw_endpoint *src, const sw_endpoint *dst, uint16_t stream,
                 uint32_t tsn, uint8_t flags, const uint8_t *data, size_t len, sw_time_us now,
                 const uint8_t **out, size_t *out_len)
{
    t->stats.fragments++;
    free(t->done);
    t->done = NULL;

    sctp_slot *slot = NULL;
    for (int i = 0; i < SW_SCTP_SLOTS && !slot; i++)
        if (same_flow(&t->slots[i], src, dst, stream))
            slot = &t->slots[i];

    if (flags & SW_SCTP_FLAG_BEGIN) {
        if (slot) {
            t->stats.dropped++;             /* the previous message never ended */
            slot_clear(slot);
        } else {
            slot = &t->slots[0];
            for (int i = 0; i < SW_SCTP_SLOTS; i++) {
                if (!t->slots[i].used) {
                    slot = &t->slots[i];
                    break;
                }
                if (t->slots[i].last < slot->last)
                    slot = &t->slots[i];
            }
            if (slot->used) {
                t->stats.dropped++;
                slot_clear(slot);
            }
        }
        slot->used = true;
        slot->src = *src;
        slot->dst = *dst;
        slot->stream = stream;
    } else if (!slot || tsn != slot->next_tsn) {
        t->stats.dropped++;
        if (slot)
            slot_clear(slot);
        return false;
    }

    slot->last = now;
    slot->next_tsn = tsn + 1;
    if (!slot_append(t, slot, data, len)) {
        t->stats.dropped++;
        slot_clear(slot);
        return false;
    }
    if (!(flags & SW_SCTP_FLAG_END))
        return false;

    t->done = slot->buf;
    *out = slot->buf;
    *out_len = slot->len;
    slot->buf = NULL;
    slot_clear(slot);
    t->stats.reassembled++;
    return true;
}

void sw_sctp_get_stats(const sw_sctp_table *t, sw_sctp_stats *stats)
{
    *stats = t->stats;
}
