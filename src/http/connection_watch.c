#include "connection_watch.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "../clock.h"

#define TICK_MS 100

struct watched_connection {
    watched_connection *prev, *next;
    int fd;
    watch_state state;
    double since; /* ms, when the state began */
    void *request;
    int gone_told; /* in WATCH_WAITING: the request's work was withdrawn already */
    int shut; /* shut down already */
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
    long header_timeouts, slow_bodies, gone;
    /* the watch thread's: one entry per waiting connection, polled each tick */
    struct pollfd *fds;
    void **items;
    int cap;
};

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
            w->header_timeouts++;
        } else if (c->state == WATCH_BODY && w->cfg.min_rate > 0 && s > w->cfg.rate_grace_s && !c->shut &&
                   (double)atomic_load(&c->body_bytes) < w->cfg.min_rate * s) {
            shut(c);
            w->slow_bodies++;
        }
    }
}

/* The waiting requests whose client has closed its end: what withdraw()
 * took of each, in w->items, to be finished outside the lock; how many. Locked. */
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
    for (int i = 0; i < n; i++)
        if (w->fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
            watched_connection *c = w->items[i];
            c->gone_told = 1;
            w->gone++;
            void *withdrawn = w->cfg.withdraw(c->request, w->cfg.cls);
            if (withdrawn)
                w->items[gone++] = withdrawn;
        }
    return gone;
}

static void *watch_main(void *arg)
{
    connection_watch *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
        if (w->stopping)
            break;
        check_deadlines(w, clock_ms());
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
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w->fds);
    free(w->items);
    free(w);
}

watched_connection *connection_watch_add(connection_watch *w, int fd)
{
    watched_connection *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->state = WATCH_HEADERS;
    c->since = clock_ms();
    pthread_mutex_lock(&w->lock);
    c->next = w->head;
    if (w->head)
        w->head->prev = c;
    w->head = c;
    w->count++;
    pthread_mutex_unlock(&w->lock);
    return c;
}

void connection_watch_remove(connection_watch *w, watched_connection *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->count--;
    pthread_mutex_unlock(&w->lock);
    free(c);
}

void connection_watch_set(connection_watch *w, watched_connection *c, watch_state state, void *request)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->lock);
    c->gone_told = 0; /* a request waits once: a new state is a new watch */
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

void connection_watch_counts(connection_watch *w, long *header_timeouts, long *slow_bodies, long *gone)
{
    pthread_mutex_lock(&w->lock);
    *header_timeouts = w->header_timeouts;
    *slow_bodies = w->slow_bodies;
    *gone = w->gone;
    pthread_mutex_unlock(&w->lock);
}
