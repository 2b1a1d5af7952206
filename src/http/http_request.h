/* Per-request state of the HTTP layer, internal to src/http, and the server
 * internals the routes reach through it. How a request is answered:
 * responses.h; an upload's exchange: inference_exchange.h; the routes:
 * routes.h. */
#ifndef LOOKSLIKE_HTTP_HTTP_REQUEST_H
#define LOOKSLIKE_HTTP_HTTP_REQUEST_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../predict/worker_pool.h"
#include "../body/body_decode.h"
#include "../body/infer_request.h"
#include "body_budget.h"
#include "connection_watch.h"
#include "request_id.h"
#include "routes.h"
#include "server.h"
#include "v2_paths.h"

typedef enum {
    PHASE_NEW, /* nothing checked yet */
    PHASE_RECEIVING, /* body still arriving */
    PHASE_RECEIVED, /* body complete: submitted on libmicrohttpd's next turn (inference_exchange.c) */
    PHASE_RUNNING, /* submitted, connection suspended */
    PHASE_REJECTED, /* queue full, 503 to send */
    PHASE_RESPONDED,
} predict_phase;

/* What was wrong with the raw request line's URI, found before anything of it is cut. */
typedef enum {
    URI_OK,
    URI_ENCODED_NUL, /* "%00": would cut the decoded path short */
    URI_TOO_LONG, /* HTTP_MAX_URI bytes or more */
} uri_problem;

#define HTTP_MAX_URI 8192

typedef struct http_request {
    http_server *server;
    struct MHD_Connection *conn;
    const route *route; /* set with the headers (routes.h) */
    model_set *models; /* the models it is served from, held from the headers to its end */
    int uploads; /* the route's is an upload for inference, which alone takes a body */
    char method[16];
    char path[HTTP_MAX_URI]; /* the raw URI as received */
    uri_problem uri;
    int after_shutdown_began; /* arrived once the server had begun to drain: refused */
    double started_ms;
    int status; /* of the response queued, for the log and metrics */
    const char *cors_origin; /* Access-Control-Allow-Origin for this response, or NULL (cors.h) */
    char request_id[REQUEST_ID_SIZE]; /* set with the headers; "" before (request_id.h) */
    trace_context trace; /* a valid traceparent's ids, or empty */
    size_t bytes_in;
    client_address client; /* whose share of the body budget this request takes (body_budget.h) */
    watched_connection *watch; /* its connection in the server's connection watch, or NULL */
    int http11; /* an HTTP/1.1 request: it may be sent an interim response (connection_watch.h) */
    int has_body, body_read; /* it announced a body; all of it was read */

    /* POST /predict and /v2/models/NAME/infer: one image, or a batch, each
     * image a job of its own (inference_exchange.c) */
    predict_phase phase;
    body_kind kind;
    uint8_t *body;
    size_t body_len, body_cap;
    size_t body_reserved; /* bytes of the server's body budget this request holds */
    size_t announced; /* the Content-Length, 0 when none */
    struct MHD_PostProcessor *post;
    int file_parts; /* multipart file fields seen */
    size_t part_start[BODY_MAX_IMAGES]; /* where each file field's bytes begin in body */
    outcome body_error; /* to answer once the body has been drained */
    char body_error_message[160];
    int k; /* query parameters, for every image */
    crop_mode crop;
    const served_model *model;
    detection_request detection; /* a detector's (POST /detect); its class filter in class_mask */
    unsigned char *class_mask; /* ?classes=: one flag per class of the model, or NULL */
    detected_object *boxes; /* every job's boxes, detection.max per job (EXCHANGE_BOXES) */
    inference_job *jobs;
    int job_count;
    atomic_int jobs_pending; /* not yet done; the last one done resumes the connection */
    atomic_int jobs_done;
    float *probabilities; /* every job's outputs, job after job, when the route asked (exchange_make_jobs) */
    float *features; /* every job's features, the same way */
    float *heatmaps; /* every job's k class activation maps, the same way */
    int v2_error_form; /* errors as the Open Inference Protocol has them: {"error": "message"} */
    /* What is a route's own (its hooks release it): */
    union {
        struct { /* POST /predict and /detect */
            image_list images; /* in body, or (JSON) decoded from it */
            int batch; /* answered as {"results": [...]} */
            int features; /* ?features=1: each result has the model's features */
            int explain; /* ?explain=1: each of the top-k has its class activation map */
        } predict;
        struct { /* /v2 */
            v2_path path; /* the model and version named in the path */
            size_t json_length; /* Inference-Header-Content-Length, 0 when the body is all JSON */
            infer_request infer; /* the decoded inference request */
        } v2;
    };
} http_request;

/* Server internals the routes need (server.c). */
worker_pool *server_pool(http_server *s);
/* A hold of the set new requests are served from (model_set_release it). */
model_set *server_hold_models(http_server *s);
const http_config *server_config(http_server *s);
int server_draining(http_server *s);

/* The budget for request bodies held in memory (body_budget.h). */
body_budget *server_body_budget(http_server *s);
/* Tells the connection watch what r's connection does from now on (connection_watch.h). */
void server_watch(http_request *r, watch_state state);

#endif
