/* sipwatch-bench-read: the read ceiling. A bare libpcap loop
 * (pcap_open_offline + pcap_next_ex) over a capture, counting packets and
 * bytes and nothing else: no tool that reads the file through libpcap can be
 * faster than this on the same machine. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile uint64_t sink; /* keeps the data reads from being optimised out */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr, "usage: sipwatch-bench-read FILE.pcap\n");
        return argc == 2 ? 0 : 64;
    }
    char err[PCAP_ERRBUF_SIZE];
    double t0 = now_s();
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "sipwatch-bench-read: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen)
            sum += data[h->caplen - 1]; /* touch the data so the read is real */
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "sipwatch-bench-read: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    double secs = now_s() - t0;
    printf("packets: %llu\n", (unsigned long long)packets);
    printf("bytes: %llu\n", (unsigned long long)bytes);
    printf("seconds: %.3f\n", secs);
    printf("packets/s: %.0f\n", secs > 0 ? (double)packets / secs : 0.0);
    printf("MB/s: %.1f\n", secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
    sink = sum;
    return 0;
}
