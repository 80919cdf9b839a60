/* Fuzz target: a whole capture file, through the whole packet-to-finding
 * path: libpcap reads it (from a memory file), sw_capture hands on frames,
 * the decoder walks link layer, IP (fragments), tunnels, UDP, TCP (stream
 * reassembly and framing) and SCTP, and every SIP message goes through the
 * analysis pipeline (fuzz_pipeline.c). Seeds: the captures in pcaps/. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_pipeline.h"
#include "fuzz_util.h"
#include "sipwatch/capture.h"
#include "sipwatch/decode.h"

static int memfd = -1;
static char path[64];

typedef struct run {
    sw_decoder *decoder;
    fz_pipeline *pipeline;
    sw_time_us last_ts;
} run;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_pipeline_init();
    memfd = memfd_create("sipwatch-fuzz-pcap", 0);
    if (memfd < 0)
        abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    return 0;
}

static void on_payload(void *user, const sw_payload *payload)
{
    run *r = user;
    fz_pipeline_message(r->pipeline, payload);
}

static void on_frame(void *user, sw_time_us ts, const uint8_t *data, size_t caplen, size_t wirelen)
{
    run *r = user;
    if (ts > r->last_ts)
        r->last_ts = ts;
    sw_decoder_frame(r->decoder, ts, data, caplen, wirelen);
}

static bool write_input(const uint8_t *data, size_t size)
{
    if (ftruncate(memfd, 0) != 0)
        return false;
    for (size_t off = 0; off < size;) {
        ssize_t w = pwrite(memfd, data + off, size - off, (off_t)off);
        if (w <= 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!write_input(data, size))
        return 0;
    sw_capture_config cfg;
    sw_capture_config_default(&cfg);
    cfg.file = path;
    sw_capture *cap = NULL;
    char err[256];
    if (sw_capture_open(&cfg, sw_decode_linktype_supported, &cap, err, sizeof err) != SW_CAPTURE_OPEN_OK)
        return 0;
    run r = {0};
    sw_decode_config dcfg;
    sw_decode_config_default(&dcfg);
    dcfg.max_message_len = 16384;           /* small: the oversize paths run too */
    dcfg.tcp.max_connections = 8;
    dcfg.ipfrag.max_datagrams = 8;
    r.decoder = sw_decoder_create(&dcfg, on_payload, &r);
    r.pipeline = fz_pipeline_create();
    if (!r.decoder || !sw_decoder_set_linktype(r.decoder, sw_capture_datalink(cap)))
        abort();
    volatile sig_atomic_t stop = 0;
    sw_capture_run(cap, on_frame, NULL, &r, &stop);
    sw_decoder_finish(r.decoder, r.last_ts);
    fz_pipeline_finish(r.pipeline, r.last_ts);
    sw_decode_stats ds;
    sw_ipfrag_stats fs;
    sw_tcp_stats ts;
    sw_decoder_get_stats(r.decoder, &ds, &fs, &ts);
    fz_pipeline_destroy(r.pipeline);
    sw_decoder_destroy(r.decoder);
    sw_capture_close(cap);
    return 0;
}
