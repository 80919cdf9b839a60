/* Fuzz target: one SIP framer (src/decode/sip_framing.c) fed stream bytes
 * in arbitrary pieces with gaps: start-line detection, Content-Length
 * framing, keep-alives, resynchronisation, TLS/HTTP detection, the HTTP
 * Upgrade and WebSocket frames (masked, fragmented, control frames).
 * Input: setup byte and records (fuzz_formats.h). Every message handed on
 * must start with a SIP start line and fit the cap. Seeds: the SIP messages
 * of pcaps/, plain and as WebSocket frames after an Upgrade. */
#include "fuzz_util.h"
#include "fuzz_formats.h"
#include "sipwatch/sip_framing.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void deliver(void *user, const sw_payload *p)
{
    const size_t *max = user;
    if (p->len == 0 || p->len > *max || sw_sip_start_line(p->data, p->len) != SW_START_YES)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[4] = {512, 4096, 65536, 262144};
    fz_reader r = {data, size};
    uint8_t setup = fz_u8(&r);
    size_t max = caps[(setup >> 2) & 3];
    sw_framer f;
    memset(&f, 0, sizeof f);
    if (setup & 1)
        f.mode = SW_FRAMER_WEBSOCKET;
    sw_framer_stats stats;
    memset(&stats, 0, sizeof stats);
    sw_framer_sink sink = {.deliver = deliver, .user = &max, .stats = &stats, .max_message_len = max};
    sink.tmpl.transport = SW_TRANSPORT_TCP;
    while (r.n) {
        uint16_t want = fz_u16(&r);
        if (want == FZ_FRAMING_GAP) {
            sw_framer_gap(&f);
            continue;
        }
        size_t len;
        const uint8_t *bytes = fz_bytes(&r, want, &len);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            abort();
        memcpy(copy, bytes, len);
        sw_framer_feed(&f, copy, len, &sink);
        free(copy);
        if (f.len > max + 16)
            abort();                /* the buffer stays within one message's worth */
    }
    sw_framer_release(&f);
    return 0;
}
