/* tflite2darknet: converts a chain of TFLite models (each one's output feeding
 * the next one's input) into one Darknet .cfg + .weights (+ .labels).
 * The operators become an nn_model's layers (model.h), which the one cfg
 * writer (src/nn/darknet_cfg_write.c) writes in lookslike's dialect.
 *
 * Quantised weights are dequantised to float (scale * (q - zero_point)), so the
 * result is the float network the quantised one approximates, and the
 * quantization keys let the integer engine recover the very integers. Both of
 * TFLite's 8-bit schemes are taken: TF1's uint8 and TF2's int8 (held as uint8,
 * plus 128: quantized_kernels=int8, models/darknet-format.md). Anything this
 * converter cannot express exactly in Darknet semantics (plus the documented
 * extension keys) is an error naming the operator or tensor: a silently
 * different model would be worse than none. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "growable.h"
#include "nn/darknet_cfg_write.h"
#include "nn/int8_arith.h"
#include "text_buffer.h"
#include "tflite_model.h"

#define MAX_FILES 8
/* The largest official MobileNet .tflite is 7 MB. */
#define MAX_INPUT_BYTES (256u << 20)

typedef struct {
    float *v;
    size_t len, cap;
} floatbuf;

typedef struct {
    nn_model model; /* the layers so far: their description, not their parameters */
    size_t layers_cap;
    floatbuf weights;
    int quantized; /* the model's input is uint8 or int8: write the quantization keys */
    int act_type; /* TFL_UINT8 or TFL_INT8: the type of every activation a layer writes */
    int last; /* index of the layer whose output is "the current value"; -1 = network input */
    int out_c, out_h, out_w; /* shape of the current value */
    const char *file; /* for error messages */
    int op_index;
} converter;

static void die(const converter *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tflite2darknet: ");
    if (c && c->file)
        fprintf(stderr, c->op_index >= 0 ? "%s: operator #%d: " : "%s: ", c->file, c->op_index);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* grow_doubling, or the converter stops. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    p = grow_doubling(p, cap, need, elem);
    if (!p)
        die(NULL, "out of memory");
    return p;
}

static void push_weight(converter *c, float v)
{
    c->weights.v = grow(c->weights.v, &c->weights.cap, c->weights.len + 1, sizeof(float));
    c->weights.v[c->weights.len++] = v;
}

static nn_activation activation_of(const converter *c, int act)
{
    switch (act) {
    case TFL_ACT_NONE: return ACT_LINEAR;
    case TFL_ACT_RELU: return ACT_RELU;
    case TFL_ACT_RELU6: return ACT_RELU6;
    default: die(c, "unsupported fused activation function %d", act);
    }
    return ACT_LINEAR;
}

/* Shape of an NHWC activation tensor. */
static void nhwc(const converter *c, const tfl_tensor *t, int *ch, int *h, int *w)
{
    if (t->ndims != 4 || t->dims[0] != 1)
        die(c, "tensor '%s' is not a 1xHxWxC activation", t->name);
    *h = t->dims[1];
    *w = t->dims[2];
    *ch = t->dims[3];
}

/* A new layer reading the current value; out: the tensor it writes (NULL:
 * the shape stays). It is the current value from then on. */
static nn_layer *begin_layer(converter *c, nn_layer_kind kind, const tfl_tensor *out)
{
    nn_model *m = &c->model;
    m->layers = grow(m->layers, &c->layers_cap, (size_t)m->nlayers + 1, sizeof *m->layers);
    nn_layer *l = &m->layers[m->nlayers];
    *l = (nn_layer){.kind = kind, .in = {c->out_c, c->out_h, c->out_w}};
    if (out)
        nhwc(c, out, &c->out_c, &c->out_h, &c->out_w);
    l->out = (nn_shape){c->out_c, c->out_h, c->out_w};
    c->last = m->nlayers++;
    return l;
}

/* Makes the layer producing `layer` the current value, emitting a [route] when
 * the graph reads something other than the previous layer's output. */
static void use_input(converter *c, int layer, int ch, int h, int w)
{
    if (layer == c->last)
        return;
    if (layer < 0)
        die(c, "the network input is read again after the first layer; Darknet cannot express that");
    c->out_c = ch;
    c->out_h = h;
    c->out_w = w;
    nn_layer *l = begin_layer(c, LAYER_ROUTE, NULL);
    l->nroutes = 1;
    l->routes[0] = layer;
}

/* TF padding for one axis: SAME pads (out-1)*stride + k - in in total, the
 * smaller half before; VALID pads nothing. */
static void tf_pads(int padding, int in, int k, int stride, int *before, int *after)
{
    if (padding == TFL_PAD_VALID) {
        *before = *after = 0;
        return;
    }
    int out = (in + stride - 1) / stride;
    int total = (out - 1) * stride + k - in;
    if (total < 0)
        total = 0;
    *before = total / 2;
    *after = total - *before;
}

static int same_quantization(const tfl_tensor *a, const tfl_tensor *b)
{
    return a->nscales == 1 && b->nscales == 1 && tfl_tensor_scale(a, 0) == tfl_tensor_scale(b, 0) &&
           tfl_tensor_zero_point(a, 0) == tfl_tensor_zero_point(b, 0);
}

/* An operator that must not change the quantization (pooling, reshape). */
static void require_same_quantization(const converter *c, const tfl_model *m, const tfl_op *op)
{
    if (c->quantized && !same_quantization(&m->tensors[op->inputs[0]], &m->tensors[op->outputs[0]]))
        die(c, "%s changes the quantization of its input; the integer engine has no rescaling there",
            tfl_op_name(op->builtin));
}

/* One scale and zero point of a tensor as the format holds it: uint8. An
 * int8 tensor's values are held plus 128, so its zero point is too (model.h,
 * nn_quantized_kernels); tfl_tensor_value's scale * (q - zero_point) is the
 * same either way. */
static nn_quant quant_of(const converter *c, const tfl_tensor *t, int k)
{
    int64_t zp = tfl_tensor_zero_point(t, k) + (t->type == TFL_INT8 ? 128 : 0);
    if (zp < 0 || zp > 255)
        die(c, "tensor '%s' has zero point %lld, outside its type's range", t->name,
            (long long)tfl_tensor_zero_point(t, k));
    return (nn_quant){tfl_tensor_scale(t, k), (int)zp};
}

static const char *type_name(int type)
{
    return type == TFL_UINT8 ? "uint8" : type == TFL_INT8 ? "int8" : type == TFL_FLOAT32 ? "float32" : "non-8-bit";
}

/* The activation a layer writes (output_scale/output_zero_point): of the
 * model's one activation type, with one scale. */
static void set_output_quantization(converter *c, nn_layer *l, const tfl_tensor *out)
{
    if (out->type != c->act_type || out->nscales != 1)
        die(c, "output '%s' is a %s tensor with %zu scales; this model's activations are %s with one scale",
            out->name, type_name(out->type), out->nscales, type_name(c->act_type));
    l->out_q = quant_of(c, out, 0);
}

/* The weights' quantization (one, or one per filter) and the output's. */
static void set_weight_quantization(converter *c, nn_layer *l, const tfl_tensor *w, const tfl_tensor *out)
{
    if ((w->type != TFL_UINT8 && w->type != TFL_INT8) || w->nscales == 0)
        die(c, "weights '%s' of a quantized model are not uint8 or int8 with scales", w->name);
    l->weight_q = grow(NULL, &(size_t){0}, w->nscales, sizeof *l->weight_q);
    l->nweight_q = (int)w->nscales;
    for (size_t k = 0; k < w->nscales; k++)
        l->weight_q[k] = quant_of(c, w, (int)k);
    set_output_quantization(c, l, out);
}

/* Whether every weight of output channel o sits at its zero point (TFLite
 * layouts: a convolution's or fully connected layer's [o][...], a depthwise
 * one's [1][kh][kw][o]). */
static int channel_at_zero_point(const tfl_tensor *w, int o, int depthwise)
{
    int outputs = w->dims[depthwise ? w->ndims - 1 : 0];
    size_t per = tfl_tensor_elements(w) / (size_t)outputs;
    for (size_t k = 0; k < per; k++)
        if (tfl_tensor_value(w, depthwise ? k * (size_t)outputs + (size_t)o : (size_t)o * per + k, o) != 0.0)
            return 0;
    return 1;
}

/* What such a channel writes whatever its input: its bias k requantized with
 * weight scale ws and clamped, as the integer engine computes it
 * (int8_arith.h). */
static int constant_output(const converter *c, const nn_layer *l, float in_scale, float ws, int32_t k)
{
    int32_t multiplier;
    int shift, lo, hi;
    nn_quantized_kernels family = c->act_type == TFL_INT8 ? NN_QUANTIZED_INT8 : NN_QUANTIZED_UINT8;
    quantize_layer_multiplier(in_scale, ws, l->out_q.scale, quantized_product_in_double(family, l->kind),
                              &multiplier, &shift);
    if (quantized_activation_range(l->activation, l->out_q, &lo, &hi) < 0)
        die(c, "activation %s has no integer form", nn_activation_name(l->activation));
    int32_t v = quantized_single_rounding(family, l->kind, l->groups)
                    ? multiply_by_quantized_multiplier_single(k, multiplier, shift)
                    : multiply_by_quantized_multiplier(k, multiplier, shift);
    v += l->out_q.zero_point;
    return v < lo ? lo : v > hi ? hi : v;
}

/* Output channel o's quantized bias as the format stores it: (input scale *
 * weight scale) * k in double, rounded once to float, so that the loader
 * recovers k exactly -- while |k| < 2^24 (NN_MAX_EXACT_BIAS). TFLite stores
 * the bias's own scale, which must be that product. TF2's converter gives a
 * dead channel (every weight at its zero point) the weight scale 1e-6, which
 * makes its bias far larger; such a channel writes one constant, so it is
 * written with the weight scale output scale / input scale and the small
 * bias that give the engine the same constant. Any other large bias is
 * refused. */
static float layer_bias(const converter *c, nn_layer *l, const tfl_tensor *in, const tfl_tensor *w,
                        const tfl_tensor *b, int o, int depthwise)
{
    float in_scale = tfl_tensor_scale(in, 0), ws = tfl_tensor_scale(w, w->nscales > 1 ? o : 0);
    double scale = (double)in_scale * (double)ws;
    if (b->type != TFL_INT32 || fabs((double)tfl_tensor_scale(b, b->nscales > 1 ? o : 0) / scale - 1.0) > 1e-6)
        die(c, "bias '%s' is not int32 with scale input scale x weight scale", b->name);
    int32_t k;
    memcpy(&k, b->data + 4 * (size_t)o, 4);
    if (k > -NN_MAX_EXACT_BIAS && k < NN_MAX_EXACT_BIAS)
        return (float)(scale * (double)k);
    if (l->nweight_q < 2 || !channel_at_zero_point(w, o, depthwise))
        die(c, "bias %d of '%s' is %ld, too large for the float32 .weights to hold exactly", o, b->name, (long)k);
    int target = constant_output(c, l, in_scale, ws, k);
    float ws_new = l->out_q.scale / in_scale;
    for (int32_t d = 0; d < 8; d++)
        for (int sign = -1; sign <= 1; sign += 2) {
            int32_t k_new = target - l->out_q.zero_point + sign * d;
            if (constant_output(c, l, in_scale, ws_new, k_new) == target) {
                l->weight_q[o].scale = ws_new;
                return (float)((double)in_scale * (double)ws_new * (double)k_new);
            }
        }
    die(c, "bias %d of '%s' (%ld on a channel of zero weights) has no small equivalent", o, b->name, (long)k);
    return 0.0f;
}

static void emit_convolution(converter *c, const tfl_model *m, const tfl_op *op, int depthwise)
{
    const tfl_tensor *in = &m->tensors[op->inputs[0]];
    const tfl_tensor *w = &m->tensors[op->inputs[1]];
    const tfl_tensor *b = op->ninputs > 2 && op->inputs[2] >= 0 ? &m->tensors[op->inputs[2]] : NULL;
    const tfl_tensor *out = &m->tensors[op->outputs[0]];
    int in_c, in_h, in_w;
    nhwc(c, in, &in_c, &in_h, &in_w);
    if (!w->data || w->ndims != 4)
        die(c, "weights of %s are not a constant 4-D tensor", tfl_op_name(op->builtin));
    if (op->dilation_w != 1 || op->dilation_h != 1)
        die(c, "dilated convolution is not supported");
    if (op->stride_w < 1 || op->stride_h < 1 || op->stride_w != op->stride_h)
        die(c, "convolution strides %dx%d are not supported (Darknet has one stride)", op->stride_w, op->stride_h);
    int filters, kh = w->dims[1], kw = w->dims[2], groups;
    if (depthwise) {
        filters = w->dims[3];
        groups = in_c;
        if (w->dims[0] != 1 || filters != in_c * op->depth_multiplier)
            die(c, "depthwise weights do not match input channels x depth multiplier");
    } else {
        filters = w->dims[0];
        groups = 1;
        if (w->dims[3] != in_c)
            die(c, "convolution weights expect %d input channels, the input has %d", w->dims[3], in_c);
    }
    if (kh != kw)
        die(c, "non-square kernel %dx%d is not supported", kh, kw);
    if (b && (!b->data || tfl_tensor_elements(b) != (size_t)filters))
        die(c, "bias of %s is not a constant vector of %d values", tfl_op_name(op->builtin), filters);
    if ((w->type != TFL_FLOAT32 && w->nscales == 0) || (b && b->type != TFL_FLOAT32 && b->nscales == 0))
        die(c, "integer weights or bias of %s carry no quantisation scale", tfl_op_name(op->builtin));

    int top, bottom, left, right;
    tf_pads(op->padding, in_h, kh, op->stride_h, &top, &bottom);
    tf_pads(op->padding, in_w, kw, op->stride_w, &left, &right);
    if (top != left || bottom != right)
        die(c, "padding differs between height and width");

    nn_layer *l = begin_layer(c, LAYER_CONVOLUTIONAL, out);
    l->filters = filters;
    l->size = kh;
    l->stride = op->stride_h;
    l->groups = groups;
    l->pad_before = top;
    l->pad_after = bottom;
    l->activation = activation_of(c, op->activation);
    c->model.pads_unevenly |= top != bottom;
    if (c->quantized)
        set_weight_quantization(c, l, w, out);

    int expect_h = (in_h + top + bottom - kh) / op->stride_h + 1;
    if (expect_h != c->out_h || filters != c->out_c)
        die(c, "output shape of %s does not follow from its input and options", tfl_op_name(op->builtin));

    /* Darknet order: biases[filters], then weights[filters][in_c/groups][kh][kw]. */
    for (int o = 0; o < filters; o++)
        push_weight(c, !b                 ? 0.0f
                       : c->quantized ? layer_bias(c, l, in, w, b, o, depthwise)
                                      : (float)tfl_tensor_value(b, (size_t)o, o));
    /* Per-channel scales must run along the output channels, the only axis we index them by. */
    if (w->nscales > 1 && w->quantized_dimension != (depthwise ? 3 : 0))
        die(c, "weights quantised along dimension %d are not supported", w->quantized_dimension);
    int per_group_in = in_c / groups;
    for (int o = 0; o < filters; o++)
        for (int i = 0; i < per_group_in; i++)
            for (int y = 0; y < kh; y++)
                for (int x = 0; x < kw; x++) {
                    size_t idx = depthwise /* TFLite [1][kh][kw][filters] or [filters][kh][kw][in_c] */
                                     ? ((size_t)y * (size_t)kw + (size_t)x) * (size_t)filters + (size_t)o
                                     : (((size_t)o * (size_t)kh + (size_t)y) * (size_t)kw + (size_t)x) *
                                               (size_t)in_c +
                                           (size_t)i;
                    push_weight(c, (float)tfl_tensor_value(w, idx, o));
                }
}

static void emit_pool(converter *c, const tfl_model *m, const tfl_op *op)
{
    const tfl_tensor *in = &m->tensors[op->inputs[0]];
    const tfl_tensor *out = &m->tensors[op->outputs[0]];
    int in_c, in_h, in_w;
    nhwc(c, in, &in_c, &in_h, &in_w);
    if (op->activation != TFL_ACT_NONE)
        die(c, "a fused activation on pooling is not supported");
    require_same_quantization(c, m, op);
    if (op->builtin == TFL_OP_AVERAGE_POOL_2D) {
        if (c->quantized && c->act_type != TFL_UINT8)
            die(c, "AVERAGE_POOL_2D on %s tensors is not supported (only TFLite's uint8 average pool)",
                type_name(c->act_type));
        /* Darknet's [avgpool] is global: only a pool covering the whole input maps to it. */
        if (op->filter_h != in_h || op->filter_w != in_w)
            die(c, "AVERAGE_POOL_2D with a %dx%d window on a %dx%d input is not global; Darknet cannot express it",
                op->filter_h, op->filter_w, in_h, in_w);
        begin_layer(c, LAYER_AVGPOOL, out);
        return;
    }
    if (op->filter_h != op->filter_w || op->stride_h != op->stride_w)
        die(c, "non-square MAX_POOL_2D is not supported");
    int top, bottom;
    tf_pads(op->padding, in_h, op->filter_h, op->stride_h, &top, &bottom);
    /* Darknet's maxpool pads padding/2 before and the rest after, as TF SAME does. */
    nn_layer *l = begin_layer(c, LAYER_MAXPOOL, out);
    l->size = op->filter_h;
    l->stride = op->stride_h;
    l->pad_before = top;
    l->pad_after = bottom;
}

static void emit_add(converter *c, const tfl_model *m, const tfl_op *op, const int *layer_of)
{
    int a = layer_of[op->inputs[0]], b = layer_of[op->inputs[1]];
    const tfl_tensor *ta = &m->tensors[op->inputs[0]], *tb = &m->tensors[op->inputs[1]];
    if (tfl_tensor_elements(ta) != tfl_tensor_elements(tb))
        die(c, "ADD of differently shaped tensors (broadcasting) is not supported");
    int other = a == c->last ? b : a;
    if (a != c->last && b != c->last) {
        int ch, h, w;
        nhwc(c, ta, &ch, &h, &w);
        use_input(c, a, ch, h, w);
        other = b;
    }
    if (other < 0)
        die(c, "ADD of the network input is not supported");
    nn_layer *l = begin_layer(c, LAYER_SHORTCUT, &m->tensors[op->outputs[0]]);
    l->from = other;
    l->activation = activation_of(c, op->activation);
    if (c->quantized)
        set_output_quantization(c, l, &m->tensors[op->outputs[0]]);
}

/* FULLY_CONNECTED on a 1x1 map (a pooled vector): Darknet's [connected],
 * whose weights are [outputs][inputs] as TFLite's are. On a larger map
 * Darknet would flatten channel-major, TFLite channel-last: refused. */
static void emit_fully_connected(converter *c, const tfl_model *m, const tfl_op *op)
{
    const tfl_tensor *in = &m->tensors[op->inputs[0]];
    const tfl_tensor *w = &m->tensors[op->inputs[1]];
    const tfl_tensor *b = op->ninputs > 2 && op->inputs[2] >= 0 ? &m->tensors[op->inputs[2]] : NULL;
    const tfl_tensor *out = &m->tensors[op->outputs[0]];
    if (!w->data || w->ndims != 2)
        die(c, "weights of FULLY_CONNECTED are not a constant 2-D tensor");
    if (op->weights_format != 0)
        die(c, "FULLY_CONNECTED with shuffled weights (format %d) is not supported", op->weights_format);
    if (c->quantized && c->act_type != TFL_UINT8)
        die(c, "FULLY_CONNECTED on %s tensors is not supported (only the uint8 kernels' rounding is proved against "
               "TFLite)", type_name(c->act_type));
    if (c->quantized && w->nscales != 1)
        die(c, "FULLY_CONNECTED with per-channel weight scales is not supported");
    int outputs = w->dims[0], inputs = w->dims[1];
    if (c->out_h != 1 || c->out_w != 1 || c->out_c != inputs || tfl_tensor_elements(in) != (size_t)inputs)
        die(c, "FULLY_CONNECTED reads a %dx%dx%d map; only a 1x1 map of %d channels (a pooled vector) is supported",
            c->out_h, c->out_w, c->out_c, inputs);
    if (tfl_tensor_elements(out) != (size_t)outputs)
        die(c, "FULLY_CONNECTED writes %zu values, its weights make %d", tfl_tensor_elements(out), outputs);
    if (b && (!b->data || tfl_tensor_elements(b) != (size_t)outputs))
        die(c, "bias of FULLY_CONNECTED is not a constant vector of %d values", outputs);
    c->out_c = outputs;
    nn_layer *l = begin_layer(c, LAYER_CONNECTED, NULL);
    l->filters = outputs;
    l->activation = activation_of(c, op->activation);
    if (c->quantized)
        set_weight_quantization(c, l, w, out);
    for (int o = 0; o < outputs; o++)
        push_weight(c, !b ? 0.0f : c->quantized ? layer_bias(c, l, in, w, b, o, 0) : (float)tfl_tensor_value(b, (size_t)o, o));
    for (size_t k = 0; k < (size_t)outputs * (size_t)inputs; k++)
        push_weight(c, (float)tfl_tensor_value(w, k, 0));
}

/* MEAN over height and width, keeping the dimensions: TFLite's int8 kernel
 * for it (reference_integer_ops::Mean), an [avgpool] that may rescale. The
 * uint8 MEAN and the other reductions are other kernels: refused. */
static void emit_mean(converter *c, const tfl_model *m, const tfl_op *op)
{
    const tfl_tensor *in = &m->tensors[op->inputs[0]];
    const tfl_tensor *axis = op->ninputs > 1 && op->inputs[1] >= 0 ? &m->tensors[op->inputs[1]] : NULL;
    int32_t a[2] = {0, 0};
    if (!axis || !axis->data || axis->type != TFL_INT32 || tfl_tensor_elements(axis) != 2)
        die(c, "MEAN's axes are not a constant pair");
    memcpy(a, axis->data, sizeof a);
    for (int k = 0; k < 2; k++)
        a[k] = a[k] < 0 ? a[k] + 4 : a[k];
    if (in->ndims != 4 || !((a[0] == 1 && a[1] == 2) || (a[0] == 2 && a[1] == 1)))
        die(c, "MEAN over axes %d,%d of a %d-D tensor is not supported (only height and width of NHWC)", a[0], a[1],
            in->ndims);
    if (!op->keep_dims)
        die(c, "MEAN without keep_dims is not supported (TFLite runs another kernel for it)");
    if (c->quantized && c->act_type != TFL_INT8)
        die(c, "MEAN on %s tensors is not supported (TFLite's uint8 MEAN rounds in float)", type_name(c->act_type));
    nn_layer *l = begin_layer(c, LAYER_AVGPOOL, &m->tensors[op->outputs[0]]);
    if (c->quantized)
        set_output_quantization(c, l, &m->tensors[op->outputs[0]]);
}

/* QUANTIZE between uint8 and int8 grids of the same scale whose zero points
 * differ by 128 (a model's uint8 input and output around int8 layers) is no
 * operation at all on the values as the format holds them: nothing to emit.
 * Any other requantization is refused. */
static void check_quantize(const converter *c, const tfl_model *m, const tfl_op *op)
{
    const tfl_tensor *in = &m->tensors[op->inputs[0]], *out = &m->tensors[op->outputs[0]];
    if ((in->type != TFL_UINT8 && in->type != TFL_INT8) || (out->type != TFL_UINT8 && out->type != TFL_INT8) ||
        in->nscales != 1 || out->nscales != 1)
        die(c, "QUANTIZE from %s to %s is not supported (only between 8-bit grids)", type_name(in->type),
            type_name(out->type));
    nn_quant a = quant_of(c, in, 0), b = quant_of(c, out, 0);
    if (a.scale != b.scale || a.zero_point != b.zero_point)
        die(c, "QUANTIZE from scale %.9g zero point %lld (%s) to scale %.9g zero point %lld (%s) changes the values; "
               "only a change of type is supported",
            (double)a.scale, (long long)tfl_tensor_zero_point(in, 0), type_name(in->type), (double)b.scale,
            (long long)tfl_tensor_zero_point(out, 0), type_name(out->type));
}

static void check_input(const converter *c, const tfl_model *m, const tfl_op *op, const int *layer_of, int k)
{
    if (k >= op->ninputs || op->inputs[k] < 0)
        die(c, "%s lacks input %d", tfl_op_name(op->builtin), k);
    if (layer_of[op->inputs[k]] == -2)
        die(c, "%s reads tensor '%s', which no converted operator produces", tfl_op_name(op->builtin),
            m->tensors[op->inputs[k]].name);
}

static void convert_op(converter *c, const tfl_model *m, const tfl_op *op, int *layer_of)
{
    if (op->builtin < 0)
        die(c, "unsupported custom operator '%s'", op->custom);
    if (op->noutputs != 1)
        die(c, "%s with %d outputs is not supported", tfl_op_name(op->builtin), op->noutputs);
    check_input(c, m, op, layer_of, 0);
    const tfl_tensor *in = &m->tensors[op->inputs[0]];
    const tfl_tensor *out = &m->tensors[op->outputs[0]];
    int ch = 0, h = 0, w = 0;

    switch (op->builtin) {
    case TFL_OP_QUANTIZE:
        check_quantize(c, m, op);
        layer_of[op->outputs[0]] = layer_of[op->inputs[0]];
        return;
    case TFL_OP_FULLY_CONNECTED:
        if (op->ninputs < 2 || op->inputs[1] < 0)
            die(c, "FULLY_CONNECTED lacks its weights");
        ch = (int)tfl_tensor_elements(in);
        use_input(c, layer_of[op->inputs[0]], ch, 1, 1);
        emit_fully_connected(c, m, op);
        break;
    case TFL_OP_MEAN:
        nhwc(c, in, &ch, &h, &w);
        use_input(c, layer_of[op->inputs[0]], ch, h, w);
        emit_mean(c, m, op);
        break;
    case TFL_OP_CONV_2D:
    case TFL_OP_DEPTHWISE_CONV_2D:
    case TFL_OP_AVERAGE_POOL_2D:
    case TFL_OP_MAX_POOL_2D:
        nhwc(c, in, &ch, &h, &w);
        use_input(c, layer_of[op->inputs[0]], ch, h, w);
        if (op->builtin == TFL_OP_CONV_2D || op->builtin == TFL_OP_DEPTHWISE_CONV_2D)
            emit_convolution(c, m, op, op->builtin == TFL_OP_DEPTHWISE_CONV_2D);
        else
            emit_pool(c, m, op);
        break;
    case TFL_OP_ADD:
        check_input(c, m, op, layer_of, 1);
        emit_add(c, m, op, layer_of);
        break;
    case TFL_OP_RESHAPE:
        /* Only a squeeze of a 1x1 spatial map is a no-op in Darknet's CHW layout. */
        if (tfl_tensor_elements(in) != tfl_tensor_elements(out) ||
            tfl_tensor_elements(in) != (size_t)in->dims[in->ndims - 1])
            die(c, "RESHAPE that moves data (%s) is not supported", in->name);
        if (layer_of[op->inputs[0]] != c->last)
            die(c, "RESHAPE of an earlier tensor is not supported");
        require_same_quantization(c, m, op);
        break;
    case TFL_OP_SOFTMAX:
        if (op->beta != 1.0f)
            die(c, "SOFTMAX with beta %g is not supported", (double)op->beta);
        if (layer_of[op->inputs[0]] != c->last)
            die(c, "SOFTMAX of an earlier tensor is not supported");
        if (c->quantized && (out->type != c->act_type || out->nscales != 1 ||
                             tfl_tensor_scale(out, 0) != 1.0f / 256.0f || quant_of(c, out, 0).zero_point != 0))
            die(c, "a quantized SOFTMAX must write scale 1/256 from the bottom of its type's range (TFLite's uint8 "
                   "and int8 softmax)");
        begin_layer(c, LAYER_SOFTMAX, NULL);
        break;
    default:
        die(c, "unsupported operator %s (builtin code %d)", tfl_op_name(op->builtin), op->builtin);
    }
    layer_of[op->outputs[0]] = c->last;
}

/* The type of the model's activations: int8 when any tensor an operator
 * writes is int8 (TF2's scheme), else uint8. Each layer's output is checked
 * against it (set_output_quantization). */
static int activation_type(const tfl_model *m)
{
    for (size_t k = 0; k < m->nops; k++)
        if (m->ops[k].noutputs > 0 && m->tensors[m->ops[k].outputs[0]].type == TFL_INT8)
            return TFL_INT8;
    return TFL_UINT8;
}

/* A .tflite or labels file, whole; the converter stops at the first failure. */
static uint8_t *read_input(const char *path, size_t *size)
{
    char err[512];
    uint8_t *data = file_read(path, MAX_INPUT_BYTES, size, err, sizeof err);
    if (!data)
        die(NULL, "%s", err);
    return data;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        die(NULL, "%s: cannot write: %s", path, strerror(errno));
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void write_weights(const converter *c, const char *path)
{
    /* Header: major, minor, revision (int32), then `seen` as uint64 because
     * major*10 + minor >= 2 -- the rule every Darknet reader applies. */
    size_t size = 3 * 4 + 8 + c->weights.len * 4;
    uint8_t *buf = calloc(1, size);
    if (!buf)
        die(NULL, "out of memory");
    int32_t header[3] = {0, 2, 0};
    memcpy(buf, header, sizeof header);
    memcpy(buf + 20, c->weights.v, c->weights.len * 4);
    write_file(path, buf, size);
    free(buf);
}

static void write_labels(const char *in, const char *out, int classes)
{
    size_t size;
    uint8_t *data = read_input(in, &size);
    int lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (size && data[size - 1] != '\n')
        lines++;
    if (lines != classes)
        die(NULL, "%s has %d labels, the model has %d classes", in, lines, classes);
    write_file(out, data, size);
    free(data);
}

static void usage(void)
{
    fprintf(stderr, "usage: tflite2darknet [--labels FILE] -o OUT_PREFIX MODEL.tflite [NEXT.tflite ...]\n"
                    "Writes OUT_PREFIX.cfg, OUT_PREFIX.weights and (with --labels) OUT_PREFIX.labels.\n"
                    "Several models are chained: each one's output is the next one's input.\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *prefix = NULL, *labels = NULL;
    const char *files[MAX_FILES];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            prefix = argv[++i];
        else if (!strcmp(argv[i], "--labels") && i + 1 < argc)
            labels = argv[++i];
        else if (argv[i][0] == '-' || nfiles == MAX_FILES)
            usage();
        else
            files[nfiles++] = argv[i];
    }
    if (!prefix || nfiles == 0)
        usage();

    converter c = {.last = -1};

    int prev_output_layer = -1, prev_c = 0, prev_h = 0, prev_w = 0;
    float prev_scale = 0.0f; /* the previous model's output quantization (0: none) */
    int64_t prev_zero_point = 0;
    for (int f = 0; f < nfiles; f++) {
        size_t size;
        uint8_t *data = read_input(files[f], &size);
        tfl_model m;
        char err[256];
        c.file = files[f];
        c.op_index = -1;
        if (tfl_model_parse(&m, data, size, err, sizeof err) < 0)
            die(&c, "%s", err);
        const tfl_tensor *in = &m.tensors[m.input];
        int ch, h, w;
        nhwc(&c, in, &ch, &h, &w);
        if (f == 0) {
            if (in->type != TFL_UINT8 && in->type != TFL_INT8)
                die(&c, "the input '%s' is %s: only quantized models (uint8 or int8 input) are converted", in->name,
                    type_name(in->type));
            if (in->nscales != 1)
                die(&c, "the input is not quantised, so its normalisation is unknown");
            c.model.input = (nn_shape){ch, h, w};
            c.model.preprocess = NN_PREPROCESS_TF_SLIM;
            c.model.input_mean = (float)quant_of(&c, in, 0).zero_point;
            c.model.input_scale = tfl_tensor_scale(in, 0);
            c.model.quantized = c.quantized = 1;
            c.act_type = activation_type(&m);
            c.model.quantized_kernels = c.act_type == TFL_INT8 ? NN_QUANTIZED_INT8 : NN_QUANTIZED_UINT8;
            c.out_c = ch;
            c.out_h = h;
            c.out_w = w;
        } else if (ch != prev_c || h != prev_h || w != prev_w) {
            die(&c, "input %dx%dx%d does not match the previous model's output %dx%dx%d", h, w, ch, prev_h, prev_w,
                prev_c);
        } else if (c.quantized && (in->nscales != 1 || tfl_tensor_scale(in, 0) != prev_scale ||
                                   quant_of(&c, in, 0).zero_point != prev_zero_point)) {
            die(&c, "input quantization differs from the previous model's output: the chain is not exact");
        }
        int *layer_of = malloc(m.ntensors * sizeof *layer_of);
        if (!layer_of)
            die(NULL, "out of memory");
        for (size_t t = 0; t < m.ntensors; t++)
            layer_of[t] = -2;
        layer_of[m.input] = prev_output_layer;
        for (size_t k = 0; k < m.nops; k++) {
            c.op_index = (int)k;
            convert_op(&c, &m, &m.ops[k], layer_of);
        }
        c.op_index = -1;
        if (layer_of[m.output] != c.last)
            die(&c, "the graph output is not the last operator's output");
        prev_output_layer = c.last;
        const tfl_tensor *out = &m.tensors[m.output];
        prev_scale = out->nscales == 1 ? tfl_tensor_scale(out, 0) : 0.0f;
        prev_zero_point = out->nscales == 1 ? quant_of(&c, out, 0).zero_point : 0;
        prev_c = out->dims[out->ndims - 1];
        prev_h = out->ndims == 4 ? out->dims[1] : 1;
        prev_w = out->ndims == 4 ? out->dims[2] : 1;
        free(layer_of);
        tfl_model_free(&m);
        free(data);
    }

    text_buffer cfg = {0};
    text_printf(&cfg, "# Darknet cfg written by tflite2darknet from:");
    for (int i = 0; i < nfiles; i++)
        text_printf(&cfg, " %s", base_name(files[i]));
    text_printf(&cfg, "\n# Extensions (see models/darknet-format.md): preprocess, input_mean/input_scale,\n"
                      "# pad_mode=tf_same, and for a quantized model\n"
                      "# weight_scale/weight_zero_point/output_scale/output_zero_point.\n\n");
    char err[256];
    if (darknet_cfg_write(&c.model, DARKNET_DIALECT_LOOKSLIKE, &cfg, err, sizeof err) < 0)
        die(NULL, "%s", err);
    char path[4096];
    snprintf(path, sizeof path, "%s.cfg", prefix);
    write_file(path, cfg.data, cfg.len);
    snprintf(path, sizeof path, "%s.weights", prefix);
    write_weights(&c, path);
    if (labels) {
        snprintf(path, sizeof path, "%s.labels", prefix);
        write_labels(labels, path, prev_c * prev_h * prev_w);
    }
    fprintf(stderr, "tflite2darknet: %d layers, %zu parameters -> %s.{cfg,weights%s}\n", c.model.nlayers,
            c.weights.len, prefix, labels ? ",labels" : "");
    text_free(&cfg);
    for (int i = 0; i < c.model.nlayers; i++)
        free(c.model.layers[i].weight_q);
    free(c.model.layers);
    free(c.weights.v);
    return 0;
}
