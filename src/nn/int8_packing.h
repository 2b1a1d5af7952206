/* What the fast integer kernel sets share before any vector instruction:
 * gathering a convolution's patch (im2col), the requantization constants in
 * the form their lane-by-lane requantization takes, and the depthwise weights
 * in the lane order their interleaving leaves. Plain C, ISA-independent;
 * thread-safe. */
#ifndef LOOKSLIKE_NN_INT8_PACKING_H
#define LOOKSLIKE_NN_INT8_PACKING_H

#include <stdint.h>

#include "int8_kernels.h"

/* The patches of the n output pixels from `first` on (row-major), 4 * quads
 * bytes apart in a; a patch as bytes: the inputs, the zero point
 * where a tap lies outside the map (it then counts 0), and 0 up to a whole
 * quad (those weights are 0). In NHWC the taps of one kernel row inside the
 * map are contiguous. */
void int8_load_patches(const int8_layer *l, const uint8_t *in, size_t first, int n, int quads, uint8_t *a);

/* The base B of filter o's weights for a GEMM of unsigned input bytes times
 * signed weight bytes (vpdpbusd): every w - B of the filter fits a signed
 * byte, and B is the weight zero point zw wherever that can be, so that
 *   sum (x - zx)(w - zw) = sum x (w - B) + (B - zw) sum x - zx sum (w - zw)
 * needs the pixel's sum of inputs only for the rare filter whose centred
 * weights w - zw span more than a signed byte (MobileNet v1: 1 to 6 filters
 * of a layer's 32 to 1024). */
int int8_weight_base(const int8_layer *l, int o);

/* The constants of TFLite's requantization (int8_arith.h) for n lanes
 * holding channels channel[0..n), as INT8_LANE_ROWS rows of n int32 in the
 * layout of the fast sets' lane structs (one vector per row, in this order):
 * the bias, the Q31 multiplier, the multiplier of lane k + 1 in even lane k
 * (for the 64-bit products of the odd lanes), the left and the right shift,
 * 2^right - 1 and half of it, and whether the rounding divide by 2^right
 * takes ties away from zero (gemmlowp's) or up (single rounding's), 1 or 0.
 * With single rounding the left shift is 0: the multiply takes it whole. A channel past the filters gives a lane of
 * zeros (it computes nothing that is stored). fold_input_zp: the bias also
 * holds -zx * sum (w - zw) over the filter's patch, for a GEMM that reads the
 * raw inputs (padding taps then read zx and count 0). */
#define INT8_LANE_ROWS 8
void int8_lane_table(const int8_layer *l, const int *channel, int n, int fold_input_zp, int32_t *table);

/* The 64-bit constants of multiply_by_quantized_multiplier_once (int8_arith.h)
 * for n lanes holding channels channel[0..n): round[k] = 2^30 (+ 2^(30 +
 * right) when right > 0), shift[k] = 31 + right, fix[k] = 2^31 when right >
 * 0, else 0. A channel past the filters gets right = 0 (its lane is not
 * stored). For a layer with single rounding those of
 * multiply_by_quantized_multiplier_single: round[k] = 2^(30 - shift),
 * shift[k] = 31 - shift, fix[k] = 0 (with the table's left shift 0). */
void int8_lane_rounding(const int8_layer *l, const int *channel, int n, int64_t *round, int64_t *shift,
                        int64_t *fix);

/* The 64-bit constants of the high multiply of the two-step form (the AVX2
 * set), floor((x * m + round[k]) / 2^shift[k]), which the rounding divide by
 * 2^right then follows: gemmlowp's rounding doubling high multiply, round
 * 2^30 and shift 31. With single rounding, (x m + 2^(30 + right)) >> (31 +
 * right) in two steps that stay in 32-bit lanes: round 0 and shift 31, then
 * the divide with ties up -- floor((floor(p / 2^31) + 2^(right - 1)) /
 * 2^right) is floor((p + 2^(30 + right)) / 2^(31 + right)); without a right
 * shift round 2^30; a left one s taken whole, round 2^(30 - s), shift 31 - s. */
void int8_lane_high_multiply(const int8_layer *l, const int *channel, int n, int64_t *round, int64_t *shift);

/* Two int16 as one int32: lo in the low half (the operand order of vpmaddwd / vpdpwssd). */
int32_t int8_pair16(int lo, int hi);

/* A block of `width` channels (16 in 256-bit vectors, 32 in 512-bit ones)
 * held as two vectors of int32 lanes, `half` 0 and 1, in the order that
 * packs_epi32(half 0, half 1) puts back into channel order: in every 128-bit
 * lane, channels 0-3 of its eight in half 0 and 4-7 in half 1. Depthwise
 * layers get this order from unpacklo/unpackhi_epi16 of the taps; the
 * AVX-512 GEMM packs its filters in it. The channel lane j of `half` holds in
 * block b: */
int int8_paired_channel(int b, int width, int half, int j);
/* Block b's centred weights w - zw as int16 pairs of taps (2k, 2k + 1), 0 past
 * the kernel: out[k * width + j], lane j of half 0 then of half 1 (as above). */
void int8_depthwise_pairs(const int8_layer *l, int b, int width, int pairs, int32_t *out);

#endif
