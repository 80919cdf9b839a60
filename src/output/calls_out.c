/* --calls output: one record per call when it ends, as a JSON line
 * ({"type":"call",...}, field names a public interface) or an aligned text
 * line, for the support engineer who wants every call, not only those with
 * findings. Written as each call ends, then forgotten: memory stays flat. */
#include "sipwatch/media.h"
#include "sipwatch/output.h"
#include "sipwatch/text.h"
#include "sipwatch/timefmt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

static const char *user_at(const char *user, const char *host, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", user ? user : "", user && *user && host && *host ? "@" : "", host ? host : "");
    return buf;
}

static long long ms_between(sw_time_us a, sw_time_us b)
{
    return (long long)((b - a) / 1000);
}

static double rounded(double v, double scale)
{
    return (double)(long long)(v * scale + 0.5) / scale;
}

/* "media": one object per stream and direction (the first SW_CALL_STREAMS). */
static json_t *media_json(const sw_call *c)
{
    char ep[SW_ENDPOINT_STRLEN], ssrc[16];
    json_t *a = json_array();
    for (unsigned i = 0; i < c->nstreams && i < SW_CALL_STREAMS; i++) {
        const sw_call_stream *s = &c->streams[i];
        json_t *o = json_object();
        json_object_set_new(o, "src", sw_json_text(sw_endpoint_format(&s->src, ep, sizeof ep)));
        json_object_set_new(o, "dst", sw_json_text(sw_endpoint_format(&s->dst, ep, sizeof ep)));
        snprintf(ssrc, sizeof ssrc, "0x%08X", (unsigned)s->ssrc);
        json_object_set_new(o, "ssrc", json_string(ssrc));
        json_object_set_new(o, "from", json_string(s->side ? "callee" : "caller"));
        json_object_set_new(o, "codec", sw_json_text(s->codec));
        json_object_set_new(o, "srtp", json_boolean(s->srtp));
        json_object_set_new(o, "packets", json_integer((json_int_t)s->packets));
        json_object_set_new(o, "lost", json_integer((json_int_t)s->lost));
        json_object_set_new(o, "jitter_max_ms", json_real(rounded(s->jitter_max_ms, 1000)));
        json_object_set_new(o, "jitter_mean_ms", json_real(rounded(s->jitter_mean_ms, 1000)));
        json_object_set_new(o, "mos", s->mos > 0 ? json_real(rounded(s->mos, 100)) : json_null());
        json_object_set_new(o, "first", sw_json_time(s->first));
        json_object_set_new(o, "last", sw_json_time(s->last));
        if (s->rtcp) {
            /* The receiver's view, from its RTCP reports about this SSRC. */
            json_t *r = json_object();
            json_object_set_new(r, "fraction_lost", json_real(rounded(s->rtcp_fraction_lost / 256.0, 1000)));
            json_object_set_new(r, "cumulative_lost", json_integer(s->rtcp_cum_lost));
            json_object_set_new(r, "jitter_ms", json_real(rounded(s->rtcp_jitter_ms, 1000)));
            json_object_set_new(r, "rtt_ms", s->rtt_ms >= 0 ? json_real(rounded(s->rtt_ms, 1000)) : json_null());
            json_object_set_new(o, "rtcp", r);
        } else {
            json_object_set_new(o, "rtcp", json_null());
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *sdp_json(const sw_call_sdp *s)
{
    char ep[SW_ENDPOINT_STRLEN];
    if (!s->present)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "audio", s->audio.port ? sw_json_text(sw_endpoint_format(&s->audio, ep, sizeof ep))
                                                  : json_null());
    json_object_set_new(o, "codecs", sw_json_text(s->codecs));
    json_object_set_new(o, "direction", json_string(sw_sdp_dir_name((sw_sdp_dir)s->dir)));
    json_object_set_new(o, "t38", json_boolean(s->t38));
    json_object_set_new(o, "srtp", json_boolean(s->srtp));
    json_object_set_new(o, "ice", json_boolean(s->ice));
    return o;
}

static json_t *changes_json(const sw_call *c)
{
    static const struct { uint8_t bit; const char *name; } names[] = {
        {SW_MEDIA_CHANGE_HOLD, "hold"}, {SW_MEDIA_CHANGE_RESUME, "resume"}, {SW_MEDIA_CHANGE_CODEC, "codec"},
        {SW_MEDIA_CHANGE_T38, "t38"}, {SW_MEDIA_CHANGE_ADDRESS, "address"},
    };
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (c->media_changes & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

static const char *media_state_name(const sw_call *c)
{
    switch (c->media) {
    case SW_CALL_MEDIA_NOT_CAPTURED: return "not-captured";
    case SW_CALL_MEDIA_SEEN: return c->media_problems ? "problem" : c->nstreams ? "ok" : "none";
    default: return NULL;
    }
}

void sw_json_write_call(FILE *out, const sw_call *c, const uint64_t *ids, size_t nids)
{
    char buf[300], ep[SW_ENDPOINT_STRLEN];
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "type", json_string("call"));
    json_object_set_new_nocheck(o, "call_id", sw_json_text(c->call_id));
    json_object_set_new_nocheck(o, "method", sw_json_text(c->method));
    json_object_set_new_nocheck(o, "from", sw_json_text(user_at(c->from_user, c->from_host, buf, sizeof buf)));
    json_object_set_new_nocheck(o, "from_display", c->from_display && *c->from_display ? sw_json_text(c->from_display)
                                                                               : json_null());
    json_object_set_new_nocheck(o, "to", sw_json_text(user_at(c->to_user, c->to_host, buf, sizeof buf)));
    json_object_set_new_nocheck(o, "src", sw_json_text(sw_endpoint_format(&c->src, ep, sizeof ep)));
    json_object_set_new_nocheck(o, "dst", sw_json_text(sw_endpoint_format(&c->dst, ep, sizeof ep)));
    json_object_set_new_nocheck(o, "transport", json_string(sw_transport_name(c->transport)));
    json_object_set_new_nocheck(o, "start", sw_json_time(c->start));
    json_object_set_new_nocheck(o, "ringing", sw_json_time(c->first_provisional));
    json_object_set_new_nocheck(o, "answer", sw_json_time(c->answer));
    json_object_set_new_nocheck(o, "end", sw_json_time(c->end));
    json_object_set_new_nocheck(o, "state", json_string(sw_call_state_name(c->state)));
    json_object_set_new_nocheck(o, "final_status", c->final_status ? json_integer(c->final_status) : json_null());
    json_object_set_new_nocheck(o, "reason", c->final_status ? sw_json_text(c->reason) : json_null());
    json_object_set_new_nocheck(o, "ended_by", c->ender ? json_string(sw_call_ender_name(c->ender)) : json_null());
    json_object_set_new_nocheck(o, "pdd_ms", c->first_provisional ? json_integer(ms_between(c->start, c->first_provisional))
                                                          : json_null());
    json_object_set_new_nocheck(o, "answer_ms", c->answer ? json_integer(ms_between(c->start, c->answer)) : json_null());
    json_object_set_new_nocheck(o, "duration_s", c->answer && c->end > c->answer
                                             ? json_real((double)(c->end - c->answer) / 1e6) : json_null());
    if (c->nbranches > 1) {
        /* A forked call: each branch's outcome, in the order they answered. */
        json_t *br = json_array();
        for (unsigned i = 0; i < c->nbranches && i < SW_CALL_BRANCHES; i++) {
            json_t *b = json_object();
            json_object_set_new_nocheck(b, "status", json_integer(c->branch_status[i]));
            uint16_t st = c->branch_status[i];
            json_object_set_new_nocheck(b, "state", json_string(st < 200 ? "in-progress" : st < 300 ? "answered"
                                : sw_call_state_name(sw_call_state_of_final(st, true, false))));
            json_array_append_new(br, b);
        }
        json_object_set_new_nocheck(o, "branches", br);
    }
    json_object_set_new_nocheck(o, "messages", json_integer(c->messages));
    json_object_set_new_nocheck(o, "retransmissions", json_integer(c->retransmissions));
    const char *media = media_state_name(c);
    json_object_set_new_nocheck(o, "media_state", media ? json_string(media) : json_null());
    json_object_set_new_nocheck(o, "media", media_json(c));
    if (c->sdp[0].present || c->sdp[1].present) {
        json_t *sdp = json_object();
        json_object_set_new(sdp, "caller", sdp_json(&c->sdp[0]));
        json_object_set_new(sdp, "callee", sdp_json(&c->sdp[1]));
        json_object_set_new(sdp, "reoffers", json_integer(c->reoffers));
        json_object_set_new(sdp, "changes", changes_json(c));
        json_object_set_new_nocheck(o, "sdp", sdp);
    }
    if (c->nstreams > SW_CALL_STREAMS)
        json_object_set_new_nocheck(o, "media_streams", json_integer(c->nstreams));
    json_t *f = json_array();
    for (size_t i = 0; i < nids; i++)
        json_array_append_new(f, json_integer((json_int_t)ids[i]));
    json_object_set_new_nocheck(o, "findings", f);
    /* into a buffer on the stack and out in one write; a longer line
     * (many findings) takes the allocating way */
    char line[2048];
    size_t n = json_dumpb(o, line, sizeof line - 1, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (n && n < sizeof line - 1) {
        line[n] = '\n';
        fwrite(line, 1, n + 1, out);
    } else if (n) {
        char *big = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (big)
            fprintf(out, "%s\n", big);
        free(big);
    }
    json_decref(o);
}

/* Writes s padded with spaces to `cols` terminal columns (s fits already). */
static void put_padded(FILE *out, const char *s, int cols)
{
    fputs(s, out);
    for (int w = sw_text_width(s); w < cols; w++)
        fputc(' ', out);
}

void sw_text_write_calls_header(FILE *out)
{
    fprintf(out, "%-23s %-9s %-24s %-24s %21s    %-21s %-16s %7s %4s\n", "START (UTC)", "METHOD", "FROM", "TO",
            "SOURCE", "DESTINATION", "STATE", "TALK", "MSGS");
}

/* After the columns: the media problems found, or that media was not captured. */
static const char *media_mark(const sw_call *c, char *buf, size_t n)
{
    static const struct { uint8_t bit; const char *name; } names[] = {
        {SW_CALL_MP_ONE_WAY, "one-way-audio"}, {SW_CALL_MP_NO_AUDIO, "no-audio"},
        {SW_CALL_MP_PRIVATE_SDP, "sdp-private-address"}, {SW_CALL_MP_STOPPED, "media-stopped"},
        {SW_CALL_MP_POOR, "poor-quality"},
    };
    buf[0] = '\0';
    if (c->media == SW_CALL_MEDIA_NOT_CAPTURED && c->answer) {
        snprintf(buf, n, "  media not captured");
        return buf;
    }
    size_t used = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && used < n; i++)
        if (c->media_problems & names[i].bit)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "  media: ", names[i].name);
    return buf;
}

void sw_text_write_call(FILE *out, const sw_call *c, size_t nfindings)
{
    char t[SW_TIME_STRLEN], buf[300], from[32], to[32], src[SW_ENDPOINT_STRLEN], dst[SW_ENDPOINT_STRLEN];
    char state[48], dur[24];
    sw_time_iso(c->start, t, sizeof t);
    sw_copy_cut(from, 25, user_at(c->from_user, c->from_host, buf, sizeof buf));
    sw_copy_cut(to, 25, user_at(c->to_user, c->to_host, buf, sizeof buf));
    if (c->final_status)
        snprintf(state, sizeof state, "%s %u", sw_call_state_name(c->state), c->final_status);
    else
        snprintf(state, sizeof state, "%s", sw_call_state_name(c->state));
    if (c->answer && c->end > c->answer)
        snprintf(dur, sizeof dur, "%.1fs", (double)(c->end - c->answer) / 1e6);
    else
        snprintf(dur, sizeof dur, "-");
    fprintf(out, "%.23s %-9s ", t, c->method);
    put_padded(out, from, 24);
    fputc(' ', out);
    put_padded(out, to, 24);
    fprintf(out, " %21s -> %-21s %-16s %7s %4u%s%s\n", sw_endpoint_format(&c->src, src, sizeof src),
            sw_endpoint_format(&c->dst, dst, sizeof dst), state, dur, c->messages, nfindings ? " !" : "",
            media_mark(c, buf, sizeof buf));
}
