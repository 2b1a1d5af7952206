#include "body_budget.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    client_address who;
    size_t held; /* 0: the slot is free */
} client_share;

struct body_budget {
    pthread_mutex_t lock;
    size_t total, per_client, held;
    int slots;
    client_share *shares;
};

client_address client_address_of(const struct sockaddr *sa)
{
    client_address a = {{0}};
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        a.bytes[10] = a.bytes[11] = 0xff; /* as an IPv4-mapped IPv6 address */
        memcpy(a.bytes + 12, &v4->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        const uint8_t *p = v6->sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        memcpy(a.bytes, p, memcmp(p, mapped, sizeof mapped) ? 8 : 16); /* the /64, or the mapped IPv4 address */
    }
    return a;
}

body_budget *body_budget_new(size_t total, size_t per_client, int slots)
{
    body_budget *b = calloc(1, sizeof *b);
    if (!b || !(b->shares = calloc(slots > 0 ? (size_t)slots : 1, sizeof *b->shares))) {
        free(b);
        return NULL;
    }
    pthread_mutex_init(&b->lock, NULL);
    b->total = total;
    b->per_client = per_client;
    b->slots = slots > 0 ? slots : 1;
    return b;
}

void body_budget_free(body_budget *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->lock);
    free(b->shares);
    free(b);
}

/* who's slot; when who holds nothing, with claim: a free one (held 0), else
 * NULL (also when the table is full). Locked. */
static client_share *share_of(body_budget *b, const client_address *who, int claim)
{
    client_share *free_slot = NULL;
    for (int i = 0; i < b->slots; i++) {
        client_share *s = &b->shares[i];
        if (s->held && !memcmp(&s->who, who, sizeof *who))
            return s;
        if (!s->held && !free_slot)
            free_slot = s;
    }
    if (!claim || !free_slot)
        return NULL;
    free_slot->who = *who;
    return free_slot;
}

static int fits(body_budget *b, const client_share *s, size_t n)
{
    return n <= b->total - b->held && (!b->per_client || (s && n <= b->per_client - s->held));
}

int body_budget_take(body_budget *b, const client_address *who, size_t n)
{
    if (n == 0)
        return 0;
    pthread_mutex_lock(&b->lock);
    client_share *s = b->per_client ? share_of(b, who, 1) : NULL;
    int ok = fits(b, s, n);
    if (ok) {
        b->held += n;
        if (s)
            s->held += n;
    }
    pthread_mutex_unlock(&b->lock);
    return ok ? 0 : -1;
}

void body_budget_give(body_budget *b, const client_address *who, size_t n)
{
    if (n == 0)
        return;
    pthread_mutex_lock(&b->lock);
    b->held -= n;
    if (b->per_client) {
        client_share *s = share_of(b, who, 0);
        if (s)
            s->held -= n < s->held ? n : s->held; /* back to 0: the slot is free again */
    }
    pthread_mutex_unlock(&b->lock);
}

size_t body_budget_held(body_budget *b)
{
    pthread_mutex_lock(&b->lock);
    size_t held = b->held;
    pthread_mutex_unlock(&b->lock);
    return held;
}

int body_budget_would_fit(body_budget *b, const client_address *who, size_t n)
{
    pthread_mutex_lock(&b->lock);
    client_share *s = b->per_client ? share_of(b, who, 1) : NULL;
    int ok = fits(b, s, n);
    pthread_mutex_unlock(&b->lock);
    return ok;
}
