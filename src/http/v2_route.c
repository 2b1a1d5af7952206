/* The Open Inference Protocol (KServe v2) over REST, what KServe and Triton
 * clients speak:
 *   GET  /v2                                   server metadata
 *   GET  /v2/health/live, /v2/health/ready     liveness, readiness (200 or 503)
 *   GET  /v2/models/NAME[/versions/1]          model metadata
 *   GET  /v2/models/NAME[/versions/1]/ready    model readiness
 *   POST /v2/models/NAME[/versions/1]/infer    inference
 * A model has one version, "1". The inference request (its inputs "image"
 * and "pixels", and the binary tensor data extension) is decoded by
 * src/body/infer_request.c; here the outputs are written, one table entry
 * each (v2_outputs): a classifier's "probabilities", FP32 [N, outputs], or
 * with the classification extension (its parameter "classification": K)
 * BYTES [N, K] of "probability:index:label", highest first, and "features",
 * FP32 [N, features], where the model has them (docs/api.md: Embeddings); a
 * detector's "boxes" FP32 [N, D, 4] (x, y, width, height in the image's
 * pixels, as /detect's), "scores" FP32 [N, D], "classes" INT32 [N, D],
 * "labels" BYTES [N, D] and "count" INT32 [N], where D is the most
 * detections of an image in the batch and the rows past an image's count
 * are padding (0, class -1, label ""); a classifier's class activation maps,
 * only when asked for by name: "heatmap" FP32 [N, K, H, W] (the top K's,
 * its "classification" K, default 1), "heatmap_classes" INT32 [N, K],
 * "heatmap_boxes" FP32 [N, K, 4] and "heatmap_regions" FP32 [N, 4] (as
 * /predict?explain=1 gives them, docs/explanations.md). "binary_data": true puts an output
 * after the JSON header, whose length Inference-Header-Content-Length
 * gives. Errors are {"error": "message"}, as the protocol has them. */
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

/* ---- the outputs ---- */

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

/* v as 4 little-endian bytes: a BYTES element's length, an INT32 element. */
static void put_le32(text_buffer *b, uint32_t v)
{
    const uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    text_put(b, le, 4);
}

/* One element of a BYTES tensor: a JSON string (after a comma unless it is
 * the first), or its 4-byte little-endian length and its bytes. */
static void put_bytes_element(text_buffer *b, const char *s, size_t len, int binary, int first)
{
    if (binary) {
        put_le32(b, (uint32_t)len);
        text_put(b, s, len);
    } else {
        if (!first)
            text_put(b, ",", 1);
        put_json_string(b, s);
    }
}

/* One INT32 element: a JSON number, or 4 little-endian bytes. */
static void put_int32(text_buffer *b, int32_t v, int binary, int first)
{
    if (binary) {
        put_le32(b, (uint32_t)v);
    } else {
        text_printf(b, first ? "%d" : ",%d", (int)v);
    }
}

/* One FP32 element: a JSON number (text_put_floats), or its 4 bytes as the CPU has them (little-endian). */
static void put_float(text_buffer *b, float v, int binary, int first)
{
    if (binary)
        text_put(b, &v, sizeof v);
    else
        text_put_floats(b, &v, 1, !first);
}

/* N images' probabilities, or their top-k as "probability:index:label". */
static void probabilities_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    (void)most;
    const served_model *m = r->model;
    const int n = r->job_count, outputs = (int)nn_model_outputs(&m->network), k = o->classification;
    int *order = k ? malloc((size_t)outputs * sizeof *order) : NULL;
    if (k && !order) {
        b->failed = 1;
        return;
    }
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
            put_bytes_element(b, s, (size_t)len, o->binary, !i && !j);
        }
    }
    free(order);
}

/* N images' features. */
static void features_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    (void)most;
    const size_t n = (size_t)r->job_count * nn_model_features(&r->model->network);
    if (o->binary)
        text_put(b, r->features, n * sizeof *r->features); /* little-endian, as the CPU */
    else
        text_put_floats(b, r->features, n, 0);
}

/* The detectors' outputs: `most` rows an image, its detections then padding. */
static void boxes_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    for (int i = 0; i < r->job_count; i++) {
        const prediction_result *res = &r->jobs[i].result;
        for (int j = 0; j < most; j++) {
            double px[4] = {0, 0, 0, 0};
            if (j < res->nboxes)
                detect_box_pixels(res->boxes[j].box, res->width, res->height, px);
            for (int c = 0; c < 4; c++)
                put_float(b, (float)px[c], o->binary, !i && !j && !c);
        }
    }
}

static void scores_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    for (int i = 0; i < r->job_count; i++) {
        const prediction_result *res = &r->jobs[i].result;
        for (int j = 0; j < most; j++)
            put_float(b, j < res->nboxes ? res->boxes[j].confidence : 0.0f, o->binary, !i && !j);
    }
}

static void classes_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    for (int i = 0; i < r->job_count; i++) {
        const prediction_result *res = &r->jobs[i].result;
        for (int j = 0; j < most; j++)
            put_int32(b, j < res->nboxes ? res->boxes[j].class_index : -1, o->binary, !i && !j);
    }
}

static void labels_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    const nn_labels *labels = &r->model->labels;
    for (int i = 0; i < r->job_count; i++) {
        const prediction_result *res = &r->jobs[i].result;
        for (int j = 0; j < most; j++) {
            const char *s = j < res->nboxes ? labels->short_name[res->boxes[j].class_index] : "";
            put_bytes_element(b, s, strlen(s), o->binary, !i && !j);
        }
    }
}

static void count_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    (void)most;
    for (int i = 0; i < r->job_count; i++)
        put_int32(b, r->jobs[i].result.nboxes, o->binary, !i);
}

/* The class activation maps: K an image (r->v2.infer.maps), rows past an
 * image's top-k (a K beyond its classes) padded with 0 and class -1. */
static void heatmap_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    (void)most;
    const int k = r->v2.infer.maps;
    const size_t cells = exchange_map_cells(r->model);
    for (int i = 0; i < r->job_count; i++)
        for (int j = 0; j < k; j++)
            for (size_t c = 0; c < cells; c++)
                put_float(b, j < r->jobs[i].result.count ? r->heatmaps[((size_t)i * k + j) * cells + c] : 0.0f,
                          o->binary, !i && !j && !c);
}

static void heatmap_classes_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    (void)most;
    for (int i = 0; i < r->job_count; i++)
        for (int j = 0; j < r->v2.infer.maps; j++)
            put_int32(b, j < r->jobs[i].result.count ? r->jobs[i].result.top[j].index : -1, o->binary, !i && !j);
}

static void heatmap_boxes_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    (void)most;
    for (int i = 0; i < r->job_count; i++)
        for (int j = 0; j < r->v2.infer.maps; j++)
            for (int c = 0; c < 4; c++)
                put_float(b, j < r->jobs[i].result.count ? (float)r->jobs[i].result.map_box[j][c] : 0.0f, o->binary,
                          !i && !j && !c);
}

static void heatmap_regions_tensor(const http_request *r, const infer_output *o, int most, text_buffer *b)
{
    (void)most;
    for (int i = 0; i < r->job_count; i++)
        for (int c = 0; c < 4; c++)
            put_float(b, (float)r->jobs[i].result.map_region[c], o->binary, !i && !c);
}

/* What an output's shape is, after N, the batch. */
typedef enum {
    SHAPE_IMAGE, /* [N] */
    SHAPE_OUTPUTS, /* [N, outputs], or [N, K] with "classification" */
    SHAPE_FEATURES, /* [N, features] */
    SHAPE_DETECTION, /* [N, D] */
    SHAPE_BOX, /* [N, D, 4] */
    SHAPE_MAPS, /* [N, K, H, W] */
    SHAPE_MAP_CLASSES, /* [N, K] */
    SHAPE_MAP_BOXES, /* [N, K, 4] */
    SHAPE_RECTANGLE, /* [N, 4] */
} output_shape;

typedef struct {
    const char *datatype; /* BYTES instead where "classification" is asked for */
    output_shape shape;
    /* The data, image after image: JSON numbers or strings, comma-separated, or the binary tensor data. */
    void (*tensor)(const http_request *r, const infer_output *o, int most, text_buffer *b);
} v2_output;

static const v2_output v2_outputs[INFER_OUTPUT_KINDS] = {
    [INFER_PROBABILITIES] = {"FP32", SHAPE_OUTPUTS, probabilities_tensor},
    [INFER_FEATURES] = {"FP32", SHAPE_FEATURES, features_tensor},
    [INFER_BOXES] = {"FP32", SHAPE_BOX, boxes_tensor},
    [INFER_SCORES] = {"FP32", SHAPE_DETECTION, scores_tensor},
    [INFER_CLASSES] = {"INT32", SHAPE_DETECTION, classes_tensor},
    [INFER_LABELS] = {"BYTES", SHAPE_DETECTION, labels_tensor},
    [INFER_COUNT] = {"INT32", SHAPE_IMAGE, count_tensor},
    [INFER_HEATMAP] = {"FP32", SHAPE_MAPS, heatmap_tensor},
    [INFER_HEATMAP_CLASSES] = {"INT32", SHAPE_MAP_CLASSES, heatmap_classes_tensor},
    [INFER_HEATMAP_BOXES] = {"FP32", SHAPE_MAP_BOXES, heatmap_boxes_tensor},
    [INFER_HEATMAP_REGIONS] = {"FP32", SHAPE_RECTANGLE, heatmap_regions_tensor},
};

/* Output id's datatype and shape, for a response (o: as asked, n images,
 * `most` detections, `maps` a heatmap's K) or the model's metadata (o NULL,
 * n, most and maps -1: any); the shape's rank. */
static int describe(const served_model *m, infer_output_id id, const infer_output *o, int n, int most, int maps,
                    int *dims, const char **datatype)
{
    const v2_output *v = &v2_outputs[id];
    const int k = o && id == INFER_PROBABILITIES ? o->classification : 0;
    *datatype = k ? "BYTES" : v->datatype;
    dims[0] = n;
    switch (v->shape) {
    case SHAPE_MAPS:
        dims[1] = maps;
        dims[2] = m->class_map ? nn_class_map_input(m->class_map).h : 0;
        dims[3] = m->class_map ? nn_class_map_input(m->class_map).w : 0;
        return 4;
    case SHAPE_MAP_CLASSES: dims[1] = maps; return 2;
    case SHAPE_MAP_BOXES: dims[1] = maps, dims[2] = 4; return 3;
    case SHAPE_RECTANGLE: dims[1] = 4; return 2;
    case SHAPE_IMAGE: return 1;
    case SHAPE_OUTPUTS: dims[1] = k ? k : (int)nn_model_outputs(&m->network); return 2;
    case SHAPE_FEATURES: dims[1] = (int)nn_model_features(&m->network); return 2;
    case SHAPE_DETECTION: dims[1] = most; return 2;
    case SHAPE_BOX: dims[1] = most, dims[2] = 4; return 3;
    }
    return 1;
}

/* The outputs a served model has. */
static infer_model infer_model_of(const served_model *m)
{
    const nn_model *nm = &m->network;
    infer_model im = {.classes = (int)nn_model_outputs(nm)};
    if (nn_model_task(nm) == NN_TASK_DETECTION) {
        im.detector = 1;
        im.outputs = 1u << INFER_BOXES | 1u << INFER_SCORES | 1u << INFER_CLASSES | 1u << INFER_LABELS |
                     1u << INFER_COUNT;
    } else {
        im.outputs = 1u << INFER_PROBABILITIES | (nn_model_features(nm) ? 1u << INFER_FEATURES : 0) |
                     (m->class_map ? INFER_HEATMAP_OUTPUTS : 0);
        im.no_heatmap = m->class_map ? NULL : m->no_class_map;
        im.most_maps = PREDICT_MAX_K;
    }
    im.on_request = INFER_HEATMAP_OUTPUTS;
    return im;
}

/* ---- metadata and health ---- */

static enum MHD_Result model_metadata(http_request *r, const served_model *m)
{
    const infer_model im = infer_model_of(m);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", m->name);
    cJSON *versions = cJSON_AddArrayToObject(root, "versions");
    cJSON_AddItemToArray(versions, cJSON_CreateString(m->version));
    cJSON_AddStringToObject(root, "platform", "lookslike");
    cJSON *inputs = cJSON_AddArrayToObject(root, "inputs");
    const int image_shape[] = {-1}, pixels_shape[] = {-1, -1, -1, 3};
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
    for (int id = 0; id < INFER_OUTPUT_KINDS; id++) {
        if (!(im.outputs & (1u << id)))
            continue;
        int dims[4];
        const char *datatype;
        int rank = describe(m, (infer_output_id)id, NULL, -1, -1, -1, dims, &datatype);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "name", infer_output_name[id]);
        cJSON_AddStringToObject(out, "datatype", datatype);
        cJSON_AddItemToObject(out, "shape", cJSON_CreateIntArray(dims, rank));
        cJSON_AddItemToArray(outputs, out);
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "parameters"), "task", nn_task_name(nn_model_task(&m->network)));
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
    const infer_model im = infer_model_of(r->model);
    char err[256];
    infer_request *q = &r->v2.infer;
    outcome o = infer_request_parse(r->body, r->body_len, json_len, server_config(r->server)->max_batch,
                                    PREDICT_MIN_SIDE, &im, q, err, sizeof err);
    if (o != OUTCOME_OK) {
        *answered = respond_error(r, o, "%s", err);
        return -1;
    }
    r->crop = q->crop;
    unsigned copies = EXCHANGE_BOXES;
    if (im.detector) {
        r->detection = q->detection;
        if (q->classes && exchange_class_filter(r, q->classes, OUTCOME_BAD_REQUEST, answered) < 0)
            return -1;
    } else {
        copies = EXCHANGE_PROBABILITIES | (q->output[INFER_FEATURES].wanted ? EXCHANGE_FEATURES : 0) |
                 (q->maps ? EXCHANGE_HEATMAPS : 0);
        r->k = q->maps ? q->maps : 1; /* the maps' classes: the top K */
    }
    if (exchange_make_jobs(r, &q->inputs, copies) < 0) {
        *answered = respond_error(r, OUTCOME_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    return 0;
}

/* One output in the response: its description, and its data in the JSON or
 * appended to the binary section. 0, or -1 when out of memory. */
static int add_output(const http_request *r, cJSON *outputs, infer_output_id id, int most, text_buffer *binary)
{
    const infer_output *o = &r->v2.infer.output[id];
    text_buffer t = {0};
    if (!o->binary)
        text_put(&t, "[", 1);
    v2_outputs[id].tensor(r, o, most, &t);
    if (!o->binary)
        text_put(&t, "]", 1);
    if (t.failed) {
        text_free(&t);
        return -1;
    }
    int dims[4];
    const char *datatype;
    int rank = describe(r->model, id, o, r->job_count, most, r->v2.infer.maps, dims, &datatype);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToArray(outputs, out);
    cJSON_AddStringToObject(out, "name", infer_output_name[id]);
    cJSON_AddStringToObject(out, "datatype", datatype);
    cJSON_AddItemToObject(out, "shape", cJSON_CreateIntArray(dims, rank));
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
    int most = 0, failed = 0, any_binary = 0;
    for (int i = 0; i < r->job_count; i++)
        if (r->jobs[i].result.nboxes > most)
            most = r->jobs[i].result.nboxes;
    for (int id = 0; id < INFER_OUTPUT_KINDS; id++)
        if (q->output[id].wanted) {
            failed |= add_output(r, outputs, (infer_output_id)id, most, &binary) < 0;
            any_binary |= q->output[id].binary;
        }
    char *json = failed ? NULL : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    enum MHD_Result rc;
    if (!json) {
        rc = respond_error(r, OUTCOME_OUT_OF_MEMORY, "out of memory");
    } else if (!any_binary) {
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
