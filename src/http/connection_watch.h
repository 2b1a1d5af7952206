/* What libmicrohttpd (0.9.75) does not watch on its connections, watched by a
 * thread of our own ten times a second (a hundred while connections linger,
 * and right after a probe):
 *  - a request's headers: its --timeout is an idle timeout, so a client that
 *    sends one byte every few seconds could hold a connection for ever
 *    (slowloris). A connection waiting for headers longer than
 *    header_timeout_s (counted from its accept, or from its last response) is
 *    closed;
 *  - a body's pace: one arriving slower than min_rate bytes/s on average, once
 *    rate_grace_s have passed, is closed (its budget comes back);
 *  - a request waiting for inference (its connection suspended, so
 *    libmicrohttpd does not read it): when the client has closed its
 *    connection, the request's queued work is withdrawn (the `gone` callback)
 *    instead of being computed for nobody. An ended stream alone is no proof:
 *    a client may half-close after sending (shutdown(SHUT_WR), as `nc -N`
 *    does) and wait for its answer. So a client whose stream ended is sent an
 *    interim response, "HTTP/1.1 100 Continue" (which every HTTP/1.1 client
 *    reads past, RFC 9110 15.2), when its request allows one (HTTP/1.1):
 *    a closed socket answers that with a reset, and only a reset (or a
 *    failed write) means gone. An HTTP/1.0 client is never probed, so it is
 *    served whether it left or not. (libmicrohttpd itself closes a
 *    connection whose end it reads: an end that comes with the body's last
 *    bytes, before the request waits, still loses the request.)
 *  - one client's share of the connections: a client is an IPv4 address or
 *    an IPv6 /64 (one host has a whole /64), as for the body budget
 *    (body_budget.h). A new connection of a client that has per_client
 *    already is closed at once; when a client has per_client_headers
 *    connections still sending headers (or idle between requests), its
 *    oldest such one is closed for the new one; and when the connections
 *    come near `slots` (past seven eighths), each new one closes the oldest
 *    connection still sending headers of any client, so that clients that
 *    send requests find room while those that only hold connections lose
 *    them first. (libmicrohttpd's own per-address limit keys an IPv6
 *    client by its whole /128.)
 *  - a lingering close (RFC 9112 9.6, nginx's lingering_close): a request
 *    answered before its body was read (an unknown model, a bad key, 413)
 *    makes libmicrohttpd close the connection while the client still sends;
 *    closed with unread data, the socket resets, and the reset can reach the
 *    client before its answer does, which the client then loses. So such a
 *    connection (connection_watch_linger) is, at its close, kept open on a
 *    descriptor of the watch's own (dup(2)), its writing end shut, and read
 *    and discarded until the client closes, for at most LINGER_S seconds,
 *    LINGER_IDLE_S without data, or LINGER_BYTES; then closed.
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

#include "body_budget.h" /* client_address */

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
    int per_client; /* connections one client may have (0: no limit) */
    int per_client_headers; /* of them, still sending headers (0: no limit) */
    int slots; /* the server's connection limit (0: none shed) */
} connection_watch_config;

/* Connections closed for each reason so far, and clients gone (for /metrics). */
typedef struct {
    long header_timeouts, slow_bodies, client_limit, shed;
    long lingered; /* connections closed with a lingering close */
    long gone; /* waiting requests whose client left */
} connection_watch_stats;

typedef struct connection_watch connection_watch;
typedef struct watched_connection watched_connection;

connection_watch *connection_watch_start(const connection_watch_config *cfg);
/* Stops the thread; call after every connection was removed. */
void connection_watch_stop(connection_watch *w);

/* A new connection of client `who` (in WATCH_HEADERS), held to the limits
 * above at once; NULL when out of memory (then unwatched). */
watched_connection *connection_watch_add(connection_watch *w, int fd, const client_address *who);
/* The connection is closing; c is freed (or lingers: connection_watch_linger). */
void connection_watch_remove(connection_watch *w, watched_connection *c);
/* The request on c was answered before its body was read: if the connection
 * closes before its next request, it lingers. c may be NULL (no-op). */
void connection_watch_linger(connection_watch *w, watched_connection *c);
/* A new state from now on, for `request` (NULL in WATCH_HEADERS); may_probe:
 * the request is HTTP/1.1 (an interim response may be sent while it waits).
 * c may be NULL (no-op). */
void connection_watch_set(connection_watch *w, watched_connection *c, watch_state state, void *request,
                          int may_probe);
/* n more body bytes arrived. */
void connection_watch_body_bytes(watched_connection *c, size_t n);
connection_watch_stats connection_watch_counts(connection_watch *w);

#endif
