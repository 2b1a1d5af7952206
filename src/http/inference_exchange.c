/* The life of a request that uploads images and waits for their inference
 * (POST /predict, POST /v2/models/NAME/infer): the body received within
 * --max-body and the server's body budget (raw, or multipart with a file
 * field per image), one job per image queued whole, the connection
 * suspended until the workers have called back for the last image; the
 * route's hooks (inference_route) parse what is theirs and answer. */
#include "inference_exchange.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/image_decode.h"
#include "http_request.h"
#include "responses.h"
#include "metrics.h"

#define MULTIPART_BUFFER 65536
#define BUDGET_EXHAUSTED "the server holds as many request bodies in memory as it may; retry shortly"
#define TOO_LARGE "the body is larger than the limit of %zu bytes"

/* Makes sure the request holds at least n bytes of the server's body budget: 0, or -1. */
static int exchange_reserve(http_request *r, size_t n)
{
    if (n <= r->body_reserved)
        return 0;
    if (body_budget_take(server_body_budget(r->server), &r->client, n - r->body_reserved) < 0)
        return -1;
    r->body_reserved = n;
    return 0;
}

/* Frees the body buffer and gives back all the request holds of the budget but `keep` bytes. */
static void drop_body(http_request *r, size_t keep)
{
    free(r->body);
    r->body = NULL;
    r->body_len = r->body_cap = 0;
    if (r->body_reserved > keep) {
        body_budget_give(server_body_budget(r->server), &r->client, r->body_reserved - keep);
        r->body_reserved = keep;
    }
}

/* Records why the body cannot be taken; it is answered once the body has
 * been read, and read on without being kept: its buffer and its budget go now
 * (all but a multipart parser's, which may be running this very call), so
 * that uploads still growing can have them. */
static void body_fails(http_request *r, outcome o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void body_fails(http_request *r, outcome o, const char *fmt, ...)
{
    if (!r->body_error) {
        r->body_error = o;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->body_error_message, sizeof r->body_error_message, fmt, ap);
        va_end(ap);
    }
    drop_body(r, r->post ? MULTIPART_BUFFER : 0);
}

/* Adds bytes to the body buffer, which grows by doubling (up to the announced
 * length), each step taken from the budget as the bytes arrive: a client
 * holds at most twice what it has sent, not what it announced. */
static int append(http_request *r, const char *data, size_t size)
{
    size_t limit = server_config(r->server)->max_body;
    if (size > limit - r->body_len) {
        body_fails(r, OUTCOME_BODY_TOO_LARGE, TOO_LARGE, limit);
        return -1;
    }
    if (r->body_len + size > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 65536;
        while (cap < r->body_len + size)
            cap *= 2;
        if (cap > limit)
            cap = limit;
        if (r->announced && cap > r->announced && r->announced >= r->body_len + size)
            cap = r->announced; /* no need to double past it */
        size_t parser = r->post ? MULTIPART_BUFFER : 0; /* also held in the budget */
        if (exchange_reserve(r, cap + parser) < 0) {
            body_fails(r, OUTCOME_BUSY, BUDGET_EXHAUSTED);
            return -1;
        }
        uint8_t *b = realloc(r->body, cap);
        if (!b) {
            body_fails(r, OUTCOME_OUT_OF_MEMORY, "cannot hold the request body");
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
        body_fails(r, OUTCOME_UNSUPPORTED_MEDIA_TYPE,
                   "the uploaded file's Content-Type is not an image type: send one of %s", image_accepted_types());
        return MHD_NO;
    }
    if (off == 0 && size > 0) { /* a part's first bytes (an empty call may come first) */
        if (r->file_parts == server_config(r->server)->max_batch) {
            body_fails(r, OUTCOME_BATCH_TOO_LARGE,
                       "more file fields than one request may carry: %d (--max-batch, at most --queue)",
                       server_config(r->server)->max_batch);
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

/* What cJSON allocates per value: the node and the allocator's header. */
#define JSON_NODE_BYTES (sizeof(cJSON) + 16)

int exchange_class_filter(http_request *r, const char *list, outcome bad, enum MHD_Result *answered)
{
    char err[200];
    if (!(r->class_mask = calloc((size_t)r->model->labels.count, 1))) {
        *answered = respond_error(r, OUTCOME_OUT_OF_MEMORY, "cannot hold the class filter");
        return -1;
    }
    if (detect_class_mask(r->model->name, &r->model->labels, list, r->class_mask, err, sizeof err) < 0) {
        *answered = respond_error(r, bad, "%s", err);
        return -1;
    }
    r->detection.options.classes = r->class_mask;
    return 0;
}

int exchange_reserve_decoding(http_request *r, size_t json_len, enum MHD_Result *answered)
{
    size_t values = 1;
    for (size_t i = 0; i < json_len; i++)
        values += r->body[i] == ',' || r->body[i] == '[' || r->body[i] == '{' || r->body[i] == ':';
    size_t nodes = values * JSON_NODE_BYTES;
    if (nodes > server_config(r->server)->max_body_total) {
        *answered = respond_error(r, OUTCOME_BODY_TOO_LARGE,
                                  "%zu JSON values would take %zu MiB to parse, more than the server holds for "
                                  "request bodies; send fewer values (large tensors: as binary data)",
                                  values, nodes >> 20);
        return -1;
    }
    /* cJSON copies the strings (at most the body), decoding writes what they
     * hold (base64: 3/4 of them; numbers: a byte each) */
    if (exchange_reserve(r, r->body_reserved + nodes + 2 * r->body_len) < 0) {
        *answered = respond_error(r, OUTCOME_BUSY, BUDGET_EXHAUSTED);
        return -1;
    }
    return 0;
}

/* First call: the route's checks, then the announced length against the
 * limit and the budget, and a multipart parser if the body is a form. */
static enum MHD_Result begin(http_request *r, const inference_route *route, const char *url)
{
    enum MHD_Result answered;
    if (route->begin(r, url, &answered) < 0)
        return answered;
    const char *length = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    size_t limit = server_config(r->server)->max_body;
    unsigned long long announced = length ? strtoull(length, NULL, 10) : 0;
    if (announced > limit)
        return respond_error(r, OUTCOME_BODY_TOO_LARGE, "the body is %.20s bytes; the limit is %zu", length, limit);
    /* The body is taken from the budget as it arrives (append); a multipart
     * parser's buffer now. An announced length the budget could not hold now
     * is refused at once, before the client sends it. */
    size_t parser = r->kind == BODY_KIND_MULTIPART ? MULTIPART_BUFFER : 0;
    r->announced = (size_t)announced;
    if (!body_budget_would_fit(server_body_budget(r->server), &r->client, (size_t)announced + parser) ||
        exchange_reserve(r, parser) < 0)
        return respond_error(r, OUTCOME_BUSY, BUDGET_EXHAUSTED);
    if (r->kind == BODY_KIND_MULTIPART) {
        r->post = MHD_create_post_processor(r->conn, MULTIPART_BUFFER, on_part, r);
        if (!r->post)
            return respond_error(r, OUTCOME_BAD_MULTIPART, "multipart/form-data without a usable boundary");
    }
    r->phase = PHASE_RECEIVING;
    server_watch(r, WATCH_BODY);
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
    connection_watch_body_bytes(r->watch, n);
    if (!r->body_error && r->bytes_in > limit)
        body_fails(r, OUTCOME_BODY_TOO_LARGE, TOO_LARGE, limit);
    if (r->body_error)
        return r->bytes_in > 2 * limit ? MHD_NO : MHD_YES;
    if (r->post ? MHD_post_process(r->post, upload, n) != MHD_YES : append(r, upload, n) < 0)
        body_fails(r, OUTCOME_BAD_MULTIPART, "malformed multipart/form-data body");
    return MHD_YES;
}

size_t exchange_map_cells(const served_model *m)
{
    if (!m->class_map)
        return 0;
    nn_shape s = nn_class_map_input(m->class_map);
    return (size_t)s.w * (size_t)s.h;
}

int exchange_make_jobs(http_request *r, const image_list *l, unsigned copies)
{
    const size_t outputs = nn_model_outputs(&r->model->network), features = nn_model_features(&r->model->network);
    const int with_probabilities = (copies & EXCHANGE_PROBABILITIES) != 0;
    const int with_features = (copies & EXCHANGE_FEATURES) && features;
    r->jobs = calloc((size_t)l->count, sizeof *r->jobs);
    r->probabilities = with_probabilities ? malloc((size_t)l->count * outputs * sizeof *r->probabilities) : NULL;
    r->features = with_features ? malloc((size_t)l->count * features * sizeof *r->features) : NULL;
    const int with_boxes = (copies & EXCHANGE_BOXES) != 0;
    r->boxes = with_boxes ? malloc((size_t)l->count * (size_t)r->detection.max * sizeof *r->boxes) : NULL;
    const int with_heatmaps = (copies & EXCHANGE_HEATMAPS) && r->model->class_map;
    const size_t heatmaps = with_heatmaps ? (size_t)r->k * exchange_map_cells(r->model) : 0;
    r->heatmaps = with_heatmaps ? malloc((size_t)l->count * heatmaps * sizeof *r->heatmaps) : NULL;
    if (!r->jobs || (with_probabilities && !r->probabilities) || (with_features && !r->features) ||
        (with_boxes && !r->boxes) || (with_heatmaps && !r->heatmaps))
        return -1;
    r->job_count = l->count;
    for (int i = 0; i < l->count; i++) {
        inference_job *j = &r->jobs[i];
        *j = (inference_job){.model = r->model, .set = r->models, .crop = r->crop, .k = r->k, .done = on_job_done,
                             .done_arg = r};
        if (l->pixels) {
            j->pixels = l->data[i];
            j->width = l->width;
            j->height = l->height;
        } else {
            j->image = l->data[i];
            j->len = l->length[i];
        }
        if (with_probabilities)
            j->probabilities = r->probabilities + (size_t)i * outputs;
        if (with_features)
            j->features = r->features + (size_t)i * features;
        if (with_heatmaps)
            j->heatmaps = r->heatmaps + (size_t)i * heatmaps;
        if (with_boxes) {
            j->detection = r->detection;
            j->boxes = r->boxes + (size_t)i * (size_t)r->detection.max;
        }
    }
    return 0;
}

/* The pixels the images of r's jobs claim in their headers (decoding each
 * costs about that much), all together; an image over --max-pixels is
 * refused from its header before any decoding, so it costs nothing here. */
static uint64_t claimed_pixels(const http_request *r, uint64_t max_pixels)
{
    uint64_t sum = 0;
    for (int i = 0; i < r->job_count; i++) {
        const inference_job *j = &r->jobs[i];
        uint64_t n = j->pixels ? (uint64_t)j->width * (uint64_t)j->height : image_claimed_pixels(j->image, j->len);
        sum += n <= max_pixels ? n : 0;
    }
    return sum;
}

/* Body complete: the route turns it into jobs, which are queued whole. */
static enum MHD_Result submit(http_request *r, const inference_route *route)
{
    if (r->body_error)
        return respond_error(r, r->body_error, "%s", r->body_error_message);
    if (r->post) {
        enum MHD_Result ok = MHD_destroy_post_processor(r->post);
        r->post = NULL;
        if (ok != MHD_YES)
            return respond_error(r, OUTCOME_BAD_MULTIPART, "malformed or unterminated multipart body");
    }
    enum MHD_Result answered;
    if (route->collect(r, &answered) < 0)
        return answered;
    uint64_t budget = server_config(r->server)->max_request_pixels;
    uint64_t pixels = claimed_pixels(r, server_config(r->server)->max_pixels);
    if (budget && pixels > budget)
        return respond_error(r, OUTCOME_BATCH_TOO_LARGE,
                             "the images of this request have %llu pixels together; one request may have %llu "
                             "(--max-request-pixels): send fewer or smaller images",
                             (unsigned long long)pixels, (unsigned long long)budget);

    atomic_store(&r->jobs_pending, r->job_count);
    /* Suspend first: the workers may finish (and resume) before submit returns. */
    MHD_suspend_connection(r->conn);
    if (worker_pool_submit_all(server_pool(r->server), r->jobs, r->job_count) < 0) {
        r->phase = PHASE_REJECTED;
        MHD_resume_connection(r->conn);
        return MHD_YES;
    }
    r->phase = PHASE_RUNNING;
    server_watch(r, WATCH_WAITING);
    return MHD_YES;
}

/* Every job done: the stage times of the images that ran go to /metrics,
 * whichever route asked (a tensor of pixels was not decoded). */
static void observe_stages(const http_request *r)
{
    for (int i = 0; i < r->job_count; i++) {
        const inference_job *j = &r->jobs[i];
        if (j->status != OUTCOME_OK)
            continue;
        metrics_observe(STAGE_QUEUE, j->queue_ms);
        if (!j->pixels)
            metrics_observe(STAGE_DECODE, j->result.decode_ms);
        metrics_observe(STAGE_PREPROCESS, j->result.preprocess_ms);
        metrics_observe(STAGE_INFERENCE, j->result.inference_ms);
    }
}

/* The body and all that was made of it, and their share of the budget, given
 * back as soon as the answer is queued (answers are copied): a client's next
 * request must not find its last body still held while the answer is sent. */
static void release_body(http_request *r)
{
    if (r->post)
        MHD_destroy_post_processor(r->post);
    r->post = NULL;
    r->route->inference->release(r);
    drop_body(r, 0);
}

enum MHD_Result inference_exchange(http_request *r, const route_call *call)
{
    const inference_route *route = r->route->inference;
    size_t *upload_size = call->upload_size;
    enum MHD_Result rc = MHD_YES;
    switch (r->phase) {
    case PHASE_NEW:
        rc = begin(r, route, call->url);
        break;
    case PHASE_RECEIVING:
        if (*upload_size)
            rc = receive(r, call->upload, upload_size);
        else
            r->phase = PHASE_RECEIVED; /* see below */
        break;
    case PHASE_RECEIVED:
        /* libmicrohttpd 0.9.75 keeps a connection's read-or-write wish from
         * before a suspension, and a resumed one is marked readable: one
         * suspended in the call that completed its body (still "read") reads
         * on resumption, and a client that half-closed meanwhile is closed
         * there, its answer lost. Returning once without an answer lets it
         * note that nothing more is read (the connection stays ready, so this
         * call comes on its next turn); suspended then, it answers first. */
        rc = submit(r, route);
        break;
    case PHASE_RUNNING:
        if (atomic_load(&r->jobs_done)) {
            server_watch(r, WATCH_SERVING);
            observe_stages(r);
            rc = route->respond(r);
        }
        break; /* else woken early: keep waiting */
    case PHASE_REJECTED:
        rc = respond_error(r, OUTCOME_OVERLOADED, "the inference queue is full; retry shortly");
        break;
    case PHASE_RESPONDED:
        *upload_size = 0; /* the rest of an upload we already answered */
        break;
    }
    if (r->status) {
        r->phase = PHASE_RESPONDED;
        release_body(r);
    }
    return rc;
}

void inference_exchange_free(http_request *r)
{
    release_body(r);
    free(r->jobs);
    free(r->probabilities);
    free(r->features);
    free(r->heatmaps);
    free(r->boxes);
    free(r->class_mask);
}
