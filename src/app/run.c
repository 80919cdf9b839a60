/* One run of the pipeline: capture -> decode -> SIP parse -> outputs.
 * Owns every stage's state for the run (no globals) and moves data one way
 * only: frames down to the decoder, payloads to the SIP stage, parsed
 * messages and counters to the outputs. */
#include "sipwatch/app.h"
#include "sipwatch/correlate.h"
#include "sipwatch/decode.h"
#include "sipwatch/findings.h"
#include "sipwatch/output.h"
#include "sipwatch/parse_pool.h"
#include "sipwatch/rules.h"
#include "sipwatch/sip_message.h"
#include "sipwatch/sip_stats.h"

#include <stdlib.h>
#include <string.h>

/* A partly filled parse batch waits at most this long (capture clock). */
#define SW_PARSE_MAX_WAIT (100 * 1000)

typedef struct sw_pipeline {
    const sw_options *opt;
    sw_decoder *decoder;
    sw_parse_pool *parser;
    sw_correlator *correlator;
    sw_findings *findings;
    sw_rule_ctx rules;
    sw_sip_stats sip;
    sw_sip_msg fallback;            /* keys of a message libosip2 rejected */
    FILE *out;
    sw_time_us first_ts, last_ts, last_poll;
} sw_pipeline;

/* Parsed messages arrive here in capture order, whatever the parse threads. */
static void on_parsed(void *user, const sw_payload *p, sw_sip_parse_result r, const sw_sip_msg *msg)
{
    sw_pipeline *pl = user;
    sw_sip_stats_count(&pl->sip, r, msg, p);
    if (r == SW_SIP_OK) {
        sw_correlate_message(pl->correlator, msg);
    } else if (r == SW_SIP_PARSE_ERROR && sw_sip_scan_keys(p, &pl->fallback)) {
        /* Counted as a parse error; its keys still close its transaction. */
        sw_correlate_message(pl->correlator, &pl->fallback);
    }
    if (pl->opt->dump) {
        if (r == SW_SIP_OK)
            sw_dump_message(pl->out, msg);
        else
            sw_dump_unparsed(pl->out, p, r == SW_SIP_TOO_LARGE ? "too-large" : "parse-error");
    }
}

/* Correlator events go to every rule. */
static void on_correlated(void *user, const sw_event *event)
{
    sw_pipeline *pl = user;
    sw_rules_evaluate(&pl->rules, event);
}

static void on_payload(void *user, const sw_payload *p)
{
    sw_pipeline *pl = user;
    sw_parse_pool_submit(pl->parser, p);
}

static void on_frame(void *user, sw_time_us ts, const uint8_t *data, size_t caplen, size_t wirelen)
{
    sw_pipeline *pl = user;
    if (!pl->first_ts)
        pl->first_ts = ts;
    if (ts > pl->last_ts)
        pl->last_ts = ts;
    sw_decoder_frame(pl->decoder, ts, data, caplen, wirelen);
    if (ts >= pl->last_poll + SW_PARSE_MAX_WAIT) {
        sw_parse_pool_poll(pl->parser, ts, SW_PARSE_MAX_WAIT);
        pl->last_poll = ts;
    }
}

static void on_idle(void *user, sw_time_us now)
{
    sw_pipeline *pl = user;
    sw_parse_pool_poll(pl->parser, now, SW_PARSE_MAX_WAIT);
    sw_correlate_advance(pl->correlator, now);
}

static int open_error_status(sw_capture_open_error e)
{
    return e == SW_CAPTURE_OPEN_BAD_FILTER ? SW_EXIT_USAGE : SW_EXIT_INPUT;
}

int sw_run(const sw_options *opt, volatile sig_atomic_t *stop)
{
    char err[512];
    sw_capture *cap = NULL;
    sw_capture_open_error oe = sw_capture_open(&opt->capture, sw_decode_linktype_supported, &cap, err, sizeof err);
    if (oe != SW_CAPTURE_OPEN_OK) {
        fprintf(stderr, "sipwatch: %s\n", err);
        return open_error_status(oe);
    }

    sw_pipeline *pl = calloc(1, sizeof *pl);
    sw_decode_config dcfg;
    sw_decode_config_default(&dcfg);
    dcfg.max_message_len = opt->max_message_len;
    sw_sip_init();
    if (pl) {
        pl->decoder = sw_decoder_create(&dcfg, on_payload, pl);
        pl->parser = sw_parse_pool_create(opt->threads, opt->max_message_len, on_parsed, pl);
        pl->correlator = sw_correlator_create(&opt->correlate, on_correlated, pl);
        pl->findings = sw_findings_create(0, NULL, NULL);
        pl->rules.cfg = &opt->rules;
        pl->rules.corr = &opt->correlate;
        pl->rules.findings = pl->findings;
    }
    if (!pl || !pl->decoder || !pl->parser || !pl->correlator || !pl->findings) {
        fprintf(stderr, "sipwatch: out of memory\n");
        if (pl) {
            sw_decoder_destroy(pl->decoder);
            sw_parse_pool_destroy(pl->parser);
            sw_correlator_destroy(pl->correlator);
            sw_findings_destroy(pl->findings);
        }
        free(pl);
        sw_capture_close(cap);
        return SW_EXIT_RUNTIME;
    }
    pl->opt = opt;
    pl->out = stdout;
    if (opt->capture.iface)
        setvbuf(stdout, NULL, _IOLBF, 0);   /* live output is read as it comes */
    sw_decoder_set_linktype(pl->decoder, sw_capture_datalink(cap));

    sw_capture_end end = sw_capture_run(cap, on_frame, on_idle, pl, stop);
    sw_decoder_finish(pl->decoder, pl->last_ts);
    sw_parse_pool_flush(pl->parser);
    sw_correlate_finish(pl->correlator, pl->last_ts);

    sw_run_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.source = opt->capture.file ? opt->capture.file : opt->capture.iface;
    sum.filter = sw_capture_filter(cap);
    sum.link_type = sw_capture_datalink_name(cap);
    sum.live = opt->capture.iface != NULL;
    sum.first_ts = pl->first_ts;
    sum.last_ts = pl->last_ts;
    sw_capture_get_stats(cap, &sum.capture);
    sw_decoder_get_stats(pl->decoder, &sum.decode, &sum.ipfrag, &sum.tcp);
    sum.sip = &pl->sip;
    sw_correlate_get_stats(pl->correlator, &sum.correlate);
    sw_findings_get_stats(pl->findings, &sum.findings);

    int status = SW_EXIT_OK;
    if (end == SW_CAPTURE_TRUNCATED)
        fprintf(stderr, "sipwatch: %s: the capture ends early after packet %llu (%s); "
                        "results cover the packets before the cut\n",
                sum.source, (unsigned long long)sum.capture.frames, sum.capture.error);
    if (end == SW_CAPTURE_ERROR) {
        fprintf(stderr, "sipwatch: capture on %s failed: %s\n", sum.source, sum.capture.error);
        status = SW_EXIT_RUNTIME;
    }

    size_t nfindings = sw_findings_count(pl->findings);
    if (opt->json) {
        for (size_t i = 0; i < nfindings; i++)
            sw_json_write_finding(pl->out, sw_findings_at(pl->findings, i));
        sw_json_write_stats(pl->out, &sum);
    } else if (!opt->dump) {
        sw_report_write(pl->out, pl->findings, &sum, 80);
    }
    fflush(pl->out);
    if (status == SW_EXIT_OK)
        for (size_t i = 0; i < nfindings; i++)
            if (sw_findings_at(pl->findings, i)->severity >= SW_SEV_WARNING)
                status = SW_EXIT_FINDINGS;

    sw_correlator_destroy(pl->correlator);
    sw_findings_destroy(pl->findings);
    sw_parse_pool_destroy(pl->parser);
    sw_decoder_destroy(pl->decoder);
    free(pl);
    sw_capture_close(cap);
    return status;
}
