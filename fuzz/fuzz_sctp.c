/* Fuzz target: SCTP user-message reassembly (src/decode/sctp_reassembly.c):
 * DATA chunks with B/E flags and TSNs, on a few streams in two directions.
 * Input: records (fuzz_formats.h). A completed message must fit the cap.
 * Seeds: the SIP messages of pcaps/, each cut into chunks. */
#include "fuzz_util.h"
#include "fuzz_formats.h"
#include "sipwatch/sctp_reassembly.h"

#define MAX_MESSAGE 2048

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_sctp_table *t = sw_sctp_create(MAX_MESSAGE);
    if (!t)
        abort();
    uint32_t next_tsn[2] = {100, 900000};
    fz_reader r = {data, size};
    sw_time_us now = FZ_START_TIME;
    sw_endpoint a = fz_endpoint(0, 5060), b = fz_endpoint(1, 5060);
    while (r.n) {
        uint8_t flags = fz_u8(&r);
        int16_t off = (int16_t)fz_u16(&r);
        size_t len;
        const uint8_t *bytes = fz_bytes(&r, fz_u16(&r), &len);
        now += fz_step((flags >> 5) * 4);
        int d = (flags >> 2) & 1;
        uint32_t tsn = next_tsn[d] + (uint32_t)(int32_t)off;
        if ((int32_t)(tsn + 1 - next_tsn[d]) > 0)
            next_tsn[d] = tsn + 1;
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            abort();
        memcpy(copy, bytes, len);
        const uint8_t *out = NULL;
        size_t out_len = 0;
        if (sw_sctp_add(t, d ? &b : &a, d ? &a : &b, (uint16_t)((flags >> 3) & 3), tsn, flags & 3, copy, len, now,
                        &out, &out_len)) {
            if (out_len > MAX_MESSAGE)
                abort();
            uint8_t x = 0;
            for (size_t i = 0; i < out_len; i++)
                x ^= out[i];
            sink = x;
        }
        free(copy);
    }
    sw_sctp_destroy(t);
    return 0;
}
