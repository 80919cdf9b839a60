/* JSON strings from text that may have come off the wire (private to the
 * output stage): jansson refuses invalid UTF-8 by returning NULL, which would
 * silently drop the key; this never does. */
#ifndef SIPWATCH_JSON_TEXT_H
#define SIPWATCH_JSON_TEXT_H

#include <jansson.h>

#include "sipwatch/types.h"

/* json_string(s), or of s sanitised (invalid UTF-8 and controls as '?')
 * when jansson refuses it; "" for NULL. Never NULL unless out of memory. */
json_t *sw_json_text(const char *s);

/* A capture-clock time as an ISO 8601 string, or null for 0 (never seen). */
json_t *sw_json_time(sw_time_us t);

#endif
