/* Parallel SIP parsing that keeps capture order: payloads are copied into
 * batches, worker threads parse whole batches with libosip2, and the thread
 * that submits them receives the parsed messages back strictly in the order
 * it submitted them, so everything after this stage stays single-threaded
 * (a payload marked media is not parsed: it comes back in its place with a
 * NULL message, so the media stage sees RTP in capture order with SIP)
 * and deterministic. With zero workers it parses inline without copying. */
#ifndef SIPWATCH_PARSE_POOL_H
#define SIPWATCH_PARSE_POOL_H

#include "sipwatch/sip_message.h"

typedef void (*sw_parsed_fn)(void *user, const sw_payload *payload, sw_sip_parse_result result,
                             const sw_sip_msg *msg);

typedef struct sw_parse_pool sw_parse_pool;

/* workers: parsing threads (0 = parse inline in sw_parse_pool_submit). */
sw_parse_pool *sw_parse_pool_create(int workers, size_t max_message_len, sw_parsed_fn on_parsed, void *user);

/* Hands over one payload (copied when workers run). Parsed messages that are
 * ready are delivered from inside this call, in submission order. */
void sw_parse_pool_submit(sw_parse_pool *pool, const sw_payload *payload);

/* Delivers what is ready, and pushes a partly filled batch to the workers
 * when its oldest message has waited longer than max_wait_us (capture clock).
 * Live capture calls this when idle so a quiet network is not delayed. */
void sw_parse_pool_poll(sw_parse_pool *pool, sw_time_us now, sw_time_us max_wait_us);

/* Parses and delivers everything submitted so far. */
void sw_parse_pool_flush(sw_parse_pool *pool);

void sw_parse_pool_destroy(sw_parse_pool *pool);

/* Batches the submitting thread parsed itself rather than wait for a
 * worker (it helps whenever every batch is in flight and one is still
 * queued). Read from the submitting thread. */
uint64_t sw_parse_pool_helped(const sw_parse_pool *p);

#endif
