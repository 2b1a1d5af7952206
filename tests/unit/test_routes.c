/* src/http/routes.c: the entry each path gets (the inference uploads, v2's
 * two entries under one prefix, the static files as the fallback) and the
 * methods an entry answers. The handlers are this file's stand-ins: the
 * table is compared by which of them it names. */
#include <string.h>

#include "../../src/http/inference_exchange.h"
#include "../../src/http/responses.h"
#include "../../src/http/routes.h"
#include "check.h"

/* Stand-ins for what the table names and its two own handlers call. */
const inference_route predict_inference, detect_inference, v2_inference;
#define HANDLER(name)                                                                                                 \
    enum MHD_Result name(http_request *r, const route_call *call)                                                    \
    {                                                                                                                  \
        (void)r;                                                                                                       \
        (void)call;                                                                                                    \
        return MHD_NO;                                                                                                 \
    }
HANDLER(v2_route)
HANDLER(static_route)
HANDLER(models_route)
HANDLER(metrics_route)
#define EVERY_PATH_EXISTS(name)                                                                                \
    int name(http_server *s, const char *url)                                                                          \
    {                                                                                                                  \
        (void)s;                                                                                                       \
        (void)url;                                                                                                     \
        return 1;                                                                                                      \
    }
EVERY_PATH_EXISTS(v2_target_exists)
EVERY_PATH_EXISTS(static_file_exists)
enum MHD_Result respond_json(http_request *r, unsigned status, const char *json, const char *extra_header,
                             const char *extra_value)
{
    (void)r, (void)status, (void)json, (void)extra_header, (void)extra_value;
    return MHD_NO;
}
enum MHD_Result respond_error(http_request *r, outcome o, const char *fmt, ...)
{
    (void)r, (void)o, (void)fmt;
    return MHD_NO;
}
#define REFUSAL(name)                                                                                          \
    enum MHD_Result name(http_request *r, const char *text)                                                            \
    {                                                                                                                  \
        (void)r, (void)text;                                                                                           \
        return MHD_NO;                                                                                                 \
    }
REFUSAL(respond_method_not_allowed)
REFUSAL(respond_not_found)
int server_draining(http_server *s)
{
    (void)s;
    return 0;
}
worker_pool *server_pool(http_server *s)
{
    (void)s;
    return NULL;
}
int worker_pool_ready(worker_pool *p)
{
    (void)p;
    return 1;
}

typedef enum MHD_Result (*handler)(http_request *, const route_call *);

static const struct {
    const char *url;
    const char *label;
    const inference_route *inference; /* the upload's hooks, or NULL and: */
    handler handle; /* NULL: one of routes.c's own (health, readiness) */
} cases[] = {
    {"/predict", "predict", &predict_inference, NULL},
    {"/predict/", "static", NULL, static_route}, /* /predict takes nothing below it */
    {"/predictions", "static", NULL, static_route},
    {"/detect", "detect", &detect_inference, NULL},
    {"/detect/x", "static", NULL, static_route},
    {"/v2/models/m/infer", "v2", &v2_inference, NULL},
    {"/v2/models/m/versions/3f2a9c01b7d4/infer", "v2", &v2_inference, NULL},
    {"/v2/models/m/infer/", "v2", NULL, v2_route}, /* not an inference path: v2's other entry (404 there) */
    {"/v2/models/m/versions/9/infer/x", "v2", NULL, v2_route},
    {"/v2/models/m", "v2", NULL, v2_route},
    {"/v2/health/ready", "v2", NULL, v2_route},
    {"/v2", "v2", NULL, v2_route},
    {"/v2x", "static", NULL, static_route},
    {"/v1/models", "models", NULL, models_route},
    {"/v1/models/x", "static", NULL, static_route},
    {"/metrics", "metrics", NULL, metrics_route},
    {"/healthz", "healthz", NULL, NULL},
    {"/readyz", "readyz", NULL, NULL},
    {"/", "static", NULL, static_route},
    {"/index.html", "static", NULL, static_route},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const route *rt = route_of(cases[i].url);
        int handled = cases[i].handle ? rt->handle == cases[i].handle : rt->handle != NULL;
        check(!strcmp(rt->label, cases[i].label) && rt->inference == cases[i].inference &&
                  (cases[i].inference ? rt->handle == NULL : handled),
              "%s -> the %s entry, %s", cases[i].url, rt->label, rt->inference ? "an upload" : "a handler");
    }
    /* An upload answers POST alone; the others GET and HEAD; the whole method, not a prefix. */
    const route *predict = route_of("/predict"), *health = route_of("/healthz");
    check(route_answers(predict, "POST") && !route_answers(predict, "GET") && !route_answers(predict, "OPTIONS"),
          "/predict answers POST only");
    check(route_answers(health, "GET") && route_answers(health, "HEAD") && !route_answers(health, "POST") &&
              !route_answers(health, "GE") && !route_answers(health, "HEADER") && !route_answers(health, ""),
          "/healthz answers GET and HEAD, and no prefix or extension of them");
    check(route_answers(route_of("/v2/models/m/infer"), "POST") && !route_answers(route_of("/v2/models/m"), "POST"),
          "v2: POST to inference only");
    return check_done();
}
