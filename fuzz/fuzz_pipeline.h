/* The analysis half of the pipeline for the fuzz targets, as src/app/run.c
 * wires it but on one thread: SIP parse (libosip2, then the fallback key
 * scanner), correlation with small tables (so eviction runs too), every
 * rule, the findings store, and at the end every writer (JSON, report,
 * dump) into /dev/null. */
#ifndef SIPWATCH_FUZZ_PIPELINE_H
#define SIPWATCH_FUZZ_PIPELINE_H

#include "sipwatch/types.h"

typedef struct fz_pipeline fz_pipeline;

/* Once per process (libosip2's tables). */
void fz_pipeline_init(void);
fz_pipeline *fz_pipeline_create(void);
/* One SIP payload, as the decoder or the framer hands it on. */
void fz_pipeline_message(fz_pipeline *p, const sw_payload *payload);
/* The capture clock moved (no message). */
void fz_pipeline_advance(fz_pipeline *p, sw_time_us now);
/* End of input: settle, then write every output. */
void fz_pipeline_finish(fz_pipeline *p, sw_time_us now);
void fz_pipeline_destroy(fz_pipeline *p);

#endif
