/* The Open Inference Protocol (KServe v2) over REST, what KServe and Triton
 * clients speak:
 *   GET  /v2                                   server metadata
 *   GET  /v2/health/live, /v2/health/ready     liveness, readiness (200 or 503)
 *   GET  /v2/models/NAME[/versions/1]          model metadata
 *   GET  /v2/models/NAME[/versions/1]/ready    model readiness
 *   POST /v2/models/NAME[/versions/1]/infer    inference
 * A model has one version, "1". The inference request (its inputs "image"
 * and "pixels", and the binary tensor data extension) is decoded by
 * src/body/infer_request.c; here the outputs are written: "probabilities",
 * FP32 [N, outputs], or with the classification extension (its parameter
 * "classification": K) BYTES [N, K] of "probability:index:label", highest
 * first; "features", FP32 [N, features], where the model has them (README:
 * Embeddings); "binary_data": true puts an output after the JSON header,
 * whose length Inference-Header-Content-Length gives. Errors are {"error": "message"}, as
 * the protocol has them. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../body/infer_request.h"
#include "../text_buffer.h"
#include "../json_text.h"
#include "http_request.h"
#include "responses.h"
#include "inference_exchange.h"
#include "v2_paths.h"

#define V2_HEADER_LENGTH "Inference-Header-Content-Length"

/* ---- metadata and health ---- */

static enum MHD_Result model_metadata(http_request *r, const served_model *m)
{
    const nn_model *nm = &m->network;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", m->name);
    cJSON *versions = cJSON_AddArrayToObject(root, "versions");
    cJSON_AddItemToArray(versions, cJSON_CreateString(m->version));
    cJSON_AddStringToObject(root, "platform", "lookslike");
    cJSON *inputs = cJSON_AddArrayToObject(root, "inputs");
    const int image_shape[] = {-1}, pixels_shape[] = {-1, -1, -1, 3}, output_shape[] = {-1, (int)nn_model_outputs(nm)};
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", INFER_INPUT_IMAGE);
    cJSON_AddStringToObject(in, "datatype", "BYTES");
    cJSON_AddItemToObject(in, "shape", cJSON_CreateIntArray(image_shape, 1));
    cJSON_AddItemToArray(inputs, in);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", INFER_INPUT_PIXELS);
    cJSON_AddStringToObject(in, "datatype", "UINT8");
    cJSON_AddItemToObject(in, "shape", cJSON_CreateIntArray(pixels_shape, 4));
    cJSON_AddItemToArray(inputs, in);
    cJSON *outputs = cJSON_AddArrayToObject(root, "outputs");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "name", INFER_OUTPUT_PROBABILITIES);
    cJSON_AddStringToObject(out, "datatype", "FP32");
    cJSON_AddItemToObject(out, "shape", cJSON_CreateIntArray(output_shape, 2));
    cJSON_AddItemToArray(outputs, out);
    const int features_shape[] = {-1, (int)nn_model_features(nm)};
    if (features_shape[1]) {
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "name", INFER_OUTPUT_FEATURES);
        cJSON_AddStringToObject(out, "datatype", "FP32");
        cJSON_AddItemToObject(out, "shape", cJSON_CreateIntArray(features_shape, 2));
        cJSON_AddItemToArray(outputs, out);
    }
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

/* The model the path names, in the version it names (if it names one);
 * NULL with a 404 answered. */
static const served_model *named_model(http_request *r, enum MHD_Result *answered)
{
    const v2_path *p = &r->v2.path;
    const served_model *m = model_registry_find(&r->models->registry, p->model);
    if (!m) {
        *answered = respond_model_not_found(r, p->model);
        return NULL;
    }
    if (p->version[0] && strcmp(p->version, m->version)) {
        *answered = respond_error(r, OUTCOME_MODEL_NOT_FOUND, "model '%s' has no version '%s'; it serves version %s",
                                  m->name, p->version, m->version);
        return NULL;
    }
    return m;
}

/* A GET (or HEAD) of a /v2 path other than inference. */
static enum MHD_Result get_target(http_request *r, v2_target t, const char *url)
{
    int ready = worker_pool_ready(server_pool(r->server)) && !server_draining(r->server);
    const served_model *m = NULL;
    enum MHD_Result answered;
    if ((t == V2_MODEL || t == V2_MODEL_READY) && !(m = named_model(r, &answered)))
        return answered;
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
    return respond_not_found(r, url);
}

/* ---- inference ---- */

/* Before the body: the model, and how the body is laid out. */
static int begin_infer(http_request *r, const char *url, enum MHD_Result *answered)
{
    v2_parse_target(url, &r->v2.path); /* V2_INFER: the route's entry matched it */
    if (!(r->model = named_model(r, answered)))
        return -1;
    if (nn_model_task(&r->model->network) != NN_TASK_CLASSIFICATION) {
        *answered = respond_error(r, OUTCOME_WRONG_TASK,
                                  "model '%s' is a detector, which this server's Open Inference Protocol does not "
                                  "serve yet: POST the image to /detect",
                                  r->model->name);
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
            *answered = respond_error(r, OUTCOME_BAD_REQUEST,
                                      V2_HEADER_LENGTH " must be the JSON header's length in bytes, not '%.40s'", header);
            return -1;
        }
        r->v2.json_length = (size_t)n;
    }
    return 0;
}

/* The whole body is in: the request decoded (src/body/infer_request.c), a job per image. */
static int collect_infer(http_request *r, enum MHD_Result *answered)
{
    size_t json_len = r->v2.json_length ? r->v2.json_length : r->body_len;
    if (json_len > r->body_len) {
        *answered = respond_error(r, OUTCOME_BAD_REQUEST, V2_HEADER_LENGTH " is longer than the body");
        return -1;
    }
    if (exchange_reserve_decoding(r, json_len, answered) < 0)
        return -1;
    const nn_model *m = &r->model->network;
    char err[256];
    infer_request *q = &r->v2.infer;
    outcome o = infer_request_parse(r->body, r->body_len, json_len, server_config(r->server)->max_batch,
                                    PREDICT_MIN_SIDE, (int)nn_model_outputs(m), (int)nn_model_features(m), q, err,
                                    sizeof err);
    if (o != OUTCOME_OK) {
        *answered = respond_error(r, o, "%s", err);
        return -1;
    }
    r->crop = q->crop;
    unsigned copies = EXCHANGE_PROBABILITIES | (q->features.wanted ? EXCHANGE_FEATURES : 0);
    if (exchange_make_jobs(r, &q->inputs, copies) < 0) {
        *answered = respond_error(r, OUTCOME_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    return 0;
}

/* A JSON string, escaped as json_text.h says. */
static void put_json_string(text_buffer *b, const char *s)
{
    char text[256];
    size_t n = json_escape(s, text, sizeof text);
    text_put(b, "\"", 1);
    if (n < sizeof text) {
        text_put(b, text, n);
    } else { /* longer than any label: measured, then escaped whole */
        char *whole = malloc(n + 1);
        if (!whole) {
            b->failed = 1;
            return;
        }
        json_escape(s, whole, n + 1);
        text_put(b, whole, n);
        free(whole);
    }
    text_put(b, "\"", 1);
}

/* N images' probabilities, or their top-k as "probability:index:label", as a
 * JSON array (text) or the binary tensor data (bytes; BYTES elements each
 * with its 4-byte little-endian length). */
static int probabilities_tensor(const http_request *r, const infer_output *o, text_buffer *b)
{
    const served_model *m = r->model;
    const int n = r->job_count, outputs = (int)nn_model_outputs(&m->network), k = o->classification;
    int *order = k ? malloc((size_t)outputs * sizeof *order) : NULL;
    if (k && !order)
        return -1;
    if (!o->binary)
        text_put(b, "[", 1);
    for (int i = 0; i < n; i++) {
        float *p = r->probabilities + (size_t)i * (size_t)outputs;
        if (!k) {
            if (o->binary)
                text_put(b, p, (size_t)outputs * sizeof *p); /* little-endian, as the CPU */
            else
                text_put_floats(b, p, (size_t)outputs, i > 0);
            continue;
        }
        /* every output is a class here, the background entry too (/predict leaves it out) */
        int ranked = nn_top_k(p, outputs, k, -1, order);
        for (int j = 0; j < ranked; j++) {
            char s[256];
            int len = snprintf(s, sizeof s, "%.6f:%d:%s", (double)p[order[j]], order[j], m->labels.short_name[order[j]]);
            if (len >= (int)sizeof s)
                len = (int)sizeof s - 1;
            if (o->binary) {
                const uint8_t le[4] = {(uint8_t)len, (uint8_t)(len >> 8), 0, 0};
                text_put(b, le, 4);
                text_put(b, s, (size_t)len);
            } else {
                if (i || j)
                    text_put(b, ",", 1);
                put_json_string(b, s);
            }
        }
    }
    if (!o->binary)
        text_put(b, "]", 1);
    free(order);
    return b->failed ? -1 : 0;
}

/* N images' features, FP32 [N, features], as a JSON array or binary data. */
static int features_tensor(const http_request *r, const infer_output *o, text_buffer *b)
{
    const size_t n = (size_t)r->job_count * nn_model_features(&r->model->network);
    if (o->binary) {
        text_put(b, r->features, n * sizeof *r->features); /* little-endian, as the CPU */
    } else {
        text_put_float_array(b, r->features, n);
    }
    return b->failed ? -1 : 0;
}

/* One output in the response: its description, and its data in the JSON or
 * appended to the binary section. 0, or -1 when out of memory. */
static int add_output(const http_request *r, cJSON *outputs, const char *name, const infer_output *o,
                      int (*tensor)(const http_request *, const infer_output *, text_buffer *), const char *datatype,
                      int width, text_buffer *binary)
{
    text_buffer t = {0};
    if (tensor(r, o, &t) < 0) {
        text_free(&t);
        return -1;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToArray(outputs, out);
    cJSON_AddStringToObject(out, "name", name);
    cJSON_AddStringToObject(out, "datatype", datatype);
    int shape[2] = {r->job_count, width};
    cJSON_AddItemToObject(out, "shape", cJSON_CreateIntArray(shape, 2));
    if (o->binary) {
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(out, "parameters"), "binary_data_size", (double)t.len);
        text_put(binary, t.data, t.len);
    } else {
        cJSON_AddRawToObject(out, "data", t.data);
    }
    text_free(&t);
    return binary->failed ? -1 : 0;
}

static enum MHD_Result respond_infer(http_request *r)
{
    for (int i = 0; i < r->job_count; i++) { /* the protocol has no per-item errors: the first fails all */
        if (r->jobs[i].status)
            return respond_error(r, r->jobs[i].status, "input element %d: %s", i, r->jobs[i].error);
    }
    const served_model *m = r->model;
    const infer_request *q = &r->v2.infer;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model_name", m->name);
    cJSON_AddStringToObject(root, "model_version", m->version);
    if (q->has_id)
        cJSON_AddStringToObject(root, "id", q->id);
    cJSON *outputs = cJSON_AddArrayToObject(root, "outputs");
    text_buffer binary = {0}; /* the outputs asked for as binary data, in their order */
    int k = q->probabilities.classification, failed = 0;
    if (q->probabilities.wanted)
        failed |= add_output(r, outputs, INFER_OUTPUT_PROBABILITIES, &q->probabilities, probabilities_tensor,
                             k ? "BYTES" : "FP32", k ? k : (int)nn_model_outputs(&m->network), &binary) < 0;
    if (q->features.wanted)
        failed |= add_output(r, outputs, INFER_OUTPUT_FEATURES, &q->features, features_tensor, "FP32",
                             (int)nn_model_features(&m->network), &binary) < 0;
    char *json = failed ? NULL : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    enum MHD_Result rc;
    if (!json) {
        rc = respond_error(r, OUTCOME_OUT_OF_MEMORY, "out of memory");
    } else if (!q->probabilities.binary && !q->features.binary) {
        rc = respond_json(r, MHD_HTTP_OK, json, NULL, NULL);
    } else { /* the binary tensor data extension: the JSON header, then the bytes */
        text_buffer body = {0};
        size_t json_len = strlen(json);
        text_put(&body, json, json_len);
        text_put(&body, binary.data, binary.len);
        char length[32];
        snprintf(length, sizeof length, "%zu", json_len);
        rc = body.failed ? respond_error(r, OUTCOME_OUT_OF_MEMORY, "out of memory")
                         : respond_body(r, MHD_HTTP_OK, "application/octet-stream", body.data, body.len,
                                        V2_HEADER_LENGTH, length);
        text_free(&body);
    }
    cJSON_free(json);
    text_free(&binary);
    return rc;
}

static void release_infer(http_request *r)
{
    infer_request_free(&r->v2.infer);
}

const inference_route v2_inference = {begin_infer, collect_infer, respond_infer, release_infer};

enum MHD_Result v2_route(http_request *r, const route_call *call)
{
    v2_target t = v2_parse_target(call->url, &r->v2.path);
    if (t == V2_NONE || t == V2_INFER) /* the latter is v2_inference's entry */
        return respond_not_found(r, call->url);
    return get_target(r, t, call->url); /* GET or HEAD: the route table let nothing else through */
}

int v2_target_exists(http_server *s, const char *url)
{
    (void)s;
    v2_path p;
    return v2_parse_target(url, &p) != V2_NONE;
}
