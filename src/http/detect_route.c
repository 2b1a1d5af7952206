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

/* A number in [lo, hi] (lo itself only when lo_open is 0), or an error answered. */
static int query_float(http_request *r, const char *name, float dflt, float lo, int lo_open, float hi, float *out,
                       enum MHD_Result *answered)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    *out = dflt;
    if (!v)
        return 0;
    char *end;
    errno = 0;
    float f = strtof(v, &end);
    if (errno || end == v || *end || !isfinite(f) || f < lo || (lo_open && f == lo) || f > hi) {
        *answered = respond_error(r, OUTCOME_INVALID_PARAMETER, "%s must be a number %s %g and at most %g, not '%.40s'",
                                  name, lo_open ? "above" : "from", (double)lo, (double)hi, v);
        return -1;
    }
    *out = f;
    return 0;
}

/* ?classes=a,b: the model's classes of those names (its labels' short names). */
static int parse_classes(http_request *r, const char *list, enum MHD_Result *answered)
{
    const nn_labels *labels = &r->model->labels;
    if (!(r->class_mask = calloc((size_t)labels->count, 1))) {
        *answered = respond_error(r, OUTCOME_OUT_OF_MEMORY, "cannot hold the class filter");
        return -1;
    }
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (int k = 0; k < labels->count; k++)
            if (strlen(labels->short_name[k]) == len && !strncmp(labels->short_name[k], p, len))
                r->class_mask[k] = found = 1;
        if (!found) {
            *answered = respond_error(r, OUTCOME_INVALID_PARAMETER,
                                      "classes: model '%s' has no class '%.*s' (its labels are listed by /v1/models "
                                      "and its labels file)",
                                      r->model->name, (int)(len < 60 ? len : 60), p);
            return -1;
        }
        p += len;
        p += *p == ',';
    }
    return 0;
}

static int parse_query(http_request *r, enum MHD_Result *answered)
{
    const char *model = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "model");
    const char *max = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "max");
    const char *classes = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "classes");
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
    detection_request *d = &r->detection;
    d->max = 100;
    if (max) {
        char *end;
        errno = 0;
        long v = strtol(max, &end, 10);
        if (errno || end == max || *end || v < 1 || v > PREDICT_MAX_BOXES) {
            *answered = respond_error(r, OUTCOME_INVALID_PARAMETER, "max must be an integer from 1 to %d, not '%.40s'",
                                      PREDICT_MAX_BOXES, max);
            return -1;
        }
        d->max = (int)v;
    }
    if (query_float(r, "threshold", DETECT_DEFAULT_THRESHOLD, 0.0f, 1, 1.0f, &d->options.threshold, answered) < 0 ||
        query_float(r, "nms", DETECT_DEFAULT_NMS, 0.0f, 0, 1.0f, &d->options.nms, answered) < 0 ||
        (classes && parse_classes(r, classes, answered) < 0))
        return -1;
    d->options.classes = r->class_mask;
    return 0;
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

/* A detection's box in the source image's pixels: Darknet's relative box,
 * its corners clipped to the image (as its draw_detections does). */
static void add_box(cJSON *o, const detected_object *d, int w, int h)
{
    double left = fmax(0.0, ((double)d->box.x - d->box.w / 2.0) * w);
    double top = fmax(0.0, ((double)d->box.y - d->box.h / 2.0) * h);
    double right = fmin(w, ((double)d->box.x + d->box.w / 2.0) * w);
    double bottom = fmin(h, ((double)d->box.y + d->box.h / 2.0) * h);
    cJSON *box = cJSON_AddObjectToObject(o, "box");
    add_fixed(box, "x", "%.2f", left);
    add_fixed(box, "y", "%.2f", top);
    add_fixed(box, "width", "%.2f", fmax(0.0, right - left));
    add_fixed(box, "height", "%.2f", fmax(0.0, bottom - top));
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
