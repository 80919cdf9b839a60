/* Order-preserving parallel parsing for the SIP stage.
 *
 * Design: a ring of batches. The submitting thread fills the batch at
 * `fill`, copying each payload's bytes into the batch, and queues it when
 * full; workers take queued batches, parse every message into the batch's
 * sw_sip_msg slots and mark it done; the submitting thread consumes done
 * batches from `consume` onwards in ring order and returns them to the free
 * state. One mutex and two condition variables, taken once per batch: a
 * batch's state is atomic, so the submitting thread sees a batch done
 * without locking for each message. The filling batch, `fill` and `consume`
 * are written by the submitting thread alone. */
#include "sipwatch/parse_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SW_BATCH_MSGS 64
#define SW_BATCHES 8
#define SW_BATCH_BYTES (64 * 1024)

enum batch_state { BATCH_FREE, BATCH_QUEUED, BATCH_PARSING, BATCH_DONE };

typedef struct batch {
    _Atomic int state;              /* enum batch_state: written under the lock, read without it */
    int count;
    int sip;                        /* of which SIP (the rest are media datagrams, not parsed) */
    uint8_t *bytes;
    size_t used, cap;
    sw_time_us first_ts;
    sw_payload payload[SW_BATCH_MSGS];
    sw_sip_parse_result result[SW_BATCH_MSGS];
    sw_sip_msg *msg;                /* SW_BATCH_MSGS parsed messages */
    char *arena;                    /* their strings, one after the other: SW_BATCH_MSGS * SW_SIP_ARENA bytes */
} batch;

struct sw_parse_pool {
    size_t max_len;
    sw_parsed_fn on_parsed;
    void *user;
    int nworkers;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t work;            /* a batch was queued, or shutting down */
    pthread_cond_t done;            /* a batch finished parsing */
    bool shutdown;
    unsigned fill, consume;         /* ring positions (mod SW_BATCHES) */
    uint64_t helped;                /* batches the submitting thread parsed itself */
    batch batches[SW_BATCHES];
    sw_sip_msg_buf *inline_msg;     /* inline mode scratch */
};

/* Parses a batch's SIP messages in order, each one's strings right after
 * the previous one's in the batch arena: memory is touched only as far as
 * strings need it (a message's SW_SIP_ARENA is its bound, not its cost). */
static void parse_batch(const sw_parse_pool *p, batch *b)
{
    size_t used = 0;
    for (int i = 0; i < b->count; i++) {
        if (b->payload[i].media)            /* media datagrams ride along unparsed */
            continue;
        b->msg[i].arena = b->arena + used;
        b->result[i] = sw_sip_parse(&b->payload[i], p->max_len, &b->msg[i]);
        used += b->msg[i].arena_used;
    }
}

static void *worker_main(void *arg)
{
    sw_parse_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        batch *b = NULL;
        for (unsigned i = 0; i < SW_BATCHES && !b; i++) {
            batch *c = &p->batches[(p->consume + i) % SW_BATCHES];
            if (c->state == BATCH_QUEUED)
                b = c;
        }
        if (!b) {
            if (p->shutdown)
                break;
            pthread_cond_wait(&p->work, &p->lock);
            continue;
        }
        b->state = BATCH_PARSING;
        pthread_mutex_unlock(&p->lock);
        parse_batch(p, b);
        pthread_mutex_lock(&p->lock);
        b->state = BATCH_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    sw_sip_thread_done();
    return NULL;
}

sw_parse_pool *sw_parse_pool_create(int workers, size_t max_message_len, sw_parsed_fn on_parsed, void *user)
{
    sw_parse_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->max_len = max_message_len;
    p->on_parsed = on_parsed;
    p->user = user;
    if (workers <= 0) {
        p->inline_msg = malloc(sizeof *p->inline_msg);
        if (!p->inline_msg) {
            free(p);
            return NULL;
        }
        sw_sip_msg_buf_init(p->inline_msg);
        return p;
    }
    for (int i = 0; i < SW_BATCHES; i++) {
        batch *b = &p->batches[i];
        b->msg = malloc(SW_BATCH_MSGS * sizeof *b->msg);
        b->arena = malloc((size_t)SW_BATCH_MSGS * SW_SIP_ARENA);
        b->cap = SW_BATCH_BYTES;
        b->bytes = malloc(b->cap);
        if (!b->msg || !b->arena || !b->bytes) {
            sw_parse_pool_destroy(p);
            return NULL;
        }
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    if (!p->threads) {
        sw_parse_pool_destroy(p);
        return NULL;
    }
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
            break;
        p->nworkers++;
    }
    if (p->nworkers == 0) {
        sw_parse_pool_destroy(p);
        return NULL;
    }
    return p;
}

/* Delivers done batches in order, at most `most`; with wait, blocks until
 * the batch at `consume` is done (it must be queued or parsing). Called
 * with the lock held. */
static void consume_ready(sw_parse_pool *p, bool wait, unsigned most)
{
    for (;;) {
        batch *b = &p->batches[p->consume % SW_BATCHES];
        if (b->state != BATCH_DONE) {
            if (!wait || b->state == BATCH_FREE || p->consume == p->fill)
                return;
            /* Rather than wait, parse a batch no worker took yet (the
             * oldest such): this thread's core is not idle while workers
             * catch up. */
            batch *help = NULL;
            for (unsigned k = p->consume; k != p->fill && !help; k++)
                if (p->batches[k % SW_BATCHES].state == BATCH_QUEUED)
                    help = &p->batches[k % SW_BATCHES];
            if (help) {
                p->helped++;
                help->state = BATCH_PARSING;
                pthread_mutex_unlock(&p->lock);
                parse_batch(p, help);
                pthread_mutex_lock(&p->lock);
                help->state = BATCH_DONE;
                continue;
            }
            pthread_cond_wait(&p->done, &p->lock);
            continue;
        }
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < b->count; i++)
            p->on_parsed(p->user, &b->payload[i], b->result[i], &b->msg[i]);
        pthread_mutex_lock(&p->lock);
        b->state = BATCH_FREE;
        b->count = 0;
        b->sip = 0;
        b->used = 0;
        p->consume++;
        wait = false;
        if (--most == 0)
            return;
    }
}

/* Queues the filling batch (if it holds anything) and moves on to the next
 * slot, waiting for it to be consumed first. Called with the lock held. */
static void queue_filling(sw_parse_pool *p)
{
    batch *b = &p->batches[p->fill % SW_BATCHES];
    if (b->count == 0)
        return;
    if (b->sip) {
        b->state = BATCH_QUEUED;
        pthread_cond_signal(&p->work);
    } else {
        b->state = BATCH_DONE;      /* media only: nothing to parse, no worker needed */
    }
    p->fill++;
    while (p->fill - p->consume >= SW_BATCHES)
        consume_ready(p, true, 1);
}

void sw_parse_pool_submit(sw_parse_pool *p, const sw_payload *payload)
{
    if (p->inline_msg && payload->media) {
        p->on_parsed(p->user, payload, SW_SIP_OK, NULL);
        return;
    }
    if (p->inline_msg) {
        sw_sip_parse_result r = sw_sip_parse(payload, p->max_len, &p->inline_msg->msg);
        p->on_parsed(p->user, payload, r, &p->inline_msg->msg);
        return;
    }
    batch *b = &p->batches[p->fill % SW_BATCHES];
    if (b->count == SW_BATCH_MSGS || (b->count && b->used + payload->len > b->cap)) {
        pthread_mutex_lock(&p->lock);
        queue_filling(p);
        pthread_mutex_unlock(&p->lock);
        b = &p->batches[p->fill % SW_BATCHES];
    }

    /* The filling batch belongs to this thread alone until it is queued. */
    if (payload->len > b->cap) {
        uint8_t *nb = realloc(b->bytes, payload->len);
        if (!nb) {
            /* No memory to copy it: deliver everything before it, then parse it in place. */
            sw_parse_pool_flush(p);
            b = &p->batches[p->fill % SW_BATCHES];
            b->msg[0].arena = b->arena;
            sw_sip_parse_result r = sw_sip_parse(payload, p->max_len, &b->msg[0]);
            p->on_parsed(p->user, payload, r, &b->msg[0]);
            return;
        }
        b->bytes = nb;
        b->cap = payload->len;
    }
    if (b->count == 0)
        b->first_ts = payload->ts;
    memcpy(b->bytes + b->used, payload->data, payload->len);
    b->sip += !payload->media;
    sw_payload *copy = &b->payload[b->count++];
    *copy = *payload;
    copy->data = b->bytes + b->used;
    b->used += payload->len;

    /* Deliver what is parsed as soon as it is (the lock only when the oldest
     * batch is done), one batch at a time: between two, this thread goes
     * back to filling, so a worker is not left without a queued batch
     * while several done ones are delivered. */
    if (atomic_load_explicit(&p->batches[p->consume % SW_BATCHES].state, memory_order_acquire) == BATCH_DONE) {
        pthread_mutex_lock(&p->lock);
        consume_ready(p, false, 1);
        pthread_mutex_unlock(&p->lock);
    }
}

void sw_parse_pool_poll(sw_parse_pool *p, sw_time_us now, sw_time_us max_wait_us)
{
    if (p->inline_msg)
        return;
    pthread_mutex_lock(&p->lock);
    batch *b = &p->batches[p->fill % SW_BATCHES];
    if (b->count && b->first_ts + max_wait_us <= now)
        queue_filling(p);
    consume_ready(p, false, SW_BATCHES);
    pthread_mutex_unlock(&p->lock);
}

void sw_parse_pool_flush(sw_parse_pool *p)
{
    if (p->inline_msg)
        return;
    pthread_mutex_lock(&p->lock);
    queue_filling(p);
    while (p->consume != p->fill)
        consume_ready(p, true, SW_BATCHES);
    pthread_mutex_unlock(&p->lock);
}

void sw_parse_pool_destroy(sw_parse_pool *p)
{
    if (!p)
        return;
    if (p->nworkers) {
        pthread_mutex_lock(&p->lock);
        p->shutdown = true;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < p->nworkers; i++)
            pthread_join(p->threads[i], NULL);
    }
    if (p->threads || p->nworkers) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
    }
    for (int i = 0; i < SW_BATCHES; i++) {
        free(p->batches[i].msg);
        free(p->batches[i].arena);
        free(p->batches[i].bytes);
    }
    sw_sip_thread_done();           /* inline (or fallback) parses ran on this thread */
    free(p->threads);
    free(p->inline_msg);
    free(p);
}


uint64_t sw_parse_pool_helped(const sw_parse_pool *p)
{
    return p->helped;
}
