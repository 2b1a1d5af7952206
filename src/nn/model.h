/* A model, parsed and validated: the network description and its parameters.
 * Engines only ever see a model that passed every check of its reader, so they
 * can trust its shapes and sizes. Its one file format today is Darknet's
 * (darknet_cfg.c: the .cfg and nn_model_load; darknet_weights.c: the
 * .weights; the layer kinds' parsers: darknet_layers.h); model.c has what does
 * not depend on the format.
 * The format, including this project's extension keys, is documented in
 * models/darknet-format.md. */
#ifndef LOOKSLIKE_NN_MODEL_H
#define LOOKSLIKE_NN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "softmax_tree.h"

typedef enum {
    ACT_LINEAR,
    ACT_RELU,
    ACT_RELU6,
    ACT_LEAKY,
    ACT_LOGISTIC,
    ACT_RAMP, /* Darknet's: x > 0 ? x + 0.1x : 0.1x */
    ACT_MISH, /* x tanh(softplus(x)), the maintained Darknet fork's (yolov4) */
    ACT_SWISH, /* x logistic(x), the fork's */
} nn_activation;
#define NN_ACTIVATIONS (ACT_SWISH + 1)

/* What a layer kind has in the .weights file, in Darknet's order. */
typedef enum {
    NN_PARAMS_NONE,
    NN_PARAMS_CONVOLUTIONAL, /* biases[filters], [scales, mean, variance][filters], weights */
    NN_PARAMS_CONNECTED, /* biases[filters], weights, [scales, mean, variance][filters]; [local]: a bias per
                          * output value (nn_layer_bias_count), no batch norm */
} nn_layer_params;

/* Which quantization keys (models/darknet-format.md) a layer kind takes in a quantized model. */
typedef enum {
    NN_KEYS_NONE, /* none: its output has its input's quantization, or one its kind fixes */
    NN_KEYS_WEIGHTS, /* weight_scale/weight_zero_point and output_scale/output_zero_point, required */
    NN_KEYS_OUTPUT, /* output_scale/output_zero_point, required */
    NN_KEYS_OUTPUT_OPTIONAL, /* output_scale/output_zero_point where it rescales */
} nn_layer_keys;

/* Every layer kind, one line each: X(KIND, name, params, keys). `name` is its
 * cfg section and names its code: the parser nn_parse_NAME (darknet_layers.h,
 * in darknet_*_layer(s).c) and the writer write_NAME (darknet_cfg_write.c).
 * The enum, the names, the parameter layout, the quantization keys and those
 * dispatches are generated from this list. Each engine switches over the
 * kinds without a default, and the build has -Werror=switch: a kind added
 * here names every engine that must run it (or refuse it) before anything
 * compiles. */
#define NN_LAYER_KINDS(X)                                                                                               \
    X(CONVOLUTIONAL, convolutional, NN_PARAMS_CONVOLUTIONAL, NN_KEYS_WEIGHTS)                                          \
    X(CONNECTED, connected, NN_PARAMS_CONNECTED, NN_KEYS_WEIGHTS)                                                      \
    X(MAXPOOL, maxpool, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                  \
    X(AVGPOOL, avgpool, NN_PARAMS_NONE, NN_KEYS_OUTPUT_OPTIONAL)                                                       \
    X(SOFTMAX, softmax, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                  \
    X(SHORTCUT, shortcut, NN_PARAMS_NONE, NN_KEYS_OUTPUT)                                                              \
    X(ROUTE, route, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                      \
    X(DROPOUT, dropout, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                  \
    X(CROP, crop, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                        \
    X(COST, cost, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                        \
    X(UPSAMPLE, upsample, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                \
    X(REORG, reorg, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                      \
    X(YOLO, yolo, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                        \
    X(REGION, region, NN_PARAMS_NONE, NN_KEYS_NONE)                                                                    \
    X(LOCAL, local, NN_PARAMS_CONNECTED, NN_KEYS_NONE)                                                                 \
    X(DETECTION, detection, NN_PARAMS_NONE, NN_KEYS_NONE)

typedef enum {
#define NN_LAYER_KIND_ENUM(KIND, name, params, keys) LAYER_##KIND,
    NN_LAYER_KINDS(NN_LAYER_KIND_ENUM)
#undef NN_LAYER_KIND_ENUM
} nn_layer_kind;

typedef struct {
    int c, h, w;
} nn_shape;

/* A quantized layer's int32 bias k is stored in the float32 .weights as
 * scale * k; that pins k down exactly only while |k| < 2^24. */
#define NN_MAX_EXACT_BIAS (1 << 24)

/* An 8-bit quantized tensor's real value is scale * (q - zero_point), q in 0..255. */
typedef struct {
    float scale;
    int zero_point;
} nn_quant;

/* Whether two quantizations are one: the same scale and zero point. */
static inline int nn_quant_equal(nn_quant a, nn_quant b)
{
    return a.scale == b.scale && a.zero_point == b.zero_point;
}

#define NN_MAX_ROUTE_INPUTS 8
#define NN_MAX_ANCHORS 32

/* How a detector's overlapping boxes are merged: Darknet's do_nms_sort
 * (libdarknet's only kind), or the fork's greedy or DIoU NMS (nms_kind=). */
typedef enum {
    NN_NMS_SORT,
    NN_NMS_GREEDY,
    NN_NMS_DIOU,
} nn_nms_kind;

/* A detection head: Darknet's [yolo] (v3, v4) or [region] (v2). Its input,
 * which it passes on with some entries activated (the engines), holds for
 * each of `boxes` anchors per cell the entries x, y, w, h, objectness and
 * `classes` class scores, each a w x h plane (Darknet's entry_index). Or
 * YOLOv1's [detection], a flat vector after a [connected]: the class scores
 * of each of side x side cells, then each cell's `boxes` objectness values,
 * then their x, y, w, h. How boxes are read off it: src/detect/. */
typedef struct {
    int classes;
    int boxes; /* per cell: yolo, the mask's length; region, num */
    int mask[NN_MAX_ANCHORS]; /* yolo: the anchor of each box (region: 0..boxes-1) */
    int nanchors; /* pairs */
    float anchors[2 * NN_MAX_ANCHORS]; /* w, h: yolo in network-input pixels, region in cells */
    float scale_x_y; /* yolo (fork): x, y = logistic * scale - (scale - 1) / 2 */
    int new_coords; /* yolo (fork, scaled-YOLOv4): no logistic here; x, y = 2v - 0.5, w = anchor (2v)^2 */
    int softmax, background; /* region, detection: a softmax over the classes; region: no objectness entry */
    int side, sqrt; /* detection: cells per row; w, h are square roots */
    nn_nms_kind nms_kind;
    float beta_nms; /* DIoU's */
} nn_detection_head;

/* Darknet's [shortcut] (shortcut_cpu in its blas.c) also adds layers of
 * another size: the output is the input (the previous layer's output), and on
 * its first `channels` channels, output pixel (y*sample, x*sample) gains the
 * added layer's pixel (y*stride, x*stride), for y < h, x < w. Equal shapes:
 * every channel and pixel, stride = sample = 1. */
typedef struct {
    int channels, h, w;
    int stride; /* in the added layer: its width / the output's, at least 1 */
    int sample; /* in the output: its width / the added layer's, at least 1 */
} nn_shortcut_geometry;

typedef struct {
    nn_layer_kind kind;
    int line; /* of the section header in the cfg, for messages */
    nn_shape in, out;
    nn_activation activation;

    /* convolutional / connected / pooling */
    int filters; /* output channels (connected: outputs) */
    int size, stride, groups;
    int pad_before, pad_after; /* top/left and bottom/right; equal unless pad_mode=tf_same */
    int batch_normalize;

    /* shortcut: absolute index of the added layer; route: absolute indices,
     * and of each input's channels only slice route_group_id of route_groups
     * equal ones (the fork's groups=/group_id=; 1 and 0 without) */
    int from;
    nn_shortcut_geometry shortcut;
    int nroutes;
    int routes[NN_MAX_ROUTE_INPUTS];
    int route_groups, route_group_id;

    /* upsample: out[c][y][x] = upsample_scale * in[c][y / stride][x / stride];
     * reorg: stride (libdarknet's reorg_cpu permutation, see onednn_engine.c) */
    float upsample_scale;

    /* yolo, region */
    nn_detection_head head;

    /* crop (Darknet's [crop] at inference): out = in[c][y + crop_y][x + crop_x]
     * * crop_scale + crop_shift, a centred window; scale 2, shift -1 maps
     * Darknet's 0..1 pixels to -1..1 unless noadjust=1 (then 1 and 0). */
    int crop_y, crop_x;
    float crop_scale, crop_shift;

    /* softmax or region (YOLO9000) with tree=: the path (as written; once nn_model_load has read the
     * tree, the file it read, relative paths taken from the cfg's directory)
     * and the tree; both owned by the layer */
    char *tree_path;
    nn_softmax_tree *tree;

    /* parameters, pointing into nn_model.params; NULL where the layer has none */
    float *biases, *scales, *rolling_mean, *rolling_variance, *weights;
    size_t nweights; /* elements in weights */

    /* Quantization (models/darknet-format.md, "Quantization"), set on every
     * layer of a quantized model. in_q is the quantization of what the layer
     * reads (the producing layer's out_q, or the network input's); a layer
     * without quantization keys passes in_q through. weight_q holds one entry
     * or one per filter (nweight_q). qweights/qbiases are the integers the
     * loader recovered from the float parameters (same order as weights and
     * biases), slices of the model's qparams_block; they live as long as the
     * parameters. */
    nn_quant in_q, out_q;
    int nweight_q;
    nn_quant *weight_q;
    uint8_t *qweights;
    int32_t *qbiases;
} nn_layer;

/* How photos become the input the network was trained on ([net]
 * preprocess=, models/darknet-format.md): Darknet's classifier pipeline (the
 * default, for models trained with Darknet) or TF-slim's evaluation one (for
 * models converted from TensorFlow). Carried out in src/image/. */
typedef enum {
    NN_PREPROCESS_DARKNET,
    NN_PREPROCESS_TF_SLIM,
} nn_preprocessing;

const char *nn_preprocessing_name(nn_preprocessing p);

/* Which of TFLite's two families of integer kernels a quantized model was
 * made for ([net] quantized_kernels=, models/darknet-format.md): TF1's uint8
 * kernels (the default) or TF2's int8 ones. The integers are uint8 in both:
 * an int8 value v with zero point z is held as v + 128 with zero point
 * z + 128, which leaves every difference (v - z) as it was. The families
 * differ in a few roundings: a convolution's multiplier (the product of the
 * scales in float or in double) and what [avgpool] is (uint8 AVERAGE_POOL_2D,
 * which keeps the scale, or int8 MEAN, which may rescale). */
typedef enum {
    NN_QUANTIZED_UINT8,
    NN_QUANTIZED_INT8,
} nn_quantized_kernels;

const char *nn_quantized_kernels_name(nn_quantized_kernels k);

typedef struct {
    nn_shape input;
    nn_preprocessing preprocess;
    /* x = (pixel - input_mean) * input_scale, pixel in 0..255 */
    float input_mean, input_scale;
    int nlayers;
    nn_layer *layers;
    size_t nparams; /* floats the .weights file must hold after its header */
    float *params; /* in params_block: the .weights image as read, header first */
    void *params_block;
    void *qparams_block; /* every layer's qweights and qbiases (nn_recover_quantized_params) */
    /* Unique in the process to each reading of weights: engines built from
     * models of one id may share what they derive from the weights. */
    uint64_t id;
    int pads_unevenly; /* some layer pads less before than after (the TF "SAME" way): libdarknet cannot */
    /* Every weighted layer and shortcut carries quantization keys; the input
     * is then quantized as (input_scale, input_mean): q = pixel. */
    int quantized;
    nn_quantized_kernels quantized_kernels;
    /* A detector's preprocessing ([net] letter_box=, models/darknet-format.md):
     * libdarknet's letterbox_image (letter_box=1, the default: the aspect
     * kept, gray bars; stretch 0) or a plain resize to the input size
     * (letter_box=0, the fork's default; stretch 1). */
    int stretch;
} nn_model;

#define NN_ERR_LEN 512

/* Parses cfg text (name is used in messages). On failure returns -1 with
 * "name:line: what is wrong" in err; the model is then empty. */
int nn_model_parse_cfg(nn_model *m, const char *text, size_t len, const char *name, char *err, size_t errlen);

/* Reads a .weights image into a parsed model, requiring its size to match exactly. */
int nn_model_read_weights(nn_model *m, const uint8_t *data, size_t len, const char *name, char *err,
                          size_t errlen);

/* The same from a .weights image that the model takes (malloc'd; it belongs
 * to the model from then on, or is freed on failure): read once, never copied. */
int nn_model_adopt_weights(nn_model *m, uint8_t *image, size_t len, const char *name, char *err, size_t errlen);
/* Both of the above from files, and the tree of a hierarchical softmax. */
int nn_model_load(nn_model *m, const char *cfg_path, const char *weights_path, char *err, size_t errlen);
/* The same, the cfg's and then the weights' bytes shown to seen as read
 * (file_read.h; the tree's are not). */
struct file_observer;
int nn_model_load_seen(nn_model *m, const char *cfg_path, const char *weights_path, const struct file_observer *seen,
                       char *err, size_t errlen);

void nn_model_free(nn_model *m);

/* Frees the parameters but keeps the description (shapes, input size).
 * Engines copy what they need when created, so a server drops the 17 MB of
 * raw weights once its engines are built. */
void nn_model_release_params(nn_model *m);

/* What a model answers: a classifier, the probabilities of its last layer;
 * a detector (a model with [yolo] or [region] layers), boxes read off those
 * layers' outputs (src/detect/). */
typedef enum {
    NN_TASK_CLASSIFICATION,
    NN_TASK_DETECTION,
} nn_task;

nn_task nn_model_task(const nn_model *m);
/* Whether a layer is a detection head: [yolo], [region] or [detection]. */
int nn_layer_is_head(const nn_layer *l);
const char *nn_task_name(nn_task t);
/* Whether layer i's output is one of the model's outputs: the last layer's
 * for a classifier, every head's for a detector. */
int nn_layer_is_output(const nn_model *m, int i);
/* Output size of the network: a classifier's probability vector; a
 * detector's heads' outputs, C,H,W each, one after the other in layer order. */
size_t nn_model_outputs(const nn_model *m);
/* How many classes it tells apart (its labels): a classifier's outputs, a detector's heads' classes. */
int nn_model_classes(const nn_model *m);
/* The intermediate tensors a service reads after a run ("taps"), one line
 * each: X(TAP, name). FEATURES: the model's embedding (for similarity
 * search), the output of its last [avgpool], the image pooled to one value
 * per channel. CLASS_MAP: what that pool averages, the last feature map
 * (MobileNet v1 at 224: 1024 x 7 x 7), from which class activation maps are
 * made (class_map.h). Engines keep each tap's layer readable (nn_engine_tap). */
#define NN_TAPS(X)                                                                                                     \
    X(FEATURES, features)                                                                                              \
    X(CLASS_MAP, class_map)

typedef enum {
#define NN_TAP_ENUM(TAP, name) NN_TAP_##TAP,
    NN_TAPS(NN_TAP_ENUM)
#undef NN_TAP_ENUM
        NN_TAP_COUNT
} nn_tap;

/* The layer whose output tap t is; -1 when the model has none (no [avgpool],
 * or one on the input itself). */
int nn_model_tap_layer(const nn_model *m, nn_tap t);
/* Its floats (C x H x W); 0 without one. */
size_t nn_model_tap_size(const nn_model *m, nn_tap t);
/* The layer of the features tap, and how many features: that layer's channels; 0 without one. */
int nn_model_features_layer(const nn_model *m);
size_t nn_model_features(const nn_model *m);
size_t nn_shape_size(nn_shape s);

/* How many parameters a layer has in the .weights (conv, connected: biases, batch-norm, weights). */
size_t nn_layer_param_count(const nn_layer *l);
/* Its biases: one a filter, or one an output value ([local]). */
size_t nn_layer_bias_count(const nn_layer *l);
/* A [convolutional] or [connected] layer's weights and biases with Darknet's
 * batch norm, y = scale * (x - mean) / (sqrt(var) + 1e-6) + bias, folded in
 * (as they are without one): nweights and filters floats (bias may be NULL). */
void nn_fold_batch_norm(const nn_layer *l, float *weights, float *bias);

const char *nn_activation_name(nn_activation a);
/* A layer kind's cfg section name, what it has in the .weights, its quantization keys. */
const char *nn_layer_kind_name(nn_layer_kind k);
nn_layer_params nn_layer_kind_params(nn_layer_kind k);
nn_layer_keys nn_layer_kind_keys(nn_layer_kind k);

#endif
