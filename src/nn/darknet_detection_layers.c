/* A detector's heads: [yolo] (YOLOv3 and the fork's YOLOv4 keys), [region]
 * (YOLOv2, YOLO9000's tree) and [detection] (YOLOv1), parsed into
 * nn_detection_head (model.h). Their training
 * keys are accepted and ignored; what changes the boxes is read or refused. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darknet_layers.h"

/* Training-only keys of the heads in Debian's cfgs and the fork's. */
static const char *const yolo_training_keys[] = {
    "jitter", "ignore_thresh", "truth_thresh", "random", "max", "iou_thresh", "cls_normalizer", "iou_normalizer",
    "obj_normalizer", "iou_loss", "max_delta", "objectness_smooth", "resize", "counters_per_class",
    "label_smooth_eps", "focal_loss", "iou_thresh_kind", "delta_normalizer", "uc_normalizer", "map", NULL,
};
static const char *const region_training_keys[] = {
    "log", "sqrt", "max", "jitter", "rescore", "thresh", "classfix", "absolute", "random", "coord_scale",
    "object_scale", "noobject_scale", "mask_scale", "class_scale", "bias_match", "map", NULL,
};
static const char *const detection_training_keys[] = {
    "rescore", "jitter", "object_scale", "noobject_scale", "class_scale", "coord_scale", "max", "random", NULL,
};

static void accept_keys(cfg_section *s, const char *const *keys)
{
    for (int i = 0; keys[i]; i++)
        cfg_ignore(s, keys[i]);
}

/* key= a comma-separated list of at most max numbers into out (as floats);
 * *n how many. Absent: *n = 0. */
static int number_list(cfg_file *f, cfg_section *s, const char *key, int max, float *out, int *n)
{
    const char *p = cfg_string(s, key, NULL), *list = p;
    *n = 0;
    if (!p)
        return 0;
    while (*p) {
        char *end;
        errno = 0;
        float v = strtof(p, &end);
        while (*end == ' ')
            end++;
        if (errno || end == p || (*end && *end != ',') || !isfinite(v))
            return cfg_error(f, cfg_line(s, key), "%s=%.40s is not a comma-separated list of numbers", key, list);
        if (*n == max)
            return cfg_error(f, cfg_line(s, key), "%s= has more than %d values", key, max);
        out[(*n)++] = v;
        p = *end ? end + 1 : end;
        while (*p == ' ')
            p++;
    }
    return 0;
}

/* anchors=: `pairs` (w, h) pairs, each above 0. */
static int parse_anchors(cfg_file *f, cfg_section *s, int pairs, nn_detection_head *h)
{
    int n;
    if (number_list(f, s, "anchors", 2 * NN_MAX_ANCHORS, h->anchors, &n) < 0)
        return -1;
    if (n != 2 * pairs)
        return cfg_error(f, cfg_line(s, "anchors") ? cfg_line(s, "anchors") : s->line,
                         "anchors= has %d values, but num=%d needs %d (a width and a height each)", n, pairs,
                         2 * pairs);
    for (int k = 0; k < n; k++)
        if (!(h->anchors[k] > 0.0f))
            return cfg_error(f, cfg_line(s, "anchors"), "anchor value %g is not above 0", (double)h->anchors[k]);
    h->nanchors = pairs;
    return 0;
}

/* The head's input must be exactly its boxes' entries; it passes it on. */
static int head_shape(cfg_file *f, cfg_section *s, nn_layer *l, int entries)
{
    nn_detection_head *h = &l->head;
    if ((long)h->boxes * entries != l->in.c)
        return cfg_error(f, s->line, "[%s] of %d boxes of %d classes needs %d input channels, not %d", s->name,
                         h->boxes, h->classes, h->boxes * entries, l->in.c);
    l->out = l->in;
    return 0;
}

static int parse_nms_kind(cfg_file *f, cfg_section *s, nn_detection_head *h)
{
    static const struct {
        const char *name;
        nn_nms_kind kind;
    } kinds[] = {{"default", NN_NMS_SORT}, {"greedynms", NN_NMS_GREEDY}, {"diounms", NN_NMS_DIOU}};
    const char *v = cfg_string(s, "nms_kind", "default");
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (!strcmp(v, kinds[k].name)) {
            h->nms_kind = kinds[k].kind;
            return cfg_float(f, s, "beta_nms", 0.6f, 0.0f, 100.0f, &h->beta_nms);
        }
    return cfg_error(f, cfg_line(s, "nms_kind"), "nms_kind=%.40s is not default, greedynms or diounms", v);
}

int nn_parse_yolo(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    nn_detection_head *h = &l->head;
    int total;
    float mask[NN_MAX_ANCHORS];
    if (cfg_int(f, s, "classes", 20, 1, NN_MAX_CHANNELS, &h->classes) < 0 ||
        cfg_int(f, s, "num", 1, 1, NN_MAX_ANCHORS, &total) < 0 ||
        number_list(f, s, "mask", NN_MAX_ANCHORS, mask, &h->boxes) < 0 ||
        cfg_float(f, s, "scale_x_y", 1.0f, 0.0f, 100.0f, &h->scale_x_y) < 0 ||
        cfg_int(f, s, "new_coords", 0, 0, 1, &h->new_coords) < 0 || parse_nms_kind(f, s, h) < 0 ||
        parse_anchors(f, s, total, h) < 0)
        return -1;
    accept_keys(s, yolo_training_keys);
    if (!cfg_string(s, "mask", NULL)) /* Darknet: every anchor, in order */
        for (h->boxes = 0; h->boxes < total; h->boxes++)
            mask[h->boxes] = (float)h->boxes;
    for (int k = 0; k < h->boxes; k++) {
        if (mask[k] != floorf(mask[k]) || mask[k] < 0 || mask[k] >= (float)total)
            return cfg_error(f, cfg_line(s, "mask"), "mask value %g is not an anchor index below num=%d",
                             (double)mask[k], total);
        h->mask[k] = (int)mask[k];
    }
    return head_shape(f, s, l, h->classes + 5);
}

/* YOLOv2's head: its anchors in cells, not pixels, and a softmax over the
 * classes (softmax=1) or a logistic each; or YOLO9000's: a softmax over each
 * group of siblings of a class tree (tree=, read by nn_model_load) and a
 * class chosen down the tree (src/detect/). */
int nn_parse_region(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    nn_detection_head *h = &l->head;
    int coords;
    if (cfg_int(f, s, "classes", 20, 1, NN_MAX_CHANNELS, &h->classes) < 0 ||
        cfg_int(f, s, "num", 1, 1, NN_MAX_ANCHORS, &h->boxes) < 0 ||
        cfg_int(f, s, "coords", 4, 4, 4, &coords) < 0 || cfg_int(f, s, "softmax", 0, 0, 1, &h->softmax) < 0 ||
        cfg_int(f, s, "background", 0, 0, 1, &h->background) < 0 || parse_anchors(f, s, h->boxes, h) < 0)
        return -1;
    accept_keys(s, region_training_keys);
    const char *tree = cfg_string(s, "tree", NULL);
    if (tree && h->background)
        return cfg_error(f, cfg_line(s, "tree"), "a [region] with a tree and background=1 is not supported");
    if (tree && !(l->tree_path = strdup(tree)))
        return cfg_error(f, s->line, "out of memory");
    h->scale_x_y = 1.0f;
    for (int k = 0; k < h->boxes; k++)
        h->mask[k] = k;
    return head_shape(f, s, l, h->classes + coords + 1);
}

/* YOLOv1's head, after a [connected]: side x side cells of `num` boxes each,
 * read without anchors; with softmax=1 a softmax over each cell's classes. */
int nn_parse_detection(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    nn_detection_head *h = &l->head;
    int coords;
    if (cfg_int(f, s, "classes", 1, 1, NN_MAX_CHANNELS, &h->classes) < 0 ||
        cfg_int(f, s, "num", 1, 1, NN_MAX_ANCHORS, &h->boxes) < 0 ||
        cfg_int(f, s, "side", 7, 1, NN_MAX_DIM, &h->side) < 0 || cfg_int(f, s, "coords", 1, 1, 4, &coords) < 0 ||
        cfg_int(f, s, "softmax", 0, 0, 1, &h->softmax) < 0 || cfg_int(f, s, "sqrt", 0, 0, 1, &h->sqrt) < 0)
        return -1;
    if (coords != 4) /* Darknet's default is 1, but it reads four numbers a box */
        return cfg_error(f, cfg_line(s, "coords") ? cfg_line(s, "coords") : s->line, "[detection] needs coords=4");
    accept_keys(s, detection_training_keys);
    long need = (long)h->side * h->side * ((1L + coords) * h->boxes + h->classes);
    if (need != (long)nn_shape_size(l->in))
        return cfg_error(f, s->line, "[detection] of %dx%d cells, %d boxes and %d classes needs %ld inputs, not %zu",
                         h->side, h->side, h->boxes, h->classes, need, nn_shape_size(l->in));
    h->scale_x_y = 1.0f;
    l->out = l->in;
    return 0;
}
