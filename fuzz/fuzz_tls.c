/* Fuzz target: the TLS record layer of one connection (src/decode/
 * tls_record.c, with tls_keylog.c and tls_decrypt.c behind it): record
 * headers, the hellos, ChangeCipherSpec, TLS 1.2 and 1.3 decryption with
 * keys from a key log carried in the input, inner content types, handshake
 * walks, KeyUpdates, records held for a key (with a key log "file" that
 * never grows), gaps, and the SIP framing of what was decrypted.
 * Input: setup byte, key log text, then records (fuzz_formats.h). Checks:
 * every message handed on starts with a SIP start line and fits the cap, and
 * the bytes a connection holds stay within their bounds. Seeds: the TLS
 * captures of pcaps/ with their key logs. */
#include "fuzz_util.h"
#include "fuzz_formats.h"
#include "sipwatch/tls.h"

#define MAX_MESSAGE 65536

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void deliver(void *user, const sw_payload *p)
{
    (void)user;
    if (p->len == 0 || p->len > MAX_MESSAGE || sw_sip_start_line(p->data, p->len) != SW_START_YES ||
        p->transport != SW_TRANSPORT_TLS)
        abort();
}

static sw_tls_keylog *keylog_from(fz_reader *r, uint8_t setup)
{
    if (setup & FZ_TLS_NO_KEYLOG)
        return NULL;
    sw_tls_keylog *kl = sw_tls_keylog_create(8);
    if (!kl)
        abort();
    char err[128];
    if ((setup & FZ_TLS_KEYLOG_FILE) && !sw_tls_keylog_add_file(kl, "/dev/null", err, sizeof err))
        abort();                        /* a registered file: records wait for keys */
    size_t len;
    const uint8_t *text = fz_bytes(r, fz_u16(r), &len);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || text[i] == '\n') {
            sw_tls_keylog_add_line(kl, (const char *)text + start, i - start);
            start = i + 1;
        }
    return kl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader r = {data, size};
    uint8_t setup = fz_u8(&r);
    sw_tls_keylog *kl = keylog_from(&r, setup);
    sw_tls_stats stats;
    memset(&stats, 0, sizeof stats);
    sw_framer_stats fstats;
    memset(&fstats, 0, sizeof fstats);
    sw_tls_env env = {.keylog = kl, .stats = &stats};
    for (int d = 0; d < 2; d++) {
        sw_framer_sink *s = &env.sink[d];
        s->tmpl.src = fz_endpoint((unsigned)d, d ? 5061 : 40000);
        s->tmpl.dst = fz_endpoint((unsigned)(1 - d), d ? 40000 : 5061);
        s->tmpl.transport = SW_TRANSPORT_TLS;
        s->tmpl.ts = FZ_START_TIME;
        s->deliver = deliver;
        s->stats = &fstats;
        s->max_message_len = MAX_MESSAGE;
    }
    sw_tls_conn *c = sw_tls_conn_create(&stats);
    if (!c)
        abort();
    sw_time_us now = FZ_START_TIME;
    while (r.n) {
        uint8_t op = fz_u8(&r);
        int d = op & FZ_TLS_FROM_SERVER;
        now += fz_step(op >> 3);
        env.sink[0].tmpl.ts = env.sink[1].tmpl.ts = now;
        if (op & FZ_TLS_GAP) {
            sw_tls_conn_gap(c, d, &env);
            continue;
        }
        size_t len;
        const uint8_t *bytes = fz_bytes(&r, fz_u16(&r), &len);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            abort();
        memcpy(copy, bytes, len);
        sw_tls_conn_feed(c, d, copy, len, &env);
        free(copy);
        if (sw_tls_conn_held(c) > 2 * (5 + 16384 + 2048) + SW_TLS_PENDING_BYTES + 2 * 4 * (MAX_MESSAGE + 16))
            abort();
    }
    sw_tls_conn_finish(c, &env);
    if (stats.decrypted > 1 || stats.connections != 1)
        abort();
    sw_tls_conn_destroy(c);
    sw_tls_keylog_destroy(kl);
    return 0;
}
