/* Fuzz target: a sequence of SIP messages through parsing, correlation,
 * every rule and every writer. The input is split on FZ_SIP_SEPARATOR; each
 * piece is one control byte and a message. The control byte picks the
 * direction (bit 0: from the second endpoint), the transport (bits 1-2) and
 * how far the capture clock moves before the message (bits 3-7, through
 * fz_step, so timeouts fire). Seeds: the SIP messages of pcaps/. */
#include "fuzz_pipeline.h"
#include "fuzz_util.h"
#include "fuzz_formats.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_pipeline_init();
    return 0;
}

static const uint8_t *find_separator(const uint8_t *p, size_t n)
{
    const size_t k = sizeof FZ_SIP_SEPARATOR - 1;
    while (n >= k) {
        const uint8_t *z = memchr(p, FZ_SIP_SEPARATOR[0], n - k + 1);
        if (!z)
            return NULL;
        if (memcmp(z, FZ_SIP_SEPARATOR, k) == 0)
            return z;
        n -= (size_t)(z + 1 - p);
        p = z + 1;
    }
    return NULL;
}

static void one_message(fz_pipeline *pl, const uint8_t *p, size_t n, sw_time_us *now, uint64_t frame)
{
    if (n == 0)
        return;
    uint8_t ctl = p[0];
    *now += fz_step(ctl >> 3);
    fz_pipeline_advance(pl, *now);
    if (n == 1)
        return;
    /* The message gets a heap copy of its own size, so reads past its end show. */
    uint8_t *copy = malloc(n - 1);
    if (!copy)
        return;
    memcpy(copy, p + 1, n - 1);
    sw_endpoint a = fz_endpoint(0, 5060), b = fz_endpoint(1, 5060);
    sw_payload m = {.ts = *now, .frame = frame, .transport = (sw_transport)((ctl >> 1) & 3),
                    .src = (ctl & 1) ? b : a, .dst = (ctl & 1) ? a : b, .data = copy, .len = n - 1};
    fz_pipeline_message(pl, &m);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_pipeline *pl = fz_pipeline_create();
    sw_time_us now = FZ_START_TIME;
    uint64_t frame = 0;
    const size_t k = sizeof FZ_SIP_SEPARATOR - 1;
    while (size) {
        const uint8_t *sep = find_separator(data, size);
        size_t n = sep ? (size_t)(sep - data) : size;
        one_message(pl, data, n, &now, ++frame);
        if (!sep)
            break;
        data += n + k;
        size -= n + k;
    }
    fz_pipeline_finish(pl, now);
    fz_pipeline_destroy(pl);
    return 0;
}
