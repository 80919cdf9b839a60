/* Unit tests of the dashboard's pure pieces (no terminal needed): the
 * call-flow ladder layout (endpoint columns, arrow direction and spans,
 * labels, highlighted messages), word and character wrapping at 80 columns
 * and very narrow widths, sanitising of captured text, the sparkline, and
 * the findings table's order and filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tui/tui_ladder.h"
#include "../../src/tui/tui_text.h"

/* ---- helpers ------------------------------------------------------------------- */

static sw_endpoint ep4(int a, int b, int c, int d, uint16_t port)
{
    sw_endpoint e;
    memset(&e, 0, sizeof e);
    e.ip.family = 4;
    e.ip.bytes[0] = (uint8_t)a;
    e.ip.bytes[1] = (uint8_t)b;
    e.ip.bytes[2] = (uint8_t)c;
    e.ip.bytes[3] = (uint8_t)d;
    e.port = port;
    return e;
}

static sw_evidence req(sw_endpoint src, sw_endpoint dst, sw_sip_method m, uint8_t flags, sw_time_us ts)
{
    sw_evidence e;
    memset(&e, 0, sizeof e);
    e.ts = ts;
    e.src = src;
    e.dst = dst;
    e.method = (uint8_t)m;
    e.flags = flags;
    e.cseq = 1;
    return e;
}

static sw_evidence resp(sw_endpoint src, sw_endpoint dst, uint16_t status, sw_sip_method m, uint8_t flags,
                        sw_time_us ts)
{
    sw_evidence e = req(src, dst, m, flags, ts);
    e.status = status;
    return e;
}

static const sw_time_us T0 = 1795474249139558ULL;      /* 2026-11-23T22:50:49.139558Z */

/* The row as text, and the glyph at column x. */
static void row_text(const tui_ladder *l, long row, bool utf8, char *buf, size_t len)
{
    tui_cell cells[512];
    int n = row < 0 ? tui_ladder_header_cells(l, utf8, cells, 512) : tui_ladder_row_cells(l, (size_t)row, utf8, cells, 512);
    tui_cells_text(cells, n, buf, len);
}

static const char *glyph_at(const tui_ladder *l, size_t row, bool utf8, int x)
{
    static tui_cell cells[512];
    int n = tui_ladder_row_cells(l, row, utf8, cells, 512);
    assert_true(x >= 0 && x < n);
    return cells[x].g;
}

/* ---- ladder -------------------------------------------------------------------- */

static void test_ladder_register_challenge(void **state)
{
    (void)state;
    sw_endpoint ua = ep4(10, 0, 0, 1, 5060), reg = ep4(10, 0, 0, 2, 5060);
    sw_evidence ev[4] = {
        req(ua, reg, SW_METHOD_REGISTER, 0, T0),
        resp(reg, ua, 401, SW_METHOD_REGISTER, SW_EVF_CHALLENGE, T0 + 30),
        req(ua, reg, SW_METHOD_REGISTER, SW_EVF_CREDENTIALS, T0 + 60),
        resp(reg, ua, 200, SW_METHOD_REGISTER, 0, T0 + 90),
    };
    tui_ladder l;
    assert_int_equal(tui_ladder_layout(&l, ev, 4, 80), 0);
    assert_int_equal(l.nrows, 4);
    assert_int_equal(l.ncols, 2);
    assert_false(l.merged);
    /* columns in order of appearance, left to right */
    assert_string_equal(l.cols[0].name, "10.0.0.1:5060");
    assert_string_equal(l.cols[1].name, "10.0.0.2:5060");
    assert_true(l.cols[0].x > l.diag_x);
    assert_true(l.cols[1].x > l.cols[0].x + 20);
    assert_true(l.cols[1].x < l.diag_x + l.diag_w);
    /* arrows: direction and span between the two lifelines */
    assert_true(l.rows[0].rightward);
    assert_false(l.rows[1].rightward);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(l.rows[i].x0, l.cols[0].x + 1);
        assert_int_equal(l.rows[i].x1, l.cols[1].x - 1);
    }
    assert_int_equal(l.rows[0].from, 0);
    assert_int_equal(l.rows[0].to, 1);
    assert_int_equal(l.rows[1].from, 1);
    assert_int_equal(l.rows[1].to, 0);
    /* labels: method, or status with its reason when it fits */
    assert_string_equal(l.rows[0].label, "REGISTER");
    assert_string_equal(l.rows[1].label, "401 Unauthorized");
    assert_string_equal(l.rows[3].label, "200 OK");
    /* what matters is highlighted */
    assert_int_equal(l.rows[0].mark, TUI_MARK_NONE);
    assert_int_equal(l.rows[1].mark, TUI_MARK_CHALLENGE);
    assert_int_equal(l.rows[2].mark, TUI_MARK_CREDENTIALS);
    assert_int_equal(l.rows[3].mark, TUI_MARK_OK);
    assert_string_equal(l.rows[1].note, "challenge");
    assert_string_equal(l.rows[2].note, "credentials");

    /* rendered: heads next to the target lifeline, label on the arrow */
    assert_string_equal(glyph_at(&l, 0, true, l.cols[0].x), "\u2502");
    assert_string_equal(glyph_at(&l, 0, true, l.cols[1].x), "\u2502");
    assert_string_equal(glyph_at(&l, 0, true, l.rows[0].x1), "\u25ba");
    assert_string_equal(glyph_at(&l, 0, true, l.rows[0].x0), "\u2500");
    assert_string_equal(glyph_at(&l, 1, true, l.rows[1].x0), "\u25c4");
    assert_string_equal(glyph_at(&l, 1, false, l.rows[1].x0), "<");
    assert_string_equal(glyph_at(&l, 0, false, l.rows[0].x1), ">");
    assert_string_equal(glyph_at(&l, 0, false, l.cols[0].x), "|");
    char text[2048];
    row_text(&l, 0, true, text, sizeof text);
    assert_non_null(strstr(text, " REGISTER "));
    assert_int_equal(strncmp(text, "22:50:49.139558", 15), 0);
    row_text(&l, 1, false, text, sizeof text);
    assert_non_null(strstr(text, "|<-"));
    assert_non_null(strstr(text, " 401 Unauthorized -"));
    assert_non_null(strstr(text, "challenge"));
    assert_int_equal((int)strlen(text), l.width);      /* ASCII: one byte per column */
    row_text(&l, -1, false, text, sizeof text);
    assert_non_null(strstr(text, "10.0.0.1:5060"));
    assert_non_null(strstr(text, "10.0.0.2:5060"));
    tui_ladder_free(&l);
}

static void test_ladder_three_columns_proxy(void **state)
{
    (void)state;
    sw_endpoint a = ep4(127, 0, 0, 11, 5071), p = ep4(127, 0, 0, 10, 5070), b = ep4(127, 0, 0, 12, 5073);
    sw_evidence ev[5] = {
        req(a, p, SW_METHOD_INVITE, 0, T0),
        req(p, b, SW_METHOD_INVITE, 0, T0 + 1),
        resp(b, p, 180, SW_METHOD_INVITE, 0, T0 + 2),
        resp(p, a, 180, SW_METHOD_INVITE, 0, T0 + 3),
        req(b, a, SW_METHOD_BYE, 0, T0 + 4),       /* crosses the proxy's lifeline */
    };
    tui_ladder l;
    assert_int_equal(tui_ladder_layout(&l, ev, 5, 100), 0);
    assert_int_equal(l.ncols, 3);
    assert_string_equal(l.cols[0].name, "127.0.0.11:5071");
    assert_string_equal(l.cols[1].name, "127.0.0.10:5070");
    assert_string_equal(l.cols[2].name, "127.0.0.12:5073");
    assert_true(l.cols[0].x < l.cols[1].x && l.cols[1].x < l.cols[2].x);
    assert_int_equal(l.rows[1].from, 1);
    assert_int_equal(l.rows[1].to, 2);
    assert_true(l.rows[1].rightward);
    assert_int_equal(l.rows[1].x0, l.cols[1].x + 1);
    assert_int_equal(l.rows[1].x1, l.cols[2].x - 1);
    assert_false(l.rows[3].rightward);
    assert_int_equal(l.rows[3].x0, l.cols[0].x + 1);
    assert_int_equal(l.rows[3].x1, l.cols[1].x - 1);
    assert_int_equal(l.rows[2].mark, TUI_MARK_PROVISIONAL);
    /* the BYE spans two gaps, drawn over the middle lifeline */
    assert_int_equal(l.rows[4].x0, l.cols[0].x + 1);
    assert_int_equal(l.rows[4].x1, l.cols[2].x - 1);
    assert_false(l.rows[4].rightward);
    const char *mid = glyph_at(&l, 4, true, l.cols[1].x);
    assert_string_not_equal(mid, "\u2502");
    /* the other rows leave the middle lifeline alone */
    assert_string_equal(glyph_at(&l, 0, true, l.cols[2].x), "\u2502");
    assert_int_equal(l.time_w, 15);
    tui_ladder_free(&l);
}

static void test_ladder_refer_without_notify(void **state)
{
    (void)state;
    sw_endpoint a = ep4(127, 0, 0, 12, 5073), b = ep4(127, 0, 0, 14, 5077);
    sw_evidence ev[4] = {
        req(a, b, SW_METHOD_REFER, 0, T0),
        resp(b, a, 202, SW_METHOD_REFER, 0, T0 + 100),
        req(b, a, SW_METHOD_BYE, 0, T0 + 10000000),
        resp(a, b, 200, SW_METHOD_BYE, 0, T0 + 10000100),
    };
    tui_ladder l;
    assert_int_equal(tui_ladder_layout(&l, ev, 4, 80), 0);
    assert_int_equal(l.rows[1].mark, TUI_MARK_KEY);
    assert_non_null(strstr(l.rows[1].note, "no NOTIFY"));
    assert_int_equal(l.rows[3].mark, TUI_MARK_OK);
    tui_ladder_free(&l);

    /* with a NOTIFY after it, the 202 is ordinary; the NOTIFY shows its sipfrag */
    sw_evidence ok[3] = {
        req(a, b, SW_METHOD_REFER, 0, T0),
        resp(b, a, 202, SW_METHOD_REFER, 0, T0 + 100),
        req(b, a, SW_METHOD_NOTIFY, 0, T0 + 200),
    };
    ok[2].sipfrag = 20;
    assert_int_equal(tui_ladder_layout(&l, ok, 3, 80), 0);
    assert_int_equal(l.rows[1].mark, TUI_MARK_OK);
    assert_null(strstr(l.rows[1].note, "NOTIFY"));
    assert_string_equal(l.rows[2].note, "sipfrag 200");
    tui_ladder_free(&l);

    /* a NOTIFY that only ever said 100 Trying, with nothing after it */
    sw_evidence st[3] = {
        req(a, b, SW_METHOD_REFER, 0, T0),
        resp(b, a, 202, SW_METHOD_REFER, 0, T0 + 100),
        req(b, a, SW_METHOD_NOTIFY, 0, T0 + 200),
    };
    st[2].sipfrag = 10;
    assert_int_equal(tui_ladder_layout(&l, st, 3, 80), 0);
    assert_int_equal(l.rows[2].mark, TUI_MARK_KEY);
    assert_string_equal(l.rows[2].note, "stuck at 100!");
    assert_int_equal(l.rows[1].mark, TUI_MARK_OK);
    tui_ladder_free(&l);

    /* a rule's own mark wins; retransmissions are told apart */
    sw_evidence k[2] = {
        req(a, b, SW_METHOD_INVITE, SW_EVF_KEY, T0),
        req(a, b, SW_METHOD_INVITE, SW_EVF_RETRANSMISSION, T0 + 500000),
    };
    assert_int_equal(tui_ladder_layout(&l, k, 2, 80), 0);
    assert_int_equal(l.rows[0].mark, TUI_MARK_KEY);
    assert_int_equal(l.rows[1].mark, TUI_MARK_REPEAT);
    assert_string_equal(l.rows[1].note, "retransmit");
    tui_ladder_free(&l);
}

static void test_ladder_narrow_and_many_endpoints(void **state)
{
    (void)state;
    sw_evidence ev[8];
    for (int i = 0; i < 8; i++)
        ev[i] = req(ep4(10, 0, 0, 1, 5060), ep4(10, 0, 1, (uint8_t)(i + 2), 5060), SW_METHOD_OPTIONS, 0,
                    T0 + (sw_time_us)i);
    tui_ladder l;
    assert_int_equal(tui_ladder_layout(&l, ev, 8, 60), 0);
    assert_true(l.merged);
    assert_true(l.ncols >= 2 && l.ncols <= TUI_LADDER_MAX_COLS);
    assert_true(l.ncols < 9);
    assert_string_equal(l.cols[l.ncols - 1].name, "others");
    assert_int_equal(l.rows[7].to, l.ncols - 1);       /* the last peer went to "others" */
    assert_int_equal(l.rows[0].to, 1);
    for (size_t i = 0; i < l.nrows; i++) {
        assert_true(l.rows[i].x0 >= l.diag_x);
        assert_true(l.rows[i].x1 < l.width);
    }
    assert_int_equal(l.time_w, 12);                    /* narrow: milliseconds */
    assert_int_equal(l.note_w, 0);
    tui_ladder_free(&l);

    /* very narrow: labels shrink to what fits between the lifelines */
    sw_endpoint a = ep4(10, 0, 0, 1, 5060), b = ep4(10, 0, 0, 2, 5060);
    sw_evidence two[2] = {req(a, b, SW_METHOD_SUBSCRIBE, 0, T0), resp(b, a, 407, SW_METHOD_SUBSCRIBE, 0, T0 + 1)};
    assert_int_equal(tui_ladder_layout(&l, two, 2, 30), 0);
    int span = l.rows[1].x1 - l.rows[1].x0 + 1;
    assert_true((int)strlen(l.rows[0].label) + 4 <= span || l.rows[0].label[0] == '\0');
    assert_true(strncmp(l.rows[1].label, "407", 3) == 0);
    assert_true((int)strlen(l.rows[1].label) + 4 <= span);
    char text[1024];
    row_text(&l, 1, false, text, sizeof text);
    assert_int_equal((int)strlen(text), 30);
    tui_ladder_free(&l);

    /* no messages: an empty ladder */
    assert_int_equal(tui_ladder_layout(&l, NULL, 0, 80), 0);
    assert_int_equal(l.nrows, 0);
    assert_int_equal(l.ncols, 0);
    tui_ladder_free(&l);
}

/* ---- wrapping ------------------------------------------------------------------ */

static const char *SUGGESTION =
    "The registrar at 127.0.0.10:5070 keeps rejecting the digest credentials the UA sends (Authorization): "
    "most likely the password for auth user 'alice' is wrong. Check the password, and the auth username "
    "(which may differ from the extension 'alice'). The realm challenged is '127.0.0.10'; check the UA is "
    "configured for it. [401 Unauthorized: More: sipwatch --explain 401]";

/* Every line fits; joining the lines gives back the words in order. */
static void check_wrap(const char *text, int width)
{
    sw_text_span lines[512];
    size_t n = sw_text_wrap_lines(text, width, lines, 512);
    assert_true(n >= 1 && n <= 512);
    char joined[4096] = "", words[4096] = "";
    size_t jo = 0, wo = 0;
    for (size_t i = 0; i < n; i++) {
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)lines[i].len, text + lines[i].off);
        assert_true(sw_text_width(line) <= (width < 1 ? 1 : width));
        if (width > 20)             /* no line starts or ends with a space */
            assert_true(line[0] != ' ' && (lines[i].len == 0 || line[lines[i].len - 1] != ' '));
        for (const char *c = line; *c && jo + 1 < sizeof joined; c++)
            if (*c != ' ')
                joined[jo++] = *c;
    }
    joined[jo] = '\0';
    for (const char *p = text; *p && wo + 1 < sizeof words; p++)
        if (*p != ' ')
            words[wo++] = *p;
    words[wo] = '\0';
    assert_string_equal(joined, words);
}

static void test_wrap_widths(void **state)
{
    (void)state;
    sw_text_span lines[64];
    assert_int_equal(sw_text_wrap_lines("the quick brown fox", 10, lines, 64), 2);
    assert_int_equal(lines[0].off, 0);
    assert_int_equal(lines[0].len, 9);                 /* "the quick" */
    assert_int_equal(lines[1].off, 10);
    assert_int_equal(lines[1].len, 9);                 /* "brown fox" */
    assert_int_equal(sw_text_wrap_lines("exactly ten", 11, lines, 64), 1);
    assert_int_equal(sw_text_wrap_lines("", 80, lines, 64), 1);
    assert_int_equal(lines[0].len, 0);
    /* a word longer than the line is cut */
    assert_int_equal(sw_text_wrap_lines("abcdefghij", 4, lines, 64), 3);
    assert_int_equal(lines[2].len, 2);
    /* newlines are kept, blank lines too */
    assert_int_equal(sw_text_wrap_lines("a\n\nb", 80, lines, 64), 3);
    assert_int_equal(lines[1].len, 0);
    assert_int_equal(lines[2].off, 3);
    /* the count is right even when lines[] is short */
    size_t all = sw_text_wrap_lines(SUGGESTION, 20, lines, 2);
    assert_true(all > 10);
    assert_int_equal(sw_text_wrap_lines(SUGGESTION, 20, NULL, 0), all);

    size_t at80 = sw_text_wrap_lines(SUGGESTION, 78, lines, 64);
    assert_true(at80 >= 4 && at80 <= 6);
    for (int w = 1; w <= 100; w++)
        check_wrap(SUGGESTION, w);
    check_wrap(SUGGESTION, 0);                          /* treated as 1 */
    check_wrap(SUGGESTION, -5);
    /* wider characters count as two columns */
    assert_int_equal(sw_text_wrap_lines("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, lines, 64), 2);
    /* UTF-8 is never cut inside a character */
    assert_int_equal(sw_text_wrap_lines("\xc3\xa9\xc3\xa9\xc3\xa9", 2, lines, 64), 2);
    assert_int_equal(lines[0].len, 4);
}

static void test_wrap_chars(void **state)
{
    (void)state;
    sw_text_span lines[16];
    assert_int_equal(sw_text_wrap_chars("Via: SIP/2.0/UDP 127.0.0.11:5071;branch=z9", 10, lines, 16), 5);
    assert_int_equal(lines[0].len, 10);
    assert_int_equal(lines[1].off, 10);
    assert_int_equal(lines[4].len, 2);
    assert_int_equal(sw_text_wrap_chars("ab\ncd", 80, lines, 16), 2);
    assert_int_equal(sw_text_wrap_chars("abc", 0, lines, 16), 3);
}

/* ---- text ------------------------------------------------------------------------ */

static void test_sanitize_and_width(void **state)
{
    (void)state;
    char out[64];
    /* an escape sequence from the wire never reaches the terminal */
    sw_text_sanitize("ab\x1b[2Jc\td", 9, true, false, out, sizeof out);
    assert_string_equal(out, "ab?[2Jc d");
    sw_text_sanitize("a\r\nb\rc", 6, true, true, out, sizeof out);
    assert_string_equal(out, "a\nb\nc");
    sw_text_sanitize("a\r\nb", 4, true, false, out, sizeof out);
    assert_string_equal(out, "a??b");
    sw_text_sanitize("caf\xc3\xa9", 5, true, false, out, sizeof out);
    assert_string_equal(out, "caf\xc3\xa9");
    sw_text_sanitize("caf\xc3\xa9", 5, false, false, out, sizeof out);
    assert_string_equal(out, "caf?");
    sw_text_sanitize("x\xff\xc3", 3, true, false, out, sizeof out);
    assert_string_equal(out, "x??");
    sw_text_sanitize("\xc2\x9b" "1m", 4, true, false, out, sizeof out);    /* C1 CSI */
    assert_string_equal(out, "?1m");
    sw_text_sanitize("abcdef", 6, true, false, out, 4);
    assert_string_equal(out, "abc");

    assert_int_equal(sw_text_width("abc"), 3);
    assert_int_equal(sw_text_width("\u2500\u25ba"), 2);
    assert_int_equal(sw_text_width("\xe6\x97\xa5"), 2);
    int cols;
    assert_int_equal(sw_text_fit("\u2500\u2500\u2500", 2, &cols), 6);
    assert_int_equal(cols, 2);
    assert_int_equal(sw_text_fit("a\xe6\x97\xa5", 2, &cols), 1);     /* the wide one does not fit */
    assert_int_equal(cols, 1);

    char buf[16];
    assert_string_equal(tui_fmt_count(999, buf, sizeof buf), "999");
    assert_string_equal(tui_fmt_count(12345, buf, sizeof buf), "12.3k");
    assert_string_equal(tui_fmt_count(4500000, buf, sizeof buf), "4.5M");
}

static void test_sparkline(void **state)
{
    (void)state;
    uint32_t rate[60] = {0};
    char out[512];
    tui_sparkline(rate, 60, 20, false, out, sizeof out);
    assert_int_equal(strlen(out), 20);
    for (int i = 0; i < 20; i++)
        assert_int_equal(out[i], '_');
    rate[59] = 100;
    rate[0] = 50;
    tui_sparkline(rate, 60, 20, false, out, sizeof out);
    assert_int_equal(out[19], '#');                    /* the newest second, at the peak */
    assert_true(out[0] != '_' && out[0] != '#');        /* half the peak */
    assert_int_equal(out[10], '_');
    tui_sparkline(rate, 60, 60, true, out, sizeof out);
    assert_int_equal(sw_text_width(out), 60);
    assert_int_equal(strcmp(out + strlen(out) - 3, "\u2588"), 0);
}

/* ---- findings order and filters --------------------------------------------- */

static sw_finding *make_findings(size_t *n)
{
    static const struct {
        const char *rule;
        sw_severity sev;
        sw_finding_state state;
        sw_time_us last;
        const char *summary;
    } spec[] = {
        {"retransmission-storm", SW_SEV_WARNING, SW_FINDING_OPEN, 500, "INVITE retransmitted to 10.0.0.9"},
        {"auth-loop", SW_SEV_CRITICAL, SW_FINDING_RESOLVED, 900, "REGISTER for bob challenged 9 times"},
        {"auth-loop", SW_SEV_CRITICAL, SW_FINDING_OPEN, 300, "REGISTER for alice challenged 16 times"},
        {"scanner", SW_SEV_INFO, SW_FINDING_OPEN, 800, "10.9.9.9 tried 40 users"},
        {"auth-loop", SW_SEV_CRITICAL, SW_FINDING_OPEN, 700, "REGISTER for carol challenged 5 times"},
        {"refer-no-notify", SW_SEV_WARNING, SW_FINDING_RESOLVED, 950, "REFER accepted, no NOTIFY"},
    };
    size_t count = sizeof spec / sizeof spec[0];
    sw_finding *f = calloc(count, sizeof *f);
    assert_non_null(f);
    for (size_t i = 0; i < count; i++) {
        f[i].id = i + 1;
        f[i].rule = spec[i].rule;
        f[i].severity = spec[i].sev;
        f[i].state = spec[i].state;
        f[i].first_seen = 100;
        f[i].last_seen = spec[i].last;
        snprintf(f[i].summary, sizeof f[i].summary, "%s", spec[i].summary);
        f[i].src = ep4(10, 0, 0, (int)i + 1, 5060);
    }
    snprintf(f[3].call_id, sizeof f[3].call_id, "abc-CALL-42@host");
    sw_finding_set_detail(&f[2], "realm", "pbx.example.com");
    *n = count;
    return f;
}

static void test_sort_order(void **state)
{
    (void)state;
    size_t n;
    sw_finding *f = make_findings(&n);
    const sw_finding *sel[16];
    tui_filter flt;
    tui_filter_init(&flt);
    assert_int_equal(tui_select_findings(f, n, &flt, sel), n);
    /* open critical, most recent first; then warning; info; resolved last (in the same order) */
    uint64_t want[] = {5, 3, 1, 4, 2, 6};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sel[i]->id, want[i]);
    /* ties in last seen: newest id first */
    f[4].last_seen = f[2].last_seen;
    tui_select_findings(f, n, &flt, sel);
    assert_int_equal(sel[0]->id, 5);
    assert_int_equal(sel[1]->id, 3);
    assert_true(tui_finding_cmp(&f[4], &f[2]) < 0);
    assert_int_equal(tui_finding_cmp(&f[4], &f[4]), 0);
    /* an open info finding still comes before a resolved critical one */
    assert_true(tui_finding_cmp(&f[3], &f[1]) < 0);
    assert_int_equal(tui_find_id(sel, n, 4), 3);
    assert_int_equal(tui_find_id(sel, n, 99), -1);
    free(f);
}

static void test_filters(void **state)
{
    (void)state;
    size_t n;
    sw_finding *f = make_findings(&n);
    const sw_finding *sel[16];
    tui_filter flt;
    tui_filter_init(&flt);
    assert_false(tui_filter_active(&flt));

    /* text: case-insensitive, over summary, rule, Call-ID, addresses, details */
    snprintf(flt.text, sizeof flt.text, "ALICE");
    assert_true(tui_filter_active(&flt));
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 1);
    assert_int_equal(sel[0]->id, 3);
    snprintf(flt.text, sizeof flt.text, "call-42");
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 1);
    assert_int_equal(sel[0]->id, 4);
    snprintf(flt.text, sizeof flt.text, "10.0.0.5:5060");
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 1);
    assert_int_equal(sel[0]->id, 5);
    snprintf(flt.text, sizeof flt.text, "pbx.example");
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 1);
    snprintf(flt.text, sizeof flt.text, "auth-loop");
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 3);
    snprintf(flt.text, sizeof flt.text, "zzzz-nothing");
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 0);
    flt.text[0] = '\0';

    /* hide resolved */
    flt.hide_resolved = true;
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sel[i]->state, SW_FINDING_OPEN);
    flt.hide_resolved = false;

    /* severity and rule, and the 'f' cycle through them */
    char desc[128];
    tui_filter_cycle(&flt, f, n);
    assert_int_equal(flt.severity, SW_SEV_CRITICAL);
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 3);
    assert_string_equal(tui_filter_describe(&flt, desc, sizeof desc), "critical only");
    tui_filter_cycle(&flt, f, n);
    assert_int_equal(flt.severity, SW_SEV_WARNING);
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 2);
    tui_filter_cycle(&flt, f, n);
    assert_int_equal(flt.severity, SW_SEV_INFO);
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 1);
    const char *rules[] = {"auth-loop", "refer-no-notify", "retransmission-storm", "scanner"};
    size_t counts[] = {3, 1, 1, 1};
    for (size_t r = 0; r < 4; r++) {
        tui_filter_cycle(&flt, f, n);
        assert_int_equal(flt.severity, -1);
        assert_string_equal(flt.rule, rules[r]);
        assert_int_equal(tui_select_findings(f, n, &flt, sel), counts[r]);
    }
    tui_filter_cycle(&flt, f, n);
    assert_int_equal(flt.severity, -1);
    assert_string_equal(flt.rule, "");
    assert_false(tui_filter_active(&flt));
    assert_int_equal(tui_select_findings(f, n, &flt, sel), n);

    /* combined */
    snprintf(flt.rule, sizeof flt.rule, "auth-loop");
    snprintf(flt.text, sizeof flt.text, "carol");
    flt.hide_resolved = true;
    assert_int_equal(tui_select_findings(f, n, &flt, sel), 1);
    assert_int_equal(sel[0]->id, 5);
    tui_filter_describe(&flt, desc, sizeof desc);
    assert_string_equal(desc, "rule auth-loop, text \"carol\", resolved hidden");
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ladder_register_challenge),
        cmocka_unit_test(test_ladder_three_columns_proxy),
        cmocka_unit_test(test_ladder_refer_without_notify),
        cmocka_unit_test(test_ladder_narrow_and_many_endpoints),
        cmocka_unit_test(test_wrap_widths),
        cmocka_unit_test(test_wrap_chars),
        cmocka_unit_test(test_sanitize_and_width),
        cmocka_unit_test(test_sparkline),
        cmocka_unit_test(test_sort_order),
        cmocka_unit_test(test_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
