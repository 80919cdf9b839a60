/* Built-in SIP reference: every response code of RFC 3261 and the common
 * extensions, and the methods sipwatch tracks, each with its class, what it
 * means, when it typically appears, and what to do. `sipwatch --explain`
 * prints one entry or compares several side by side; the diagnosis rules
 * quote the same entries so the wording stays consistent. */
#ifndef SIPWATCH_SIP_REFERENCE_H
#define SIPWATCH_SIP_REFERENCE_H

#include <stdio.h>

typedef struct sw_status_ref {
    int code;                   /* 100..699 */
    const char *reason;         /* canonical reason phrase, "Unauthorized" */
    const char *rfc;            /* defining document, "RFC 3261 §21.4.2" */
    const char *meaning;        /* one or two sentences */
    const char *when;           /* when it typically appears */
    const char *action;         /* what to do / how to fix, for an operator */
} sw_status_ref;

typedef struct sw_method_ref {
    const char *method;         /* "REFER" */
    const char *rfc;
    const char *meaning;
    const char *when;
    const char *action;         /* what to check when it goes wrong */
} sw_method_ref;

/* Exact entry for a status code, or NULL when the code has none. */
const sw_status_ref *sw_reference_status(int code);
/* The meaning of a status code as an answer to `method` (NULL or "" = any):
 * the entry's meaning, or for codes whose meaning is about the SDP offer
 * (488, 606) answering a request without one (REFER, NOTIFY ...), words
 * that fit it. NULL when the code has no entry. */
const char *sw_reference_status_meaning(int code, const char *method);
/* Entry for a class (1..6: "1xx Provisional" ...), used when a code has none. */
const sw_status_ref *sw_reference_status_class(int code);
/* Method entry (case-insensitive), or NULL. */
const sw_method_ref *sw_reference_method(const char *name);
/* A note on how two entries differ, for well-known confusions ("401" vs
 * "407", "202" vs "200", "480" vs "486" ...), or NULL. Order-insensitive.
 * Terms are codes ("401") or method names ("REFER"). */
const char *sw_reference_pair_note(const char *a, const char *b);

/* Prints the explanation of one term, or a side-by-side comparison of
 * several (2 to 4), wrapped to `width` columns (0 = 80). Terms are status
 * codes, classes ("4xx") or method names. Returns 0, or 1 when a term is
 * unknown (after printing a one-line message to `err` naming it). */
int sw_explain(FILE *out, FILE *err, int nterms, char *const terms[], int width);

#endif
