/* Fuzz target: the media stage (src/media/): SDP endpoints learned for a
 * few calls in a table of two, RTP and RTCP datagrams matched, latched and
 * decoded (headers, CSRC counts, compound RTCP, report blocks), streams
 * filled up to their cap, call records filled and calls forgotten.
 * Input: records (fuzz_formats.h). Invariants: the table's bounds hold
 * and a call record never lists more streams than it can hold.
 * Seeds: the SDP and the non-SIP UDP datagrams of pcaps/. */
#include "fuzz_util.h"
#include "fuzz_formats.h"
#include "sipwatch/media.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static const char *const call_ids[4] = {"c0", "c1", "c2", "c3"};

/* A message carrying an SDP with one or two media lines at endpoint k. */
static void learn(sw_media *m, unsigned call, unsigned info, bool request, uint16_t p1, uint16_t p2,
                  const uint8_t *b, size_t n, sw_time_us now)
{
    sw_sip_msg *msg = calloc(1, sizeof *msg);
    if (!msg)
        abort();
    msg->ts = now;
    msg->call_id = call_ids[call & 3];
    msg->from_tag = (info & 0x40) ? "b" : "a";
    msg->to_tag = (info & 0x80) ? "t" : NULL;
    msg->is_request = request;
    msg->status = request ? 0 : 200;
    msg->src = fz_endpoint(info & 7, 5060);
    msg->sdp.present = true;
    msg->sdp.ice = n && (b[0] & 1);
    msg->sdp.nmedia = p2 ? 2 : 1;
    for (unsigned i = 0; i < msg->sdp.nmedia; i++) {
        sw_sdp_media *md = &msg->sdp.media[i];
        md->kind = (uint8_t)(i ? (n > 1 ? b[1] & 3 : 1) : SW_SDP_AUDIO);
        md->port = i ? p2 : p1;
        md->addr = fz_endpoint((info >> 3) & 7, 0).ip;
        md->dir = (uint8_t)((info >> 6) & 3);
        md->t38 = md->kind == SW_SDP_IMAGE;
        for (size_t c = 2; c < n && md->ncodecs < SW_SDP_CODECS; c++) {
            sw_sdp_codec *cd = &md->codecs[md->ncodecs++];
            cd->pt = b[c] & 0x7f;
            cd->rate = b[c] & 0x80 ? 48000 : sw_rtp_static_rate(cd->pt);
            memcpy(cd->name, c & 1 ? "PCMU" : "opus", 5);
        }
    }
    sw_media_learn(m, msg);
    free(msg);
}

static void forget(sw_media *m, unsigned call)
{
    sw_call rec;
    memset(&rec, 0, sizeof rec);
    const sw_media_call *mc = sw_media_find(m, call_ids[call & 3]);
    if (mc && (mc->nstreams > SW_MEDIA_STREAMS || mc->nendpoints > SW_MEDIA_ENDPOINTS))
        abort();
    sw_media_fill_call(mc, sw_media_seen(m), &rec);
    if (rec.media > SW_CALL_MEDIA_SEEN)
        abort();
    sw_media_forget(m, call_ids[call & 3]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_media_config cfg = {.max_calls = 2, .bad_loss_percent = 5, .bad_jitter_ms = 30};
    sw_media *m = sw_media_create(&cfg);
    if (!m)
        abort();
    fz_reader r = {data, size};
    sw_time_us now = FZ_START_TIME;
    while (r.n) {
        uint8_t flags = fz_u8(&r), info = fz_u8(&r);
        uint16_t p1 = fz_u16(&r), p2 = fz_u16(&r);
        size_t len;
        const uint8_t *bytes = fz_bytes(&r, fz_u16(&r), &len);
        now += fz_step((flags >> 5) * 4);
        unsigned call = (flags >> 2) & 3;
        switch (flags & FZ_MEDIA_KIND) {
        case FZ_MEDIA_LEARN:
            learn(m, call, info, (flags & 0x10) != 0, p1, p2, bytes, len, now);
            break;
        case FZ_MEDIA_FORGET:
            forget(m, call);
            break;
        default: {
            uint8_t *copy = malloc(len ? len : 1);     /* exact size: ASan sees any over-read */
            if (!copy)
                abort();
            memcpy(copy, bytes, len);
            sw_payload p = {.ts = now, .src = fz_endpoint(info & 7, p1), .dst = fz_endpoint((info >> 3) & 7, p2),
                            .data = copy, .len = len, .media = 1};
            sw_media_datagram(m, &p);
            free(copy);
        }
        }
    }
    sw_media_stats st;
    sw_media_get_stats(m, &st);
    if (st.active_calls > cfg.max_calls)
        abort();
    for (unsigned c = 0; c < 4; c++)
        forget(m, c);
    sw_media_destroy(m);
    return 0;
}
