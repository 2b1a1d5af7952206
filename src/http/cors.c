#include "cors.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* scheme://host[:port], nothing after: what a browser sends as Origin. */
static int origin_well_formed(const char *o, size_t n)
{
    size_t scheme = !strncmp(o, "http://", 7) ? 7 : !strncmp(o, "https://", 8) ? 8 : 0;
    if (!scheme || n == scheme)
        return 0;
    for (size_t i = scheme; i < n; i++)
        if (o[i] == '/' || o[i] == '?' || o[i] == '#' || o[i] == ' ' || o[i] == '*')
            return 0;
    return 1;
}

int cors_parse(cors_policy *p, const char *list, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    const char *s = list;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ",");
        while (n && s[n - 1] == ' ')
            n--;
        if (!n)
            break;
        if (n == 1 && *s == '*') {
            p->any = 1;
        } else if (!origin_well_formed(s, n) || n >= CORS_MAX_ORIGIN) {
            snprintf(err, errlen, "--cors-origin: '%.*s' is not an origin (scheme://host[:port], or *)", (int)n, s);
            return -1;
        } else if (p->count == CORS_MAX_ORIGINS) {
            snprintf(err, errlen, "--cors-origin: more than %d origins", CORS_MAX_ORIGINS);
            return -1;
        } else {
            memcpy(p->origins[p->count++], s, n);
        }
        s += strcspn(s, ",");
    }
    if (!p->any && !p->count) {
        snprintf(err, errlen, "--cors-origin: no origin given");
        return -1;
    }
    return 0;
}

const char *cors_allow_origin(const cors_policy *p, const char *origin)
{
    if (!origin || !*origin)
        return NULL;
    if (p->any)
        return "*";
    for (int i = 0; i < p->count; i++)
        if (!strcasecmp(p->origins[i], origin)) /* scheme and host are case-insensitive */
            return origin;
    return NULL;
}
