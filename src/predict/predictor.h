/* One worker's inference pipeline: image bytes -> decode -> crop and resize ->
 * engine -> top-k labels. Owns an engine per served model and all
 * the buffers it needs, so a request allocates nothing once warm. Not
 * thread-safe: one predictor per worker thread. */
#ifndef LOOKSLIKE_PREDICT_PREDICTOR_H
#define LOOKSLIKE_PREDICT_PREDICTOR_H

#include <stddef.h>
#include <stdint.h>

#include "../outcome.h"

#include "../detect/detect_params.h"
#include "../image/preprocess.h"
#include "model_registry.h"

#define PREDICT_MAX_K 20
/* Images narrower or lower than this are refused: below it a 224x224 input
 * is mostly interpolation. */
#define PREDICT_MIN_SIDE 16

typedef struct {
    uint64_t max_pixels;
    int min_side;
    /* Decode large JPEGs at a reduced DCT scale, keeping at least
     * DCT_SCALING_GAP times the model input after the crop (see predictor.c). */
    int dct_scaling;
} predict_limits;

typedef struct {
    int index;
    float probability;
    const char *label; /* first synonym */
    const char *labels; /* the whole label line */
} prediction;

typedef struct {
    const served_model *model;
    int width, height; /* of the image sent (as its header states) */
    int decoded_width, decoded_height; /* after DCT scaling */
    int count;
    prediction top[PREDICT_MAX_K];
    double decode_ms, preprocess_ms, inference_ms;
    double decode_boxes_ms; /* a detector's: reading the boxes off the outputs, NMS (in inference_ms) */
    int threads; /* the inference ran on */
    const float *outputs; /* every output's probability, owned by the predictor: valid until its next run */
    /* A detector's: its most confident detections (at most the max set with
     * predictor_set_detection), owned by the predictor, valid until its next
     * run; how many there were in all. A classifier's: none. */
    const detected_object *boxes;
    int nboxes, total_boxes;
    int boxes_truncated; /* total_boxes is a lower bound (detector_run) */
    /* After predictor_explain: where the top-k's class activation maps lie
     * in the image sent, x, y, width, height in its pixels: the rectangle
     * their grid covers (the crop), and each map's box. */
    double map_region[4];
    double map_box[PREDICT_MAX_K][4];
} prediction_result;

typedef struct predictor predictor;

/* Builds each model's chosen engine (served_model.engine); threads: the most
 * the engines may use per image (see predictor_set_threads). */
predictor *predictor_new(const model_registry *r, int threads, char *err, size_t errlen);
void predictor_free(predictor *p);
/* Threads for the following runs: 1, or more for the predictor's maximum
 * (the default). */
void predictor_set_threads(predictor *p, int threads);
/* What the following runs of a detector report (the default: Darknet's
 * detection_request_default()). */
void predictor_set_detection(predictor *p, const detection_request *d);

/* A classifier's run answers its top-k; a detector's, its boxes (Darknet's
 * letterbox of the whole image, not a crop: crop and k are not used).
 * From encoded image bytes: JPEG, PNG, WebP, BMP or GIF (image_decode.h).
 * Each run answers OUTCOME_OK, what the decoder refused the image for, or
 * OUTCOME_INTERNAL (a model without RGB input, an engine that failed, no
 * memory to resize), with the reason in err. */
outcome predictor_run_image(predictor *p, const served_model *m, const uint8_t *image, size_t len, crop_mode crop,
                            int k, const predict_limits *limits, prediction_result *res, char *err, size_t errlen);

/* From decoded 8-bit RGB pixels of any size (width * height * 3 bytes, row-major). */
outcome predictor_run_rgb(predictor *p, const served_model *m, const uint8_t *rgb, int width, int height,
                          crop_mode crop, int k, prediction_result *res, char *err, size_t errlen);

/* From an already preprocessed uint8 RGB tensor of the model's input size
 * (a detector's: its boxes, as from an image of that size). */
outcome predictor_run_tensor(predictor *p, const served_model *m, const uint8_t *rgb, int k, prediction_result *res);

/* After a run of m: its features (nn_model_features(&m->network) floats,
 * nn_engine_tap) into out. 0, or -1 for a model without them. */
int predictor_features(predictor *p, const served_model *m, float *out);
/* After a classifier's run of m with `crop`: the class activation map
 * (class_map.h) of each of res's top-k into values (res->count maps of the
 * model's map size, nn_class_map_input's H x W, one after the other), each
 * scaled to 0..1 between its lowest and highest cell (all 0 when every cell
 * is equal); res->map_region and res->map_box set, the box the bounding
 * rectangle of the map's cells at 0.5 or more (the whole region for a flat
 * map). 0, or -1 for a model without class maps or an engine that cannot
 * read them. Allocates nothing. */
int predictor_explain(predictor *p, const served_model *m, crop_mode crop, prediction_result *res, float *values);

/* The input tensor the last predictor_run_image or predictor_run_rgb made
 * (the model's height x width x 3 bytes): what the network was fed, for
 * comparing with another runtime fed the same. Valid until the next run. */
const uint8_t *predictor_input(const predictor *p);

#endif
