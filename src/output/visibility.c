/* Visibility: the blind spots of a run, in words (see sipwatch/visibility.h). */
#include "sipwatch/visibility.h"
#include "sipwatch/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void add(sw_blind_spots *out, const char *label, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(sw_blind_spots *out, const char *label, const char *fmt, ...)
{
    if (out->count >= SW_BLIND_SPOTS)
        return;
    sw_copy_cut(out->labels[out->count], sizeof out->labels[0], label);
    va_list ap;
    va_start(ap, fmt);
    sw_vformat_cut(out->lines[out->count++], SW_BLIND_SPOT_LEN, 0, fmt, ap);
    va_end(ap);
}

/* SIP over TLS that was not decrypted, with the reasons when they are known. */
static void tls_blind_spot(const sw_visibility_input *in, sw_blind_spots *out)
{
    unsigned long long tls = in->tls_connections;
    const char *conns = sw_plural(tls, "connection", "connections");
    char label[64];
    snprintf(label, sizeof label, "%llu TLS %s not decrypted", tls, conns);
    if (!tls)
        return;
    uint64_t n[4] = {in->tls_no_key, in->tls_unsupported, in->tls_midstream, in->tls_damaged};
    static const char *const why[4] = {"no key (--tls-keylog)", "unsupported version or cipher suite",
                                        "started before the capture", "records lost or damaged"};
    if (!(n[0] | n[1] | n[2] | n[3])) {
        add(out, label, "%llu TLS %s could not be inspected: SIP over TLS is encrypted (give sipwatch the key log "
                 "with --tls-keylog, capture where it is in clear, or have the PBX export it over HEP)", tls, conns);
        return;
    }
    char reasons[150] = "";
    for (size_t i = 0, at = 0; i < 4 && at < sizeof reasons; i++)
        if (n[i])
            at += (size_t)snprintf(reasons + at, sizeof reasons - at, "%s%llu %s", at ? ", " : "",
                                   (unsigned long long)n[i], why[i]);
    add(out, label, "%llu TLS %s not (fully) decrypted: %s", tls, conns, reasons);
}

void sw_visibility_assess(const sw_visibility_input *in, sw_blind_spots *out)
{
    memset(out, 0, sizeof *out);
    unsigned long long drops = in->capture_drops;
    char label[64];
    if (!in->sip_messages) {
        out->saw_nothing = true;
        add(out, "no SIP message seen", "no SIP message was seen in %llu %s, so nothing could be checked",
            (unsigned long long)in->packets, sw_plural(in->packets, "packet", "packets"));
    }
    tls_blind_spot(in, out);
    if (in->truncated)
        add(out, "capture file truncated", "the capture file ends early%s%s%s: only the packets before the cut were analysed",
            in->truncated_why && *in->truncated_why ? " (" : "", in->truncated_why ? in->truncated_why : "",
            in->truncated_why && *in->truncated_why ? ")" : "");
    snprintf(label, sizeof label, "%llu %s dropped by the capture", drops, sw_plural(drops, "packet", "packets"));
    if (drops)
        add(out, label, "the capture dropped %llu %s: messages may be missing, and so findings about missing messages "
                 "are less certain", drops, sw_plural(drops, "packet", "packets"));
    snprintf(label, sizeof label, "%llu %s evicted at the limit", (unsigned long long)in->flows_evicted,
             sw_plural(in->flows_evicted, "flow", "flows"));
    if (in->flows_evicted)
        add(out, label, "tracking limits were hit: %llu Call-ID %s forgotten before %s ended (raise flows.max)",
            (unsigned long long)in->flows_evicted, sw_plural(in->flows_evicted, "flow was", "flows were"),
            sw_plural(in->flows_evicted, "it", "they"));
    snprintf(label, sizeof label, "%llu parse %s", (unsigned long long)in->parse_errors,
             sw_plural(in->parse_errors, "error", "errors"));
    if (in->parse_errors)
        add(out, label, "%llu SIP %s could not be parsed (see --dump); only their transaction keys were used",
            (unsigned long long)in->parse_errors, sw_plural(in->parse_errors, "message", "messages"));
}
