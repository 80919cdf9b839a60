/* The rule registry: the fixed list of rules, their default thresholds, and
 * the dispatch of every correlator event to every enabled rule. */
#include "sipwatch/rules.h"

#include <string.h>

static const sw_rule *const all_rules[] = {
    &sw_rule_auth_loop,
    &sw_rule_auth_rejected,
    &sw_rule_refer_no_notify,
    &sw_rule_refer_stalled,
    &sw_rule_refer_failed,
    &sw_rule_refer_notify_rejected,
    &sw_rule_transaction_timeout,
    &sw_rule_destination_unreachable,
    &sw_rule_retransmission_storm,
    &sw_rule_server_errors,
    &sw_rule_scanner,
    &sw_rule_ack_missing,
    &sw_rule_codec_mismatch,
    &sw_rule_registration_outage,
    &sw_rule_error_surge,
    &sw_rule_one_way_audio,
    &sw_rule_no_audio,
    &sw_rule_sdp_private_address,
    &sw_rule_media_stopped,
    &sw_rule_poor_quality,
};

void sw_rules_config_default(sw_rules_config *cfg, const sw_correlate_config *corr)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->auth_loop_challenges = 3;
    cfg->auth_loop_rejected = 2;
    cfg->auth_loop_stale = 3;
    cfg->auth_loop_window = 300 * SW_USEC_PER_SEC;
    cfg->settle_grace = 8 * (corr ? corr->t1 : 500 * 1000);
    cfg->txn_timeout_critical = 5;
    cfg->storm_retransmissions = 50;
    cfg->server_errors = 10;
    cfg->scanner_users = 10;
    cfg->scanner_failures = 10;
    cfg->scanner_distributed = 300;
    cfg->surge_factor = 3;
    cfg->surge_minimum = 10;
    cfg->baseline_minutes = 5;
    cfg->vanish_percent = 25;
    cfg->media_timeout = 5 * SW_USEC_PER_SEC;
    cfg->poor_loss_percent = 5;
    cfg->poor_jitter_ms = 30;
    cfg->poor_mos_tenths = 36;
    cfg->poor_intervals = 2;
}

const sw_rule *const *sw_rules_all(size_t *count)
{
    *count = sizeof all_rules / sizeof all_rules[0];
    return all_rules;
}

const sw_rule *sw_rule_by_id(const char *id)
{
    for (size_t i = 0; i < sizeof all_rules / sizeof all_rules[0]; i++)
        if (strcmp(all_rules[i]->id, id) == 0)
            return all_rules[i];
    return NULL;
}

static bool disabled(const char *list, const char *id)
{
    if (!list)
        return false;
    size_t n = strlen(id);
    for (const char *p = list; (p = strstr(p, id)) != NULL; p += n) {
        bool start = p == list || p[-1] == ',';
        bool end = p[n] == '\0' || p[n] == ',';
        if (start && end)
            return true;
    }
    return false;
}

void sw_rules_evaluate(const sw_rule_ctx *ctx, const sw_event *event)
{
    for (size_t i = 0; i < sizeof all_rules / sizeof all_rules[0]; i++)
        if (!disabled(ctx->cfg->disabled, all_rules[i]->id))
            all_rules[i]->evaluate(ctx, event);
}
