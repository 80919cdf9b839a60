/* TLS key derivation and record decryption, all from OpenSSL's libcrypto:
 * the TLS 1.2 PRF (EVP_KDF "TLS1-PRF"), TLS 1.3 HKDF-Expand-Label (EVP_KDF
 * "HKDF", expand-only), and the AEAD ciphers (AES-GCM, ChaCha20-Poly1305)
 * through EVP. No cryptography is written here; secrets are wiped on release. */
#include "sipwatch/tls.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
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

static bool kdf_derive(const char *name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
    if (!kdf)
        return false;
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!kctx)
        return false;
    bool ok = EVP_KDF_derive(kctx, out, out_len, params) > 0;
    EVP_KDF_CTX_free(kctx);
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
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    return kdf_derive("HKDF", params, out, out_len);
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
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, buf, llen + seed_len),
        OSSL_PARAM_construct_end(),
    };
    return kdf_derive("TLS1-PRF", params, out, out_len);
}

static const EVP_CIPHER *evp_cipher(const sw_tls_suite *s)
{
    switch ((sw_tls_aead)s->aead) {
    case SW_TLS_AES_128_GCM: return EVP_aes_128_gcm();
    case SW_TLS_AES_256_GCM: return EVP_aes_256_gcm();
    case SW_TLS_CHACHA20_POLY1305: return EVP_chacha20_poly1305();
    }
    return NULL;
}

/* Sets up the EVP context once per key. */
static bool cipher_setup(sw_tls_cipher *c, const sw_tls_suite *s)
{
    if (!c->ctx && !(c->ctx = EVP_CIPHER_CTX_new()))
        return false;
    c->suite = s;
    c->seq = 0;
    /* The key is set once here (its schedule computed once); each record sets only its nonce. */
    c->ready = EVP_DecryptInit_ex(c->ctx, evp_cipher(s), NULL, NULL, NULL) == 1 &&
               EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
               EVP_DecryptInit_ex(c->ctx, NULL, NULL, c->key, NULL) == 1;
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
    OPENSSL_cleanse(next, sizeof next);
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
    OPENSSL_cleanse(block, sizeof block);
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
    EVP_CIPHER_CTX *ctx = c->ctx;
    int n = 0, fin = 0;
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
        (clen && EVP_DecryptUpdate(ctx, out, &n, body + off, (int)clen) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)(body + off + clen)) != 1 ||
        EVP_DecryptFinal_ex(ctx, out + (clen ? (size_t)n : 0), &fin) != 1)
        return -1;
    c->seq++;
    return (long)clen;
}

void sw_tls_cipher_release(sw_tls_cipher *c)
{
    if (c->ctx)
        EVP_CIPHER_CTX_free(c->ctx);
    OPENSSL_cleanse(c, sizeof *c);
}
