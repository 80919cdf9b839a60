/* SIP framing: content-based SIP recognition and message boundaries on
 * streams (Content-Length framing, keep-alives, resynchronisation, WebSocket).
 *
 * Design: a framer works on the bytes it is given directly and copies into
 * its own buffer only the tail it cannot frame yet, so a stream whose
 * segments hold whole messages is never copied. Every buffer is capped by the
 * sink's max_message_len; what exceeds it is counted and skipped: a message
 * longer than that is dropped and framing resumes at the next start line. */
#include "sipwatch/sip_framing.h"
#include "sipwatch/hep.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SW_MAX_METHOD_LEN 32
#define SW_MAX_URI_LEN 8192
#define SW_DETECT_GIVE_UP 65536     /* bytes without any SIP before a stream is "other" */

/* Methods used to find a message start glued to the end of a body. */
static const char *const known_methods[] = {"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS",
                                            "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO",
                                            "REFER", "MESSAGE", "UPDATE"};
#define N_KNOWN_METHODS (sizeof known_methods / sizeof known_methods[0])

static bool is_token_char(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("-.!%*_+`'~", c) != NULL;
}

static sw_start_line match_literal(const uint8_t *data, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (len < n)
        return memcmp(data, lit, len) == 0 ? SW_START_NEED_MORE : SW_START_NO;
    return memcmp(data, lit, n) == 0 ? SW_START_YES : SW_START_NO;
}

sw_start_line sw_sip_start_line(const uint8_t *data, size_t len)
{
    if (len == 0)
        return SW_START_NEED_MORE;

    /* Status line: SIP/2.0 SP 3DIGIT (SP | CRLF). */
    sw_start_line st = match_literal(data, len, "SIP/2.0 ");
    if (st == SW_START_NEED_MORE && len < 8)
        return SW_START_NEED_MORE;
    if (st == SW_START_YES) {
        if (len < 12)
            return SW_START_NEED_MORE;
        for (int i = 8; i < 11; i++)
            if (data[i] < '0' || data[i] > '9')
                return SW_START_NO;
        if (data[11] != ' ' && data[11] != '\r' && data[11] != '\n')
            return SW_START_NO;
        /* The reason phrase: text up to the line end. A control byte (an ESC
         * sequence) is hostile text, not a reason to miss the response: it is
         * sanitised where it is shown. A NUL marks binary data (tshark agrees). */
        for (size_t i = 11; i < len && i < SW_MAX_URI_LEN; i++) {
            if (data[i] == '\r' || data[i] == '\n')
                return SW_START_YES;
            if (data[i] == '\0')
                return SW_START_NO;
        }
        return len < SW_MAX_URI_LEN ? SW_START_NEED_MORE : SW_START_NO;
    }

    /* Request line: token SP Request-URI SP SIP/2.0 (CR | LF). */
    size_t i = 0;
    while (i < len && i <= SW_MAX_METHOD_LEN && is_token_char(data[i]))
        i++;
    if (i > SW_MAX_METHOD_LEN)
        return SW_START_NO;
    if (i == len)
        return SW_START_NEED_MORE;
    if (i == 0 || data[i] != ' ')
        return SW_START_NO;
    size_t uri = ++i;
    while (i < len && i - uri <= SW_MAX_URI_LEN && data[i] > 0x20 && data[i] != 0x7f)
        i++;
    if (i - uri > SW_MAX_URI_LEN)
        return SW_START_NO;
    if (i == len)
        return SW_START_NEED_MORE;
    if (i == uri || data[i] != ' ')
        return SW_START_NO;
    i++;
    st = match_literal(data + i, len - i, "SIP/2.0");
    if (st != SW_START_YES)
        return st;
    i += 7;
    if (i == len)
        return SW_START_NEED_MORE;
    return (data[i] == '\r' || data[i] == '\n') ? SW_START_YES : SW_START_NO;
}

size_t sw_sip_header_end(const uint8_t *data, size_t len)
{
    const uint8_t *p = data, *end = data + len;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl + 1 >= end)
            return 0;
        if (nl[1] == '\n')
            return (size_t)(nl + 2 - data);
        if (nl[1] == '\r') {
            if (nl + 2 >= end)
                return 0;
            if (nl[2] == '\n')
                return (size_t)(nl + 3 - data);
        }
        p = nl + 1;
    }
    return 0;
}

/* Does the header line at p (n bytes to the end of the block) name `name`
 * followed by optional blanks and a colon? Returns the offset after the colon. */
static size_t header_name_match(const uint8_t *p, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp((const char *)p, name, k) != 0)
        return 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t'))
        k++;
    return (k < n && p[k] == ':') ? k + 1 : 0;
}

size_t sw_sip_content_length(const uint8_t *data, size_t header_len, bool *ok)
{
    *ok = true;
    const uint8_t *p = data, *end = data + header_len;
    /* Skip the start line. */
    const uint8_t *nl = memchr(p, '\n', header_len);
    if (!nl)
        return 0;
    p = nl + 1;
    while (p < end) {
        size_t rest = (size_t)(end - p);
        size_t v = header_name_match(p, rest, "content-length");
        if (!v)
            v = header_name_match(p, rest, "l");
        if (v) {
            const uint8_t *q = p + v;
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            uint64_t value = 0;
            int digits = 0;
            while (q < end && *q >= '0' && *q <= '9') {
                value = value * 10 + (uint64_t)(*q - '0');
                if (++digits > 10) {
                    *ok = false;
                    return 0;
                }
                q++;
            }
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            if (digits == 0 || (q < end && *q != '\r' && *q != '\n') || value > 0x7fffffffULL) {
                *ok = false;
                return 0;
            }
            return (size_t)value;
        }
        nl = memchr(p, '\n', rest);
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

static bool buf_reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 2048;
    while (ncap < need)
        ncap *= 2;
    uint8_t *nb = realloc(*buf, ncap);
    if (!nb)
        return false;
    *buf = nb;
    *cap = ncap;
    return true;
}

static void deliver(const sw_framer_sink *sink, const uint8_t *data, size_t len, sw_transport transport)
{
    sw_payload p = sink->tmpl;
    p.data = data;
    p.len = len;
    p.transport = transport;
    sink->stats->messages++;
    sink->deliver(sink->user, &p);
}

/* A TLS record header (RFC 8446 5.1): ContentType 20..23, legacy version
 * 3.0..3.4, a length of 1..2^14+2048. The stream's bytes decide, never the
 * port: plain SIP from port 5061 is SIP. */
static sw_start_line tls_record(const uint8_t *p, size_t n)
{
    static const uint8_t lo[5] = {0x14, 0x03, 0x00, 0x00, 0x00}, hi[5] = {0x17, 0x03, 0x04, 0x48, 0xff};
    for (size_t i = 0; i < 3 && i < n; i++)
        if (p[i] < lo[i] || p[i] > hi[i])
            return SW_START_NO;
    if (n < 5)
        return SW_START_NEED_MORE;
    unsigned len = ((unsigned)p[3] << 8) | p[4];
    return len >= 1 && len <= 16384 + 2048 ? SW_START_YES : SW_START_NO;
}

/* When framing resumes at an unknown point, the previous body may end
 * without a line break ("...a=sendrecvINVITE sip:..."): a start line whose
 * token is not a method but ends with one really starts at that method.
 * Returns how many bytes to skip (0 when the token is fine as it is). */
static size_t known_method_offset(const uint8_t *p, size_t n)
{
    const uint8_t *sp = memchr(p, ' ', n);
    if (!sp)
        return 0;
    size_t tlen = (size_t)(sp - p), best = 0;
    for (size_t i = 0; i < N_KNOWN_METHODS; i++) {
        size_t mlen = strlen(known_methods[i]);
        if (tlen == mlen && memcmp(p, known_methods[i], mlen) == 0)
            return 0;
        if (tlen > mlen && mlen > best && memcmp(p + tlen - mlen, known_methods[i], mlen) == 0)
            best = mlen;
    }
    return best ? tlen - best : 0;
}

static bool is_known_method(const uint8_t *p, size_t n)
{
    const uint8_t *sp = memchr(p, ' ', n);
    if (!sp || sp == p)
        return false;
    size_t tlen = (size_t)(sp - p);
    for (size_t i = 0; i < N_KNOWN_METHODS; i++)
        if (strlen(known_methods[i]) == tlen && memcmp(p, known_methods[i], tlen) == 0)
            return true;
    return false;
}

/* Finds where the next SIP message starts after a point that is not one:
 * the next line that is a start line, or a status line glued to the end of
 * a body. Returns its offset, or n when there is none yet. */
static size_t find_next_start(const uint8_t *p, size_t n)
{
    size_t line = 0;
    bool first = true;
    while (line < n) {
        const uint8_t *nl = memchr(p + line, '\n', n - line);
        size_t line_end = nl ? (size_t)(nl - p) : n;
        if (!first) {
            sw_start_line st = sw_sip_start_line(p + line, n - line);
            if (st == SW_START_NEED_MORE)
                return line;
            if (st == SW_START_YES)
                return line + known_method_offset(p + line, n - line);
        }
        /* A start line glued to the end of a body: a status line, or a
         * request whose method is one sipwatch knows. */
        for (size_t i = line + 1; i + 3 <= line_end; i++) {
            if (p[i] < 'A' || p[i] > 'Z')
                continue;
            if (sw_sip_start_line(p + i, n - i) != SW_START_YES)
                continue;
            if ((n - i >= 8 && memcmp(p + i, "SIP/2.0 ", 8) == 0) || is_known_method(p + i, n - i))
                return i;
        }
        if (!nl)
            return n;
        line = line_end + 1;
        while (line < n && (p[line] == '\r' || p[line] == '\n'))
            line++;
        first = false;
    }
    return n;
}

static bool header_has_token(const uint8_t *hdr, size_t len, const char *name, const char *token)
{
    const uint8_t *p = hdr, *end = hdr + len;
    size_t tlen = strlen(token);
    while (p < end) {
        size_t rest = (size_t)(end - p);
        size_t v = header_name_match(p, rest, name);
        const uint8_t *nl = memchr(p, '\n', rest);
        const uint8_t *line_end = nl ? nl : end;
        if (v) {
            for (const uint8_t *q = p + v; q + tlen <= line_end; q++)
                if (strncasecmp((const char *)q, token, tlen) == 0)
                    return true;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    return false;
}

/* WebSocket (RFC 6455) frames; complete SIP messages go to the sink as WS. */
static size_t frame_websocket(sw_framer *f, const uint8_t *p, size_t n, const sw_framer_sink *sink)
{
    size_t used = 0;
    while (n - used >= 2) {
        const uint8_t *h = p + used;
        size_t avail = n - used;
        bool fin = h[0] & 0x80;
        uint8_t opcode = h[0] & 0x0f;
        bool masked = h[1] & 0x80;
        uint64_t plen = h[1] & 0x7f;
        size_t hlen = 2;
        if (plen == 126) {
            if (avail < 4)
                break;
            plen = ((uint64_t)h[2] << 8) | h[3];
            hlen = 4;
        } else if (plen == 127) {
            if (avail < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = (plen << 8) | h[2 + i];
            hlen = 10;
        }
        size_t mask_at = hlen;
        if (masked)
            hlen += 4;
        if (plen > sink->max_message_len || (opcode & 0x7) > 2) {
            /* Oversized or reserved opcode: this is not a frame we can follow. */
            sink->stats->oversize += plen > sink->max_message_len;
            f->mode = SW_FRAMER_OTHER;
            return n;
        }
        if (avail < hlen + plen)
            break;
        const uint8_t *payload = h + hlen;
        if (opcode >= 8) {          /* control frame: close, ping, pong */
            used += hlen + (size_t)plen;
            continue;
        }
        if (opcode != 0) {          /* text or binary frame starts a message */
            f->ws_len = 0;
            f->ws_drop = false;
        }
        if (f->ws_drop || f->ws_len + (size_t)plen > sink->max_message_len) {
            /* A message of many frames grows past the cap: dropped, counted
             * once, its remaining frames skipped; memory stays bounded. */
            sink->stats->oversize += !f->ws_drop;
            f->ws_drop = true;
            f->ws_len = 0;
            used += hlen + (size_t)plen;
            continue;
        }
        if (!buf_reserve(&f->ws_msg, &f->ws_cap, f->ws_len + (size_t)plen + 1)) {
            f->ws_len = 0;
            used += hlen + (size_t)plen;
            continue;
        }
        uint8_t *dst = f->ws_msg + f->ws_len;
        for (size_t i = 0; i < plen; i++)
            dst[i] = masked ? (uint8_t)(payload[i] ^ h[mask_at + (i & 3)]) : payload[i];
        f->ws_len += (size_t)plen;
        used += hlen + (size_t)plen;
        sink->stats->ws_frames++;
        if (fin) {
            if (f->ws_len > 0 && sw_sip_start_line(f->ws_msg, f->ws_len) == SW_START_YES)
                deliver(sink, f->ws_msg, f->ws_len, SW_TRANSPORT_WS);
            f->ws_len = 0;
        }
    }
    return used;
}

/* HEP3 packets over TCP: each cut by its length field (16 bits: at most
 * 64 KiB are ever held). Bytes that do not start a HEP3 header end the
 * framing; they go to the sink once, to be counted there. */
static size_t frame_hep(sw_framer *f, const uint8_t *p, size_t n, const sw_framer_sink *sink)
{
    size_t used = 0;
    while (used < n) {
        size_t len = sw_hep_frame_length(p + used, n - used);
        if (len == 0)
            break;
        if (len == (size_t)-1 || len > sink->max_message_len + 16) {
            sink->hep(sink->hep_user, p + used, n - used, &sink->tmpl);
            f->mode = SW_FRAMER_OTHER;
            return n;
        }
        if (n - used < len)
            break;
        sink->hep(sink->hep_user, p + used, len, &sink->tmpl);
        used += len;
    }
    return used;
}

/* Frames as much of p[0..n) as possible; returns the bytes consumed. */
static size_t frame_bytes(sw_framer *f, const uint8_t *p, size_t n, const sw_framer_sink *sink)
{
    size_t used = 0;
    while (used < n) {
        const uint8_t *q = p + used;
        size_t avail = n - used;

        switch (f->mode) {
        case SW_FRAMER_TLS:
            sink->stats->tls_bytes += avail;
            if (sink->tls)
                sink->tls(sink->tls_user, q, avail);
            return n;
        case SW_FRAMER_OTHER:
            return n;
        case SW_FRAMER_WEBSOCKET:
            return used + frame_websocket(f, q, avail, sink);
        case SW_FRAMER_HEP:
            return used + frame_hep(f, q, avail, sink);
        case SW_FRAMER_HTTP_UPGRADE: {
            size_t hdr = sw_sip_header_end(q, avail);
            if (!hdr) {
                if (avail > sink->max_message_len)
                    f->mode = SW_FRAMER_OTHER;
                return used;
            }
            bool upgrade = header_has_token(q, hdr, "upgrade", "websocket") ||
                           (avail >= 12 && memcmp(q, "HTTP/1.1 101", 12) == 0);
            f->mode = upgrade ? SW_FRAMER_WEBSOCKET : SW_FRAMER_OTHER;
            used += hdr;
            continue;
        }
        default:
            break;
        }

        /* Keep-alives: CRLF (RFC 5626 uses double CRLF) between messages. */
        if (*q == '\r' || *q == '\n') {
            size_t k = 0;
            while (k < avail && (q[k] == '\r' || q[k] == '\n'))
                k++;
            sink->stats->keepalives++;
            used += k;
            continue;
        }

        if (f->mode == SW_FRAMER_DETECT && !f->resync && sink->hep && sw_hep_detect(q, avail) == 3) {
            f->mode = SW_FRAMER_HEP;
            continue;
        }
        sw_start_line st = sw_sip_start_line(q, avail);
        if (st == SW_START_NEED_MORE)
            return used;
        if (st == SW_START_NO) {
            if (f->mode == SW_FRAMER_DETECT && !f->resync) {
                sw_start_line tls = tls_record(q, avail);
                if (tls == SW_START_NEED_MORE)
                    return used;
                if (tls == SW_START_YES) {
                    f->mode = SW_FRAMER_TLS;
                    continue;
                }
                if ((avail >= 4 && memcmp(q, "GET ", 4) == 0) ||
                    (avail >= 9 && memcmp(q, "HTTP/1.1 ", 9) == 0)) {
                    f->mode = SW_FRAMER_HTTP_UPGRADE;
                    continue;
                }
            }
            size_t next = find_next_start(q, avail);
            sink->stats->skipped_bytes += next;
            f->scanned += (uint32_t)next;
            used += next;
            if (f->mode == SW_FRAMER_DETECT && f->scanned > SW_DETECT_GIVE_UP)
                f->mode = SW_FRAMER_OTHER;
            if (next < avail) {
                f->resync = false;
                sink->stats->resyncs++;
            }
            continue;
        }

        if (f->mode == SW_FRAMER_DETECT || f->resync) {
            size_t skip = known_method_offset(q, avail);
            if (skip) {
                sink->stats->skipped_bytes += skip;
                used += skip;
                continue;
            }
        }
        f->mode = SW_FRAMER_SIP;
        f->resync = false;
        size_t limit = avail < sink->max_message_len ? avail : sink->max_message_len;
        size_t hdr = sw_sip_header_end(q, limit);
        if (!hdr) {
            if (avail < sink->max_message_len)
                return used;            /* wait for the rest of the header */
            sink->stats->oversize++;
            f->resync = true;
            used += 1 + find_next_start(q + 1, avail - 1);
            continue;
        }
        bool ok;
        size_t body = sw_sip_content_length(q, hdr, &ok);
        if (!ok)
            sink->stats->bad_content_length++;
        size_t total = hdr + body;
        if (total > sink->max_message_len) {
            /* Never trust a length beyond the cap to skip bytes (999999999
             * would blind the connection): drop this header and resynchronise
             * on the next start line; the body is skipped and counted there. */
            sink->stats->oversize++;
            sink->stats->length_over_max++;
            sink->stats->skipped_bytes += hdr;
            f->resync = true;
            used += hdr;
            continue;
        }
        if (avail < total)
            return used;
        deliver(sink, q, total, sink->tmpl.transport);
        used += total;
    }
    return used;
}

size_t sw_framer_feed(sw_framer *f, const uint8_t *data, size_t len, const sw_framer_sink *sink)
{
    if (len == 0)
        return f->len;

    if (f->len == 0) {
        /* Nothing pending: frame straight from the caller's bytes. */
        size_t used = frame_bytes(f, data, len, sink);
        size_t rest = len - used;
        if (rest && f->mode != SW_FRAMER_TLS && f->mode != SW_FRAMER_OTHER) {
            if (buf_reserve(&f->buf, &f->cap, rest)) {
                memcpy(f->buf, data + used, rest);
                f->len = rest;
            }
        }
        return f->len;
    }

    size_t room = sink->max_message_len + 16 > f->len ? sink->max_message_len + 16 - f->len : 0;
    size_t take = len < room ? len : room;
    if (!buf_reserve(&f->buf, &f->cap, f->len + take)) {
        sw_framer_gap(f);
        return 0;
    }
    memcpy(f->buf + f->len, data, take);
    f->len += take;
    size_t used = frame_bytes(f, f->buf, f->len, sink);
    if (f->mode == SW_FRAMER_TLS || f->mode == SW_FRAMER_OTHER)
        used = f->len;
    memmove(f->buf, f->buf + used, f->len - used);
    f->len -= used;
    if (take < len && f->mode == SW_FRAMER_TLS) {
        frame_bytes(f, data + take, len - take, sink);  /* the rest of the TLS bytes: to the hook */
    } else if (take < len) {
        /* More than one message's worth could not be framed: give up on it. */
        sink->stats->oversize++;
        sw_framer_gap(f);
    }
    return f->len;
}

void sw_framer_gap(sw_framer *f)
{
    f->len = 0;
    f->ws_len = 0;
    if (f->mode == SW_FRAMER_SIP || f->mode == SW_FRAMER_DETECT)
        f->resync = true;
    else if (f->mode == SW_FRAMER_WEBSOCKET || f->mode == SW_FRAMER_HTTP_UPGRADE || f->mode == SW_FRAMER_HEP)
        f->mode = SW_FRAMER_OTHER;  /* frame boundaries are lost for good */
}

void sw_framer_release(sw_framer *f)
{
    free(f->buf);
    free(f->ws_msg);
    memset(f, 0, sizeof *f);
}

size_t sw_framer_held(const sw_framer *f)
{
    return f->cap + f->ws_cap;
}
