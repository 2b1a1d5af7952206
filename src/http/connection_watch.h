/* What libmicrohttpd (0.9.75) does not watch on its connections, watched by a
 * thread of our own ten times a second:
 *  - a request's headers: its --timeout is an idle timeout, so a client that
 *    sends one byte every few seconds could hold a connection for ever
 *    (slowloris). A connection waiting for headers longer than
 *    header_timeout_s (counted from its accept, or from its last response) is
 *    closed;
 *  - a body's pace: one arriving slower than min_rate bytes/s on average, once
 *    rate_grace_s have passed, is closed (its budget comes back);
 *  - a request waiting for inference (its connection suspended, so
 *    libmicrohttpd does not read it): when the client has closed its end, the
 *    request's queued work is withdrawn (the `gone` callback) instead of being
 *    computed for nobody.
 * Closing is shutdown(2) of the socket; libmicrohttpd then sees the stream end
 * and closes and cleans up the connection as for any client that leaves. It
 * happens under the lock that conn_watch_remove takes, which libmicrohttpd
 * calls (from its connection-closed notification) before it closes the
 * descriptor, so a descriptor number already reused is never touched.
 *
 * Threading: every function may be called from any thread. */
#ifndef LOOKSLIKE_HTTP_CONNECTION_WATCH_H
#define LOOKSLIKE_HTTP_CONNECTION_WATCH_H

#include <stddef.h>

typedef enum {
    WATCH_HEADERS, /* waiting for a request's headers: the header deadline runs */
    WATCH_BODY, /* receiving a body: its pace is watched */
    WATCH_WAITING, /* suspended while its images are inferred: a client that leaves is noticed */
    WATCH_SERVING, /* anything else: libmicrohttpd's idle timeout alone */
} watch_state;

typedef struct {
    double header_timeout_s;
    double min_rate; /* bytes per second, on average over the body so far; 0: not watched */
    double rate_grace_s; /* a body's first seconds, not judged */
    /* For a WATCH_WAITING connection whose client has gone, once per
     * request: `withdraw` under the watch's lock (while the request cannot
     * end: ending it takes that lock), which must only take the request's
     * queued work out of the queue, not complete it, and returns it; then
     * `finish` with that, without the lock (the withdrawn work, not done yet,
     * keeps the request alive). */
    void *(*withdraw)(void *request, void *cls);
    void (*finish)(void *withdrawn, void *cls);
    void *cls;
} connection_watch_config;

typedef struct connection_watch connection_watch;
typedef struct watched_connection watched_connection;

connection_watch *connection_watch_start(const connection_watch_config *cfg);
/* Stops the thread; call after every connection was removed. */
void connection_watch_stop(connection_watch *w);

/* A new connection (in WATCH_HEADERS); NULL when out of memory (then unwatched). */
watched_connection *connection_watch_add(connection_watch *w, int fd);
/* The connection is closing; c is freed. */
void connection_watch_remove(connection_watch *w, watched_connection *c);
/* A new state from now on, for `request` (NULL in WATCH_HEADERS). c may be NULL (no-op). */
void connection_watch_set(connection_watch *w, watched_connection *c, watch_state state, void *request);
/* n more body bytes arrived. */
void connection_watch_body_bytes(watched_connection *c, size_t n);
/* Connections closed for each reason so far (for /metrics). */
void connection_watch_counts(connection_watch *w, long *header_timeouts, long *slow_bodies, long *gone);

#endif
