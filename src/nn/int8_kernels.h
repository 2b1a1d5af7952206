/* The integer layers of a quantized network, as the kernels see them, and the
 * kernel sets that compute them: `reference` (int8_reference.c: TFLite's
 * arithmetic in plain C, loop by loop) and the fast sets (int8_avx2.c,
 * int8_avx512vnni.c, int8_neon.c), which must produce the same bytes. Activations are
 * uint8 NHWC. A kernel works on a range of output rows (or bytes) so that
 * threads can share a layer; kernels keep no state beyond what prepare()
 * packed into the layer. Which sets exist and which one runs:
 * int8_kernel_sets.c, the one place that knows the CPU. */
#ifndef LOOKSLIKE_NN_INT8_KERNELS_H
#define LOOKSLIKE_NN_INT8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "int8_arith.h"
#include "model.h"

/* Every integer operation, one line each: X(OP, name). Generates the enum
 * and the names (int8_op_name). */
#define INT8_OPS(X)                                                                                                    \
    X(CONV, conv)           /* any convolution or connected layer on a 1x1 map */                                     \
    X(DEPTHWISE, depthwise) /* groups == input channels == filters */                                                 \
    X(ADD, add)             /* shortcut: the previous layer's output + layer `from` */                                \
    X(AVGPOOL, avgpool)     /* global: TFLite's uint8 AVERAGE_POOL_2D */                                              \
    X(MEAN, mean)           /* global: TFLite's int8 MEAN over height and width, which may rescale */                 \
    X(MAXPOOL, maxpool)                                                                                                \
    X(SOFTMAX, softmax)     /* TFLite's uint8 softmax (the engine's API uses a float one) */                          \
    X(PASS, pass)           /* route of one layer, dropout: the input itself */

typedef enum {
#define INT8_OP_ENUM(OP, name) INT8_##OP,
    INT8_OPS(INT8_OP_ENUM)
#undef INT8_OP_ENUM
} int8_op;

const char *int8_op_name(int8_op op);

typedef struct {
    int8_op op;
    nn_shape in, out; /* c, h, w of NHWC tensors */
    int size, stride, pad_top, pad_left;
    int in_zp, out_zp;
    int act_min, act_max; /* the fused activation, as a uint8 range */

    /* INT8_CONV / INT8_DEPTHWISE */
    int filters, patch; /* patch: inputs per output (size * size * in.c / groups) */
    uint8_t *weights; /* [filters][size][size][in.c / groups], as the model has them (q) */
    int16_t *weight_zps; /* [filters] */
    int32_t *biases, *multipliers; /* [filters] */
    int *shifts; /* [filters] */
    int single_rounding; /* requantize with multiply_by_quantized_multiplier_single, not gemmlowp's two roundings */
    void *packed; /* the kernel set's own copy of the weights (prepare) */

    /* INT8_ADD: TFLite's uint8 ADD, both inputs rescaled to 2^20 times
     * twice the larger input scale, summed, rescaled to the output */
    int from;
    int add_left_shift, add_zp[2];
    int32_t add_multiplier[3];
    int add_shift[3];

    float in_scale; /* INT8_SOFTMAX */

    /* INT8_MEAN: the input scale over the output's, as a Q31 multiplier */
    int32_t mean_multiplier;
    int mean_shift;
} int8_layer;

/* A kernel set. An operation left NULL runs on the reference kernel. */
typedef struct {
    const char *name;
    /* Computed in portable code standing in for instructions this CPU may
     * lack (SIMDe): for the tests, never chosen to serve. */
    int emulated;
    int (*cpu_has)(void);
    /* Packs what the kernels need into layer->packed; 0 or -1 (out of memory). */
    int (*prepare)(int8_layer *l);
    void (*release)(int8_layer *l);
    /* Output rows [y0, y1) of a convolution or depthwise layer. */
    void (*conv)(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1);
    void (*depthwise)(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1);
    /* n elements of an ADD; output rows [y0, y1) of a max pool; a whole global average pool or MEAN. */
    void (*add)(const int8_layer *l, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
    void (*maxpool)(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1);
    void (*avgpool)(const int8_layer *l, const uint8_t *in, uint8_t *out);
    void (*mean)(const int8_layer *l, const uint8_t *in, uint8_t *out);
    /* Whether this set's own code computes all of layer l, whose operation
     * it has a kernel for: 0 when that kernel hands the layer, or part of
     * it, to the reference kernels (int8_network_kernel says so). */
    int (*whole)(const int8_layer *l);
} int8_kernels;

/* Every set, in int8_kernel_sets.c's table; each file defines its own. */
extern const int8_kernels int8_kernels_reference;
extern const int8_kernels int8_kernels_avx2;
extern const int8_kernels int8_kernels_avx512vnni;
extern const int8_kernels int8_kernels_avx512vnni_simde;
extern const int8_kernels int8_kernels_avx_vnni;
extern const int8_kernels int8_kernels_avx_vnni_simde;
extern const int8_kernels int8_kernels_sse41;
extern const int8_kernels int8_kernels_neon;
extern const int8_kernels int8_kernels_neon_dotprod;
extern const int8_kernels int8_kernels_neon_simde;
extern const int8_kernels int8_kernels_neon_dotprod_simde;

/* The plain kernels, also the fast sets' fallback for what they do not cover. */
void int8_reference_conv(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1);
void int8_reference_depthwise_channels(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1,
                                       int c0, int c1);
void int8_reference_add(const int8_layer *l, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
void int8_reference_avgpool(const int8_layer *l, const uint8_t *in, uint8_t *out);
void int8_reference_mean(const int8_layer *l, const uint8_t *in, uint8_t *out);
void int8_reference_maxpool(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1);
void int8_reference_softmax(const int8_layer *l, const uint8_t *in, uint8_t *out);

/* Output pixel (oy, ox)'s window: its top-left tap (iy0, ix0) in the input,
 * which may lie outside the map, and the taps [ky0, ky1) x [kx0, kx1) of it
 * that lie inside. */
typedef struct {
    int iy0, ix0, ky0, ky1, kx0, kx1;
} int8_window;

static inline int8_window int8_window_at(const int8_layer *l, int oy, int ox)
{
    int8_window w = {.iy0 = oy * l->stride - l->pad_top, .ix0 = ox * l->stride - l->pad_left};
    w.ky0 = w.iy0 < 0 ? -w.iy0 : 0;
    w.kx0 = w.ix0 < 0 ? -w.ix0 : 0;
    w.ky1 = w.iy0 + l->size > l->in.h ? l->in.h - w.iy0 : l->size;
    w.kx1 = w.ix0 + l->size > l->in.w ? l->in.w - w.ix0 : l->size;
    return w;
}

/* v clamped to the layer's activation range [act_min, act_max] (within 0..255). */
static inline uint8_t int8_clamp(const int8_layer *l, int32_t v)
{
    return (uint8_t)(v < l->act_min ? l->act_min : v > l->act_max ? l->act_max : v);
}

/* A global pool's output byte from its channel's sum over the map's count
 * pixels: TFLite's uint8 average pool (the sum divided by the count,
 * rounding halves up; input and output share a quantization), or its int8
 * MEAN (INT8_MEAN: the sum of the differences from the input's zero point,
 * brought to the output's scale by the multiplier, divided by the count
 * rounding halves away from zero -- C's division truncates -- and offset by
 * the output's zero point; the same integers on the uint8 values that hold
 * the int8 ones, model.h). */
static inline uint8_t int8_pool_output(const int8_layer *l, int32_t sum, int count)
{
    if (l->op != INT8_MEAN)
        return int8_clamp(l, (sum + count / 2) / count);
    int32_t acc = multiply_by_quantized_multiplier(sum - count * l->in_zp, l->mean_multiplier, l->mean_shift);
    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    return int8_clamp(l, acc + l->out_zp);
}

/* Requantizes one accumulator (bias included) of filter o to the output. */
static inline uint8_t int8_requantize(const int8_layer *l, int o, int32_t acc)
{
    return int8_clamp(l, requantize_accumulator(acc, l->multipliers[o], l->shifts[o], l->single_rounding) + l->out_zp);
}

#endif
