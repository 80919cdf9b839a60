/* Capture stage, HEP source: --hep-listen sockets (UDP datagrams, TCP
 * streams framed by the HEP3 length field) read by a thread of their own
 * into a bounded queue, which the analysis thread drains. Nothing here
 * decodes HEP beyond its framing; the decode stage does. A full queue, a
 * stream that is not HEP and a stream cut inside a packet are counted drops. */
#ifndef SIPWATCH_HEP_LISTEN_H
#define SIPWATCH_HEP_LISTEN_H

#include "sipwatch/hep.h"
#include "sipwatch/types.h"

typedef struct sw_hep_listener sw_hep_listener;

/* Parses "[udp:|tcp:]ADDR:PORT" ("[v6]:PORT" too; a bare PORT means
 * 127.0.0.1). Returns false with a message in err. */
bool sw_hep_parse_address(const char *spec, bool *tcp, char *host, size_t hostlen, char *port, size_t portlen,
                          char *err, size_t errlen);

/* Binds every socket (specs[0..n)); NULL with a message in err. */
sw_hep_listener *sw_hep_listen_open(const char *const *specs, int n, char *err, size_t errlen);
/* Starts the receiving thread. */
bool sw_hep_listen_start(sw_hep_listener *l);
void sw_hep_listen_close(sw_hep_listener *l);

typedef void (*sw_hep_packet_fn)(void *user, sw_time_us arrival, const sw_ip_addr *from, const uint8_t *data,
                                 size_t len);
/* Waits up to timeout_ms for a packet (0: does not wait); true if one is queued. */
bool sw_hep_listen_wait(sw_hep_listener *l, int timeout_ms);
/* Hands every queued packet to fn, in arrival order; returns how many. The
 * drops counted since the last call are added to drops[]. */
size_t sw_hep_listen_drain(sw_hep_listener *l, sw_hep_packet_fn fn, void *user, uint64_t drops[SW_HEP_DROP_COUNT]);

#endif
