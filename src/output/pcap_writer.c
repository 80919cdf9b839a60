/* Classic pcap writing of SIP messages as UDP or TCP packets (see
 * pcap_writer.h). Checksums are filled in so that readers do not flag the
 * packets; IPv4 carries DF, hop limits are 64. */
#include "pcap_writer.h"

#include <stdlib.h>
#include <string.h>

static void put16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32be(uint8_t *p, uint32_t v)
{
    put16be(p, (uint16_t)(v >> 16));
    put16be(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The transport checksum over the pseudo-header and the segment. */
static uint16_t l4_checksum(const uint8_t *ip, bool v6, uint8_t proto, const uint8_t *l4, size_t len)
{
    uint32_t sum = v6 ? sum16(0, ip + 8, 32) : sum16(0, ip + 12, 8);
    sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + proto;
    uint16_t c = fold(sum16(sum, l4, len));
    return c ? c : 0xffff;
}

int sw_pcap_write_header(FILE *f)
{
    uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1};
    return fwrite(hdr, sizeof hdr, 1, f) == 1 ? 0 : -1;
}

/* Builds Ethernet + IP around an l4 header of hdrlen bytes and the text,
 * lets fill() complete the l4 header, and writes the record. */
static int write_frame(FILE *f, const sw_evidence *e, uint8_t proto, size_t l4hdr, const char *text, size_t len,
                       uint32_t seq, uint32_t ack)
{
    bool v6 = e->src.ip.family == 6;
    size_t iphdr = v6 ? 40 : 20, l4len = l4hdr + len;
    if (l4len > 65507)
        return 0;
    size_t caplen = 14 + iphdr + l4len;
    uint8_t *pkt = calloc(1, caplen);
    if (!pkt)
        return -1;
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    memcpy(pkt, macs, 12);
    put16be(pkt + 12, v6 ? 0x86dd : 0x0800);
    uint8_t *ip = pkt + 14, *l4 = ip + iphdr;
    if (v6) {
        ip[0] = 0x60;
        put16be(ip + 4, (uint16_t)l4len);
        ip[6] = proto;
        ip[7] = 64;
        memcpy(ip + 8, e->src.ip.bytes, 16);
        memcpy(ip + 24, e->dst.ip.bytes, 16);
    } else {
        ip[0] = 0x45;
        put16be(ip + 2, (uint16_t)(20 + l4len));
        ip[6] = 0x40;
        ip[8] = 64;
        ip[9] = proto;
        memcpy(ip + 12, e->src.ip.bytes, 4);
        memcpy(ip + 16, e->dst.ip.bytes, 4);
        put16be(ip + 10, fold(sum16(0, ip, 20)));
    }
    put16be(l4, e->src.port);
    put16be(l4 + 2, e->dst.port);
    memcpy(l4 + l4hdr, text, len);
    if (proto == 17) {
        put16be(l4 + 4, (uint16_t)l4len);
        put16be(l4 + 6, l4_checksum(ip, v6, proto, l4, l4len));
    } else {
        put32be(l4 + 4, seq);
        put32be(l4 + 8, ack);
        l4[12] = 5 << 4;
        l4[13] = 0x18;              /* PSH, ACK */
        put16be(l4 + 14, 65535);
        put16be(l4 + 16, l4_checksum(ip, v6, proto, l4, l4len));
    }
    uint32_t rec[4] = {(uint32_t)(e->ts / SW_USEC_PER_SEC), (uint32_t)(e->ts % SW_USEC_PER_SEC),
                       (uint32_t)caplen, (uint32_t)caplen};
    int rc = (fwrite(rec, sizeof rec, 1, f) == 1 && fwrite(pkt, caplen, 1, f) == 1) ? 1 : -1;
    free(pkt);
    return rc;
}

int sw_pcap_write_udp(FILE *f, const sw_evidence *ev, const char *text, size_t len)
{
    return write_frame(f, ev, 17, 8, text, len, 0, 0);
}

int sw_pcap_write_tcp(FILE *f, const sw_evidence *ev, const char *text, size_t len, uint32_t seq, uint32_t ack)
{
    return write_frame(f, ev, 6, 20, text, len, seq, ack);
}
