/* TFLite's integer arithmetic for uint8 networks, written once, plainly: the
 * reference every integer kernel of lookslike is tested against.
 *
 * A quantized value is real = scale * (q - zero_point). A layer accumulates
 * int32 sums of (x - zx) * (w - zw) plus an int32 bias whose scale is
 * sx * sw; the sum is brought to the output's scale by the real multiplier
 * M = sx * sw / so, which TFLite represents as a Q31 fixed-point number
 * (multiplier in [2^30, 2^31)) times 2^shift, and applies with two rounding
 * steps: a rounding doubling high multiply, then a rounding right shift.
 * These are gemmlowp's SaturatingRoundingDoublingHighMul and
 * RoundingDivideByPOT, the arithmetic of TFLite's builtin uint8 kernels. */
#ifndef LOOKSLIKE_NN_INT8_ARITH_H
#define LOOKSLIKE_NN_INT8_ARITH_H

#include <stdint.h>

#include "model.h"

/* round(a * b / 2^31), ties away from zero; saturates the one overflowing
 * case (both INT32_MIN). */
static inline int32_t q31_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* C division truncates toward zero */
}

/* round(x / 2^exponent), ties away from zero; exponent in 0..31. */
static inline int32_t rounding_divide_by_pot(int32_t x, int exponent)
{
    int32_t mask = (int32_t)((1u << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0);
    return (x >> exponent) + (remainder > threshold);
}

/* x * multiplier * 2^shift, multiplier a Q31 number: TFLite's
 * MultiplyByQuantizedMultiplier (a positive shift is applied before the
 * multiply, a negative one after it, rounding). */
static inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return rounding_divide_by_pot(q31_rounding_doubling_high_mul((int32_t)((uint32_t)x << left), multiplier), right);
}

/* The same function with one rounding instead of two, the form the fast
 * kernels vectorize: with right = max(-shift, 0), s = 31 + right and the
 * 64-bit product p = (x << max(shift, 0)) * multiplier,
 *   multiply_by_quantized_multiplier(x, multiplier, shift)
 *     = (p + 2^30 + [right > 0] 2^(30 + right) - [right > 0 and p < 0] 2^31) >> s.
 * Why: the high multiply is floor((p + 2^30) / 2^31) (for p < 0 as well: C
 * truncates p + 1 - 2^30 toward zero, which is that floor); the rounding
 * shift of y is floor((y + 2^(right-1) - [y < 0]) / 2^right); and
 * floor((floor(a / m) + c) / n) = floor((a + c m) / (m n)) for integers.
 * [y < 0] and [p < 0] differ only for p in [-2^30, 0), where y = 0 and the
 * sum with 2^31 taken off still floors to 0. Nothing overflows: |p| <= 2^62
 * and the rounding terms stay under 2^62. */
static inline int32_t multiply_by_quantized_multiplier_once(int32_t x, int32_t multiplier, int shift)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int64_t p = (int64_t)(int32_t)((uint32_t)x << left) * multiplier;
    int64_t round = ((int64_t)1 << 30) + (right > 0 ? (int64_t)1 << (30 + right) : 0);
    int64_t fix = right > 0 && p < 0 ? (int64_t)1 << 31 : 0;
    return (int32_t)((p + round - fix) >> (31 + right)); /* >> of a negative int64: arithmetic in gcc and clang */
}

/* The same product with TFLite's single rounding (TFLITE_SINGLE_ROUNDING,
 * and ruy's, which its int8 convolutions run on): the 64-bit x * multiplier
 * plus half of 2^(31 - shift), shifted right by 31 - shift -- one rounding,
 * ties toward +infinity, and no 32-bit left shift to overflow. */
static inline int32_t multiply_by_quantized_multiplier_single(int32_t x, int32_t multiplier, int shift)
{
    int total = 31 - shift;
    int64_t p = (int64_t)x * multiplier + ((int64_t)1 << (total - 1));
    return (int32_t)(p >> total); /* >> of a negative int64: arithmetic in gcc and clang */
}

/* A layer's accumulator (bias included) brought to the output's scale, in
 * the rounding the layer's TFLite kernel uses (quantized_single_rounding):
 * before the output zero point and the clamp. */
static inline int32_t requantize_accumulator(int32_t acc, int32_t multiplier, int shift, int single_rounding)
{
    return single_rounding ? multiply_by_quantized_multiplier_single(acc, multiplier, shift)
                           : multiply_by_quantized_multiplier(acc, multiplier, shift);
}

/* The scale of a quantized layer's int32 biases: input scale times weight
 * scale, in double, as TFLite defines it. */
static inline double quantized_bias_scale(float in_scale, float weight_scale)
{
    return (double)in_scale * (double)weight_scale;
}

/* A real multiplier as TFLite's QuantizeMultiplier makes it: m = q * 2^shift
 * with q in [0.5, 1) rounded to Q31; multipliers under 2^-31 become 0. */
void quantize_multiplier(double real, int32_t *multiplier, int *shift);

/* TFLite's quantization of a real value, for activation bounds:
 * zero_point + round(f / scale), the division and rounding in float. */
int quantize_value(float scale, int zero_point, float f);

/* The multiplier of a convolution or fully connected layer: input scale x
 * weight scale / output scale, the product taken in float (TFLite's uint8
 * kernels, GetQuantizedConvolutionMultipler) or in double (its int8
 * per-channel kernels, PopulateConvolutionQuantizationParams), the division
 * in double. */
void quantize_layer_multiplier(float in_scale, float weight_scale, float out_scale, int product_in_double,
                               int32_t *multiplier, int *shift);
/* Whether a layer of this kind takes that product in double in this family:
 * only the int8 family's convolutions (its fully connected layers, like
 * every uint8 layer, take it in float). */
int quantized_product_in_double(nn_quantized_kernels family, nn_layer_kind kind);

/* Whether TFLite requantizes a layer's accumulators with the single rounding
 * (above) rather than gemmlowp's two: the int8 family's convolutions, which
 * TFLite runs as ruy GEMMs; not its depthwise ones (groups > 1), which have
 * their own loop, nor anything of the uint8 family (gemmlowp). */
int quantized_single_rounding(nn_quantized_kernels family, nn_layer_kind kind, int groups);

/* The uint8 range [lo, hi] of a fused activation on output quantization q,
 * as TFLite's CalculateActivationRangeQuantized makes it; -1 for an
 * activation without an integer form. */
int quantized_activation_range(nn_activation a, nn_quant q, int *lo, int *hi);

#endif
