/* The HTTP transport: libmicrohttpd with an internal thread pool on epoll,
 * routing, limits and the access log. It hands images to the worker pool and
 * never runs the network itself. */
#ifndef LOOKSLIKE_HTTP_SERVER_H
#define LOOKSLIKE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "../predict/model_registry.h"
#include "../predict/worker_pool.h"
#include "api_keys.h"
#include "cors.h"

typedef struct {
    const char *bind; /* IPv4 or IPv6 address */
    int port;
    const char *static_dir;
    size_t max_body; /* bytes; larger bodies get 413 */
    size_t max_body_total; /* bytes of request bodies held at once, all connections together; beyond: 503 */
    size_t max_body_per_client; /* of those, one client address's at most (0: no share) */
    uint64_t max_pixels; /* one image's (refused from its header by the workers) */
    uint64_t max_request_pixels; /* the images of one request together, from their headers; beyond: 413 */
    double header_timeout_s; /* a request's headers must be in within this of the accept or the last response */
    size_t min_upload_rate; /* bytes/s a body must average after header_timeout_s (0: any pace) */
    int max_batch; /* images one request may carry (at most BODY_MAX_IMAGES) */
    int http_threads;
    int timeout_s; /* idle connection timeout */
    int max_connections;
    int per_ip_connections; /* 0 = no per-address limit */
    int access_log;
    const cors_policy *cors; /* NULL: no cross-origin access */
    const api_keys *keys; /* NULL: no keys required; else every upload (POST /predict, v2 infer) needs one */
    int metrics_need_key; /* with keys: /metrics needs one too */
} http_config;

typedef struct http_server http_server;

/* Serves `models` (the server takes a hold of it) on pool's workers. */
http_server *http_server_start(const http_config *cfg, worker_pool *pool, model_set *models, char *err,
                               size_t errlen);
/* From now on new requests are served from `next` (the server takes a hold
 * of it); requests in flight finish on the set they began with, which is
 * freed when the last of them and of their jobs is done. Thread-safe. */
void http_server_swap_models(http_server *s, model_set *next);
/* The port actually bound (useful with port 0). */
int http_server_port(http_server *s);
/* Begins shutdown: stops accepting connections, and answers requests that
 * arrive from now on (on kept-alive connections) 503 with "Connection: close";
 * requests in flight go on. */
void http_server_drain(http_server *s);
/* Requests received and not yet completed (counted per request, so an idle
 * kept-alive connection does not count). */
int http_server_in_flight(http_server *s);
/* Closes every connection and joins the HTTP threads. Call only once no
 * request is waiting on the worker pool (a suspended connection must be
 * resumed first): after it returns, no callback touches the pool. */
void http_server_stop(http_server *s);

#endif
