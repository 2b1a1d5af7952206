/* The two parts of TFLite's quantization arithmetic that run once, when a
 * network is prepared (see int8_arith.h). */
#include "int8_arith.h"

#include <math.h>

void quantize_multiplier(double real, int32_t *multiplier, int *shift)
{
    if (real == 0.0) {
        *multiplier = 0;
        *shift = 0;
        return;
    }
    int exponent;
    double q = frexp(real, &exponent); /* real = q * 2^exponent, q in [0.5, 1) */
    int64_t fixed = (int64_t)round(q * (double)(1LL << 31));
    if (fixed == (1LL << 31)) { /* q rounded up to 1 */
        fixed /= 2;
        exponent++;
    }
    if (exponent < -31) { /* every bit would be shifted out */
        fixed = 0;
        exponent = 0;
    }
    *multiplier = (int32_t)fixed;
    *shift = exponent;
}

int quantize_value(float scale, int zero_point, float f)
{
    return zero_point + (int)roundf(f / scale);
}
