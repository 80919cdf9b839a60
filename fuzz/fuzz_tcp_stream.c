/* Fuzz target: TCP stream reassembly and the SIP framing behind it
 * (src/decode/tcp_reassembly.c, sip_framing.c) with small caps: four
 * connections over a table of three, retransmissions, overlaps, holes,
 * SYN/FIN/RST and idle expiry. Input: records (fuzz_formats.h). Every
 * message handed on must start with a SIP start line and fit the cap.
 * Seeds: the SIP messages of pcaps/ as segments. */
#include "fuzz_util.h"
#include "fuzz_formats.h"
#include "sipwatch/sip_framing.h"
#include "sipwatch/tcp_reassembly.h"

#define MAX_MESSAGE 2048            /* small: inputs of a few KiB reach the oversize paths */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void deliver(void *user, const sw_payload *p)
{
    (void)user;
    if (p->len == 0 || p->len > MAX_MESSAGE || sw_sip_start_line(p->data, p->len) != SW_START_YES)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_tcp_limits lim;
    sw_tcp_limits_default(&lim);
    lim.max_connections = 3;
    lim.max_ooo_bytes_per_dir = 2048;
    lim.max_total_bytes = 8192;
    sw_tcp_table *t = sw_tcp_create(&lim, MAX_MESSAGE, deliver, NULL);
    if (!t)
        abort();
    uint32_t next[4][2];
    for (int c = 0; c < 4; c++)
        for (int d = 0; d < 2; d++)
            next[c][d] = 1000u * (uint32_t)(c + 1) + 500000u * (uint32_t)d;
    fz_reader r = {data, size};
    sw_time_us now = FZ_START_TIME;
    uint64_t frame = 0;
    while (r.n) {
        uint8_t flags = fz_u8(&r);
        int16_t off = (int16_t)fz_u16(&r);
        size_t len;
        const uint8_t *bytes = fz_bytes(&r, fz_u16(&r), &len);
        static const unsigned steps[4] = {0, 6, 13, 28};
        now += fz_step(steps[flags >> 6]);
        int c = (flags >> 4) & 3, d = flags & FZ_TCP_FROM_SERVER;
        sw_endpoint client = fz_endpoint((unsigned)c, (uint16_t)(40000 + c)), server = fz_endpoint(3, 5060);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            abort();
        memcpy(copy, bytes, len);
        sw_tcp_segment seg = {.ts = now, .frame = ++frame, .src = d ? server : client, .dst = d ? client : server,
                              .seq = next[c][d] + (uint32_t)(int32_t)off, .data = copy, .len = len};
        seg.flags = (uint8_t)(((flags & FZ_TCP_SYN) ? SW_TCP_SYN : 0) | ((flags & FZ_TCP_FIN) ? SW_TCP_FIN : 0) |
                              ((flags & FZ_TCP_RST) ? SW_TCP_RST : 0));
        sw_tcp_segment_add(t, &seg);
        uint32_t end = seg.seq + (uint32_t)len + ((seg.flags & SW_TCP_SYN) ? 1u : 0u);
        if ((int32_t)(end - next[c][d]) > 0)
            next[c][d] = end;
        free(copy);
        sw_tcp_expire(t, now);
    }
    sw_tcp_stats st;
    sw_tcp_get_stats(t, &st);
    if (st.active > lim.max_connections)
        abort();
    sw_tcp_finish(t);
    sw_tcp_destroy(t);
    return 0;
}
