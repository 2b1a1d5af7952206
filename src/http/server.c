#include "server.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../clock.h"
#include "../json_text.h"
#include "../socket_address.h"
#include "metrics.h"
#include "http_request.h"
#include "inference_exchange.h"
#include "responses.h"

struct http_server {
    http_config cfg;
    char static_root[PATH_MAX]; /* realpath of cfg.static_dir */
    worker_pool *pool;
    pthread_mutex_t models_lock; /* taking a hold of `models` and swapping it are one step each */
    model_set *models; /* the set new requests get; held by the server */
    struct MHD_Daemon *daemon;
    atomic_int in_flight;
    atomic_int draining;
    body_budget *budget; /* request bodies held in memory: cfg.max_body_total, cfg.max_body_per_client */
    connection_watch *watch; /* header deadlines, body pace, clients gone while waiting */
    atomic_long dropped_images; /* queued images of clients gone, never run */
};

worker_pool *server_pool(http_server *s)
{
    return s->pool;
}

model_set *server_hold_models(http_server *s)
{
    pthread_mutex_lock(&s->models_lock);
    model_set *m = s->models;
    model_set_hold(m);
    pthread_mutex_unlock(&s->models_lock);
    return m;
}

void http_server_swap_models(http_server *s, model_set *next)
{
    model_set_hold(next);
    pthread_mutex_lock(&s->models_lock);
    model_set *old = s->models;
    s->models = next;
    pthread_mutex_unlock(&s->models_lock);
    model_set_release(old); /* freed once its last request and job are done */
}

const http_config *server_config(http_server *s)
{
    return &s->cfg;
}

int server_draining(http_server *s)
{
    return atomic_load(&s->draining);
}

body_budget *server_body_budget(http_server *s)
{
    return s->budget;
}

void server_watch(http_request *r, watch_state state)
{
    connection_watch_set(r->server->watch, r->watch, state, state == WATCH_HEADERS ? NULL : r, r->http11);
}

/* The connection watch's calls for a request whose client left while its
 * images waited: the queued ones are taken out (under the watch's lock),
 * then completed as cancelled; the last one resumes the connection, which
 * libmicrohttpd then finds closed. */
static void *withdraw_jobs(void *request, void *cls)
{
    http_request *r = request;
    return worker_pool_withdraw(((http_server *)cls)->pool, r->jobs, r->job_count);
}

static void finish_withdrawn(void *withdrawn, void *cls)
{
    http_server *s = cls;
    atomic_fetch_add(&s->dropped_images, worker_pool_complete_cancelled(withdrawn, "the client closed the connection"));
}

/* libmicrohttpd's connection notifications: each connection is watched from
 * its accept to its close (connection_watch.h says why the close must come
 * through here before the descriptor is closed). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *peer = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        client_address who = client_address_of(peer ? peer->client_addr : NULL);
        *socket_context = fd ? connection_watch_add(s->watch, fd->connect_fd, &who) : NULL;
    } else {
        connection_watch_remove(s->watch, *socket_context);
        *socket_context = NULL;
    }
}

/* Called with the raw request line's URI, before any unescaping: the request
 * state starts here, so the whole raw form is checked (for encoded NULs, and
 * its length) before it is stored. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_server *s = cls;
    http_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->server = s;
    r->conn = conn;
    r->started_ms = clock_ms();
    r->uri = strlen(uri) >= sizeof r->path ? URI_TOO_LONG : strcasestr(uri, "%00") ? URI_ENCODED_NUL : URI_OK;
    snprintf(r->path, sizeof r->path, "%s", uri);
    r->after_shutdown_began = atomic_load(&s->draining);
    const union MHD_ConnectionInfo *peer = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    r->client = client_address_of(peer ? peer->client_addr : NULL);
    const union MHD_ConnectionInfo *watch = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->watch = watch ? watch->socket_context : NULL;
    atomic_fetch_add(&s->in_flight, 1);
    return r;
}

/* Whether the request announces a body (a length other than 0, or chunks). */
static int has_body(http_request *r)
{
    const char *length = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *chunked = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return chunked || (length && strspn(length, "0") != strlen(length));
}

enum MHD_Result models_route(http_request *r, const route_call *call)
{
    (void)call;
    const model_registry *reg = &r->models->registry;
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "models");
    for (int i = 0; i < reg->count; i++) {
        model_description d;
        model_registry_describe(reg, i, &d);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", d.name);
        cJSON_AddStringToObject(o, "version", d.version);
        char loaded[32];
        strftime(loaded, sizeof loaded, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&d.loaded_at, &(struct tm){0}));
        cJSON_AddStringToObject(o, "loaded_at", loaded);
        cJSON_AddBoolToObject(o, "default", d.is_default);
        cJSON_AddStringToObject(o, "task", d.task);
        cJSON *in = cJSON_AddObjectToObject(o, "input");
        cJSON_AddNumberToObject(in, "width", d.width);
        cJSON_AddNumberToObject(in, "height", d.height);
        cJSON_AddNumberToObject(in, "channels", d.channels);
        cJSON_AddNumberToObject(o, "classes", d.classes);
        cJSON *examples = cJSON_AddArrayToObject(o, "example_labels");
        for (int k = 0; k < d.nexamples; k++)
            cJSON_AddItemToArray(examples, cJSON_CreateString(d.examples[k]));
        cJSON_AddNumberToObject(o, "outputs", d.outputs);
        cJSON_AddNumberToObject(o, "features", d.features);
        if (d.explains) { /* ?explain=1: its maps' cells */
            cJSON *map = cJSON_AddObjectToObject(o, "heatmap");
            cJSON_AddNumberToObject(map, "width", d.map_width);
            cJSON_AddNumberToObject(map, "height", d.map_height);
        }
        cJSON_AddStringToObject(o, "engine", d.engine);
        cJSON_AddStringToObject(o, "precision", d.precision);
        if (d.kernels)
            cJSON_AddStringToObject(o, "int8_kernels", d.kernels);
        cJSON_AddStringToObject(o, "preprocess", d.preprocess);
        cJSON_AddItemToArray(list, o);
    }
    return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
}

enum MHD_Result metrics_route(http_request *r, const route_call *call)
{
    (void)call;
    http_server *s = r->server;
    metrics_gauges g = {.queue_depth = worker_pool_queue_depth(s->pool),
                        .in_flight = atomic_load(&s->in_flight),
                        .busy_workers = worker_pool_busy(s->pool),
                        .ready = worker_pool_ready(s->pool) && !server_draining(s),
                        .body_bytes = (double)body_budget_held(s->budget),
                        .body_bytes_limit = (double)s->cfg.max_body_total,
                        .dropped_images = atomic_load(&s->dropped_images)};
    g.watch = connection_watch_counts(s->watch);
    model_description models[REGISTRY_MAX_MODELS];
    const model_registry *reg = &r->models->registry;
    for (int i = 0; i < reg->count; i++)
        model_registry_describe(reg, i, &models[i]);
    char *text = metrics_render(&g, models, reg->count);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    return respond_queue(r, MHD_HTTP_OK, resp);
}

/* With --api-key-file: the requests that need a key. */
static int needs_key(const http_request *r)
{
    const http_config *cfg = &r->server->cfg;
    return cfg->keys && (r->uploads || ((r->route->flags & ROUTE_METRICS_KEY) && cfg->metrics_need_key));
}

static const char *header(http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* The first call for a request, with its headers: what can be refused before
 * any body is read. MHD_YES without a response: go on. */
static enum MHD_Result begin_request(http_request *r, const char *url, const char *method, const char *version,
                                     int *answered)
{
    *answered = 1;
    r->http11 = version && !strcmp(version, MHD_HTTP_VERSION_1_1);
    r->has_body = has_body(r);
    server_watch(r, WATCH_SERVING); /* the headers are in */
    request_id_choose(header(r, REQUEST_ID_HEADER), r->request_id);
    trace_context_parse(header(r, "traceparent"), &r->trace);
    snprintf(r->method, sizeof r->method, "%s", method);
    r->route = route_of(url);
    r->models = server_hold_models(r->server); /* the set this request is served from, to its end */
    r->uploads = r->route->inference != NULL;
    r->v2_error_form = (r->route->flags & ROUTE_V2_ERRORS) != 0;
    if (r->uri == URI_TOO_LONG)
        return respond_error(r, OUTCOME_URI_TOO_LONG, "the request target is longer than %d bytes", HTTP_MAX_URI - 1);
    if (r->uri == URI_ENCODED_NUL)
        return respond_error(r, OUTCOME_BAD_PATH, "the path contains an encoded NUL byte");
    if (r->after_shutdown_began)
        return respond_error(r, OUTCOME_SHUTTING_DOWN, "the server is shutting down");
    const http_config *cfg = &r->server->cfg;
    if (cfg->cors && (r->route->flags & ROUTE_CROSS_ORIGIN)) {
        r->cors_origin = cors_allow_origin(cfg->cors, header(r, "Origin"));
        if (!strcmp(method, "OPTIONS")) /* a preflight carries no credentials */
            return respond_preflight(r);
    }
    if (needs_key(r) && !api_keys_accept(cfg->keys, header(r, MHD_HTTP_HEADER_AUTHORIZATION)))
        return respond_unauthorized(r);
    if (!r->uploads && has_body(r)) {
        /* Only uploads take a body: answer now, without reading it (the
         * connection then closes). */
        if (!route_answers(r->route, method))
            return route_refuse(r, url);
        return respond_error(r, OUTCOME_BODY_NOT_ALLOWED, "%s %.200s takes no request body", method, url);
    }
    /* Anything but an upload answers on the next call: a response queued
     * before the (empty) body was read makes libmicrohttpd close the
     * connection instead of keeping it alive. */
    *answered = !r->uploads;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)conn;
    http_request *r = *con_cls;
    if (!r)
        return MHD_NO;
    if (!r->method[0]) {
        int answered;
        enum MHD_Result rc = begin_request(r, url, method, version, &answered);
        if (answered)
            return rc;
    } else if (*upload_size == 0) {
        r->body_read = 1; /* a call without data after the first: the whole body is in */
    }
    if (r->status && r->phase == PHASE_NEW) { /* answered in begin_request (or below) */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!route_answers(r->route, method))
        return route_refuse(r, url);
    const route_call call = {url, method, upload, upload_size};
    if (r->uploads)
        return inference_exchange(r, &call);
    return r->route->handle(r, &call);
}

static void log_request(http_request *r, double ms, enum MHD_RequestTerminationCode why)
{
    char method[sizeof r->method * 6], path[256]; /* cut to fit: still valid JSON (json_text.h) */
    json_escape(r->method, method, sizeof method);
    json_escape(r->path, path, sizeof path);
    char trace[128] = ""; /* the ids are sane (request_id.h): as they are */
    if (r->trace.trace_id[0])
        snprintf(trace, sizeof trace, ",\"trace_id\":\"%s\",\"parent_id\":\"%s\"", r->trace.trace_id,
                 r->trace.parent_id);
    fprintf(stderr, "{\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"ms\":%.3f,\"bytes_in\":%zu,\"request_id\":\"%s\"%s%s}\n",
            method, path, r->status, ms, r->bytes_in, r->request_id, trace,
            why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
    http_server *s = cls;
    (void)conn;
    http_request *r = *con_cls;
    if (!r)
        return;
    double ms = clock_ms() - r->started_ms;
    if (r->method[0]) {
        metrics_count_request(r->route->label, r->status);
        if (r->job_count > 0 && r->status == MHD_HTTP_OK)
            metrics_observe(STAGE_TOTAL, ms); /* an inference, answered */
        if (s->cfg.access_log)
            log_request(r, ms, why);
    }
    /* Out of the watch's sight first (under its lock): from then on it cannot
     * withdraw this request's jobs, which are freed next. */
    server_watch(r, WATCH_HEADERS); /* the next request's, on a kept-alive connection */
    if (r->has_body && !r->body_read) /* answered early: if the connection closes now, it lingers */
        connection_watch_linger(s->watch, r->watch);
    if (r->route && r->uploads)
        inference_exchange_free(r);
    model_set_release(r->models);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

http_server *http_server_start(const http_config *cfg, worker_pool *pool, model_set *models, char *err,
                               size_t errlen)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->pool = pool;
    pthread_mutex_init(&s->models_lock, NULL);
    s->models = models; /* held below, once started: the caller holds it until then */
    if (!realpath(cfg->static_dir, s->static_root)) {
        snprintf(err, errlen, "static directory %s: not found", cfg->static_dir);
        free(s);
        return NULL;
    }
    s->cfg.static_dir = s->static_root;
    connection_watch_config wc = {.header_timeout_s = cfg->header_timeout_s,
                                  .min_rate = (double)cfg->min_upload_rate,
                                  .rate_grace_s = cfg->header_timeout_s,
                                  .withdraw = withdraw_jobs,
                                  .finish = finish_withdrawn,
                                  .cls = s,
                                  .per_client = cfg->per_ip_connections,
                                  .per_client_headers = (cfg->per_ip_connections + 1) / 2,
                                  .slots = cfg->max_connections};
    s->budget = body_budget_new(cfg->max_body_total, cfg->max_body_per_client, cfg->max_connections);
    s->watch = s->budget ? connection_watch_start(&wc) : NULL;
    if (!s->watch) {
        snprintf(err, errlen, "out of memory");
        body_budget_free(s->budget);
        free(s);
        return NULL;
    }

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct sockaddr_storage addr;
    if (!socket_address_parse(cfg->bind, cfg->port, &addr)) {
        snprintf(err, errlen, "--bind %s is not an IPv4 or IPv6 address", cfg->bind);
        free(s);
        return NULL;
    }
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s port %d (in use, or not permitted)", cfg->bind, cfg->port);
        connection_watch_stop(s->watch);
        body_budget_free(s->budget);
        free(s);
        return NULL;
    }
    model_set_hold(models);
    return s;
}

int http_server_port(http_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : s->cfg.port;
}

void http_server_drain(http_server *s)
{
    atomic_store(&s->draining, 1);
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
    connection_watch_stop(s->watch);
    body_budget_free(s->budget);
    model_set_release(s->models);
    pthread_mutex_destroy(&s->models_lock);
    free(s);
}
