/* Command-line parsing. The options follow tcpdump's conventions (-r, -i,
 * -B, -c, -s, a trailing BPF filter) and are a public interface: README and
 * man/sipwatch.8 document each one; keep all three in step. */
#include "sipwatch/app.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    OPT_JSON = 256,
    OPT_DUMP,
    OPT_NO_PROMISC,
    OPT_MAX_MESSAGE,
    OPT_THREADS,
};

static const struct option long_options[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"count", required_argument, NULL, 'c'},
    {"snaplen", required_argument, NULL, 's'},
    {"port", required_argument, NULL, 'p'},
    {"json", no_argument, NULL, OPT_JSON},
    {"dump", no_argument, NULL, OPT_DUMP},
    {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
    {"max-message", required_argument, NULL, OPT_MAX_MESSAGE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void sw_options_usage(FILE *out)
{
    fputs("Usage: sipwatch -r FILE | -i IFACE [options] [BPF filter]\n"
          "Watches SIP traffic and reports what is wrong with it.\n"
          "\n"
          "Input:\n"
          "  -r, --read FILE        read a pcap or pcapng file ('-' = standard input)\n"
          "  -i, --interface IFACE  capture live on IFACE ('any' for all interfaces)\n"
          "  -c, --count N          stop after N packets\n"
          "  -B, --buffer-size MIB  kernel capture buffer for live capture, in MiB\n"
          "  -s, --snaplen BYTES    bytes captured per packet (default 262144)\n"
          "  -p, --port PORT        capture only these SIP ports (repeatable), plus IP\n"
          "                         fragments and tunnels; default: SIP on any port\n"
          "      --no-promisc       do not put the interface in promiscuous mode\n"
          "      --max-message BYTES  largest SIP message analysed (default 262144)\n"
          "      --threads N        SIP parsing threads (default: one per CPU, at most 8;\n"
          "                         0 parses on the capture thread)\n"
          "  A BPF filter after the options replaces the default filter.\n"
          "\n"
          "Output:\n"
          "      --json             JSON Lines on standard output, ending with a stats line\n"
          "      --dump             one line per SIP message\n"
          "  (default: a summary of the run)\n"
          "\n"
          "  -h, --help             this help\n"
          "  -V, --version          version\n"
          "\n"
          "Exit status: 0 ok, 1 findings of warning severity or worse, 2 usage error,\n"
          "3 input error (file, interface, link type), 4 capture failure.\n",
          out);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end || x > max)
        return -1;
    *v = x;
    return 0;
}

int sw_options_parse(int argc, char **argv, sw_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    sw_capture_config_default(&o->capture);
    o->max_message_len = 256 * 1024;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cpus > 1 ? (int)(cpus > 8 ? 8 : cpus) : 0;

    opterr = 0;
    optind = 1;
    int c;
    unsigned long long v;
    while ((c = getopt_long(argc, argv, "+:r:i:B:c:s:p:hV", long_options, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->capture.file = optarg;
            break;
        case 'i':
            o->capture.iface = optarg;
            break;
        case 'B':
            if (parse_uint(optarg, 4096, &v) || v == 0) {
                snprintf(err, errlen, "invalid buffer size '%s' (MiB, 1-4096)", optarg);
                return -1;
            }
            o->capture.buffer_mib = (int)v;
            break;
        case 'c':
            if (parse_uint(optarg, UINT64_MAX, &v) || v == 0) {
                snprintf(err, errlen, "invalid packet count '%s'", optarg);
                return -1;
            }
            o->capture.max_packets = v;
            break;
        case 's':
            if (parse_uint(optarg, 262144, &v) || v < 64) {
                snprintf(err, errlen, "invalid snapshot length '%s' (64-262144)", optarg);
                return -1;
            }
            o->capture.snaplen = (int)v;
            break;
        case 'p':
            if (parse_uint(optarg, 65535, &v) || v == 0) {
                snprintf(err, errlen, "invalid port '%s'", optarg);
                return -1;
            }
            if (o->nports >= SW_MAX_PORTS) {
                snprintf(err, errlen, "too many ports (at most %d)", SW_MAX_PORTS);
                return -1;
            }
            o->ports[o->nports++] = (uint16_t)v;
            o->capture.ports = o->ports;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_DUMP:
            o->dump = true;
            break;
        case OPT_NO_PROMISC:
            o->capture.promisc = false;
            break;
        case OPT_MAX_MESSAGE:
            if (parse_uint(optarg, 16u * 1024 * 1024, &v) || v < 512) {
                snprintf(err, errlen, "invalid message size '%s' (512 bytes to 16 MiB)", optarg);
                return -1;
            }
            o->max_message_len = (size_t)v;
            break;
        case OPT_THREADS:
            if (parse_uint(optarg, 64, &v)) {
                snprintf(err, errlen, "invalid thread count '%s' (0-64)", optarg);
                return -1;
            }
            o->threads = (int)v;
            break;
        case 'h':
            o->help = true;
            return 0;
        case 'V':
            o->version = true;
            return 0;
        case ':':
            if (optopt > 0 && optopt < 256 && optopt != OPT_MAX_MESSAGE)
                snprintf(err, errlen, "option -%c needs a value", optopt);
            else
                snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return -1;
        case '?':
        default:
            if (optopt > 0 && optopt < 256)
                snprintf(err, errlen, "unknown option -%c", optopt);
            else
                snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
            return -1;
        }
    }

    if (!o->capture.file == !o->capture.iface) {
        snprintf(err, errlen, o->capture.file ? "give either -r FILE or -i IFACE, not both"
                                              : "nothing to read: give -r FILE or -i IFACE");
        return -1;
    }
    if (o->json && o->dump) {
        snprintf(err, errlen, "--json and --dump both write to standard output: choose one");
        return -1;
    }

    if (optind < argc) {
        size_t len = 0;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        o->filter = malloc(len);
        if (!o->filter) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        o->filter[0] = '\0';
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(o->filter, " ");
            strcat(o->filter, argv[i]);
        }
        o->capture.filter = o->filter;
    }
    return 0;
}

void sw_options_free(sw_options *o)
{
    free(o->filter);
    o->filter = NULL;
}
