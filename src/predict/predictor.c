#include "predictor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clock.h"
#include "../detect/letterbox.h"
#include "../image/image_decode.h"
#include "../nn/engine.h"

struct predictor {
    const model_registry *registry;
    nn_engine *engines[REGISTRY_MAX_MODELS];
    detector *detectors[REGISTRY_MAX_MODELS]; /* a detector model's decoder; NULL for a classifier */
    detection_request detection; /* for the next runs */
    detected_object *boxes; /* DETECT_MAX_BOXES, when a model is a detector */
    float *input; /* a detector's letterboxed input, largest detector input */
    image_decoder *decoder;
    resize_workspace *resize;
    uint8_t *rgb; /* preprocessed input, largest model input */
    float *output; /* largest model output */
    float *tap; /* the largest class map tap, when a model has class maps */
    double *map_mean; /* the largest class map baseline (nn_class_map_baseline) */
    int threads; /* for the next runs */
};

predictor *predictor_new(const model_registry *r, int threads, char *err, size_t errlen)
{
    predictor *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->registry = r;
    p->threads = threads;
    p->detection = detection_request_default();
    size_t max_in = 0, max_out = 0, max_detector_in = 0, max_tap = 0, max_mean = 0;
    for (int i = 0; i < r->count; i++) {
        const nn_model *m = &r->models[i].network;
        if (r->models[i].class_map && nn_model_tap_size(m, NN_TAP_CLASS_MAP) > max_tap)
            max_tap = nn_model_tap_size(m, NN_TAP_CLASS_MAP);
        if (r->models[i].class_map && nn_class_map_scratch(r->models[i].class_map) > max_mean)
            max_mean = nn_class_map_scratch(r->models[i].class_map);
        if (nn_shape_size(m->input) > max_in)
            max_in = nn_shape_size(m->input);
        if (nn_model_outputs(m) > max_out)
            max_out = nn_model_outputs(m);
        p->engines[i] = nn_engine_create(r->models[i].engine, m, threads, err, errlen);
        if (!p->engines[i]) {
            predictor_free(p);
            return NULL;
        }
        if (nn_model_task(m) != NN_TASK_DETECTION)
            continue;
        if (nn_shape_size(m->input) > max_detector_in)
            max_detector_in = nn_shape_size(m->input);
        if (!(p->detectors[i] = detector_new(m))) {
            snprintf(err, errlen, "out of memory");
            predictor_free(p);
            return NULL;
        }
    }
    if (max_detector_in && (!(p->input = malloc(max_detector_in * sizeof *p->input)) ||
                            !(p->boxes = malloc(DETECT_MAX_BOXES * sizeof *p->boxes)))) {
        snprintf(err, errlen, "out of memory");
        predictor_free(p);
        return NULL;
    }
    p->decoder = image_decoder_new();
    p->resize = resize_workspace_new();
    if (p->resize)
        resize_workspace_set_threads(p->resize, threads);
    p->rgb = malloc(max_in);
    p->output = calloc(max_out, sizeof *p->output);
    p->tap = max_tap ? malloc(max_tap * sizeof *p->tap) : NULL;
    p->map_mean = max_mean ? malloc(max_mean * sizeof *p->map_mean) : NULL;
    if (!p->decoder || !p->resize || !p->rgb || !p->output || (max_tap && !p->tap) || (max_mean && !p->map_mean)) {
        snprintf(err, errlen, "out of memory");
        predictor_free(p);
        return NULL;
    }
    return p;
}

void predictor_free(predictor *p)
{
    if (!p)
        return;
    for (int i = 0; i < REGISTRY_MAX_MODELS; i++) {
        nn_engine_destroy(p->engines[i]);
        detector_free(p->detectors[i]);
    }
    free(p->input);
    free(p->boxes);
    image_decoder_free(p->decoder);
    resize_workspace_free(p->resize);
    free(p->rgb);
    free(p->output);
    free(p->tap);
    free(p->map_mean);
    free(p);
}

void predictor_set_threads(predictor *p, int threads)
{
    p->threads = threads;
    resize_workspace_set_threads(p->resize, threads);
}

void predictor_set_detection(predictor *p, const detection_request *d)
{
    p->detection = *d;
    if (p->detection.max > DETECT_MAX_BOXES)
        p->detection.max = DETECT_MAX_BOXES;
}

/* A detector: Darknet's letterbox, the engine, the boxes. */
static outcome detect_rgb(predictor *p, const served_model *m, const uint8_t *rgb, int width, int height,
                          prediction_result *res, char *err, size_t errlen)
{
    int slot = (int)(m - p->registry->models);
    const nn_shape in = m->network.input;
    double t0 = clock_ms();
    letterbox_image_planar(rgb, width, height, in.w, in.h, !m->network.stretch, p->input);
    double t1 = clock_ms();
    if (nn_engine_run_input(p->engines[slot], p->input, p->output, p->threads) < 0) {
        snprintf(err, errlen, "inference failed");
        return OUTCOME_INTERNAL;
    }
    double t2 = clock_ms();
    res->total_boxes = detector_run(p->detectors[slot], p->output, width, height, &p->detection.options, p->boxes,
                                    p->detection.max, &res->boxes_truncated);
    res->nboxes = res->total_boxes < p->detection.max ? res->total_boxes : p->detection.max;
    res->boxes = p->boxes;
    res->preprocess_ms = t1 - t0;
    res->inference_ms = clock_ms() - t1;
    res->decode_boxes_ms = clock_ms() - t2;
    res->threads = p->threads;
    res->model = m;
    res->outputs = p->output;
    res->width = res->decoded_width = width;
    res->height = res->decoded_height = height;
    return OUTCOME_OK;
}

outcome predictor_run_tensor(predictor *p, const served_model *m, const uint8_t *rgb, int k, prediction_result *res)
{
    int slot = (int)(m - p->registry->models);
    if (p->detectors[slot]) { /* a tensor of the input's size: its letterbox is itself */
        char err[64];
        memset(res, 0, sizeof *res);
        return detect_rgb(p, m, rgb, m->network.input.w, m->network.input.h, res, err, sizeof err);
    }
    double t0 = clock_ms();
    if (nn_engine_run(p->engines[slot], rgb, p->output, p->threads) < 0)
        return OUTCOME_INTERNAL;
    res->inference_ms = clock_ms() - t0;
    res->threads = p->threads;
    res->model = m;
    if (k > PREDICT_MAX_K)
        k = PREDICT_MAX_K;
    int idx[PREDICT_MAX_K];
    int n = (int)nn_model_outputs(&m->network);
    res->count = nn_top_k(p->output, n, k, m->labels.background, idx);
    res->outputs = p->output;
    for (int i = 0; i < res->count; i++)
        res->top[i] = (prediction){idx[i], p->output[idx[i]], m->labels.short_name[idx[i]], m->labels.full[idx[i]]};
    return OUTCOME_OK;
}

int predictor_features(predictor *p, const served_model *m, float *out)
{
    return nn_engine_tap(p->engines[m - p->registry->models], NN_TAP_FEATURES, out);
}

/* A map scaled to 0..1 in place; the bounding rectangle of its cells at 0.5
 * or more (cells: x0, y0, x1, y1, ends excluded). */
static void scale_map(float *v, int w, int h, int cells[4])
{
    const int n = w * h;
    float lo = v[0], hi = v[0];
    for (int i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    cells[0] = w, cells[1] = h, cells[2] = cells[3] = 0;
    for (int i = 0; i < n; i++) {
        v[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0.0f;
        if (v[i] < 0.5f)
            continue;
        int x = i % w, y = i / w;
        cells[0] = x < cells[0] ? x : cells[0];
        cells[1] = y < cells[1] ? y : cells[1];
        cells[2] = x + 1 > cells[2] ? x + 1 : cells[2];
        cells[3] = y + 1 > cells[3] ? y + 1 : cells[3];
    }
    if (hi <= lo)
        cells[0] = cells[1] = 0, cells[2] = w, cells[3] = h;
}

int predictor_explain(predictor *p, const served_model *m, crop_mode crop, prediction_result *res, float *values)
{
    const nn_class_map *c = m->class_map;
    if (!c || nn_engine_tap(p->engines[m - p->registry->models], NN_TAP_CLASS_MAP, p->tap) < 0)
        return -1;
    const nn_shape map = nn_class_map_input(c);
    /* The crop in the decoded image, then in the image as sent (DCT scaling decodes it smaller). */
    double *r = res->map_region;
    preprocess_window(model_preprocess_style(&m->network), crop, res->decoded_width, res->decoded_height,
                      m->network.input.w, m->network.input.h, r);
    const double sx = (double)res->width / res->decoded_width, sy = (double)res->height / res->decoded_height;
    r[0] *= sx, r[2] *= sx, r[1] *= sy, r[3] *= sy;
    const double cw = r[2] / map.w, ch = r[3] / map.h;
    nn_class_map_baseline(c, res->outputs, p->map_mean);
    for (int i = 0; i < res->count; i++) {
        float *v = values + (size_t)i * (size_t)map.w * (size_t)map.h;
        int cells[4];
        nn_class_map_compute(c, p->tap, res->outputs, p->map_mean, res->top[i].index, v);
        scale_map(v, map.w, map.h, cells);
        double *b = res->map_box[i];
        b[0] = r[0] + cells[0] * cw, b[1] = r[1] + cells[1] * ch;
        b[2] = (cells[2] - cells[0]) * cw, b[3] = (cells[3] - cells[1]) * ch;
    }
    return 0;
}

const uint8_t *predictor_input(const predictor *p)
{
    return p->rgb;
}

/* With DCT scaling the decoder skips most of a large photo's IDCT work, and
 * Pillow's resize still reduces the result by at least this factor, so its
 * antialiasing sees the detail it would have seen (Pillow's own thumbnail()
 * draft uses the same gap of 2). Photos below 2x the model input after the
 * crop, e.g. the reference images, are decoded at full size: bit-exact. */
#define DCT_SCALING_GAP 2

/* Decoded pixels kept between requests: enough for a 5 MP photo decoded at
 * full size; anything bigger is freed after its request (see image_decoder_trim). */
#define DECODE_BUFFER_KEEP (16u << 20)

/* Resize buffers kept between requests: a 224x224 output's sums (600 KB) and
 * the taps of any ordinary photo; a tall or wide image's taps are freed. */
#define RESIZE_BUFFER_KEEP (1u << 20)

static image_decode_options decode_options(const predict_limits *limits, const served_model *m, crop_mode crop)
{
    image_decode_options o = {limits->max_pixels, limits->min_side, 0, 0, 1};
    /* A detector's letterbox is libdarknet's of the whole decoded image: at full size. */
    if (limits->dct_scaling && nn_model_task(&m->network) == NN_TASK_CLASSIFICATION)
        preprocess_min_decode_size(model_preprocess_style(&m->network), crop, DCT_SCALING_GAP, m->network.input.w,
                                   m->network.input.h, &o.min_width, &o.min_height);
    return o;
}

outcome predictor_run_image(predictor *p, const served_model *m, const uint8_t *image, size_t len, crop_mode crop,
                            int k, const predict_limits *limits, prediction_result *res, char *err, size_t errlen)
{
    rgb_image img;
    image_decode_options opt = decode_options(limits, m, crop);
    double t0 = clock_ms();
    outcome decoded = image_decode(p->decoder, image, len, &opt, &img, err, errlen);
    if (decoded != OUTCOME_OK) {
        image_decoder_trim(p->decoder, DECODE_BUFFER_KEEP);
        return decoded;
    }
    double decode_ms = clock_ms() - t0;
    outcome st = predictor_run_rgb(p, m, img.rgb, img.width, img.height, crop, k, res, err, errlen);
    image_decoder_trim(p->decoder, DECODE_BUFFER_KEEP);
    res->width = img.source_width;
    res->height = img.source_height;
    res->decode_ms = decode_ms;
    return st;
}

outcome predictor_run_rgb(predictor *p, const served_model *m, const uint8_t *rgb, int width, int height,
                          crop_mode crop, int k, prediction_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    const nn_shape in = m->network.input;
    if (in.c != 3) {
        snprintf(err, errlen, "model '%s' does not take RGB input", m->name);
        return OUTCOME_INTERNAL;
    }
    if (p->detectors[m - p->registry->models])
        return detect_rgb(p, m, rgb, width, height, res, err, errlen);
    double t0 = clock_ms();
    int resized = preprocess_rgb(p->resize, rgb, width, height, model_preprocess_style(&m->network), crop, p->rgb, in.w,
                                 in.h);
    resize_workspace_trim(p->resize, RESIZE_BUFFER_KEEP);
    if (resized < 0) {
        snprintf(err, errlen, "out of memory while resizing");
        return OUTCOME_INTERNAL;
    }
    double preprocess_ms = clock_ms() - t0;
    outcome st = predictor_run_tensor(p, m, p->rgb, k, res);
    if (st != OUTCOME_OK)
        snprintf(err, errlen, "inference failed");
    res->width = res->decoded_width = width;
    res->height = res->decoded_height = height;
    res->preprocess_ms = preprocess_ms;
    return st;
}
