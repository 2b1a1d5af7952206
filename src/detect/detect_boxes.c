/* Darknet's decoding and NMS of a detector's outputs (detect_boxes.h). The
 * expressions keep libdarknet's mix of float and double (exp in double,
 * the letterbox correction's halves in double) so that boxes equal its own. */
#include "detect_boxes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "letterbox.h"

/* A box whose objectness passed: its class scores are read off the outputs
 * during the call that found it; or, a YOLO9000 box, its one class. */
typedef struct {
    detect_box box;
    float objectness;
    const float *classes; /* class 0's entry; class k's is classes[k * stride] */
    size_t stride;
    int tree_class; /* -1, or the class the tree chose: its confidence is the objectness */
} candidate;

typedef struct {
    int candidate;
    float confidence;
} scored;

struct detector {
    const nn_model *model;
    int classes; /* every head's (nn_model_parse_cfg checks they agree) */
    nn_nms_kind nms_kind;
    float beta_nms;
    int ncap; /* every cell's every box */
    candidate *cands;
    scored *list; /* one class's candidates above the threshold */
    detect_box *kept; /* one class's boxes that survived NMS so far */
    float *tree; /* a YOLO9000 box's class probabilities */
};

detector *detector_new(const nn_model *m)
{
    detector *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->model = m;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        if (!nn_layer_is_head(l))
            continue;
        d->ncap += (l->kind == LAYER_DETECTION ? l->head.side * l->head.side : l->out.w * l->out.h) * l->head.boxes;
        d->classes = l->head.classes;
        d->nms_kind = l->head.nms_kind; /* the fork's detector takes the last layer's */
        d->beta_nms = l->head.beta_nms;
    }
    d->cands = malloc((size_t)(d->ncap ? d->ncap : 1) * sizeof *d->cands);
    d->list = malloc((size_t)(d->ncap ? d->ncap : 1) * sizeof *d->list);
    d->kept = malloc((size_t)(d->ncap ? d->ncap : 1) * sizeof *d->kept);
    d->tree = malloc((size_t)d->classes * sizeof *d->tree);
    if (!d->ncap || !d->cands || !d->list || !d->kept || !d->tree) {
        detector_free(d);
        return NULL;
    }
    return d;
}

void detector_free(detector *d)
{
    if (!d)
        return;
    free(d->cands);
    free(d->list);
    free(d->kept);
    free(d->tree);
    free(d);
}

/* get_yolo_box / get_region_box: x holds the box's entries `stride` apart;
 * (col, row) its cell of a lw x lh map; anchor sizes are divided by (dw,
 * dh): the network's size for yolo, the map's for region. */
static detect_box head_box(const float *x, size_t stride, const float *anchor, int col, int row, int lw, int lh, int dw,
                           int dh, int new_coords)
{
    detect_box b;
    b.x = (col + x[0]) / lw;
    b.y = (row + x[stride]) / lh;
    if (new_coords) {
        b.w = x[2 * stride] * x[2 * stride] * 4 * anchor[0] / dw;
        b.h = x[3 * stride] * x[3 * stride] * 4 * anchor[1] / dh;
    } else {
        b.w = exp(x[2 * stride]) * anchor[0] / dw;
        b.h = exp(x[3 * stride]) * anchor[1] / dh;
    }
    return b;
}

/* correct_yolo_boxes (= correct_region_boxes) with relative = 1: from the
 * network's input back to the source image. */
static detect_box correct_box(detect_box b, int w, int h, int netw, int neth, int letterbox)
{
    int new_w, new_h;
    letterbox_size(w, h, netw, neth, letterbox, &new_w, &new_h);
    b.x = (b.x - (netw - new_w) / 2. / netw) / ((float)new_w / netw);
    b.y = (b.y - (neth - new_h) / 2. / neth) / ((float)new_h / neth);
    b.w *= (float)netw / new_w;
    b.h *= (float)neth / new_h;
    return b;
}

/* Darknet's hier_thresh (its detector's default): how sure a YOLO9000 box
 * must be of a class to go down the tree below it. */
#define TREE_THRESHOLD 0.5f

/* YOLOv1's boxes (get_detection_detections with w = h = 1, as Darknet's
 * yolo.c calls it): no anchors, x and y in the cell, w and h of the whole
 * input, squared where sqrt=1. Every box but those of objectness exactly 0
 * (which do_nms_sort drops) is a candidate: a class's confidence alone is
 * held to the threshold. */
static int detection_candidates(detector *d, const nn_layer *l, const float *out, int n, int image_w, int image_h)
{
    const nn_detection_head *hd = &l->head;
    const nn_model *m = d->model;
    int cells = hd->side * hd->side;
    for (int i = 0; i < cells; i++)
        for (int b = 0; b < hd->boxes; b++) {
            const float *x = out + (size_t)cells * (hd->classes + hd->boxes) + ((size_t)i * hd->boxes + b) * 4;
            float scale = out[(size_t)cells * hd->classes + (size_t)i * hd->boxes + b];
            if (scale == 0)
                continue;
            candidate *c = &d->cands[n++];
            c->box.x = (x[0] + i % hd->side) / hd->side;
            c->box.y = (x[1] + i / hd->side) / hd->side;
            c->box.w = pow(x[2], hd->sqrt ? 2 : 1);
            c->box.h = pow(x[3], hd->sqrt ? 2 : 1);
            c->box = correct_box(c->box, image_w, image_h, m->input.w, m->input.h, !m->stretch);
            c->objectness = scale;
            c->classes = out + (size_t)i * hd->classes;
            c->stride = 1;
            c->tree_class = -1;
        }
    return n;
}

/* The boxes of one head whose objectness exceeds thresh, appended to d->cands. */
static int head_candidates(detector *d, const nn_layer *l, const float *out, int n, float thresh, int image_w,
                           int image_h)
{
    const nn_detection_head *hd = &l->head;
    const nn_model *m = d->model;
    if (l->kind == LAYER_DETECTION)
        return detection_candidates(d, l, out, n, image_w, image_h);
    int yolo = l->kind == LAYER_YOLO;
    size_t plane = (size_t)l->out.w * l->out.h, per_box = plane * (size_t)(hd->classes + 5);
    for (size_t i = 0; i < plane; i++) {
        int row = (int)(i / (size_t)l->out.w), col = (int)(i % (size_t)l->out.w);
        for (int b = 0; b < hd->boxes; b++) {
            const float *x = out + (size_t)b * per_box + i;
            float objectness = yolo || !hd->background ? x[4 * plane] : 1.0f;
            if (!(objectness > thresh))
                continue;
            candidate *c = &d->cands[n++];
            c->box = head_box(x, plane, &hd->anchors[2 * hd->mask[b]], col, row, l->out.w, l->out.h,
                              yolo ? m->input.w : l->out.w, yolo ? m->input.h : l->out.h, hd->new_coords);
            c->box = correct_box(c->box, image_w, image_h, m->input.w, m->input.h, !m->stretch);
            c->objectness = objectness;
            c->classes = x + (size_t)(yolo || !hd->background ? 5 : 4) * plane;
            c->stride = plane;
            c->tree_class = -1;
            if (l->tree) {
                for (int k = 0; k < hd->classes; k++)
                    d->tree[k] = c->classes[(size_t)k * plane];
                c->tree_class = nn_softmax_tree_top(l->tree, d->tree, 1, TREE_THRESHOLD);
            }
        }
    }
    return n;
}

static float overlap(float x1, float w1, float x2, float w2)
{
    float l1 = x1 - w1 / 2, l2 = x2 - w2 / 2;
    float left = l1 > l2 ? l1 : l2;
    float r1 = x1 + w1 / 2, r2 = x2 + w2 / 2;
    float right = r1 < r2 ? r1 : r2;
    return right - left;
}

float detect_box_iou(detect_box a, detect_box b)
{
    float w = overlap(a.x, a.w, b.x, b.w), h = overlap(a.y, a.h, b.y, b.h);
    float i = w < 0 || h < 0 ? 0 : w * h;
    float u = a.w * a.h + b.w * b.h - i;
    return i == 0 || u == 0 ? 0 : i / u;
}

/* The fork's box_diou (exponent 0.6) and box_diounms (exponent beta), given the pair's IoU. */
static float diou(detect_box a, detect_box b, float iou, double exponent)
{
    float top = fmin(a.y - a.h / 2, b.y - b.h / 2), bot = fmax(a.y + a.h / 2, b.y + b.h / 2);
    float left = fmin(a.x - a.w / 2, b.x - b.w / 2), right = fmax(a.x + a.w / 2, b.x + b.w / 2);
    float w = right - left, h = bot - top;
    float c = w * w + h * h;
    if (c == 0)
        return iou;
    float d = (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y);
    float u = pow(d / c, exponent);
    return iou - u;
}

static int suppresses(const detector *d, detect_box a, detect_box b, float nms)
{
    /* DIoU is IoU less a power, never negative: where IoU alone does not pass nms, neither does DIoU
     * (float's rounding is monotone), and most pairs are decided without the power. */
    const float iou = detect_box_iou(a, b);
    if (!(iou > nms))
        return 0;
    switch (d->nms_kind) {
    case NN_NMS_SORT: return 1;
    case NN_NMS_GREEDY: return diou(a, b, iou, 0.6) > nms;
    case NN_NMS_DIOU: return diou(a, b, iou, d->beta_nms) > nms;
    }
    return 0;
}

static int by_confidence(const void *pa, const void *pb)
{
    const scored *a = pa, *b = pb;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    return (a->candidate > b->candidate) - (a->candidate < b->candidate);
}

int detector_run(detector *d, const float *outputs, int image_w, int image_h, const detect_options *o,
                 detected_object *out, int max, int *truncated)
{
    const nn_model *m = d->model;
    int n = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        if (!nn_layer_is_head(l)) /* a detector's outputs: its heads, in order */
            continue;
        n = head_candidates(d, l, outputs, n, o->threshold, image_w, image_h);
        outputs += nn_shape_size(l->out);
    }
    int total = 0, answered = 0;
    *truncated = 0;
    for (int k = 0; k < d->classes; k++) {
        if (o->classes && !o->classes[k])
            continue; /* NMS is per class: the others' boxes are as they would be */
        int count = 0;
        for (int c = 0; c < n; c++) {
            const candidate *cd = &d->cands[c];
            float confidence = cd->tree_class < 0 ? cd->objectness * cd->classes[(size_t)k * cd->stride]
                               : cd->tree_class == k ? cd->objectness
                                                     : 0.0f;
            if (confidence > o->threshold)
                d->list[count++] = (scored){c, confidence};
        }
        qsort(d->list, (size_t)count, sizeof *d->list, by_confidence);
        /* do_nms_sort drops a box that a more confident box it did not drop
         * overlaps: the same as keeping a box no box kept before it
         * overlaps, which costs the kept boxes per box, not all of them. A
         * class stops at `max` kept boxes: no more of its could be in the
         * answer (and its count is then a lower bound). */
        int kept = 0;
        for (int a = 0; a < count; a++) {
            detect_box box = d->cands[d->list[a].candidate].box;
            int dropped = 0;
            for (int b = 0; o->nms > 0 && b < kept && !dropped; b++)
                dropped = suppresses(d, d->kept[b], box, o->nms);
            if (dropped)
                continue;
            d->kept[kept++] = box;
            detected_object det = {box, k, d->list[a].confidence, d->cands[d->list[a].candidate].objectness};
            total++;
            /* Into the best `max`, most confident first; among equals, in
             * the order found (by class, then by box). */
            int at = answered;
            while (at > 0 && det.confidence > out[at - 1].confidence)
                at--;
            if (at < max) {
                answered += answered < max;
                memmove(&out[at + 1], &out[at], (size_t)(answered - 1 - at) * sizeof *out);
                out[at] = det;
            }
            if (kept == max) {
                *truncated |= a + 1 < count;
                break;
            }
        }
    }
    return total;
}

void detect_box_pixels(detect_box b, int w, int h, double pixels[4])
{
    double left = fmax(0.0, ((double)b.x - b.w / 2.0) * w);
    double top = fmax(0.0, ((double)b.y - b.h / 2.0) * h);
    double right = fmin(w, ((double)b.x + b.w / 2.0) * w);
    double bottom = fmin(h, ((double)b.y + b.h / 2.0) * h);
    pixels[0] = left;
    pixels[1] = top;
    pixels[2] = fmax(0.0, right - left);
    pixels[3] = fmax(0.0, bottom - top);
}
