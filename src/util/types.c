/* Formatting and comparison helpers for the shared address and transport
 * types declared in sipwatch/types.h. */
#include "sipwatch/types.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

const char *sw_transport_name(sw_transport t)
{
    switch (t) {
    case SW_TRANSPORT_UDP: return "UDP";
    case SW_TRANSPORT_TCP: return "TCP";
    case SW_TRANSPORT_SCTP: return "SCTP";
    case SW_TRANSPORT_WS: return "WS";
    case SW_TRANSPORT_TLS: return "TLS";
    default: return "?";
    }
}

const char *sw_ip_format(const sw_ip_addr *ip, char *buf, size_t buflen)
{
    if (buflen == 0)
        return buf;
    if (ip->family == 4) {
        if (!inet_ntop(AF_INET, ip->bytes, buf, (socklen_t)buflen))
            buf[0] = '\0';
    } else if (ip->family == 6) {
        if (!inet_ntop(AF_INET6, ip->bytes, buf, (socklen_t)buflen))
            buf[0] = '\0';
    } else {
        snprintf(buf, buflen, "?");
    }
    return buf;
}

const char *sw_endpoint_format(const sw_endpoint *ep, char *buf, size_t buflen)
{
    char ip[SW_IP_STRLEN];
    sw_ip_format(&ep->ip, ip, sizeof ip);
    if (ep->ip.family == 6)
        snprintf(buf, buflen, "[%s]:%u", ip, (unsigned)ep->port);
    else
        snprintf(buf, buflen, "%s:%u", ip, (unsigned)ep->port);
    return buf;
}

const char *sw_unreachable_name(sw_unreachable u)
{
    switch (u) {
    case SW_UNREACH_PORT: return "port unreachable";
    case SW_UNREACH_HOST: return "host unreachable";
    case SW_UNREACH_NET: return "network unreachable";
    case SW_UNREACH_PROHIBITED: return "administratively prohibited";
    case SW_UNREACH_OTHER: return "unreachable";
    default: return "none";
    }
}
