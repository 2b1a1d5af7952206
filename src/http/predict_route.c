/* POST /predict: receive the body within the size limit (raw, JSON or
 * multipart), hand its image (or each image of a batch, as a job of its own)
 * to the worker pool with the connection suspended, and answer with the
 * top-k as JSON once the pool has called back for every image. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/image_decode.h"
#include "http_request.h"
#include "metrics.h"

#define MULTIPART_BUFFER 65536

/* Makes sure the request holds at least n bytes of the server's body budget. */
static int reserve(http_request *r, size_t n)
{
    if (n <= r->body_reserved)
        return 0;
    if (server_body_take(r->server, n - r->body_reserved) < 0)
        return -1;
    r->body_reserved = n;
    return 0;
}

/* Records why the body cannot be taken; it is answered once the body has been read. */
static void body_fails(http_request *r, int status, const char *message)
{
    if (!r->body_error) {
        r->body_error = status;
        r->body_error_message = message;
    }
}

#define BUDGET_EXHAUSTED "the server holds as many request bodies in memory as it may; retry shortly"

/* Adds bytes to the body buffer, which grows by doubling within the budget
 * (the whole Content-Length was taken from it when the request began). */
static int append(http_request *r, const char *data, size_t size)
{
    size_t limit = server_config(r->server)->max_body;
    if (size > limit - r->body_len) {
        body_fails(r, MHD_HTTP_CONTENT_TOO_LARGE, NULL);
        return -1;
    }
    if (r->body_len + size > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 65536;
        while (cap < r->body_len + size)
            cap *= 2;
        if (cap > limit)
            cap = limit;
        size_t parser = r->post ? MULTIPART_BUFFER : 0; /* also held in the budget */
        if (cap < r->body_reserved - parser) /* the announced length: no need to double past it */
            cap = r->body_reserved - parser;
        if (reserve(r, cap + parser) < 0) {
            body_fails(r, MHD_HTTP_SERVICE_UNAVAILABLE, BUDGET_EXHAUSTED);
            return -1;
        }
        uint8_t *b = realloc(r->body, cap);
        if (!b) {
            body_fails(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
            return -1;
        }
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, size);
    r->body_len += size;
    return 0;
}

/* libmicrohttpd's multipart parser calls this for every piece of every field. */
static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                               const char *content_type, const char *transfer_encoding, const char *data,
                               uint64_t off, size_t size)
{
    (void)kind;
    (void)key;
    (void)transfer_encoding;
    http_request *r = cls;
    if (!filename)
        return MHD_YES; /* ordinary form fields are ignored (their bytes still count against the limit) */
    if (!part_type_acceptable(content_type)) {
        body_fails(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                   "the uploaded file's Content-Type is not an image type: send one of " IMAGE_ACCEPTED_TYPES);
        return MHD_NO;
    }
    if (off == 0 && size > 0) { /* a part's first bytes (an empty call may come first) */
        if (r->file_parts == server_config(r->server)->max_batch) {
            body_fails(r, MHD_HTTP_CONTENT_TOO_LARGE,
                       "more file fields than one request may carry (--max-batch, at most --queue)");
            return MHD_NO;
        }
        r->part_start[r->file_parts++] = r->body_len;
    }
    return size == 0 || append(r, data, size) == 0 ? MHD_YES : MHD_NO;
}

/* On a worker thread, once per image: the last one resumes the connection. */
static void on_job_done(inference_job *job, void *arg)
{
    http_request *r = arg;
    (void)job;
    if (atomic_fetch_sub(&r->jobs_pending, 1) == 1) {
        atomic_store(&r->jobs_done, 1);
        MHD_resume_connection(r->conn);
    }
}

/* Query parameters k, model, crop; an error is answered right away. */
static int parse_query(http_request *r, enum MHD_Result *answered)
{
    const char *k = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "k");
    const char *model = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "model");
    const char *crop = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "crop");
    r->k = 3;
    if (k) {
        char *end;
        errno = 0;
        long v = strtol(k, &end, 10);
        if (errno || end == k || *end || v < 1 || v > PREDICT_MAX_K) {
            *answered = respond_error(r, MHD_HTTP_BAD_REQUEST, "invalid_parameter",
                                      "k must be an integer from 1 to %d, not '%.40s'", PREDICT_MAX_K, k);
            return -1;
        }
        r->k = (int)v;
    }
    r->crop = CROP_CENTER;
    if (crop && crop_mode_parse(crop, &r->crop) < 0) {
        *answered = respond_error(r, MHD_HTTP_BAD_REQUEST, "invalid_parameter",
                                  "crop must be 'center' or 'full', not '%.40s'", crop);
        return -1;
    }
    r->model = model_registry_find(server_models(r->server), model);
    if (!r->model) {
        *answered = respond_error(r, MHD_HTTP_NOT_FOUND, "model_not_found", "no model named '%.64s' is served",
                                  model);
        return -1;
    }
    return 0;
}

/* First call: everything that can be refused before reading the body. */
static enum MHD_Result begin(http_request *r)
{
    enum MHD_Result answered;
    if (parse_query(r, &answered) < 0)
        return answered;
    const char *length = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    size_t limit = server_config(r->server)->max_body;
    unsigned long long announced = length ? strtoull(length, NULL, 10) : 0;
    if (announced > limit)
        return respond_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                             "the body is %.20s bytes; the limit is %zu", length, limit);
    const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    r->kind = body_kind_of(type);
    /* The announced body, and a multipart parser's buffer, come out of the budget. */
    if (reserve(r, (size_t)announced + (r->kind == BODY_KIND_MULTIPART ? MULTIPART_BUFFER : 0)) < 0)
        return respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", BUDGET_EXHAUSTED);
    if (r->kind == BODY_KIND_UNSUPPORTED)
        return respond_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                             "send an image (" IMAGE_ACCEPTED_TYPES "), multipart/form-data with an image "
                             "file, or application/json {\"image\": \"data:image/png;base64,...\"}; got %.80s",
                             type ? type : "no Content-Type");
    if (r->kind == BODY_KIND_MULTIPART) {
        r->post = MHD_create_post_processor(r->conn, MULTIPART_BUFFER, on_part, r);
        if (!r->post)
            return respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_multipart",
                                 "multipart/form-data without a usable boundary");
    }
    r->phase = PHASE_RECEIVING;
    return MHD_YES;
}

/* libmicrohttpd (0.9.75) cannot answer in the middle of an upload, so a body
 * that turns out too large or malformed is read on and dropped (never
 * buffered), and answered at its end. Without a Content-Length that could go
 * on forever: past twice the limit the connection is simply closed. Every
 * byte of the body counts against the limit, whatever the media type: in a
 * multipart body the boundaries, headers and ordinary fields too. */
static enum MHD_Result receive(http_request *r, const char *upload, size_t *upload_size)
{
    size_t n = *upload_size, limit = server_config(r->server)->max_body;
    *upload_size = 0;
    r->bytes_in += n;
    if (!r->body_error && r->bytes_in > limit)
        body_fails(r, MHD_HTTP_CONTENT_TOO_LARGE, NULL);
    if (r->body_error)
        return r->bytes_in > 2 * limit ? MHD_NO : MHD_YES;
    if (r->post ? MHD_post_process(r->post, upload, n) != MHD_YES : append(r, upload, n) < 0)
        body_fails(r, MHD_HTTP_BAD_REQUEST, "malformed multipart/form-data body");
    return MHD_YES;
}

/* One job per image: images[i] is bytes[start[i] .. start[i + 1]). */
static int make_jobs(http_request *r, const uint8_t *bytes, const size_t *start, int count)
{
    r->jobs = calloc((size_t)count, sizeof *r->jobs);
    if (!r->jobs)
        return -1;
    r->job_count = count;
    for (int i = 0; i < count; i++)
        r->jobs[i] = (inference_job){.image = bytes + start[i], .len = start[i + 1] - start[i], .model = r->model,
                                     .crop = r->crop, .k = r->k, .done = on_job_done, .done_arg = r};
    return 0;
}

/* The images of a complete body, as jobs; an error is answered right away. */
static int collect_images(http_request *r, enum MHD_Result *answered)
{
    const size_t whole[2] = {0, r->body_len};
    if (r->kind == BODY_KIND_MULTIPART) {
        if (r->file_parts == 0) {
            *answered = respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_multipart", "no file field in the form");
            return -1;
        }
        r->batch = r->file_parts > 1;
        size_t start[BODY_MAX_IMAGES + 1];
        memcpy(start, r->part_start, (size_t)r->file_parts * sizeof *start);
        start[r->file_parts] = r->body_len;
        if (make_jobs(r, r->body, start, r->file_parts) == 0)
            return 0;
    } else if (r->kind == BODY_KIND_JSON) {
        /* Parsing copies the strings, decoding writes 3/4 of them again. */
        if (reserve(r, r->body_cap + 2 * r->body_len) < 0) {
            *answered = respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", BUDGET_EXHAUSTED);
            return -1;
        }
        char err[256];
        body_status st = body_images_from_json((const char *)r->body, r->body_len, server_config(r->server)->max_batch,
                                               &r->decoded, err, sizeof err);
        if (st != BODY_DECODED) {
            unsigned status = st == BODY_MALFORMED           ? MHD_HTTP_BAD_REQUEST
                              : st == BODY_TOO_MANY_IMAGES ? MHD_HTTP_CONTENT_TOO_LARGE
                                                           : MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
            const char *code = st == BODY_MALFORMED           ? "bad_request"
                               : st == BODY_TOO_MANY_IMAGES ? "batch_too_large"
                                                            : "unsupported_media_type";
            *answered = respond_error(r, status, code, "%s", err);
            return -1;
        }
        r->batch = r->decoded.batch;
        if (make_jobs(r, r->decoded.bytes, r->decoded.start, r->decoded.count) == 0)
            return 0;
    } else {
        if (r->body_len == 0) {
            *answered = respond_error(r, MHD_HTTP_BAD_REQUEST, "empty_body", "no image in the request body");
            return -1;
        }
        if (make_jobs(r, r->body, whole, 1) == 0)
            return 0;
    }
    *answered = respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory", "cannot hold the request's jobs");
    return -1;
}

/* Body complete: turn it into images and queue a job for each. */
static enum MHD_Result submit(http_request *r)
{
    const char *message = r->body_error_message;
    switch (r->body_error) {
    case 0: break;
    case MHD_HTTP_CONTENT_TOO_LARGE:
        if (message)
            return respond_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "batch_too_large", "%s (%d)", message,
                                 server_config(r->server)->max_batch);
        return respond_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                             "the body is larger than the limit of %zu bytes", server_config(r->server)->max_body);
    case MHD_HTTP_BAD_REQUEST: return respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_multipart", "%s", message);
    case MHD_HTTP_UNSUPPORTED_MEDIA_TYPE:
        return respond_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "%s", message);
    case MHD_HTTP_SERVICE_UNAVAILABLE: return respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "%s", message);
    default: return respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory", "cannot hold the request body");
    }
    if (r->post) {
        enum MHD_Result ok = MHD_destroy_post_processor(r->post);
        r->post = NULL;
        if (ok != MHD_YES)
            return respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_multipart", "malformed or unterminated multipart body");
    }
    enum MHD_Result answered;
    if (collect_images(r, &answered) < 0)
        return answered;

    atomic_store(&r->jobs_pending, r->job_count);
    /* Suspend first: the workers may finish (and resume) before submit returns. */
    MHD_suspend_connection(r->conn);
    if (worker_pool_submit_all(server_pool(r->server), r->jobs, r->job_count) < 0) {
        r->phase = PHASE_REJECTED;
        MHD_resume_connection(r->conn);
        return MHD_YES;
    }
    r->phase = PHASE_RUNNING;
    return MHD_YES;
}

/* The HTTP status and error code of an image's outcome (200, NULL for a prediction). */
static unsigned outcome_of(const inference_job *j, const char **code)
{
    switch (j->status) {
    case PREDICT_OK: *code = NULL; return MHD_HTTP_OK;
    case PREDICT_BAD_IMAGE: *code = "invalid_image"; return MHD_HTTP_BAD_REQUEST;
    case PREDICT_UNSUPPORTED_IMAGE: *code = "unsupported_media_type"; return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
    case PREDICT_TOO_MANY_PIXELS: *code = "image_too_large"; return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case PREDICT_TOO_SMALL: *code = "image_too_small"; return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case PREDICT_TOO_COMPLEX: *code = "image_too_complex"; return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case PREDICT_CANCELLED: *code = "shutting_down"; return MHD_HTTP_SERVICE_UNAVAILABLE;
    case PREDICT_INTERNAL: break;
    }
    *code = "internal";
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* An image's prediction as JSON; its stage times go to the metrics. */
static cJSON *prediction_json(const inference_job *j)
{
    const prediction_result *res = &j->result;
    metrics_observe(STAGE_QUEUE, j->queue_ms);
    metrics_observe(STAGE_DECODE, res->decode_ms);
    metrics_observe(STAGE_PREPROCESS, res->preprocess_ms);
    metrics_observe(STAGE_INFERENCE, res->inference_ms);

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", res->model->name);
    cJSON_AddStringToObject(root, "precision", res->model->precision);
    cJSON *preds = cJSON_AddArrayToObject(root, "predictions");
    for (int i = 0; i < res->count; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "label", res->top[i].label);
        cJSON_AddNumberToObject(p, "index", res->top[i].index);
        /* 6 decimals: enough for any threshold, without float noise in the JSON */
        char num[32];
        snprintf(num, sizeof num, "%.6f", (double)res->top[i].probability);
        cJSON_AddRawToObject(p, "probability", num);
        cJSON_AddStringToObject(p, "labels", res->top[i].labels);
        cJSON_AddItemToArray(preds, p);
    }
    cJSON *timing = cJSON_AddObjectToObject(root, "timing_ms");
    double total = j->queue_ms + res->decode_ms + res->preprocess_ms + res->inference_ms;
    const double t[] = {res->decode_ms, res->preprocess_ms, res->inference_ms, j->queue_ms, total};
    const char *names[] = {"decode", "preprocess", "inference", "queue", "total"};
    for (int i = 0; i < 5; i++) {
        char num[32];
        snprintf(num, sizeof num, "%.3f", t[i]);
        cJSON_AddRawToObject(timing, names[i], num);
    }
    cJSON_AddNumberToObject(root, "threads", res->threads);
    cJSON *image = cJSON_AddObjectToObject(root, "image");
    cJSON_AddNumberToObject(image, "width", res->width);
    cJSON_AddNumberToObject(image, "height", res->height);
    cJSON_AddStringToObject(image, "crop", crop_mode_name(j->crop));
    return root;
}

/* A batch: every image's prediction or error object, in order. */
static enum MHD_Result respond_batch(http_request *r)
{
    cJSON *root = cJSON_CreateObject(), *results = cJSON_AddArrayToObject(root, "results");
    for (int i = 0; i < r->job_count; i++) {
        const char *code;
        unsigned status = outcome_of(&r->jobs[i], &code);
        cJSON *item = code ? cJSON_CreateObject() : prediction_json(&r->jobs[i]);
        if (code) {
            cJSON *err = cJSON_AddObjectToObject(item, "error");
            cJSON_AddStringToObject(err, "code", code);
            cJSON_AddStringToObject(err, "message", r->jobs[i].error);
            cJSON_AddNumberToObject(err, "status", status);
        }
        cJSON_AddItemToArray(results, item);
    }
    return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
}

static enum MHD_Result respond_prediction(http_request *r)
{
    if (r->batch)
        return respond_batch(r);
    const inference_job *j = &r->jobs[0];
    const char *code;
    unsigned status = outcome_of(j, &code);
    if (code)
        return respond_error(r, status, code, "%s", j->error);
    return respond_cjson(r, MHD_HTTP_OK, prediction_json(j), NULL, NULL);
}

enum MHD_Result predict_route(http_request *r, const char *upload, size_t *upload_size)
{
    enum MHD_Result rc = MHD_YES;
    switch (r->phase) {
    case PHASE_NEW:
        rc = begin(r);
        break;
    case PHASE_RECEIVING:
        rc = *upload_size ? receive(r, upload, upload_size) : submit(r);
        break;
    case PHASE_RUNNING:
        if (atomic_load(&r->jobs_done))
            rc = respond_prediction(r);
        break; /* else woken early: keep waiting */
    case PHASE_REJECTED:
        rc = respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "overloaded", "the inference queue is full; retry shortly");
        break;
    case PHASE_RESPONDED:
        *upload_size = 0; /* the rest of an upload we already answered */
        break;
    }
    if (r->status)
        r->phase = PHASE_RESPONDED;
    return rc;
}

void predict_route_free(http_request *r)
{
    if (r->post)
        MHD_destroy_post_processor(r->post);
    free(r->body);
    free(r->decoded.bytes);
    free(r->jobs);
    server_body_give(r->server, r->body_reserved);
}
