/* Media stage: a MOS estimate from a stream's loss and jitter with the
 * ITU-T G.107 E-model, simplified as many VoIP monitors do:
 *   R = 93.2 - Id - Ie_eff
 *   Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3), with the one-way delay d
 *        unknown to a passive probe, so estimated as 2 x jitter (a jitter
 *        buffer twice the jitter) + 20 ms packetisation + the codec's delay;
 *   Ie_eff = Ie + (95 - Ie) Ppl / (Ppl + Bpl)  (random loss, BurstR = 1),
 *        Ie and Bpl per codec from G.113 Appendix I (G.711 with PLC: 0, 25.1);
 *   MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R), clamped to 1..4.5.
 * Echo, noise, loudness and the real delay are left at their defaults: the
 * figure grades the network, not the voice (the payload is never decoded). */
#include "sipwatch/media.h"

#include <strings.h>

typedef struct codec_impairment {
    const char *name;
    double ie, bpl, delay_ms;
} codec_impairment;

static const codec_impairment codecs[] = {
    {"PCMU", 0, 25.1, 0.125}, {"PCMA", 0, 25.1, 0.125}, {"G722", 0, 25.1, 1.5},   {"G729", 11, 19.0, 15},
    {"G723", 15, 16.1, 37.5}, {"GSM", 20, 10.0, 20},    {"iLBC", 10, 15.0, 25},   {"opus", 0, 20.0, 6.5},
    {"speex", 10, 15.0, 20},  {"AMR", 5, 10.0, 25},     {"AMR-WB", 0, 10.0, 25},
};

double sw_media_mos(const char *codec, double loss_percent, double jitter_ms)
{
    codec_impairment c = {"?", 5, 10.0, 20};        /* an unknown codec: a middling guess */
    for (size_t i = 0; codec && i < sizeof codecs / sizeof codecs[0]; i++)
        if (strcasecmp(codec, codecs[i].name) == 0)
            c = codecs[i];
    if (loss_percent < 0)
        loss_percent = 0;
    double d = 2 * jitter_ms + 20 + c.delay_ms;
    double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
    double ie_eff = c.ie + (95 - c.ie) * loss_percent / (loss_percent + c.bpl);
    double r = 93.2 - id - ie_eff;
    if (r < 0)
        return 1.0;
    if (r > 100)
        r = 100;
    double mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
    return mos < 1 ? 1.0 : mos > 4.5 ? 4.5 : mos;
}
