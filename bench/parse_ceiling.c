/* sipwatch-bench-parse: the parse ceiling. Reads a capture with libpcap, takes
 * each UDP payload (Ethernet/IPv4/UDP, as sipwatch-gen writes) and parses it
 * with libosip2 (osip_message_init/parse/free) and does nothing else: the
 * best a libosip2-based analyser can do. With --threads N, N threads each
 * read the file and parse every Nth message (the ceiling of N cores). Optionally
 * times parsing alone on an in-memory sample of payloads. */
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void trace_noop(const char *fi, int li, osip_trace_level_t level, const char *chfr, va_list ap)
{
    (void)fi;
    (void)li;
    (void)level;
    (void)chfr;
    (void)ap;
}

static void silence_osip(void)
{
    osip_trace_initialize_func(END_TRACE_LEVEL, trace_noop);
    for (int l = 0; l < END_TRACE_LEVEL; l++)
        osip_trace_disable_level((osip_trace_level_t)l);
}

/* UDP payload of an Ethernet (optionally 802.1Q) / IPv4 / UDP frame; NULL if
 * the frame is something else or truncated. */
static const u_char *udp_payload(const u_char *d, uint32_t caplen, size_t *len)
{
    size_t off = 14;
    if (caplen < 14)
        return NULL;
    unsigned et = (unsigned)d[12] << 8 | d[13];
    if (et == 0x8100) {
        if (caplen < 18)
            return NULL;
        et = (unsigned)d[16] << 8 | d[17];
        off = 18;
    }
    if (et != 0x0800 || caplen < off + 20)
        return NULL;
    const u_char *ip = d + off;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    size_t tot = (size_t)ip[2] << 8 | ip[3];
    if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17 || (((ip[6] & 0x3f) << 8 | ip[7]) != 0))
        return NULL; /* not v4, not UDP, or a fragment */
    if (tot < ihl + 8 || caplen < off + tot)
        return NULL;
    const u_char *udp = ip + ihl;
    size_t ulen = (size_t)udp[4] << 8 | udp[5];
    if (ulen < 8 || ulen > tot - ihl)
        return NULL;
    *len = ulen - 8;
    return udp + 8;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: sipwatch-bench-parse [-s SAMPLE] [--threads N] FILE.pcap\n"
               "  Parses every UDP payload with libosip2 and reports messages/s.\n"
               "  --threads N  N threads (default 1), each reading the whole file and parsing\n"
               "               every Nth UDP payload; messages/s is their total over the\n"
               "               wall time until the last one finished\n"
               "  -s SAMPLE    also load the first SAMPLE payloads into memory and time\n"
               "               reading alone vs parsing alone on them, on one thread\n"
               "               (default 0 = off)\n");
}

/* One parsing thread: its share of the file and what it counted. */
typedef struct {
    const char *file;
    unsigned index, nthreads;
    uint64_t packets, parsed, errors, skipped, bytes;
    double secs;
    int failed;
    char err[PCAP_ERRBUF_SIZE];
} share_t;

/* Reads the whole capture and parses the UDP payloads numbered index modulo
 * nthreads (counted over UDP payloads, so the shares are even). */
static void *parse_share(void *arg)
{
    share_t *sh = arg;
    double t0 = now_s();
    pcap_t *p = pcap_open_offline(sh->file, sh->err);
    if (!p) {
        sh->failed = 1;
        return NULL;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t nth = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        size_t len;
        const u_char *pl = udp_payload(data, h->caplen, &len);
        if (!pl || len == 0) {
            if (sh->index == 0) { /* counted once */
                sh->packets++;
                sh->skipped++;
            }
            continue;
        }
        if (nth++ % sh->nthreads != sh->index)
            continue;
        sh->packets++;
        sh->bytes += len;
        osip_message_t *m = NULL;
        if (osip_message_init(&m) != 0) {
            snprintf(sh->err, sizeof sh->err, "out of memory");
            sh->failed = 1;
            break;
        }
        if (osip_message_parse(m, (const char *)pl, len) == 0)
            sh->parsed++;
        else
            sh->errors++;
        osip_message_free(m);
    }
    if (rc == PCAP_ERROR) {
        snprintf(sh->err, sizeof sh->err, "%s", pcap_geterr(p));
        sh->failed = 1;
    }
    pcap_close(p);
    sh->secs = now_s() - t0;
    return NULL;
}

/* Runs nthreads parse_share threads; prints the totals. Returns the exit
 * status part: 1 failure, 2 parse errors, 0 fine. */
static int parse_all(const char *file, unsigned nthreads)
{
    share_t *sh = calloc(nthreads, sizeof *sh);
    pthread_t *tid = calloc(nthreads, sizeof *tid);
    if (!sh || !tid)
        return 1;
    double t0 = now_s();
    for (unsigned k = 0; k < nthreads; k++) {
        sh[k].file = file;
        sh[k].index = k;
        sh[k].nthreads = nthreads;
        if (nthreads == 1) {
            parse_share(&sh[k]);    /* the main thread, as without --threads */
        } else if (pthread_create(&tid[k], NULL, parse_share, &sh[k]) != 0) {
            fprintf(stderr, "sipwatch-bench-parse: cannot start thread %u\n", k);
            return 1;
        }
    }
    for (unsigned k = 0; nthreads > 1 && k < nthreads; k++)
        pthread_join(tid[k], NULL);
    double secs = now_s() - t0;
    share_t all = {0};
    for (unsigned k = 0; k < nthreads; k++) {
        if (sh[k].failed) {
            fprintf(stderr, "sipwatch-bench-parse: %s\n", sh[k].err);
            return 1;
        }
        all.packets += sh[k].packets;
        all.parsed += sh[k].parsed;
        all.errors += sh[k].errors;
        all.skipped += sh[k].skipped;
        all.bytes += sh[k].bytes;
    }
    printf("threads: %u\n", nthreads);
    printf("packets: %llu\n", (unsigned long long)all.packets);
    printf("messages parsed: %llu\n", (unsigned long long)all.parsed);
    printf("parse errors: %llu\n", (unsigned long long)all.errors);
    printf("skipped (not UDP/IPv4 or truncated): %llu\n", (unsigned long long)all.skipped);
    printf("payload bytes: %llu\n", (unsigned long long)all.bytes);
    printf("seconds: %.3f\n", secs);
    printf("messages/s: %.0f\n", secs > 0 ? (double)(all.parsed + all.errors) / secs : 0.0);
    for (unsigned k = 0; nthreads > 1 && k < nthreads; k++)
        printf("thread %u: %llu messages, %.3f s, %.0f msg/s\n", k,
               (unsigned long long)(sh[k].parsed + sh[k].errors), sh[k].secs,
               sh[k].secs > 0 ? (double)(sh[k].parsed + sh[k].errors) / sh[k].secs : 0.0);
    free(sh);
    free(tid);
    return all.errors ? 2 : 0;
}

/* Loads the first `sample` payloads into memory, then times reading alone
 * against parsing alone on them. */
static int time_sample(const char *file, long sample)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    char **bufs = calloc((size_t)sample, sizeof *bufs);
    size_t *lens = calloc((size_t)sample, sizeof *lens);
    if (!bufs || !lens)
        return 1;
    double r0 = now_s();
    pcap_t *p = pcap_open_offline(file, err);
    if (!p) {
        fprintf(stderr, "sipwatch-bench-parse: %s\n", err);
        return 1;
    }
    long n = 0;
    while (n < sample && pcap_next_ex(p, &h, &data) == 1) {
        size_t len;
        const u_char *pl = udp_payload(data, h->caplen, &len);
        if (!pl || len == 0)
            continue;
        bufs[n] = malloc(len);
        if (!bufs[n])
            return 1;
        memcpy(bufs[n], pl, len);
        lens[n++] = len;
    }
    pcap_close(p);
    double r1 = now_s();
    uint64_t serr = 0;
    for (long k = 0; k < n; k++) {
        osip_message_t *m = NULL;
        if (osip_message_init(&m) != 0)
            return 1;
        if (osip_message_parse(m, bufs[k], lens[k]) != 0)
            serr++;
        osip_message_free(m);
    }
    double r2 = now_s();
    printf("sample messages: %ld\n", n);
    printf("sample read+copy seconds: %.3f (%.0f msg/s)\n", r1 - r0,
           r1 > r0 ? (double)n / (r1 - r0) : 0.0);
    printf("sample parse-only seconds: %.3f (%.0f msg/s, %llu errors)\n", r2 - r1,
           r2 > r1 ? (double)n / (r2 - r1) : 0.0, (unsigned long long)serr);
    for (long k = 0; k < n; k++)
        free(bufs[k]);
    free(bufs);
    free(lens);
    return 0;
}

int main(int argc, char **argv)
{
    long sample = 0, threads = 1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            sample = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            threads = strtol(argv[++i], NULL, 10);
        } else if (strncmp(argv[i], "--threads=", 10) == 0) {
            threads = strtol(argv[i] + 10, NULL, 10);
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 64;
        }
    }
    if (i != argc - 1 || sample < 0 || threads < 1 || threads > 256) {
        usage(stderr);
        return 64;
    }
    const char *file = argv[i];

    silence_osip();
    parser_init();

    int rc = parse_all(file, (unsigned)threads);
    if (rc == 1)
        return 1;
    if (sample > 0 && time_sample(file, sample) != 0)
        return 1;
    return rc;
}
