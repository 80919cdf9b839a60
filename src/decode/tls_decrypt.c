/* TLS key derivation and record decryption, all from OpenSSL's libcrypto:
 * the TLS 1.2 PRF (EVP_KDF "TLS1-PRF"), TLS 1.3 HKDF-Expand-Label (EVP_KDF
 * "HKDF", expand-only), and the AEAD ciphers (AES-GCM, ChaCha20-Poly1305)
 * through EVP. No cryptography is written here; secrets are wiped on release.
 * libcrypto is opened the first time a key is derived (dynlib.h), so a run
 * without a key log never maps it. */
#include "sipwatch/tls.h"

#include "sipwatch/dynlib.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define TAG_LEN 16

static const sw_tls_suite suites[] = {
    {0xc02b, false, SW_TLS_AES_128_GCM, 16, 4, "SHA256", 32},        /* ECDHE-ECDSA-AES128-GCM-SHA256 */
    {0xc02f, false, SW_TLS_AES_128_GCM, 16, 4, "SHA256", 32},        /* ECDHE-RSA-AES128-GCM-SHA256 */
    {0x009c, false, SW_TLS_AES_128_GCM, 16, 4, "SHA256", 32},        /* RSA-AES128-GCM-SHA256 */
    {0x009e, false, SW_TLS_AES_128_GCM, 16, 4, "SHA256", 32},        /* DHE-RSA-AES128-GCM-SHA256 */
    {0xc02c, false, SW_TLS_AES_256_GCM, 32, 4, "SHA384", 48},        /* ECDHE-ECDSA-AES256-GCM-SHA384 */
    {0xc030, false, SW_TLS_AES_256_GCM, 32, 4, "SHA384", 48},        /* ECDHE-RSA-AES256-GCM-SHA384 */
    {0x009d, false, SW_TLS_AES_256_GCM, 32, 4, "SHA384", 48},        /* RSA-AES256-GCM-SHA384 */
    {0x009f, false, SW_TLS_AES_256_GCM, 32, 4, "SHA384", 48},        /* DHE-RSA-AES256-GCM-SHA384 */
    {0xcca8, false, SW_TLS_CHACHA20_POLY1305, 32, 12, "SHA256", 32}, /* ECDHE-RSA-CHACHA20-POLY1305 */
    {0xcca9, false, SW_TLS_CHACHA20_POLY1305, 32, 12, "SHA256", 32}, /* ECDHE-ECDSA-CHACHA20-POLY1305 */
    {0xccaa, false, SW_TLS_CHACHA20_POLY1305, 32, 12, "SHA256", 32}, /* DHE-RSA-CHACHA20-POLY1305 */
    {0x1301, true, SW_TLS_AES_128_GCM, 16, 12, "SHA256", 32},        /* TLS_AES_128_GCM_SHA256 */
    {0x1302, true, SW_TLS_AES_256_GCM, 32, 12, "SHA384", 48},        /* TLS_AES_256_GCM_SHA384 */
    {0x1303, true, SW_TLS_CHACHA20_POLY1305, 32, 12, "SHA256", 32},  /* TLS_CHACHA20_POLY1305_SHA256 */
};

const sw_tls_suite *sw_tls_suite_find(uint16_t id, bool tls13)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id && suites[i].tls13 == tls13)
            return &suites[i];
    return NULL;
}

/* ---- libcrypto, opened on first use ------------------------------------------
 * The table is written once, under pthread_once, and only read after: it is
 * process-wide like the library mapping it points into. */

typedef struct crypto_api {
    __typeof__(&EVP_KDF_fetch) kdf_fetch;
    __typeof__(&EVP_KDF_free) kdf_free;
    __typeof__(&EVP_KDF_CTX_new) kdf_ctx_new;
    __typeof__(&EVP_KDF_CTX_free) kdf_ctx_free;
    __typeof__(&EVP_KDF_derive) kdf_derive;
    __typeof__(&OSSL_PARAM_construct_int) param_int;
    __typeof__(&OSSL_PARAM_construct_utf8_string) param_utf8;
    __typeof__(&OSSL_PARAM_construct_octet_string) param_octets;
    __typeof__(&OSSL_PARAM_construct_end) param_end;
    __typeof__(&EVP_aes_128_gcm) aes_128_gcm;
    __typeof__(&EVP_aes_256_gcm) aes_256_gcm;
    __typeof__(&EVP_chacha20_poly1305) chacha20_poly1305;
    __typeof__(&EVP_CIPHER_CTX_new) cipher_ctx_new;
    __typeof__(&EVP_CIPHER_CTX_free) cipher_ctx_free;
    __typeof__(&EVP_CIPHER_CTX_ctrl) cipher_ctx_ctrl;
    __typeof__(&EVP_DecryptInit_ex) decrypt_init;
    __typeof__(&EVP_DecryptUpdate) decrypt_update;
    __typeof__(&EVP_DecryptFinal_ex) decrypt_final;
} crypto_api;

static crypto_api crypto;
static bool crypto_loaded;
static char crypto_error[256];
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void crypto_load(void)
{
    const sw_dynlib_symbol syms[] = {
        {"EVP_KDF_fetch", &crypto.kdf_fetch},
        {"EVP_KDF_free", &crypto.kdf_free},
        {"EVP_KDF_CTX_new", &crypto.kdf_ctx_new},
        {"EVP_KDF_CTX_free", &crypto.kdf_ctx_free},
        {"EVP_KDF_derive", &crypto.kdf_derive},
        {"OSSL_PARAM_construct_int", &crypto.param_int},
        {"OSSL_PARAM_construct_utf8_string", &crypto.param_utf8},
        {"OSSL_PARAM_construct_octet_string", &crypto.param_octets},
        {"OSSL_PARAM_construct_end", &crypto.param_end},
        {"EVP_aes_128_gcm", &crypto.aes_128_gcm},
        {"EVP_aes_256_gcm", &crypto.aes_256_gcm},
        {"EVP_chacha20_poly1305", &crypto.chacha20_poly1305},
        {"EVP_CIPHER_CTX_new", &crypto.cipher_ctx_new},
        {"EVP_CIPHER_CTX_free", &crypto.cipher_ctx_free},
        {"EVP_CIPHER_CTX_ctrl", &crypto.cipher_ctx_ctrl},
        {"EVP_DecryptInit_ex", &crypto.decrypt_init},
        {"EVP_DecryptUpdate", &crypto.decrypt_update},
        {"EVP_DecryptFinal_ex", &crypto.decrypt_final},
    };
    /* Kept open for the life of the process: contexts made from it may live that long. */
    crypto_loaded = sw_dynlib_open(SW_LIBCRYPTO_SONAME, syms, sizeof syms / sizeof syms[0],
                                   crypto_error, sizeof crypto_error) != NULL;
}

/* The table, or NULL when libcrypto cannot be loaded. */
static const crypto_api *crypto_get(void)
{
    pthread_once(&crypto_once, crypto_load);
    return crypto_loaded ? &crypto : NULL;
}

bool sw_tls_crypto_load(char *err, size_t errlen)
{
    if (crypto_get())
        return true;
    snprintf(err, errlen, "TLS decryption: %s", crypto_error);
    return false;
}

/* ---- key derivation -------------------------------------------------------------- */

static bool kdf_derive(const crypto_api *cr, const char *name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = cr->kdf_fetch(NULL, name, NULL);
    if (!kdf)
        return false;
    EVP_KDF_CTX *kctx = cr->kdf_ctx_new(kdf);
    cr->kdf_free(kdf);
    if (!kctx)
        return false;
    bool ok = cr->kdf_derive(kctx, out, out_len, params) > 0;
    cr->kdf_ctx_free(kctx);
    return ok;
}

bool sw_tls13_expand_label(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
    /* struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; } */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t llen = strlen(label);
    if (llen + 6 > 255 || context_len > 255 || out_len > 0xffff)
        return false;
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(llen + 6);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, llen);
    n += llen;
    info[n++] = (uint8_t)context_len;
    if (context_len)
        memcpy(info + n, context, context_len);
    n += context_len;
    const crypto_api *cr = crypto_get();
    if (!cr)
        return false;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        cr->param_int(OSSL_KDF_PARAM_MODE, &mode),
        cr->param_utf8(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        cr->param_octets(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        cr->param_octets(OSSL_KDF_PARAM_INFO, info, n),
        cr->param_end(),
    };
    return kdf_derive(cr, "HKDF", params, out, out_len);
}

bool sw_tls12_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
                  const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    uint8_t buf[256];
    size_t llen = strlen(label);
    if (llen + seed_len > sizeof buf)
        return false;
    memcpy(buf, label, llen);
    memcpy(buf + llen, seed, seed_len);
    const crypto_api *cr = crypto_get();
    if (!cr)
        return false;
    OSSL_PARAM params[] = {
        cr->param_utf8(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        cr->param_octets(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
        cr->param_octets(OSSL_KDF_PARAM_SEED, buf, llen + seed_len),
        cr->param_end(),
    };
    return kdf_derive(cr, "TLS1-PRF", params, out, out_len);
}

static const EVP_CIPHER *evp_cipher(const crypto_api *cr, const sw_tls_suite *s)
{
    switch ((sw_tls_aead)s->aead) {
    case SW_TLS_AES_128_GCM: return cr->aes_128_gcm();
    case SW_TLS_AES_256_GCM: return cr->aes_256_gcm();
    case SW_TLS_CHACHA20_POLY1305: return cr->chacha20_poly1305();
    }
    return NULL;
}

/* Sets up the EVP context once per key. */
static bool cipher_setup(sw_tls_cipher *c, const sw_tls_suite *s)
{
    const crypto_api *cr = crypto_get();
    if (!cr || (!c->ctx && !(c->ctx = cr->cipher_ctx_new())))
        return false;
    c->suite = s;
    c->seq = 0;
    /* The key is set once here (its schedule computed once); each record sets only its nonce. */
    c->ready = cr->decrypt_init(c->ctx, evp_cipher(cr, s), NULL, NULL, NULL) == 1 &&
               cr->cipher_ctx_ctrl(c->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
               cr->decrypt_init(c->ctx, NULL, NULL, c->key, NULL) == 1;
    return c->ready;
}

static bool cipher_keys13(sw_tls_cipher *c, const sw_tls_suite *s)
{
    size_t hl = s->hash_len;
    return sw_tls13_expand_label(s->digest, c->secret, hl, "key", NULL, 0, c->key, s->key_len) &&
           sw_tls13_expand_label(s->digest, c->secret, hl, "iv", NULL, 0, c->iv, 12) && cipher_setup(c, s);
}

bool sw_tls13_cipher_init(sw_tls_cipher *c, const sw_tls_suite *s, const uint8_t *secret, size_t secret_len)
{
    c->ready = false;
    if (!s || !s->tls13 || secret_len != s->hash_len)
        return false;
    memcpy(c->secret, secret, secret_len);
    return cipher_keys13(c, s);
}

bool sw_tls13_cipher_update(sw_tls_cipher *c)
{
    const sw_tls_suite *s = c->suite;
    if (!c->ready || !s || !s->tls13)
        return false;
    uint8_t next[SW_TLS_MAX_SECRET];
    c->ready = false;
    if (!sw_tls13_expand_label(s->digest, c->secret, s->hash_len, "traffic upd", NULL, 0, next, s->hash_len))
        return false;
    memcpy(c->secret, next, s->hash_len);
    explicit_bzero(next, sizeof next);
    return cipher_keys13(c, s);
}

bool sw_tls12_ciphers_init(sw_tls_cipher *client, sw_tls_cipher *server, const sw_tls_suite *s,
                           const uint8_t *master, size_t master_len, const uint8_t client_random[32],
                           const uint8_t server_random[32])
{
    client->ready = server->ready = false;
    if (!s || s->tls13 || master_len != 48)
        return false;
    uint8_t seed[64], block[2 * 32 + 2 * 12];
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    size_t kl = s->key_len, il = s->fixed_iv_len;
    bool ok = sw_tls12_prf(s->digest, master, master_len, "key expansion", seed, sizeof seed, block, 2 * (kl + il));
    if (ok) {
        /* AEAD suites have no MAC keys: client key, server key, client IV, server IV. */
        memcpy(client->key, block, kl);
        memcpy(server->key, block + kl, kl);
        memset(client->iv, 0, sizeof client->iv);
        memset(server->iv, 0, sizeof server->iv);
        memcpy(client->iv, block + 2 * kl, il);
        memcpy(server->iv, block + 2 * kl + il, il);
        ok = cipher_setup(client, s) && cipher_setup(server, s);
    }
    explicit_bzero(block, sizeof block);
    return ok;
}

/* The record's nonce and additional data (RFC 5288 3, RFC 7905 2, RFC 8446 5.2-5.3).
 * Returns the offset of the ciphertext in body, or -1 when it is too short. */
static long record_params(const sw_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body, size_t len,
                          uint8_t nonce[12], uint8_t *aad, size_t *aad_len)
{
    const sw_tls_suite *s = c->suite;
    bool explicit_nonce = !s->tls13 && s->fixed_iv_len == 4;
    size_t off = explicit_nonce ? 8 : 0;
    if (len < off + TAG_LEN)
        return -1;
    if (explicit_nonce) {
        memcpy(nonce, c->iv, 4);
        memcpy(nonce + 4, body, 8);
    } else {
        memcpy(nonce, c->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(c->seq >> (56 - 8 * i));
    }
    if (s->tls13) {
        memcpy(aad, hdr, 5);
        *aad_len = 5;
    } else {
        size_t plain = len - off - TAG_LEN;
        for (int i = 0; i < 8; i++)
            aad[i] = (uint8_t)(c->seq >> (56 - 8 * i));
        aad[8] = hdr[0];
        aad[9] = hdr[1];
        aad[10] = hdr[2];
        aad[11] = (uint8_t)(plain >> 8);
        aad[12] = (uint8_t)plain;
        *aad_len = 13;
    }
    return (long)off;
}

long sw_tls_cipher_open(sw_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body, size_t body_len, uint8_t *out)
{
    if (!c->ready)
        return -1;
    uint8_t nonce[12], aad[13];
    size_t aad_len;
    long off = record_params(c, hdr, body, body_len, nonce, aad, &aad_len);
    if (off < 0)
        return -1;
    size_t clen = body_len - (size_t)off - TAG_LEN;
    const crypto_api *cr = &crypto;     /* loaded: the cipher is ready */
    EVP_CIPHER_CTX *ctx = c->ctx;
    int n = 0, fin = 0;
    if (cr->decrypt_init(ctx, NULL, NULL, NULL, nonce) != 1 ||
        cr->decrypt_update(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
        (clen && cr->decrypt_update(ctx, out, &n, body + off, (int)clen) != 1) ||
        cr->cipher_ctx_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)(body + off + clen)) != 1 ||
        cr->decrypt_final(ctx, out + (clen ? (size_t)n : 0), &fin) != 1)
        return -1;
    c->seq++;
    return (long)clen;
}

void sw_tls_cipher_release(sw_tls_cipher *c)
{
    if (c->ctx)
        crypto.cipher_ctx_free(c->ctx);     /* a context exists only once libcrypto is loaded */
    explicit_bzero(c, sizeof *c);
}
