/* SIP stage (private): fills the structured SDP summary (sipwatch/sdp.h)
 * from a body libosip2's SDP parser has parsed. */
#ifndef SIPWATCH_SDP_FILL_H
#define SIPWATCH_SDP_FILL_H

#include <osipparser2/sdp_message.h>

#include "sipwatch/sdp.h"

void sw_sdp_fill(sw_sdp *out, sdp_message_t *sdp);

#endif
