/* SIP over TLS, decrypted with a key log (NSS SSLKEYLOGFILE format, RFC 9850).
 * Three parts in the decode stage: the key log store (tls_keylog.c, bounded,
 * re-read as its files grow), key derivation and AEAD record protection from
 * OpenSSL's libcrypto (tls_decrypt.c), and the per-connection record layer
 * (tls_record.c) that follows the handshake and hands decrypted bytes to the
 * same SIP framing as plain TCP. Key material never leaves these files. */
#ifndef SIPWATCH_TLS_H
#define SIPWATCH_TLS_H

#include "sipwatch/sip_framing.h"
#include "sipwatch/types.h"

/* ---- key log store ---- */

typedef enum sw_tls_secret_kind {
    SW_TLS_MASTER = 0,              /* CLIENT_RANDOM: TLS 1.2 master secret (48 bytes) */
    SW_TLS_CLIENT_HS,               /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    SW_TLS_SERVER_HS,               /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    SW_TLS_CLIENT_APP,              /* CLIENT_TRAFFIC_SECRET_0 */
    SW_TLS_SERVER_APP,              /* SERVER_TRAFFIC_SECRET_0 */
    SW_TLS_SECRET_KINDS
} sw_tls_secret_kind;

#define SW_TLS_MAX_SECRET 64
#define SW_TLS_KEYLOG_FILES 8
#define SW_TLS_KEYLOG_DEFAULT_MAX 16384     /* client randoms kept */

typedef struct sw_tls_keylog_stats {
    uint64_t lines;                 /* lines read */
    uint64_t secrets;               /* secrets stored */
    uint64_t ignored;               /* comments, blank lines, labels not used (EXPORTER_SECRET, ..._N) */
    uint64_t bad_lines;             /* malformed lines (bad hex, wrong lengths, too long) */
    uint64_t evicted;               /* client randoms forgotten at the cap */
    uint64_t read_errors;           /* a file could not be opened or read */
} sw_tls_keylog_stats;

typedef struct sw_tls_keylog sw_tls_keylog;

sw_tls_keylog *sw_tls_keylog_create(size_t max_randoms);
void sw_tls_keylog_destroy(sw_tls_keylog *kl);

/* Registers a file and reads it. Returns false (message in err, which never
 * quotes the file's contents) when it cannot be opened. */
bool sw_tls_keylog_add_file(sw_tls_keylog *kl, const char *path, char *err, size_t errlen);
/* Reads what the files gained since the last look (a file that shrank or was
 * replaced is read again from its start). Returns the secrets added. */
size_t sw_tls_keylog_refresh(sw_tls_keylog *kl);
/* Parses one line (without its newline). Returns true when a secret was stored. */
bool sw_tls_keylog_add_line(sw_tls_keylog *kl, const char *line, size_t len);

/* Copies the secret of that kind for a client random into out
 * (SW_TLS_MAX_SECRET bytes); returns its length, 0 when unknown. */
size_t sw_tls_keylog_find(const sw_tls_keylog *kl, const uint8_t client_random[32], sw_tls_secret_kind kind,
                          uint8_t *out);
/* Grows whenever a secret is added: a connection waiting for its key looks again. */
uint64_t sw_tls_keylog_generation(const sw_tls_keylog *kl);
size_t sw_tls_keylog_files(const sw_tls_keylog *kl);
void sw_tls_keylog_get_stats(const sw_tls_keylog *kl, sw_tls_keylog_stats *stats);

/* ---- key derivation and record protection (libcrypto) ---- */

/* Opens libcrypto for decryption, once per process; later calls only report.
 * Everything below opens it on first use too; calling this first gives the
 * reason when it cannot be loaded (a line in err). */
bool sw_tls_crypto_load(char *err, size_t errlen);

typedef enum sw_tls_aead { SW_TLS_AES_128_GCM, SW_TLS_AES_256_GCM, SW_TLS_CHACHA20_POLY1305 } sw_tls_aead;

typedef struct sw_tls_suite {
    uint16_t id;
    bool tls13;
    uint8_t aead;                   /* sw_tls_aead */
    uint8_t key_len;
    uint8_t fixed_iv_len;           /* TLS 1.2 GCM: 4 (8 explicit bytes per record); otherwise 12 */
    const char *digest;             /* "SHA256" or "SHA384" */
    uint8_t hash_len;
} sw_tls_suite;

/* The suites sipwatch decrypts; NULL for any other. */
const sw_tls_suite *sw_tls_suite_find(uint16_t id, bool tls13);

/* RFC 8446 7.1 HKDF-Expand-Label, on EVP_KDF "HKDF" in EXPAND_ONLY mode. */
bool sw_tls13_expand_label(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);
/* RFC 5246 5 PRF, on EVP_KDF "TLS1-PRF". */
bool sw_tls12_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                  const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

typedef struct sw_tls_cipher {
    void *ctx;                      /* EVP_CIPHER_CTX */
    const sw_tls_suite *suite;
    uint8_t key[32];
    uint8_t iv[12];
    uint8_t secret[SW_TLS_MAX_SECRET];  /* TLS 1.3 traffic secret (for key updates) */
    uint64_t seq;
    bool ready;
} sw_tls_cipher;

/* TLS 1.3: keys of one direction from its traffic secret. */
bool sw_tls13_cipher_init(sw_tls_cipher *c, const sw_tls_suite *s, const uint8_t *secret, size_t secret_len);
/* TLS 1.3 KeyUpdate: the next traffic secret ("traffic upd") and its keys. */
bool sw_tls13_cipher_update(sw_tls_cipher *c);
/* TLS 1.2: both directions' keys from the master secret and the hellos' randoms. */
bool sw_tls12_ciphers_init(sw_tls_cipher *client, sw_tls_cipher *server, const sw_tls_suite *s,
                           const uint8_t *master, size_t master_len, const uint8_t client_random[32],
                           const uint8_t server_random[32]);
/* Opens one record (header hdr[5], then body); out holds body_len bytes.
 * Returns the plaintext length (TLS 1.3: still with its inner type and
 * padding), or -1 when the record does not authenticate. */
long sw_tls_cipher_open(sw_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body, size_t body_len, uint8_t *out);
void sw_tls_cipher_release(sw_tls_cipher *c);

/* ---- per-connection record layer ---- */

typedef enum sw_tls_reason {
    SW_TLS_NONE = 0,
    SW_TLS_NO_KEY,                  /* no key in the key log for this connection */
    SW_TLS_UNSUPPORTED,             /* version or cipher suite not decrypted */
    SW_TLS_MIDSTREAM,               /* the capture started after the handshake */
    SW_TLS_DAMAGED,                 /* a record lost, cut or not authentic */
} sw_tls_reason;

const char *sw_tls_reason_name(sw_tls_reason r);

/* A connection not (fully) decrypted, named in the report and the JSON. */
typedef struct sw_tls_sample {
    sw_endpoint client, server;     /* client: the side that sent the first bytes seen when no hello was */
    sw_time_us ts;
    uint8_t reason;                 /* sw_tls_reason */
} sw_tls_sample;

#define SW_TLS_SAMPLES 4

typedef struct sw_tls_stats {
    uint64_t connections;           /* TLS connections seen */
    uint64_t decrypted;             /* connections with at least one record decrypted */
    uint64_t no_key, unsupported, midstream, damaged;   /* connections not (fully) decrypted, by reason */
    uint64_t records;               /* TLS records seen */
    uint64_t records_decrypted;
    uint64_t late_keys;             /* connections decrypted from records held until their key came */
    uint64_t key_updates;           /* TLS 1.3 KeyUpdate messages followed */
    sw_tls_sample samples[SW_TLS_SAMPLES];  /* the first connections not decrypted */
    unsigned nsamples;
} sw_tls_stats;

/* How long, and how much, a connection holds records waiting for its key. */
#define SW_TLS_PENDING_RECORDS 64
#define SW_TLS_PENDING_BYTES (128u * 1024)
#define SW_TLS_PENDING_WAIT (10 * SW_USEC_PER_SEC)

/* Connections (partly) not decrypted: the sum of the reasons. */
static inline uint64_t sw_tls_unread(const sw_tls_stats *s)
{
    return s->no_key + s->unsupported + s->midstream + s->damaged;
}

typedef struct sw_tls_conn sw_tls_conn;

/* Everything a connection's bytes may need: the keys, the counters, and
 * where each direction's decrypted SIP goes (sink[d] for bytes sent by the
 * TCP direction d; its tmpl carries the time and frame of the bytes fed). */
typedef struct sw_tls_env {
    const sw_tls_keylog *keylog;    /* NULL: no key log given */
    sw_tls_stats *stats;
    sw_framer_sink sink[2];
} sw_tls_env;

sw_tls_conn *sw_tls_conn_create(sw_tls_stats *stats);
/* In-order TLS bytes of direction d (0 or 1). */
void sw_tls_conn_feed(sw_tls_conn *c, int d, const uint8_t *data, size_t len, const sw_tls_env *env);
/* Bytes of direction d were lost. */
void sw_tls_conn_gap(sw_tls_conn *c, int d, const sw_tls_env *env);
/* The connection ends: a last try for held records, then they count as no key. */
void sw_tls_conn_finish(sw_tls_conn *c, const sw_tls_env *env);
void sw_tls_conn_destroy(sw_tls_conn *c);
/* Bytes held (record buffers, records waiting for a key, partial SIP). */
size_t sw_tls_conn_held(const sw_tls_conn *c);
/* Why (part of) this connection was not decrypted; SW_TLS_NONE when all was. */
sw_tls_reason sw_tls_conn_reason(const sw_tls_conn *c);

#endif
