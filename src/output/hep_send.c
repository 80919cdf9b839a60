/* --hep-send: HEP3 to a collector.
 *
 * Design (as the alert sinks): sw_hep_send_message() and
 * sw_hep_send_finding() run on the analysis thread and only encode the
 * packet and queue it; the queue (bounded in packets and bytes) owns each
 * packet until the sending thread writes it or it is dropped. A full queue
 * drops the new packet and counts it, so a slow or absent collector never
 * delays analysis. UDP sends each packet once; TCP connects, reconnects with
 * a doubling back-off (0.1 s to 5 s) and keeps queued packets meanwhile. */
#include "sipwatch/hep_send.h"
#include "sipwatch/output.h"

#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEND_QUEUE_PACKETS 16384
#define SEND_QUEUE_BYTES (32u * 1024 * 1024)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

typedef struct out_packet {
    struct out_packet *next;
    size_t len;
    uint8_t data[];
} out_packet;

struct sw_hep_sender {
    uint32_t node_id;
    char *password;
    bool tcp;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int fd;
    pthread_t thread;
    bool running, stopping;
    long long drop_after_ns;        /* stopping: give up on what is left at this time */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    out_packet *head, *tail;
    size_t count, bytes;
    sw_hep_send_stats stats;        /* under lock */
    uint8_t buf[SW_HEP_MAX_PACKET];
};

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool resolve(sw_hep_sender *s, const char *spec, char *err, size_t errlen)
{
    char host[256], port[8];
    const char *p = spec;
    s->tcp = strncmp(p, "tcp:", 4) == 0;
    if (s->tcp || strncmp(p, "udp:", 4) == 0)
        p += 4;
    const char *colon = strrchr(p, ':');
    if (!colon || colon == p || (size_t)(colon - p) >= sizeof host || !colon[1] || strlen(colon + 1) >= sizeof port) {
        snprintf(err, errlen, "--hep-send: bad address '%s' (want [udp:|tcp:]HOST:PORT)", spec);
        return false;
    }
    size_t hl = (size_t)(colon - p);
    if (hl >= 2 && p[0] == '[' && p[hl - 1] == ']')
        memcpy(host, p + 1, hl - 2), host[hl - 2] = '\0';
    else
        memcpy(host, p, hl), host[hl] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = s->tcp ? SOCK_STREAM : SOCK_DGRAM,
                             .ai_flags = AI_NUMERICSERV}, *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "--hep-send %s: %s", spec, gai_strerror(rc));
        return false;
    }
    memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
    s->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return true;
}

/* Queues a packet the caller encoded into s->buf (analysis thread only). */
static void enqueue(sw_hep_sender *s, size_t len)
{
    pthread_mutex_lock(&s->lock);
    out_packet *p = NULL;
    if (!s->stopping && s->count < SEND_QUEUE_PACKETS && s->bytes + len <= SEND_QUEUE_BYTES)
        p = malloc(sizeof *p + len);
    if (!p) {
        s->stats.dropped_queue_full++;
    } else {
        p->next = NULL;
        p->len = len;
        memcpy(p->data, s->buf, len);
        if (s->tail)
            s->tail->next = p;
        else
            s->head = p;
        s->tail = p;
        s->count++;
        s->bytes += len;
        pthread_cond_signal(&s->wake);
    }
    pthread_mutex_unlock(&s->lock);
}

static void count(sw_hep_sender *s, uint64_t *field)
{
    pthread_mutex_lock(&s->lock);
    (*field)++;
    pthread_mutex_unlock(&s->lock);
}

void sw_hep_send_message(sw_hep_sender *s, const sw_payload *p)
{
    sw_hep_out o = {
        .src = p->src, .dst = p->dst, .ts = p->ts, .payload_type = SW_HEP_PAYLOAD_SIP, .node_id = s->node_id,
        .password = s->password, .payload = p->data, .payload_len = p->len,
        .ip_proto = p->transport == SW_TRANSPORT_UDP ? 17 : p->transport == SW_TRANSPORT_SCTP ? 132 : 6,
    };
    size_t n = sw_hep_encode(s->buf, sizeof s->buf, &o);
    count(s, n ? &s->stats.messages : &s->stats.dropped_too_large);
    if (n)
        enqueue(s, n);
}

/* The finding's JSON line with the change that happened to it. */
static char *finding_json(const sw_finding *f, sw_finding_change change)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return NULL;
    sw_json_write_finding(m, f);
    fclose(m);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!o)
        return NULL;
    json_object_set_new(o, "type", json_string("sipwatch-finding"));
    json_object_set_new(o, "event", json_string(sw_finding_change_name(change)));
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

void sw_hep_send_finding(sw_hep_sender *s, const sw_finding *f, sw_finding_change change, sw_time_us ts)
{
    char *json = finding_json(f, change);
    if (!json)
        return;
    sw_hep_out o = {
        .src = f->src, .dst = f->dst, .ts = ts, .payload_type = SW_HEP_PAYLOAD_LOG, .node_id = s->node_id,
        .password = s->password, .payload = (const uint8_t *)json, .payload_len = strlen(json), .ip_proto = 17,
        .correlation = f->call_id[0] ? f->call_id : NULL,
    };
    if (!o.src.ip.family)
        o.src.ip.family = 4;
    if (o.dst.ip.family != o.src.ip.family) {
        memset(&o.dst, 0, sizeof o.dst);
        o.dst.ip.family = o.src.ip.family;
    }
    size_t n = sw_hep_encode(s->buf, sizeof s->buf, &o);
    free(json);
    count(s, n ? &s->stats.findings : &s->stats.dropped_too_large);
    if (n)
        enqueue(s, n);
}

/* TCP: (re)connects; false while the collector is away. */
static bool ensure_connected(sw_hep_sender *s)
{
    if (s->fd >= 0)
        return true;
    int fd = socket(s->addr.ss_family, (s->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    if (s->tcp && connect(fd, (struct sockaddr *)&s->addr, s->addrlen) != 0) {
        close(fd);
        count(s, &s->stats.connect_failures);
        return false;
    }
    s->fd = fd;
    pthread_mutex_lock(&s->lock);
    if (s->tcp)
        s->stats.connects++;
    s->stats.connected = true;
    pthread_mutex_unlock(&s->lock);
    return true;
}

static bool write_packet(sw_hep_sender *s, const out_packet *p)
{
    if (!s->tcp)
        return sendto(s->fd, p->data, p->len, MSG_NOSIGNAL, (struct sockaddr *)&s->addr, s->addrlen) ==
               (ssize_t)p->len;
    size_t off = 0;
    while (off < p->len) {
        ssize_t w = send(s->fd, p->data + off, p->len - off, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return false;
        }
        off += (size_t)w;
    }
    return true;
}

/* Takes the queue's head when one is there (waits up to 100 ms). */
static out_packet *next_packet(sw_hep_sender *s, bool *done)
{
    pthread_mutex_lock(&s->lock);
    if (!s->head && !s->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->wake, &s->lock, &ts);
    }
    out_packet *p = s->head;
    *done = s->stopping && (!p || mono_ns() >= s->drop_after_ns);
    if (p && !*done) {
        s->head = p->next;
        if (!s->head)
            s->tail = NULL;
        s->count--;
        s->bytes -= p->len;
    } else {
        p = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return p;
}

static void *send_thread(void *arg)
{
    sw_hep_sender *s = arg;
    int backoff = BACKOFF_MIN_MS;
    bool done = false;
    while (!done) {
        if (!ensure_connected(s)) {
            nanosleep(&(struct timespec){.tv_sec = backoff / 1000, .tv_nsec = (backoff % 1000) * 1000000L}, NULL);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            pthread_mutex_lock(&s->lock);
            done = s->stopping && mono_ns() >= s->drop_after_ns;
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        backoff = BACKOFF_MIN_MS;
        out_packet *p = next_packet(s, &done);
        if (!p)
            continue;
        bool ok = write_packet(s, p);
        pthread_mutex_lock(&s->lock);
        if (ok)
            s->stats.sent++;
        else
            s->stats.send_errors++;
        if (!ok && s->tcp)
            s->stats.connected = false;
        pthread_mutex_unlock(&s->lock);
        if (!ok && s->tcp) {
            close(s->fd);
            s->fd = -1;
        }
        free(p);
    }
    return NULL;
}

sw_hep_sender *sw_hep_send_start(const char *spec, uint32_t node_id, const char *password, char *err,
                                 size_t errlen)
{
    sw_hep_sender *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = -1;
    s->node_id = node_id;
    s->password = password ? strdup(password) : NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (!resolve(s, spec, err, errlen) || pthread_create(&s->thread, NULL, send_thread, s) != 0) {
        if (!err[0])
            snprintf(err, errlen, "--hep-send: cannot start the sending thread");
        sw_hep_send_free(s);
        return NULL;
    }
    s->running = true;
    return s;
}

void sw_hep_send_get_stats(sw_hep_sender *s, sw_hep_send_stats *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    pthread_mutex_unlock(&s->lock);
}

void sw_hep_send_stop(sw_hep_sender *s, int linger_ms)
{
    if (!s || !s->running)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    s->drop_after_ns = mono_ns() + (long long)linger_ms * 1000000LL;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->running = false;
    while (s->head) {               /* what the collector never took */
        out_packet *p = s->head;
        s->head = p->next;
        s->stats.dropped_queue_full++;
        free(p);
    }
    s->tail = NULL;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->stats.connected = false;
}

void sw_hep_send_free(sw_hep_sender *s)
{
    if (!s)
        return;
    sw_hep_send_stop(s, 0);
    free(s->password);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
