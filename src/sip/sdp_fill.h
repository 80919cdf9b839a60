/* SIP stage (private): fills the structured SDP summary (sipwatch/sdp.h)
 * from a body libosip2's SDP parser has parsed. */
#ifndef SIPWATCH_SDP_FILL_H
#define SIPWATCH_SDP_FILL_H

#include <osipparser2/sdp_message.h>

#include "sipwatch/sdp.h"

void sw_sdp_fill(sw_sdp *out, sdp_message_t *sdp);

/* The a= lines of media line `media`, or the session's (-1); NULL when
 * there is no such line. Walk them with SW_SDP_FOR_EACH_ATTRIBUTE: reading
 * them by index walks the list from its head every time. */
const osip_list_t *sw_sdp_attributes(const sdp_message_t *sdp, int media);

/* The first SW_SDP_ATTRIBUTES_MAX a= lines of a list (NULL: none), up to
 * the first without a name; k counts them from 0. */
#define SW_SDP_ATTRIBUTES_MAX 64
#define SW_SDP_FOR_EACH_ATTRIBUTE(a, list, it, k)                                                  \
    for (sdp_attribute_t *a = (list) ? osip_list_get_first((list), &(it)) : NULL;                 \
         a && a->a_att_field && (k) < SW_SDP_ATTRIBUTES_MAX; a = osip_list_get_next(&(it)), (k)++)

#endif
