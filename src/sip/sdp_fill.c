/* SIP stage: the structured SDP summary for the media stage, read from
 * libosip2's parsed SDP (never re-serialised). Addresses are parsed with
 * inet_pton; codec names keep only letters, digits and ".-_+", so the
 * summary is safe text for every sink. */
#include "sdp_fill.h"
#include "sip_number.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { unsigned pt; const char *name; uint32_t rate; } statics[] = {
    {0, "PCMU", 8000}, {3, "GSM", 8000}, {4, "G723", 8000}, {5, "DVI4", 8000}, {6, "DVI4", 16000},
    {7, "LPC", 8000}, {8, "PCMA", 8000}, {9, "G722", 8000}, {10, "L16", 44100}, {11, "L16", 44100},
    {12, "QCELP", 8000}, {13, "CN", 8000}, {14, "MPA", 90000}, {15, "G728", 8000}, {16, "DVI4", 11025},
    {17, "DVI4", 22050}, {18, "G729", 8000}, {25, "CelB", 90000}, {26, "JPEG", 90000}, {28, "nv", 90000},
    {31, "H261", 90000}, {32, "MPV", 90000}, {33, "MP2T", 90000}, {34, "H263", 90000},
};

uint32_t sw_rtp_static_rate(unsigned pt)
{
    for (size_t i = 0; i < sizeof statics / sizeof statics[0]; i++)
        if (statics[i].pt == pt)
            return statics[i].rate;
    return 0;
}

const char *sw_rtp_static_name(unsigned pt)
{
    for (size_t i = 0; i < sizeof statics / sizeof statics[0]; i++)
        if (statics[i].pt == pt)
            return statics[i].name;
    return NULL;
}

const char *sw_sdp_dir_name(sw_sdp_dir d)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    return (unsigned)d < 4 ? names[d] : "?";
}

static void safe_copy(char *dst, size_t cap, const char *src, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && src[i] && o + 1 < cap; i++) {
        char c = src[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '-' || c == '_' || c == '+';
        dst[o++] = ok ? c : '?';
    }
    dst[o] = '\0';
}

static bool parse_addr(const char *text, sw_ip_addr *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return false;
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->family = 6;
        return true;
    }
    return false;
}

static int direction_of(const char *field)
{
    if (!field)
        return -1;
    if (strcmp(field, "sendrecv") == 0)
        return SW_SDP_SENDRECV;
    if (strcmp(field, "sendonly") == 0)
        return SW_SDP_SENDONLY;
    if (strcmp(field, "recvonly") == 0)
        return SW_SDP_RECVONLY;
    if (strcmp(field, "inactive") == 0)
        return SW_SDP_INACTIVE;
    return -1;
}

const osip_list_t *sw_sdp_attributes(const sdp_message_t *sdp, int i)
{
    if (i < 0)
        return &sdp->a_attributes;
    const sdp_media_t *med = osip_list_get(&sdp->m_medias, i);
    return med ? &med->a_attributes : NULL;
}

/* rtpmap "96 opus/48000/2": the name and rate of every codec of this
 * payload type still unnamed. */
static void apply_rtpmap(sw_sdp_media *md, bool *named, const char *value)
{
    const char *end;
    unsigned long v = sw_sip_number(value, &end);
    if (end == value || *end != ' ')
        return;
    const char *name = end + 1;
    size_t nlen = strcspn(name, "/");
    for (unsigned j = 0; j < md->ncodecs; j++) {
        sw_sdp_codec *c = &md->codecs[j];
        if (named[j] || v != c->pt)
            continue;
        safe_copy(c->name, sizeof c->name, name, nlen);
        if (name[nlen] == '/')
            c->rate = (uint32_t)sw_sip_number(name + nlen + 1, NULL);
        named[j] = true;
    }
}

static void fill_codecs(sw_sdp_media *md, sdp_message_t *sdp, int i)
{
    /* The payload types first, then their rtpmap lines in one pass (the
     * first line for a type names it), then the static names. */
    bool named[SW_SDP_CODECS] = {false};
    const char *text[SW_SDP_CODECS];
    char *pt;
    for (int j = 0; j < 32 && (pt = sdp_message_m_payload_get(sdp, i, j)) != NULL; j++) {
        if (md->ncodecs >= SW_SDP_CODECS)
            break;
        sw_sdp_codec *c = &md->codecs[md->ncodecs];
        memset(c, 0, sizeof *c);
        if (md->kind == SW_SDP_IMAGE || !(pt[0] >= '0' && pt[0] <= '9')) {
            safe_copy(c->name, sizeof c->name, pt, strlen(pt));
            md->t38 |= strcasecmp(pt, "t38") == 0;
            named[md->ncodecs++] = true;
            continue;
        }
        unsigned long v = sw_sip_number(pt, NULL);
        if (v > 127)
            continue;
        c->pt = (uint8_t)v;
        text[md->ncodecs++] = pt;
    }
    osip_list_iterator_t it;
    int k = 0;
    SW_SDP_FOR_EACH_ATTRIBUTE(a, sw_sdp_attributes(sdp, i), it, k)
        if (a->a_att_value && strcmp(a->a_att_field, "rtpmap") == 0)
            apply_rtpmap(md, named, a->a_att_value);
    for (unsigned j = 0; j < md->ncodecs; j++) {
        if (named[j])
            continue;
        sw_sdp_codec *c = &md->codecs[j];
        const char *name = sw_rtp_static_name(c->pt);
        safe_copy(c->name, sizeof c->name, name ? name : text[j], strlen(name ? name : text[j]));
        c->rate = sw_rtp_static_rate(c->pt);
    }
}

/* Attributes of media line i (or the session, -1): direction, ICE, rtcp-mux. */
static void scan_attributes(sdp_message_t *sdp, int i, int *dir, bool *ice, bool *mux)
{
    osip_list_iterator_t it;
    int k = 0;
    SW_SDP_FOR_EACH_ATTRIBUTE(a, sw_sdp_attributes(sdp, i), it, k) {
        const char *field = a->a_att_field;
        int d = direction_of(field);
        if (d >= 0)
            *dir = d;
        if (strcmp(field, "candidate") == 0)
            *ice = true;
        if (mux && strcmp(field, "rtcp-mux") == 0)
            *mux = true;
    }
}

void sw_sdp_fill(sw_sdp *out, sdp_message_t *sdp)
{
    memset(out, 0, sizeof *out);
    out->present = true;
    int session_dir = SW_SDP_SENDRECV;
    scan_attributes(sdp, -1, &session_dir, &out->ice, NULL);
    sw_ip_addr session_addr;
    parse_addr(sdp_message_c_addr_get(sdp, -1, 0), &session_addr);
    char *media;
    for (int i = 0; i < 16 && (media = sdp_message_m_media_get(sdp, i)) != NULL; i++) {
        if (out->nmedia >= SW_SDP_MEDIA)
            break;
        sw_sdp_media *md = &out->media[out->nmedia++];
        md->kind = strcasecmp(media, "audio") == 0   ? SW_SDP_AUDIO
                   : strcasecmp(media, "video") == 0 ? SW_SDP_VIDEO
                   : strcasecmp(media, "image") == 0 ? SW_SDP_IMAGE
                                                     : SW_SDP_OTHER;
        char *port = sdp_message_m_port_get(sdp, i);
        unsigned long p = port ? sw_sip_number(port, NULL) : 0;
        md->port = p <= 65535 ? (uint16_t)p : 0;
        char *proto = sdp_message_m_proto_get(sdp, i);
        md->srtp = proto && strstr(proto, "SAVP") != NULL;
        if (!parse_addr(sdp_message_c_addr_get(sdp, i, 0), &md->addr))
            md->addr = session_addr;
        int dir = session_dir;
        scan_attributes(sdp, i, &dir, &out->ice, &md->rtcp_mux);
        md->dir = (uint8_t)dir;
        fill_codecs(md, sdp, i);
    }
}
