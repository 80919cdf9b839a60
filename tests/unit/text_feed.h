/* Test helpers shared by the correlator tests (rule_world.h and
 * test_flow_memory.c): capture-clock units, loopback endpoints, and SIP
 * messages parsed from formatted text instead of a pcap. */
#ifndef SIPWATCH_TEST_TEXT_FEED_H
#define SIPWATCH_TEST_TEXT_FEED_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sipwatch/sip_message.h"

#define MS 1000ULL
#define SEC 1000000ULL
#define T0 (1700000000ULL * SEC)

/* 127.0.0.<last>:<port> */
static inline sw_endpoint ep(int last, int port)
{
    sw_endpoint e = {.ip = {.family = 4, .bytes = {127, 0, 0, (uint8_t)last}}, .port = (uint16_t)port};
    return e;
}

/* Parses the text fmt and ap format into msg (whose arena is set) as a
 * message from src to dst at ts; the test fails when libosip2 rejects it. */
static inline void parse_textv(sw_sip_msg *msg, sw_time_us ts, sw_endpoint src, sw_endpoint dst,
                               sw_transport transport, const char *fmt, va_list ap)
{
    char text[4096];
    vsnprintf(text, sizeof text, fmt, ap);
    sw_payload p = {.ts = ts, .frame = 1, .src = src, .dst = dst, .transport = transport,
                    .data = (const uint8_t *)text, .len = strlen(text)};
    assert_int_equal(sw_sip_parse(&p, 65536, msg), SW_SIP_OK);
}

#endif
