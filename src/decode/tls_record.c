/* The TLS record layer of one TCP connection: cuts each direction's bytes
 * into records, reads the hellos (client and server random, version, cipher
 * suite), follows ChangeCipherSpec (TLS 1.2) or the handshake and application
 * epochs and KeyUpdates (TLS 1.3), decrypts with keys from the key log and
 * frames the plaintext as SIP. Records that arrive before their key are held
 * (bounded in count, bytes and capture time); what cannot be decrypted is
 * counted once per connection with its reason. */
#include "sipwatch/tls.h"

#include <stdlib.h>
#include <string.h>

#define REC_HDR 5
#define REC_MAX (16384 + 2048)
#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24

typedef struct held_rec {
    struct held_rec *next;
    int d;
    sw_time_us ts;
    uint64_t frame;
    size_t len;
    uint8_t rec[];
} held_rec;

typedef struct tls_dir {
    uint8_t hdr[REC_HDR];           /* a record split over feeds: its header, */
    uint8_t *rec;                   /* then the whole record (need bytes) being assembled */
    size_t have, need;
    bool ccs;                       /* TLS 1.2: ChangeCipherSpec seen, records encrypted from here */
    uint8_t epoch;                  /* TLS 1.3: 1 handshake keys, 2 application keys */
    bool to_app, update;            /* after this record: application keys / the next keys */
    uint8_t hs_hdr[4], hs_hdr_have; /* walk of the handshake messages inside decrypted records */
    uint32_t hs_need;
    sw_tls_cipher cipher;
    sw_framer plain;
    bool dead;                      /* this direction lost its way (the other may go on) */
} tls_dir;

struct sw_tls_conn {
    tls_dir dir[2];
    int client;                     /* the direction that sent the ClientHello; -1 before */
    uint8_t client_random[32], server_random[32];
    bool have_client_hello, have_server_hello, tls13;
    const sw_tls_suite *suite;
    bool dead;                      /* nothing more will be decrypted */
    bool decrypted;                 /* counted as decrypted */
    bool waited;                    /* records were held for a key */
    uint8_t reason;                 /* sw_tls_reason, counted */
    held_rec *held, *held_tail;
    size_t held_count, held_bytes;
    sw_time_us held_since;
    uint64_t tried_generation;      /* key log generation of the last failed look-up */
};

typedef enum { REC_DONE, REC_NEED_KEY } rec_result;

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

const char *sw_tls_reason_name(sw_tls_reason r)
{
    switch (r) {
    case SW_TLS_NO_KEY: return "no_key";
    case SW_TLS_UNSUPPORTED: return "unsupported";
    case SW_TLS_MIDSTREAM: return "midstream";
    case SW_TLS_DAMAGED: return "damaged";
    default: return "none";
    }
}

sw_tls_conn *sw_tls_conn_create(sw_tls_stats *stats)
{
    sw_tls_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->client = -1;
    if (stats)
        stats->connections++;
    return c;
}

static void drop_held(sw_tls_conn *c)
{
    while (c->held) {
        held_rec *h = c->held;
        c->held = h->next;
        free(h);
    }
    c->held_tail = NULL;
    c->held_count = c->held_bytes = 0;
}

/* Counts the first reason a connection could not be (fully) read. */
static void set_reason(sw_tls_conn *c, sw_tls_reason r, const sw_tls_env *env)
{
    if (c->reason)
        return;
    c->reason = (uint8_t)r;
    sw_tls_stats *s = env->stats;
    switch (r) {
    case SW_TLS_NO_KEY: s->no_key++; break;
    case SW_TLS_UNSUPPORTED: s->unsupported++; break;
    case SW_TLS_MIDSTREAM: s->midstream++; break;
    case SW_TLS_DAMAGED: s->damaged++; break;
    default: break;
    }
    if (s->nsamples < SW_TLS_SAMPLES) {
        int cl = c->client >= 0 ? c->client : 0;
        sw_tls_sample *x = &s->samples[s->nsamples++];
        x->client = env->sink[cl].tmpl.src;
        x->server = env->sink[cl].tmpl.dst;
        x->ts = env->sink[cl].tmpl.ts;
        x->reason = (uint8_t)r;
    }
}

static void give_up(sw_tls_conn *c, sw_tls_reason r, const sw_tls_env *env)
{
    set_reason(c, r, env);
    c->dead = true;
    drop_held(c);
}

/* One direction is damaged (a record lost or not authentic): the other goes on. */
static void dir_damaged(sw_tls_conn *c, int d, const sw_tls_env *env)
{
    set_reason(c, SW_TLS_DAMAGED, env);
    c->dir[d].dead = true;
    if (c->dir[1 - d].dead)
        give_up(c, SW_TLS_DAMAGED, env);
}

static uint32_t rd24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* The extensions of a ServerHello: is supported_versions TLS 1.3? */
static bool server_hello_tls13(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i + 4 <= n) {
        unsigned type = (unsigned)p[i] << 8 | p[i + 1], len = (unsigned)p[i + 2] << 8 | p[i + 3];
        if (i + 4 + len > n)
            return false;
        if (type == 0x002b && len == 2)
            return p[i + 4] == 0x03 && p[i + 5] == 0x04;
        i += 4 + len;
    }
    return false;
}

/* ServerHello (RFC 5246 7.4.1.3, RFC 8446 4.1.3): random, version, suite. */
static void server_hello(sw_tls_conn *c, int d, const uint8_t *p, size_t n, const sw_tls_env *env)
{
    if (n < 38 + 1) {
        give_up(c, SW_TLS_DAMAGED, env);
        return;
    }
    size_t sid = p[38], at = 39 + sid;
    if (at + 3 > n) {
        give_up(c, SW_TLS_DAMAGED, env);
        return;
    }
    if (memcmp(p + 6, hrr_random, 32) == 0)
        return;                         /* HelloRetryRequest: the real ServerHello follows */
    memcpy(c->server_random, p + 6, 32);
    uint16_t version = (uint16_t)(p[4] << 8 | p[5]), suite = (uint16_t)(p[at] << 8 | p[at + 1]);
    at += 3;
    if (at + 2 <= n) {
        size_t elen = (size_t)p[at] << 8 | p[at + 1];
        c->tls13 = server_hello_tls13(p + at + 2, elen < n - at - 2 ? elen : n - at - 2);
    }
    c->have_server_hello = true;
    if (c->client < 0)
        c->client = 1 - d;
    c->suite = sw_tls_suite_find(suite, c->tls13);
    if ((!c->tls13 && version != 0x0303) || !c->suite) {
        give_up(c, SW_TLS_UNSUPPORTED, env);
        return;
    }
    if (c->tls13)
        c->dir[0].epoch = c->dir[1].epoch = 1;
}

/* A handshake record in clear: the hellos. */
static void clear_handshake(sw_tls_conn *c, int d, const uint8_t *p, size_t n, const sw_tls_env *env)
{
    if (n < 4)
        return;
    if (p[0] == HS_CLIENT_HELLO && !c->have_client_hello) {
        if (n < 38) {
            give_up(c, SW_TLS_DAMAGED, env);
            return;
        }
        memcpy(c->client_random, p + 6, 32);
        c->have_client_hello = true;
        c->client = d;
    } else if (p[0] == HS_SERVER_HELLO && !c->have_server_hello && d != c->client) {
        server_hello(c, d, p, n, env);
    }
}

/* Looks up this direction's key for its current epoch. */
static rec_result need_keys(sw_tls_conn *c, int d, const sw_tls_env *env)
{
    tls_dir *t = &c->dir[d];
    uint8_t secret[SW_TLS_MAX_SECRET];
    bool is_client = d == c->client;
    sw_tls_secret_kind kind = !c->tls13 ? SW_TLS_MASTER
                              : t->epoch == 1 ? (is_client ? SW_TLS_CLIENT_HS : SW_TLS_SERVER_HS)
                                              : (is_client ? SW_TLS_CLIENT_APP : SW_TLS_SERVER_APP);
    size_t len = sw_tls_keylog_find(env->keylog, c->client_random, kind, secret);
    if (!len) {
        if (!sw_tls_keylog_files(env->keylog)) {
            give_up(c, SW_TLS_NO_KEY, env);     /* no key log at all: nothing to wait for */
            return REC_DONE;
        }
        c->tried_generation = sw_tls_keylog_generation(env->keylog);
        return REC_NEED_KEY;
    }
    bool ok;
    if (c->tls13) {
        ok = sw_tls13_cipher_init(&t->cipher, c->suite, secret, len);
    } else {
        tls_dir *cl = &c->dir[c->client], *sv = &c->dir[1 - c->client];
        ok = sw_tls12_ciphers_init(&cl->cipher, &sv->cipher, c->suite, secret, len, c->client_random,
                                   c->server_random);
    }
    memset(secret, 0, sizeof secret);
    if (!ok)
        give_up(c, SW_TLS_DAMAGED, env);    /* a secret of the wrong length for the suite */
    return REC_DONE;
}

/* TLS 1.3: the handshake messages in a decrypted record, for Finished and KeyUpdate. */
static void walk_handshake(tls_dir *t, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (t->hs_need) {
            size_t k = n - i < t->hs_need ? n - i : t->hs_need;
            t->hs_need -= (uint32_t)k;
            i += k;
            continue;
        }
        t->hs_hdr[t->hs_hdr_have++] = p[i++];
        if (t->hs_hdr_have < 4)
            continue;
        t->hs_hdr_have = 0;
        t->hs_need = rd24(t->hs_hdr + 1);
        if (t->epoch == 1 && t->hs_hdr[0] == HS_FINISHED)
            t->to_app = true;
        else if (t->epoch == 2 && t->hs_hdr[0] == HS_KEY_UPDATE)
            t->update = true;
    }
}

/* What a decrypted record carries: SIP to the framer, handshake to the walk. */
static void plaintext(sw_tls_conn *c, int d, uint8_t type, uint8_t *p, size_t n, const sw_tls_env *env)
{
    tls_dir *t = &c->dir[d];
    if (c->tls13) {
        while (n && p[n - 1] == 0)
            n--;
        if (!n) {
            dir_damaged(c, d, env);
            return;
        }
        type = p[--n];
    }
    if (type == CT_APPDATA && n)
        sw_framer_feed(&t->plain, p, n, &env->sink[d]);
    else if (type == CT_HANDSHAKE && c->tls13)
        walk_handshake(t, p, n);
}

static rec_result decrypt_record(sw_tls_conn *c, int d, const uint8_t *rec, size_t n, const sw_tls_env *env)
{
    tls_dir *t = &c->dir[d];
    if (!t->cipher.ready) {
        rec_result r = need_keys(c, d, env);
        if (r == REC_NEED_KEY || c->dead)
            return r;
    }
    uint8_t out[REC_MAX];
    long len = sw_tls_cipher_open(&t->cipher, rec, rec + REC_HDR, n - REC_HDR, out);
    if (len < 0) {
        dir_damaged(c, d, env);
        return REC_DONE;
    }
    env->stats->records_decrypted++;
    if (!c->decrypted) {
        c->decrypted = true;
        env->stats->decrypted++;
        env->stats->late_keys += c->waited;
    }
    plaintext(c, d, rec[0], out, (size_t)len, env);
    memset(out, 0, (size_t)len);
    if (c->dead || t->dead)
        return REC_DONE;
    if (t->to_app) {
        t->to_app = false;
        t->epoch = 2;
        t->cipher.ready = false;        /* the application secret is looked up at the next record */
    } else if (t->update) {
        t->update = false;
        env->stats->key_updates++;
        if (!sw_tls13_cipher_update(&t->cipher))
            dir_damaged(c, d, env);
    }
    return REC_DONE;
}

/* One whole record of direction d. */
static rec_result process(sw_tls_conn *c, int d, const uint8_t *rec, size_t n, const sw_tls_env *env)
{
    uint8_t type = rec[0];
    const uint8_t *body = rec + REC_HDR;
    size_t blen = n - REC_HDR;
    if (c->dir[d].dead)
        return REC_DONE;
    if (!c->have_client_hello && !c->have_server_hello &&
        !(type == CT_HANDSHAKE && blen && body[0] == HS_CLIENT_HELLO)) {
        give_up(c, SW_TLS_MIDSTREAM, env);      /* no hello: the keys cannot be found */
        return REC_DONE;
    }
    bool encrypted;
    if (!c->have_server_hello) {
        if (type == CT_APPDATA) {               /* 0-RTT data, or the ServerHello was lost */
            if (!sw_tls_keylog_files(env->keylog))
                give_up(c, SW_TLS_NO_KEY, env);
            return REC_DONE;
        }
        encrypted = false;
    } else {
        encrypted = c->tls13 ? type == CT_APPDATA : c->dir[d].ccs;
    }
    if (encrypted)
        return decrypt_record(c, d, rec, n, env);
    if (type == CT_HANDSHAKE)
        clear_handshake(c, d, body, blen, env);
    else if (type == CT_CCS && !c->tls13 && c->have_server_hello)
        c->dir[d].ccs = true;
    return REC_DONE;
}

/* Holds a record until its key comes, within the bounds. */
static void hold(sw_tls_conn *c, int d, const uint8_t *rec, size_t n, const sw_tls_env *env)
{
    sw_time_us ts = env->sink[d].tmpl.ts;
    if (c->held_count >= SW_TLS_PENDING_RECORDS || c->held_bytes + n > SW_TLS_PENDING_BYTES ||
        (c->held && ts > c->held_since + SW_TLS_PENDING_WAIT)) {
        give_up(c, SW_TLS_NO_KEY, env);
        return;
    }
    held_rec *h = malloc(sizeof *h + n);
    if (!h) {
        give_up(c, SW_TLS_NO_KEY, env);
        return;
    }
    h->next = NULL;
    h->d = d;
    h->ts = ts;
    h->frame = env->sink[d].tmpl.frame;
    h->len = n;
    memcpy(h->rec, rec, n);
    if (!c->held)
        c->held_since = ts;
    if (c->held_tail)
        c->held_tail->next = h;
    else
        c->held = h;
    c->held_tail = h;
    c->held_count++;
    c->held_bytes += n;
    c->waited = true;
}

/* Tries the held records again when the key log has news. Returns true when none is left. */
static bool replay(sw_tls_conn *c, const sw_tls_env *env)
{
    if (!c->held)
        return true;
    if (sw_tls_keylog_generation(env->keylog) == c->tried_generation)
        return false;
    sw_tls_env at = *env;
    while (c->held && !c->dead) {
        held_rec *h = c->held;
        at.sink[h->d].tmpl.ts = h->ts;
        at.sink[h->d].tmpl.frame = h->frame;
        if (process(c, h->d, h->rec, h->len, &at) == REC_NEED_KEY)
            return false;
        c->held = h->next;
        if (!c->held)
            c->held_tail = NULL;
        c->held_count--;
        c->held_bytes -= h->len;
        free(h);
    }
    return true;
}

static void on_record(sw_tls_conn *c, int d, const uint8_t *rec, size_t n, const sw_tls_env *env)
{
    env->stats->records++;
    if (c->held && !replay(c, env)) {
        if (!c->dead)
            hold(c, d, rec, n, env);            /* keep the order behind the held ones */
        return;
    }
    if (!c->dead && process(c, d, rec, n, env) == REC_NEED_KEY)
        hold(c, d, rec, n, env);
}

/* A record header: a known content type, version 3.x, a sane length. */
static bool header_ok(const uint8_t *h)
{
    size_t len = (size_t)h[3] << 8 | h[4];
    return h[0] >= CT_CCS && h[0] <= CT_APPDATA && h[1] == 3 && h[2] <= 4 && len >= 1 && len <= REC_MAX;
}

/* A dead connection keeps only its counters. */
static void release_buffers(sw_tls_conn *c)
{
    for (int d = 0; d < 2; d++) {
        free(c->dir[d].rec);
        c->dir[d].rec = NULL;
        c->dir[d].have = c->dir[d].need = 0;
        sw_framer_release(&c->dir[d].plain);
    }
}

static size_t record_len(const uint8_t *h)
{
    return REC_HDR + ((size_t)h[3] << 8 | h[4]);
}

/* Assembles a record that spans feeds (only such a record is copied, into a
 * buffer of its own size, freed once it is whole). Returns the bytes used. */
static size_t take_partial(sw_tls_conn *c, int d, const uint8_t *data, size_t len, const sw_tls_env *env)
{
    tls_dir *t = &c->dir[d];
    size_t used = 0;
    if (t->have < REC_HDR) {
        used = REC_HDR - t->have < len ? REC_HDR - t->have : len;
        memcpy(t->hdr + t->have, data, used);
        t->have += used;
        if (t->have < REC_HDR)
            return used;
        if (!header_ok(t->hdr) || !(t->rec = malloc(record_len(t->hdr)))) {
            dir_damaged(c, d, env);
            return len;
        }
        t->need = record_len(t->hdr);
        memcpy(t->rec, t->hdr, REC_HDR);
    }
    size_t k = t->need - t->have < len - used ? t->need - t->have : len - used;
    memcpy(t->rec + t->have, data + used, k);
    t->have += k;
    used += k;
    if (t->have == t->need) {
        uint8_t *rec = t->rec;
        size_t n = t->need;
        t->rec = NULL;
        t->have = t->need = 0;
        on_record(c, d, rec, n, env);
        free(rec);
    }
    return used;
}

void sw_tls_conn_feed(sw_tls_conn *c, int d, const uint8_t *data, size_t len, const sw_tls_env *env)
{
    tls_dir *t = &c->dir[d & 1];
    d &= 1;
    while (len && !c->dead && !t->dead) {
        if (t->have == 0 && len >= REC_HDR) {
            /* Whole records straight from the caller's bytes. */
            if (!header_ok(data)) {
                dir_damaged(c, d, env);
                break;
            }
            size_t need = record_len(data);
            if (len >= need) {
                on_record(c, d, data, need, env);
                data += need;
                len -= need;
                continue;
            }
        }
        size_t k = take_partial(c, d, data, len, env);
        data += k;
        len -= k;
    }
    if (c->dead)
        release_buffers(c);
}

void sw_tls_conn_gap(sw_tls_conn *c, int d, const sw_tls_env *env)
{
    d &= 1;
    if (c->dead || c->dir[d].dead)
        return;
    replay(c, env);
    if (!c->dead)
        dir_damaged(c, d, env);                 /* record boundaries are lost */
    if (c->dead)
        release_buffers(c);
}

void sw_tls_conn_finish(sw_tls_conn *c, const sw_tls_env *env)
{
    if (!c->dead && c->held && !replay(c, env))
        give_up(c, SW_TLS_NO_KEY, env);
    c->dead = true;
    release_buffers(c);
}

void sw_tls_conn_destroy(sw_tls_conn *c)
{
    if (!c)
        return;
    drop_held(c);
    for (int d = 0; d < 2; d++) {
        free(c->dir[d].rec);
        sw_tls_cipher_release(&c->dir[d].cipher);
        sw_framer_release(&c->dir[d].plain);
    }
    free(c);
}

size_t sw_tls_conn_held(const sw_tls_conn *c)
{
    size_t n = c->held_bytes;
    for (int d = 0; d < 2; d++)
        n += (c->dir[d].rec ? c->dir[d].need : 0) + sw_framer_held(&c->dir[d].plain);
    return n;
}

sw_tls_reason sw_tls_conn_reason(const sw_tls_conn *c)
{
    return (sw_tls_reason)c->reason;
}
