/* Alert decisions and delivery.
 *
 * Design: sw_alerts_finding() runs on the capture thread and only decides:
 * which changes alert (severity filter, per-finding repeat limit, per-rule
 * storm window), then copies the alert into a bounded queue. A delivery
 * thread empties the queue into the sinks: syslog, a JSON Lines file, and a
 * command run with the alert on standard input and in its environment, in
 * its own process group, killed at the timeout. A full queue or a failing
 * sink drops the alert and counts it; nothing here ever blocks capture. */
#include "sipwatch/alerts.h"

#include <errno.h>
#include <fcntl.h>
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

#define QUEUE_MAX 1024
#define TRACK_MAX 8192
#define MAX_RULES 32

extern char **environ;

typedef struct alert_item {
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

struct sw_alerts {
    sw_alert_config cfg;
    char *json_path, *exec_cmd;
    /* decisions: capture thread only */
    tracked track[TRACK_MAX];
    rule_window rules[MAX_RULES];
    /* queue and stats: shared */
    pthread_mutex_t lock;
    pthread_cond_t wake, drained;
    alert_item *queue[QUEUE_MAX];
    unsigned head, count;
    bool busy, stopping, reopen;
    pthread_t thread;
    sw_alert_stats stats;
    /* delivery thread only */
    FILE *json;
    int syslog_fd;                  /* -1 until connected */
};

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

static bool deliver_json(sw_alerts *a, const alert_item *it)
{
    if (!a->json) {
        a->json = fopen(a->json_path, "a");
        if (!a->json)
            return false;
    }
    if (fprintf(a->json, "%s\n", it->json) < 0 || fflush(a->json) != 0) {
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

/* One RFC 3164 datagram to the local syslog socket. The socket is
 * non-blocking: a syslog daemon that stopped reading makes this fail, not
 * wait. Reconnects after an error (the daemon was restarted). */
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
    if (send(a->syslog_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, MSG_NOSIGNAL) < 0) {
        close(a->syslog_fd);
        a->syslog_fd = -1;
        return false;
    }
    return true;
}

static void deliver(sw_alerts *a, const alert_item *it)
{
    if (a->cfg.syslog)
        count(a, deliver_syslog(a, it));
    if (a->json_path)
        count(a, deliver_json(a, it));
    if (a->exec_cmd)
        count(a, deliver_exec(a, it));
}

static void *delivery_main(void *arg)
{
    sw_alerts *a = arg;
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    pthread_mutex_lock(&a->lock);
    for (;;) {
        if (a->reopen) {
            a->reopen = false;
            pthread_mutex_unlock(&a->lock);
            if (a->json) {
                fclose(a->json);
                a->json = NULL;
            }
            pthread_mutex_lock(&a->lock);
        }
        if (!a->count) {
            pthread_cond_broadcast(&a->drained);
            if (a->stopping)
                break;
            pthread_cond_wait(&a->wake, &a->lock);
            continue;
        }
        alert_item *it = a->queue[a->head];
        a->head = (a->head + 1) % QUEUE_MAX;
        a->count--;
        a->busy = true;
        pthread_mutex_unlock(&a->lock);
        deliver(a, it);
        item_free(it);
        pthread_mutex_lock(&a->lock);
        a->busy = false;
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* ---- decisions (the capture thread) -------------------------------------------- */

static void enqueue(sw_alerts *a, alert_item *it)
{
    pthread_mutex_lock(&a->lock);
    a->stats.queued++;
    if (a->count == QUEUE_MAX) {
        a->stats.failed++;
        pthread_mutex_unlock(&a->lock);
        item_free(it);
        return;
    }
    a->queue[(a->head + a->count) % QUEUE_MAX] = it;
    a->count++;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
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
    pthread_cond_init(&a->wake, NULL);
    pthread_cond_init(&a->drained, NULL);
    if (pthread_create(&a->thread, NULL, delivery_main, a) != 0) {
        snprintf(err, errlen, "cannot start the alert thread");
        if (a->json)
            fclose(a->json);
        free(a->json_path);
        free(a->exec_cmd);
        free(a);
        return NULL;
    }
    return a;
}

void sw_alerts_reopen(sw_alerts *a)
{
    pthread_mutex_lock(&a->lock);
    a->reopen = true;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
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
    while ((a->count || a->busy) && pthread_cond_timedwait(&a->drained, &a->lock, &deadline) == 0)
        ;
    pthread_mutex_unlock(&a->lock);
}

void sw_alerts_destroy(sw_alerts *a, sw_time_us now, unsigned timeout_ms)
{
    if (!a)
        return;
    sw_alerts_flush(a, now, timeout_ms);
    pthread_mutex_lock(&a->lock);
    /* Whatever is still queued after the wait is dropped, and counted. */
    while (a->count) {
        item_free(a->queue[a->head]);
        a->head = (a->head + 1) % QUEUE_MAX;
        a->count--;
        a->stats.failed++;
    }
    __atomic_store_n(&a->stopping, true, __ATOMIC_RELAXED);   /* also cuts a running command short */
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    if (a->json)
        fclose(a->json);
    if (a->syslog_fd >= 0)
        close(a->syslog_fd);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->wake);
    pthread_cond_destroy(&a->drained);
    free(a->json_path);
    free(a->exec_cmd);
    free(a);
}

void sw_alerts_get_stats(sw_alerts *a, sw_alert_stats *stats)
{
    pthread_mutex_lock(&a->lock);
    *stats = a->stats;
    pthread_mutex_unlock(&a->lock);
}
