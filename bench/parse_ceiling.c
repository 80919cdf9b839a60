/* sipwatch-bench-parse: the parse ceiling. Reads a capture with libpcap, takes
 * each UDP payload (Ethernet/IPv4/UDP, as sipwatch-gen writes) and parses it
 * with libosip2 (osip_message_init/parse/free) and does nothing else: the
 * best a libosip2-based analyser can do. Optionally times parsing alone on an
 * in-memory sample of payloads. */
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>
#include <pcap/pcap.h>
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
    fprintf(f, "usage: sipwatch-bench-parse [-s SAMPLE] FILE.pcap\n"
               "  Parses every UDP payload with libosip2 and reports messages/s.\n"
               "  -s SAMPLE  also load the first SAMPLE payloads into memory and time\n"
               "             reading alone vs parsing alone on them (default 0 = off)\n");
}

int main(int argc, char **argv)
{
    long sample = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            sample = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 64;
        }
    }
    if (i != argc - 1 || sample < 0) {
        usage(stderr);
        return 64;
    }
    const char *file = argv[i];

    silence_osip();
    parser_init();

    char err[PCAP_ERRBUF_SIZE];
    double t0 = now_s();
    pcap_t *p = pcap_open_offline(file, err);
    if (!p) {
        fprintf(stderr, "sipwatch-bench-parse: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, parsed = 0, errors = 0, skipped = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        size_t len;
        const u_char *pl = udp_payload(data, h->caplen, &len);
        if (!pl || len == 0) {
            skipped++;
            continue;
        }
        bytes += len;
        osip_message_t *m = NULL;
        if (osip_message_init(&m) != 0) {
            fprintf(stderr, "sipwatch-bench-parse: out of memory\n");
            return 1;
        }
        if (osip_message_parse(m, (const char *)pl, len) == 0)
            parsed++;
        else
            errors++;
        osip_message_free(m);
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "sipwatch-bench-parse: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    double secs = now_s() - t0;
    printf("packets: %llu\n", (unsigned long long)packets);
    printf("messages parsed: %llu\n", (unsigned long long)parsed);
    printf("parse errors: %llu\n", (unsigned long long)errors);
    printf("skipped (not UDP/IPv4 or truncated): %llu\n", (unsigned long long)skipped);
    printf("payload bytes: %llu\n", (unsigned long long)bytes);
    printf("seconds: %.3f\n", secs);
    printf("messages/s: %.0f\n", secs > 0 ? (double)(parsed + errors) / secs : 0.0);

    if (sample > 0) {
        /* isolate the costs: read the first SAMPLE payloads into memory, then
         * parse them from memory */
        char **bufs = calloc((size_t)sample, sizeof *bufs);
        size_t *lens = calloc((size_t)sample, sizeof *lens);
        if (!bufs || !lens)
            return 1;
        double r0 = now_s();
        p = pcap_open_offline(file, err);
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
    }
    return errors ? 2 : 0;
}
