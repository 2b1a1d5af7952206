#include "int8_packing.h"

#include <string.h>

void int8_load_patch(const int8_layer *l, const uint8_t *in, int oy, int ox, int quads, uint8_t *a)
{
    int cin = l->in.c, row = l->size * cin;
    int ix = ox * l->stride - l->pad_left, kx0 = ix < 0 ? -ix : 0;
    int kx1 = l->in.w - ix < l->size ? l->in.w - ix : l->size;
    for (int ky = 0; ky < l->size; ky++, a += row) {
        int iy = oy * l->stride - l->pad_top + ky;
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

int8_lane int8_lane_of(const int8_layer *l, int c)
{
    int8_lane q = {0, 0, 0, 0, 0, 0};
    if (c < 0 || c >= l->filters)
        return q;
    int s = l->shifts[c];
    q.bias = l->biases[c];
    q.multiplier = l->multipliers[c];
    q.left = s > 0 ? s : 0;
    q.right = s > 0 ? 0 : -s;
    q.mask = (int32_t)((1u << q.right) - 1);
    q.half_mask = q.mask >> 1;
    return q;
}

int32_t int8_pair16(int lo, int hi)
{
    return (int32_t)(((uint32_t)(uint16_t)(int16_t)hi << 16) | (uint16_t)(int16_t)lo);
}

int32_t int8_tap_pair(const int8_layer *l, int c, int k)
{
    int w[2] = {0, 0}, taps = l->size * l->size;
    for (int h = 0; h < 2; h++)
        if (2 * k + h < taps)
            w[h] = l->weights[(size_t)c * (size_t)l->patch + (size_t)(2 * k + h)] - l->weight_zps[c];
    return int8_pair16(w[0], w[1]);
}
