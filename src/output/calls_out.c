/* --calls output: one record per call when it ends, as a JSON line
 * ({"type":"call",...}, field names a public interface) or an aligned text
 * line, for the support engineer who wants every call, not only those with
 * findings. Written as each call ends, then forgotten: memory stays flat. */
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
    fprintf(out, " %21s -> %-21s %-16s %7s %4u%s\n", sw_endpoint_format(&c->src, src, sizeof src),
            sw_endpoint_format(&c->dst, dst, sizeof dst), state, dur, c->messages, nfindings ? " !" : "");
}
