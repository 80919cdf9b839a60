/* Media stage: the figures of one RTP stream, updated per packet with a few
 * integer and floating-point operations: extended sequence numbers (RFC 3550
 * A.1) for loss and sequence errors, interarrival jitter (RFC 3550 6.4.1)
 * in milliseconds of the codec clock, and the per-interval loss the
 * poor-quality rule judges. Loss is counted as tshark counts it: packets
 * expected from the first to the highest extended number, minus received. */
#include "sipwatch/media.h"

#include <math.h>

int64_t sw_rtp_lost(const sw_rtp_stream *s)
{
    if (!s->packets)
        return 0;
    int64_t expected = (int64_t)s->max_ext_seq - (int64_t)s->base_seq + 1;
    return expected - (int64_t)s->packets;
}

double sw_rtp_loss_percent(const sw_rtp_stream *s)
{
    if (!s->packets)
        return 0;
    int64_t expected = (int64_t)s->max_ext_seq - (int64_t)s->base_seq + 1;
    int64_t lost = sw_rtp_lost(s);
    return expected > 0 && lost > 0 ? 100.0 * (double)lost / (double)expected : 0.0;
}

double sw_rtp_jitter_mean_ms(const sw_rtp_stream *s)
{
    return s->jitter_n ? s->jitter_sum_ms / s->jitter_n : 0.0;
}

/* Extends a 16-bit number next to the highest so far: the nearest of the
 * candidates in the current, previous and next cycle. */
static uint32_t extend_seq(uint32_t max_ext, uint16_t seq)
{
    uint32_t cand = (max_ext & 0xffff0000u) | seq;
    int64_t d = (int64_t)cand - (int64_t)max_ext;
    if (d > 32768 && cand >= 65536)
        cand -= 65536;
    else if (d < -32768)
        cand += 65536;
    return cand;
}

static void close_interval(sw_rtp_stream *s, sw_time_us ts)
{
    uint32_t expected = s->max_ext_seq - s->interval_ext_seq;
    uint64_t got = s->packets - s->interval_packets;
    double loss = expected > 0 && got < expected ? 100.0 * (double)(expected - got) / expected : 0.0;
    if (loss > s->worst_interval_loss)
        s->worst_interval_loss = loss;
    if ((s->bad_loss > 0 && loss > s->bad_loss) || (s->bad_jitter > 0 && s->jitter_ms > s->bad_jitter))
        s->bad_intervals++;
    s->intervals++;
    s->interval_start = ts;
    s->interval_packets = s->packets;
    s->interval_ext_seq = s->max_ext_seq;
}

static void update_jitter(sw_rtp_stream *s, sw_time_us ts, uint32_t rtp_ts, bool marker)
{
    if (!s->rate)
        return;
    double arrival_ms = (double)(int64_t)(ts - s->last_arrival) / 1000.0;
    double media_ms = (double)(int32_t)(rtp_ts - s->last_rtp_ts) * 1000.0 / s->rate;
    double d = fabs(arrival_ms - media_ms);
    s->jitter_ms += (d - s->jitter_ms) / 16.0;
    if (marker)
        return;                     /* a talkspurt starts: its gap is not network jitter */
    if (s->jitter_ms > s->jitter_max_ms)
        s->jitter_max_ms = s->jitter_ms;
    s->jitter_sum_ms += s->jitter_ms;
    s->jitter_n++;
}

void sw_rtp_stream_packet(sw_rtp_stream *s, sw_time_us ts, uint16_t seq, uint32_t rtp_ts, bool marker, size_t len)
{
    if (!s->packets) {
        s->first_ts = s->last_ts = s->interval_start = ts;
        s->base_seq = s->max_ext_seq = seq;
        s->interval_ext_seq = seq - 1u;     /* the first packet counts in the first interval */
        s->last_rtp_ts = rtp_ts;
        s->last_arrival = ts;
        s->packets = 1;
        s->bytes = len;
        return;
    }
    uint32_t ext = extend_seq(s->max_ext_seq, seq);
    if (ext != s->max_ext_seq + 1)
        s->seq_errors++;
    if (ext > s->max_ext_seq)
        s->max_ext_seq = ext;
    else if (ext < s->base_seq)
        s->base_seq = ext;          /* reordered before the first one seen */
    update_jitter(s, ts, rtp_ts, marker);
    s->last_rtp_ts = rtp_ts;
    s->last_arrival = ts;
    if (ts > s->last_ts)
        s->last_ts = ts;
    s->packets++;
    s->bytes += len;
    if (ts >= s->interval_start + SW_MEDIA_INTERVAL)
        close_interval(s, ts);
}

bool sw_ip_is_loopback(const sw_ip_addr *ip)
{
    if (ip->family == 4)
        return ip->bytes[0] == 127;
    if (ip->family == 6) {
        for (int i = 0; i < 15; i++)
            if (ip->bytes[i])
                return false;
        return ip->bytes[15] == 1;
    }
    return false;
}

bool sw_ip_is_private(const sw_ip_addr *ip)
{
    const uint8_t *b = ip->bytes;
    if (ip->family == 4)
        return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
               (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 169 && b[1] == 254);
    if (ip->family == 6)
        return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
    return false;
}
