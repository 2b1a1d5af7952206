#include "connection_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../clock.h"

#define TICK_MS 100
#define SHORT_TICK_MS 10 /* while connections linger (their data read this often), and after a probe */
#define LINGER_S 10.0
#define LINGER_IDLE_S 2.0
#define LINGER_BYTES ((size_t)64 << 20)
#define LINGER_MAX 256 /* lingering connections at once; past that one closes at once */

struct watched_connection {
    watched_connection *prev, *next;
    int fd;
    client_address who;
    watch_state state;
    double since; /* ms, when the state began */
    void *request;
    int gone_told; /* in WATCH_WAITING: the request's work was withdrawn already */
    int may_probe; /* in WATCH_WAITING: the client takes an interim response (HTTP/1.1) */
    int probed; /* in WATCH_WAITING: its stream ended, and the interim response was sent */
    int shut; /* shut down already */
    int linger; /* answered before its body was read: it lingers if it closes now */
    double linger_until, linger_idle_until; /* lingering: ms */
    size_t discarded; /* lingering: bytes read and dropped */
    atomic_size_t body_bytes; /* in WATCH_BODY, since it began */
};

struct connection_watch {
    connection_watch_config cfg;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int stopping;
    watched_connection *head;
    int count; /* connections watched: the poll below needs room for as many */
    watched_connection *lingering; /* closed by libmicrohttpd, kept on a dup'd descriptor (the header) */
    int nlingering;
    int probed; /* an interim response went out last tick: the next one comes sooner */
    connection_watch_stats stats;
    /* the watch thread's: one entry per waiting connection, polled each tick */
    struct pollfd *fds;
    void **items;
    int cap;
};

/* Takes c out of the list at *head. Locked. */
static void unlink_from(watched_connection **head, watched_connection *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *head = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

/* Closes c's stream (see the header). Locked. */
static void shut(watched_connection *c)
{
    if (!c->shut) {
        shutdown(c->fd, SHUT_RDWR);
        c->shut = 1;
    }
}

/* Deadlines and pace. Locked. */
static void check_deadlines(connection_watch *w, double now)
{
    for (watched_connection *c = w->head; c; c = c->next) {
        double s = (now - c->since) / 1000;
        if (c->state == WATCH_HEADERS && s > w->cfg.header_timeout_s && !c->shut) {
            shut(c);
            w->stats.header_timeouts++;
        } else if (c->state == WATCH_BODY && w->cfg.min_rate > 0 && s > w->cfg.rate_grace_s && !c->shut &&
                   (double)atomic_load(&c->body_bytes) < w->cfg.min_rate * s) {
            shut(c);
            w->stats.slow_bodies++;
        }
    }
}

/* Whether a waiting client whose stream has ended (FIN: it half-closed or
 * closed) has closed: an HTTP/1.1 client is sent an interim response, which
 * one that closed answers with a reset, and one that only half-closed reads
 * before its answer. The reset is looked for at once (over loopback it has
 * come back by then) and on the next ticks as POLLHUP or POLLERR, the next
 * one sooner (w->probed). Without that, an ended stream is a client still
 * waiting. Locked. */
static int closed_after_probe(connection_watch *w, watched_connection *c)
{
    static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (c->probed || !c->may_probe)
        return 0;
    c->probed = w->probed = 1;
    ssize_t n = send(c->fd, interim, sizeof interim - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0)
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    struct pollfd reset = {.fd = c->fd};
    return poll(&reset, 1, 0) == 1 && (reset.revents & (POLLHUP | POLLERR));
}

/* The waiting requests whose client has closed its connection (a reset, or
 * closed_after_probe): what withdraw() took of each, in w->items, to be
 * finished outside the lock; how many. Locked. */
static int find_gone(connection_watch *w)
{
    if (w->cap < w->count) { /* room for every connection (else a few are looked at next tick) */
        struct pollfd *fds = realloc(w->fds, (size_t)w->count * sizeof *fds);
        if (fds)
            w->fds = fds;
        void **items = realloc(w->items, (size_t)w->count * sizeof *items);
        if (items)
            w->items = items;
        if (fds && items)
            w->cap = w->count;
    }
    int n = 0;
    for (watched_connection *c = w->head; c && n < w->cap; c = c->next)
        if (c->state == WATCH_WAITING && !c->gone_told) {
            w->fds[n] = (struct pollfd){.fd = c->fd, .events = POLLRDHUP};
            w->items[n++] = c;
        }
    if (n == 0 || poll(w->fds, (nfds_t)n, 0) <= 0)
        return 0;
    int gone = 0;
    for (int i = 0; i < n; i++) {
        watched_connection *c = w->items[i];
        short ev = w->fds[i].revents;
        if ((ev & (POLLHUP | POLLERR)) || ((ev & POLLRDHUP) && closed_after_probe(w, c))) {
            c->gone_told = 1;
            w->stats.gone++;
            void *withdrawn = w->cfg.withdraw(c->request, w->cfg.cls);
            if (withdrawn)
                w->items[gone++] = withdrawn;
        }
    }
    return gone;
}

/* Reads and drops what lingering clients send; closes those done. Locked. */
static void drain_lingering(connection_watch *w, double now)
{
    static char scratch[65536]; /* the watch thread's alone */
    for (watched_connection *c = w->lingering, *next; c; c = next) {
        next = c->next;
        ssize_t n;
        while ((n = recv(c->fd, scratch, sizeof scratch, MSG_DONTWAIT)) > 0) {
            c->discarded += (size_t)n;
            c->linger_idle_until = now + LINGER_IDLE_S * 1000;
            if (c->discarded > LINGER_BYTES)
                break;
        }
        int ended = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        if (ended || now > c->linger_until || now > c->linger_idle_until || c->discarded > LINGER_BYTES) {
            unlink_from(&w->lingering, c);
            w->nlingering--;
            close(c->fd);
            free(c);
        }
    }
}

static void *watch_main(void *arg)
{
    connection_watch *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (w->lingering || w->probed ? SHORT_TICK_MS : TICK_MS) * 1000000L;
        w->probed = 0;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
        if (w->stopping)
            break;
        check_deadlines(w, clock_ms());
        drain_lingering(w, clock_ms());
        int gone = find_gone(w);
        /* w->items is this thread's alone: it may be read without the lock */
        pthread_mutex_unlock(&w->lock);
        for (int i = 0; i < gone; i++)
            w->cfg.finish(w->items[i], w->cfg.cls);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

connection_watch *connection_watch_start(const connection_watch_config *cfg)
{
    connection_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cfg = *cfg;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w);
        return NULL;
    }
    return w;
}

void connection_watch_stop(connection_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    while (w->head) /* none, if every connection was removed */
        connection_watch_remove(w, w->head);
    while (w->lingering) {
        watched_connection *c = w->lingering;
        w->lingering = c->next;
        close(c->fd);
        free(c);
    }
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w->fds);
    free(w->items);
    free(w);
}

/* Whether c is a connection still sending its request's headers (or idle between requests). */
static int sending_headers(const watched_connection *c)
{
    return c->state == WATCH_HEADERS && !c->shut;
}

/* The new connection c against the limits (see the header). Locked. */
static void admit(connection_watch *w, watched_connection *c)
{
    int total = 0, headers = 0;
    watched_connection *oldest_own = NULL, *oldest = NULL;
    for (watched_connection *o = w->head; o; o = o->next) {
        if (o == c || o->shut)
            continue;
        int own = !memcmp(&o->who, &c->who, sizeof c->who);
        total += own;
        if (!sending_headers(o))
            continue;
        headers += own;
        if (own && (!oldest_own || o->since < oldest_own->since))
            oldest_own = o;
        if (!oldest || o->since < oldest->since)
            oldest = o;
    }
    const connection_watch_config *cfg = &w->cfg;
    if (cfg->per_client && total >= cfg->per_client) {
        shut(c);
        w->stats.client_limit++;
        return;
    }
    if (cfg->per_client_headers && headers >= cfg->per_client_headers && oldest_own) {
        shut(oldest_own);
        w->stats.client_limit++;
        if (oldest == oldest_own)
            oldest = NULL;
    }
    if (cfg->slots && w->count > cfg->slots - cfg->slots / 8 && oldest) {
        shut(oldest);
        w->stats.shed++;
    }
}

watched_connection *connection_watch_add(connection_watch *w, int fd, const client_address *who)
{
    watched_connection *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->who = *who;
    c->state = WATCH_HEADERS;
    c->since = clock_ms();
    pthread_mutex_lock(&w->lock);
    c->next = w->head;
    if (w->head)
        w->head->prev = c;
    w->head = c;
    w->count++;
    admit(w, c);
    pthread_mutex_unlock(&w->lock);
    return c;
}

void connection_watch_remove(connection_watch *w, watched_connection *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->lock);
    unlink_from(&w->head, c);
    w->count--;
    /* A lingering close: the answer was sent (libmicrohttpd is closing), so
     * the writing end is shut and the reading end drained from now on. */
    int fd = c->linger && !c->shut && w->nlingering < LINGER_MAX && !w->stopping ? fcntl(c->fd, F_DUPFD_CLOEXEC, 0)
                                                                                 : -1;
    if (fd >= 0) {
        shutdown(fd, SHUT_WR);
        double now = clock_ms();
        *c = (watched_connection){.fd = fd,
                                  .linger_until = now + LINGER_S * 1000,
                                  .linger_idle_until = now + LINGER_IDLE_S * 1000,
                                  .next = w->lingering};
        if (w->lingering)
            w->lingering->prev = c;
        w->lingering = c;
        w->nlingering++;
        w->stats.lingered++;
        pthread_cond_signal(&w->wake); /* to the faster tick */
        c = NULL;
    }
    pthread_mutex_unlock(&w->lock);
    free(c);
}

void connection_watch_linger(connection_watch *w, watched_connection *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->lock);
    c->linger = 1;
    pthread_mutex_unlock(&w->lock);
}

void connection_watch_set(connection_watch *w, watched_connection *c, watch_state state, void *request,
                          int may_probe)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->lock);
    c->gone_told = c->probed = c->linger = 0; /* a request waits once: a new state is a new watch */
    c->may_probe = may_probe;
    c->state = state;
    c->request = request;
    c->since = clock_ms();
    atomic_store(&c->body_bytes, 0);
    pthread_mutex_unlock(&w->lock);
}

void connection_watch_body_bytes(watched_connection *c, size_t n)
{
    if (c)
        atomic_fetch_add(&c->body_bytes, n);
}

connection_watch_stats connection_watch_counts(connection_watch *w)
{
    pthread_mutex_lock(&w->lock);
    connection_watch_stats stats = w->stats;
    pthread_mutex_unlock(&w->lock);
    return stats;
}
