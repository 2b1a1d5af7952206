/* Per-request state of the HTTP layer, internal to src/http. */
#ifndef LOOKSLIKE_HTTP_REQUEST_H
#define LOOKSLIKE_HTTP_REQUEST_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../predict/worker_pool.h"
#include "../request/predict_request.h"
#include "server.h"

typedef enum {
    ROUTE_PREDICT,
    ROUTE_HEALTHZ,
    ROUTE_READYZ,
    ROUTE_MODELS,
    ROUTE_METRICS,
    ROUTE_STATIC,
    ROUTE_COUNT,
} route_id;

typedef enum {
    PREDICT_NEW, /* nothing checked yet */
    PREDICT_RECEIVING, /* body still arriving */
    PREDICT_RUNNING, /* submitted, connection suspended */
    PREDICT_REJECTED, /* queue full, 503 to send */
    PREDICT_RESPONDED,
} predict_phase;

typedef struct request {
    http_server *server;
    struct MHD_Connection *conn;
    route_id route;
    char method[16];
    char path[256];
    double started_ms;
    int status; /* of the response queued, for the log and metrics */
    size_t bytes_in;

    /* POST /predict */
    predict_phase phase;
    body_kind kind;
    uint8_t *body;
    size_t body_len, body_cap;
    struct MHD_PostProcessor *post;
    int file_parts; /* multipart file fields seen */
    int bad_part; /* a file part with a media type we do not take */
    int body_error; /* HTTP status to answer once the body has been drained */
    uint8_t *decoded; /* JSON: the base64-decoded image */
    inference_job job;
    atomic_int job_done;
} request;

/* Responses (responses.c). Each records r->status. */
enum MHD_Result respond_json(request *r, unsigned status, const char *json, const char *extra_header,
                             const char *extra_value);
/* Sends root as JSON and frees it. */
enum MHD_Result respond_cjson(request *r, unsigned status, cJSON *root, const char *extra_header,
                              const char *extra_value);
enum MHD_Result respond_error(request *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
enum MHD_Result respond_method_not_allowed(request *r, const char *allow);

/* Routes. */
enum MHD_Result predict_route(request *r, const char *upload, size_t *upload_size);
void predict_request_free(request *r);
enum MHD_Result static_route(request *r, const char *url);
int static_file_exists(http_server *s, const char *url);

/* Server internals the routes need (server.c). */
worker_pool *server_pool(http_server *s);
const model_registry *server_models(http_server *s);
const http_config *server_config(http_server *s);

#endif
