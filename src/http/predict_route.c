/* POST /predict: the query and the answer, the top-k as JSON, or a batch's
 * results in order. The images of the body: upload_images.c; receiving and
 * queueing: inference_exchange.c. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/image_decode.h"
#include "../text_buffer.h"
#include "http_request.h"
#include "responses.h"
#include "inference_exchange.h"
#include "upload_images.h"

/* A query flag, 0 or 1 (absent: 0); -1 with a 400 answered. */
static int query_flag(http_request *r, const char *name, int *out, enum MHD_Result *answered)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    if (v && strcmp(v, "0") && strcmp(v, "1")) {
        *answered = respond_error(r, OUTCOME_INVALID_PARAMETER, "%s must be 0 or 1, not '%.40s'", name, v);
        return -1;
    }
    *out = v && !strcmp(v, "1");
    return 0;
}

/* Query parameters k, model, crop, features, explain; an error is answered right away. */
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
            *answered = respond_error(r, OUTCOME_INVALID_PARAMETER, "k must be an integer from 1 to %d, not '%.40s'",
                                      PREDICT_MAX_K, k);
            return -1;
        }
        r->k = (int)v;
    }
    r->crop = CROP_CENTER;
    if (crop && crop_mode_parse(crop, &r->crop) < 0) {
        *answered = respond_error(r, OUTCOME_INVALID_PARAMETER, "crop must be 'center' or 'full', not '%.40s'", crop);
        return -1;
    }
    r->model = model_registry_find(&r->models->registry, model);
    if (!r->model) {
        *answered = respond_model_not_found(r, model);
        return -1;
    }
    if (nn_model_task(&r->model->network) != NN_TASK_CLASSIFICATION) {
        *answered = respond_error(r, OUTCOME_WRONG_TASK, "model '%s' is a detector: POST the image to /detect",
                                  r->model->name);
        return -1;
    }
    if (query_flag(r, "features", &r->predict.features, answered) < 0 ||
        query_flag(r, "explain", &r->predict.explain, answered) < 0)
        return -1;
    if (r->predict.features && !nn_model_features(&r->model->network)) {
        *answered = respond_error(r, OUTCOME_INVALID_PARAMETER,
                                  "model '%s' has no features (no average pool layer) to return", r->model->name);
        return -1;
    }
    if (r->predict.explain && !r->model->class_map) {
        *answered = respond_error(r, OUTCOME_INVALID_PARAMETER, "model '%s' has no class activation maps to explain "
                                  "with: %s", r->model->name, r->model->no_class_map);
        return -1;
    }
    return 0;
}

/* Before the body: the query, and a media type /predict takes. */
static int begin_predict(http_request *r, const char *url, enum MHD_Result *answered)
{
    (void)url; /* always /predict */
    return parse_query(r, answered) < 0 ? -1 : upload_begin(r, answered);
}

static int collect_images(http_request *r, enum MHD_Result *answered)
{
    return upload_collect(r, (r->predict.features ? EXCHANGE_FEATURES : 0) | (r->predict.explain ? EXCHANGE_HEATMAPS : 0),
                          answered);
}

/* x, y, width, height in source pixels, to the hundredth. */
static void add_rectangle(cJSON *o, const char *name, const double *r)
{
    cJSON *rect = cJSON_AddObjectToObject(o, name);
    const char *names[] = {"x", "y", "width", "height"};
    for (int i = 0; i < 4; i++) {
        char num[32];
        snprintf(num, sizeof num, "%.2f", r[i]);
        cJSON_AddRawToObject(rect, names[i], num);
    }
}

/* The i-th prediction's class activation map (predictor_explain); NULL when out of memory. */
static cJSON *heatmap_json(const inference_job *j, int i)
{
    const prediction_result *res = &j->result;
    const nn_shape map = nn_class_map_input(res->model->class_map);
    const size_t cells = (size_t)map.w * (size_t)map.h;
    cJSON *h = cJSON_CreateObject();
    cJSON_AddNumberToObject(h, "width", map.w);
    cJSON_AddNumberToObject(h, "height", map.h);
    text_buffer t = {0};
    text_put_float_array(&t, j->heatmaps + (size_t)i * cells, cells);
    if (t.failed || !cJSON_AddRawToObject(h, "values", t.data)) {
        text_free(&t);
        cJSON_Delete(h);
        return NULL;
    }
    text_free(&t);
    add_rectangle(h, "region", res->map_region);
    add_rectangle(h, "box", res->map_box[i]);
    return h;
}

/* An image's prediction as JSON. */
static cJSON *prediction_json(const inference_job *j)
{
    const prediction_result *res = &j->result;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", res->model->name);
    cJSON_AddStringToObject(root, "model_version", res->model->version);
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
        cJSON *map = j->heatmaps ? heatmap_json(j, i) : NULL;
        if (j->heatmaps && !map) {
            cJSON_Delete(root);
            return NULL; /* answered as out of memory */
        }
        if (map)
            cJSON_AddItemToObject(p, "heatmap", map);
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
    if (j->features) { /* as v2's features output writes them */
        text_buffer t = {0};
        text_put_float_array(&t, j->features, nn_model_features(&res->model->network));
        if (t.failed || !cJSON_AddRawToObject(root, "features", t.data)) {
            cJSON_Delete(root);
            root = NULL; /* answered as out of memory */
        }
        text_free(&t);
    }
    return root;
}

static cJSON *answer_json(const http_request *r, const inference_job *j)
{
    (void)r;
    return prediction_json(j);
}

static enum MHD_Result respond_prediction(http_request *r)
{
    return upload_respond(r, answer_json);
}

static void release_images(http_request *r)
{
    image_list_free(&r->predict.images);
}

const inference_route predict_inference = {begin_predict, collect_images, respond_prediction, release_images};
