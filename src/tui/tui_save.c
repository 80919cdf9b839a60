/* Saving from the dashboard: a finding's messages, or calls' messages as a
 * pcap or as text, to a new file named after what it holds in the save
 * directory (never overwriting one); the outcome goes to the status line. */
#include "tui_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void tui_save_finding(tui *t, uint64_t id)
{
    char path[4096], err[256];
    const char *dir = t->opt->save_dir && t->opt->save_dir[0] ? t->opt->save_dir : ".";
    snprintf(path, sizeof path, "%s%ssipwatch-finding-%llu.pcap", dir,
             dir[strlen(dir) - 1] == '/' ? "" : "/", (unsigned long long)id);
    err[0] = '\0';
    if (sw_monitor_save_pcap(t->mon, id, path, err, sizeof err) == 0)
        tui_set_status(t, false, "Saved finding #%llu's packets to %s", (unsigned long long)id, path);
    else
        tui_set_status(t, true, "Save failed: %s", err[0] ? err : path);
}

/* Keeps letters, digits and . _ + - of captured text for a file name. */
static void name_part(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (; *in && o + 1 < len && o < 24; in++) {
        char c = *in;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == '+' || c == '-')
            out[o++] = c;
    }
    out[o] = '\0';
    if (!o)
        snprintf(out, len, "unknown");
}

/* "sipwatch-call-1001-to-2002-20261202-061500" or "sipwatch-3-calls-...". */
static void calls_file_stem(const tui *t, const uint64_t *ids, size_t n, char *out, size_t len)
{
    const sw_call_row *first = NULL;
    for (size_t i = 0; i < t->ncalls; i++)
        if (t->calls[i].id == ids[0])
            first = &t->calls[i];
    char when[32] = "";
    if (first) {
        time_t secs = (time_t)(first->start / SW_USEC_PER_SEC);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(when, sizeof when, "-%Y%m%d-%H%M%S", &tm);
    }
    if (n == 1 && first) {
        char from[32], to[32];
        name_part(first->from_user[0] ? first->from_user : first->from_host, from, sizeof from);
        name_part(first->to_user[0] ? first->to_user : first->to_host, to, sizeof to);
        snprintf(out, len, "sipwatch-call-%s-to-%s%s", from, to, when);
    } else {
        snprintf(out, len, "sipwatch-%zu-calls%s", n, when);
    }
}

void tui_save_calls(tui *t, const uint64_t *ids, size_t n, bool as_text)
{
    const char *dir = t->opt->save_dir && t->opt->save_dir[0] ? t->opt->save_dir : ".";
    const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
    char stem[160], path[4096], err[256] = "";
    calls_file_stem(t, ids, n, stem, sizeof stem);
    const char *ext = as_text ? "txt" : "pcap";
    long written = -1;
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(path, sizeof path, "%s%s%s.%s", dir, sep, stem, ext);
        else
            snprintf(path, sizeof path, "%s%s%s-%d.%s", dir, sep, stem, k, ext);
        if (access(path, F_OK) == 0)
            continue;               /* never overwrite: the next free name */
        written = sw_monitor_save_calls(t->mon, ids, n, path, as_text, err, sizeof err);
        break;
    }
    bool tls = false;
    for (size_t i = 0; i < n; i++) {
        const sw_call_row *r = tui_call_by_id(t, ids[i]);
        tls |= r && r->transport == SW_TRANSPORT_TLS;
    }
    if (written >= 0)
        tui_set_status(t, false, "Saved %ld message%s of %zu call%s to %s%s", written, written == 1 ? "" : "s", n,
                       n == 1 ? "" : "s", path, tls ? " (SIP decrypted from TLS, written in clear)" : "");
    else
        tui_set_status(t, true, "Save failed: %s", err[0] ? err : "no free file name");
}

