/* Capture stage: reads frames from a saved capture (pcap, pcapng, or
 * standard input) or a live interface through libpcap and hands each one,
 * with its capture timestamp, to a callback. Live capture uses libpcap's
 * memory-mapped ring with a short timeout (no immediate mode), and reports
 * kernel drops from pcap_stats. Nothing past this stage sees libpcap. */
#ifndef SIPWATCH_CAPTURE_H
#define SIPWATCH_CAPTURE_H

#include <signal.h>

#include "sipwatch/types.h"

typedef struct sw_capture_config {
    const char *file;           /* "-" = standard input; NULL for live */
    const char *iface;          /* live interface ("any" allowed) */
    const char *filter;         /* BPF expression; NULL = the default */
    const uint16_t *ports;      /* restrict the default filter to these ports (0-terminated), or NULL */
    int snaplen;                /* default 262144 */
    int buffer_mib;             /* kernel ring size; 0 = libpcap default */
    bool promisc;               /* live: promiscuous mode */
    uint64_t max_packets;       /* stop after this many frames; 0 = no limit */
    int timeout_ms;             /* live: ring delivery timeout (default 100 ms) */
    bool no_rtp;                /* live default filter: leave RTP/RTCP out (--no-rtp) */
    double replay_speed;        /* file: pace frames by their timestamps (1 = real time); 0 = as fast as possible */
} sw_capture_config;

typedef struct sw_capture_stats {
    uint64_t frames;            /* frames handed on */
    uint64_t kernel_drops;      /* live: dropped by the kernel (ps_drop) */
    uint64_t if_drops;          /* live: dropped by the interface/driver (ps_ifdrop) */
    bool live;
    bool truncated;             /* the file ended in the middle of a record */
    char error[256];            /* why reading stopped early, if it did */
} sw_capture_stats;

typedef enum sw_capture_end {
    SW_CAPTURE_EOF = 0,         /* end of file */
    SW_CAPTURE_COUNT,           /* -c packet count reached */
    SW_CAPTURE_STOPPED,         /* stop flag raised (signal) */
    SW_CAPTURE_TRUNCATED,       /* the file is cut or corrupt after some records */
    SW_CAPTURE_ERROR,           /* live capture failed */
} sw_capture_end;

typedef enum sw_capture_open_error {
    SW_CAPTURE_OPEN_OK = 0,
    SW_CAPTURE_OPEN_FAILED,     /* unreadable or corrupt file, interface problem */
    SW_CAPTURE_OPEN_NO_DEVICE,
    SW_CAPTURE_OPEN_PERMISSION,
    SW_CAPTURE_OPEN_BAD_FILTER,
    SW_CAPTURE_OPEN_LINKTYPE,   /* link type sipwatch cannot decode */
} sw_capture_open_error;

typedef struct sw_capture sw_capture;

typedef void (*sw_frame_fn)(void *user, sw_time_us ts, const uint8_t *data, size_t caplen, size_t wirelen);
/* Called in live mode when the ring timeout passes with no frame, so timers
 * can advance; `now` is the capture clock (the same clock as the timestamps). */
typedef void (*sw_idle_fn)(void *user, sw_time_us now);

void sw_capture_config_default(sw_capture_config *cfg);

/* The filter used when none is given: NULL (everything) for files without
 * ports; otherwise an expression that keeps fragments and tunnels. The
 * returned string is allocated; the caller frees it. */
char *sw_capture_default_filter(const sw_capture_config *cfg);

sw_capture_open_error sw_capture_open(const sw_capture_config *cfg, bool (*linktype_ok)(int dlt),
                                      sw_capture **out, char *err, size_t errlen);
int sw_capture_datalink(const sw_capture *cap);
const char *sw_capture_datalink_name(const sw_capture *cap);
const char *sw_capture_filter(const sw_capture *cap);   /* the filter in force, or NULL */
/* The accessors accept a NULL capture (a run that only listens for HEP). */

sw_capture_end sw_capture_run(sw_capture *cap, sw_frame_fn on_frame, sw_idle_fn on_idle, void *user,
                              volatile sig_atomic_t *stop);

void sw_capture_get_stats(sw_capture *cap, sw_capture_stats *stats);

/* Fraction of a capture file read so far (0..1), or -1 for live capture and
 * standard input. */
double sw_capture_progress(sw_capture *cap);
void sw_capture_close(sw_capture *cap);

#endif
