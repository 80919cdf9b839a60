/* Output: --hep-send. Every SIP message analysed is mirrored to a HEP
 * collector (HOMER, heplify-server, sngrep -L) as HEP3 with its own
 * addresses, ports and capture time, and every finding change as a HEP log
 * chunk (payload type 100, JSON) whose correlation id is the Call-ID. */
#ifndef SIPWATCH_HEP_SEND_H
#define SIPWATCH_HEP_SEND_H

#include "sipwatch/findings.h"
#include "sipwatch/hep.h"
#include "sipwatch/types.h"

typedef struct sw_hep_sender sw_hep_sender;

/* spec: "[udp:|tcp:]HOST:PORT". Resolves it and starts the sending thread
 * (TCP connects there, with back-off). NULL with a message in err. */
sw_hep_sender *sw_hep_send_start(const char *spec, uint32_t node_id, const char *password, char *err,
                                 size_t errlen);
/* Queues one SIP message (never blocks: a full queue drops and counts). */
void sw_hep_send_message(sw_hep_sender *s, const sw_payload *p);
/* Queues a finding change as a log chunk, timed `ts` (capture clock). */
void sw_hep_send_finding(sw_hep_sender *s, const sw_finding *f, sw_finding_change change, sw_time_us ts);
void sw_hep_send_get_stats(sw_hep_sender *s, sw_hep_send_stats *out);
/* Sends what is queued for at most linger_ms, drops (and counts) the rest,
 * stops the thread. The counters stay readable until sw_hep_send_free. */
void sw_hep_send_stop(sw_hep_sender *s, int linger_ms);
void sw_hep_send_free(sw_hep_sender *s);

#endif
