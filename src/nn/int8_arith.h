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

/* A real multiplier as TFLite's QuantizeMultiplier makes it: m = q * 2^shift
 * with q in [0.5, 1) rounded to Q31; multipliers under 2^-31 become 0. */
void quantize_multiplier(double real, int32_t *multiplier, int *shift);

/* TFLite's quantization of a real value, for activation bounds:
 * zero_point + round(f / scale), the division and rounding in float. */
int quantize_value(float scale, int zero_point, float f);

#endif
