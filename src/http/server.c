#include "server.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../clock.h"
#include "metrics.h"
#include "request.h"

struct http_server {
    http_config cfg;
    char static_root[PATH_MAX]; /* realpath of cfg.static_dir */
    worker_pool *pool;
    const model_registry *models;
    struct MHD_Daemon *daemon;
    atomic_int in_flight;
};

static const char *const route_names[ROUTE_COUNT] = {"predict", "healthz", "readyz", "models", "metrics", "static"};

worker_pool *server_pool(http_server *s)
{
    return s->pool;
}

const model_registry *server_models(http_server *s)
{
    return s->models;
}

const http_config *server_config(http_server *s)
{
    return &s->cfg;
}

static route_id route_of(const char *url)
{
    static const struct {
        const char *path;
        route_id id;
    } table[] = {{"/predict", ROUTE_PREDICT}, {"/healthz", ROUTE_HEALTHZ}, {"/readyz", ROUTE_READYZ},
                 {"/v1/models", ROUTE_MODELS}, {"/metrics", ROUTE_METRICS}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(url, table[i].path))
            return table[i].id;
    return ROUTE_STATIC;
}

/* Called with the raw request line's URI, before any unescaping: the request
 * state starts here, so the raw form can be checked for encoded NULs. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_server *s = cls;
    request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->server = s;
    r->conn = conn;
    r->started_ms = clock_ms();
    snprintf(r->path, sizeof r->path, "%s", uri);
    atomic_fetch_add(&s->in_flight, 1);
    return r;
}

static enum MHD_Result models_route(request *r)
{
    const model_registry *reg = r->server->models;
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "models");
    for (int i = 0; i < reg->count; i++) {
        const served_model *m = &reg->models[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", m->name);
        cJSON_AddBoolToObject(o, "default", i == 0);
        cJSON *in = cJSON_AddObjectToObject(o, "input");
        cJSON_AddNumberToObject(in, "width", m->model.input.w);
        cJSON_AddNumberToObject(in, "height", m->model.input.h);
        cJSON_AddNumberToObject(in, "channels", m->model.input.c);
        cJSON_AddNumberToObject(o, "classes", m->labels.count - (m->labels.background >= 0));
        cJSON_AddNumberToObject(o, "outputs", (double)nn_model_outputs(&m->model));
        cJSON_AddStringToObject(o, "engine", worker_pool_engine(r->server->pool));
        cJSON_AddItemToArray(list, o);
    }
    return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
}

static enum MHD_Result metrics_route(request *r)
{
    http_server *s = r->server;
    metrics_gauges g = {worker_pool_queue_depth(s->pool), atomic_load(&s->in_flight), worker_pool_busy(s->pool),
                        worker_pool_ready(s->pool)};
    metrics_model models[REGISTRY_MAX_MODELS];
    for (int i = 0; i < s->models->count; i++) {
        const served_model *m = &s->models->models[i];
        models[i] = (metrics_model){m->name, worker_pool_engine(s->pool), m->model.input.w, m->model.input.h,
                                    m->model.input.c, (int)nn_model_outputs(&m->model)};
    }
    char *text = metrics_render(&g, models, s->models->count);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    r->status = MHD_HTTP_OK;
    enum MHD_Result rc = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result get_route(request *r, const char *url)
{
    switch (r->route) {
    case ROUTE_HEALTHZ: return respond_json(r, MHD_HTTP_OK, "{\"status\":\"alive\"}", NULL, NULL);
    case ROUTE_READYZ:
        if (worker_pool_ready(r->server->pool))
            return respond_json(r, MHD_HTTP_OK, "{\"status\":\"ready\"}", NULL, NULL);
        return respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "not_ready", "the models are not ready");
    case ROUTE_MODELS: return models_route(r);
    case ROUTE_METRICS: return metrics_route(r);
    default: return static_route(r, url);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)conn;
    (void)version;
    request *r = *con_cls;
    if (!r)
        return MHD_NO;
    if (!r->method[0]) { /* first call for this request: headers only */
        snprintf(r->method, sizeof r->method, "%s", method);
        r->route = route_of(url);
        if (strcasestr(r->path, "%00"))
            return respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_path", "the path contains an encoded NUL byte");
        /* Anything but /predict answers on the next call: a response queued
         * before the (empty) body was read makes libmicrohttpd close the
         * connection instead of keeping it alive. */
        if (r->route != ROUTE_PREDICT)
            return MHD_YES;
    }
    if (r->route != ROUTE_PREDICT && *upload_size) {
        /* Other routes take no body: skip it (within the limit), answer after. */
        r->bytes_in += *upload_size;
        *upload_size = 0;
        if (r->bytes_in > r->server->cfg.max_body && !r->status)
            return respond_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large", "unexpected large body");
        return MHD_YES;
    }
    if (r->status && r->route != ROUTE_PREDICT)
        return MHD_YES;
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (r->route == ROUTE_PREDICT) {
        if (strcmp(method, "POST"))
            return respond_method_not_allowed(r, "POST");
        return predict_route(r, upload, upload_size);
    }
    if (get)
        return get_route(r, url);
    if (r->route == ROUTE_STATIC && !static_file_exists(r->server, url))
        return respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource: %.200s", url);
    return respond_method_not_allowed(r, "GET, HEAD");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
    http_server *s = cls;
    (void)conn;
    request *r = *con_cls;
    if (!r)
        return;
    double ms = clock_ms() - r->started_ms;
    if (r->method[0]) {
        metrics_count_request(route_names[r->route], r->status);
        if (r->route == ROUTE_PREDICT && r->status == MHD_HTTP_OK)
            metrics_observe(STAGE_TOTAL, ms);
        if (s->cfg.access_log) {
            /* One JSON line per request; the path is cut and stripped of quotes and controls. */
            char path[128];
            size_t j = 0;
            for (size_t i = 0; r->path[i] && j < sizeof path - 1; i++)
                path[j++] = (r->path[i] == '"' || r->path[i] == '\\' || (unsigned char)r->path[i] < 0x20)
                                ? '?'
                                : r->path[i];
            path[j] = '\0';
            fprintf(stderr,
                    "{\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"ms\":%.3f,\"bytes_in\":%zu%s}\n",
                    r->method, path, r->status, ms, r->bytes_in,
                    why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
        }
    }
    if (r->route == ROUTE_PREDICT)
        predict_request_free(r);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

http_server *http_server_start(const http_config *cfg, worker_pool *pool, const model_registry *models, char *err,
                               size_t errlen)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->pool = pool;
    s->models = models;
    if (!realpath(cfg->static_dir, s->static_root)) {
        snprintf(err, errlen, "static directory %s: not found", cfg->static_dir);
        free(s);
        return NULL;
    }
    s->cfg.static_dir = s->static_root;

    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, cfg->bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "--bind %s is not an IPv4 or IPv6 address", cfg->bind);
        free(s);
        return NULL;
    }
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s port %d (in use, or not permitted)", cfg->bind, cfg->port);
        free(s);
        return NULL;
    }
    return s;
}

int http_server_port(http_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : s->cfg.port;
}

void http_server_quiesce(http_server *s)
{
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int http_server_in_flight(http_server *s)
{
    return atomic_load(&s->in_flight);
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
