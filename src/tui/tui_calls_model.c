/* The Calls view's filter, sort and selection (see tui_calls_model.h). */
#include "tui_calls_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const col_names[TUI_CC_COUNT] = {"start", "method", "from", "to", "source", "destination",
                                                    "messages", "state", "duration"};

const char *tui_call_col_name(tui_call_col c)
{
    return c < TUI_CC_COUNT ? col_names[c] : "?";
}

static int parse_term(tui_call_filter *f, const char *tok, char *err, size_t errlen)
{
    static const struct { const char *name; char key; } keys[] = {
        {"state", 's'}, {"method", 'm'}, {"status", 'c'}, {"addr", 'a'}, {"user", 'u'}, {"media", 'd'}};
    if (strcasecmp(tok, "has:finding") == 0 || strcasecmp(tok, "has:findings") == 0) {
        f->has_finding = true;
        return 0;
    }
    if (f->nterms == TUI_CALL_FILTER_TERMS) {
        snprintf(err, errlen, "at most %d terms", TUI_CALL_FILTER_TERMS);
        return -1;
    }
    const char *colon = strchr(tok, ':');
    char key = 'w';
    const char *value = tok;
    if (colon) {
        key = 0;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if ((size_t)(colon - tok) == strlen(keys[i].name) && strncasecmp(tok, keys[i].name, strlen(keys[i].name)) == 0)
                key = keys[i].key;
        if (!key) {
            snprintf(err, errlen, "unknown term '%.*s:' (state method status addr user media has:finding)",
                     (int)(colon - tok), tok);
            return -1;
        }
        value = colon + 1;
    }
    int i = f->nterms;
    f->terms[i].key = key;
    snprintf(f->terms[i].value, sizeof f->terms[i].value, "%s", value);
    if (key == 'c') {
        char *end;
        long code = strtol(value, &end, 10);
        if (value[0] >= '1' && value[0] <= '6' && (strcasecmp(value + 1, "xx") == 0))
            code = value[0] - '0';
        else if (*end || code < 100 || code > 699) {
            snprintf(err, errlen, "status must be like 486 or 4xx, not '%s'", value);
            return -1;
        }
        f->terms[i].code = (int)code;
    }
    f->nterms++;
    return 0;
}

int tui_call_filter_parse(tui_call_filter *f, const char *text, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    snprintf(f->text, sizeof f->text, "%s", text);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
        if (parse_term(f, tok, err, errlen) < 0)
            return -1;
    return 0;
}

static bool contains(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

const char *tui_call_state_text(const sw_call_row *r, char *buf, size_t len)
{
    const char *name = sw_call_state_name((sw_call_state)r->state);
    if (r->final_status && r->state != SW_CALL_ANSWERED && r->state != SW_CALL_COMPLETED)
        snprintf(buf, len, "%s %u", name, r->final_status);
    else if (!r->final_status && r->last_status && r->state == SW_CALL_IN_PROGRESS)
        snprintf(buf, len, "%s %u", name, r->last_status);
    else
        snprintf(buf, len, "%s", name);
    return buf;
}

const char *tui_call_media_text(const sw_call_row *r)
{
    static const struct { uint8_t bit; const char *word; } problems[] = {
        {SW_CALL_MP_ONE_WAY, "1-way"}, {SW_CALL_MP_NO_AUDIO, "no-rtp"}, {SW_CALL_MP_STOPPED, "stopped"},
        {SW_CALL_MP_POOR, "poor"}, {SW_CALL_MP_PRIVATE_SDP, "private"},
    };
    for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++)
        if (r->media_problems & problems[i].bit)
            return problems[i].word;
    switch (r->media) {
    case SW_CALL_MEDIA_NOT_CAPTURED: return "n/c";
    case SW_CALL_MEDIA_SEEN: return "ok";
    default: return "";
    }
}

double tui_call_duration(const sw_call_row *r)
{
    if (!r->answer)
        return -1;
    sw_time_us end = r->end > r->answer ? r->end : r->last;
    return end > r->answer ? (double)(end - r->answer) / 1e6 : 0;
}

static bool term_holds(const sw_call_row *r, char key, const char *v, int code)
{
    char a[SW_ENDPOINT_STRLEN], b[SW_ENDPOINT_STRLEN], st[48];
    switch (key) {
    case 's':
        return strncasecmp(sw_call_state_name((sw_call_state)r->state), v, strlen(v)) == 0;
    case 'm':
        return strcasecmp(r->method, v) == 0;
    case 'c': {
        int s = r->final_status ? r->final_status : r->last_status;
        return code < 10 ? s / 100 == code : s == code;
    }
    case 'a':
        sw_endpoint_format(&r->src, a, sizeof a);
        sw_endpoint_format(&r->dst, b, sizeof b);
        return contains(a, v) || contains(b, v);
    case 'u':
        return contains(r->from_user, v) || contains(r->to_user, v) || contains(r->from_display, v);
    case 'd':
        return strcasecmp(tui_call_media_text(r), v) == 0;
    default:
        sw_endpoint_format(&r->src, a, sizeof a);
        sw_endpoint_format(&r->dst, b, sizeof b);
        return contains(r->call_id, v) || contains(r->method, v) || contains(r->from_user, v) ||
               contains(r->from_host, v) || contains(r->from_display, v) || contains(r->to_user, v) ||
               contains(r->to_host, v) || contains(a, v) || contains(b, v) ||
               contains(tui_call_state_text(r, st, sizeof st), v);
    }
}

bool tui_call_matches(const sw_call_row *r, const tui_call_filter *f, tui_has_finding_fn has, const void *ctx)
{
    if (f->has_finding && !(has && has(ctx, r)))
        return false;
    if (f->only_selected && !r->selected)
        return false;
    for (int i = 0; i < f->nterms; i++)
        if (!term_holds(r, f->terms[i].key, f->terms[i].value, f->terms[i].code))
            return false;
    return true;
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

static int cmp_endpoint(const sw_endpoint *a, const sw_endpoint *b)
{
    int c = memcmp(a->ip.bytes, b->ip.bytes, sizeof a->ip.bytes);
    return c ? c : cmp_u64(a->port, b->port);
}

int tui_call_cmp(const sw_call_row *a, const sw_call_row *b, tui_call_col col, bool desc)
{
    int c = 0;
    char x[48], y[48];
    switch (col) {
    case TUI_CC_START: c = cmp_u64(a->start, b->start); break;
    case TUI_CC_METHOD: c = strcmp(a->method, b->method); break;
    case TUI_CC_FROM: c = strcmp(a->from_user, b->from_user); break;
    case TUI_CC_TO: c = strcmp(a->to_user, b->to_user); break;
    case TUI_CC_SRC: c = cmp_endpoint(&a->src, &b->src); break;
    case TUI_CC_DST: c = cmp_endpoint(&a->dst, &b->dst); break;
    case TUI_CC_MSGS: c = cmp_u64(a->messages, b->messages); break;
    case TUI_CC_STATE: c = strcmp(tui_call_state_text(a, x, sizeof x), tui_call_state_text(b, y, sizeof y)); break;
    case TUI_CC_DURATION: {
        double da = tui_call_duration(a), db = tui_call_duration(b);
        c = da < db ? -1 : da > db;
        break;
    }
    default: break;
    }
    if (!c)
        c = cmp_u64(a->id, b->id);
    return desc ? -c : c;
}

static bool in_sorted(const uint64_t *ids, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] == id)
            return true;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* qsort has no context argument: each item carries the order with it. */
typedef struct sort_item {
    const sw_call_row *row;
    tui_call_col col;
    bool desc;
} sort_item;

static int sort_cmp(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    return tui_call_cmp(x->row, y->row, x->col, x->desc);
}

size_t tui_select_calls(const sw_call_row *rows, size_t n, const tui_call_filter *f, tui_has_finding_fn has,
                        const void *ctx, const uint64_t *only, size_t nonly, tui_call_col col, bool desc,
                        const sw_call_row **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if ((!only || in_sorted(only, nonly, rows[i].id)) && tui_call_matches(&rows[i], f, has, ctx))
            out[k++] = &rows[i];
    if (col == TUI_CC_START && !desc)
        return k;                   /* rows come oldest first already */
    sort_item *items = malloc(k * sizeof *items);
    if (!items)
        return k;
    for (size_t i = 0; i < k; i++)
        items[i] = (sort_item){out[i], col, desc};
    qsort(items, k, sizeof *items, sort_cmp);
    for (size_t i = 0; i < k; i++)
        out[i] = items[i].row;
    free(items);
    return k;
}
