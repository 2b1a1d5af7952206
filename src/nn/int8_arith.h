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

/* A real multiplier as TFLite's QuantizeMultiplier makes it: m = q * 2^shift
 * with q in [0.5, 1) rounded to Q31; multipliers under 2^-31 become 0. */
void quantize_multiplier(double real, int32_t *multiplier, int *shift);

/* TFLite's quantization of a real value, for activation bounds:
 * zero_point + round(f / scale), the division and rounding in float. */
int quantize_value(float scale, int zero_point, float f);

#endif
