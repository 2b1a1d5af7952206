#include "int8_packing.h"

#include <string.h>

/* n bytes from s to d; the short runs of a thin input (a kernel row of an
 * RGB image is 9 bytes) without a call. */
static inline void copy_run(uint8_t *d, const uint8_t *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else {
        memcpy(d, s, n);
    }
}

static void load_patch(const int8_layer *l, const uint8_t *in, int oy, int ox, int quads, uint8_t *a)
{
    int cin = l->in.c, row = l->size * cin;
    int ix = ox * l->stride - l->pad_left, kx0 = ix < 0 ? -ix : 0;
    int kx1 = l->in.w - ix < l->size ? l->in.w - ix : l->size;
    int iy0 = oy * l->stride - l->pad_top;
    if (kx0 == 0 && kx1 == l->size && iy0 >= 0 && iy0 + l->size <= l->in.h) { /* inside the map */
        const uint8_t *src = in + ((size_t)iy0 * (size_t)l->in.w + (size_t)ix) * (size_t)cin;
        for (int ky = 0; ky < l->size; ky++, a += row, src += (size_t)l->in.w * (size_t)cin)
            copy_run(a, src, (size_t)row);
        for (int i = l->patch; i < 4 * quads; i++) /* at most 3 */
            *a++ = 0;
        return;
    }
    for (int ky = 0; ky < l->size; ky++, a += row) {
        int iy = iy0 + ky;
        if (iy < 0 || iy >= l->in.h || kx0 >= kx1) {
            memset(a, l->in_zp, (size_t)row);
            continue;
        }
        memset(a, l->in_zp, (size_t)(kx0 * cin));
        memcpy(a + kx0 * cin, in + ((size_t)iy * (size_t)l->in.w + (size_t)(ix + kx0)) * (size_t)cin,
               (size_t)((kx1 - kx0) * cin));
        memset(a + kx1 * cin, l->in_zp, (size_t)((l->size - kx1) * cin));
    }
    memset(a, 0, (size_t)(4 * quads - l->patch));
}

void int8_load_patches(const int8_layer *l, const uint8_t *in, size_t first, int n, int quads, uint8_t *a)
{
    int oy = (int)(first / (size_t)l->out.w), ox = (int)(first % (size_t)l->out.w);
    for (int r = 0; r < n; r++, a += 4 * quads) {
        load_patch(l, in, oy, ox, quads, a);
        if (++ox == l->out.w) {
            ox = 0;
            oy++;
        }
    }
}

int int8_weight_base(const int8_layer *l, int o)
{
    const uint8_t *w = l->weights + (size_t)o * (size_t)l->patch;
    int lo = 255, hi = 0, zw = l->weight_zps[o];
    for (int t = 0; t < l->patch; t++) {
        lo = w[t] < lo ? w[t] : lo;
        hi = w[t] > hi ? w[t] : hi;
    }
    /* w - B in -128..127 for every w: B in [hi - 127, lo + 128], never empty (hi - lo <= 255) */
    return zw < hi - 127 ? hi - 127 : zw > lo + 128 ? lo + 128 : zw;
}

void int8_lane_table(const int8_layer *l, const int *channel, int n, int fold_input_zp, int32_t *table)
{
    int32_t *bias = table, *multiplier = table + n, *multiplier_odd = table + 2 * n, *left = table + 3 * n,
            *right = table + 4 * n, *mask = table + 5 * n, *half_mask = table + 6 * n, *ties_away = table + 7 * n;
    for (int k = 0; k < n; k++) {
        int c = channel[k];
        bias[k] = multiplier[k] = left[k] = right[k] = 0;
        if (c >= 0 && c < l->filters) {
            int s = l->shifts[c];
            bias[k] = l->biases[c];
            multiplier[k] = l->multipliers[c];
            left[k] = s > 0 && !l->single_rounding ? s : 0;
            right[k] = s > 0 ? 0 : -s;
            for (int t = 0; fold_input_zp && t < l->patch; t++)
                bias[k] -= l->in_zp * (l->weights[(size_t)c * (size_t)l->patch + (size_t)t] - l->weight_zps[c]);
        }
        mask[k] = (int32_t)((1u << right[k]) - 1);
        half_mask[k] = mask[k] >> 1;
        ties_away[k] = !l->single_rounding;
    }
    for (int k = 0; k < n; k++)
        multiplier_odd[k] = k % 2 == 0 && k + 1 < n ? multiplier[k + 1] : 0;
}

/* The shift of channel c's multiplier; 0 for a lane past the filters. */
static int lane_shift(const int8_layer *l, int c)
{
    return c >= 0 && c < l->filters ? l->shifts[c] : 0;
}

void int8_lane_rounding(const int8_layer *l, const int *channel, int n, int64_t *round, int64_t *shift,
                        int64_t *fix)
{
    for (int k = 0; k < n; k++) {
        int s = lane_shift(l, channel[k]), right = s < 0 ? -s : 0;
        if (l->single_rounding) { /* the whole of multiply_by_quantized_multiplier_single */
            round[k] = (int64_t)1 << (30 - s);
            shift[k] = 31 - s;
            fix[k] = 0;
            continue;
        }
        round[k] = ((int64_t)1 << 30) + (right > 0 ? (int64_t)1 << (30 + right) : 0);
        shift[k] = 31 + right;
        fix[k] = right > 0 ? (int64_t)1 << 31 : 0;
    }
}

void int8_lane_high_multiply(const int8_layer *l, const int *channel, int n, int64_t *round, int64_t *shift)
{
    for (int k = 0; k < n; k++) {
        int s = lane_shift(l, channel[k]);
        round[k] = (int64_t)1 << 30;
        shift[k] = 31;
        if (l->single_rounding && s > 0) { /* all of it: (x m + 2^(30 - s)) >> (31 - s) */
            round[k] = (int64_t)1 << (30 - s);
            shift[k] = 31 - s;
        } else if (l->single_rounding && s < 0) { /* floor(x m / 2^31), then the divide rounds once */
            round[k] = 0;
        }
    }
}

int32_t int8_pair16(int lo, int hi)
{
    return (int32_t)(((uint32_t)(uint16_t)(int16_t)hi << 16) | (uint16_t)(int16_t)lo);
}

int int8_paired_channel(int b, int width, int half, int j)
{
    return b * width + (j / 4) * 8 + half * 4 + j % 4;
}

void int8_depthwise_pairs(const int8_layer *l, int b, int width, int pairs, int32_t *out)
{
    int taps = l->size * l->size;
    for (int k = 0; k < pairs; k++)
        for (int j = 0; j < width; j++) {
            int c = int8_paired_channel(b, width, j >= width / 2, j % (width / 2)), w[2] = {0, 0};
            for (int h = 0; h < 2; h++)
                if (2 * k + h < taps && c < l->filters) /* a lane past the channels: 0 */
                    w[h] = l->weights[(size_t)c * (size_t)l->patch + (size_t)(2 * k + h)] - l->weight_zps[c];
            out[(size_t)k * (size_t)width + (size_t)j] = int8_pair16(w[0], w[1]);
        }
}
