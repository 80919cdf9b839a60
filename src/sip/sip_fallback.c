/* Fallback key scanner for messages libosip2 rejects (a duplicated
 * Content-Type, a stray backslash in a display name): it reads only the
 * header lines that identify the transaction and dialog, so correlation does
 * not lose the message. Nothing else is taken from a message that did not
 * parse; it stays counted as a parse error. */
#include "sipwatch/sip_message.h"
#include "sipwatch/sip_framing.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *copy_span(sw_sip_msg *m, const char *s, size_t n, size_t max)
{
    return sw_sip_msg_copy(m, s, n, max);
}

/* Value of header `name` (or its compact form) on the line at p, or NULL. */
static const char *header_value(const char *line, size_t len, const char *name, const char *compact, size_t *vlen)
{
    const char *names[2] = {name, compact};
    for (int i = 0; i < 2; i++) {
        if (!names[i])
            continue;
        size_t n = strlen(names[i]);
        if (len <= n || strncasecmp(line, names[i], n) != 0)
            continue;
        size_t k = n;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k >= len || line[k] != ':')
            continue;
        k++;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        *vlen = len - k;
        return line + k;
    }
    return NULL;
}

/* ";name=value" parameter inside v[0..n), copied to the arena. */
static const char *param(sw_sip_msg *m, const char *v, size_t n, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl + 1 < n; i++) {
        if (v[i] != ';')
            continue;
        size_t j = i + 1;
        while (j < n && v[j] == ' ')
            j++;
        if (j + nl < n && strncasecmp(v + j, name, nl) == 0 && v[j + nl] == '=') {
            size_t s = j + nl + 1, e = s;
            while (e < n && v[e] != ';' && v[e] != ',' && v[e] != ' ' && v[e] != '>')
                e++;
            return copy_span(m, v + s, e - s, 127);
        }
    }
    return NULL;
}

/* Length of the span of v[0..n) holding none of the bytes in stop (a
 * bounded strcspn: captured bytes are not NUL-terminated). */
static size_t span_until(const char *v, size_t n, const char *stop)
{
    size_t i = 0;
    while (i < n && !strchr(stop, v[i]))
        i++;
    return i;
}

/* A decimal number at the start of v[0..n): *len digits (0 when none). */
static uint64_t leading_number(const char *v, size_t n, size_t *len)
{
    uint64_t x = 0;
    size_t i = 0;
    for (; i < n && i < 19 && v[i] >= '0' && v[i] <= '9'; i++)
        x = x * 10 + (uint64_t)(v[i] - '0');
    *len = i;
    return x;
}

static void scan_cseq(sw_sip_msg *m, const char *v, size_t vl)
{
    size_t digits;
    uint64_t n = leading_number(v, vl, &digits);
    if (!digits || n > 0xffffffffULL)
        return;
    m->has_cseq = true;
    m->cseq = (uint32_t)n;
    size_t i = digits;
    while (i < vl && v[i] == ' ')
        i++;
    m->cseq_method_name = copy_span(m, v + i, span_until(v + i, vl - i, " \r\n"), 31);
    m->cseq_method = sw_sip_method_from_name(m->cseq_method_name);
}

static void scan_via(sw_sip_msg *m, const char *v, size_t vl)
{
    m->via_count = 1;
    m->via_branch = param(m, v, vl, "branch");
    const char *sent = memchr(v, ' ', vl);     /* "SIP/2.0/UDP host:port;..." */
    if (!sent)
        return;
    sent++;
    size_t rest = vl - (size_t)(sent - v);
    size_t hl = span_until(sent, rest, ";, \r\n");
    const char *colon = memchr(sent, ':', hl);
    if (colon && sent[0] != '[') {
        m->via_host = copy_span(m, sent, (size_t)(colon - sent), 127);
        size_t digits;
        uint64_t port = leading_number(colon + 1, hl - (size_t)(colon + 1 - sent), &digits);
        m->via_port = port < 65536 ? (uint16_t)port : 0;
    } else {
        m->via_host = copy_span(m, sent, hl, 127);
    }
}

bool sw_sip_scan_keys(const sw_payload *p, sw_sip_msg *m)
{
    sw_sip_msg_start(m, p);
    m->degraded = true;

    size_t hdr = sw_sip_header_end(p->data, p->len);
    const char *text = (const char *)p->data;
    size_t end = hdr ? hdr : p->len;
    const char *nl = memchr(text, '\n', end);
    if (!nl)
        return false;
    size_t first = (size_t)(nl - text);
    if (first && text[first - 1] == '\r')
        first--;
    if (first >= 11 && memcmp(text, "SIP/2.0 ", 8) == 0) {
        /* A status line: the code is all that is read; the reason phrase
         * may be missing or hold anything (control bytes included). */
        for (int i = 8; i < 11; i++)
            if (text[i] < '0' || text[i] > '9')
                return false;
        m->status = (text[8] - '0') * 100 + (text[9] - '0') * 10 + (text[10] - '0');
        if (m->status < 100 || m->status > 699)
            return false;
    } else {
        const char *sp = memchr(text, ' ', first);
        if (!sp)
            return false;
        m->is_request = true;
        m->method_name = copy_span(m, text, (size_t)(sp - text), 31);
        m->method = sw_sip_method_from_name(m->method_name);
    }

    bool via_seen = false;
    for (const char *line = nl + 1; line < text + end;) {
        const char *e = memchr(line, '\n', (size_t)(text + end - line));
        size_t len = e ? (size_t)(e - line) : (size_t)(text + end - line);
        if (len && line[len - 1] == '\r')
            len--;
        size_t vl;
        const char *v;
        if ((v = header_value(line, len, "call-id", "i", &vl)) && !m->call_id) {
            m->call_id = copy_span(m, v, vl, 255);
        } else if ((v = header_value(line, len, "cseq", NULL, &vl)) && !m->has_cseq) {
            scan_cseq(m, v, vl);
        } else if ((v = header_value(line, len, "via", "v", &vl)) && !via_seen) {
            via_seen = true;
            scan_via(m, v, vl);
        } else if ((v = header_value(line, len, "from", "f", &vl)) && !m->from_tag) {
            m->from_tag = param(m, v, vl, "tag");
        } else if ((v = header_value(line, len, "to", "t", &vl)) && !m->to_tag) {
            m->to_tag = param(m, v, vl, "tag");
        }
        if (!e)
            break;
        line = e + 1;
    }
    return m->call_id && m->has_cseq;
}
