/* POST /detect: a detector's boxes. The query (model, threshold, nms,
 * classes, max) and the answer: each image's detections in its own pixels,
 * or a batch's results in order. The body is /predict's (upload_images.c);
 * receiving and queueing: inference_exchange.c. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"
#include "inference_exchange.h"
#include "responses.h"
#include "upload_images.h"

/* ?NAME= of each detector parameter, checked as detect_params.c does. */
static int parse_params(http_request *r, enum MHD_Result *answered)
{
    for (int p = 0; p < DETECT_PARAM_COUNT; p++) {
        const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, detect_param_name[p]);
        if (!v)
            continue;
        char *end, err[160];
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end)
            d = NAN;
        if (detect_param_set(&r->detection, (detect_param)p, d, v, err, sizeof err) < 0) {
            *answered = respond_error(r, OUTCOME_INVALID_PARAMETER, "%s", err);
            return -1;
        }
    }
    return 0;
}

/* ?classes=a,b: the model's classes of those names (its labels' short names). */
static int parse_classes(http_request *r, enum MHD_Result *answered)
{
    const char *list = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "classes");
    return list ? exchange_class_filter(r, list, OUTCOME_INVALID_PARAMETER, answered) : 0;
}

static int parse_query(http_request *r, enum MHD_Result *answered)
{
    const char *model = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "model");
    r->model = model_registry_find(&r->models->registry, model);
    if (!r->model) {
        *answered = respond_model_not_found(r, model);
        return -1;
    }
    if (nn_model_task(&r->model->network) != NN_TASK_DETECTION) {
        *answered = respond_error(r, OUTCOME_WRONG_TASK, "model '%s' is a classifier: POST the image to /predict",
                                  r->model->name);
        return -1;
    }
    r->detection = detection_request_default();
    return parse_params(r, answered) < 0 || parse_classes(r, answered) < 0 ? -1 : 0;
}

static int begin_detect(http_request *r, const char *url, enum MHD_Result *answered)
{
    (void)url; /* always /detect */
    return parse_query(r, answered) < 0 ? -1 : upload_begin(r, answered);
}

static int collect_images(http_request *r, enum MHD_Result *answered)
{
    return upload_collect(r, EXCHANGE_BOXES, answered);
}

static void add_fixed(cJSON *o, const char *name, const char *format, double v)
{
    char num[32];
    snprintf(num, sizeof num, format, v);
    cJSON_AddRawToObject(o, name, num);
}

/* A detection's box in the source image's pixels. */
static void add_box(cJSON *o, const detected_object *d, int w, int h)
{
    double px[4];
    detect_box_pixels(d->box, w, h, px);
    cJSON *box = cJSON_AddObjectToObject(o, "box");
    const char *names[] = {"x", "y", "width", "height"};
    for (int i = 0; i < 4; i++)
        add_fixed(box, names[i], "%.2f", px[i]);
}

static cJSON *detections_json(const http_request *r, const inference_job *j)
{
    const prediction_result *res = &j->result;
    const nn_labels *labels = &res->model->labels;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", res->model->name);
    cJSON_AddStringToObject(root, "model_version", res->model->version);
    cJSON *list = cJSON_AddArrayToObject(root, "detections");
    for (int i = 0; i < res->nboxes; i++) {
        const detected_object *d = &res->boxes[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "label", labels->short_name[d->class_index]);
        cJSON_AddNumberToObject(o, "index", d->class_index);
        add_fixed(o, "confidence", "%.6f", d->confidence);
        add_box(o, d, res->width, res->height);
        cJSON_AddItemToArray(list, o);
    }
    cJSON_AddNumberToObject(root, "total_detections", res->total_boxes);
    cJSON_AddBoolToObject(root, "total_is_lower_bound", res->boxes_truncated); /* a class had max of its own */
    cJSON *image = cJSON_AddObjectToObject(root, "image");
    cJSON_AddNumberToObject(image, "width", res->width);
    cJSON_AddNumberToObject(image, "height", res->height);
    cJSON *timing = cJSON_AddObjectToObject(root, "timing_ms");
    double total = j->queue_ms + res->decode_ms + res->preprocess_ms + res->inference_ms;
    const double t[] = {res->decode_ms, res->preprocess_ms, res->inference_ms, res->decode_boxes_ms, j->queue_ms,
                        total};
    const char *names[] = {"decode", "preprocess", "inference", "boxes", "queue", "total"};
    for (int i = 0; i < 6; i++)
        add_fixed(timing, names[i], "%.3f", t[i]);
    cJSON_AddNumberToObject(root, "threads", res->threads);
    cJSON_AddStringToObject(root, "request_id", r->request_id);
    return root;
}

static enum MHD_Result respond_detections(http_request *r)
{
    return upload_respond(r, detections_json);
}

static void release_images(http_request *r)
{
    image_list_free(&r->predict.images);
}

const inference_route detect_inference = {begin_detect, collect_images, respond_detections, release_images};
