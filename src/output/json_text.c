/* JSON strings that are always valid UTF-8 (see json_text.h). */
#include "json_text.h"

#include "sipwatch/text.h"
#include "sipwatch/timefmt.h"

#include <stdlib.h>
#include <string.h>

json_t *sw_json_time(sw_time_us t)
{
    char buf[SW_TIME_STRLEN];
    return t ? sw_json_text(sw_time_iso(t, buf, sizeof buf)) : json_null();
}

json_t *sw_json_text(const char *s)
{
    if (!s)
        return json_string("");
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *clean = malloc(n + 1);
    if (!clean)
        return NULL;
    sw_text_sanitize(s, n, true, false, clean, n + 1);
    j = json_string(clean);
    free(clean);
    return j;
}
