/* --hep-listen: UDP and TCP sockets that receive HEP from agents. One
 * thread polls them all; each packet (a datagram, or a HEP3 packet cut from
 * a TCP stream by its length field) is queued with its arrival time and
 * sender. The queue is bounded in packets and bytes; what does not fit is
 * dropped and counted. TCP connections are bounded too. */
#include "sipwatch/hep_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SW_HEP_MAX_SOCKETS 8
#define SW_HEP_MAX_CONNS 64
#define SW_HEP_QUEUE_PACKETS 16384
#define SW_HEP_QUEUE_BYTES (64u * 1024 * 1024)

typedef struct queued {
    struct queued *next;
    sw_time_us arrival;
    sw_ip_addr from;
    size_t len;
    uint8_t data[];
} queued;

typedef struct hep_conn {
    int fd;
    sw_ip_addr from;
    uint8_t *buf;                   /* SW_HEP_MAX_PACKET bytes */
    size_t len;
} hep_conn;

struct sw_hep_listener {
    int fds[SW_HEP_MAX_SOCKETS];
    bool tcp[SW_HEP_MAX_SOCKETS];
    uint32_t overflows[SW_HEP_MAX_SOCKETS];     /* the kernel's drop counter, last seen */
    int nfds;
    hep_conn conns[SW_HEP_MAX_CONNS];
    int nconns;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    pthread_mutex_t lock;
    pthread_cond_t ready;
    queued *head, *tail;
    size_t count, bytes;
    uint64_t drops[SW_HEP_DROP_COUNT];  /* since the last drain */
    uint8_t rx[SW_HEP_MAX_PACKET + 1];
};

static sw_time_us wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (sw_time_us)ts.tv_sec * SW_USEC_PER_SEC + (sw_time_us)ts.tv_nsec / 1000;
}

bool sw_hep_parse_address(const char *spec, bool *tcp, char *host, size_t hostlen, char *port, size_t portlen,
                          char *err, size_t errlen)
{
    *tcp = false;
    if (strncmp(spec, "udp:", 4) == 0) {
        spec += 4;
    } else if (strncmp(spec, "tcp:", 4) == 0) {
        spec += 4;
        *tcp = true;
    }
    const char *colon = strrchr(spec, ':');
    const char *h = "127.0.0.1", *p = spec;
    size_t hl = strlen(h);
    if (colon) {
        h = spec;
        hl = (size_t)(colon - spec);
        p = colon + 1;
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
            h++;
            hl -= 2;
        }
    }
    char *end;
    unsigned long v = strtoul(p, &end, 10);
    if (!*p || *end || v == 0 || v > 65535 || hl == 0 || hl >= hostlen) {
        snprintf(err, errlen, "bad HEP address '%s' (want [udp:|tcp:]ADDR:PORT or PORT)", spec);
        return false;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, portlen, "%lu", v);
    return true;
}

static int bind_one(const char *spec, bool *tcp, char *err, size_t errlen)
{
    char host[256], port[8];
    if (!sw_hep_parse_address(spec, tcp, host, sizeof host, port, sizeof port, err, errlen))
        return -1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = *tcp ? SOCK_STREAM : SOCK_DGRAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "--hep-listen %s: %s", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || (*tcp && listen(fd, 16) != 0)) {
        snprintf(err, errlen, "--hep-listen %s: cannot bind: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    if (!*tcp) {
        /* A deep buffer for bursts (beyond rmem_max when privileged), and
         * the kernel's count of datagrams it had to drop. */
        int size = 8 * 1024 * 1024;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    }
    freeaddrinfo(ai);
    return fd;
}

sw_hep_listener *sw_hep_listen_open(const char *const *specs, int n, char *err, size_t errlen)
{
    sw_hep_listener *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->ready, NULL);
    for (int i = 0; i < n && i < SW_HEP_MAX_SOCKETS; i++) {
        int fd = bind_one(specs[i], &l->tcp[i], err, errlen);
        if (fd < 0) {
            sw_hep_listen_close(l);
            return NULL;
        }
        l->fds[l->nfds++] = fd;
    }
    return l;
}

static void count_drop(sw_hep_listener *l, sw_hep_drop why)
{
    pthread_mutex_lock(&l->lock);
    l->drops[why]++;
    pthread_mutex_unlock(&l->lock);
}

static void enqueue(sw_hep_listener *l, const sw_ip_addr *from, const uint8_t *p, size_t n)
{
    queued *q = NULL;
    pthread_mutex_lock(&l->lock);
    if (l->count < SW_HEP_QUEUE_PACKETS && l->bytes + n <= SW_HEP_QUEUE_BYTES)
        q = malloc(sizeof *q + n);
    if (!q) {
        l->drops[SW_HEP_DROP_QUEUE_FULL]++;
        pthread_mutex_unlock(&l->lock);
        return;
    }
    q->next = NULL;
    q->arrival = wall_now();
    q->from = *from;
    q->len = n;
    memcpy(q->data, p, n);
    if (l->tail)
        l->tail->next = q;
    else
        l->head = q;
    l->tail = q;
    l->count++;
    l->bytes += n;
    pthread_cond_signal(&l->ready);
    pthread_mutex_unlock(&l->lock);
}

static void addr_of(const struct sockaddr_storage *ss, sw_ip_addr *ip)
{
    memset(ip, 0, sizeof *ip);
    if (ss->ss_family == AF_INET) {
        ip->family = 4;
        memcpy(ip->bytes, &((const struct sockaddr_in *)ss)->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        ip->family = 6;
        memcpy(ip->bytes, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
    }
}

static void read_udp(sw_hep_listener *l, int i)
{
    for (int burst = 0; burst < 256; burst++) {
        struct sockaddr_storage ss;
        union {
            char buf[CMSG_SPACE(sizeof(uint32_t))];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = l->rx, .iov_len = sizeof l->rx};
        struct msghdr mh = {.msg_name = &ss, .msg_namelen = sizeof ss, .msg_iov = &iov, .msg_iovlen = 1,
                            .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
        ssize_t r = recvmsg(l->fds[i], &mh, MSG_TRUNC);
        if (r < 0)
            return;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t total;
                memcpy(&total, CMSG_DATA(c), sizeof total);
                if (total != l->overflows[i]) {
                    pthread_mutex_lock(&l->lock);
                    l->drops[SW_HEP_DROP_SOCKET_FULL] += (uint32_t)(total - l->overflows[i]);
                    pthread_mutex_unlock(&l->lock);
                    l->overflows[i] = total;
                }
            }
        sw_ip_addr from;
        addr_of(&ss, &from);
        if ((size_t)r > SW_HEP_MAX_PACKET || (mh.msg_flags & MSG_TRUNC)) {
            count_drop(l, SW_HEP_DROP_OVERSIZED);
            continue;
        }
        enqueue(l, &from, l->rx, (size_t)r);
    }
}

static void conn_close(sw_hep_listener *l, int i, bool cut)
{
    hep_conn *c = &l->conns[i];
    if (cut && c->len)
        count_drop(l, SW_HEP_DROP_TRUNCATED);
    close(c->fd);
    free(c->buf);
    l->conns[i] = l->conns[--l->nconns];
}

static void accept_tcp(sw_hep_listener *l, int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int c = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0)
        return;
    uint8_t *buf = l->nconns < SW_HEP_MAX_CONNS ? malloc(SW_HEP_MAX_PACKET) : NULL;
    if (!buf) {
        count_drop(l, SW_HEP_DROP_QUEUE_FULL);      /* no room for another agent's stream */
        close(c);
        return;
    }
    hep_conn *hc = &l->conns[l->nconns++];
    hc->fd = c;
    hc->buf = buf;
    hc->len = 0;
    addr_of(&ss, &hc->from);
}

/* Cuts the HEP3 packets out of a connection's bytes; false when the stream
 * cannot be framed (it is then closed). */
static bool frame_tcp(sw_hep_listener *l, hep_conn *c)
{
    size_t used = 0;
    while (used < c->len) {
        size_t total = sw_hep_frame_length(c->buf + used, c->len - used);
        if (total == 0)
            break;
        if (total == (size_t)-1) {
            count_drop(l, memcmp(c->buf + used, "HEP3", 4) == 0 ? SW_HEP_DROP_BAD_LENGTH : SW_HEP_DROP_NOT_HEP);
            return false;
        }
        if (c->len - used < total)
            break;
        enqueue(l, &c->from, c->buf + used, total);
        used += total;
    }
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
    return true;
}

static void read_tcp(sw_hep_listener *l, int i)
{
    hep_conn *c = &l->conns[i];
    ssize_t r = read(c->fd, c->buf + c->len, SW_HEP_MAX_PACKET - c->len);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(l, i, true);
        return;
    }
    if (r < 0)
        return;
    c->len += (size_t)r;
    if (!frame_tcp(l, c))
        conn_close(l, i, false);
}

static void *listen_thread(void *arg)
{
    sw_hep_listener *l = arg;
    struct pollfd pfd[SW_HEP_MAX_SOCKETS + SW_HEP_MAX_CONNS];
    while (!atomic_load(&l->stop)) {
        int n = 0;
        for (int i = 0; i < l->nfds; i++)
            pfd[n++] = (struct pollfd){.fd = l->fds[i], .events = POLLIN};
        int nconns = l->nconns;
        for (int i = 0; i < nconns; i++)
            pfd[n++] = (struct pollfd){.fd = l->conns[i].fd, .events = POLLIN};
        if (poll(pfd, (nfds_t)n, 100) <= 0)
            continue;
        for (int i = nconns - 1; i >= 0; i--)
            if (pfd[l->nfds + i].revents)
                read_tcp(l, i);
        for (int i = 0; i < l->nfds; i++) {
            if (!pfd[i].revents)
                continue;
            if (l->tcp[i])
                accept_tcp(l, l->fds[i]);
            else
                read_udp(l, i);
        }
    }
    return NULL;
}

bool sw_hep_listen_start(sw_hep_listener *l)
{
    if (pthread_create(&l->thread, NULL, listen_thread, l) != 0)
        return false;
    l->started = true;
    return true;
}

bool sw_hep_listen_wait(sw_hep_listener *l, int timeout_ms)
{
    pthread_mutex_lock(&l->lock);
    if (!l->head && timeout_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)timeout_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&l->ready, &l->lock, &ts);
    }
    bool any = l->head != NULL;
    pthread_mutex_unlock(&l->lock);
    return any;
}

size_t sw_hep_listen_drain(sw_hep_listener *l, sw_hep_packet_fn fn, void *user, uint64_t drops[SW_HEP_DROP_COUNT])
{
    pthread_mutex_lock(&l->lock);
    queued *q = l->head;
    l->head = l->tail = NULL;
    l->count = 0;
    l->bytes = 0;
    for (int i = 0; i < SW_HEP_DROP_COUNT; i++) {
        drops[i] += l->drops[i];
        l->drops[i] = 0;
    }
    pthread_mutex_unlock(&l->lock);
    size_t n = 0;
    while (q) {
        queued *next = q->next;
        fn(user, q->arrival, &q->from, q->data, q->len);
        free(q);
        q = next;
        n++;
    }
    return n;
}

void sw_hep_listen_close(sw_hep_listener *l)
{
    if (!l)
        return;
    if (l->started) {
        atomic_store(&l->stop, true);
        pthread_join(l->thread, NULL);
    }
    for (int i = 0; i < l->nfds; i++)
        close(l->fds[i]);
    while (l->nconns)
        conn_close(l, l->nconns - 1, false);
    while (l->head) {
        queued *q = l->head;
        l->head = q->next;
        free(q);
    }
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->ready);
    free(l);
}
