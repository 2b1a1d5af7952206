/* src/http/connection_watch.c on socket pairs (our end watched, the other
 * end the "client"): one client's share of connections, an IPv6 client
 * counted by its /64; connections still sending headers shed first near the
 * connection limit; and a waiting client whose stream ended: one that only
 * half-closed is probed (HTTP/1.1) and kept, one that closed is withdrawn,
 * an HTTP/1.0 one is neither probed nor withdrawn. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/http/connection_watch.h"
#include "check.h"

static atomic_int withdrawn;

static void *withdraw(void *request, void *cls)
{
    (void)cls;
    atomic_fetch_add(&withdrawn, 1);
    return request;
}

static void finish(void *w, void *cls)
{
    (void)w;
    (void)cls;
}

typedef struct {
    int ours, client;
    watched_connection *c;
} conn;

static client_address v6(const char *text)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, text, &sa.sin6_addr);
    return client_address_of((const struct sockaddr *)&sa);
}

static conn open_conn(connection_watch *w, const char *address)
{
    int sv[2];
    conn k = {-1, -1, NULL};
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        client_address who = v6(address);
        k = (conn){sv[0], sv[1], connection_watch_add(w, sv[0], &who)};
    }
    return k;
}

/* Whether the server closed the client's connection (its read end sees the end of the stream). */
static int closed(const conn *k)
{
    char b[64];
    return recv(k->client, b, sizeof b, MSG_DONTWAIT | MSG_PEEK) == 0;
}

static void close_conn(connection_watch *w, conn *k)
{
    connection_watch_remove(w, k->c);
    close(k->ours);
    if (k->client >= 0)
        close(k->client);
}

static void client_shares(void)
{
    connection_watch_config cfg = {.header_timeout_s = 60, .withdraw = withdraw, .finish = finish,
                                   .per_client = 4, .per_client_headers = 2, .slots = 16};
    connection_watch *w = connection_watch_start(&cfg);
    conn a[6], other[10];
    /* three addresses of one /64 are one client */
    a[0] = open_conn(w, "2001:db8::1");
    a[1] = open_conn(w, "2001:db8::2");
    check(!closed(&a[0]) && !closed(&a[1]), "two connections of a /64 sending headers: kept");
    a[2] = open_conn(w, "2001:db8::ffff:3");
    check(closed(&a[0]) && !closed(&a[1]) && !closed(&a[2]),
          "a third of the same /64 closes its oldest one still sending headers");
    connection_watch_set(w, a[1].c, WATCH_SERVING, &a[1], 1);
    connection_watch_set(w, a[2].c, WATCH_SERVING, &a[2], 1);
    a[3] = open_conn(w, "2001:db8::4");
    a[4] = open_conn(w, "2001:db8::5");
    check(!closed(&a[3]) && !closed(&a[4]), "with two of them serving, two more sending headers: 4, the share");
    a[5] = open_conn(w, "2001:db8::6");
    check(closed(&a[5]) && !closed(&a[1]) && !closed(&a[4]), "a fifth connection of the /64 is closed at once");
    other[0] = open_conn(w, "2001:db8:0:1::1");
    check(!closed(&other[0]), "another /64 is another client");
    connection_watch_stats st = connection_watch_counts(w);
    check(st.client_limit == 2 && st.shed == 0, "counted: 2 closed for the client's share (%ld), none shed (%ld)",
          st.client_limit, st.shed);

    /* near 16 slots (past 14 connections) each new one sheds the oldest still sending headers */
    connection_watch_set(w, other[0].c, WATCH_SERVING, &other[0], 1);
    for (int i = 1; i < 10; i++) {
        char address[64];
        snprintf(address, sizeof address, "2001:db8:0:%x::1", i + 1);
        other[i] = open_conn(w, address);
    }
    /* the 15th and 16th watched (closed ones count until removed) shed a[3], then a[4] */
    int others_open = 1;
    for (int i = 0; i < 10; i++)
        others_open &= !closed(&other[i]);
    check(closed(&a[3]) && closed(&a[4]) && others_open,
          "past 14 of 16 slots: each new connection sheds the oldest one still sending headers, none serving");
    st = connection_watch_counts(w);
    check(st.shed == 2, "shed counted: %ld", st.shed);
    for (int i = 0; i < 6; i++)
        close_conn(w, &a[i]);
    for (int i = 0; i < 10; i++)
        close_conn(w, &other[i]);
    connection_watch_stop(w);
}

/* Waits up to `ms` for the watch to withdraw `want` requests in all. */
static int withdrawn_within(int want, int ms)
{
    for (int t = 0; t < ms && atomic_load(&withdrawn) < want; t += 10)
        usleep(10000);
    return atomic_load(&withdrawn);
}

static void half_close(void)
{
    connection_watch_config cfg = {.header_timeout_s = 60, .withdraw = withdraw, .finish = finish};
    connection_watch *w = connection_watch_start(&cfg);
    conn k = open_conn(w, "2001:db8::1"), old = open_conn(w, "2001:db8::2");
    connection_watch_set(w, k.c, WATCH_WAITING, &k, 1);
    connection_watch_set(w, old.c, WATCH_WAITING, &old, 0);
    shutdown(k.client, SHUT_WR);
    shutdown(old.client, SHUT_WR);
    int n = withdrawn_within(1, 400);
    char got[64] = "";
    ssize_t len = recv(k.client, got, sizeof got - 1, MSG_DONTWAIT);
    check(n == 0, "clients that half-closed are not taken for gone (%d withdrawn)", n);
    check(len == 25 && !memcmp(got, "HTTP/1.1 100 Continue\r\n\r\n", 25), "the HTTP/1.1 one was sent 100 Continue");
    check(recv(old.client, got, sizeof got, MSG_DONTWAIT) < 0 && errno == EAGAIN,
          "the HTTP/1.0 one was sent nothing");
    close(k.client);
    k.client = -1;
    n = withdrawn_within(1, 1000);
    check(n == 1, "once the HTTP/1.1 client closes, its request is withdrawn (%d)", n);
    check(connection_watch_counts(w).gone == 1, "and counted gone");
    close_conn(w, &k);
    close_conn(w, &old);

    /* a client that closes at once while waiting: probed, the write fails, withdrawn */
    conn q = open_conn(w, "2001:db8::3");
    connection_watch_set(w, q.c, WATCH_WAITING, &q, 1);
    close(q.client);
    q.client = -1;
    n = withdrawn_within(2, 1000);
    check(n == 2, "a client that closed while waiting is withdrawn (%d in all)", n);
    close_conn(w, &q);
    connection_watch_stop(w);
}

int main(void)
{
    client_shares();
    half_close();
    return check_done();
}
