/* Writing SIP messages back as packets in a classic pcap file (Ethernet,
 * IPv4 or IPv6, UDP or TCP) with their original addresses, ports and times:
 * the dashboard's "save" of a finding or of calls. */
#ifndef SIPWATCH_PCAP_WRITER_H
#define SIPWATCH_PCAP_WRITER_H

#include <stdint.h>
#include <stdio.h>

#include "sipwatch/evidence.h"

/* The file header (microsecond times, Ethernet). Returns 0 or -1. */
int sw_pcap_write_header(FILE *f);
/* One message as one UDP datagram. Returns 1 written, 0 skipped (too big
 * for a datagram), -1 on a write error. */
int sw_pcap_write_udp(FILE *f, const sw_evidence *ev, const char *text, size_t len);
/* One message as one TCP segment (PSH|ACK) with the given sequence and
 * acknowledgement numbers. Same returns. */
int sw_pcap_write_tcp(FILE *f, const sw_evidence *ev, const char *text, size_t len, uint32_t seq, uint32_t ack);

#endif
