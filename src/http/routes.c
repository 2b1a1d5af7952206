#include "routes.h"

#include <string.h>

#include "http_request.h"
#include "responses.h"
#include "v2_paths.h"

static enum MHD_Result healthz(http_request *r, const route_call *call)
{
    (void)call;
    return respond_json(r, MHD_HTTP_OK, "{\"status\":\"alive\"}", NULL, NULL);
}

static enum MHD_Result readyz(http_request *r, const route_call *call)
{
    (void)call;
    if (!server_draining(r->server) && worker_pool_ready(server_pool(r->server)))
        return respond_json(r, MHD_HTTP_OK, "{\"status\":\"ready\"}", NULL, NULL);
    return respond_error(r, OUTCOME_NOT_READY, "the models are not ready");
}

#define V2 (ROUTE_CROSS_ORIGIN | ROUTE_V2_ERRORS)

/* label, path, below, matches, methods, flags, inference, handle, exists */
static const route routes[] = {
    {"predict", "/predict", 0, NULL, "POST", ROUTE_CROSS_ORIGIN, &predict_inference, NULL, NULL},
    {"detect", "/detect", 0, NULL, "POST", ROUTE_CROSS_ORIGIN, &detect_inference, NULL, NULL},
    {"healthz", "/healthz", 0, NULL, "GET, HEAD", 0, NULL, healthz, NULL},
    {"readyz", "/readyz", 0, NULL, "GET, HEAD", 0, NULL, readyz, NULL},
    {"models", "/v1/models", 0, NULL, "GET, HEAD", ROUTE_CROSS_ORIGIN, NULL, models_route, NULL},
    {"metrics", "/metrics", 0, NULL, "GET, HEAD", ROUTE_METRICS_KEY, NULL, metrics_route, NULL},
    {"v2", "/v2", 1, v2_is_infer_path, "POST", V2, &v2_inference, NULL, NULL},
    {"v2", "/v2", 1, NULL, "GET, HEAD", V2, NULL, v2_route, v2_target_exists},
    {"static", "", 1, NULL, "GET, HEAD", 0, NULL, static_route, static_file_exists},
};

const route *route_of(const char *url)
{
    size_t n = sizeof routes / sizeof routes[0];
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(routes[i].path);
        if (!strncmp(url, routes[i].path, len) && (url[len] == '\0' || (routes[i].below && url[len] == '/')) &&
            (!routes[i].matches || routes[i].matches(url)))
            return &routes[i];
    }
    return &routes[n - 1];
}

int route_answers(const route *rt, const char *method)
{
    size_t n = strlen(method);
    for (const char *m = rt->methods; *m;) {
        size_t len = strcspn(m, ",");
        if (len == n && !strncmp(m, method, n))
            return 1;
        m += len;
        m += strspn(m, ", ");
    }
    return 0;
}

enum MHD_Result route_refuse(http_request *r, const char *url)
{
    if (r->route->exists && !r->route->exists(r->server, url))
        return respond_not_found(r, url);
    return respond_method_not_allowed(r, r->route->methods);
}
