/* TFLite's requantization in eight 32-bit lanes of a 256-bit vector, and
 * the kernels made of it and of plain byte arithmetic: the residual ADD,
 * the max pool, the global average pool and MEAN. The same bytes as
 * int8_reference.c. Included by the fast kernel sets (int8_avx2.c: `avx2`,
 * `avx_vnni` and its SIMDe build, whose GEMM and depthwise kernels
 * requantize with it too; int8_avx512vnni.c: `avx512vnni` and its SIMDe
 * build), each compiling it with its own instructions: the includer has
 * included its intrinsics (immintrin.h, or SIMDe's with native aliases) and
 * defined AVX2, the attribute of a function that uses 256-bit integer
 * instructions (its target, or nothing where the whole file is built for
 * them). The layer kernels: simd256_add, simd256_maxpool, simd256_pool (the
 * average pool and MEAN); simd256_prepare / simd256_release for what they pack. */
#ifndef LOOKSLIKE_NN_INT8_SIMD256_H
#define LOOKSLIKE_NN_INT8_SIMD256_H

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "int8_kernels.h"
#include "int8_packing.h"

/* The per-channel requantization constants of one 8-lane vector: the bias,
 * the Q31 multiplier (and its odd lanes moved down, for the 64-bit
 * products), the left and right shifts, and for the right shift its mask
 * 2^right - 1 and half of it, and the divide's rounding of ties
 * (int8_lane_table's rows); then the high
 * multiply's rounding constant and shift as 64-bit lanes of the even and of
 * the odd channels, the odd ones' shift as 32 - shift, a left shift that
 * leaves the result in the upper half (int8_lane_high_multiply). */
typedef struct {
    __m256i bias, multiplier, multiplier_odd, left, right, mask, half_mask, ties_away;
    __m256i round_even, round_odd, shift_even, shift_odd_up;
} lanes8;

/* The lanes holding channels channel[0..8) of l (int8_lane_table: its rows are this struct's vectors). */
static void lanes8_params(const int8_layer *l, const int *channel, int fold_input_zp, lanes8 *q)
{
    _Static_assert(offsetof(lanes8, round_even) == INT8_LANE_ROWS * 8 * sizeof(int32_t), "lanes8: the table first");
    int32_t table[INT8_LANE_ROWS * 8];
    int8_lane_table(l, channel, 8, fold_input_zp, table);
    memcpy(q, table, sizeof table);
    int64_t round[8], shift[8], lanes[4][4];
    int8_lane_high_multiply(l, channel, 8, round, shift);
    for (int k = 0; k < 8; k++) {
        int odd = k % 2;
        lanes[0 + odd][k / 2] = round[k];
        lanes[2 + odd][k / 2] = odd ? 32 - shift[k] : shift[k];
    }
    memcpy(&q->round_even, lanes, sizeof lanes);
}

/* TFLite's requantization of 8 accumulators (bias already added):
 * MultiplyByQuantizedMultiplier, the output zero point, the activation clamp.
 * The rounding doubling high multiply, for a multiplier >= 0, is
 * floor((a * m + 2^30) / 2^31): the 64-bit products of the even and of the
 * odd lanes are rounded, and bits 31..62 of each put back in its lane (a
 * logical shift gives those bits as an arithmetic one would). Single
 * rounding: the constants of int8_lane_high_multiply. */
AVX2 static inline __m256i requantize8(__m256i acc, const lanes8 *q, __m256i zero_point, __m256i lo, __m256i hi)
{
    __m256i x = _mm256_sllv_epi32(acc, q->left);
    __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, q->multiplier), q->round_even);
    __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), q->multiplier_odd), q->round_odd);
    x = _mm256_blend_epi32(_mm256_srlv_epi64(even, q->shift_even), _mm256_sllv_epi64(odd, q->shift_odd_up), 0xAA);
    /* rounding divide by 2^right, ties away from zero: one more when the
     * remainder is at least half the divisor (more than half, x negative;
     * single rounding's ties go up: at least half, whatever the sign) */
    __m256i threshold = _mm256_add_epi32(q->half_mask, _mm256_and_si256(_mm256_srli_epi32(x, 31), q->ties_away));
    __m256i up = _mm256_cmpgt_epi32(_mm256_and_si256(x, q->mask), threshold); /* -1 or 0 */
    x = _mm256_sub_epi32(_mm256_srav_epi32(x, q->right), up);
    x = _mm256_add_epi32(x, zero_point);
    return _mm256_min_epi32(_mm256_max_epi32(x, lo), hi);
}

/* 8 int32 in 0..255 to 8 bytes. */
AVX2 static inline __m128i bytes8(__m256i v)
{
    __m256i t = _mm256_packus_epi16(_mm256_packs_epi32(v, v), _mm256_setzero_si256());
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(t, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0)));
}

/* What an ADD packs: its three rescalings (each input's, the sum's), as lanes. */
typedef struct {
    lanes8 q[3];
} add_lanes;

/* ADD's constants as lanes: a layer of three "filters", the multipliers and
 * shifts of the two inputs and of the output, no bias. */
static int simd256_prepare(int8_layer *l)
{
    if (l->op != INT8_ADD)
        return 0;
    add_lanes *p = aligned_alloc(32, sizeof *p);
    if (!p)
        return -1;
    int32_t biases[3] = {0, 0, 0};
    int8_layer scales = {.filters = 3, .biases = biases, .multipliers = l->add_multiplier, .shifts = l->add_shift};
    for (int k = 0; k < 3; k++) {
        int channel[8] = {k, k, k, k, k, k, k, k};
        lanes8_params(&scales, channel, 0, &p->q[k]);
    }
    l->packed = p;
    return 0;
}

static void simd256_release(int8_layer *l)
{
    free(l->packed);
    l->packed = NULL;
}

/* 8 elements of an ADD (int8_reference_add). */
AVX2 static inline __m128i add8(const int8_layer *l, const add_lanes *p, const uint8_t *a, const uint8_t *b)
{
    __m128i left = _mm_cvtsi32_si128(l->add_left_shift);
    __m256i none = _mm256_setzero_si256(), min = _mm256_set1_epi32(INT_MIN), max = _mm256_set1_epi32(INT_MAX);
    __m256i x = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)a)),
                                 _mm256_set1_epi32(l->add_zp[0]));
    __m256i y = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)b)),
                                 _mm256_set1_epi32(l->add_zp[1]));
    x = requantize8(_mm256_sll_epi32(x, left), &p->q[0], none, min, max);
    y = requantize8(_mm256_sll_epi32(y, left), &p->q[1], none, min, max);
    return bytes8(requantize8(_mm256_add_epi32(x, y), &p->q[2], _mm256_set1_epi32(l->out_zp),
                              _mm256_set1_epi32(l->act_min), _mm256_set1_epi32(l->act_max)));
}

/* n elements of an ADD; a last partial group of 8 through a buffer. */
AVX2 static void simd256_add(const int8_layer *l, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n)
{
    const add_lanes *p = l->packed;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storel_epi64((__m128i *)(out + i), add8(l, p, a + i, b + i));
    if (i < n) {
        uint8_t ta[8] = {0}, tb[8] = {0}, to[16];
        memcpy(ta, a + i, n - i);
        memcpy(tb, b + i, n - i);
        _mm_storeu_si128((__m128i *)to, add8(l, p, ta, tb));
        memcpy(out + i, to, n - i);
    }
}

/* Output rows [y0, y1) of a max pool (int8_reference_maxpool): 32 channels
 * at a time over the window's taps inside the map, the last partial group
 * of channels through a buffer (0 is max's neutral element). */
AVX2 static void simd256_maxpool(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    size_t C = (size_t)l->in.c;
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            int8_window win = int8_window_at(l, oy, ox);
            int iy0 = win.iy0, ix0 = win.ix0, ky0 = win.ky0, kx0 = win.kx0, ky1 = win.ky1, kx1 = win.kx1;
            uint8_t *dst = out + ((size_t)oy * (size_t)l->out.w + (size_t)ox) * C;
            size_t c = 0;
            for (; c + 32 <= C; c += 32) {
                __m256i m = _mm256_setzero_si256();
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        m = _mm256_max_epu8(
                            m, _mm256_loadu_si256((const __m256i *)(in + ((size_t)(iy0 + ky) * (size_t)l->in.w +
                                                                          (size_t)(ix0 + kx)) * C + c)));
                _mm256_storeu_si256((__m256i *)(dst + c), m);
            }
            if (c < C) {
                uint8_t tap[32] = {0}, m8[32];
                __m256i m = _mm256_setzero_si256();
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        memcpy(tap, in + ((size_t)(iy0 + ky) * (size_t)l->in.w + (size_t)(ix0 + kx)) * C + c, C - c);
                        m = _mm256_max_epu8(m, _mm256_loadu_si256((const __m256i *)tap));
                    }
                _mm256_storeu_si256((__m256i *)m8, m);
                memcpy(dst + c, m8, C - c);
            }
        }
}

/* Channels [c0, c0 + n) of the map summed over its pixels into sums[0..n)
 * (int32, as the reference kernel sums), 8 channels at a time, a last
 * partial group through a buffer. */
AVX2 static void channel_sums(const int8_layer *l, const uint8_t *in, size_t c0, size_t n, int32_t *sums)
{
    size_t C = (size_t)l->in.c, count = (size_t)l->in.h * (size_t)l->in.w, c = 0;
    in += c0;
    for (; c + 8 <= n; c += 8) {
        __m256i acc = _mm256_setzero_si256();
        for (size_t i = 0; i < count; i++)
            acc = _mm256_add_epi32(acc, _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(in + i * C + c))));
        _mm256_storeu_si256((__m256i *)(sums + c), acc);
    }
    if (c < n) {
        __m256i acc = _mm256_setzero_si256();
        uint8_t part[16] = {0};
        int32_t s[8];
        for (size_t i = 0; i < count; i++) {
            memcpy(part, in + i * C + c, n - c);
            acc = _mm256_add_epi32(acc, _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)part)));
        }
        _mm256_storeu_si256((__m256i *)s, acc);
        memcpy(sums + c, s, (n - c) * sizeof *s);
    }
}

#define SUMS_AT_ONCE 256 /* channels summed before they are finished: a small stack array */

/* A global average pool or MEAN (int8_reference_avgpool, _mean): the sums
 * vectorized, each channel finished by int8_pool_output. */
AVX2 static void simd256_pool(const int8_layer *l, const uint8_t *in, uint8_t *out)
{
    int32_t sums[SUMS_AT_ONCE];
    int count = l->in.h * l->in.w;
    for (int c0 = 0; c0 < l->in.c; c0 += SUMS_AT_ONCE) {
        int n = l->in.c - c0 < SUMS_AT_ONCE ? l->in.c - c0 : SUMS_AT_ONCE;
        channel_sums(l, in, (size_t)c0, (size_t)n, sums);
        for (int c = 0; c < n; c++)
            out[c0 + c] = int8_pool_output(l, sums[c], count);
    }
}

#endif
