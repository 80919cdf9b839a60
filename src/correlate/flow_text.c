/* The flow's texts: the Call-ID and the From, To, User-Agent, display name
 * and reason kept in one packed allocation (see flow_state.h). */
#include "flow_state.h"
#include "packed_text.h"

#include "sipwatch/text.h"

#define FIELDS FLOW_TEXT_SET_FIELDS

/* Each field's size as the fixed arrays had it: values are cut the same way. */
static const unsigned short field_cap[SW_FLOW_TEXT_FIELDS] = {
    [SW_FLOW_FROM_USER] = 64, [SW_FLOW_FROM_HOST] = 64, [SW_FLOW_TO_USER] = 64, [SW_FLOW_TO_HOST] = 64,
    [SW_FLOW_USER_AGENT] = 64, [SW_FLOW_FROM_DISPLAY] = 48, [SW_FLOW_FINAL_REASON] = 40,
};

const char *sw_flow_text(const sw_flow *f, sw_flow_text_field k)
{
    return (unsigned)k < SW_FLOW_TEXT_FIELDS ? packed_text_get(f->text, FIELDS, 1 + (unsigned)k) : "";
}

/* Packs call_id (NULL: kept) and values[k] (NULL: kept), each cut at its field's size. */
static bool set_fields(sw_flow *f, const char *call_id, const char *const values[SW_FLOW_TEXT_FIELDS])
{
    char cut[SW_FLOW_TEXT_FIELDS][64];
    const char *fields[FIELDS] = {call_id};
    for (unsigned k = 0; values && k < SW_FLOW_TEXT_FIELDS; k++) {
        if (!values[k])
            continue;
        sw_copy_cut(cut[k], field_cap[k], values[k]);
        fields[1 + k] = cut[k];
    }
    if (!packed_text_update(&f->text, FIELDS, fields))
        return false;
    f->call_id = packed_text_get(f->text, FIELDS, 0);
    return true;
}

void flow_set_texts(sw_flow *f, const char *const values[SW_FLOW_TEXT_FIELDS])
{
    set_fields(f, NULL, values);
}

void flow_set_text(sw_flow *f, sw_flow_text_field k, const char *value)
{
    if ((unsigned)k >= SW_FLOW_TEXT_FIELDS)
        return;
    if (packed_text_set_cut(&f->text, FIELDS, 1 + (unsigned)k, value, field_cap[k]))
        f->call_id = packed_text_get(f->text, FIELDS, 0);
}

bool flow_set_call_id(sw_flow *f, const char *call_id, const char *const texts[SW_FLOW_TEXT_FIELDS])
{
    return call_id && set_fields(f, call_id, texts);
}
