/* SIP parse -> correlate -> rules -> findings -> writers, for the fuzz
 * targets (see fuzz_pipeline.h). Everything is created and freed per input,
 * so a leak or a use after free in any stage shows. */
#include "fuzz_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipwatch/correlate.h"
#include "sipwatch/findings.h"
#include "sipwatch/output.h"
#include "sipwatch/rules.h"
#include "sipwatch/sip_message.h"
#include "sipwatch/sip_stats.h"

struct fz_pipeline {
    sw_correlate_config corr;
    sw_rules_config rules_cfg;
    sw_rule_ctx rules;
    sw_correlator *correlator;
    sw_findings *findings;
    sw_sip_stats sip;
    sw_sip_msg msg, fallback;
    char arena[2][SW_SIP_ARENA];    /* their strings */
    sw_time_us first_ts, last_ts;
};

static FILE *null_out;

void fz_pipeline_init(void)
{
    sw_sip_init();
    null_out = fopen("/dev/null", "w");
    if (!null_out)
        abort();
}

static void on_event(void *user, const sw_event *event)
{
    fz_pipeline *p = user;
    sw_rules_evaluate(&p->rules, event);
}

fz_pipeline *fz_pipeline_create(void)
{
    fz_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    sw_correlate_config_default(&p->corr);
    p->corr.max_flows = 64;             /* small: eviction under a flood is exercised too */
    p->corr.max_peers = 32;
    sw_rules_config_default(&p->rules_cfg, &p->corr);
    p->rules_cfg.baseline_minutes = 1;
    p->findings = sw_findings_create(64, NULL, NULL);
    p->rules.cfg = &p->rules_cfg;
    p->rules.corr = &p->corr;
    p->rules.findings = p->findings;
    p->correlator = sw_correlator_create(&p->corr, on_event, p);
    if (!p->findings || !p->correlator)
        abort();
    return p;
}

void fz_pipeline_message(fz_pipeline *p, const sw_payload *payload)
{
    if (!p->first_ts)
        p->first_ts = payload->ts;
    if (payload->ts > p->last_ts)
        p->last_ts = payload->ts;
    p->msg.arena = p->arena[0];
    p->fallback.arena = p->arena[1];
    sw_sip_parse_result r = sw_sip_parse(payload, 256 * 1024, &p->msg);
    sw_sip_stats_count(&p->sip, r, &p->msg, payload);
    if (r == SW_SIP_OK) {
        sw_correlate_message(p->correlator, &p->msg, false);
        sw_dump_message(null_out, &p->msg);
    } else {
        if (r == SW_SIP_PARSE_ERROR && sw_sip_scan_keys(payload, &p->fallback))
            sw_correlate_message(p->correlator, &p->fallback, false);
        sw_dump_unparsed(null_out, payload, "parse-error");
    }
}

void fz_pipeline_advance(fz_pipeline *p, sw_time_us now)
{
    if (now > p->last_ts)
        p->last_ts = now;
    sw_correlate_advance(p->correlator, now);
}

void fz_pipeline_finish(fz_pipeline *p, sw_time_us now)
{
    sw_correlate_finish(p->correlator, now);
    sw_run_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.source = "fuzz";
    sum.first_ts = p->first_ts;
    sum.last_ts = p->last_ts;
    sum.sip = &p->sip;
    sw_correlate_get_stats(p->correlator, &sum.correlate);
    sw_findings_get_stats(p->findings, &sum.findings);
    for (size_t i = 0, n = sw_findings_count(p->findings); i < n; i++)
        sw_json_write_finding(null_out, sw_findings_at(p->findings, i));
    sw_json_write_stats(null_out, &sum);
    sw_report_write(null_out, p->findings, &sum, 80);
    fflush(null_out);
}

void fz_pipeline_destroy(fz_pipeline *p)
{
    sw_correlator_destroy(p->correlator);
    sw_findings_destroy(p->findings);
    free(p);
}
