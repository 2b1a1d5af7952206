/* The routes, in one table (routes.c). What the server core does for a
 * request, which methods it answers, whether it takes a body, needs an API
 * key, answers other origins, how its errors look and its /metrics label, is
 * read from its entry: a new route is its handler and one entry there. */
#ifndef LOOKSLIKE_HTTP_ROUTES_H
#define LOOKSLIKE_HTTP_ROUTES_H

#include <microhttpd.h>
#include <stddef.h>

typedef struct http_request http_request;
typedef struct http_server http_server;
typedef struct inference_route inference_route;

/* One call of libmicrohttpd's request handler, as a route sees it. */
typedef struct {
    const char *url, *method;
    const char *upload; /* the body's bytes of this call */
    size_t *upload_size; /* how many; set to what was not taken */
} route_call;

#define ROUTE_CROSS_ORIGIN 1u /* answers other origins (--cors-origin) */
#define ROUTE_METRICS_KEY 2u /* needs the API key when --metrics-need-key says so */
#define ROUTE_V2_ERRORS 4u /* errors as the Open Inference Protocol has them: {"error": "message"} */

typedef struct route {
    const char *label; /* lookslike_requests_total{route="..."} */
    const char *path; /* this path; with `below`, every path under it too ("/v2", "/v2/...") */
    int below;
    /* Whether the entry takes url, of those `path` and `below` let through;
     * NULL: all of them. */
    int (*matches)(const char *url);
    const char *methods; /* the methods answered, as an Allow header lists them */
    unsigned flags; /* ROUTE_* */
    /* What answers: an upload of images for inference, which alone takes a
     * body and, where keys are set, needs one (inference_exchange.c calls
     * the hooks); or, for the others, the handler. */
    const inference_route *inference;
    enum MHD_Result (*handle)(http_request *r, const route_call *call);
    /* Whether a path under the route names something; a method not in
     * `methods` is then 405, else 404. NULL: every path does. */
    int (*exists)(http_server *s, const char *url);
} route;

/* The route of a path: the first entry that matches it (the last, the static files, matches any). */
const route *route_of(const char *url);
/* Whether method is one of the route's methods. */
int route_answers(const route *rt, const char *method);
/* The answer to a method the route does not answer: 405, or 404 for a path that names nothing. */
enum MHD_Result route_refuse(http_request *r, const char *url);

/* The handlers (each file's own). */
extern const inference_route predict_inference; /* predict_route.c */
extern const inference_route detect_inference; /* detect_route.c */
extern const inference_route v2_inference; /* v2_route.c; its paths: v2_paths.c */
enum MHD_Result v2_route(http_request *r, const route_call *call);
int v2_target_exists(http_server *s, const char *url);
enum MHD_Result static_route(http_request *r, const route_call *call); /* static_files.c */
int static_file_exists(http_server *s, const char *url);
enum MHD_Result models_route(http_request *r, const route_call *call); /* server.c */
enum MHD_Result metrics_route(http_request *r, const route_call *call);

#endif
