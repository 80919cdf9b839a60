/* libosip2 adapter: parses one SIP message with libosip2 and copies the
 * fields sipwatch uses into a sw_sip_msg. Every libosip2 field may be NULL
 * (hostile input parses with headers missing); nothing is ever re-serialised
 * from the parse tree: text such as the Request-URI is taken from the
 * captured bytes, and URIs are rebuilt from their parsed parts. */
#include "sipwatch/sip_message.h"
#include "sipwatch/sip_framing.h"
#include "sipwatch/text.h"
#include "osip_arena.h"
#include "sip_number.h"

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>
#include <osipparser2/sdp_message.h>

#include "sdp_fill.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const method_names[SW_METHOD_COUNT] = {
    [SW_METHOD_OTHER] = "OTHER",
    [SW_METHOD_INVITE] = "INVITE", [SW_METHOD_ACK] = "ACK", [SW_METHOD_BYE] = "BYE",
    [SW_METHOD_CANCEL] = "CANCEL", [SW_METHOD_REGISTER] = "REGISTER",
    [SW_METHOD_OPTIONS] = "OPTIONS", [SW_METHOD_PRACK] = "PRACK",
    [SW_METHOD_SUBSCRIBE] = "SUBSCRIBE", [SW_METHOD_NOTIFY] = "NOTIFY",
    [SW_METHOD_PUBLISH] = "PUBLISH", [SW_METHOD_INFO] = "INFO", [SW_METHOD_REFER] = "REFER",
    [SW_METHOD_MESSAGE] = "MESSAGE", [SW_METHOD_UPDATE] = "UPDATE",
};

sw_sip_method sw_sip_method_from_name(const char *name)
{
    if (!name)
        return SW_METHOD_OTHER;
    for (int m = 1; m < SW_METHOD_COUNT; m++)
        if (name[0] == method_names[m][0] && strcmp(name, method_names[m]) == 0)
            return (sw_sip_method)m;
    return SW_METHOD_OTHER;
}

const char *sw_sip_method_name(sw_sip_method m)
{
    return (m >= 0 && m < SW_METHOD_COUNT) ? method_names[m] : "OTHER";
}

static void trace_discard(const char *fi, int li, osip_trace_level_t level, const char *chfr, va_list ap)
{
    (void)fi; (void)li; (void)level; (void)chfr; (void)ap;
}

void sw_sip_init(void)
{
    /* The Debian build traces to stdout once the first parse fails unless a
     * trace function is installed; that would corrupt JSON and the screen. */
    osip_trace_initialize_func(END_TRACE_LEVEL, trace_discard);
    for (int level = 0; level < END_TRACE_LEVEL; level++)
        osip_trace_disable_level((osip_trace_level_t)level);
    sw_osip_arena_install();
    parser_init();
}

void sw_sip_thread_done(void)
{
    sw_osip_arena_release();
}

/* ---- string arena ---------------------------------------------------------- */

/* Copies s[0..len) into the message's arena as sanitised text, without
 * surrounding double quotes when unquote is set (see sw_sip_msg_copy). */
static const char *arena_copy(sw_sip_msg *m, const char *s, size_t len, size_t maxlen, bool unquote)
{
    if (!s)
        return NULL;
    if (unquote && len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        s++;
        len -= 2;
    }
    return sw_sip_msg_copy(m, s, len, maxlen);
}

/* Whether any byte of the word x is outside printable ASCII (0x20-0x7e):
 * a byte below 0x20 borrows into its high bit when 0x20 is taken from it,
 * a byte above 0x7e has or gets its high bit when 1 is added. */
static bool word_has_unprintable(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t below = (x - ones * 0x20) & ~x & highs;
    uint64_t above = ((x + ones * 1) | x) & highs;
    return (below | above) != 0;
}

/* The length of the run of printable ASCII that s[0..len) starts with,
 * eight bytes at a time. */
static size_t printable_prefix(const char *s, size_t len)
{
    size_t i = 0;
    for (uint64_t x; i + 8 <= len; i += 8) {
        memcpy(&x, s + i, 8);
        if (word_has_unprintable(x))
            break;
    }
    while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
        i++;
    return i;
}

const char *sw_sip_msg_copy(sw_sip_msg *m, const char *s, size_t len, size_t maxlen)
{
    if (!s)
        return NULL;
    /* A value longer than its cap is cut visibly: an ellipsis ends it. */
    static const char ell[] = SW_ELLIPSIS;
    size_t ellen = 0;
    if (len > maxlen && maxlen > sizeof ell) {
        len = sw_utf8_boundary(s, maxlen - (sizeof ell - 1));
        ellen = sizeof ell - 1;
    } else if (len > maxlen) {
        len = maxlen;
    }
    size_t room = m->arena ? SW_SIP_ARENA - m->arena_used : 0;
    if (len + ellen >= room)
        return NULL;                /* a full arena: the field is left out, never half-written */
    char *dst = m->arena + m->arena_used;
    /* The boundary where captured bytes become text: control and escape
     * characters, NUL and invalid UTF-8 never get past it (sanitising never
     * makes text longer). Plain printable ASCII, the usual case, is copied. */
    size_t n = len;
    if (printable_prefix(s, len) == len)
        memcpy(dst, s, len);
    else
        n = sw_text_sanitize(s, len, true, false, dst, len + 1);
    if (ellen)
        memcpy(dst + n, ell, ellen);
    dst[n + ellen] = '\0';
    m->arena_used += n + ellen + 1;
    return dst;
}

static const char *arena_str(sw_sip_msg *m, const char *s, size_t maxlen)
{
    return s ? arena_copy(m, s, strlen(s), maxlen, false) : NULL;
}

static const char *arena_unquoted(sw_sip_msg *m, const char *s, size_t maxlen)
{
    return s ? arena_copy(m, s, strlen(s), maxlen, true) : NULL;
}

/* ---- field extraction ------------------------------------------------------ */

static void summarise_sdp(sw_sip_msg *m);

/* The parameter named `name` (any case), or NULL: libosip2's own lookup
 * compares a character at a time through a function call, and this runs
 * for every message's tags and branch. */
static const osip_generic_param_t *param_named(osip_list_t *params, const char *name)
{
    osip_list_iterator_t it;
    for (osip_generic_param_t *p = osip_list_get_first(params, &it); p; p = osip_list_get_next(&it))
        if (p->gname && strcasecmp(p->gname, name) == 0)
            return p;
    return NULL;
}

static const char *generic_param(osip_list_t *params, const char *name)
{
    const osip_generic_param_t *p = param_named(params, name);
    return p ? p->gvalue : NULL;
}

/* "refer;id=7" -> value "refer", parameter lookup by name. */
static const char *header_token(sw_sip_msg *m, const char *v, size_t maxlen)
{
    if (!v)
        return NULL;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strcspn(v, "; \t");
    return arena_copy(m, v, n, maxlen, false);
}

static const char *header_param(sw_sip_msg *m, const char *v, const char *name, size_t maxlen)
{
    if (!v)
        return NULL;
    size_t nlen = strlen(name);
    for (const char *p = strchr(v, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, name, nlen) == 0) {
            q += nlen;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q != '=')
                continue;
            q++;
            while (*q == ' ' || *q == '\t')
                q++;
            return arena_copy(m, q, strcspn(q, "; \t,"), maxlen, true);
        }
    }
    return NULL;
}

/* Appends s to buf[cap] at *used (below cap), cut to fit; buf stays a string. */
static void put_str(char *buf, size_t cap, size_t *used, const char *s)
{
    size_t n = strlen(s), room = cap - 1 - *used;
    if (n > room)
        n = room;
    memcpy(buf + *used, s, n);
    *used += n;
    buf[*used] = '\0';
}

static void copy_uri_text(sw_sip_msg *m, osip_uri_t *uri, const char **out)
{
    if (!uri || !uri->host) {
        *out = NULL;
        return;
    }
    /* scheme:user@host:port, assembled without printf: this runs for
     * every message's From, To, Contact and Record-Route. */
    char buf[320];
    size_t used = 0;
    put_str(buf, sizeof buf, &used, uri->scheme ? uri->scheme : "sip");
    put_str(buf, sizeof buf, &used, ":");
    if (uri->username) {
        put_str(buf, sizeof buf, &used, uri->username);
        put_str(buf, sizeof buf, &used, "@");
    }
    put_str(buf, sizeof buf, &used, uri->host);
    if (uri->port) {
        put_str(buf, sizeof buf, &used, ":");
        put_str(buf, sizeof buf, &used, uri->port);
    }
    *out = arena_copy(m, buf, used, 255, false);
}

static void copy_credentials(sw_sip_msg *m, const osip_message_t *msg)
{
    osip_authorization_t *a = NULL;
    bool proxy = false;
    if (osip_list_size(&msg->authorizations) > 0)
        a = osip_list_get(&msg->authorizations, 0);
    if (!a && osip_list_size(&msg->proxy_authorizations) > 0) {
        a = osip_list_get(&msg->proxy_authorizations, 0);
        proxy = true;
    }
    if (!a)
        return;
    m->credentials.present = true;
    m->credentials.proxy = proxy;
    m->credentials.scheme = arena_str(m, a->auth_type, 15);
    m->credentials.username = arena_unquoted(m, a->username, 127);
    m->credentials.realm = arena_unquoted(m, a->realm, 127);
    m->credentials.nonce = arena_unquoted(m, a->nonce, 255);
    m->credentials.uri = arena_unquoted(m, a->uri, 255);
    m->credentials.response = arena_unquoted(m, a->response, 63);
}

static void copy_challenge(sw_sip_msg *m, const osip_message_t *msg)
{
    osip_www_authenticate_t *w = NULL;
    bool proxy = false;
    if (osip_list_size(&msg->www_authenticates) > 0)
        w = osip_list_get(&msg->www_authenticates, 0);
    if (!w && osip_list_size(&msg->proxy_authenticates) > 0) {
        w = osip_list_get(&msg->proxy_authenticates, 0);
        proxy = true;
    }
    if (!w)
        return;
    m->challenge.present = true;
    m->challenge.proxy = proxy;
    m->challenge.scheme = arena_str(m, w->auth_type, 15);
    m->challenge.realm = arena_unquoted(m, w->realm, 127);
    m->challenge.nonce = arena_unquoted(m, w->nonce, 255);
    if (w->stale) {
        const char *s = w->stale;
        if (*s == '"')
            s++;
        m->challenge.stale = strncasecmp(s, "true", 4) == 0;
    }
}

static int parse_sipfrag_status(const uint8_t *body, size_t len)
{
    while (len && (*body == '\r' || *body == '\n' || *body == ' ')) {
        body++;
        len--;
    }
    if (len < 11 || memcmp(body, "SIP/2.0 ", 8) != 0)
        return 0;
    int code = 0;
    for (int i = 8; i < 11; i++) {
        if (body[i] < '0' || body[i] > '9')
            return 0;
        code = code * 10 + (body[i] - '0');
    }
    return code;
}

/* The Request-URI exactly as captured, from the start line. */
static const char *raw_request_uri(sw_sip_msg *m, const uint8_t *p, size_t n)
{
    const uint8_t *sp1 = memchr(p, ' ', n);
    if (!sp1)
        return NULL;
    size_t rest = n - (size_t)(sp1 + 1 - p);
    const uint8_t *sp2 = memchr(sp1 + 1, ' ', rest);
    if (!sp2)
        return NULL;
    return arena_copy(m, (const char *)sp1 + 1, (size_t)(sp2 - sp1 - 1), 255, false);
}

static void extract(sw_sip_msg *m, const osip_message_t *msg, const sw_payload *p)
{
    m->is_request = msg->status_code == 0;
    if (m->is_request) {
        m->method_name = arena_str(m, msg->sip_method, 31);
        m->method = sw_sip_method_from_name(msg->sip_method);
        m->request_uri = raw_request_uri(m, p->data, p->len);
    } else {
        m->status = msg->status_code;
        m->reason = arena_str(m, msg->reason_phrase, 127);
    }

    if (msg->call_id && msg->call_id->number) {
        /* number@host, rebuilt from libosip2's two halves. */
        const char *num = msg->call_id->number, *host = msg->call_id->host;
        size_t nl = strlen(num), hl = host ? strlen(host) : 0;
        char buf[300];
        if (nl > 255)
            nl = 255;
        memcpy(buf, num, nl);
        if (host && nl + 1 + hl < sizeof buf) {
            buf[nl] = '@';
            memcpy(buf + nl + 1, host, hl);
            nl += 1 + hl;
        }
        m->call_id = arena_copy(m, buf, nl, 255, false);
    }
    if (msg->cseq && msg->cseq->number) {
        const char *end = NULL;
        unsigned long v = sw_sip_number(msg->cseq->number, &end);
        if (end && end != msg->cseq->number && v <= 0xffffffffUL) {
            m->has_cseq = true;
            m->cseq = (uint32_t)v;
        }
        m->cseq_method_name = arena_str(m, msg->cseq->method, 31);
        m->cseq_method = sw_sip_method_from_name(msg->cseq->method);
    }
    if (msg->from) {
        if (msg->from->url) {
            m->from_user = arena_str(m, msg->from->url->username, 127);
            m->from_host = arena_str(m, msg->from->url->host, 127);
        }
        m->from_display = arena_unquoted(m, msg->from->displayname, 63);
        m->from_tag = arena_str(m, generic_param(&msg->from->gen_params, "tag"), 127);
    }
    if (msg->to) {
        if (msg->to->url) {
            m->to_user = arena_str(m, msg->to->url->username, 127);
            m->to_host = arena_str(m, msg->to->url->host, 127);
        }
        m->to_tag = arena_str(m, generic_param(&msg->to->gen_params, "tag"), 127);
    }

    m->via_count = osip_list_size(&msg->vias);
    if (m->via_count > 0) {
        osip_via_t *via = osip_list_get(&msg->vias, 0);
        if (via) {
            m->via_branch = arena_str(m, generic_param(&via->via_params, "branch"), 127);
            m->via_host = arena_str(m, via->host, 127);
            m->via_transport = arena_str(m, via->protocol, 15);
            m->via_rport = param_named(&via->via_params, "rport") != NULL;
            if (via->port) {
                unsigned long port = sw_sip_number(via->port, NULL);
                m->via_port = (port > 0 && port < 65536) ? (uint16_t)port : 0;
            }
        }
    } else {
        m->via_count = 0;
    }

    if (osip_list_size(&msg->contacts) > 0) {
        osip_contact_t *c = osip_list_get(&msg->contacts, 0);
        if (c)
            copy_uri_text(m, c->url, &m->contact);
    }
    if (osip_list_size(&msg->record_routes) > 0) {
        osip_record_route_t *rr = osip_list_get(&msg->record_routes, 0);
        if (rr)
            copy_uri_text(m, rr->url, &m->record_route);
    }
    /* The headers libosip2 does not model, found in one pass over its list. */
    const char *ua = NULL, *server = NULL, *expires = NULL, *event = NULL, *substate = NULL,
               *refer_to = NULL, *refer_sub = NULL;
    for (int i = 0, n = osip_list_size(&msg->headers); i < n; i++) {
        const osip_header_t *h = osip_list_get(&msg->headers, i);
        if (!h || !h->hname || !h->hvalue)
            continue;
        const char *name = h->hname;     /* libosip2 stores names in lower case */
        switch (name[0]) {
        case 'u': if (!ua && strcmp(name, "user-agent") == 0) ua = h->hvalue; break;
        case 's':
            if (!server && strcmp(name, "server") == 0) server = h->hvalue;
            else if (!substate && strcmp(name, "subscription-state") == 0) substate = h->hvalue;
            break;
        case 'e':
            if (!expires && strcmp(name, "expires") == 0) expires = h->hvalue;
            else if (!event && strcmp(name, "event") == 0) event = h->hvalue;
            break;
        case 'o': if (!event && name[1] == '\0') event = h->hvalue; break;
        case 'r':
            if (!refer_to && (name[1] == '\0' || strcmp(name, "refer-to") == 0)) refer_to = h->hvalue;
            else if (!refer_sub && strcmp(name, "refer-sub") == 0) refer_sub = h->hvalue;
            break;
        default: break;
        }
    }
    m->user_agent = arena_str(m, ua ? ua : server, 127);
    if (expires) {
        unsigned long e = sw_sip_number(expires, NULL);  /* a negative one reads huge */
        m->expires = e < 100000000 ? (int)e : -1;
    }

    copy_credentials(m, msg);
    copy_challenge(m, msg);

    m->event = header_token(m, event, 63);
    m->event_id = header_param(m, event, "id", 63);
    m->subscription_state = header_token(m, substate, 31);
    m->refer_to = arena_str(m, refer_to, 255);
    if (refer_sub) {
        while (*refer_sub == ' ')
            refer_sub++;
        m->refer_sub_false = strncasecmp(refer_sub, "false", 5) == 0;
    }

    if (msg->content_type && msg->content_type->type) {
        char buf[96];
        size_t used = 0;
        put_str(buf, sizeof buf, &used, msg->content_type->type);
        put_str(buf, sizeof buf, &used, "/");
        put_str(buf, sizeof buf, &used, msg->content_type->subtype ? msg->content_type->subtype : "");
        m->content_type = arena_copy(m, buf, used, 63, false);
    }
    /* Only a typed body is read (sipfrag, SDP): the scan for the empty line
     * is spared the many messages without a Content-Type. */
    size_t hdr = m->content_type ? sw_sip_header_end(p->data, p->len) : 0;
    if (hdr && hdr < p->len) {
        m->body = p->data + hdr;
        m->body_len = p->len - hdr;
    }
    if (m->body && m->content_type && strcasecmp(m->content_type, "message/sipfrag") == 0)
        m->sipfrag_status = parse_sipfrag_status(m->body, m->body_len);
    if (m->body && m->content_type && strcasecmp(m->content_type, "application/sdp") == 0)
        summarise_sdp(m);
}

/* The name of an RTP payload type: its rtpmap, else the static assignment (RFC 3551). */
static const char *payload_name(sdp_message_t *sdp, int media, const char *pt, char *buf, size_t n)
{
    size_t ptlen = strlen(pt);
    osip_list_iterator_t it;
    int k = 0;
    SW_SDP_FOR_EACH_ATTRIBUTE(a, sw_sdp_attributes(sdp, media), it, k) {
        const char *value = a->a_att_value;
        if (strcmp(a->a_att_field, "rtpmap") != 0 || !value || strncmp(value, pt, ptlen) != 0 || value[ptlen] != ' ')
            continue;
        size_t len = strcspn(value + ptlen + 1, "/");
        if (len >= n)
            len = n - 1;
        memcpy(buf, value + ptlen + 1, len);
        buf[len] = '\0';
        return buf;
    }
    static const struct { const char *pt, *name; } statics[] = {
        {"0", "PCMU"}, {"3", "GSM"}, {"4", "G723"}, {"8", "PCMA"}, {"9", "G722"}, {"13", "CN"}, {"18", "G729"},
    };
    for (size_t i = 0; i < sizeof statics / sizeof statics[0]; i++)
        if (strcmp(pt, statics[i].pt) == 0)
            return statics[i].name;
    return pt;
}

/* Appends sep and word to buf[cap] at *used, never past its end. */
static void append_word(char *buf, size_t cap, size_t *used, const char *sep, const char *word)
{
    if (*used + 1 >= cap)
        return;
    put_str(buf, cap, used, sep);
    put_str(buf, cap, used, word);
}

/* An SDP body in a few words, parsed with libosip2's SDP parser: each media
 * line's type and formats by name, and the connection address. */
static void summarise_sdp(sw_sip_msg *m)
{
    if (m->body_len > 16384)
        return;
    char text[16385];
    memcpy(text, m->body, m->body_len);
    text[m->body_len] = '\0';
    sdp_message_t *sdp = NULL;
    if (sdp_message_init(&sdp) != 0)
        return;
    if (sdp_message_parse(sdp, text) == 0) {
        char summary[160] = "", name[48];
        size_t used = 0;
        char *media, *pt;
        for (int i = 0; i < 8 && (media = sdp_message_m_media_get(sdp, i)) != NULL; i++) {
            append_word(summary, sizeof summary, &used, i ? "; " : "", media);
            for (int j = 0; j < 16 && (pt = sdp_message_m_payload_get(sdp, i, j)) != NULL; j++)
                append_word(summary, sizeof summary, &used, " ", payload_name(sdp, i, pt, name, sizeof name));
        }
        m->sdp_media = sw_sip_msg_copy(m, summary, used, sizeof summary);
        char *addr = sdp_message_c_addr_get(sdp, -1, 0);
        if (!addr)
            addr = sdp_message_c_addr_get(sdp, 0, 0);
        m->sdp_address = arena_str(m, addr, 63);
        sw_sdp_fill(&m->sdp, sdp);
    }
    if (!sw_osip_arena_clean())
        sdp_message_free(sdp);      /* some of it came from malloc; otherwise it goes with the arena */
}

void sw_sip_msg_start(sw_sip_msg *m, const sw_payload *p)
{
    /* Reset the fields, not the whole arena. */
    memset(m, 0, offsetof(sw_sip_msg, arena));
    m->ts = p->ts;
    m->frame = p->frame;
    m->src = p->src;
    m->dst = p->dst;
    m->transport = p->transport;
    m->agent = p->agent;
    m->raw = p->data;
    m->raw_len = p->len;
    m->expires = -1;
}

sw_sip_parse_result sw_sip_parse(const sw_payload *p, size_t max_len, sw_sip_msg *m)
{
    sw_sip_msg_start(m, p);
    if (max_len && p->len > max_len)
        return SW_SIP_TOO_LARGE;

    /* The parse tree lives in this thread's arena: one message at a time. */
    sw_sip_parse_result result = SW_SIP_PARSE_ERROR;
    osip_message_t *msg = NULL;
    sw_osip_arena_begin();
    if (osip_message_init(&msg) == OSIP_SUCCESS) {
        if (osip_message_parse(msg, (const char *)p->data, p->len) == OSIP_SUCCESS) {
            extract(m, msg, p);
            result = SW_SIP_OK;
        }
    }
    /* Blocks that did not fit the arena came from malloc: only then walk the tree to free them. */
    bool all_in_arena = sw_osip_arena_end();
    if (msg && !all_in_arena)
        osip_message_free(msg);
    return result;
}
