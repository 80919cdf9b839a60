/* The TLS key log store: secrets from NSS key log files (RFC 9850) by client
 * random, bounded (the oldest client random goes first, counted), with the
 * files re-read as they grow. Lines are hostile input: anything malformed is
 * counted and skipped; no line or secret is ever printed. */
#include "sipwatch/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KL_MAX_LINE 1024
#define KL_CHUNK 65536

typedef struct kl_entry {
    uint8_t random[32];
    uint8_t len[SW_TLS_SECRET_KINDS];
    uint8_t secret[SW_TLS_SECRET_KINDS][SW_TLS_MAX_SECRET];
    struct kl_entry *hnext, *older, *newer;
} kl_entry;

typedef struct kl_file {
    char *path;
    long long offset;               /* bytes read up to the last whole line */
    dev_t dev;
    ino_t ino;
} kl_file;

struct sw_tls_keylog {
    kl_entry **buckets;
    size_t nbuckets, count, max;
    kl_entry *oldest, *newest;
    kl_file files[SW_TLS_KEYLOG_FILES];
    size_t nfiles;
    uint64_t generation;
    sw_tls_keylog_stats stats;
};

static const struct {
    const char *label;
    sw_tls_secret_kind kind;
} labels[] = {
    {"CLIENT_RANDOM", SW_TLS_MASTER},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", SW_TLS_CLIENT_HS},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", SW_TLS_SERVER_HS},
    {"CLIENT_TRAFFIC_SECRET_0", SW_TLS_CLIENT_APP},
    {"SERVER_TRAFFIC_SECRET_0", SW_TLS_SERVER_APP},
};

sw_tls_keylog *sw_tls_keylog_create(size_t max_randoms)
{
    sw_tls_keylog *kl = calloc(1, sizeof *kl);
    if (!kl)
        return NULL;
    kl->max = max_randoms ? max_randoms : SW_TLS_KEYLOG_DEFAULT_MAX;
    kl->nbuckets = 256;
    while (kl->nbuckets < kl->max && kl->nbuckets < (1u << 20))
        kl->nbuckets *= 2;
    kl->buckets = calloc(kl->nbuckets, sizeof *kl->buckets);
    if (!kl->buckets) {
        free(kl);
        return NULL;
    }
    return kl;
}

static void entry_free(kl_entry *e)
{
    explicit_bzero(e, sizeof *e);
    free(e);
}

void sw_tls_keylog_destroy(sw_tls_keylog *kl)
{
    if (!kl)
        return;
    for (kl_entry *e = kl->oldest; e;) {
        kl_entry *n = e->newer;
        entry_free(e);
        e = n;
    }
    for (size_t i = 0; i < kl->nfiles; i++)
        free(kl->files[i].path);
    free(kl->buckets);
    free(kl);
}

static size_t bucket_of(const sw_tls_keylog *kl, const uint8_t random[32])
{
    uint32_t h;
    memcpy(&h, random, sizeof h);   /* client randoms are random */
    return h & (kl->nbuckets - 1);
}

static kl_entry *lookup(const sw_tls_keylog *kl, const uint8_t random[32])
{
    for (kl_entry *e = kl->buckets[bucket_of(kl, random)]; e; e = e->hnext)
        if (memcmp(e->random, random, 32) == 0)
            return e;
    return NULL;
}

static void evict_oldest(sw_tls_keylog *kl)
{
    kl_entry *e = kl->oldest;
    kl_entry **pp = &kl->buckets[bucket_of(kl, e->random)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    kl->oldest = e->newer;
    if (kl->oldest)
        kl->oldest->older = NULL;
    else
        kl->newest = NULL;
    kl->count--;
    kl->stats.evicted++;
    entry_free(e);
}

static kl_entry *lookup_or_add(sw_tls_keylog *kl, const uint8_t random[32])
{
    kl_entry *e = lookup(kl, random);
    if (e)
        return e;
    if (kl->count >= kl->max)
        evict_oldest(kl);
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    memcpy(e->random, random, 32);
    size_t b = bucket_of(kl, random);
    e->hnext = kl->buckets[b];
    kl->buckets[b] = e;
    e->older = kl->newest;
    if (kl->newest)
        kl->newest->newer = e;
    else
        kl->oldest = e;
    kl->newest = e;
    kl->count++;
    return e;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes exactly n hex characters into n/2 bytes. */
static bool unhex(const char *s, size_t n, uint8_t *out)
{
    if (n % 2)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Splits "LABEL SP HEX SP HEX" (spaces or tabs); false for any other shape. */
static bool split3(const char *s, size_t n, size_t start[3], size_t len[3])
{
    size_t i = 0;
    for (int f = 0; f < 3; f++) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        start[f] = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            i++;
        len[f] = i - start[f];
        if (!len[f])
            return false;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    return i == n;
}

bool sw_tls_keylog_add_line(sw_tls_keylog *kl, const char *line, size_t n)
{
    kl->stats.lines++;
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
        i++;
    if (i == n || line[i] == '#') {
        kl->stats.ignored++;
        return false;
    }
    size_t st[3], ln[3];
    if (n > KL_MAX_LINE || !split3(line, n, st, ln)) {
        kl->stats.bad_lines++;
        return false;
    }
    int which = -1;
    for (size_t k = 0; k < sizeof labels / sizeof labels[0]; k++)
        if (ln[0] == strlen(labels[k].label) && memcmp(line + st[0], labels[k].label, ln[0]) == 0)
            which = (int)labels[k].kind;
    if (which < 0) {
        kl->stats.ignored++;            /* EXPORTER_SECRET, EARLY_*, OpenSSL's *_TRAFFIC_SECRET_N, ... */
        return false;
    }
    uint8_t random[32], secret[SW_TLS_MAX_SECRET];
    size_t slen = ln[2] / 2;
    bool ok = ln[1] == 64 && unhex(line + st[1], 64, random) && ln[2] <= 2 * SW_TLS_MAX_SECRET &&
              (which == SW_TLS_MASTER ? slen == 48 : (slen == 32 || slen == 48 || slen == 64)) &&
              unhex(line + st[2], ln[2], secret);
    kl_entry *e = ok ? lookup_or_add(kl, random) : NULL;
    if (!e) {
        kl->stats.bad_lines += !ok;
        explicit_bzero(secret, sizeof secret);
        return false;
    }
    if (e->len[which] != slen || memcmp(e->secret[which], secret, slen) != 0) {
        memcpy(e->secret[which], secret, slen);
        e->len[which] = (uint8_t)slen;
        kl->generation++;
        kl->stats.secrets++;
    }
    explicit_bzero(secret, sizeof secret);
    return true;
}

/* Reads a file from its offset; whole lines only (a partial last line waits). */
static size_t read_file(sw_tls_keylog *kl, kl_file *f)
{
    FILE *fp = fopen(f->path, "rb");
    if (!fp) {
        kl->stats.read_errors++;
        return 0;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == 0) {
        if (st.st_dev != f->dev || st.st_ino != f->ino || st.st_size < f->offset)
            f->offset = 0;              /* replaced or truncated: read it again */
        f->dev = st.st_dev;
        f->ino = st.st_ino;
    }
    uint64_t before = kl->stats.secrets;
    char *buf = malloc(KL_CHUNK);
    while (buf && fseeko(fp, (off_t)f->offset, SEEK_SET) == 0) {
        size_t got = fread(buf, 1, KL_CHUNK, fp), used = 0;
        if (!got)
            break;
        for (char *nl; used < got && (nl = memchr(buf + used, '\n', got - used)); used = (size_t)(nl - buf) + 1)
            sw_tls_keylog_add_line(kl, buf + used, (size_t)(nl - buf) - used);
        if (used == 0 && got == KL_CHUNK) {
            kl->stats.bad_lines++;      /* a "line" longer than a chunk: skipped */
            used = got;
        }
        f->offset += (long long)used;
        if (got < KL_CHUNK || used == 0)
            break;
    }
    free(buf);
    fclose(fp);
    return (size_t)(kl->stats.secrets - before);
}

bool sw_tls_keylog_add_file(sw_tls_keylog *kl, const char *path, char *err, size_t errlen)
{
    if (kl->nfiles >= SW_TLS_KEYLOG_FILES) {
        snprintf(err, errlen, "--tls-keylog: at most %d files", SW_TLS_KEYLOG_FILES);
        return false;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "--tls-keylog: cannot open '%s'", path);
        return false;
    }
    fclose(fp);
    kl_file *f = &kl->files[kl->nfiles];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    if (!f->path) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    kl->nfiles++;
    read_file(kl, f);
    return true;
}

size_t sw_tls_keylog_refresh(sw_tls_keylog *kl)
{
    size_t added = 0;
    for (size_t i = 0; i < kl->nfiles; i++) {
        kl_file *f = &kl->files[i];
        struct stat st;
        if (stat(f->path, &st) != 0)
            continue;
        if (st.st_size == f->offset && st.st_ino == f->ino && st.st_dev == f->dev)
            continue;                   /* nothing new */
        added += read_file(kl, f);
    }
    return added;
}

size_t sw_tls_keylog_find(const sw_tls_keylog *kl, const uint8_t client_random[32], sw_tls_secret_kind kind,
                          uint8_t *out)
{
    if (!kl || (unsigned)kind >= SW_TLS_SECRET_KINDS)
        return 0;
    const kl_entry *e = lookup(kl, client_random);
    if (!e || !e->len[kind])
        return 0;
    memcpy(out, e->secret[kind], e->len[kind]);
    return e->len[kind];
}

uint64_t sw_tls_keylog_generation(const sw_tls_keylog *kl)
{
    return kl ? kl->generation : 0;
}

size_t sw_tls_keylog_files(const sw_tls_keylog *kl)
{
    return kl ? kl->nfiles : 0;
}

void sw_tls_keylog_get_stats(const sw_tls_keylog *kl, sw_tls_keylog_stats *stats)
{
    if (kl)
        *stats = kl->stats;
    else
        memset(stats, 0, sizeof *stats);
}
