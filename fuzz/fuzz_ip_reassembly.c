/* Fuzz target: IPv4/IPv6 fragment reassembly (src/decode/ip_reassembly.c)
 * with a small table, so eviction, timeouts, overlaps and conflicting ends
 * all run. Input: records (fuzz_formats.h). A completed datagram must hold
 * exactly as many bytes as it says, within the cap. Seeds: the SIP
 * datagrams of pcaps/, cut into fragments. */
#include "fuzz_util.h"
#include "fuzz_formats.h"
#include "sipwatch/ip_reassembly.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_ipfrag_limits lim;
    sw_ipfrag_limits_default(&lim);
    lim.max_datagrams = 4;
    lim.max_bytes = 4096;
    sw_ipfrag_table *t = sw_ipfrag_create(&lim);
    if (!t)
        abort();
    fz_reader r = {data, size};
    sw_time_us now = FZ_START_TIME;
    while (r.n) {
        uint8_t flags = fz_u8(&r);
        uint32_t offset = (uint32_t)fz_u16(&r) * 8;
        size_t len;
        const uint8_t *bytes = fz_bytes(&r, fz_u16(&r), &len);
        now += fz_step((flags >> 5) * 3);
        sw_ipfrag_key key;
        memset(&key, 0, sizeof key);
        bool v6 = flags & 0x02;
        key.src = fz_endpoint((v6 ? 4 : 0) + ((flags >> 4) & 1), 0).ip;
        key.dst = fz_endpoint(v6 ? 5 : 2, 0).ip;
        key.id = (flags >> 2) & 3;
        key.protocol = 17;
        uint8_t *copy = malloc(len ? len : 1);     /* its own size: overreads show */
        if (!copy)
            abort();
        memcpy(copy, bytes, len);
        const uint8_t *out = NULL;
        size_t out_len = 0;
        if (sw_ipfrag_add(t, &key, offset, copy, len, flags & 0x01, now, &out, &out_len)) {
            if (out_len > lim.max_datagram_len)
                abort();
            uint8_t x = 0;
            for (size_t i = 0; i < out_len; i++)
                x ^= out[i];
            sink = x;
        }
        free(copy);
        sw_ipfrag_expire(t, now);
    }
    sw_ipfrag_stats st;
    sw_ipfrag_get_stats(t, &st);
    if (st.bytes_held > lim.max_bytes || st.active > lim.max_datagrams)
        abort();
    sw_ipfrag_destroy(t);
    return 0;
}
