/* A detector's boxes, read off its heads' outputs (nn_model_outputs, an
 * engine's run) as libdarknet reads them: get_network_boxes (yolo:
 * get_yolo_box, region: get_region_box; objectness and objectness x class
 * probability both above the threshold; correct_yolo_boxes for the
 * letterbox; YOLO9000's tree: one class a box, chosen down the tree;
 * YOLOv1's detection: get_detection_detections), then do_nms_sort per class (or the fork's greedy or DIoU NMS,
 * where the last head's nms_kind= asks for it), then, as Darknet's
 * draw_detections and python/darknet.py report them, one detection per box
 * and class left above the threshold.
 *
 * Equal to libdarknet's boxes and confidences to the bit; the one freedom is
 * the order of exactly equal confidences in NMS, which libdarknet leaves to
 * qsort and which is fixed here (the earlier box first).
 *
 * A detector holds the workspace for one model: built once, it allocates
 * nothing per call. One thread at a time. */
#ifndef LOOKSLIKE_DETECT_DETECT_BOXES_H
#define LOOKSLIKE_DETECT_DETECT_BOXES_H

#include "../nn/model.h"

/* Darknet's box: centre and size, relative to the whole source image (0..1
 * inside it; a box may reach past its edges). */
typedef struct {
    float x, y, w, h;
} detect_box;

typedef struct {
    detect_box box;
    int class_index;
    float confidence; /* objectness x class probability */
    float objectness;
} detected_object;

#define DETECT_DEFAULT_THRESHOLD 0.25f
#define DETECT_DEFAULT_NMS 0.45f

typedef struct {
    /* Darknet's thresh: a box's objectness and a class's confidence must
     * exceed it; in (0, 1]. */
    float threshold;
    /* Darknet's nms: of two boxes of one class overlapping by more than
     * this IoU, the less confident is dropped; 0: no suppression. */
    float nms;
    /* Of each class, whether it is reported; NULL: every class. */
    const unsigned char *classes;
} detect_options;

typedef struct detector detector;

/* NULL when out of memory (or m is not a detector). m must outlive it. */
detector *detector_new(const nn_model *m);
void detector_free(detector *d);

/* outputs: a run's nn_model_outputs(m) floats; image_w x image_h: the
 * source image's size (for the letterbox's correction). Writes the `max`
 * most confident detections to out, most confident first, and returns how
 * many there were in all (which may exceed max). A class stops counting at
 * `max` of its own (none after them could be in the answer), which sets
 * *truncated when more of its boxes were left unexamined: the count is then
 * a lower bound. The work is at most (boxes above the threshold) x max per
 * class. */
int detector_run(detector *d, const float *outputs, int image_w, int image_h, const detect_options *o,
                 detected_object *out, int max, int *truncated);

/* b in the pixels of a w x h image: left, top, width, height, its corners
 * clipped to the image (as Darknet's draw_detections clips them). */
void detect_box_pixels(detect_box b, int w, int h, double pixels[4]);

/* Darknet's box_iou, in its float arithmetic. */
float detect_box_iou(detect_box a, detect_box b);

#endif
