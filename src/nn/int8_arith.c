/* The parts of TFLite's quantization arithmetic that run once, when a
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

void quantize_layer_multiplier(float in_scale, float weight_scale, float out_scale, int product_in_double,
                               int32_t *multiplier, int *shift)
{
    double product = product_in_double ? (double)in_scale * (double)weight_scale : (double)(in_scale * weight_scale);
    quantize_multiplier(product / (double)out_scale, multiplier, shift);
}

int quantized_product_in_double(nn_quantized_kernels family, nn_layer_kind kind)
{
    return family == NN_QUANTIZED_INT8 && kind == LAYER_CONVOLUTIONAL;
}

int quantized_single_rounding(nn_quantized_kernels family, nn_layer_kind kind, int groups)
{
    return family == NN_QUANTIZED_INT8 && kind == LAYER_CONVOLUTIONAL && groups <= 1;
}

int quantized_activation_range(nn_activation a, nn_quant q, int *lo, int *hi)
{
    *lo = 0;
    *hi = 255;
    if (a == ACT_LINEAR)
        return 0;
    if (a != ACT_RELU && a != ACT_RELU6)
        return -1;
    *lo = q.zero_point > 0 ? q.zero_point : 0; /* real 0 */
    if (a == ACT_RELU6) {
        int six = quantize_value(q.scale, q.zero_point, 6.0f);
        *hi = six < 255 ? six : 255;
    }
    return 0;
}
