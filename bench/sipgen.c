/* sipwatch-gen: writes a deterministic (seeded) classic pcap of synthetic SIP
 * traffic (Ethernet/IPv4/UDP) between many phones and one PBX, for benchmarks
 * and detection tests: registrations, authenticated calls, blind transfers and
 * keepalives, with optional injected problems (auth loops, REFERs that never
 * get a NOTIFY) listed in a manifest. Two profiles: default (a fixed number of
 * dialog slots) and busy-pbx (random arrivals at 4,000 messages/s, real call
 * timings). Streams to disk; memory is O(dialogs in flight). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Deterministic random numbers (xoshiro256**, seeded by splitmix64).       */

static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng_s[i] = splitmix64(&seed);
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
    uint64_t r = rotl64(rng_s[1] * 5, 7) * 9;
    uint64_t t = rng_s[1] << 17;
    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl64(rng_s[3], 45);
    return r;
}

/* uniform in [lo, hi] */
static uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
    return lo + (uint32_t)(rnd() % ((uint64_t)hi - lo + 1));
}

/* uniform in [0, 1) */
static double rnd_unit(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static double rnd_between(double lo, double hi)
{
    return lo + (hi - lo) * rnd_unit();
}

static void rnd_hex(char *out, int n)
{
    static const char hx[] = "0123456789abcdef";
    uint64_t r = 0;
    for (int i = 0; i < n; i++) {
        if ((i & 15) == 0)
            r = rnd();
        out[i] = hx[r & 15];
        r >>= 4;
    }
    out[n] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Text buffer.                                                             */

typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_fmt(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_fmt(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        fprintf(stderr, "sipwatch-gen: internal error: message buffer overflow\n");
        exit(2);
    }
    b->len += (size_t)n;
}

static void sb_str(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (n >= b->cap - b->len) {
        fprintf(stderr, "sipwatch-gen: internal error: message buffer overflow\n");
        exit(2);
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* ------------------------------------------------------------------------ */
/* Model: phones, the PBX, dialogs.                                         */

#define PBX_PORT 5060
static uint32_t pbx_ip = 0xAC100001u;      /* 172.16.0.1 (busy-pbx: 10.0.0.1) */
static const char *pbx_str = "172.16.0.1";
#define REALM "sipwatch-pbx"

typedef struct {
    uint32_t ip;
    uint16_t port;
    uint16_t ua;
    uint16_t ip_id;
    uint8_t mac[6];
    int ext;
    char ipstr[20];
} phone_t;

static const struct {
    const char *ua;
    uint8_t oui[3];
} vendors[] = {
    {"Yealink SIP-T46S 66.86.0.15", {0x80, 0x5e, 0xc0}},
    {"Yealink SIP-T54W 96.86.0.100", {0x24, 0x9a, 0xd8}},
    {"PolycomVVX-VVX_450-UA/6.4.3.5018", {0x64, 0x16, 0x7f}},
    {"Grandstream GXP2170 1.0.11.23", {0x00, 0x0b, 0x82}},
    {"Cisco/SPA504G-7.6.2f", {0x00, 0x1b, 0x54}},
    {"snom D785/10.1.141.13", {0x00, 0x04, 0x13}},
    {"Fanvil X6U 2.12.1", {0x0c, 0x38, 0x3e}},
    {"Zoiper v2.10.19.5", {0x3c, 0x7c, 0x3f}},
};
#define N_VENDORS (sizeof vendors / sizeof vendors[0])

static const char *const first_names[] = {
    "Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
    "Karl", "Laura", "Mallory", "Nina", "Oscar", "Peggy", "Quentin", "Rita", "Steve", "Trudy",
    "Ursula", "Victor", "Wendy", "Xavier", "Yvonne", "Zack",
};
#define N_NAMES (sizeof first_names / sizeof first_names[0])

static const char PBX_UA[] = "Asterisk PBX 20.5.2";
static const uint8_t PBX_MAC[6] = {0x52, 0x54, 0x00, 0x5a, 0x01, 0x01};
static uint16_t pbx_ip_id = 1;
static const char ALLOW[] = "INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS, INFO, SUBSCRIBE, UPDATE, PRACK, MESSAGE";
static const char PBX_ALLOW[] = "OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, INFO, MESSAGE, REFER";

enum dtype {
    D_OPTIONS_OUT, /* PBX qualifies a phone: OPTIONS -> 200 */
    D_OPTIONS_IN,  /* phone keepalive to the PBX: OPTIONS -> 200 */
    D_REGISTER,    /* REGISTER -> 401 -> REGISTER(auth) -> 200 */
    D_CALL_OUT,    /* phone calls through the PBX (407 challenge), maybe transfers */
    D_CALL_IN,     /* PBX calls a phone, maybe transfers */
    D_AUTH_LOOP,   /* injected: REGISTER with wrong password, 401 again and again */
    D_REFER_LOST,  /* injected: REFER -> 202 and never a NOTIFY */
    D_NTYPES
};

static const char *const dtype_name[D_NTYPES] = {
    "options-out", "options-in", "register", "call-out", "call-in", "auth-loop", "refer-no-notify",
};

typedef struct {
    int type;
    int step, len;
    int transfer;      /* call includes a blind transfer */
    int challenges;    /* auth loop: number of 401s */
    int bye_by_phone;  /* call-in without transfer: who hangs up */
    phone_t *ph;
    int peer_ext;      /* the other party's number */
    char peer_num[24];
    uint32_t p_cseq;   /* phone's next CSeq in this dialog / registration */
    uint32_t x_cseq;   /* PBX's CSeq in this dialog */
    char call_id[64];
    char ptag[16], xtag[16], ctag[16]; /* phone tag, PBX tag, challenge-response tag */
    char branch[32];
    char nonce[48], cnonce[20], opaque[20];
    uint32_t sess_id;
    uint16_t p_rtp, x_rtp;
    /* the request being answered */
    const char *req_method;
    uint32_t req_cseq;
    int req_from_phone;
    int req_has_totag;
    /* problems manifest */
    int problem;        /* index into problems[] or -1 */
    uint64_t serial;
    double due;         /* virtual time of next step */
    size_t heap_pos;
    /* busy-pbx profile */
    int skip;           /* steps of the script left out (a call-out without the 407) */
    int prestarted;     /* a call already in progress when the capture starts */
    int seen;           /* has written a message */
    double tscale;      /* injected problem: its long waits are multiplied by this */
} dialog_t;

typedef struct {
    int type;
    char call_id[64];
    char user[16];
    char ip[20];
    int challenges;
    uint64_t first_frame, last_frame;
    uint64_t first_us, last_us;
} problem_t;

/* ------------------------------------------------------------------------ */
/* Options and global state.                                                */

static uint64_t opt_messages = 10000;
static uint32_t opt_concurrent = 2000;
static uint64_t opt_seed = 1;
static uint32_t opt_auth_loops = 0, opt_lost_notifies = 0;
static double opt_rate = 0; /* 0: same number as opt_concurrent */
static const char *opt_out = NULL, *opt_manifest = NULL;
enum { PROFILE_DEFAULT, PROFILE_BUSY };
static int opt_profile = PROFILE_DEFAULT;
static uint32_t opt_phones = 0; /* 0: by profile */
static double opt_hold = 120.0; /* busy-pbx: mean talk time of a call, seconds */
#define BUSY (opt_profile == PROFILE_BUSY)

static FILE *out;
static uint64_t emitted;        /* SIP messages (= packets) written */
static uint64_t bytes_written;
static uint64_t inflight_left;  /* messages still to come from started dialogs */
static uint64_t dialog_serial;
static uint64_t per_type[D_NTYPES];
static double vnow;             /* virtual (scheduler) time, seconds */
static double clock_us;         /* capture clock, microseconds since start */
static uint64_t last_ts;        /* timestamp of the last packet written */
static const uint64_t epoch_us = 1710234000ULL * 1000000ULL; /* 2024-03-12 09:00:00 UTC */

static phone_t *phones;
static uint32_t n_phones, n_bad_phones;

static problem_t *problems;
static uint32_t n_problems;

typedef struct {
    uint64_t at;    /* start once this many messages were emitted */
    int type;
    int challenges; /* auth loop */
} trigger_t;
static trigger_t *triggers;
static uint32_t n_triggers, next_trigger;
static uint64_t reserved;       /* messages kept for injections not started yet */

/* ------------------------------------------------------------------------ */
/* pcap output.                                                             */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < n)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void out_write(const void *p, size_t n)
{
    if (fwrite(p, 1, n, out) != n) {
        fprintf(stderr, "sipwatch-gen: write failed: %s\n", strerror(errno));
        exit(1);
    }
    bytes_written += n;
}

static void write_pcap_header(void)
{
    uint8_t h[24];
    uint32_t magic = 0xa1b2c3d4u, snap = 65535, link = 1;
    uint16_t vmaj = 2, vmin = 4;
    int32_t zone = 0;
    uint32_t sigfigs = 0;
    memcpy(h, &magic, 4); /* native byte order, as libpcap writes it */
    memcpy(h + 4, &vmaj, 2);
    memcpy(h + 6, &vmin, 2);
    memcpy(h + 8, &zone, 4);
    memcpy(h + 12, &sigfigs, 4);
    memcpy(h + 16, &snap, 4);
    memcpy(h + 20, &link, 4);
    out_write(h, sizeof h);
}

static void write_packet(int from_phone, phone_t *ph, const char *payload, size_t plen)
{
    static uint8_t pkt[16 + 14 + 20 + 8 + 2048];
    if (plen > 2000) {
        fprintf(stderr, "sipwatch-gen: internal error: payload of %zu bytes\n", plen);
        exit(2);
    }
    uint64_t ts = epoch_us + (uint64_t)clock_us;
    last_ts = ts;
    uint32_t caplen = (uint32_t)(14 + 20 + 8 + plen);
    uint32_t rec[4] = {(uint32_t)(ts / 1000000u), (uint32_t)(ts % 1000000u), caplen, caplen};
    memcpy(pkt, rec, 16);

    uint8_t *eth = pkt + 16;
    memcpy(eth, from_phone ? PBX_MAC : ph->mac, 6);
    memcpy(eth + 6, from_phone ? ph->mac : PBX_MAC, 6);
    put16(eth + 12, 0x0800);

    uint32_t sip = from_phone ? ph->ip : pbx_ip, dip = from_phone ? pbx_ip : ph->ip;
    uint16_t sport = from_phone ? ph->port : PBX_PORT, dport = from_phone ? PBX_PORT : ph->port;
    uint8_t *ip = eth + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + 8 + plen));
    put16(ip + 4, from_phone ? ph->ip_id++ : pbx_ip_id++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 17;
    put16(ip + 10, 0);
    put32(ip + 12, sip);
    put32(ip + 16, dip);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

    uint8_t *udp = ip + 20;
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (uint16_t)(8 + plen));
    put16(udp + 6, 0);
    memcpy(udp + 8, payload, plen);
    uint32_t sum = csum_add(0, ip + 12, 8);
    sum += 17 + (uint32_t)(8 + plen);
    sum = csum_add(sum, udp, 8 + plen);
    uint16_t c = csum_fold(sum);
    put16(udp + 6, c ? c : 0xffff);

    out_write(pkt, 16 + caplen);
}

/* ------------------------------------------------------------------------ */
/* SIP message construction.                                                */

static char hbuf[4096], bbuf[2048], mbuf[6144];
static sbuf H = {hbuf, 0, sizeof hbuf};
static sbuf B = {bbuf, 0, sizeof bbuf};

static void msg_begin(void)
{
    H.len = 0;
    B.len = 0;
    hbuf[0] = bbuf[0] = '\0';
}

/* Appends Content-Length and the body, then writes the packet. */
static int busy_warming;        /* busy-pbx: before the capture starts, write nothing */

static void msg_send(dialog_t *d, int from_phone)
{
    if (busy_warming)
        return;
    sbuf M = {mbuf, 0, sizeof mbuf};
    sb_str(&M, hbuf);
    sb_fmt(&M, "Content-Length: %zu\r\n\r\n", B.len);
    if (B.len) {
        memcpy(mbuf + M.len, bbuf, B.len);
        M.len += B.len;
    }
    write_packet(from_phone, d->ph, mbuf, M.len);
    emitted++;
    inflight_left--;
}

static void new_branch(dialog_t *d)
{
    memcpy(d->branch, "z9hG4bK", 7);
    rnd_hex(d->branch + 7, 20);
}

static void phone_uri(char *o, size_t n, const dialog_t *d)
{
    snprintf(o, n, "\"%s %d\" <sip:%d@%s>", first_names[d->ph->ext % N_NAMES], d->ph->ext,
             d->ph->ext, pbx_str);
}

static void peer_uri(char *o, size_t n, const dialog_t *d)
{
    if (d->peer_ext)
        snprintf(o, n, "\"%s %d\" <sip:%d@%s>", first_names[d->peer_ext % N_NAMES],
                 d->peer_ext, d->peer_ext, pbx_str);
    else
        snprintf(o, n, "<sip:%s@%s>", d->peer_num, pbx_str);
}

static void phone_contact(sbuf *b, const dialog_t *d)
{
    sb_fmt(b, "Contact: <sip:%d@%s:%u;transport=udp>\r\n", d->ph->ext, d->ph->ipstr,
           d->ph->port);
}

static void pbx_contact(sbuf *b, const dialog_t *d)
{
    if (d->peer_ext)
        sb_fmt(b, "Contact: <sip:%d@%s:5060>\r\n", d->peer_ext, pbx_str);
    else
        sb_fmt(b, "Contact: <sip:%s@%s:5060>\r\n", d->peer_num, pbx_str);
}

/* Start of a request. from_phone: direction. The From/To are the dialog
 * identities of sender and receiver; to_tag: include the receiver's tag. */
static void req_begin(dialog_t *d, const char *method, uint32_t cseq, int from_phone,
                      const char *ruri, const char *from, const char *from_tag,
                      const char *to, const char *to_tag)
{
    msg_begin();
    new_branch(d); /* (the ACK of a 407, which reuses the INVITE's branch, is built by hand) */
    sb_fmt(&H, "%s %s SIP/2.0\r\n", method, ruri);
    if (from_phone)
        sb_fmt(&H, "Via: SIP/2.0/UDP %s:%u;branch=%s;rport\r\n", d->ph->ipstr, d->ph->port,
               d->branch);
    else
        sb_fmt(&H, "Via: SIP/2.0/UDP %s:5060;rport;branch=%s\r\n", pbx_str, d->branch);
    sb_str(&H, "Max-Forwards: 70\r\n");
    sb_fmt(&H, "From: %s;tag=%s\r\n", from, from_tag);
    if (to_tag && *to_tag)
        sb_fmt(&H, "To: %s;tag=%s\r\n", to, to_tag);
    else
        sb_fmt(&H, "To: %s\r\n", to);
    sb_fmt(&H, "Call-ID: %s\r\n", d->call_id);
    sb_fmt(&H, "CSeq: %u %s\r\n", cseq, method);
    d->req_method = method;
    d->req_cseq = cseq;
    d->req_from_phone = from_phone;
    d->req_has_totag = to_tag && *to_tag;
}

static void ua_headers(const dialog_t *d, int from_phone, int allow)
{
    if (from_phone) {
        if (allow) {
            sb_fmt(&H, "Allow: %s\r\n", ALLOW);
            sb_str(&H, "Allow-Events: talk, hold, conference, refer, check-sync\r\n");
            sb_str(&H, "Supported: replaces, timer, norefersub\r\n");
        }
        sb_fmt(&H, "User-Agent: %s\r\n", vendors[d->ph->ua].ua);
    } else {
        if (allow) {
            sb_fmt(&H, "Allow: %s\r\n", PBX_ALLOW);
            sb_str(&H, "Supported: 100rel, timer, replaces, norefersub, path\r\n");
        }
        sb_fmt(&H, "User-Agent: %s\r\n", PBX_UA);
    }
}

/* Response to the current request; totag: tag to put on To if the request
 * had none (NULL: none, as in 100 Trying). */
static void resp_begin(dialog_t *d, int code, const char *reason, const char *from,
                       const char *from_tag, const char *to, const char *to_tag,
                       const char *new_totag)
{
    msg_begin();
    sb_fmt(&H, "SIP/2.0 %d %s\r\n", code, reason);
    if (d->req_from_phone)
        sb_fmt(&H, "Via: SIP/2.0/UDP %s:%u;branch=%s;received=%s;rport=%u\r\n", d->ph->ipstr,
               d->ph->port, d->branch, d->ph->ipstr, d->ph->port);
    else
        sb_fmt(&H, "Via: SIP/2.0/UDP %s:5060;rport=5060;branch=%s\r\n", pbx_str, d->branch);
    sb_fmt(&H, "From: %s;tag=%s\r\n", from, from_tag);
    const char *tt = d->req_has_totag ? to_tag : new_totag;
    if (tt && *tt)
        sb_fmt(&H, "To: %s;tag=%s\r\n", to, tt);
    else
        sb_fmt(&H, "To: %s\r\n", to);
    sb_fmt(&H, "Call-ID: %s\r\n", d->call_id);
    sb_fmt(&H, "CSeq: %u %s\r\n", d->req_cseq, d->req_method);
}

static void sdp_body(const dialog_t *d, int from_phone)
{
    const char *ip = from_phone ? d->ph->ipstr : pbx_str;
    unsigned port = from_phone ? d->p_rtp : d->x_rtp;
    uint32_t sess = from_phone ? d->sess_id : d->sess_id ^ 0x5a5a5a;
    B.len = 0;
    sb_fmt(&B,
           "v=0\r\n"
           "o=%s %u %u IN IP4 %s\r\n"
           "s=%s\r\n"
           "c=IN IP4 %s\r\n"
           "t=0 0\r\n"
           "m=audio %u RTP/AVP 0 8 101\r\n"
           "a=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:8 PCMA/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n"
           "a=fmtp:101 0-16\r\n"
           "a=ptime:20\r\n"
           "a=maxptime:150\r\n"
           "a=sendrecv\r\n",
           from_phone ? "-" : "root", sess, sess + 1, ip, from_phone ? "SDP data" : "Asterisk",
           ip, port);
    if (!from_phone)
        sb_str(&B, "a=rtcp-mux\r\n");
    sb_str(&H, "Content-Type: application/sdp\r\n");
}

static void digest_creds(const dialog_t *d, const char *hname, const char *uri)
{
    char resp[33];
    rnd_hex(resp, 32);
    sb_fmt(&H,
           "%s: Digest username=\"%d\", realm=\"" REALM "\", nonce=\"%s\", uri=\"%s\", "
           "response=\"%s\", algorithm=MD5, cnonce=\"%s\", opaque=\"%s\", qop=auth, nc=00000001\r\n",
           hname, d->ph->ext, d->nonce, uri, resp, d->cnonce, d->opaque);
}

static void digest_challenge(dialog_t *d, const char *hname)
{
    rnd_hex(d->nonce, 40);
    rnd_hex(d->opaque, 16);
    rnd_hex(d->cnonce, 16);
    sb_fmt(&H, "%s: Digest realm=\"" REALM "\", nonce=\"%s\", opaque=\"%s\", algorithm=MD5, qop=\"auth\"\r\n",
           hname, d->nonce, d->opaque);
}

static void server_hdr(void)
{
    sb_fmt(&H, "Server: %s\r\n", PBX_UA);
}

/* ------------------------------------------------------------------------ */
/* Dialog scripts. Each emit_* writes message number d->step and returns the  */
/* virtual delay (seconds) before the dialog's next message.                */

static double resp_delay(void) { return rnd_between(0.002, 0.030); }

/* capture-clock seconds expressed in virtual seconds (estimated ratio) */
static double clock_to_virtual(double secs)
{
    double clk = clock_us / 1e6;
    if (vnow < 5.0 || clk < 5.0)
        return secs;
    return secs * vnow / clk;
}

/* busy-pbx: a wait of an injected problem's script, compressed (d->tscale)
 * so that the problem ends inside the capture, but never below floor. */
static double inj_wait(const dialog_t *d, double secs, double floor)
{
    double s = secs * d->tscale;
    return s > floor ? s : floor;
}

/* busy-pbx: how long a call talks, exponential around opt_hold */
static double talk_time(void)
{
    double t = -opt_hold * log(1.0 - rnd_unit());
    return t < 1.0 ? 1.0 : t > 7200.0 ? 7200.0 : t;
}

static double ring_time(const dialog_t *d)
{
    double t = rnd_between(1.0, 8.0);
    return BUSY && d->problem >= 0 ? inj_wait(d, t, 0.2) : t;
}

static double emit_options(dialog_t *d)
{
    char a[128], ruri[80];
    int out_dir = d->type == D_OPTIONS_OUT; /* PBX -> phone */
    if (out_dir) {
        snprintf(ruri, sizeof ruri, "sip:%d@%s:%u", d->ph->ext, d->ph->ipstr, d->ph->port);
        snprintf(a, sizeof a, "<%s>", ruri);
        char from[64];
        snprintf(from, sizeof from, "\"asterisk\" <sip:asterisk@%s>", pbx_str);
        if (d->step == 0) {
            req_begin(d, "OPTIONS", d->x_cseq, 0, ruri, from, d->xtag, a, NULL);
            sb_fmt(&H, "Contact: <sip:asterisk@%s:5060>\r\n", pbx_str);
            sb_str(&H, "Accept: application/sdp\r\n");
            ua_headers(d, 0, 1);
            msg_send(d, 0);
            return resp_delay();
        }
        resp_begin(d, 200, "OK", from, d->xtag, a, NULL, d->ptag);
        phone_contact(&H, d);
        sb_str(&H, "Accept: application/sdp, application/dtmf-relay, message/sipfrag\r\n");
        ua_headers(d, 1, 1);
        msg_send(d, 1);
        return 0;
    }
    phone_uri(a, sizeof a, d);
    char to[48], pbx_uri[32];
    snprintf(pbx_uri, sizeof pbx_uri, "sip:%s", pbx_str);
    snprintf(to, sizeof to, "<%s>", pbx_uri);
    if (d->step == 0) {
        req_begin(d, "OPTIONS", d->p_cseq, 1, pbx_uri, a, d->ptag, to, NULL);
        phone_contact(&H, d);
        sb_str(&H, "Accept: application/sdp\r\n");
        ua_headers(d, 1, 1);
        msg_send(d, 1);
        return resp_delay();
    }
    resp_begin(d, 200, "OK", a, d->ptag, to, NULL, d->xtag);
    sb_fmt(&H, "Contact: <sip:%s:5060>\r\n", pbx_str);
    sb_str(&H, "Accept: application/sdp\r\n");
    sb_str(&H, "Accept-Language: en\r\n");
    ua_headers(d, 0, 1);
    msg_send(d, 0);
    return 0;
}

/* REGISTER flows: normal (4 messages) and auth loop (2 * challenges). */
static double emit_register(dialog_t *d)
{
    char aor[128], registrar[32];
    phone_uri(aor, sizeof aor, d);
    snprintf(registrar, sizeof registrar, "sip:%s", pbx_str);
    if ((d->step & 1) == 0) {
        req_begin(d, "REGISTER", d->p_cseq++, 1, registrar, aor, d->ptag, aor, NULL);
        sb_fmt(&H, "Contact: <sip:%d@%s:%u;transport=udp>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-%02x%02x%02x%02x%02x%02x>\"\r\n",
               d->ph->ext, d->ph->ipstr, d->ph->port, d->ph->mac[0], d->ph->mac[1],
               d->ph->mac[2], d->ph->mac[3], d->ph->mac[4], d->ph->mac[5]);
        if (d->step > 0)
            digest_creds(d, "Authorization", registrar);
        /* busy-pbx: each phone registers about every 80 s, a short expiry */
        sb_fmt(&H, "Expires: %d\r\n", BUSY ? 120 : 3600);
        ua_headers(d, 1, 1);
        msg_send(d, 1);
        return resp_delay();
    }
    int last = d->step == d->len - 1;
    if (d->type == D_REGISTER && last) {
        resp_begin(d, 200, "OK", aor, d->ptag, aor, NULL, d->ctag);
        sb_fmt(&H, "Contact: <sip:%d@%s:%u;transport=udp>;expires=%d\r\n", d->ph->ext,
               d->ph->ipstr, d->ph->port, BUSY ? 120 : 3600);
        time_t t = (time_t)((epoch_us + (uint64_t)clock_us) / 1000000u);
        struct tm tm;
        char date[64];
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        sb_fmt(&H, "Date: %s\r\n", date);
        sb_fmt(&H, "Allow: %s\r\n", PBX_ALLOW);
        sb_str(&H, "Supported: 100rel, timer, replaces, norefersub, path\r\n");
        server_hdr();
        msg_send(d, 0);
        return 0;
    }
    rnd_hex(d->ctag, 10);
    resp_begin(d, 401, "Unauthorized", aor, d->ptag, aor, NULL, d->ctag);
    digest_challenge(d, "WWW-Authenticate");
    server_hdr();
    sb_fmt(&H, "Allow: %s\r\n", PBX_ALLOW);
    sb_str(&H, "Supported: 100rel, timer, replaces, norefersub, path\r\n");
    msg_send(d, 0);
    if (last)
        return 0;
    if (d->type == D_AUTH_LOOP) /* misconfigured phone retries after a pause */
        return BUSY ? inj_wait(d, rnd_between(1.0, 20.0), 0.3) : clock_to_virtual(rnd_between(1.0, 20.0));
    return rnd_between(0.010, 0.080);
}

/* Requests inside an established call. */
static void indialog_req(dialog_t *d, const char *method, int from_phone)
{
    char pa[128], xa[128], ruri[80];
    phone_uri(pa, sizeof pa, d);
    peer_uri(xa, sizeof xa, d);
    if (from_phone) {
        if (d->peer_ext)
            snprintf(ruri, sizeof ruri, "sip:%d@%s:5060", d->peer_ext, pbx_str);
        else
            snprintf(ruri, sizeof ruri, "sip:%s@%s:5060", d->peer_num, pbx_str);
        req_begin(d, method, d->p_cseq, 1, ruri, pa, d->ptag, xa, d->xtag);
        if (strcmp(method, "ACK") != 0)
            d->p_cseq++;
    } else {
        snprintf(ruri, sizeof ruri, "sip:%d@%s:%u;transport=udp", d->ph->ext, d->ph->ipstr,
                 d->ph->port);
        req_begin(d, method, d->x_cseq, 0, ruri, xa, d->xtag, pa, d->ptag);
        if (strcmp(method, "ACK") != 0)
            d->x_cseq++;
    }
}

static void indialog_resp(dialog_t *d, int code, const char *reason)
{
    char pa[128], xa[128];
    phone_uri(pa, sizeof pa, d);
    peer_uri(xa, sizeof xa, d);
    if (d->req_from_phone) {
        resp_begin(d, code, reason, pa, d->ptag, xa, d->xtag, d->xtag);
        server_hdr();
        msg_send(d, 0);
    } else {
        resp_begin(d, code, reason, xa, d->xtag, pa, d->ptag, d->ptag);
        ua_headers(d, 1, 0);
        msg_send(d, 1);
    }
}

/* Transfer part shared by both call directions: from step base on.
 * k: 0 REFER, 1 202, 2 NOTIFY(100), 3 200, 4 NOTIFY(200), 5 200. */
static double emit_transfer(dialog_t *d, int k)
{
    char target[96], pa[128];
    switch (k) {
    case 0:
        indialog_req(d, "REFER", 1);
        phone_contact(&H, d);
        snprintf(target, sizeof target, "sip:%d@%s", 1000 + (int)rnd_range(0, 8999), pbx_str);
        sb_fmt(&H, "Refer-To: <%s>\r\n", target);
        phone_uri(pa, sizeof pa, d);
        sb_fmt(&H, "Referred-By: %s\r\n", pa);
        ua_headers(d, 1, 1);
        msg_send(d, 1);
        return resp_delay();
    case 1:
        indialog_resp(d, 202, "Accepted");
        if (d->type == D_REFER_LOST)
            return BUSY ? inj_wait(d, rnd_between(75.0, 150.0), 8.0) /* BYE much later */
                        : clock_to_virtual(rnd_between(75.0, 150.0));
        return rnd_between(0.010, 0.150);
    case 2:
    case 4:
        indialog_req(d, "NOTIFY", 0);
        pbx_contact(&H, d);
        sb_str(&H, "Event: refer\r\n");
        if (k == 2)
            sb_str(&H, "Subscription-State: active;expires=60\r\n");
        else
            sb_str(&H, "Subscription-State: terminated;reason=noresource\r\n");
        ua_headers(d, 0, 1);
        sb_str(&H, "Content-Type: message/sipfrag;version=2.0\r\n");
        sb_str(&B, k == 2 ? "SIP/2.0 100 Trying\r\n" : "SIP/2.0 200 OK\r\n");
        msg_send(d, 0);
        return resp_delay();
    case 3:
        indialog_resp(d, 200, "OK");
        /* (busy-pbx: under the 4 s in which sipwatch calls a transfer cut by
         * the end of the capture too young to judge) */
        return BUSY ? rnd_between(0.5, 3.0) : rnd_between(0.5, 4.0);
    default:
        indialog_resp(d, 200, "OK");
        return rnd_between(0.05, 1.0);
    }
}

static double emit_call_out(dialog_t *d)
{
    char pa[128], xa[128], ruri[80];
    phone_uri(pa, sizeof pa, d);
    peer_uri(xa, sizeof xa, d);
    if (d->peer_ext)
        snprintf(ruri, sizeof ruri, "sip:%d@%s", d->peer_ext, pbx_str);
    else
        snprintf(ruri, sizeof ruri, "sip:%s@%s", d->peer_num, pbx_str);
    int s = d->step + d->skip; /* busy-pbx: most calls skip the 407 (steps 0-2) */
    switch (s) {
    case 0:
    case 3:
        req_begin(d, "INVITE", d->p_cseq, 1, ruri, pa, d->ptag, xa, NULL);
        d->p_cseq++;
        phone_contact(&H, d);
        if (s == 3 && !d->skip)
            digest_creds(d, "Proxy-Authorization", ruri);
        ua_headers(d, 1, 1);
        sb_str(&H, "Session-Expires: 1800\r\nMin-SE: 90\r\n");
        sdp_body(d, 1);
        msg_send(d, 1);
        return resp_delay();
    case 1:
        rnd_hex(d->ctag, 10);
        resp_begin(d, 407, "Proxy Authentication Required", pa, d->ptag, xa, NULL, d->ctag);
        digest_challenge(d, "Proxy-Authenticate");
        server_hdr();
        sb_fmt(&H, "Allow: %s\r\n", PBX_ALLOW);
        msg_send(d, 0);
        return rnd_between(0.001, 0.005);
    case 2: /* ACK for the 407: same branch, To tag from the 407 */
        msg_begin();
        sb_fmt(&H, "ACK %s SIP/2.0\r\n", ruri);
        sb_fmt(&H, "Via: SIP/2.0/UDP %s:%u;branch=%s;rport\r\n", d->ph->ipstr, d->ph->port,
               d->branch);
        sb_str(&H, "Max-Forwards: 70\r\n");
        sb_fmt(&H, "From: %s;tag=%s\r\n", pa, d->ptag);
        sb_fmt(&H, "To: %s;tag=%s\r\n", xa, d->ctag);
        sb_fmt(&H, "Call-ID: %s\r\n", d->call_id);
        sb_fmt(&H, "CSeq: %u ACK\r\n", d->p_cseq - 1);
        ua_headers(d, 1, 0);
        msg_send(d, 1);
        return rnd_between(0.005, 0.030);
    case 4:
        resp_begin(d, 100, "Trying", pa, d->ptag, xa, NULL, NULL);
        server_hdr();
        msg_send(d, 0);
        return rnd_between(0.05, 0.4);
    case 5:
        resp_begin(d, 180, "Ringing", pa, d->ptag, xa, NULL, d->xtag);
        pbx_contact(&H, d);
        server_hdr();
        sb_fmt(&H, "Allow: %s\r\n", PBX_ALLOW);
        msg_send(d, 0);
        return ring_time(d);
    case 6:
        resp_begin(d, 200, "OK", pa, d->ptag, xa, NULL, d->xtag);
        pbx_contact(&H, d);
        server_hdr();
        sb_fmt(&H, "Allow: %s\r\n", PBX_ALLOW);
        sb_str(&H, "Supported: 100rel, timer, replaces, norefersub\r\n");
        sb_str(&H, "Session-Expires: 1800;refresher=uac\r\nRequire: timer\r\n");
        sdp_body(d, 0);
        msg_send(d, 0);
        return rnd_between(0.005, 0.050);
    case 7:
        d->p_cseq--; /* ACK carries the INVITE's CSeq */
        indialog_req(d, "ACK", 1);
        d->p_cseq++;
        ua_headers(d, 1, 0);
        msg_send(d, 1);
        if (BUSY)
            return d->problem >= 0 ? inj_wait(d, rnd_between(4.0, 40.0), 1.0) : talk_time();
        return d->transfer ? rnd_between(3.0, 25.0) : rnd_between(4.0, 40.0);
    default:
        break;
    }
    if (d->transfer && s >= 8 && s < 14)
        return emit_transfer(d, s - 8);
    if (s == d->len + d->skip - 2) {
        indialog_req(d, "BYE", 1);
        ua_headers(d, 1, 0);
        msg_send(d, 1);
        return resp_delay();
    }
    indialog_resp(d, 200, "OK");
    return 0;
}

static double emit_call_in(dialog_t *d)
{
    char pa[128], xa[128], ruri[80];
    phone_uri(pa, sizeof pa, d);
    peer_uri(xa, sizeof xa, d);
    int s = d->step;
    switch (s) {
    case 0: {
        char to[96];
        snprintf(ruri, sizeof ruri, "sip:%d@%s:%u;transport=udp", d->ph->ext, d->ph->ipstr,
                 d->ph->port);
        snprintf(to, sizeof to, "<sip:%d@%s:%u>", d->ph->ext, d->ph->ipstr, d->ph->port);
        req_begin(d, "INVITE", d->x_cseq++, 0, ruri, xa, d->xtag, pa, NULL);
        pbx_contact(&H, d);
        ua_headers(d, 0, 1);
        sb_str(&H, "Session-Expires: 1800\r\nMin-SE: 90\r\n");
        sb_fmt(&H, "P-Asserted-Identity: %s\r\n", xa);
        sdp_body(d, 0);
        msg_send(d, 0);
        return resp_delay();
    }
    case 1:
        resp_begin(d, 100, "Trying", xa, d->xtag, pa, NULL, NULL);
        ua_headers(d, 1, 0);
        msg_send(d, 1);
        return rnd_between(0.02, 0.2);
    case 2:
        resp_begin(d, 180, "Ringing", xa, d->xtag, pa, NULL, d->ptag);
        phone_contact(&H, d);
        ua_headers(d, 1, 1);
        msg_send(d, 1);
        return rnd_between(1.0, 8.0);
    case 3:
        resp_begin(d, 200, "OK", xa, d->xtag, pa, NULL, d->ptag);
        phone_contact(&H, d);
        ua_headers(d, 1, 1);
        sb_str(&H, "Session-Expires: 1800;refresher=uas\r\nRequire: timer\r\n");
        sdp_body(d, 1);
        msg_send(d, 1);
        return rnd_between(0.005, 0.050);
    case 4:
        d->x_cseq--;
        indialog_req(d, "ACK", 0);
        d->x_cseq++;
        ua_headers(d, 0, 0);
        msg_send(d, 0);
        if (BUSY)
            return talk_time();
        return d->transfer ? rnd_between(3.0, 25.0) : rnd_between(4.0, 40.0);
    default:
        break;
    }
    if (d->transfer && s >= 5 && s < 11)
        return emit_transfer(d, s - 5);
    if (s == d->len - 2) {
        int by_phone = d->transfer || d->bye_by_phone;
        indialog_req(d, "BYE", by_phone);
        ua_headers(d, by_phone, 0);
        msg_send(d, by_phone);
        return resp_delay();
    }
    indialog_resp(d, 200, "OK");
    return 0;
}

static double emit_step(dialog_t *d)
{
    switch (d->type) {
    case D_OPTIONS_OUT:
    case D_OPTIONS_IN:
        return emit_options(d);
    case D_REGISTER:
    case D_AUTH_LOOP:
        return emit_register(d);
    case D_CALL_OUT:
        return emit_call_out(d);
    case D_CALL_IN:
        return emit_call_in(d);
    case D_REFER_LOST:
        if (d->step >= 8 && d->step < 10)
            return emit_transfer(d, d->step - 8);
        return emit_call_out(d);
    default:
        abort();
    }
}

/* ------------------------------------------------------------------------ */
/* Dialog creation with an exact message budget.                            */

static int dialog_len(const dialog_t *d)
{
    switch (d->type) {
    case D_OPTIONS_OUT:
    case D_OPTIONS_IN:
        return 2;
    case D_REGISTER:
        return 4;
    case D_CALL_OUT:
        return d->transfer ? 16 : 10;
    case D_CALL_IN:
        return d->transfer ? 13 : 7;
    case D_AUTH_LOOP:
        return 2 * d->challenges;
    case D_REFER_LOST:
        return 12;
    default:
        abort();
    }
}

/* A remaining budget r can always be filled exactly with 2-, 4- and
 * 7-message dialogs iff r == 0, r is even, or r >= 7. */
static int budget_ok(uint64_t r)
{
    return (r & 1) == 0 || r >= 7;
}

static void dialog_init(dialog_t *d, int type)
{
    memset(d, 0, sizeof *d);
    d->type = type;
    d->problem = -1;
    d->serial = ++dialog_serial;
    if (type == D_AUTH_LOOP)
        d->ph = &phones[n_phones + rnd_range(0, n_bad_phones - 1)];
    else
        d->ph = &phones[rnd_range(0, n_phones - 1)];
    if (rnd_range(0, 3) == 0) {
        d->peer_ext = 0;
        snprintf(d->peer_num, sizeof d->peer_num, "0%u%07u", rnd_range(20, 99),
                 rnd_range(0, 9999999));
    } else {
        d->peer_ext = 1000 + (int)rnd_range(0, n_phones - 1);
    }
    d->p_cseq = rnd_range(1, 30000);
    d->x_cseq = rnd_range(100, 30000);
    rnd_hex(d->ptag, 10);
    rnd_hex(d->xtag, 8);
    char r[25];
    rnd_hex(r, 24);
    /* Call-ID host: whoever starts the dialog; the serial keeps it unique */
    snprintf(d->call_id, sizeof d->call_id, "%s%08" PRIx64 "@%s", r, d->serial,
             type == D_CALL_IN || type == D_OPTIONS_OUT ? pbx_str : d->ph->ipstr);
    d->sess_id = (uint32_t)rnd_range(100000, 2000000000);
    d->p_rtp = (uint16_t)(rnd_range(5000, 15000) * 2);
    d->x_rtp = (uint16_t)(rnd_range(5000, 15000) * 2);
    d->transfer = (type == D_CALL_OUT || type == D_CALL_IN) && rnd_range(0, 99) < 25;
    d->bye_by_phone = (int)rnd_range(0, 1);
    d->challenges = type == D_AUTH_LOOP ? (int)rnd_range(4, 6) : 0;
    d->len = dialog_len(d);
}

static int random_type(void)
{
    uint32_t r = rnd_range(0, 99);
    if (r < 10) return D_OPTIONS_OUT;
    if (r < 20) return D_OPTIONS_IN;
    if (r < 45) return D_REGISTER;
    if (r < 75) return D_CALL_OUT;
    return D_CALL_IN;
}

/* Lists the injected dialog d in the manifest. */
static void note_problem(dialog_t *d)
{
    problem_t *p = &problems[n_problems];
    memset(p, 0, sizeof *p);
    p->type = d->type;
    snprintf(p->call_id, sizeof p->call_id, "%s", d->call_id);
    snprintf(p->user, sizeof p->user, "%d", d->ph->ext);
    snprintf(p->ip, sizeof p->ip, "%s", d->ph->ipstr);
    p->challenges = d->challenges;
    d->problem = (int)n_problems++;
}

/* Fills d with the next dialog to start; returns 0 when the budget is spent. */
static int dialog_new(dialog_t *d)
{
    uint64_t left = opt_messages - emitted - inflight_left;
    if (left == 0)
        return 0;
    /* an injection starts at its trigger point, or as soon as nothing but the
     * injections is left of the budget */
    if (next_trigger < n_triggers && (emitted >= triggers[next_trigger].at || left == reserved)) {
        dialog_init(d, triggers[next_trigger].type);
        if (d->type == D_AUTH_LOOP) {
            d->challenges = triggers[next_trigger].challenges;
            d->len = dialog_len(d);
        }
        if ((uint64_t)d->len <= left) {
            reserved -= (uint64_t)d->len;
            note_problem(d);
            next_trigger++;
            goto done;
        }
        /* cannot happen: its length is reserved */
        abort();
    }
    left -= reserved; /* what normal traffic may use */
    if (left == 0)
        return 0;
    dialog_init(d, random_type());
    if ((uint64_t)d->len > left || !budget_ok(left - (uint64_t)d->len)) {
        int t = (left & 1) == 0 ? (left >= 4 && rnd_range(0, 1) ? D_REGISTER : D_OPTIONS_IN)
                                : D_CALL_IN;
        dialog_init(d, t);
        if (t == D_CALL_IN && d->transfer) {
            d->transfer = 0;
            d->len = dialog_len(d);
        }
    }
done:
    inflight_left += (uint64_t)d->len;
    per_type[d->type]++;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Scheduler: min-heap of dialogs by (due, serial).                         */

static dialog_t **heap;
static size_t heap_n;

static int heap_less(const dialog_t *a, const dialog_t *b)
{
    return a->due < b->due || (a->due == b->due && a->serial < b->serial);
}

static void heap_swap(size_t i, size_t j)
{
    dialog_t *t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
    heap[i]->heap_pos = i;
    heap[j]->heap_pos = j;
}

static void heap_up(size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(heap[i], heap[p]))
            break;
        heap_swap(i, p);
        i = p;
    }
}

static void heap_down(size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_n && heap_less(heap[l], heap[m]))
            m = l;
        if (r < heap_n && heap_less(heap[r], heap[m]))
            m = r;
        if (m == i)
            break;
        heap_swap(i, m);
        i = m;
    }
}

static void heap_push(dialog_t *d)
{
    heap[heap_n] = d;
    d->heap_pos = heap_n;
    heap_up(heap_n++);
}

static void heap_pop(void)
{
    heap_n--;
    if (heap_n) {
        heap[0] = heap[heap_n];
        heap[0]->heap_pos = 0;
        heap_down(0);
    }
}

/* ------------------------------------------------------------------------ */
/* Busy-PBX profile: an open system instead of a fixed set of dialog slots.  */
/* New Call-IDs arrive as a Poisson process whose rate gives --rate messages */
/* per second in the steady state, the capture clock is the scheduler's     */
/* clock (real call timings), calls already talking when the capture starts */
/* are in it from the first packet, and the capture simply ends after -n    */
/* messages, cutting whatever is in flight, as a real capture would. The    */
/* traffic runs for a short warm-up before the first packet, so that calls  */
/* ringing and other short exchanges are in flight from the start too.     */

/* Call-ID mix: calls : REGISTERs : OPTIONS = 1/2 : 1/3 : 1/5 = 15 : 10 : 6 */
#define BUSY_CALLS 15
#define BUSY_REGS 10
#define BUSY_OPTS 6
#define BUSY_ALL (BUSY_CALLS + BUSY_REGS + BUSY_OPTS)
#define BUSY_CHALLENGED 0.1        /* calls challenged with 407 first */
#define BUSY_TRANSFER 16           /* one call in this many is transferred */

/* messages per Call-ID: a call is 7 (INVITE 100 180 200 ACK BYE 200), +3
 * with the 407 (INVITE 407 ACK), +6 with a transfer (REFER 202 NOTIFY 200
 * NOTIFY 200); a REGISTER 4; OPTIONS 2 */
static double busy_mean_len(void)
{
    double call = 7.0 + BUSY_CHALLENGED * 3.0 + 6.0 / BUSY_TRANSFER;
    return (BUSY_CALLS * call + BUSY_REGS * 4.0 + BUSY_OPTS * 2.0) / BUSY_ALL;
}

static double busy_plan_s;         /* planned capture length: -n / --rate */
static uint64_t busy_inj_left;     /* messages still to come from started injections */
static uint64_t busy_prestarted, busy_prestarted_seen;
static uint64_t busy_opening;      /* Call-IDs whose first captured message can open a dialog */
static size_t busy_peak;
static dialog_t **busy_spare;      /* dialogs to reuse */
static size_t busy_nspare, heap_cap;

static dialog_t *busy_alloc(void)
{
    if (!busy_nspare) {
        enum { CHUNK = 4096 };
        dialog_t *chunk = calloc(CHUNK, sizeof *chunk);
        dialog_t **sp = realloc(busy_spare, (heap_cap + CHUNK) * sizeof *sp);
        dialog_t **hp = realloc(heap, (heap_cap + CHUNK) * sizeof *hp);
        if (!chunk || !sp || !hp) {
            fprintf(stderr, "sipwatch-gen: out of memory\n");
            exit(1);
        }
        busy_spare = sp;
        heap = hp;
        heap_cap += CHUNK; /* every dialog is either spare or in the heap */
        for (size_t i = 0; i < CHUNK; i++)
            busy_spare[busy_nspare++] = &chunk[i];
    }
    return busy_spare[--busy_nspare];
}

static void busy_push(dialog_t *d, double due)
{
    d->due = due;
    heap_push(d);
    if (heap_n > busy_peak)
        busy_peak = heap_n;
}

/* the top of the heap is done */
static void busy_retire(void)
{
    busy_spare[busy_nspare++] = heap[0];
    heap_pop();
}

static void busy_dialog_init(dialog_t *d)
{
    uint32_t r = rnd_range(0, BUSY_ALL - 1);
    int type, challenged = 0;
    if (r < BUSY_CALLS) {
        double u = rnd_unit();
        challenged = u < BUSY_CHALLENGED; /* only calls to the PBX get a 407 */
        type = u < 0.5 ? D_CALL_OUT : D_CALL_IN;
    } else if (r < BUSY_CALLS + BUSY_REGS) {
        type = D_REGISTER;
    } else {
        type = rnd_range(0, 1) ? D_OPTIONS_OUT : D_OPTIONS_IN;
    }
    dialog_init(d, type);
    d->transfer = (type == D_CALL_OUT || type == D_CALL_IN) && rnd_range(0, BUSY_TRANSFER - 1) == 0;
    d->skip = type == D_CALL_OUT && !challenged ? 3 : 0;
    d->len = dialog_len(d) - d->skip;
}

#define BUSY_WARMUP 20.0 /* seconds of traffic before the first packet */

/* The calls talking when the traffic starts: arrivals times mean talk
 * time of them (Little), each with a fresh exponential rest of its talk
 * (memoryless). Only their REFER/NOTIFY and BYE are in the capture. */
static void busy_prestart(double call_rate)
{
    busy_prestarted = (uint64_t)(call_rate * opt_hold + 0.5);
    for (uint64_t i = 0; i < busy_prestarted; i++) {
        dialog_t *d = busy_alloc();
        int out_dir = rnd_range(0, 1);
        dialog_init(d, out_dir ? D_CALL_OUT : D_CALL_IN);
        d->transfer = rnd_range(0, BUSY_TRANSFER - 1) == 0;
        d->skip = out_dir ? 3 : 0;
        d->len = dialog_len(d) - d->skip;
        d->step = out_dir ? 8 - 3 : 5; /* the first message after the ACK */
        d->prestarted = 1;
        busy_push(d, -BUSY_WARMUP + talk_time());
    }
}

/* Starts the next injected problem now; its long waits are compressed so
 * that it ends before 92% of the planned capture. */
static void busy_start_injection(void)
{
    const trigger_t *t = &triggers[next_trigger++];
    dialog_t *d = busy_alloc();
    dialog_init(d, t->type);
    if (d->type == D_AUTH_LOOP) {
        d->challenges = t->challenges;
        d->len = dialog_len(d);
    }
    reserved -= (uint64_t)d->len;
    busy_inj_left += (uint64_t)d->len;
    note_problem(d);
    /* longest the script can take uncompressed: 20 s between retries; ringing
     * 8 s + talk 40 s + 150 s from the 202 to the BYE */
    double natural = d->type == D_AUTH_LOOP ? 20.0 * (d->challenges - 1) : 8.0 + 40.0 + 150.0;
    double avail = 0.92 * busy_plan_s - vnow;
    d->tscale = avail >= natural ? 1.0 : avail > 0 ? avail / natural : 0.0;
    busy_push(d, vnow > 0 ? vnow : 0);
}

static uint64_t max_payload, min_payload = UINT64_MAX, payload_total;

/* Writes the next message of d (at capture time clock_us); returns the delay
 * before its next one. */
static double emit_and_count(dialog_t *d)
{
    if (d->step == 0 && d->problem >= 0) {
        problems[d->problem].first_frame = emitted + 1;
        problems[d->problem].first_us = epoch_us + (uint64_t)clock_us;
    }
    uint64_t before = bytes_written;
    double delay = emit_step(d);
    uint64_t pl = bytes_written - before - 16 - 42;
    payload_total += pl;
    if (pl > max_payload) max_payload = pl;
    if (pl < min_payload) min_payload = pl;
    return delay;
}

/* A request that can be the first message of a dialog or of a Call-ID
 * (INVITE, REGISTER, OPTIONS, NOTIFY, REFER, ...; not ACK, BYE or a response):
 * what tools that keep dialogs (sngrep) count as one. */
static int opens_dialog(const char *msg)
{
    static const char *const open_methods[] = {"INVITE ", "REGISTER ", "SUBSCRIBE ", "NOTIFY ",
                                               "OPTIONS ", "PUBLISH ", "MESSAGE ", "REFER "};
    for (size_t i = 0; i < sizeof open_methods / sizeof open_methods[0]; i++)
        if (strncmp(msg, open_methods[i], strlen(open_methods[i])) == 0)
            return 1;
    return 0;
}

static void run_busy(void)
{
    double mean_len = busy_mean_len();
    double arrival_rate = opt_rate / mean_len; /* new Call-IDs per second */
    busy_plan_s = (double)opt_messages / opt_rate;
    busy_prestart(arrival_rate * BUSY_CALLS / BUSY_ALL);
    double next_arrival = -BUSY_WARMUP - log(1.0 - rnd_unit()) / arrival_rate;
    while (emitted < opt_messages) {
        /* normal traffic may use what the injections do not need */
        int normal_ok = opt_messages - emitted > reserved + busy_inj_left;
        if (next_trigger < n_triggers && (emitted >= triggers[next_trigger].at || !normal_ok)) {
            busy_start_injection();
            continue;
        }
        if (normal_ok && (heap_n == 0 || next_arrival < heap[0]->due)) {
            vnow = next_arrival;
            dialog_t *d = busy_alloc();
            busy_dialog_init(d);
            busy_push(d, vnow);
            next_arrival += -log(1.0 - rnd_unit()) / arrival_rate;
            continue;
        }
        if (heap_n == 0)
            abort(); /* cannot happen: the injections' messages are in the heap */
        dialog_t *d = heap[0];
        if (d->problem < 0 && !normal_ok) { /* the capture ends here for it */
            busy_retire();
            continue;
        }
        vnow = d->due;
        double delay;
        if (vnow < 0) { /* warm-up */
            busy_warming = 1;
            delay = emit_step(d);
            busy_warming = 0;
            goto next;
        }
        clock_us = vnow * 1e6;
        if (!d->seen) {
            d->seen = 1;
            if (d->prestarted)
                busy_prestarted_seen++;
            else
                per_type[d->type]++;
        }
        int first = d->seen == 1;
        d->seen = 2;
        delay = emit_and_count(d);
        if (first && opens_dialog(hbuf))
            busy_opening++;
        if (d->problem >= 0)
            busy_inj_left--;
    next:
        d->step++;
        if (d->step < d->len) {
            d->due = vnow + delay;
            heap_down(0);
            continue;
        }
        if (d->problem >= 0) {
            problems[d->problem].last_frame = emitted;
            problems[d->problem].last_us = last_ts;
        }
        busy_retire();
    }
}

/* ------------------------------------------------------------------------ */
/* Manifest.                                                                */

static void fmt_time(char *o, size_t n, uint64_t us)
{
    time_t t = (time_t)(us / 1000000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(o, n, "%s.%06uZ", base, (unsigned)(us % 1000000u));
}

static int write_manifest(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sipwatch-gen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t pl = strlen(path);
    int text = pl > 4 && strcmp(path + pl - 4, ".txt") == 0;
    uint32_t na = 0, nr = 0;
    for (uint32_t i = 0; i < n_problems; i++)
        *(problems[i].type == D_AUTH_LOOP ? &na : &nr) += 1;
    if (text) {
        fprintf(f, "# sipwatch-gen %sseed=%" PRIu64 " messages=%" PRIu64 " auth-loop=%u refer-no-notify=%u\n",
                BUSY ? "profile=busy-pbx " : "", opt_seed, opt_messages, na, nr);
        fprintf(f, "# type call-id user ip first-frame last-frame first-time last-time challenges\n");
    } else {
        fprintf(f, "{\n  \"generator\": \"sipwatch-gen\",\n");
        if (BUSY) /* "concurrent" is then the peak of dialogs in flight */
            fprintf(f, "  \"profile\": \"busy-pbx\",\n  \"phones\": %u,\n", n_phones);
        fprintf(f, "  \"seed\": %" PRIu64 ",\n", opt_seed);
        fprintf(f, "  \"messages\": %" PRIu64 ",\n  \"concurrent\": %u,\n  \"rate\": %.1f,\n",
                opt_messages, opt_concurrent, opt_rate);
        fprintf(f, "  \"counts\": {\"auth-loop\": %u, \"refer-no-notify\": %u},\n", na, nr);
        fprintf(f, "  \"problems\": [");
    }
    for (uint32_t i = 0; i < n_problems; i++) {
        const problem_t *p = &problems[i];
        char t0[40], t1[40];
        fmt_time(t0, sizeof t0, p->first_us);
        fmt_time(t1, sizeof t1, p->last_us);
        if (text) {
            fprintf(f, "%s %s %s %s %" PRIu64 " %" PRIu64 " %s %s %d\n", dtype_name[p->type],
                    p->call_id, p->user, p->ip, p->first_frame, p->last_frame, t0, t1,
                    p->challenges);
        } else {
            fprintf(f, "%s\n    {\"type\": \"%s\", \"call_id\": \"%s\", \"user\": \"%s\", \"ip\": \"%s\", "
                       "\"first_frame\": %" PRIu64 ", \"last_frame\": %" PRIu64 ", "
                       "\"first_time\": \"%s\", \"last_time\": \"%s\"",
                    i ? "," : "", dtype_name[p->type], p->call_id, p->user, p->ip,
                    p->first_frame, p->last_frame, t0, t1);
            if (p->type == D_AUTH_LOOP)
                fprintf(f, ", \"challenges\": %d", p->challenges);
            fputc('}', f);
        }
    }
    if (!text)
        fprintf(f, "%s]\n}\n", n_problems ? "\n  " : "");
    if (fclose(f) != 0) {
        fprintf(stderr, "sipwatch-gen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Main.                                                                    */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sipwatch-gen -o FILE|- [options]\n"
            "Writes a deterministic pcap (Ethernet/IPv4/UDP, microsecond timestamps) of\n"
            "synthetic SIP traffic between phones and a PBX: by default phones 172.16.x.y\n"
            "and a PBX at 172.16.0.1:5060; with --profile busy-pbx phones 10.x.y.z and a PBX\n"
            "at 10.0.0.1:5060.\n"
            "  -o FILE            output capture ('-' = stdout)\n"
            "  -n MESSAGES        total SIP messages (= packets) to write (default 10000)\n"
            "  -c CONCURRENT      dialogs in flight at once (default 2000; default profile only)\n"
            "  -s SEED            random seed (default 1)\n"
            "  --rate N           capture-clock messages per second (default: CONCURRENT per\n"
            "                     second, which keeps intra-dialog timings about half of real;\n"
            "                     busy-pbx: 4000, with real timings)\n"
            "  --profile NAME     default, or busy-pbx: new Call-IDs arriving at random (half\n"
            "                     calls with SDP, 1 in 10 challenged with 407, 1 in 16\n"
            "                     transferred; a third REGISTERs with one 401; a fifth OPTIONS),\n"
            "                     calls talking --hold seconds on average (exponential), calls\n"
            "                     already in progress from the first packet, cut at -n messages\n"
            "  --phones N         phone addresses (default: 2 x CONCURRENT within 200..60000;\n"
            "                     busy-pbx: 20000, at most 1000000)\n"
            "  --hold S           busy-pbx: mean talk time of a call in seconds (default 120)\n"
            "  --auth-loops N     inject N REGISTER auth loops (4-6 x 401, same Call-ID)\n"
            "  --lost-notifies N  inject N REFERs answered 202 that never get a NOTIFY\n"
            "  --manifest FILE    list the injected problems (JSON; plain text if FILE ends in .txt)\n"
            "  -h, --help         this help\n"
            "Normal traffic: REGISTER 401/200, INVITE 407/100/180/200/ACK/BYE (25%% with a blind\n"
            "transfer REFER/202/NOTIFY x2), OPTIONS keepalives. Statistics go to stderr.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *v = x;
    return 0;
}

static int parse_double(const char *s, double *v, double lo, double hi)
{
    char *end;
    *v = strtod(s, &end);
    return end == s || *end || !(*v > lo && *v < hi) ? -1 : 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"auth-loops", required_argument, NULL, 'A'},
        {"lost-notifies", required_argument, NULL, 'L'},
        {"manifest", required_argument, NULL, 'M'},
        {"rate", required_argument, NULL, 'R'},
        {"profile", required_argument, NULL, 'P'},
        {"phones", required_argument, NULL, 'F'},
        {"hold", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "o:n:c:s:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': opt_out = optarg; break;
        case 'n':
            if (parse_u64(optarg, &opt_messages) || opt_messages == 0) goto bad;
            break;
        case 'c':
            if (parse_u64(optarg, &v) || v == 0 || v > 10000000) goto bad;
            opt_concurrent = (uint32_t)v;
            break;
        case 's':
            if (parse_u64(optarg, &opt_seed)) goto bad;
            break;
        case 'A':
            if (parse_u64(optarg, &v) || v > 100000) goto bad;
            opt_auth_loops = (uint32_t)v;
            break;
        case 'L':
            if (parse_u64(optarg, &v) || v > 100000) goto bad;
            opt_lost_notifies = (uint32_t)v;
            break;
        case 'M': opt_manifest = optarg; break;
        case 'R':
            if (parse_double(optarg, &opt_rate, 0, 1e9)) goto bad;
            break;
        case 'P':
            if (strcmp(optarg, "default") == 0) opt_profile = PROFILE_DEFAULT;
            else if (strcmp(optarg, "busy-pbx") == 0) opt_profile = PROFILE_BUSY;
            else goto bad;
            break;
        case 'F':
            if (parse_u64(optarg, &v) || v < 10 || v > 1000000) goto bad;
            opt_phones = (uint32_t)v;
            break;
        case 'H':
            if (parse_double(optarg, &opt_hold, 0.99, 86400)) goto bad;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 64;
        }
        continue;
    bad:
        fprintf(stderr, "sipwatch-gen: invalid option value: %s\n", optarg);
        return 64;
    }
    if (!opt_out || optind != argc) {
        usage(stderr);
        return 64;
    }
    if (!BUSY && opt_phones > 60000) {
        fprintf(stderr, "sipwatch-gen: --phones: at most 60000 with the default profile\n");
        return 64;
    }
    if (!BUSY && !budget_ok(opt_messages)) {
        fprintf(stderr, "sipwatch-gen: -n must be even or at least 7\n");
        return 64;
    }
    return -1;
}

static void setup_phone(uint32_t i, uint32_t ip)
{
    phone_t *p = &phones[i];
    p->ip = ip;
    snprintf(p->ipstr, sizeof p->ipstr, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
             ip & 255);
    p->port = rnd_range(0, 9) < 7 ? 5060 : (uint16_t)rnd_range(10000, 60000);
    p->ua = (uint16_t)rnd_range(0, N_VENDORS - 1);
    memcpy(p->mac, vendors[p->ua].oui, 3);
    p->mac[3] = (uint8_t)rnd();
    p->mac[4] = (uint8_t)(i >> 8);
    p->mac[5] = (uint8_t)i;
    p->ext = 1000 + (int)i;
    p->ip_id = (uint16_t)rnd();
}

/* Phones: normal ones, then a few misconfigured ones (auth loops). Default:
 * 172.16.1.2 upwards; busy-pbx: 10.1.0.2 upwards, 250 a /24. */
static int setup_phones(void)
{
    if (BUSY) {
        n_phones = opt_phones ? opt_phones : 20000;
        pbx_ip = 0x0A000001u;
        pbx_str = "10.0.0.1";
    } else if (opt_phones) {
        n_phones = opt_phones;
    } else {
        n_phones = opt_concurrent * 2;
        if (n_phones < 200) n_phones = 200;
        if (n_phones > 60000) n_phones = 60000;
    }
    n_bad_phones = opt_auth_loops < 50 ? opt_auth_loops + 1 : 50;
    phones = calloc(n_phones + n_bad_phones, sizeof *phones);
    if (!phones)
        return -1;
    for (uint32_t i = 0; i < n_phones + n_bad_phones; i++) {
        uint32_t ip;
        if (BUSY)
            ip = 10u << 24 | (1 + i / 62500) << 16 | (i / 250 % 250) << 8 | (2 + i % 250);
        else
            ip = (172u << 24) | (16u << 16) | ((1 + i / 250) << 8) | (2 + i % 250);
        setup_phone(i, ip);
    }
    return 0;
}

/* Injected problems: spread over 5%..80% of the capture (busy-pbx: ending
 * 30 s of capture before the end at the latest, from 10%). */
static int setup_triggers(void)
{
    double hi = 0.80;
    if (BUSY) {
        hi = 1.0 - 30.0 * opt_rate / (double)opt_messages;
        hi = hi < 0.10 ? 0.10 : hi > 0.80 ? 0.80 : hi;
    }
    n_triggers = opt_auth_loops + opt_lost_notifies;
    triggers = calloc(n_triggers + 1, sizeof *triggers);
    problems = calloc(n_triggers + 1, sizeof *problems);
    if (!triggers || !problems)
        return -1;
    for (uint32_t i = 0; i < n_triggers; i++) {
        double span = (BUSY ? hi - 0.05 : 0.75) * (double)opt_messages / n_triggers;
        double at = 0.05 * (double)opt_messages + span * (i + rnd_between(0.1, 0.9));
        triggers[i].at = (uint64_t)at;
        triggers[i].type = D_AUTH_LOOP;
    }
    /* interleave the two kinds deterministically */
    for (uint32_t k = 0; k < opt_lost_notifies; k++) {
        uint32_t j;
        do
            j = rnd_range(0, n_triggers - 1);
        while (triggers[j].type == D_REFER_LOST);
        triggers[j].type = D_REFER_LOST;
    }
    for (uint32_t i = 0; i < n_triggers; i++) {
        triggers[i].challenges = (int)rnd_range(4, 6);
        reserved += (uint64_t)(triggers[i].type == D_AUTH_LOOP ? 2 * triggers[i].challenges : 12);
    }
    return 0;
}

/* The default profile: a fixed number of dialog slots, each starting a new
 * dialog when its last one ends, within an exact message budget. */
static int run_default(void)
{
    dialog_t *pool = calloc(opt_concurrent, sizeof *pool);
    heap = calloc(opt_concurrent, sizeof *heap);
    if (!pool || !heap)
        return -1;
    for (uint32_t i = 0; i < opt_concurrent; i++) {
        if (!dialog_new(&pool[i]))
            break;
        pool[i].due = rnd_between(0.0, 20.0); /* ramp up */
        heap_push(&pool[i]);
    }
    double mean_gap_us = 1e6 / opt_rate;
    while (heap_n) {
        dialog_t *d = heap[0];
        vnow = d->due;
        double delay = emit_and_count(d);
        clock_us += mean_gap_us * rnd_between(0.5, 1.5);
        d->step++;
        if (d->step < d->len) {
            d->due = vnow + delay;
            heap_down(0);
            continue;
        }
        if (d->problem >= 0) {
            problems[d->problem].last_frame = emitted;
            problems[d->problem].last_us = last_ts;
        }
        if (dialog_new(d)) {
            d->due = vnow + rnd_between(0.0, 0.2);
            heap_down(0);
        } else {
            heap_pop();
        }
    }
    free(pool);
    return 0;
}

static void report(double el)
{
    fprintf(stderr, "sipwatch-gen: %" PRIu64 " SIP messages, %" PRIu64 " bytes, %.1f s of capture, "
                    "payload %" PRIu64 "..%" PRIu64 " (avg %" PRIu64 ") bytes, %.2f s (%.0f msg/s)\n",
            emitted, bytes_written, clock_us / 1e6, min_payload, max_payload,
            payload_total / (emitted ? emitted : 1), el, el > 0 ? (double)emitted / el : 0.0);
    fprintf(stderr, "sipwatch-gen: dialogs:");
    uint64_t callids = 0;
    for (int i = 0; i < D_NTYPES; i++) {
        fprintf(stderr, " %s=%" PRIu64, dtype_name[i], per_type[i]);
        callids += per_type[i];
    }
    if (!BUSY) {
        fprintf(stderr, "; timing scale capture/virtual = %.2f\n", vnow > 0 ? clock_us / 1e6 / vnow : 0.0);
        return;
    }
    /* busy-pbx: Call-IDs with at least one message in the capture */
    callids += busy_prestarted_seen;
    fprintf(stderr, " in-progress=%" PRIu64 "\n", busy_prestarted_seen);
    fprintf(stderr, "sipwatch-gen: busy-pbx: %u phones, %.1f new Call-IDs/s of %.2f messages each, "
                    "mean talk %.0f s, %" PRIu64 " calls talking at the start, peak %zu dialogs in flight, "
                    "%" PRIu64 " Call-IDs in the capture (%.2f messages each)\n",
            n_phones, opt_rate / busy_mean_len(), busy_mean_len(), opt_hold, busy_prestarted, busy_peak,
            callids, callids ? (double)emitted / (double)callids : 0.0);
    fprintf(stderr, "sipwatch-gen: Call-IDs opening with a request that starts a dialog: %" PRIu64
                    " (the others were under way when the capture started)\n", busy_opening);
}

int main(int argc, char **argv)
{
    int rc = parse_options(argc, argv);
    if (rc >= 0)
        return rc;
    if (opt_rate == 0)
        opt_rate = BUSY ? 4000 : opt_concurrent;
    rng_seed(opt_seed);
    if (setup_phones() != 0 || setup_triggers() != 0) {
        fprintf(stderr, "sipwatch-gen: out of memory\n");
        return 1;
    }
    if (reserved > opt_messages || (!BUSY && !budget_ok(opt_messages - reserved))) {
        fprintf(stderr, "sipwatch-gen: -n %" PRIu64 " is too small for the injected problems\n",
                opt_messages);
        return 64;
    }

    if (BUSY && n_triggers && (double)opt_messages < 15.0 * opt_rate) {
        /* an injected problem needs about 12 s of capture around it */
        fprintf(stderr, "sipwatch-gen: busy-pbx with injected problems needs -n of at least 15 s of "
                        "traffic (%.0f messages at --rate %.0f)\n", 15.0 * opt_rate, opt_rate);
        return 64;
    }

    if (strcmp(opt_out, "-") == 0) {
        out = stdout;
    } else {
        out = fopen(opt_out, "wb");
        if (!out) {
            fprintf(stderr, "sipwatch-gen: %s: %s\n", opt_out, strerror(errno));
            return 1;
        }
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    write_pcap_header();

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (BUSY) {
        run_busy();
        opt_concurrent = (uint32_t)busy_peak; /* for the manifest */
    } else if (run_default() != 0) {
        fprintf(stderr, "sipwatch-gen: out of memory\n");
        return 1;
    }
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "sipwatch-gen: write failed: %s\n", strerror(errno));
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    if (emitted != opt_messages) {
        fprintf(stderr, "sipwatch-gen: internal error: wrote %" PRIu64 " messages, wanted %" PRIu64 "\n",
                emitted, opt_messages);
        return 2;
    }
    uint32_t want = opt_auth_loops + opt_lost_notifies;
    if (n_problems < want)
        fprintf(stderr, "sipwatch-gen: warning: only %u of %u problems fit in %" PRIu64 " messages\n",
                n_problems, want, opt_messages);
    if (opt_manifest && write_manifest(opt_manifest) != 0)
        return 1;
    report(el);
    free(heap);
    free(phones);
    free(triggers);
    free(problems);
    return 0;
}
