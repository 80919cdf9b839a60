/* Media stage: a side's SDP packed for keeping. A call holds the latest SDP
 * of each side for as long as it lasts, and most have one audio line with a
 * few codecs: packed, that is about 70 bytes instead of the 440 of a full
 * sw_sdp. Layout: present, ice, nmedia; per media line its flags, port,
 * address and ncodecs; per codec pt, rate, name length and name. */
#include "media_internal.h"

#include <stdlib.h>
#include <string.h>

#define MEDIA_FIXED 25              /* kind dir t38 srtp rtcp_mux, port (2), family + 16 address bytes, ncodecs */

static uint8_t *put(uint8_t *p, const void *v, size_t n)
{
    memcpy(p, v, n);
    return p + n;
}

static const uint8_t *get(const uint8_t *p, void *v, size_t n)
{
    memcpy(v, p, n);
    return p + n;
}

uint8_t *media_sdp_pack(const sw_sdp *sdp)
{
    size_t len = 3;
    unsigned nmedia = sdp->nmedia < SW_SDP_MEDIA ? sdp->nmedia : SW_SDP_MEDIA;
    for (unsigned i = 0; i < nmedia; i++) {
        const sw_sdp_media *md = &sdp->media[i];
        len += MEDIA_FIXED;
        for (unsigned c = 0; c < md->ncodecs && c < SW_SDP_CODECS; c++)
            len += 6 + strnlen(md->codecs[c].name, SW_SDP_CODEC_NAME - 1);
    }
    uint8_t *buf = malloc(len), *p = buf;
    if (!buf)
        return NULL;
    *p++ = sdp->present;
    *p++ = sdp->ice;
    *p++ = (uint8_t)nmedia;
    for (unsigned i = 0; i < nmedia; i++) {
        const sw_sdp_media *md = &sdp->media[i];
        uint8_t ncodecs = (uint8_t)(md->ncodecs < SW_SDP_CODECS ? md->ncodecs : SW_SDP_CODECS);
        uint8_t flags[5] = {md->kind, md->dir, md->t38, md->srtp, md->rtcp_mux};
        p = put(p, flags, sizeof flags);
        p = put(p, &md->port, 2);
        *p++ = md->addr.family;
        p = put(p, md->addr.bytes, 16);
        *p++ = ncodecs;
        for (unsigned c = 0; c < ncodecs; c++) {
            const sw_sdp_codec *cd = &md->codecs[c];
            uint8_t n = (uint8_t)strnlen(cd->name, SW_SDP_CODEC_NAME - 1);
            *p++ = cd->pt;
            p = put(p, &cd->rate, 4);
            *p++ = n;
            p = put(p, cd->name, n);
        }
    }
    return buf;
}

void media_sdp_unpack(const uint8_t *p, sw_sdp *out)
{
    memset(out, 0, sizeof *out);
    if (!p)
        return;
    out->present = *p++;
    out->ice = *p++;
    out->nmedia = *p++;
    for (unsigned i = 0; i < out->nmedia; i++) {
        sw_sdp_media *md = &out->media[i];
        uint8_t flags[5];
        p = get(p, flags, sizeof flags);
        md->kind = flags[0];
        md->dir = flags[1];
        md->t38 = flags[2];
        md->srtp = flags[3];
        md->rtcp_mux = flags[4];
        p = get(p, &md->port, 2);
        md->addr.family = *p++;
        p = get(p, md->addr.bytes, 16);
        md->ncodecs = *p++;
        for (unsigned c = 0; c < md->ncodecs; c++) {
            sw_sdp_codec *cd = &md->codecs[c];
            cd->pt = *p++;
            p = get(p, &cd->rate, 4);
            uint8_t n = *p++;
            p = get(p, cd->name, n);
            cd->name[n] = '\0';
        }
    }
}

bool sw_media_side_sdp(const sw_media_call *mc, int side, sw_sdp *out)
{
    const sw_media_side *sd = &mc->side[side ? 1 : 0];
    media_sdp_unpack(sd->have ? sd->sdp : NULL, out);
    return sd->have && sd->sdp;
}
