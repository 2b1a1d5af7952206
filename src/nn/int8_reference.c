/* The reference integer kernels: TFLite's uint8 arithmetic (int8_arith.h)
 * loop by loop, with nothing rearranged, so that it can be read against
 * TFLite's reference_ops and trusted as the oracle for the fast paths.
 * Out-of-bounds taps are skipped, which is padding with the input's zero
 * point (TF pads the real-valued input with 0). */
#include <math.h>

#include "int8_kernels.h"

static int reference_cpu_has(void)
{
    return 1;
}

static int reference_prepare(int8_layer *l)
{
    (void)l;
    return 0;
}

static void reference_release(int8_layer *l)
{
    (void)l;
}

void int8_reference_conv(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    int cin = l->in.c;
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < l->out.w; ox++)
            for (int o = 0; o < l->filters; o++) {
                const uint8_t *w = l->weights + (size_t)o * (size_t)l->patch;
                int32_t acc = l->biases[o];
                for (int ky = 0; ky < l->size; ky++)
                    for (int kx = 0; kx < l->size; kx++) {
                        int iy = oy * l->stride - l->pad_top + ky, ix = ox * l->stride - l->pad_left + kx;
                        if (iy < 0 || iy >= l->in.h || ix < 0 || ix >= l->in.w)
                            continue;
                        const uint8_t *x = in + ((size_t)iy * (size_t)l->in.w + (size_t)ix) * (size_t)cin;
                        const uint8_t *wk = w + ((size_t)ky * (size_t)l->size + (size_t)kx) * (size_t)cin;
                        for (int i = 0; i < cin; i++)
                            acc += ((int32_t)x[i] - l->in_zp) * ((int32_t)wk[i] - l->weight_zps[o]);
                    }
                out[((size_t)oy * (size_t)l->out.w + (size_t)ox) * (size_t)l->filters + (size_t)o] =
                    int8_requantize(l, o, acc);
            }
}

void int8_reference_depthwise_channels(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1,
                                       int c0, int c1)
{
    int ch = l->in.c;
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < l->out.w; ox++)
            for (int c = c0; c < c1; c++) {
                int32_t acc = l->biases[c];
                for (int ky = 0; ky < l->size; ky++)
                    for (int kx = 0; kx < l->size; kx++) {
                        int iy = oy * l->stride - l->pad_top + ky, ix = ox * l->stride - l->pad_left + kx;
                        if (iy < 0 || iy >= l->in.h || ix < 0 || ix >= l->in.w)
                            continue;
                        int32_t x = in[((size_t)iy * (size_t)l->in.w + (size_t)ix) * (size_t)ch + (size_t)c];
                        int32_t w = l->weights[(size_t)c * (size_t)l->patch + (size_t)(ky * l->size + kx)];
                        acc += (x - l->in_zp) * (w - l->weight_zps[c]);
                    }
                out[((size_t)oy * (size_t)l->out.w + (size_t)ox) * (size_t)ch + (size_t)c] = int8_requantize(l, c, acc);
            }
}

static void reference_depthwise(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    int8_reference_depthwise_channels(l, in, out, y0, y1, 0, l->in.c);
}

/* TFLite's uint8 ADD: each input, offset by its zero point and shifted left
 * by 20 bits, is rescaled to a common scale (twice the larger input scale),
 * the two are added, and the sum is rescaled to the output. */
void int8_reference_add(const int8_layer *l, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t x[2] = {(int32_t)a[i] - l->add_zp[0], (int32_t)b[i] - l->add_zp[1]};
        int32_t sum = 0;
        for (int k = 0; k < 2; k++)
            sum += multiply_by_quantized_multiplier(x[k] * (1 << l->add_left_shift), l->add_multiplier[k],
                                                    l->add_shift[k]);
        int32_t v = multiply_by_quantized_multiplier(sum, l->add_multiplier[2], l->add_shift[2]) + l->out_zp;
        out[i] = int8_clamp(l, v);
    }
}

/* A global average pool or MEAN: each channel's sum, finished by int8_pool_output. */
static void global_pool(const int8_layer *l, const uint8_t *in, uint8_t *out)
{
    int count = l->in.h * l->in.w;
    for (int c = 0; c < l->in.c; c++) {
        int32_t sum = 0;
        for (int i = 0; i < count; i++)
            sum += in[(size_t)i * (size_t)l->in.c + (size_t)c];
        out[c] = int8_pool_output(l, sum, count);
    }
}

void int8_reference_avgpool(const int8_layer *l, const uint8_t *in, uint8_t *out)
{
    global_pool(l, in, out);
}

void int8_reference_mean(const int8_layer *l, const uint8_t *in, uint8_t *out)
{
    global_pool(l, in, out);
}

/* The maximum over the window's taps inside the map (Darknet pads with -inf). */
void int8_reference_maxpool(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    int ch = l->in.c;
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < l->out.w; ox++)
            for (int c = 0; c < ch; c++) {
                int m = 0;
                for (int ky = 0; ky < l->size; ky++)
                    for (int kx = 0; kx < l->size; kx++) {
                        int iy = oy * l->stride - l->pad_top + ky, ix = ox * l->stride - l->pad_left + kx;
                        if (iy >= 0 && iy < l->in.h && ix >= 0 && ix < l->in.w) {
                            int v = in[((size_t)iy * (size_t)l->in.w + (size_t)ix) * (size_t)ch + (size_t)c];
                            m = v > m ? v : m;
                        }
                    }
                out[((size_t)oy * (size_t)l->out.w + (size_t)ox) * (size_t)ch + (size_t)c] = (uint8_t)m;
            }
}

/* TFLite's optimized uint8 softmax (beta 1): a table of exp(-scale * d) for
 * every difference d from the row's maximum, the sum of the row's entries,
 * and each output lrintf(e / (sum * 1/256)), clamped to 0..255. */
void int8_reference_softmax(const int8_layer *l, const uint8_t *in, uint8_t *out)
{
    float table[256];
    for (int d = 0; d < 256; d++)
        table[d] = expf(-l->in_scale * (float)d);
    int n = l->in.c * l->in.h * l->in.w, max = 0;
    for (int i = 0; i < n; i++)
        max = in[i] > max ? in[i] : max;
    float sum = 0.0f;
    for (int i = 0; i < n; i++)
        sum += table[max - in[i]];
    float inverse = 1.0f / (sum * (1.0f / 256.0f));
    for (int i = 0; i < n; i++) {
        long q = lrintf(table[max - in[i]] * inverse);
        out[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
}

const int8_kernels int8_kernels_reference = {
    .name = "reference",
    .cpu_has = reference_cpu_has,
    .prepare = reference_prepare,
    .release = reference_release,
    .conv = int8_reference_conv,
    .depthwise = reference_depthwise,
};
