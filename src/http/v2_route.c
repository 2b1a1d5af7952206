/* The Open Inference Protocol (KServe v2) over REST, what KServe and Triton
 * clients speak:
 *   GET  /v2                                   server metadata
 *   GET  /v2/health/live, /v2/health/ready     liveness, readiness (200 or 503)
 *   GET  /v2/models/NAME[/versions/1]          model metadata
 *   GET  /v2/models/NAME[/versions/1]/ready    model readiness
 *   POST /v2/models/NAME[/versions/1]/infer    inference
 * A model has one version, "1". An inference request has one input, either
 * "image", BYTES of shape [N]: N encoded images (JPEG, PNG, ... as /predict
 * takes them), or "pixels", UINT8 of shape [N, H, W, 3]: N RGB frames; the
 * data comes in the JSON (BYTES as base64 strings, UINT8 as numbers) or, with
 * the binary tensor data extension, after a JSON header of
 * Inference-Header-Content-Length bytes (BYTES elements each a 4-byte
 * little-endian length and the bytes; UINT8 raw). The output "probabilities"
 * is FP32 [N, outputs]; with the classification extension (its parameter
 * "classification": K) it is BYTES [N, K] of "probability:index:label",
 * highest first; "binary_data": true returns it after the JSON header. The
 * request parameter "crop" ("center", "full") is /predict's. Errors are
 * {"error": "message"}, as the protocol has them. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../growable.h"
#include "http_request.h"

#define V2_VERSION "1"
#define V2_HEADER_LENGTH "Inference-Header-Content-Length"
#define V2_INPUT_IMAGE "image"
#define V2_INPUT_PIXELS "pixels"
#define V2_OUTPUT "probabilities"

typedef enum { V2_NONE, V2_SERVER, V2_LIVE, V2_READY, V2_MODEL, V2_MODEL_READY, V2_INFER } v2_target;

/* The target of a /v2 path; the model name (when there is one) into name. */
static v2_target parse_target(const char *url, char *name, size_t namelen)
{
    if (!strcmp(url, "/v2"))
        return V2_SERVER;
    if (!strcmp(url, "/v2/health/live"))
        return V2_LIVE;
    if (!strcmp(url, "/v2/health/ready"))
        return V2_READY;
    if (strncmp(url, "/v2/models/", 11) != 0)
        return V2_NONE;
    const char *p = url + 11;
    size_t n = strcspn(p, "/");
    if (n == 0 || n >= namelen)
        return V2_NONE;
    memcpy(name, p, n);
    name[n] = '\0';
    p += n;
    if (!strncmp(p, "/versions/", 10)) {
        size_t v = strcspn(p + 10, "/");
        if (v != strlen(V2_VERSION) || strncmp(p + 10, V2_VERSION, v) != 0)
            return V2_NONE; /* one version */
        p += 10 + v;
    }
    if (!*p)
        return V2_MODEL;
    if (!strcmp(p, "/ready"))
        return V2_MODEL_READY;
    if (!strcmp(p, "/infer"))
        return V2_INFER;
    return V2_NONE;
}

int v2_takes_body(const char *url)
{
    char name[128];
    return parse_target(url, name, sizeof name) == V2_INFER;
}

/* ---- metadata and health ---- */

static enum MHD_Result model_metadata(http_request *r, const served_model *m)
{
    const nn_model *nm = &m->model;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", m->name);
    cJSON *versions = cJSON_AddArrayToObject(root, "versions");
    cJSON_AddItemToArray(versions, cJSON_CreateString(V2_VERSION));
    cJSON_AddStringToObject(root, "platform", "lookslike");
    cJSON *inputs = cJSON_AddArrayToObject(root, "inputs");
    const int image_shape[] = {-1}, pixels_shape[] = {-1, -1, -1, 3}, output_shape[] = {-1, (int)nn_model_outputs(nm)};
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", V2_INPUT_IMAGE);
    cJSON_AddStringToObject(in, "datatype", "BYTES");
    cJSON_AddItemToObject(in, "shape", cJSON_CreateIntArray(image_shape, 1));
    cJSON_AddItemToArray(inputs, in);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", V2_INPUT_PIXELS);
    cJSON_AddStringToObject(in, "datatype", "UINT8");
    cJSON_AddItemToObject(in, "shape", cJSON_CreateIntArray(pixels_shape, 4));
    cJSON_AddItemToArray(inputs, in);
    cJSON *outputs = cJSON_AddArrayToObject(root, "outputs");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "name", V2_OUTPUT);
    cJSON_AddStringToObject(out, "datatype", "FP32");
    cJSON_AddItemToObject(out, "shape", cJSON_CreateIntArray(output_shape, 2));
    cJSON_AddItemToArray(outputs, out);
    return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
}

static enum MHD_Result respond_ready(http_request *r, const char *name, int ready)
{
    cJSON *root = cJSON_CreateObject();
    if (name)
        cJSON_AddStringToObject(root, "name", name);
    cJSON_AddBoolToObject(root, "ready", ready);
    return respond_cjson(r, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, root, NULL, NULL);
}

static enum MHD_Result get_target(http_request *r, v2_target t)
{
    int ready = worker_pool_ready(server_pool(r->server)) && !server_draining(r->server);
    const served_model *m = NULL;
    if (t == V2_MODEL || t == V2_MODEL_READY) {
        m = model_registry_find(server_models(r->server), r->v2_model);
        if (!m)
            return respond_error(r, MHD_HTTP_NOT_FOUND, "model_not_found", "no model named '%.64s' is served",
                                 r->v2_model);
    }
    switch (t) {
    case V2_SERVER: {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "name", "lookslike");
        cJSON_AddStringToObject(root, "version", LOOKSLIKE_VERSION);
        cJSON *ext = cJSON_AddArrayToObject(root, "extensions");
        cJSON_AddItemToArray(ext, cJSON_CreateString("classification"));
        cJSON_AddItemToArray(ext, cJSON_CreateString("binary_tensor_data"));
        return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
    }
    case V2_LIVE: {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddBoolToObject(root, "live", 1);
        return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
    }
    case V2_READY: return respond_ready(r, NULL, ready);
    case V2_MODEL: return model_metadata(r, m);
    case V2_MODEL_READY: return respond_ready(r, m->name, ready);
    default: break;
    }
    return respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
}

/* ---- inference ---- */

/* Before the body: the model, and how the body is laid out. */
static int begin_infer(http_request *r, enum MHD_Result *answered)
{
    r->model = model_registry_find(server_models(r->server), r->v2_model);
    if (!r->model) {
        *answered = respond_error(r, MHD_HTTP_NOT_FOUND, "model_not_found", "no model named '%.64s' is served",
                                  r->v2_model);
        return -1;
    }
    r->kind = BODY_KIND_JSON; /* received whole, as it is */
    r->crop = CROP_CENTER;
    r->k = 1;
    const char *header = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, V2_HEADER_LENGTH);
    if (header) {
        char *end;
        unsigned long long n = strtoull(header, &end, 10);
        if (end == header || *end || n == 0 || n > server_config(r->server)->max_body) {
            *answered = respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", V2_HEADER_LENGTH " must be the JSON "
                                      "header's length in bytes, not '%.40s'", header);
            return -1;
        }
        r->v2_json_length = (size_t)n;
    }
    return 0;
}

/* The binary section after the JSON header: the next n bytes of it, or NULL. */
static const uint8_t *take_binary(http_request *r, size_t *at, size_t n)
{
    size_t avail = r->body_len - *at;
    if (n > avail)
        return NULL;
    const uint8_t *p = r->body + *at;
    *at += n;
    return p;
}

/* A tensor's shape: dims into d (at most 4), their count, or -1. */
static int shape_of(const cJSON *input, long long *d)
{
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(input, "shape");
    int n = cJSON_GetArraySize(shape);
    if (!cJSON_IsArray(shape) || n < 1 || n > 4)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(shape, i);
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9 || v->valuedouble != (long long)v->valuedouble)
            return -1;
        d[i] = (long long)v->valuedouble;
    }
    return n;
}

/* The "data" of an input, flattened: JSON arrays may nest as the shape does. */
static int flatten(const cJSON *data, cJSON **items, int max, int count)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, data)
    {
        if (cJSON_IsArray(e)) {
            if ((count = flatten(e, items, max, count)) < 0)
                return -1;
        } else {
            if (count == max)
                return -1;
            items[count++] = (cJSON *)e;
        }
    }
    return count;
}

/* The numbers of a (nested) JSON array into buf: how many, or -1 for a
 * value that is not an integer from 0 to 255 or more than max of them. */
static long fill_u8(const cJSON *data, uint8_t *buf, long max, long count)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, data)
    {
        if (cJSON_IsArray(e)) {
            if ((count = fill_u8(e, buf, max, count)) < 0)
                return -1;
            continue;
        }
        double v = cJSON_IsNumber(e) ? e->valuedouble : -1;
        if (count == max || v < 0 || v > 255 || v != (int)v)
            return -1;
        buf[count++] = (uint8_t)v;
    }
    return count;
}

/* BYTES [N] (or [N, 1]): N encoded images, from base64 strings or the binary section. */
static int image_input(http_request *r, const cJSON *input, const long long *d, int dims, size_t *bin,
                       const char **why)
{
    long long n = d[0];
    if (dims > 2 || (dims == 2 && d[1] != 1)) {
        *why = "the input \"" V2_INPUT_IMAGE "\" has shape [N] (or [N, 1])";
        return -1;
    }
    int max = server_config(r->server)->max_batch;
    if (n > max) {
        *why = "more images than one request may carry (--max-batch)";
        return -2;
    }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(input, "parameters");
    const cJSON *binary = cJSON_GetObjectItemCaseSensitive(params, "binary_data_size");
    if (binary) {
        if (!cJSON_IsNumber(binary) || binary->valuedouble < 0 || binary->valuedouble > (double)r->body_len) {
            *why = "binary_data_size must be a byte count, at most the bytes after the JSON header";
            return -1;
        }
        const uint8_t *p = take_binary(r, bin, (size_t)binary->valuedouble);
        if (!p) {
            *why = "binary_data_size is more than the bytes after the JSON header";
            return -1;
        }
        /* The elements are used in place: each is a 4-byte length and the bytes. */
        size_t none[BODY_MAX_IMAGES + 1] = {0};
        if (exchange_make_jobs(r, r->body, none, (int)n) < 0)
            return -3;
        size_t size = (size_t)binary->valuedouble, at = 0;
        for (long long i = 0; i < n; i++) {
            if (size - at < 4) {
                *why = "BYTES data ends before its elements do";
                return -1;
            }
            uint32_t len = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16 |
                           (uint32_t)p[at + 3] << 24;
            at += 4;
            if (len > size - at) {
                *why = "a BYTES element is longer than the data";
                return -1;
            }
            r->jobs[i].image = p + at;
            r->jobs[i].len = len;
            at += len;
        }
        if (at != size) {
            *why = "binary_data_size is not the size of the N elements";
            return -1;
        }
        return 0;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(input, "data");
    cJSON *items[BODY_MAX_IMAGES];
    int count = cJSON_IsArray(data) ? flatten(data, items, BODY_MAX_IMAGES, 0) : -1;
    if (count != n) {
        *why = "the input's data does not hold as many elements as its shape says";
        return -1;
    }
    body_images *im = &r->decoded;
    size_t total = 0;
    for (int i = 0; i < count; i++) {
        if (!cJSON_IsString(items[i])) {
            *why = "BYTES elements in JSON are base64 strings";
            return -1;
        }
        total += 3 * (strlen(items[i]->valuestring) / 4) + 3;
    }
    if (exchange_reserve(r, r->body_reserved + total) < 0) {
        *why = BUDGET_EXHAUSTED;
        return -4;
    }
    im->bytes = malloc(total ? total : 1);
    if (!im->bytes)
        return -3;
    im->start[0] = 0;
    for (int i = 0; i < count; i++) {
        const char *s = items[i]->valuestring;
        long got = base64_decode(s, strlen(s), im->bytes + im->start[i]);
        if (got <= 0) {
            *why = got == 0 ? "an image is empty" : "an image is not valid base64";
            return -1;
        }
        im->start[i + 1] = im->start[i] + (size_t)got;
    }
    im->count = count;
    return exchange_make_jobs(r, im->bytes, im->start, count) < 0 ? -3 : 0;
}

/* UINT8 [N, H, W, 3]: N RGB frames, from numbers or the binary section. */
static int pixels_input(http_request *r, const cJSON *input, const long long *d, int dims, size_t *bin,
                        const char **why)
{
    if (dims != 4 || d[3] != 3) {
        *why = "the input \"" V2_INPUT_PIXELS "\" has shape [N, H, W, 3]";
        return -1;
    }
    long long n = d[0], h = d[1], w = d[2];
    if (n > server_config(r->server)->max_batch) {
        *why = "more images than one request may carry (--max-batch)";
        return -2;
    }
    if (w < PREDICT_MIN_SIDE || h < PREDICT_MIN_SIDE) {
        *why = "each frame must be at least 16 pixels a side";
        return -5;
    }
    /* Each size is at most 1e9 (shape_of): H * W * 3 cannot overflow, N * that can; the body bounds both. */
    unsigned long long frame = (unsigned long long)(w * h * 3);
    if (frame > r->body_len || (unsigned long long)n > r->body_len / frame) {
        *why = "the input's data does not hold N * H * W * 3 values";
        return -1;
    }
    size_t size = (size_t)frame * (size_t)n;
    const uint8_t *pixels = NULL;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(input, "parameters");
    const cJSON *binary = cJSON_GetObjectItemCaseSensitive(params, "binary_data_size");
    if (binary) {
        if (!cJSON_IsNumber(binary) || binary->valuedouble != (double)size || !(pixels = take_binary(r, bin, size))) {
            *why = "binary_data_size must be N * H * W * 3 bytes, all after the JSON header";
            return -1;
        }
    } else {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(input, "data");
        if (!cJSON_IsArray(data)) {
            *why = "the input's data does not hold N * H * W * 3 numbers";
            return -1;
        }
        if (exchange_reserve(r, r->body_reserved + size) < 0) {
            *why = BUDGET_EXHAUSTED;
            return -4;
        }
        uint8_t *buf = r->decoded.bytes = malloc(size);
        long count = buf ? fill_u8(data, buf, (long)size, 0) : -3;
        if (count != (long)size) {
            *why = count == -3 ? NULL : "UINT8 data must be N * H * W * 3 integers from 0 to 255";
            return count == -3 ? -3 : -1;
        }
        pixels = buf;
    }
    size_t start[BODY_MAX_IMAGES + 1];
    for (long long i = 0; i <= n; i++)
        start[i] = (size_t)i * frame;
    if (exchange_make_jobs(r, pixels, start, (int)n) < 0)
        return -3;
    for (int i = 0; i < r->job_count; i++) {
        r->jobs[i].pixels = r->jobs[i].image;
        r->jobs[i].width = (int)w;
        r->jobs[i].height = (int)h;
    }
    return 0;
}

/* The requested output: classification K (0: the probabilities), binary or JSON. */
static int requested_output(http_request *r, const cJSON *root, const char **why)
{
    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(root, "outputs");
    if (!outputs)
        return 0;
    if (!cJSON_IsArray(outputs) || cJSON_GetArraySize(outputs) > 1) {
        *why = "\"outputs\" lists the one output, \"" V2_OUTPUT "\"";
        return -1;
    }
    const cJSON *out = cJSON_GetArrayItem(outputs, 0);
    if (!out)
        return 0;
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "name"));
    if (!name || strcmp(name, V2_OUTPUT) != 0) {
        *why = "the model's only output is \"" V2_OUTPUT "\"";
        return -1;
    }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(out, "parameters");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(params, "classification");
    const cJSON *binary = cJSON_GetObjectItemCaseSensitive(params, "binary_data");
    if (k) {
        int classes = (int)nn_model_outputs(&r->model->model);
        if (!cJSON_IsNumber(k) || k->valuedouble < 1 || k->valuedouble > classes || k->valuedouble != (int)k->valuedouble) {
            *why = "\"classification\" must be a count of classes, 1 or more and at most the model's outputs";
            return -1;
        }
        r->v2_classification = (int)k->valuedouble;
    }
    if (binary && !cJSON_IsBool(binary)) {
        *why = "\"binary_data\" must be true or false";
        return -1;
    }
    r->v2_binary = cJSON_IsTrue(binary);
    return 0;
}

static int collect_infer(http_request *r, enum MHD_Result *answered)
{
    size_t json_len = r->v2_json_length ? r->v2_json_length : r->body_len;
    if (json_len > r->body_len) {
        *answered = respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
                                  V2_HEADER_LENGTH " is longer than the body");
        return -1;
    }
    if (exchange_reserve_json(r, r->body, json_len, answered) < 0)
        return -1;
    cJSON *root = cJSON_ParseWithLength((const char *)r->body, json_len);
    const char *why = "the body is not a JSON inference request";
    int rc = -1;
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *input = cJSON_GetArrayItem(inputs, 0);
    if (!root) {
        why = "the body (or its JSON header) is not valid JSON";
        goto out;
    }
    if (!cJSON_IsObject(root) || !cJSON_IsArray(inputs) || cJSON_GetArraySize(inputs) != 1 || !cJSON_IsObject(input)) {
        why = "expected an inference request with one input, \"" V2_INPUT_IMAGE "\" or \"" V2_INPUT_PIXELS "\"";
        goto out;
    }
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "id"));
    snprintf(r->v2_id, sizeof r->v2_id, "%s", id ? id : "");
    r->v2_has_id = id != NULL;
    const char *crop = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "parameters"), "crop"));
    if (crop && crop_mode_parse(crop, &r->crop) < 0) {
        why = "the parameter \"crop\" is \"center\" or \"full\"";
        goto out;
    }
    if (requested_output(r, root, &why) < 0)
        goto out;
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(input, "name"));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(input, "datatype"));
    long long d[4];
    int dims = shape_of(input, d);
    size_t bin = json_len;
    if (!name || !type || dims < 0) {
        why = "an input has a name, a datatype and a shape of 1 to 4 positive sizes";
    } else if (!strcmp(name, V2_INPUT_IMAGE) && !strcmp(type, "BYTES")) {
        rc = image_input(r, input, d, dims, &bin, &why);
    } else if (!strcmp(name, V2_INPUT_PIXELS) && !strcmp(type, "UINT8")) {
        rc = pixels_input(r, input, d, dims, &bin, &why);
    } else {
        why = "the inputs are \"" V2_INPUT_IMAGE "\" (BYTES) and \"" V2_INPUT_PIXELS "\" (UINT8)";
    }
    if (rc == 0 && bin != r->body_len) {
        why = "bytes after the JSON header that no input claims";
        rc = -1;
    }
    if (rc == 0) {
        size_t outputs = nn_model_outputs(&r->model->model);
        r->probabilities = malloc((size_t)r->job_count * outputs * sizeof *r->probabilities);
        if (!r->probabilities)
            rc = -3;
        for (int i = 0; rc == 0 && i < r->job_count; i++)
            r->jobs[i].probabilities = r->probabilities + (size_t)i * outputs;
    }
out:
    cJSON_Delete(root);
    if (rc == 0)
        return 0;
    switch (rc) {
    case -2: *answered = respond_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "batch_too_large", "%s", why); break;
    case -3: *answered = respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory", "out of memory"); break;
    case -4: *answered = respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "%s", why); break;
    case -5: *answered = respond_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "image_too_small", "%s", why); break;
    default: *answered = respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", why); break;
    }
    return -1;
}

/* Output indices by probability, highest first (ties: the lower index). */
static int by_probability(const void *a, const void *b, void *values)
{
    const float *v = values;
    int i = *(const int *)a, j = *(const int *)b;
    return v[i] > v[j] ? -1 : v[i] < v[j] ? 1 : i - j;
}

/* The output tensor, built as text or bytes, then handed over whole. */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} text_buffer;

static void put(text_buffer *b, const void *bytes, size_t n)
{
    if (b->failed)
        return;
    char *grown = grow_doubling(b->data, &b->cap, b->len + n + 1, 1);
    if (!grown) {
        b->failed = 1;
        return;
    }
    b->data = grown;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void put_json_string(text_buffer *b, const char *s)
{
    put(b, "\"", 1);
    for (; *s; s++) {
        char esc[8];
        unsigned char c = (unsigned char)*s;
        int n = c == '"' || c == '\\' ? snprintf(esc, sizeof esc, "\\%c", c)
                : c < 0x20           ? snprintf(esc, sizeof esc, "\\u%04x", c)
                                     : snprintf(esc, sizeof esc, "%c", c);
        put(b, esc, (size_t)n);
    }
    put(b, "\"", 1);
}

/* N images' probabilities, or their top-k as "probability:index:label", as a
 * JSON array (text) or the binary tensor data (bytes; BYTES elements each
 * with its 4-byte little-endian length). */
static int output_tensor(const http_request *r, int binary, text_buffer *b)
{
    const served_model *m = r->model;
    const int n = r->job_count, outputs = (int)nn_model_outputs(&m->model), k = r->v2_classification;
    int *order = k ? malloc((size_t)outputs * sizeof *order) : NULL;
    if (k && !order)
        return -1;
    if (!binary)
        put(b, "[", 1);
    for (int i = 0; i < n; i++) {
        float *p = r->probabilities + (size_t)i * (size_t)outputs;
        if (!k) {
            if (binary) {
                put(b, p, (size_t)outputs * sizeof *p); /* little-endian, as the CPU */
                continue;
            }
            for (int j = 0; j < outputs; j++) {
                char num[32];
                int len = snprintf(num, sizeof num, "%s%.9g", i || j ? "," : "", (double)p[j]);
                put(b, num, (size_t)len);
            }
            continue;
        }
        for (int j = 0; j < outputs; j++)
            order[j] = j;
        qsort_r(order, (size_t)outputs, sizeof *order, by_probability, p);
        for (int j = 0; j < k; j++) {
            char s[256];
            int len = snprintf(s, sizeof s, "%.6f:%d:%s", (double)p[order[j]], order[j], m->labels.short_name[order[j]]);
            if (len >= (int)sizeof s)
                len = (int)sizeof s - 1;
            if (binary) {
                const uint8_t le[4] = {(uint8_t)len, (uint8_t)(len >> 8), 0, 0};
                put(b, le, 4);
                put(b, s, (size_t)len);
            } else {
                if (i || j)
                    put(b, ",", 1);
                put_json_string(b, s);
            }
        }
    }
    if (!binary)
        put(b, "]", 1);
    if (!b->failed)
        b->data[b->len] = '\0'; /* put keeps room for it */
    free(order);
    return b->failed ? -1 : 0;
}

static enum MHD_Result respond_infer(http_request *r)
{
    for (int i = 0; i < r->job_count; i++) { /* the protocol has no per-item errors: the first fails all */
        const char *code;
        unsigned status = exchange_outcome(&r->jobs[i], &code);
        if (code)
            return respond_error(r, status, code, "input element %d: %s", i, r->jobs[i].error);
    }
    const served_model *m = r->model;
    const int k = r->v2_classification;
    text_buffer tensor = {0};
    if (output_tensor(r, r->v2_binary, &tensor) < 0) {
        free(tensor.data);
        return respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory", "out of memory");
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model_name", m->name);
    cJSON_AddStringToObject(root, "model_version", V2_VERSION);
    if (r->v2_has_id)
        cJSON_AddStringToObject(root, "id", r->v2_id);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "outputs"), out);
    cJSON_AddStringToObject(out, "name", V2_OUTPUT);
    cJSON_AddStringToObject(out, "datatype", k ? "BYTES" : "FP32");
    int shape[2] = {r->job_count, k ? k : (int)nn_model_outputs(&m->model)};
    cJSON_AddItemToObject(out, "shape", cJSON_CreateIntArray(shape, 2));
    if (!r->v2_binary) {
        cJSON_AddRawToObject(out, "data", tensor.data);
        free(tensor.data);
        return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
    }
    /* The binary tensor data extension: the JSON header, then the bytes. */
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(out, "parameters"), "binary_data_size", (double)tensor.len);
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    text_buffer body = {0};
    size_t json_len = json ? strlen(json) : 0;
    if (json) {
        put(&body, json, json_len);
        put(&body, tensor.data, tensor.len);
    }
    enum MHD_Result rc;
    if (!json || body.failed) {
        rc = respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory", "out of memory");
    } else {
        char length[32];
        snprintf(length, sizeof length, "%zu", json_len);
        rc = respond_body(r, MHD_HTTP_OK, "application/octet-stream", body.data, body.len, V2_HEADER_LENGTH, length);
    }
    cJSON_free(json);
    free(body.data);
    free(tensor.data);
    return rc;
}

static const inference_route infer = {begin_infer, collect_infer, respond_infer};

enum MHD_Result v2_route(http_request *r, const char *url, const char *method, const char *upload,
                         size_t *upload_size)
{
    v2_target t = parse_target(url, r->v2_model, sizeof r->v2_model);
    if (t == V2_NONE)
        return respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource: %.200s", url);
    if (t == V2_INFER) {
        if (strcmp(method, "POST"))
            return respond_method_not_allowed(r, "POST");
        return inference_exchange(r, &infer, upload, upload_size);
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return respond_method_not_allowed(r, "GET, HEAD");
    return get_target(r, t);
}
