/* Capture stage: libpcap input from files, standard input and live
 * interfaces, with the default BPF filter, clear open errors, and drop
 * counters. A file that ends mid-record stops the loop as "truncated" so that
 * everything read before the cut is still analysed and reported. */
#include "sipwatch/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#define SW_FILE_BUFFER (256 * 1024)

struct sw_capture {
    pcap_t *pcap;
    bool live;
    int fd;                         /* live: selectable descriptor, polled between frames */
    long long file_size;            /* file: its size, for progress; 0 when unknown */
    char *file_buf;                 /* stdio buffer of the capture file */
    double replay_speed;
    sw_time_us replay_first;        /* capture time of the first frame replayed */
    struct timespec replay_start;   /* wall time it was replayed at */
    int timeout_ms;
    int dlt;
    uint64_t max_packets;
    char *filter;
    sw_capture_stats stats;
};

void sw_capture_config_default(sw_capture_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->snaplen = 262144;
    cfg->promisc = true;
    cfg->timeout_ms = 100;
}

/* Non-first IPv4 fragments carry no port, and RTP is most of a PBX's UDP:
 * the default keeps every fragment and tunnel, TCP and SCTP, and all UDP
 * (RTP/RTCP for the media stage); with --no-rtp, UDP unless its payload
 * starts like RTP/RTCP (version 2), which SIP's ASCII never does;
 * and ICMP destination-unreachable errors, which tell a dead SIP port. */
char *sw_capture_default_filter(const sw_capture_config *cfg)
{
    static const char *const always =
        "(ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44) or ip proto 4 or ip proto 41 or ip proto 47 "
        "or (icmp and icmp[0] == 3) or (icmp6 and ip6[40] == 1)";
    char buf[2048];
    if (cfg->ports && cfg->ports[0]) {
        size_t off = (size_t)snprintf(buf, sizeof buf, "(");
        for (size_t i = 0; cfg->ports[i] && off < sizeof buf; i++)
            off += (size_t)snprintf(buf + off, sizeof buf - off, "%sport %u", i ? " or " : "",
                                    (unsigned)cfg->ports[i]);
        if (off < sizeof buf)
            snprintf(buf + off, sizeof buf - off, ") or %s or (vlan and ((%s) or port 5060))", always, always);
        return strdup(buf);
    }
    if (cfg->file)
        return NULL;                /* a saved capture is analysed whole */
    if (!cfg->no_rtp)
        snprintf(buf, sizeof buf, "tcp or sctp or udp or %s or vlan", always);   /* media analysed too */
    else
        snprintf(buf, sizeof buf, "tcp or sctp or (udp and not (udp[8] & 0xc0 == 0x80)) or %s or vlan", always);
    return strdup(buf);
}

static sw_capture_open_error open_live(const sw_capture_config *cfg, sw_capture *c, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_create(cfg->iface, ebuf);
    if (!c->pcap) {
        snprintf(err, errlen, "cannot open interface %s: %s", cfg->iface, ebuf);
        return SW_CAPTURE_OPEN_FAILED;
    }
    pcap_set_snaplen(c->pcap, cfg->snaplen);
    pcap_set_promisc(c->pcap, cfg->promisc);
    pcap_set_timeout(c->pcap, cfg->timeout_ms);
    pcap_set_immediate_mode(c->pcap, 0);
    if (cfg->buffer_mib > 0)
        pcap_set_buffer_size(c->pcap, cfg->buffer_mib * 1024 * 1024);
    int rc = pcap_activate(c->pcap);
    if (rc < 0) {
        const char *detail = pcap_geterr(c->pcap);
        if (!detail || !*detail)
            detail = pcap_statustostr(rc);
        switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            snprintf(err, errlen, "no such interface: %s (%s)", cfg->iface, detail);
            return SW_CAPTURE_OPEN_NO_DEVICE;
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            snprintf(err, errlen,
                     "no permission to capture on %s: run as root or grant CAP_NET_RAW and CAP_NET_ADMIN (%s)",
                     cfg->iface, detail);
            return SW_CAPTURE_OPEN_PERMISSION;
        default:
            snprintf(err, errlen, "cannot capture on %s: %s", cfg->iface, detail);
            return SW_CAPTURE_OPEN_FAILED;
        }
    }
    /* Non-blocking reads and our own poll(): a signal or an idle tick is
     * noticed within the ring timeout even when no packet arrives. */
    char nbuf[PCAP_ERRBUF_SIZE];
    if (pcap_setnonblock(c->pcap, 1, nbuf) != 0 || (c->fd = pcap_get_selectable_fd(c->pcap)) < 0) {
        snprintf(err, errlen, "cannot poll interface %s: %s", cfg->iface, nbuf);
        return SW_CAPTURE_OPEN_FAILED;
    }
    c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 100;
    c->live = true;
    return SW_CAPTURE_OPEN_OK;
}

sw_capture_open_error sw_capture_open(const sw_capture_config *cfg, bool (*linktype_ok)(int dlt),
                                      sw_capture **out, char *err, size_t errlen)
{
    *out = NULL;
    sw_capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return SW_CAPTURE_OPEN_FAILED;
    }
    c->max_packets = cfg->max_packets;
    c->replay_speed = cfg->file ? cfg->replay_speed : 0;

    sw_capture_open_error e = SW_CAPTURE_OPEN_OK;
    if (cfg->file) {
        char ebuf[PCAP_ERRBUF_SIZE] = "";
        /* Our own FILE with a large buffer: libpcap's default reads a capture
         * a few KiB at a time, a system call every few packets. */
        FILE *fp = strcmp(cfg->file, "-") == 0 ? stdin : fopen(cfg->file, "rb");
        if (fp) {
            c->file_buf = malloc(SW_FILE_BUFFER);
            if (c->file_buf)
                setvbuf(fp, c->file_buf, _IOFBF, SW_FILE_BUFFER);
            /* Only the capture thread reads it: libpcap's two reads a packet
             * need not take the stream's lock. */
            __fsetlocking(fp, FSETLOCKING_BYCALLER);
            /* libpcap's words for an empty file ("tried to read 4 file header bytes") help nobody. */
            int c0 = getc(fp);
            if (c0 == EOF) {
                snprintf(ebuf, sizeof ebuf, "%s", ferror(fp) ? strerror(errno)
                                                             : "the file is empty (not a pcap or pcapng capture)");
            } else {
                ungetc(c0, fp);
                c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
            }
            if (!c->pcap && fp != stdin)
                fclose(fp);
        } else if (!ebuf[0]) {
            snprintf(ebuf, sizeof ebuf, "%s", strerror(errno));
        }
        if (!c->pcap) {
            snprintf(err, errlen, "cannot read %s: %s",
                     strcmp(cfg->file, "-") == 0 ? "standard input" : cfg->file, ebuf);
            e = SW_CAPTURE_OPEN_FAILED;
        } else if (strcmp(cfg->file, "-") != 0) {
            struct stat st;
            if (stat(cfg->file, &st) == 0 && S_ISREG(st.st_mode))
                c->file_size = (long long)st.st_size;
        }
    } else {
        e = open_live(cfg, c, err, errlen);
    }
    if (e != SW_CAPTURE_OPEN_OK) {
        sw_capture_close(c);
        return e;
    }

    c->dlt = pcap_datalink(c->pcap);
    if (linktype_ok && !linktype_ok(c->dlt)) {
        const char *name = pcap_datalink_val_to_name(c->dlt);
        snprintf(err, errlen, "unsupported link type %s (DLT %d)%s", name ? name : "unknown", c->dlt,
                 c->live ? "" : " in the capture file");
        sw_capture_close(c);
        return SW_CAPTURE_OPEN_LINKTYPE;
    }

    c->filter = cfg->filter ? strdup(cfg->filter) : sw_capture_default_filter(cfg);
    if (c->filter && *c->filter) {
        struct bpf_program prog;
        if (pcap_compile(c->pcap, &prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "bad filter \"%s\": %s", c->filter, pcap_geterr(c->pcap));
            sw_capture_close(c);
            return SW_CAPTURE_OPEN_BAD_FILTER;
        }
        int rc = pcap_setfilter(c->pcap, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            snprintf(err, errlen, "cannot apply filter \"%s\": %s", c->filter, pcap_geterr(c->pcap));
            sw_capture_close(c);
            return SW_CAPTURE_OPEN_BAD_FILTER;
        }
    }
    c->stats.live = c->live;
    *out = c;
    return SW_CAPTURE_OPEN_OK;
}

int sw_capture_datalink(const sw_capture *c)
{
    if (!c)
        return 1;                   /* no capture (HEP only): Ethernet, unused */
    return c->dlt;
}

const char *sw_capture_datalink_name(const sw_capture *c)
{
    if (!c)
        return NULL;
    const char *n = pcap_datalink_val_to_name(c->dlt);
    return n ? n : "unknown";
}

const char *sw_capture_filter(const sw_capture *c)
{
    return c ? c->filter : NULL;
}

static sw_time_us wall_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (sw_time_us)tv.tv_sec * SW_USEC_PER_SEC + (sw_time_us)tv.tv_usec;
}

/* --replay: waits until the frame's time, relative to the first frame, has
 * passed on the wall clock (scaled by the speed), in steps short enough to
 * notice a stop and to keep timers running. Returns false when stopped. */
static bool replay_wait(sw_capture *c, sw_time_us ts, sw_idle_fn on_idle, void *user, volatile sig_atomic_t *stop)
{
    if (!c->replay_first) {
        c->replay_first = ts ? ts : 1;
        clock_gettime(CLOCK_MONOTONIC, &c->replay_start);
        return true;
    }
    if (ts <= c->replay_first)
        return true;
    double due = (double)(ts - c->replay_first) / 1e6 / c->replay_speed;
    for (;;) {
        if (stop && *stop)
            return false;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double elapsed = (double)(now.tv_sec - c->replay_start.tv_sec) +
                         (double)(now.tv_nsec - c->replay_start.tv_nsec) / 1e9;
        if (elapsed >= due)
            return true;
        double left = due - elapsed;
        if (left > 0.1)
            left = 0.1;
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = (long)(left * 1e9)}, NULL);
        if (on_idle)
            on_idle(user, c->replay_first + (sw_time_us)((elapsed + left) * c->replay_speed * 1e6));
    }
}

sw_capture_end sw_capture_run(sw_capture *c, sw_frame_fn on_frame, sw_idle_fn on_idle, void *user,
                              volatile sig_atomic_t *stop)
{
    for (;;) {
        if (stop && *stop)
            return SW_CAPTURE_STOPPED;
        if (c->max_packets && c->stats.frames >= c->max_packets)
            return SW_CAPTURE_COUNT;
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(c->pcap, &hdr, &data);
        if (rc == 1) {
            c->stats.frames++;
            sw_time_us ts = (sw_time_us)hdr->ts.tv_sec * SW_USEC_PER_SEC + (sw_time_us)hdr->ts.tv_usec;
            if (hdr->ts.tv_sec < 0)
                ts = 0;
            if (c->replay_speed > 0 && !replay_wait(c, ts, on_idle, user, stop))
                return SW_CAPTURE_STOPPED;
            size_t caplen = hdr->caplen;
            on_frame(user, ts, data, caplen, hdr->len > caplen ? hdr->len : caplen);
        } else if (rc == 0) {
            /* Live, nothing ready: wait for the ring, a signal, or the timeout. */
            struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
            int n = poll(&pfd, 1, c->timeout_ms);
            if (n == 0 && on_idle)
                on_idle(user, wall_now());      /* live: the capture clock is the system clock */
            else if (n < 0 && errno != EINTR) {
                snprintf(c->stats.error, sizeof c->stats.error, "poll: %s", strerror(errno));
                return SW_CAPTURE_ERROR;
            }
        } else if (rc == PCAP_ERROR_BREAK) {
            return c->live ? SW_CAPTURE_STOPPED : SW_CAPTURE_EOF;
        } else {
            snprintf(c->stats.error, sizeof c->stats.error, "%s", pcap_geterr(c->pcap));
            if (c->live)
                return SW_CAPTURE_ERROR;
            c->stats.truncated = true;
            return SW_CAPTURE_TRUNCATED;
        }
    }
}

void sw_capture_get_stats(sw_capture *c, sw_capture_stats *stats)
{
    if (!c) {                       /* no capture (HEP only) */
        memset(stats, 0, sizeof *stats);
        stats->live = true;
        return;
    }
    if (c->live) {
        struct pcap_stat ps;
        if (pcap_stats(c->pcap, &ps) == 0) {
            c->stats.kernel_drops = ps.ps_drop;
            c->stats.if_drops = ps.ps_ifdrop;
        }
    }
    *stats = c->stats;
}

double sw_capture_progress(sw_capture *c)
{
    if (!c || c->live || c->file_size <= 0)
        return -1;
    FILE *f = pcap_file(c->pcap);
    long pos = f ? ftell(f) : -1;
    if (pos < 0)
        return -1;
    double p = (double)pos / (double)c->file_size;
    return p > 1 ? 1 : p;
}

void sw_capture_close(sw_capture *c)
{
    if (!c)
        return;
    if (c->pcap)
        pcap_close(c->pcap);        /* closes the FILE too */
    free(c->file_buf);
    free(c->filter);
    free(c);
}
