/* What a request may ask of a detector, however it asks — POST /detect's
 * query or the Open Inference Protocol's parameters: the thresholds, how many
 * boxes, which classes. One table gives each parameter's name and range, one
 * function checks a value against it and says what is wrong in words both
 * routes answer with. Pure; thread-safe. */
#ifndef LOOKSLIKE_DETECT_DETECT_PARAMS_H
#define LOOKSLIKE_DETECT_DETECT_PARAMS_H

#include <stddef.h>

#include "../nn/labels.h"
#include "detect_boxes.h"

/* The most detections one image's answer lists. */
#define DETECT_MAX_BOXES 1000
#define DETECT_DEFAULT_MAX 100

/* What a detector's runs report: detect_options and how many boxes at most. */
typedef struct {
    detect_options options;
    int max; /* 1..DETECT_MAX_BOXES */
} detection_request;

/* X(ID, name, lowest, lowest_excluded, highest, integer) */
#define DETECT_PARAMS(X)                                                                                               \
    X(THRESHOLD, "threshold", 0.0, 1, 1.0, 0)                                                                          \
    X(NMS, "nms", 0.0, 0, 1.0, 0)                                                                                      \
    X(MAX, "max", 1.0, 0, DETECT_MAX_BOXES, 1)

typedef enum {
#define X(id, name, lo, lo_excluded, hi, integer) DETECT_PARAM_##id,
    DETECT_PARAMS(X)
#undef X
        DETECT_PARAM_COUNT
} detect_param;

extern const char *const detect_param_name[DETECT_PARAM_COUNT];

/* Darknet's thresholds, DETECT_DEFAULT_MAX boxes, every class. */
detection_request detection_request_default(void);

/* Sets parameter p of d to v (NaN: what was sent is not a number); shown is
 * what was sent, as the message quotes it. 0, or -1 with the reason in err
 * ("max must be an integer from 1 to 1000, not '0'"). */
int detect_param_set(detection_request *d, detect_param p, double v, const char *shown, char *err, size_t errlen);

/* list: class names of model's (labels' short names), comma-separated; mask: one flag
 * a class (labels->count), set for each named. 0, or -1 naming the first
 * name the labels do not have. */
int detect_class_mask(const char *model, const nn_labels *labels, const char *list, unsigned char *mask, char *err, size_t errlen);

#endif
