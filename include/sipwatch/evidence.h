/* Evidence: one SIP message summarised (time, endpoints, method or status,
 * CSeq, flags), enough for a report line or a ladder row. The correlator
 * keeps a few per flow; findings carry the ones behind them; outputs and the
 * dashboard show them. Plain data, no dependency on the correlator. */
#ifndef SIPWATCH_EVIDENCE_H
#define SIPWATCH_EVIDENCE_H

#include "sipwatch/types.h"

#define SW_EVF_CREDENTIALS 0x01     /* the request carried Authorization/Proxy-Authorization */
#define SW_EVF_CHALLENGE 0x02       /* a 401/407 */
#define SW_EVF_RETRANSMISSION 0x04  /* a copy of a message already seen */
#define SW_EVF_DUPLICATE 0x08       /* the same message captured twice (within ms) */
#define SW_EVF_KEY 0x10             /* marked by a rule as a message that matters */

/* One message, summarised: enough for a report line or a ladder row. */
typedef struct sw_evidence {
    sw_time_us ts;
    uint64_t frame;
    sw_endpoint src, dst;
    uint32_t cseq;
    uint16_t status;                /* 0 for requests */
    uint8_t method;                 /* request method, or CSeq method of a response */
    uint8_t flags;                  /* SW_EVF_* */
    uint8_t transport;
    uint8_t sipfrag;                /* NOTIFY: sipfrag status / 10 (0 if none); 20 = 200 */
} sw_evidence;

#endif
