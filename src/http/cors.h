/* Cross-origin access to the API routes (--cors-origin): which browser
 * origins may call them, and the Access-Control-Allow-Origin value a
 * request's Origin header earns. Off unless origins are given. Read-only
 * after parsing: thread-safe. */
#ifndef LOOKSLIKE_HTTP_CORS_H
#define LOOKSLIKE_HTTP_CORS_H

#include <stddef.h>

#define CORS_MAX_ORIGINS 32
#define CORS_MAX_ORIGIN 256

typedef struct {
    int any; /* "*": every origin */
    int count;
    char origins[CORS_MAX_ORIGINS][CORS_MAX_ORIGIN];
} cors_policy;

/* What a preflight answers: the methods and request headers the API takes,
 * and how long a browser may cache the answer. */
#define CORS_ALLOW_METHODS "GET, POST, OPTIONS"
#define CORS_ALLOW_HEADERS "Authorization, Content-Type, X-Request-ID, traceparent"
#define CORS_MAX_AGE "600"
/* Response headers a page's script may read besides the simple ones. */
#define CORS_EXPOSE_HEADERS "Retry-After, WWW-Authenticate, X-Request-ID"

/* "*" or a comma-separated list of origins, each scheme://host[:port] with
 * http or https and nothing after; 0, or -1 with the reason in err. */
int cors_parse(cors_policy *p, const char *list, char *err, size_t errlen);

/* The Access-Control-Allow-Origin value for a request's Origin header ("*", or
 * the origin itself), or NULL: no Origin header, or one not allowed. */
const char *cors_allow_origin(const cors_policy *p, const char *origin);

#endif
