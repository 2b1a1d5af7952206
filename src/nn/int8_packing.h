/* What the fast integer kernel sets share before any vector instruction:
 * gathering a convolution's patch (im2col), and one channel's requantization
 * constants in the form their lane-by-lane requantization takes. Plain C,
 * ISA-independent; thread-safe. */
#ifndef LOOKSLIKE_NN_INT8_PACKING_H
#define LOOKSLIKE_NN_INT8_PACKING_H

#include <stdint.h>

#include "int8_kernels.h"

/* The patch of output pixel (oy, ox) as bytes: the inputs, the zero point
 * where a tap lies outside the map (it then counts 0), and 0 up to a whole
 * quad (those weights are 0). In NHWC the taps of one kernel row inside the
 * map are contiguous. */
void int8_load_patch(const int8_layer *l, const uint8_t *in, int oy, int ox, int quads, uint8_t *a);

/* Channel c's constants for TFLite's requantization (int8_arith.h), a lane's
 * worth; c < 0 or past the filters: a lane that computes nothing stored (all 0). */
typedef struct {
    int32_t bias, multiplier, left, right;
    int32_t mask, half_mask; /* 2^right - 1, and half of it */
} int8_lane;

int8_lane int8_lane_of(const int8_layer *l, int c);

/* Two int16 as one int32: lo in the low half (the operand order of vpmaddwd / vpdpwssd). */
int32_t int8_pair16(int lo, int hi);
/* A depthwise layer's centred weights w - zw of taps 2k and 2k + 1 of channel
 * c as such a pair (0 for a tap past the kernel). */
int32_t int8_tap_pair(const int8_layer *l, int c, int k);

#endif
