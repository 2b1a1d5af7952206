/* The budget for request bodies held in memory: all connections together may
 * hold at most `total` bytes (--max-body-total), and the connections of one
 * client address at most `per_client` of them (--max-body-per-client), so that
 * one client cannot pin what every other needs. A request takes bytes before
 * it buffers them and gives them back when it ends.
 *
 * An address is an IPv4 address, or an IPv6 address's /64 (one host can have a
 * whole /64). Thread-safe: a mutex around a table of the addresses that hold
 * bytes now (at most one per connection, so `slots` = the connection limit). */
#ifndef LOOKSLIKE_HTTP_BODY_BUDGET_H
#define LOOKSLIKE_HTTP_BODY_BUDGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
    uint8_t bytes[16];
} client_address;

/* The key of a peer's address (zeroes for an unknown family or NULL). */
client_address client_address_of(const struct sockaddr *sa);

typedef struct body_budget body_budget;

/* per_client 0: no per-address share. NULL when out of memory. */
body_budget *body_budget_new(size_t total, size_t per_client, int slots);
void body_budget_free(body_budget *b);
/* Takes n bytes for a request of `who`: 0, or -1 (nothing taken) when the
 * total or who's share cannot cover them. */
int body_budget_take(body_budget *b, const client_address *who, size_t n);
void body_budget_give(body_budget *b, const client_address *who, size_t n);
/* Bytes held now, all clients together. */
size_t body_budget_held(body_budget *b);
/* Whether n more bytes would fit now (a hint: nothing is taken). */
int body_budget_would_fit(body_budget *b, const client_address *who, size_t n);

#endif
