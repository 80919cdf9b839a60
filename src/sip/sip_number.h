/* Decimal numbers in SIP header and SDP values (CSeq, ports, Expires,
 * payload types, clock rates), read exactly as strtoul(s, &end, 10) reads
 * them in the C locale, without its locale machinery: every message has
 * several, and libc's strtoul took 150 instructions for each. */
#ifndef SIPWATCH_SIP_NUMBER_H
#define SIPWATCH_SIP_NUMBER_H

#include <limits.h>
#include <stdbool.h>

/* strtoul(s, end, 10): leading white space, an optional sign (a minus
 * negates, modulo ULONG_MAX + 1), the longest run of digits; ULONG_MAX when
 * it overflows. *end (optional) gets where the digits stopped, or s when
 * there were none (then 0). errno is left alone. */
static inline unsigned long sw_sip_number(const char *s, const char **end)
{
    const char *p = s;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    bool negative = *p == '-';
    if (*p == '+' || *p == '-')
        p++;
    if (*p < '0' || *p > '9') {
        if (end)
            *end = s;
        return 0;
    }
    unsigned long v = 0;
    bool overflow = false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULONG_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }
    if (end)
        *end = p;
    if (overflow)
        return ULONG_MAX;
    return negative ? -v : v;
}

#endif
