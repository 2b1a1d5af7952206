/* The TFLite -> Darknet conversion (tflite_convert.h): a chain of TFLite
 * models (each one's output feeding the next one's input) becomes one
 * Darknet cfg + weights image. The operators become an nn_model's layers
 * (model.h), which the one cfg writer (src/nn/darknet_cfg_write.c) writes in
 * lookslike's dialect.
 *
 * Quantised weights are dequantised to float (scale * (q - zero_point)), so the
 * result is the float network the quantised one approximates, and the
 * quantization keys let the integer engine recover the very integers. Both of
 * TFLite's 8-bit schemes are taken: TF1's uint8 and TF2's int8 (held as uint8,
 * plus 128: quantized_kernels=int8, models/darknet-format.md). Anything this
 * converter cannot express exactly in Darknet semantics (plus the documented
 * extension keys) is an error naming the operator or tensor: a silently
 * different model would be worse than none. */
#include "tflite_convert.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../growable.h"
#include "../nn/darknet_cfg_write.h"
#include "../nn/darknet_layers.h"
#include "../nn/int8_arith.h"
#include "../text_buffer.h"
#include "tflite_model.h"

typedef struct {
    float *v;
    size_t len, cap;
} floatbuf;

typedef struct {
    nn_model model; /* the layers so far: their description, not their parameters */
    size_t layers_cap;
    floatbuf weights;
    int act_type; /* TFL_UINT8 or TFL_INT8: the type of every activation a layer writes */
    int last; /* index of the layer whose output is "the current value"; -1 = network input */
    int out_c, out_h, out_w; /* shape of the current value */
    /* the previous model of the chain: its output layer (-1: none), shape and quantization */
    int prev_output_layer;
    nn_shape prev_shape;
    nn_quant prev_q;
    const char *file; /* for error messages */
    int op_index;
    size_t max_params; /* what the files' bytes can legitimately make (tflite_convert.h) */
    /* what a refusal frees: the model being read and its tensors' layers */
    tfl_model m;
    int *layer_of;
    int *reader_of; /* per tensor: the operator that read it as weights or bias, or -1 */
    text_buffer cfg; /* the cfg text, once every model is read */
    /* a refusal: the message, then back to tflite_convert */
    char *err;
    size_t errlen;
    jmp_buf refused;
} converter;

__attribute__((noreturn, format(printf, 2, 3))) static void die(converter *c, const char *fmt, ...)
{
    size_t n = 0;
    if (c->file)
        n = (size_t)snprintf(c->err, c->errlen, c->op_index >= 0 ? "%s: operator #%d: " : "%s: ", c->file,
                             c->op_index);
    if (n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - n, fmt, ap);
        va_end(ap);
    }
    longjmp(c->refused, 1);
}

/* grow_doubling, or the conversion is refused. */
static void *grow(converter *c, void *p, size_t *cap, size_t need, size_t elem)
{
    p = grow_doubling(p, cap, need, elem);
    if (!p)
        die(c, "out of memory");
    return p;
}

static void push_weight(converter *c, float v)
{
    if (c->weights.len >= c->max_params)
        die(c, "the model has more than %zu parameters: more than its files' bytes make (tensors that share their "
               "data with many others) or than the loader takes (%u)",
            c->max_params, NN_MAX_PARAMS);
    c->weights.v = grow(c, c->weights.v, &c->weights.cap, c->weights.len + 1, sizeof(float));
    c->weights.v[c->weights.len++] = v;
}

static nn_activation activation_of(converter *c, int act)
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
static void nhwc(converter *c, const tfl_tensor *t, int *ch, int *h, int *w)
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
    m->layers = grow(c, m->layers, &c->layers_cap, (size_t)m->nlayers + 1, sizeof *m->layers);
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

/* One scale and zero point of a tensor as the format holds it: uint8. An
 * int8 tensor's values are held plus 128, so its zero point is too (model.h,
 * nn_quantized_kernels); tfl_tensor_value's scale * (q - zero_point) is the
 * same either way. */
static nn_quant quant_of(converter *c, const tfl_tensor *t, int k)
{
    int64_t zp = tfl_tensor_zero_point(t, k) + (t->type == TFL_INT8 ? 128 : 0);
    if (zp < 0 || zp > 255)
        die(c, "tensor '%s' has zero point %lld, outside its type's range", t->name,
            (long long)tfl_tensor_zero_point(t, k));
    return (nn_quant){tfl_tensor_scale(t, k), (int)zp};
}

/* An operator that must not change the quantization (pooling, reshape). */
static void require_same_quantization(converter *c, const tfl_model *m, const tfl_op *op)
{
    const tfl_tensor *in = &m->tensors[op->inputs[0]], *out = &m->tensors[op->outputs[0]];
    if (in->nscales != 1 || out->nscales != 1 || !nn_quant_equal(quant_of(c, in, 0), quant_of(c, out, 0)))
        die(c, "%s changes the quantization of its input; the integer engine has no rescaling there",
            tfl_op_name(op->builtin));
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
    l->weight_q = grow(c, NULL, &(size_t){0}, w->nscales, sizeof *l->weight_q);
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
static int constant_output(converter *c, const nn_layer *l, float in_scale, float ws, int32_t k)
{
    int32_t multiplier;
    int shift, lo, hi;
    nn_quantized_kernels family = c->act_type == TFL_INT8 ? NN_QUANTIZED_INT8 : NN_QUANTIZED_UINT8;
    quantize_layer_multiplier(in_scale, ws, l->out_q.scale, quantized_product_in_double(family, l->kind),
                              &multiplier, &shift);
    if (quantized_activation_range(l->activation, l->out_q, &lo, &hi) < 0)
        die(c, "activation %s has no integer form", nn_activation_name(l->activation));
    int32_t v = requantize_accumulator(k, multiplier, shift, quantized_single_rounding(family, l->kind, l->groups)) +
                l->out_q.zero_point;
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
static float layer_bias(converter *c, nn_layer *l, const tfl_tensor *in, const tfl_tensor *w,
                        const tfl_tensor *b, int o, int depthwise)
{
    if (in->nscales != 1 || b->nscales == 0)
        die(c, "bias '%s' or input '%s' of a quantized layer has no quantization", b->name, in->name);
    float in_scale = tfl_tensor_scale(in, 0), ws = tfl_tensor_scale(w, w->nscales > 1 ? o : 0);
    double scale = quantized_bias_scale(in_scale, ws);
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
                return (float)(quantized_bias_scale(in_scale, ws_new) * (double)k_new);
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
    /* Per-channel scales must run along the output channels, the only axis
     * they are indexed by (scale[o] below). */
    if (w->nscales > 1 && w->quantized_dimension != (depthwise ? 3 : 0))
        die(c, "weights quantised along dimension %d are not supported", w->quantized_dimension);
    set_weight_quantization(c, l, w, out);

    int expect_h = (in_h + top + bottom - kh) / op->stride_h + 1;
    if (expect_h != c->out_h || filters != c->out_c)
        die(c, "output shape of %s does not follow from its input and options", tfl_op_name(op->builtin));

    /* Darknet order: biases[filters], then weights[filters][in_c/groups][kh][kw]. */
    for (int o = 0; o < filters; o++)
        push_weight(c, b ? layer_bias(c, l, in, w, b, o, depthwise) : 0.0f);
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
        if (c->act_type != TFL_UINT8)
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
    if (op->filter_h < 1 || op->stride_h < 1)
        die(c, "MAX_POOL_2D with a %dx%d window and stride %d is not a pool", op->filter_w, op->filter_h,
            op->stride_h);
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
    if (c->act_type != TFL_UINT8)
        die(c, "FULLY_CONNECTED on %s tensors is not supported (only the uint8 kernels' rounding is proved against "
               "TFLite)", type_name(c->act_type));
    if (w->nscales != 1)
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
    set_weight_quantization(c, l, w, out);
    for (int o = 0; o < outputs; o++)
        push_weight(c, b ? layer_bias(c, l, in, w, b, o, 0) : 0.0f);
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
    if (c->act_type != TFL_INT8)
        die(c, "MEAN on %s tensors is not supported (TFLite's uint8 MEAN rounds in float)", type_name(c->act_type));
    nn_layer *l = begin_layer(c, LAYER_AVGPOOL, &m->tensors[op->outputs[0]]);
    set_output_quantization(c, l, &m->tensors[op->outputs[0]]);
}

/* QUANTIZE between uint8 and int8 grids of the same scale whose zero points
 * differ by 128 (a model's uint8 input and output around int8 layers) is no
 * operation at all on the values as the format holds them: nothing to emit.
 * Any other requantization is refused. */
static void check_quantize(converter *c, const tfl_model *m, const tfl_op *op)
{
    const tfl_tensor *in = &m->tensors[op->inputs[0]], *out = &m->tensors[op->outputs[0]];
    if ((in->type != TFL_UINT8 && in->type != TFL_INT8) || (out->type != TFL_UINT8 && out->type != TFL_INT8) ||
        in->nscales != 1 || out->nscales != 1)
        die(c, "QUANTIZE from %s to %s is not supported (only between 8-bit grids)", type_name(in->type),
            type_name(out->type));
    nn_quant a = quant_of(c, in, 0), b = quant_of(c, out, 0);
    if (!nn_quant_equal(a, b))
        die(c, "QUANTIZE from scale %.9g zero point %lld (%s) to scale %.9g zero point %lld (%s) changes the values; "
               "only a change of type is supported",
            (double)a.scale, (long long)tfl_tensor_zero_point(in, 0), type_name(in->type), (double)b.scale,
            (long long)tfl_tensor_zero_point(out, 0), type_name(out->type));
}

static void check_input(converter *c, const tfl_model *m, const tfl_op *op, const int *layer_of, int k)
{
    if (k >= op->ninputs || op->inputs[k] < 0)
        die(c, "%s lacks input %d", tfl_op_name(op->builtin), k);
    if (layer_of[op->inputs[k]] == -2)
        die(c, "%s reads tensor '%s', which no converted operator produces", tfl_op_name(op->builtin),
            m->tensors[op->inputs[k]].name);
}

/* A layer's weights and bias are its own in Darknet: a constant tensor that a
 * second operator reads as weights or bias (which no converter writes, and
 * which would multiply the output) is refused. */
static void claim_constants(converter *c, const tfl_model *m, const tfl_op *op)
{
    for (int k = 1; k < op->ninputs && k < 3; k++) {
        int t = op->inputs[k];
        if (t < 0)
            continue;
        if (c->reader_of[t] >= 0)
            die(c, "tensor '%s' is read as weights by operator #%d already; each layer has weights of its own",
                m->tensors[t].name, c->reader_of[t]);
        c->reader_of[t] = c->op_index;
    }
}

static void convert_op(converter *c, const tfl_model *m, const tfl_op *op, int *layer_of)
{
    if (op->builtin < 0)
        die(c, "unsupported custom operator '%s'", op->custom);
    if (op->noutputs != 1)
        die(c, "%s with %d outputs is not supported", tfl_op_name(op->builtin), op->noutputs);
    /* A tensor has one writer: an operator table listed twice, or two writing one tensor, is not a graph. */
    if (layer_of[op->outputs[0]] != -2)
        die(c, "tensor '%s' is written a second time (the graph input, or another operator's output)",
            m->tensors[op->outputs[0]].name);
    check_input(c, m, op, layer_of, 0);
    if (op->builtin == TFL_OP_CONV_2D || op->builtin == TFL_OP_DEPTHWISE_CONV_2D ||
        op->builtin == TFL_OP_FULLY_CONNECTED)
        claim_constants(c, m, op);
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
        if ((out->type != c->act_type || out->nscales != 1 ||
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


/* One model of the chain into c: its layers follow those of the models before. */
static void convert_file(converter *c, const tflite_file *file, int first)
{
    tfl_model *m = &c->m;
    char err[256];
    c->file = file->name;
    c->op_index = -1;
    if (tfl_model_parse(m, file->data, file->size, err, sizeof err) < 0)
        die(c, "%s", err);
    const tfl_tensor *in = &m->tensors[m->input];
    int ch, h, w;
    nhwc(c, in, &ch, &h, &w);
    if (first) {
        if (in->type != TFL_UINT8 && in->type != TFL_INT8)
            die(c, "the input '%s' is %s: only quantized models (uint8 or int8 input) are converted", in->name,
                type_name(in->type));
        if (in->nscales != 1)
            die(c, "the input is not quantised, so its normalisation is unknown");
        c->model.input = (nn_shape){ch, h, w};
        c->model.preprocess = NN_PREPROCESS_TF_SLIM;
        c->model.input_mean = (float)quant_of(c, in, 0).zero_point;
        c->model.input_scale = tfl_tensor_scale(in, 0);
        c->model.quantized = 1; /* a float input was refused above */
        c->act_type = activation_type(m);
        c->model.quantized_kernels = c->act_type == TFL_INT8 ? NN_QUANTIZED_INT8 : NN_QUANTIZED_UINT8;
        c->out_c = ch;
        c->out_h = h;
        c->out_w = w;
    } else if (ch != c->prev_shape.c || h != c->prev_shape.h || w != c->prev_shape.w) {
        die(c, "input %dx%dx%d does not match the previous model's output %dx%dx%d", h, w, ch, c->prev_shape.h,
            c->prev_shape.w, c->prev_shape.c);
    } else if (in->nscales != 1 || !nn_quant_equal(quant_of(c, in, 0), c->prev_q)) {
        die(c, "input quantization differs from the previous model's output: the chain is not exact");
    }
    c->layer_of = malloc(m->ntensors * sizeof *c->layer_of);
    c->reader_of = malloc(m->ntensors * sizeof *c->reader_of);
    if (!c->layer_of || !c->reader_of)
        die(c, "out of memory");
    for (size_t t = 0; t < m->ntensors; t++)
        c->layer_of[t] = -2, c->reader_of[t] = -1;
    c->layer_of[m->input] = c->prev_output_layer;
    for (size_t k = 0; k < m->nops; k++) {
        c->op_index = (int)k;
        convert_op(c, m, &m->ops[k], c->layer_of);
    }
    c->op_index = -1;
    if (c->layer_of[m->output] != c->last)
        die(c, "the graph output is not the last operator's output");
    c->prev_output_layer = c->last;
    const tfl_tensor *out = &m->tensors[m->output];
    c->prev_q = out->nscales == 1 ? quant_of(c, out, 0) : (nn_quant){0};
    c->prev_shape = (nn_shape){out->dims[out->ndims - 1], out->ndims == 4 ? out->dims[1] : 1,
                               out->ndims == 4 ? out->dims[2] : 1};
    free(c->layer_of);
    free(c->reader_of);
    c->layer_of = c->reader_of = NULL;
    tfl_model_free(m);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The .weights image: major, minor, revision (int32), then `seen` as uint64
 * because major*10 + minor >= 2 -- the rule every Darknet reader applies --
 * then the parameters. */
static void weights_image(converter *c, tflite_converted *out)
{
    out->weights_len = 3 * 4 + 8 + c->weights.len * 4;
    if (!(out->weights = calloc(1, out->weights_len)))
        die(c, "out of memory");
    int32_t header[3] = {0, 2, 0};
    memcpy(out->weights, header, sizeof header);
    if (c->weights.len)
        memcpy(out->weights + 20, c->weights.v, c->weights.len * 4);
}

static void converter_free(converter *c)
{
    for (int i = 0; c->model.layers && i < c->model.nlayers; i++)
        free(c->model.layers[i].weight_q);
    free(c->model.layers);
    free(c->weights.v);
    free(c->layer_of);
    free(c->reader_of);
    text_free(&c->cfg);
    tfl_model_free(&c->m);
    free(c);
}

int tflite_convert(const tflite_file *files, int nfiles, tflite_converted *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    converter *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->last = c->prev_output_layer = -1;
    c->err = err;
    c->errlen = errlen;
    /* Everything a refusal frees is reached from c (on the heap): no local
     * changes between here and a longjmp. */
    if (setjmp(c->refused)) {
        tflite_converted_free(out);
        converter_free(c);
        return -1;
    }
    for (int f = 0; f < nfiles; f++)
        c->max_params += files[f].size;
    if (c->max_params > NN_MAX_PARAMS)
        c->max_params = NN_MAX_PARAMS;
    if (nfiles < 1)
        die(c, "no model to convert");
    for (int f = 0; f < nfiles; f++)
        convert_file(c, &files[f], f == 0);
    c->file = NULL;

    text_printf(&c->cfg, "# Darknet cfg written by tflite2darknet from:");
    for (int i = 0; i < nfiles; i++)
        text_printf(&c->cfg, " %s", base_name(files[i].name));
    text_printf(&c->cfg, "\n# Extensions (see models/darknet-format.md): preprocess, input_mean/input_scale,\n"
                      "# pad_mode=tf_same, and for a quantized model\n"
                      "# weight_scale/weight_zero_point/output_scale/output_zero_point.\n\n");
    char werr[256];
    if (darknet_cfg_write(&c->model, DARKNET_DIALECT_LOOKSLIKE, &c->cfg, werr, sizeof werr) < 0)
        die(c, "%s", werr);
    if (!(out->cfg = text_take(&c->cfg)))
        die(c, "out of memory");
    out->cfg_len = strlen(out->cfg);
    weights_image(c, out);
    out->layers = c->model.nlayers;
    out->params = c->weights.len;
    out->outputs = (size_t)c->prev_shape.c * (size_t)c->prev_shape.h * (size_t)c->prev_shape.w;
    converter_free(c);
    return 0;
}

void tflite_converted_free(tflite_converted *out)
{
    free(out->cfg);
    free(out->weights);
    memset(out, 0, sizeof *out);
}
