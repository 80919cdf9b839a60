/* Alert decisions and delivery.
 *
 * Design: sw_alerts_finding() runs on the capture thread and only decides:
 * which changes alert (severity filter, per-finding repeat limit, per-rule
 * storm window), then hands the alert to every sink. Each sink (syslog, a
 * JSON Lines file, a command run with the alert on standard input and in its
 * environment, killed at the timeout) has its own bounded queue and delivery
 * thread, so a hung command never delays syslog or the file. A full queue, a
 * failing sink or an alert still queued at exit is dropped and counted per
 * sink; nothing here ever blocks capture. */
#include "sipwatch/alerts.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX 1024                /* per sink */
#define TRACK_MAX 8192
#define MAX_RULES 32

extern char **environ;

typedef struct alert_item {
    int refs;                       /* one per sink queue holding it */
    char *json;
    char event[16], rule[32], severity[16];
    char *call_id, *summary, *suggestion;
} alert_item;

typedef struct tracked {
    uint64_t id;
    sw_time_us last_alert;
    bool alerted;
    bool held;                      /* its opening went into a storm summary: stays covered by it */
} tracked;

typedef struct rule_window {
    const char *rule;
    uint64_t window;                /* storm window number */
    unsigned opened, suppressed;
    sw_severity severity;
} rule_window;

/* One sink: its queue (under sw_alerts.lock) and its delivery thread. */
typedef struct sink {
    struct sw_alerts *owner;
    sw_alert_sink kind;
    bool on, started;
    pthread_t thread;
    pthread_cond_t wake;
    alert_item *queue[QUEUE_MAX];
    unsigned head, count;
    bool busy;
    uint64_t dropped_full, dropped_exit;
} sink;

struct sw_alerts {
    sw_alert_config cfg;
    char *json_path, *exec_cmd;
    /* decisions: capture thread only */
    tracked track[TRACK_MAX];
    rule_window rules[MAX_RULES];
    /* queues and stats: shared */
    pthread_mutex_t lock;
    pthread_cond_t drained;
    sink sinks[SW_ALERT_SINKS];
    bool stopping, stopped, reopen;
    sw_alert_stats stats;
    /* the JSON sink's thread only */
    FILE *json;
    bool json_error_said;
    /* the syslog sink's thread only */
    int syslog_fd;                  /* -1 until connected */
};

const char *sw_alert_sink_name(sw_alert_sink s)
{
    static const char *const names[SW_ALERT_SINKS] = {"syslog", "json", "exec"};
    return (unsigned)s < SW_ALERT_SINKS ? names[s] : "?";
}

void sw_alert_config_default(sw_alert_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->syslog_facility = LOG_DAEMON;
    cfg->exec_timeout_ms = 10000;
    cfg->min_severity = SW_SEV_WARNING;
    cfg->repeat_interval = 300 * SW_USEC_PER_SEC;
    cfg->storm_threshold = 10;
    cfg->storm_window = 60 * SW_USEC_PER_SEC;
}

bool sw_alert_config_any(const sw_alert_config *cfg)
{
    return cfg->syslog || cfg->json_path || cfg->exec_cmd;
}

/* ---- delivery (the delivery thread) ------------------------------------------ */

static void item_free(alert_item *it)
{
    if (!it)
        return;
    free(it->json);
    free(it->call_id);
    free(it->summary);
    free(it->suggestion);
    free(it);
}

/* A sink is done with the item: the last one frees it. */
static void item_release(alert_item *it)
{
    if (it && __atomic_sub_fetch(&it->refs, 1, __ATOMIC_ACQ_REL) == 0)
        item_free(it);
}

static void count(sw_alerts *a, bool ok)
{
    pthread_mutex_lock(&a->lock);
    if (ok)
        a->stats.sent++;
    else
        a->stats.failed++;
    pthread_mutex_unlock(&a->lock);
}

static int syslog_priority(const alert_item *it)
{
    if (strcmp(it->event, "resolved") == 0)
        return LOG_NOTICE;
    if (strcmp(it->severity, "critical") == 0)
        return LOG_CRIT;
    if (strcmp(it->severity, "warning") == 0)
        return LOG_WARNING;
    return LOG_INFO;
}

/* Says once per run on standard error that the alert file cannot be
 * written (a full disk, a removed directory); every failure is counted. */
static void json_error(sw_alerts *a, int err)
{
    if (a->json_error_said)
        return;
    a->json_error_said = true;
    fprintf(stderr, "sipwatch: --alert-json %s: %s; alerts that cannot be written are counted as failed\n",
            a->json_path, strerror(err));
}

static bool deliver_json(sw_alerts *a, const alert_item *it)
{
    if (!a->json) {
        a->json = fopen(a->json_path, "a");
        if (!a->json) {
            json_error(a, errno);
            return false;
        }
    }
    errno = 0;
    if (fprintf(a->json, "%s\n", it->json) < 0 || fflush(a->json) != 0) {
        json_error(a, errno ? errno : EIO);
        fclose(a->json);            /* reopened on the next alert: the disk may have space again */
        a->json = NULL;
        return false;
    }
    return true;
}

static char *env_pair(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value ? value : "") + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s=%s", name, value ? value : "");
    return s;
}

/* Runs the command with the alert on stdin and in SIPWATCH_* variables. */
static bool deliver_exec(sw_alerts *a, const alert_item *it)
{
    /* The environment is built before fork: the child only calls
     * async-signal-safe functions until exec. */
    size_t nenv = 0;
    while (environ && environ[nenv])
        nenv++;
    char **envp = calloc(nenv + 8, sizeof *envp);
    if (!envp)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(environ[i], "SIPWATCH_", 9) != 0)
            envp[k++] = environ[i];
    char *own[6] = {env_pair("SIPWATCH_EVENT", it->event), env_pair("SIPWATCH_RULE", it->rule),
                    env_pair("SIPWATCH_SEVERITY", it->severity), env_pair("SIPWATCH_CALL_ID", it->call_id),
                    env_pair("SIPWATCH_SUMMARY", it->summary), env_pair("SIPWATCH_SUGGESTION", it->suggestion)};
    for (int i = 0; i < 6; i++)
        if (own[i])
            envp[k++] = own[i];
    envp[k] = NULL;

    int pipefd[2];
    bool ok = false;
    if (pipe(pipefd) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            setpgid(0, 0);
            dup2(pipefd[0], STDIN_FILENO);
            close(pipefd[0]);
            close(pipefd[1]);
            char *const argv[] = {"sh", "-c", a->exec_cmd, NULL};
            execve("/bin/sh", argv, envp);
            _exit(127);
        }
        close(pipefd[0]);
        if (pid > 0) {
            setpgid(pid, pid);
            /* The JSON fits in the pipe buffer; a command that does not read it is fine. */
            fcntl(pipefd[1], F_SETFL, O_NONBLOCK);
            size_t len = strlen(it->json);
            ssize_t w1 = write(pipefd[1], it->json, len);
            ssize_t w2 = write(pipefd[1], "\n", 1);
            (void)w1;
            (void)w2;
            close(pipefd[1]);
            int status = 0;
            unsigned waited = 0;
            pid_t r;
            while ((r = waitpid(pid, &status, WNOHANG)) == 0 && waited < a->cfg.exec_timeout_ms &&
                   !__atomic_load_n(&a->stopping, __ATOMIC_RELAXED)) {
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
                waited += 10;
            }
            if (r == 0) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                pthread_mutex_lock(&a->lock);
                a->stats.exec_killed++;
                pthread_mutex_unlock(&a->lock);
            } else {
                ok = r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            }
        } else {
            close(pipefd[1]);
        }
    }
    for (int i = 0; i < 6; i++)
        free(own[i]);
    free(envp);
    /* A write to a command that exited raised SIGPIPE (blocked here): consume it. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
        ;
    return ok;
}

/* Sends on the non-blocking syslog socket; when the daemon's queue is full,
 * waits up to a second for room (this sink's thread only waits for itself). */
static bool syslog_send(int fd, const char *line, size_t n)
{
    if (send(fd, line, n, MSG_NOSIGNAL) >= 0)
        return true;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
        return false;
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (poll(&pfd, 1, 1000) <= 0)
        return false;
    return send(fd, line, n, MSG_NOSIGNAL) >= 0;
}

/* One RFC 3164 datagram to the local syslog socket. A syslog daemon that
 * stopped reading makes this fail within a second, and the alert is counted.
 * Reconnects after an error (the daemon was restarted). */
static bool deliver_syslog(sw_alerts *a, const alert_item *it)
{
    const char *path = a->cfg.syslog_socket ? a->cfg.syslog_socket : "/dev/log";
    if (a->syslog_fd < 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof sa.sun_path)
            return false;
        strcpy(sa.sun_path, path);
        a->syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (a->syslog_fd < 0)
            return false;
        if (connect(a->syslog_fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(a->syslog_fd);
            a->syslog_fd = -1;
            return false;
        }
    }
    char stamp[32], line[1024];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    int n = snprintf(line, sizeof line, "<%d>%s sipwatch[%d]: %s %s [%s] %s", a->cfg.syslog_facility | syslog_priority(it),
                     stamp, (int)getpid(), it->event, it->rule, it->severity, it->summary);
    if (n < 0)
        return false;
    if (!syslog_send(a->syslog_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1)) {
        close(a->syslog_fd);
        a->syslog_fd = -1;
        return false;
    }
    return true;
}

static void deliver(sw_alerts *a, sw_alert_sink kind, const alert_item *it)
{
    switch (kind) {
    case SW_ALERT_SYSLOG:
        count(a, deliver_syslog(a, it));
        break;
    case SW_ALERT_JSON:
        count(a, deliver_json(a, it));
        break;
    default:
        count(a, deliver_exec(a, it));
        break;
    }
}

static void reopen_json(sw_alerts *a)
{
    a->reopen = false;
    pthread_mutex_unlock(&a->lock);
    if (a->json) {
        fclose(a->json);
        a->json = NULL;
    }
    pthread_mutex_lock(&a->lock);
}

/* One sink's delivery thread: empties its queue until told to stop. */
static void *delivery_main(void *arg)
{
    sink *k = arg;
    sw_alerts *a = k->owner;
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    pthread_mutex_lock(&a->lock);
    for (;;) {
        if (k->kind == SW_ALERT_JSON && a->reopen)
            reopen_json(a);
        if (!k->count || a->stopping) {
            pthread_cond_broadcast(&a->drained);
            if (a->stopping)
                break;
            pthread_cond_wait(&k->wake, &a->lock);
            continue;
        }
        alert_item *it = k->queue[k->head];
        k->head = (k->head + 1) % QUEUE_MAX;
        k->count--;
        k->busy = true;
        pthread_mutex_unlock(&a->lock);
        deliver(a, k->kind, it);
        item_release(it);
        pthread_mutex_lock(&a->lock);
        k->busy = false;
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* ---- decisions (the capture thread) -------------------------------------------- */

/* Hands the alert to every sink's queue; a full queue drops it for that sink only. */
static void enqueue(sw_alerts *a, alert_item *it)
{
    it->refs = 1;                   /* held here until every sink has it */
    pthread_mutex_lock(&a->lock);
    a->stats.queued++;
    for (int s = 0; s < SW_ALERT_SINKS; s++) {
        sink *k = &a->sinks[s];
        if (!k->on)
            continue;
        if (a->stopping) {
            k->dropped_exit++;
            a->stats.failed++;
            continue;
        }
        if (k->count == QUEUE_MAX) {
            k->dropped_full++;
            a->stats.failed++;
            continue;
        }
        __atomic_add_fetch(&it->refs, 1, __ATOMIC_RELAXED);
        k->queue[(k->head + k->count) % QUEUE_MAX] = it;
        k->count++;
        pthread_cond_signal(&k->wake);
    }
    pthread_mutex_unlock(&a->lock);
    item_release(it);
}

static alert_item *item_new(const char *json, const char *event, const char *rule, const char *severity,
                            const char *call_id, const char *summary, const char *suggestion)
{
    alert_item *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    it->json = strdup(json);
    snprintf(it->event, sizeof it->event, "%s", event);
    snprintf(it->rule, sizeof it->rule, "%s", rule);
    snprintf(it->severity, sizeof it->severity, "%s", severity);
    it->call_id = strdup(call_id ? call_id : "");
    it->summary = strdup(summary ? summary : "");
    it->suggestion = strdup(suggestion ? suggestion : "");
    if (!it->json || !it->call_id || !it->summary || !it->suggestion) {
        item_free(it);
        return NULL;
    }
    return it;
}

static void suppressed(sw_alerts *a)
{
    pthread_mutex_lock(&a->lock);
    a->stats.suppressed++;
    pthread_mutex_unlock(&a->lock);
}

static tracked *track_of(sw_alerts *a, uint64_t id)
{
    tracked *t = &a->track[id % TRACK_MAX];
    if (t->id != id) {
        memset(t, 0, sizeof *t);
        t->id = id;
    }
    return t;
}

static rule_window *window_of(sw_alerts *a, const char *rule)
{
    for (int i = 0; i < MAX_RULES; i++) {
        if (a->rules[i].rule == rule || (a->rules[i].rule && strcmp(a->rules[i].rule, rule) == 0))
            return &a->rules[i];
        if (!a->rules[i].rule) {
            a->rules[i].rule = rule;
            return &a->rules[i];
        }
    }
    return NULL;
}

static void send_storm(sw_alerts *a, rule_window *w, sw_time_us now)
{
    char summary[320];
    snprintf(summary, sizeof summary,
             "%u more %s findings opened within %llu s: alerts for them were held back as a storm; "
             "see the dashboard or --json for each one",
             w->suppressed, w->rule, (unsigned long long)(a->cfg.storm_window / SW_USEC_PER_SEC));
    sw_finding f;
    memset(&f, 0, sizeof f);
    f.rule = w->rule;
    f.severity = w->severity;
    f.count = w->suppressed;
    f.first_seen = f.last_seen = now;
    snprintf(f.summary, sizeof f.summary, "%s", summary);
    snprintf(f.suggestion, sizeof f.suggestion,
             "Many %s problems at once usually share one cause (a server, a network path, a bad "
             "configuration push): look for what they have in common.", w->rule);
    char *json = sw_alert_json(&f, "storm");
    if (json) {
        alert_item *it = item_new(json, "storm", w->rule, sw_severity_name(w->severity), "", summary, f.suggestion);
        if (it)
            enqueue(a, it);
        free(json);
    }
    pthread_mutex_lock(&a->lock);
    a->stats.storms++;
    pthread_mutex_unlock(&a->lock);
    w->suppressed = 0;
}

void sw_alerts_tick(sw_alerts *a, sw_time_us now)
{
    uint64_t win = now / a->cfg.storm_window;
    for (int i = 0; i < MAX_RULES && a->rules[i].rule; i++) {
        rule_window *w = &a->rules[i];
        if (w->window != win) {
            if (w->suppressed)
                send_storm(a, w, now);
            w->window = win;
            w->opened = 0;
        }
    }
}

void sw_alerts_finding(sw_alerts *a, const sw_finding *f, sw_finding_change change, sw_time_us now)
{
    sw_alerts_tick(a, now);
    tracked *t = track_of(a, f->id);
    const char *event = sw_finding_change_name(change);
    switch (change) {
    case SW_FINDING_OPENED: {
        if (f->severity < a->cfg.min_severity)
            return;
        rule_window *w = window_of(a, f->rule);
        if (w && ++w->opened > a->cfg.storm_threshold) {
            w->suppressed++;
            if (f->severity > w->severity)
                w->severity = f->severity;
            t->held = true;
            suppressed(a);
            return;
        }
        break;
    }
    case SW_FINDING_UPDATED:
        if (f->severity < a->cfg.min_severity)
            return;
        if (t->held) {
            suppressed(a);
            return;
        }
        if (!t->alerted) {
            event = "opened";       /* it crossed the severity filter, or its opening was held back */
            break;
        }
        if (now < t->last_alert + a->cfg.repeat_interval) {
            suppressed(a);
            return;
        }
        break;
    case SW_FINDING_ESCALATED:
        if (f->severity < a->cfg.min_severity)
            return;
        if (t->held) {
            suppressed(a);
            return;
        }
        if (!t->alerted)
            event = "opened";
        break;
    case SW_FINDING_RESOLVED_NOW:
        if (!t->alerted)
            return;
        break;
    }
    char *json = sw_alert_json(f, event);
    if (!json)
        return;
    alert_item *it = item_new(json, event, f->rule, sw_severity_name(f->severity), f->call_id, f->summary,
                              f->suggestion);
    free(json);
    if (!it)
        return;
    t->alerted = true;
    t->last_alert = now;
    enqueue(a, it);
}

/* ---- life cycle ------------------------------------------------------------------ */

static void release_all(sw_alerts *a)
{
    for (int s = 0; s < SW_ALERT_SINKS; s++) {
        sink *k = &a->sinks[s];
        for (; k->count; k->count--, k->head = (k->head + 1) % QUEUE_MAX)
            item_release(k->queue[k->head]);
        pthread_cond_destroy(&k->wake);
    }
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->drained);
    if (a->json)
        fclose(a->json);
    if (a->syslog_fd >= 0)
        close(a->syslog_fd);
    free(a->json_path);
    free(a->exec_cmd);
    free(a);
}

sw_alerts *sw_alerts_create(const sw_alert_config *cfg, char *err, size_t errlen)
{
    sw_alerts *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    if (!a->cfg.storm_window)
        a->cfg.storm_window = 60 * SW_USEC_PER_SEC;
    if (cfg->json_path) {
        a->json_path = strdup(cfg->json_path);
        a->json = fopen(cfg->json_path, "a");
        if (!a->json) {
            snprintf(err, errlen, "cannot open the alert file %s: %s", cfg->json_path, strerror(errno));
            free(a->json_path);
            free(a);
            return NULL;
        }
    }
    if (cfg->exec_cmd)
        a->exec_cmd = strdup(cfg->exec_cmd);
    a->syslog_fd = -1;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->drained, NULL);
    bool on[SW_ALERT_SINKS] = {cfg->syslog, cfg->json_path != NULL, cfg->exec_cmd != NULL};
    for (int s = 0; s < SW_ALERT_SINKS; s++) {
        sink *k = &a->sinks[s];
        k->owner = a;
        k->kind = (sw_alert_sink)s;
        k->on = on[s];
        pthread_cond_init(&k->wake, NULL);
    }
    for (int s = 0; s < SW_ALERT_SINKS; s++) {
        sink *k = &a->sinks[s];
        if (k->on && pthread_create(&k->thread, NULL, delivery_main, k) != 0) {
            snprintf(err, errlen, "cannot start the alert thread");
            sw_alerts_stop(a, 0, 0);
            release_all(a);
            return NULL;
        }
        k->started = k->on;
    }
    return a;
}

void sw_alerts_reopen(sw_alerts *a)
{
    pthread_mutex_lock(&a->lock);
    a->reopen = true;
    pthread_cond_signal(&a->sinks[SW_ALERT_JSON].wake);
    pthread_mutex_unlock(&a->lock);
}

static bool all_drained(const sw_alerts *a)
{
    for (int s = 0; s < SW_ALERT_SINKS; s++)
        if (a->sinks[s].count || a->sinks[s].busy)
            return false;
    return true;
}

void sw_alerts_flush(sw_alerts *a, sw_time_us now, unsigned timeout_ms)
{
    /* Close every storm window: what was held back is summarised now. */
    for (int i = 0; i < MAX_RULES && a->rules[i].rule; i++)
        if (a->rules[i].suppressed)
            send_storm(a, &a->rules[i], now);
    pthread_mutex_lock(&a->lock);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (!all_drained(a) && pthread_cond_timedwait(&a->drained, &a->lock, &deadline) == 0)
        ;
    pthread_mutex_unlock(&a->lock);
}

/* One line on standard error naming what each sink never delivered. */
static void say_dropped(const sw_alerts *a)
{
    char line[256];
    size_t n = 0;
    for (int s = 0; s < SW_ALERT_SINKS; s++) {
        const sink *k = &a->sinks[s];
        if (!k->dropped_full && !k->dropped_exit)
            continue;
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %llu (%llu queue full, %llu still queued at exit)",
                              n ? ", " : "", sw_alert_sink_name(k->kind),
                              (unsigned long long)(k->dropped_full + k->dropped_exit),
                              (unsigned long long)k->dropped_full, (unsigned long long)k->dropped_exit);
        if (n >= sizeof line)
            n = sizeof line - 1;
    }
    if (n)
        fprintf(stderr, "sipwatch: alerts dropped: %s\n", line);
}

void sw_alerts_stop(sw_alerts *a, sw_time_us now, unsigned timeout_ms)
{
    if (!a || a->stopped)
        return;
    sw_alerts_flush(a, now, timeout_ms);
    pthread_mutex_lock(&a->lock);
    /* Whatever is still queued after the wait is dropped, and counted. */
    for (int s = 0; s < SW_ALERT_SINKS; s++) {
        sink *k = &a->sinks[s];
        while (k->count) {
            item_release(k->queue[k->head]);
            k->head = (k->head + 1) % QUEUE_MAX;
            k->count--;
            k->dropped_exit++;
            a->stats.failed++;
        }
        pthread_cond_signal(&k->wake);
    }
    __atomic_store_n(&a->stopping, true, __ATOMIC_RELAXED);   /* also cuts a running command short */
    pthread_mutex_unlock(&a->lock);
    for (int s = 0; s < SW_ALERT_SINKS; s++)
        if (a->sinks[s].started)
            pthread_join(a->sinks[s].thread, NULL);
    a->stopped = true;
    say_dropped(a);
}

void sw_alerts_destroy(sw_alerts *a, sw_time_us now, unsigned timeout_ms)
{
    if (!a)
        return;
    sw_alerts_stop(a, now, timeout_ms);
    release_all(a);
}

void sw_alerts_get_stats(sw_alerts *a, sw_alert_stats *stats)
{
    pthread_mutex_lock(&a->lock);
    *stats = a->stats;
    stats->dropped = 0;
    for (int s = 0; s < SW_ALERT_SINKS; s++) {
        stats->dropped_by_sink[s] = a->sinks[s].dropped_full + a->sinks[s].dropped_exit;
        stats->dropped += stats->dropped_by_sink[s];
    }
    pthread_mutex_unlock(&a->lock);
}
