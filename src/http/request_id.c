/* X-Request-ID and traceparent (request_id.h). */
#include "request_id.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int request_id_sane(const char *id)
{
    if (!id)
        return 0;
    size_t n = 0;
    for (const char *p = id; *p; p++, n++) {
        unsigned char c = (unsigned char)*p;
        int letter_or_digit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (n == REQUEST_ID_MAX || !(letter_or_digit || strchr("-_.:/+=@~", c)))
            return 0;
    }
    return n > 0;
}

/* 16 bytes no other request of this process gets: the kernel's random bits;
 * should getrandom fail, the time, the process and a counter. */
static void unique_bytes(uint8_t out[16])
{
    if (getrandom(out, 16, GRND_NONBLOCK) == 16)
        return;
    static atomic_uint_fast64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    uint64_t b = ((uint64_t)getpid() << 40) ^ atomic_fetch_add(&counter, 1);
    memcpy(out, &a, 8);
    memcpy(out + 8, &b, 8);
}

int request_id_choose(const char *given, char out[REQUEST_ID_SIZE])
{
    if (request_id_sane(given)) {
        memcpy(out, given, strlen(given) + 1);
        return 1;
    }
    uint8_t bytes[16];
    unique_bytes(bytes);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return 0;
}

/* n lowercase hex digits at s, not all zero when nonzero is asked. */
static int hex_field(const char *s, size_t n, int nonzero)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
        any |= s[i] != '0';
    }
    return any || !nonzero;
}

/* version "-" trace-id "-" parent-id "-" flags: 2, 32, 16 and 2 hex digits,
 * 55 characters. Version ff is invalid; version 00 is exactly this; a later
 * version may go on after a "-", and its first 55 characters are read as 00's. */
int trace_context_parse(const char *traceparent, trace_context *t)
{
    memset(t, 0, sizeof *t);
    const char *s = traceparent;
    if (!s || strnlen(s, 56) < 55 || !hex_field(s, 2, 0) || !strncmp(s, "ff", 2) || s[2] != '-' ||
        !hex_field(s + 3, 32, 1) || s[35] != '-' || !hex_field(s + 36, 16, 1) || s[52] != '-' ||
        !hex_field(s + 53, 2, 0))
        return 0;
    if (s[55] && (!strncmp(s, "00", 2) || s[55] != '-'))
        return 0;
    memcpy(t->trace_id, s + 3, 32);
    memcpy(t->parent_id, s + 36, 16);
    return 1;
}
