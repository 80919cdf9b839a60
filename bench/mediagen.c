/* sipwatch-mediagen: a synthetic capture of concurrent calls with media,
 * for the media benchmark. Each call: INVITE (SDP) -> 200 (SDP) -> ACK,
 * PCMU RTP both ways every 20 ms for the talk time (0-3 ms of jitter), then
 * BYE -> 200. Calls start staggered so that about
 * CONCURRENT are up at once. Phones 10.1.x.y, a PBX 172.16.0.1:5060.
 * Deterministic: no randomness beyond a fixed per-call jitter pattern.
 * Usage: sipwatch-mediagen [-c CONCURRENT] [-n CALLS] [-t TALK_S] FILE.pcap */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct call {
    uint32_t id;
    uint64_t start_us;              /* INVITE time */
    uint16_t seq[2];
    uint32_t ts[2], ssrc[2];
} call;

static FILE *out;
static uint64_t last_us;            /* timestamps never go backwards */

static void put32(uint32_t v) { fwrite(&v, 4, 1, out); }
static void put16(uint16_t v) { fwrite(&v, 2, 1, out); }

static uint16_t ip_checksum(const uint8_t *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* One Ethernet/IPv4/UDP frame. */
static void frame(uint64_t t_us, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const void *payload,
                  size_t n)
{
    uint8_t hdr[42] = {0};
    memcpy(hdr, "\x00\x11\x22\x33\x44\x55\x00\x66\x77\x88\x99\xaa\x08\x00", 14);
    uint8_t *ip = hdr + 14;
    size_t iplen = 28 + n;
    ip[0] = 0x45, ip[2] = (uint8_t)(iplen >> 8), ip[3] = (uint8_t)iplen, ip[8] = 64, ip[9] = 17;
    for (int i = 0; i < 4; i++)
        ip[12 + i] = (uint8_t)(src >> (24 - 8 * i)), ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    uint16_t ck = ip_checksum(ip);
    ip[10] = (uint8_t)(ck >> 8), ip[11] = (uint8_t)ck;
    uint8_t *udp = ip + 20;
    udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport, udp[2] = (uint8_t)(dport >> 8), udp[3] = (uint8_t)dport;
    udp[4] = (uint8_t)((8 + n) >> 8), udp[5] = (uint8_t)(8 + n);
    if (t_us <= last_us)
        t_us = last_us + 1;
    last_us = t_us;
    put32((uint32_t)(t_us / 1000000)), put32((uint32_t)(t_us % 1000000));
    put32((uint32_t)(42 + n)), put32((uint32_t)(42 + n));
    fwrite(hdr, 1, 42, out);
    fwrite(payload, 1, n, out);
}

#define PBX 0xac100001u
static uint32_t phone(uint32_t id) { return 0x0a010000u | ((id % 60000) + 2); }
static uint16_t rtp_port(uint32_t id, int side) { return (uint16_t)(10000 + (id % 20000) * 2 + side * 40000 % 2); }

static void sip(uint64_t t, const call *c, int kind)
{
    static const char *const methods[] = {"INVITE", NULL, "ACK", "BYE", NULL};
    static const char *const cseqs[] = {"1 INVITE", "1 INVITE", "1 ACK", "2 BYE", "2 BYE"};
    char start[64], body[256] = "", msg[1400];
    if (methods[kind])
        snprintf(start, sizeof start, "%s sip:%u@pbx.test SIP/2.0", methods[kind], 2000 + c->id % 1000);
    else
        snprintf(start, sizeof start, "SIP/2.0 200 OK");
    bool from_phone = kind != 1 && kind != 4;
    uint32_t addr = kind == 1 ? PBX : phone(c->id);
    if (kind <= 1)
        snprintf(body, sizeof body,
                 "v=0\r\no=- %u 1 IN IP4 10.1.0.1\r\ns=-\r\nc=IN IP4 %u.%u.%u.%u\r\nt=0 0\r\n"
                 "m=audio %u RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
                 "a=sendrecv\r\n",
                 c->id, addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255,
                 kind == 0 ? rtp_port(c->id, 0) : (uint16_t)(20000 + (c->id % 20000) * 2));
    int n = snprintf(msg, sizeof msg,
                     "%s\r\nVia: SIP/2.0/UDP 10.1.0.1:5060;branch=z9hG4bK%u-%d\r\n"
                     "From: <sip:%u@pbx.test>;tag=f%u\r\nTo: <sip:%u@pbx.test>%s%u\r\nCall-ID: m%u@bench\r\n"
                     "CSeq: %s\r\nContact: <sip:%u@10.1.0.1:5060>\r\nUser-Agent: mediagen\r\n%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     start, c->id, kind, 1000 + c->id % 1000, c->id, 2000 + c->id % 1000, kind ? ";tag=t" : "",
                     kind ? c->id : 0u, c->id, cseqs[kind], 1000 + c->id % 1000,
                     body[0] ? "Content-Type: application/sdp\r\n" : "", strlen(body), body);
    if (from_phone)
        frame(t, phone(c->id), 5060, PBX, 5060, msg, (size_t)n);
    else
        frame(t, PBX, 5060, phone(c->id), 5060, msg, (size_t)n);
}

static void rtp(uint64_t t, call *c, int side)
{
    uint8_t p[172] = {0x80, 0};
    p[2] = (uint8_t)(c->seq[side] >> 8), p[3] = (uint8_t)c->seq[side];
    for (int i = 0; i < 4; i++)
        p[4 + i] = (uint8_t)(c->ts[side] >> (24 - 8 * i)), p[8 + i] = (uint8_t)(c->ssrc[side] >> (24 - 8 * i));
    memset(p + 12, 0xff, 160);
    c->seq[side]++;
    c->ts[side] += 160;
    uint16_t a = rtp_port(c->id, 0), b = (uint16_t)(20000 + (c->id % 20000) * 2);
    if (side == 0)
        frame(t, phone(c->id), a, PBX, b, p, sizeof p);
    else
        frame(t, PBX, b, phone(c->id), a, p, sizeof p);
}

int main(int argc, char **argv)
{
    unsigned concurrent = 1000, calls = 3000, talk_s = 20;
    int opt;
    while ((opt = getopt(argc, argv, "c:n:t:")) != -1) {
        if (opt == 'c') concurrent = (unsigned)atoi(optarg);
        else if (opt == 'n') calls = (unsigned)atoi(optarg);
        else if (opt == 't') talk_s = (unsigned)atoi(optarg);
        else return 2;
    }
    if (optind >= argc || !concurrent || !calls || !talk_s) {
        fprintf(stderr, "usage: sipwatch-mediagen [-c CONCURRENT] [-n CALLS] [-t TALK_S] FILE.pcap\n");
        return 2;
    }
    out = fopen(argv[optind], "wb");
    if (!out)
        return 1;
    put32(0xa1b2c3d4), put16(2), put16(4), put32(0), put32(0), put32(65535), put32(1);
    call *cs = calloc(calls, sizeof *cs);
    uint64_t t0 = 1700000000ULL * 1000000, gap = (uint64_t)talk_s * 1000000 / concurrent;
    for (unsigned i = 0; i < calls; i++) {
        cs[i].id = i + 1;
        cs[i].start_us = t0 + i * gap;
        cs[i].ssrc[0] = 0x10000000u + i, cs[i].ssrc[1] = 0x20000000u + i;
    }
    /* 20 ms ticks: every call's events due in the tick, in order. */
    uint64_t end = cs[calls - 1].start_us + (uint64_t)(talk_s + 2) * 1000000;
    unsigned first = 0;
    uint64_t packets = 0;
    for (uint64_t t = t0; t < end; t += 20000) {
        for (unsigned i = first; i < calls && cs[i].start_us < t + 20000; i++) {
            call *c = &cs[i];
            uint64_t answer = c->start_us + 1000000, bye = answer + (uint64_t)talk_s * 1000000;
            uint64_t jitter = (c->id * 7919u + (uint32_t)(t / 20000) * 104729u) % 3000;   /* 0-3 ms */
            if (c->start_us >= t && c->start_us < t + 20000)
                sip(c->start_us, c, 0), packets++;
            if (answer >= t && answer < t + 20000)
                sip(answer, c, 1), sip(answer + 5000, c, 2), packets += 2;
            if (t >= answer && t < bye) {
                rtp(t + jitter, c, 0);
                rtp(t + 3000 - jitter, c, 1);
                packets += 2;
            }
            if (bye >= t && bye < t + 20000) {
                sip(bye, c, 3), sip(bye + 5000, c, 4), packets += 2;
                if (i == first)
                    first++;
            }
        }
        while (first < calls && cs[first].start_us + (uint64_t)(talk_s + 1) * 1000000 + 20000 < t)
            first++;
    }
    fclose(out);
    fprintf(stderr, "sipwatch-mediagen: %u calls, %u concurrent, %u s talk: %llu packets\n", calls, concurrent,
            talk_s, (unsigned long long)packets);
    free(cs);
    return 0;
}
