/* An Open Inference Protocol (KServe v2) inference request, decoded from its
 * body: one input, "image" (BYTES [N]: N encoded images, base64 strings in
 * the JSON or, with the binary tensor data extension, each a 4-byte
 * little-endian length and the bytes after the JSON header) or "pixels"
 * (UINT8 [N, H, W, 3]: N RGB frames, JSON numbers flat or nested, or raw
 * after the header); the outputs asked for (INFER_OUTPUTS: a classifier's
 * "probabilities", with its optional "classification" K, "features" and,
 * asked for by name, the class activation maps "heatmap" (its own
 * "classification" K) with "heatmap_classes", "heatmap_boxes" and
 * "heatmap_regions"; a
 * detector's boxes, scores, classes, labels and count), each with
 * "binary_data"; the request's "id" and its parameters: a classifier's
 * "crop", a detector's "threshold", "nms", "max" and "classes". The HTTP side (src/http/v2_route.c) receives the body and answers;
 * this is only the decoding. Pure; thread-safe. */
#ifndef LOOKSLIKE_BODY_INFER_REQUEST_H
#define LOOKSLIKE_BODY_INFER_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "../outcome.h"

#include "../detect/detect_params.h"
#include "../image/preprocess.h"
#include "image_list.h"

#define INFER_INPUT_IMAGE "image"
#define INFER_INPUT_PIXELS "pixels"

/* The protocol's outputs; a model has some of them (infer_model). */
#define INFER_OUTPUTS(X)                                                                                               \
    X(PROBABILITIES, "probabilities") /* a classifier's: FP32 [N, outputs], or BYTES [N, K] ("classification") */    \
    X(FEATURES, "features") /* a classifier's with features: FP32 [N, features] */                                    \
    X(BOXES, "boxes") /* a detector's: FP32 [N, D, 4], x, y, width, height in the image's pixels */                  \
    X(SCORES, "scores") /* FP32 [N, D], the confidences */                                                            \
    X(CLASSES, "classes") /* INT32 [N, D], the class indexes */                                                       \
    X(LABELS, "labels") /* BYTES [N, D], the class names */                                                           \
    X(COUNT, "count") /* INT32 [N], each image's detections: D is the largest */                                 \
    /* A classifier's with class activation maps, only when asked for (infer_model.on_request): */                  \
    X(HEATMAP, "heatmap") /* FP32 [N, K, H, W], the maps of the top K ("classification", default 1) */              \
    X(HEATMAP_CLASSES, "heatmap_classes") /* INT32 [N, K], each map's class index (-1: no such class) */              \
    X(HEATMAP_BOXES, "heatmap_boxes") /* FP32 [N, K, 4], each map's box in the image's pixels */                     \
    X(HEATMAP_REGIONS, "heatmap_regions") /* FP32 [N, 4], the rectangle of the image the maps' grid covers */

typedef enum {
#define X(id, name) INFER_##id,
    INFER_OUTPUTS(X)
#undef X
        INFER_OUTPUT_KINDS
} infer_output_id;

extern const char *const infer_output_name[INFER_OUTPUT_KINDS];

/* What the model offers the protocol. */
#define INFER_HEATMAP_OUTPUTS                                                                                          \
    (1u << INFER_HEATMAP | 1u << INFER_HEATMAP_CLASSES | 1u << INFER_HEATMAP_BOXES | 1u << INFER_HEATMAP_REGIONS)

typedef struct {
    unsigned outputs; /* (1u << INFER_id) for each output it has */
    int classes; /* its outputs: the most "classification" may ask for */
    int detector; /* it takes the detection parameters (detect_params.h), not "crop" */
    unsigned on_request; /* of its outputs, the ones a request that names no output does not get */
    const char *no_heatmap; /* a classifier without class activation maps: why (for the heatmap outputs' refusal) */
    int most_maps; /* the most classes "heatmap" may ask maps for */
} infer_model;

/* An output as the request asks for it. */
typedef struct {
    int wanted;
    int classification; /* probabilities, heatmap: K classes asked for, or 0: the probabilities, one map */
    int binary; /* as binary data after the JSON header */
} infer_output;

typedef struct {
    image_list inputs; /* N encoded images, or N frames (inputs.pixels) */
    /* The outputs; a request that names none gets every output the model
     * has (the protocol's default), as JSON. */
    infer_output output[INFER_OUTPUT_KINDS];
    crop_mode crop;
    /* A detector's parameters "threshold", "nms", "max" (checked), and
     * "classes" as sent (a copy; NULL: every class), for the caller to
     * resolve against the labels (detect_class_mask). */
    detection_request detection;
    char *classes;
    int maps; /* the heatmap outputs' K: "heatmap"'s "classification", or 1; 0 when none is asked for */
    char id[128]; /* the request's "id", echoed */
    int has_id;
} infer_request;

/* body[0, json_len) is the JSON, body[json_len, len) the binary section (json_len == len: none).
 * The inputs may point into body, which must outlive q. The memory it
 * allocates (inputs.owned, classes) is at most len bytes. OUTCOME_OK, or OUTCOME_BAD_REQUEST
 * (not such a request, or data that does not fit it), OUTCOME_BATCH_TOO_LARGE,
 * OUTCOME_IMAGE_TOO_SMALL (a frame under min_side) or OUTCOME_OUT_OF_MEMORY
 * with the reason in err; on failure nothing is left to free. */
outcome infer_request_parse(const uint8_t *body, size_t len, size_t json_len, int max_images, int min_side,
                            const infer_model *m, infer_request *q, char *err, size_t errlen);
void infer_request_free(infer_request *q);

#endif
