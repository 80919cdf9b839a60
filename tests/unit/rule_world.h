/* Test harness shared by the rule tests: a correlator wired to the rules
 * and a findings store, fed SIP messages parsed from text at chosen
 * capture-clock offsets (no pcap), and helpers to read the findings. */
#ifndef SIPWATCH_TEST_RULE_WORLD_H
#define SIPWATCH_TEST_RULE_WORLD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/correlate.h"
#include "sipwatch/findings.h"
#include "sipwatch/rules.h"
#include "text_feed.h"

typedef struct world {
    sw_correlate_config ccfg;
    sw_rules_config rcfg;
    sw_correlator *corr;
    sw_findings *findings;
    sw_rule_ctx ctx;
    sw_sip_msg msg;
    char arena[SW_SIP_ARENA];       /* msg's strings */
    sw_time_us now;
    sw_transport transport;         /* of the messages fed: UDP unless a test says otherwise */
} world;

static inline void on_event(void *user, const sw_event *ev)
{
    world *w = user;
    sw_rules_evaluate(&w->ctx, ev);
}

static inline int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    sw_correlate_config_default(&w->ccfg);
    sw_rules_config_default(&w->rcfg, &w->ccfg);
    w->corr = sw_correlator_create(&w->ccfg, on_event, w);
    w->findings = sw_findings_create(0, NULL, NULL);
    w->ctx.cfg = &w->rcfg;
    w->ctx.corr = &w->ccfg;
    w->ctx.findings = w->findings;
    w->now = T0;
    *state = w;
    return 0;
}

static inline int teardown(void **state)
{
    world *w = *state;
    sw_correlator_destroy(w->corr);
    sw_findings_destroy(w->findings);
    free(w);
    return 0;
}


#define UA ep(11, 5071)
#define PBX ep(10, 5070)
#define UA2 ep(12, 5072)

/* Parses `text` as a message from src to dst, `after_ms` after the last one. */
static inline void feed(world *w, unsigned after_ms, sw_endpoint src, sw_endpoint dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    w->now += after_ms * MS;
    w->msg.arena = w->arena;
    parse_textv(&w->msg, w->now, src, dst, w->transport, fmt, ap);
    va_end(ap);
    sw_correlate_message(w->corr, &w->msg, false);
}

static inline void advance(world *w, unsigned ms)
{
    w->now += ms * MS;
    sw_correlate_advance(w->corr, w->now);
}

static inline void finish(world *w, unsigned after_ms)
{
    w->now += after_ms * MS;
    sw_correlate_finish(w->corr, w->now);
}

static inline unsigned count_rule(const world *w, const char *rule)
{
    unsigned n = 0;
    for (size_t i = 0; i < sw_findings_count(w->findings); i++)
        if (strcmp(sw_findings_at(w->findings, i)->rule, rule) == 0)
            n++;
    return n;
}

static inline const sw_finding *first_of(const world *w, const char *rule)
{
    for (size_t i = 0; i < sw_findings_count(w->findings); i++)
        if (strcmp(sw_findings_at(w->findings, i)->rule, rule) == 0)
            return sw_findings_at(w->findings, i);
    return NULL;
}

static inline const char *detail(const sw_finding *f, const char *name)
{
    for (unsigned i = 0; i < f->ndetails; i++)
        if (strcmp(f->details[i].name, name) == 0)
            return f->details[i].value;
    return NULL;
}

/* ---- message templates ------------------------------------------------- */

#define HDRS(branch, callid, cseq, method, totag)                                         \
    "Via: SIP/2.0/UDP 127.0.0.11:5071;branch=" branch "\r\n"                              \
    "From: <sip:alice@pbx.test>;tag=ua1\r\nTo: <sip:alice@pbx.test>" totag "\r\n"         \
    "Call-ID: " callid "\r\nCSeq: " cseq " " method "\r\n"

static inline void register_req(world *w, unsigned after, const char *branch, unsigned cseq, const char *creds)
{
    feed(w, after, UA, PBX,
         "REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=%s\r\n"
         "From: <sip:alice@pbx.test>;tag=ua1\r\nTo: <sip:alice@pbx.test>\r\nCall-ID: reg-1\r\n"
         "CSeq: %u REGISTER\r\nUser-Agent: testphone\r\n%sContent-Length: 0\r\n\r\n",
         branch, cseq, creds ? creds : "");
}

static inline void register_resp(world *w, unsigned after, const char *branch, unsigned cseq, int code, const char *extra)
{
    feed(w, after, PBX, UA,
         "SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP 127.0.0.11:5071;branch=%s\r\n"
         "From: <sip:alice@pbx.test>;tag=ua1\r\nTo: <sip:alice@pbx.test>;tag=srv\r\nCall-ID: reg-1\r\n"
         "CSeq: %u REGISTER\r\n%sContent-Length: 0\r\n\r\n",
         code, code == 200 ? "OK" : code == 401 ? "Unauthorized" : code == 403 ? "Forbidden" : "X", branch, cseq,
         extra ? extra : "");
}

static inline char *creds(const char *nonce, const char *response)
{
    static char buf[512];
    snprintf(buf, sizeof buf,
             "Authorization: Digest username=\"alice\", realm=\"pbx.test\", nonce=\"%s\", "
             "uri=\"sip:pbx.test\", response=\"%s\", algorithm=MD5\r\n", nonce, response);
    return buf;
}

static inline char *challenge(const char *nonce, bool stale)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "WWW-Authenticate: Digest realm=\"pbx.test\", nonce=\"%s\"%s\r\n", nonce,
             stale ? ", stale=true" : "");
    return buf;
}

#endif
