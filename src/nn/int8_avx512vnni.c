/* The AVX-512 VNNI integer kernels: the same bytes as int8_reference.c, at
 * the speed of the integer units. Compiled twice (src/meson.build): natively
 * with the AVX-512 flags, the `avx512vnni` set, chosen where CPUID and the OS
 * allow it; and against SIMDe (-DINT8_SIMDE, on AVX2), `avx512vnni-simde`,
 * which computes the very same instructions in portable code, so that these
 * kernels are tested on every machine (never chosen to serve: it is slow).
 *
 * Convolutions are a GEMM with vpdpbusd: unsigned input bytes x times signed
 * weight bytes, four products summed into each int32 lane, with no
 * intermediate saturation. A centred weight w - zw (-255..255) does not fit a
 * signed byte, but w - 128 does, and
 *   sum (x - zx)(w - zw) = sum x (w - 128) + (128 - zw) sum x - zx sum (w - zw)
 * exactly: the GEMM computes the first term, the second is each pixel's sum
 * of inputs (vpsadbw) times a per-filter constant, and the third, a constant,
 * is in the bias. Padding taps read zx, so they count 0 as in TFLite. Tiles
 * of 8 output pixels x 32 filters; patches are gathered in chunks that stay in
 * cache while the filter blocks run over them, as in the AVX2 set.
 *
 * Depthwise convolutions: each input row widened once to int16 (x - zx), in
 * a ring of as many rows as the kernel has; 32 channels of two taps
 * interleaved into pairs, and vpdpwssd (pairs of int16 products summed into int32: at most 2 * 255 * 255).
 *
 * Requantization is TFLite's, 16 lanes at a time, in the one-rounding form
 * of int8_arith.h (a 64-bit product, a constant, one shift: 4-5 % faster in
 * all than its two roundings step by step). SIMDe 0.7.4 lacks a few 512-bit
 * intrinsics; their stand-ins here are exact: the arithmetic right shift as a
 * logical shift between two sign flips, and the narrowing to bytes as packs +
 * packus + a dword permute. */
#ifdef INT8_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define SET_NAME "avx512vnni-simde"
#define SET int8_kernels_avx512vnni_simde
#define EMULATED 1
#else
#include <cpuid.h>
#include <immintrin.h>
#define SET_NAME "avx512vnni"
#define SET int8_kernels_avx512vnni
#define EMULATED 0
#endif
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_layers.h" /* NN_MAX_KERNEL */
#include "int8_kernels.h"
#include "int8_packing.h"

#define MR 8 /* output pixels per GEMM tile */
#define NB 16 /* filters per block (one vector) */

/* The requantization constants of one 16-lane vector: int8_lane_table's
 * first rows, then those of the one-rounding form (int8_lane_rounding), as
 * 64-bit lanes of the even and of the odd channels. */
typedef struct {
    __m512i bias, multiplier, multiplier_odd, left;
    __m512i round_even, round_odd, shift_even, shift_odd, fix_even, fix_odd;
    __m512i input_sum; /* GEMM: 128 - zw, the factor of each pixel's sum of inputs */
} lanes16;

typedef struct {
    int quads; /* GEMM: patch length / 4, rounded up */
    int pairs; /* depthwise: tap pairs */
    int blocks; /* GEMM: blocks of 16 filters; depthwise: blocks of 32 channels */
    int32_t *weights; /* GEMM: [block][quad][16] 4 int8 (w - 128) each; depthwise: int16 pairs */
    lanes16 *q; /* GEMM: one per block; depthwise: two per block (lo, hi lanes) */
} packed;

static int vnni_cpu_has(void)
{
#if EMULATED
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2"); /* SIMDe's implementations here use AVX2 */
#else
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512vnni"))
        return 0;
    /* The OS must save the ZMM state: XCR0's SSE, AVX, opmask, ZMM0-15 upper halves, ZMM16-31. */
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xe6) == 0xe6;
#endif
}

static void *aligned64(size_t n)
{
    return aligned_alloc(64, (n + 63) / 64 * 64 + (n == 0) * 64);
}

/* The lanes holding channels channel[0..16) (int8_lane_table: its rows are
 * this struct's first vectors), and for a GEMM the factor 128 - zw of each
 * pixel's input sum. */
static void lane_params(const int8_layer *l, const int *channel, int gemm, lanes16 *q)
{
    _Static_assert(offsetof(lanes16, round_even) == 4 * 16 * sizeof(int32_t), "lanes16: 4 table rows first");
    int32_t table[INT8_LANE_ROWS * 16], sum[16];
    int8_lane_table(l, channel, 16, gemm, table);
    memcpy(q, table, 4 * 16 * sizeof(int32_t)); /* bias, multiplier, multiplier_odd, left */
    int64_t round[16], shift[16], fix[16], lanes[6][8];
    int8_lane_rounding(l, channel, 16, round, shift, fix);
    for (int k = 0; k < 16; k++) {
        int odd = k % 2;
        lanes[0 + odd][k / 2] = round[k];
        lanes[2 + odd][k / 2] = shift[k];
        lanes[4 + odd][k / 2] = fix[k];
    }
    memcpy(&q->round_even, lanes, sizeof lanes);
    for (int k = 0; k < 16; k++)
        sum[k] = gemm && channel[k] < l->filters ? 128 - l->weight_zps[channel[k]] : 0;
    memcpy(&q->input_sum, sum, sizeof sum);
}

static int prepare_gemm(int8_layer *l, packed *p)
{
    p->quads = (l->patch + 3) / 4;
    p->blocks = (l->filters + NB - 1) / NB;
    p->weights = aligned64((size_t)p->blocks * (size_t)p->quads * NB * sizeof *p->weights);
    p->q = aligned64((size_t)p->blocks * sizeof *p->q);
    if (!p->weights || !p->q)
        return -1;
    for (int b = 0; b < p->blocks; b++) {
        int channel[NB];
        for (int j = 0; j < NB; j++)
            channel[j] = b * NB + j;
        lane_params(l, channel, 1, &p->q[b]);
        for (int k = 0; k < p->quads; k++)
            for (int j = 0; j < NB; j++) {
                int o = b * NB + j;
                int8_t bytes[4] = {0, 0, 0, 0}; /* beyond the patch (and the filters): 0, and x is 0 there */
                for (int h = 0; h < 4 && o < l->filters && 4 * k + h < l->patch; h++)
                    bytes[h] = (int8_t)(l->weights[(size_t)o * (size_t)l->patch + (size_t)(4 * k + h)] - 128);
                memcpy(&p->weights[((size_t)b * (size_t)p->quads + (size_t)k) * NB + (size_t)j], bytes, 4);
            }
    }
    return 0;
}

static int prepare_depthwise(int8_layer *l, packed *p)
{
    int taps = l->size * l->size;
    p->pairs = (taps + 1) / 2;
    p->blocks = l->filters / 32; /* a remainder of channels runs on the reference kernel */
    p->weights = aligned64(((size_t)p->blocks * (size_t)p->pairs * 32 + 1) * sizeof *p->weights);
    p->q = aligned64(((size_t)p->blocks * 2 + 1) * sizeof *p->q);
    if (!p->weights || !p->q)
        return -1;
    for (int b = 0; b < p->blocks; b++) {
        for (int half = 0; half < 2; half++) {
            int channel[16];
            for (int j = 0; j < 16; j++)
                channel[j] = int8_depthwise_channel(b, 32, half, j);
            lane_params(l, channel, 0, &p->q[2 * b + half]);
        }
        int8_depthwise_pairs(l, b, 32, p->pairs, p->weights + (size_t)b * (size_t)p->pairs * 32);
    }
    return 0;
}

static int vnni_prepare(int8_layer *l)
{
    if (l->op != INT8_CONV && l->op != INT8_DEPTHWISE)
        return 0;
    packed *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    l->packed = p;
    return l->op == INT8_CONV ? prepare_gemm(l, p) : prepare_depthwise(l, p);
}

static void vnni_release(int8_layer *l)
{
    packed *p = l->packed;
    if (p) {
        free(p->weights);
        free(p->q);
        free(p);
    }
    l->packed = NULL;
}

/* x >> n per 64-bit lane, arithmetic. SIMDe 0.7.4 has no _mm512_srav_epi64:
 * there, a logical shift between two flips of the sign, which is the same. */
static inline __m512i shift_right_arithmetic64(__m512i x, __m512i n)
{
#if EMULATED
    __m512i sign = _mm512_maskz_mov_epi64(_mm512_cmpgt_epi64_mask(_mm512_setzero_si512(), x), _mm512_set1_epi64(-1));
    return _mm512_xor_si512(_mm512_srlv_epi64(_mm512_xor_si512(x, sign), n), sign);
#else
    return _mm512_srav_epi64(x, n);
#endif
}

/* TFLite's requantization of 16 accumulators (bias included), in the
 * one-rounding form of multiply_by_quantized_multiplier_once (int8_arith.h):
 * the even and the odd lanes' 64-bit products, their rounding constants,
 * one arithmetic shift each, the low halves interleaved back; then the output
 * zero point and the activation clamp. `fix`: take 2^31 off negative
 * products. A layer whose clamp starts at or above its zero point
 * (act_min >= out_zp: relu, relu6) can skip it: the fix changes a result by
 * at most 1 and only for x < 0, where both results are <= 0 and clamp to
 * act_min alike. */
static inline __attribute__((always_inline)) __m512i requantize(__m512i acc, const lanes16 *q, __m512i zero_point,
                                                                __m512i lo, __m512i hi, int fix)
{
    const __m512i low_halves = _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
    __m512i x = _mm512_sllv_epi32(acc, q->left);
    __m512i even = _mm512_mul_epi32(x, q->multiplier);
    __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->multiplier_odd);
    __m512i te = _mm512_add_epi64(even, q->round_even), to = _mm512_add_epi64(odd, q->round_odd);
    if (fix) {
        te = _mm512_mask_sub_epi64(te, _mm512_cmpgt_epi64_mask(_mm512_setzero_si512(), even), te, q->fix_even);
        to = _mm512_mask_sub_epi64(to, _mm512_cmpgt_epi64_mask(_mm512_setzero_si512(), odd), to, q->fix_odd);
    }
    x = _mm512_permutex2var_epi32(shift_right_arithmetic64(te, q->shift_even), low_halves,
                                  shift_right_arithmetic64(to, q->shift_odd));
    x = _mm512_add_epi32(x, zero_point);
    return _mm512_min_epi32(_mm512_max_epi32(x, lo), hi);
}

/* 16 int32 in 0..255 to 16 bytes: vpmovdb; SIMDe 0.7.4 has no
 * _mm512_cvtepi32_epi8: there, packs, packus, then dword 0 of each 128-bit lane. */
static inline __m128i bytes16(__m512i v)
{
#if EMULATED
    __m512i b = _mm512_packus_epi16(_mm512_packs_epi32(v, v), _mm512_setzero_si512());
    __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_castsi512_si128(_mm512_permutexvar_epi32(order, b));
#else
    return _mm512_cvtepi32_epi8(v);
#endif
}

/* Requantizes and stores one pixel's accumulators of filter block b. */
static inline __attribute__((always_inline)) void store_block(const int8_layer *l, const packed *p, __m512i acc, int b,
                                                              uint8_t *pixel_out, int fix)
{
    const __m512i zp = _mm512_set1_epi32(l->out_zp), lo = _mm512_set1_epi32(l->act_min),
                  hi = _mm512_set1_epi32(l->act_max);
    int first = b * NB, n = l->filters - first < NB ? l->filters - first : NB;
    __m128i v = bytes16(requantize(acc, &p->q[b], zp, lo, hi, fix));
    if (n == NB) {
        _mm_storeu_si128((__m128i *)(pixel_out + first), v);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, v);
        memcpy(pixel_out + first, tmp, (size_t)n);
    }
}

/* The sum of n bytes (a patch of whole quads): vpsadbw 64, 32 and 16 bytes at
 * a time, the last quads one by one. Reads nothing past x + n. */
static int32_t byte_sum(const uint8_t *x, size_t n)
{
    __m512i wide = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        wide = _mm512_add_epi64(wide, _mm512_sad_epu8(_mm512_loadu_si512((const void *)(x + i)), _mm512_setzero_si512()));
    __m256i acc = _mm256_add_epi64(_mm512_castsi512_si256(wide), _mm512_extracti64x4_epi64(wide, 1));
    if (i + 32 <= n) {
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(x + i)), _mm256_setzero_si256()));
        i += 32;
    }
    __m128i narrow = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    if (i + 16 <= n) {
        narrow = _mm_add_epi64(narrow, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)(x + i)), _mm_setzero_si128()));
        i += 16;
    }
    int64_t sum = _mm_cvtsi128_si64(narrow) + _mm_extract_epi64(narrow, 1);
    for (; i < n; i++)
        sum += x[i];
    return (int32_t)sum;
}

static inline int32_t quad_at(const uint8_t *x)
{
    int32_t v;
    memcpy(&v, x, 4);
    return v;
}

/* MR (8) pixels, their patches `stride` bytes apart, x filter blocks b and
 * b+1 (when `two`): 16 accumulators, starting from the biases; each step one quad of every patch
 * (broadcast) times the blocks' quads of weights. Rows past `rows` compute on
 * the first row's patch and are not stored. Written out register by register. */
#define STEP(r)                                                                                                        \
    x = _mm512_set1_epi32(quad_at(a##r + 4 * k));                                                                      \
    c##r##0 = _mm512_dpbusd_epi32(c##r##0, x, w0v);                                                                    \
    c##r##1 = _mm512_dpbusd_epi32(c##r##1, x, w1v);

static inline __attribute__((always_inline)) void gemm_tile(const int8_layer *l, const packed *p, const uint8_t *a,
                                                             size_t stride, const int32_t *sums, int rows, int b,
                                                             int two, uint8_t *out, int fix)
{
    int K = p->quads;
    const int32_t *w0 = p->weights + (size_t)b * (size_t)K * NB, *w1 = two ? w0 + (size_t)K * NB : w0;
    const uint8_t *a0 = a, *a1 = a + (rows > 1) * stride, *a2 = a + (rows > 2) * 2 * stride,
                  *a3 = a + (rows > 3) * 3 * stride, *a4 = a + (rows > 4) * 4 * stride, *a5 = a + (rows > 5) * 5 * stride,
                  *a6 = a + (rows > 6) * 6 * stride, *a7 = a + (rows > 7) * 7 * stride;
    __m512i c00 = p->q[b].bias, c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
    __m512i c01 = p->q[b + two].bias, c11 = c01, c21 = c01, c31 = c01, c41 = c01, c51 = c01, c61 = c01, c71 = c01;
    for (int k = 0; k < K; k++) {
        __m512i w0v = _mm512_load_si512((const void *)(w0 + (size_t)k * NB));
        __m512i w1v = _mm512_load_si512((const void *)(w1 + (size_t)k * NB));
        __m512i x;
        STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
    }
    __m512i acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                          {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
    for (int r = 0; r < rows; r++)
        for (int h = 0; h < 1 + two; h++) {
            __m512i v = _mm512_add_epi32(acc[r][h], _mm512_mullo_epi32(p->q[b + h].input_sum, _mm512_set1_epi32(sums[r])));
            store_block(l, p, v, b + h, out + (size_t)r * (size_t)l->filters, fix);
        }
}
#undef STEP

/* Patches are gathered in chunks of up to CHUNK_BYTES; each pair of filter
 * blocks runs over a whole chunk before the next (see the AVX2 set). */
#define CHUNK_BYTES (64 << 10)
#define CHUNK_PIXELS 1024

static void vnni_conv(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    size_t stride = 4 * (size_t)p->quads;
    int chunk = (int)(CHUNK_BYTES / stride);
    chunk = chunk > CHUNK_PIXELS ? CHUNK_PIXELS : chunk;
    if (chunk < 1) {
        int8_reference_conv(l, in, out, y0, y1);
        return;
    }
    uint8_t a[CHUNK_BYTES] __attribute__((aligned(64)));
    int32_t sums[CHUNK_PIXELS];
    int W = l->out.w;
    int pointwise = l->size == 1 && l->stride == 1 && l->pad_top == 0 && l->pad_left == 0 && l->patch % 4 == 0;
    int fix = l->act_min < l->out_zp; /* see requantize() */
    size_t first = (size_t)y0 * (size_t)W, end = (size_t)y1 * (size_t)W;
    for (size_t c0 = first; c0 < end; c0 += (size_t)chunk) {
        int n = end - c0 < (size_t)chunk ? (int)(end - c0) : chunk;
        const uint8_t *patches = pointwise ? in + c0 * stride : a;
        for (int r = 0; r < n; r++) {
            if (!pointwise)
                int8_load_patch(l, in, (int)((c0 + (size_t)r) / (size_t)W), (int)((c0 + (size_t)r) % (size_t)W), p->quads,
                           a + (size_t)r * stride);
            sums[r] = byte_sum(patches + (size_t)r * stride, stride);
        }
        for (int b = 0; b < p->blocks; b += 2)
            for (int r = 0; r < n; r += MR) {
                const uint8_t *a = patches + (size_t)r * stride;
                int rows = n - r < MR ? n - r : MR, two = b + 1 < p->blocks;
                uint8_t *o = out + (c0 + (size_t)r) * (size_t)l->filters;
                if (fix)
                    gemm_tile(l, p, a, stride, sums + r, rows, b, two, o, 1);
                else
                    gemm_tile(l, p, a, stride, sums + r, rows, b, two, o, 0);
            }
    }
}

/* n bytes to int16 (x - zx), 16 at a time (256-bit: the widening has no
 * 512-bit form in SIMDe 0.7.4), the rest through a buffer. */
static void widen(const uint8_t *x, int n, int zero_point, int16_t *a)
{
    const __m256i zx = _mm256_set1_epi16((int16_t)zero_point);
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(a + i),
                            _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x + i))), zx));
    for (; i < n; i++)
        a[i] = (int16_t)(x[i] - zero_point);
}

/* The kernel rows of one output row as int16 (x - zx), zeros for the padding. */
#define ROWS_BYTES (96 << 10)

/* 32 channels of one pixel: two int16 vectors of lanes (lo, hi as
 * int8_depthwise_channel leaves them) to 32 bytes in channel order. */
static inline __m256i bytes32(__m512i r_lo, __m512i r_hi)
{
    return _mm512_cvtepi16_epi8(_mm512_packs_epi32(r_lo, r_hi));
}

static inline __attribute__((always_inline)) void depthwise_rows(const int8_layer *l, const packed *p,
                                                                 const uint8_t *in, uint8_t *out, int y0, int y1,
                                                                 int size, int fix)
{
    const __m512i zp = _mm512_set1_epi32(l->out_zp), lo = _mm512_set1_epi32(l->act_min),
                  hi = _mm512_set1_epi32(l->act_max);
    int C = l->in.c, taps = size * size, pairs = (taps + 1) / 2, width = (l->out.w - 1) * l->stride + size;
    size_t row = (size_t)width * (size_t)C;
    int16_t rows[ROWS_BYTES / 2] __attribute__((aligned(64)));
    size_t off[2 * (NN_MAX_KERNEL * NN_MAX_KERNEL + 1) / 2 + 1] = {0}; /* past the taps: 0, weights 0 */
    int cached[NN_MAX_KERNEL]; /* a ring of widened input rows: row iy in slot iy mod size */
    for (int k = 0; k < size; k++)
        cached[k] = INT_MIN;
    for (int oy = y0; oy < y1; oy++) {
        for (int ky = 0; ky < size; ky++) {
            int iy = oy * l->stride - l->pad_top + ky, slot = (iy % size + size) % size;
            int16_t *r = rows + (size_t)slot * row;
            for (int t = ky * size; t < ky * size + size; t++)
                off[t] = (size_t)slot * row + (size_t)(t % size) * (size_t)C;
            if (cached[slot] == iy)
                continue;
            cached[slot] = iy;
            int x0 = l->pad_left, x1 = l->in.w + l->pad_left < width ? l->in.w + l->pad_left : width;
            if (iy < 0 || iy >= l->in.h) {
                memset(r, 0, row * sizeof *r);
                continue;
            }
            memset(r, 0, (size_t)x0 * (size_t)C * sizeof *r);
            widen(in + (size_t)iy * (size_t)l->in.w * (size_t)C, (x1 - x0) * C, l->in_zp, r + (size_t)x0 * (size_t)C);
            memset(r + (size_t)x1 * (size_t)C, 0, (size_t)(width - x1) * (size_t)C * sizeof *r);
        }
        uint8_t *dst = out + (size_t)oy * (size_t)l->out.w * (size_t)C;
        for (int ox = 0; ox < l->out.w; ox++, dst += C)
            for (int b = 0; b < p->blocks; b++) {
                const __m512i *w = (const __m512i *)(p->weights + (size_t)b * (size_t)pairs * 32);
                const int16_t *x = rows + (size_t)(ox * l->stride) * (size_t)C + (size_t)b * 32;
                __m512i acc_lo = p->q[2 * b].bias, acc_hi = p->q[2 * b + 1].bias;
                for (int k = 0; k < pairs; k++) {
                    __m512i v0 = _mm512_loadu_si512((const void *)(x + off[2 * k]));
                    __m512i v1 = 2 * k + 1 < taps ? _mm512_loadu_si512((const void *)(x + off[2 * k + 1]))
                                                  : _mm512_setzero_si512();
                    acc_lo = _mm512_dpwssd_epi32(acc_lo, _mm512_unpacklo_epi16(v0, v1), _mm512_load_si512(w + 2 * k));
                    acc_hi = _mm512_dpwssd_epi32(acc_hi, _mm512_unpackhi_epi16(v0, v1),
                                                 _mm512_load_si512(w + 2 * k + 1));
                }
                __m256i b8 = bytes32(requantize(acc_lo, &p->q[2 * b], zp, lo, hi, fix),
                                     requantize(acc_hi, &p->q[2 * b + 1], zp, lo, hi, fix));
                _mm256_storeu_si256((__m256i *)(dst + b * 32), b8);
            }
    }
}

static void vnni_depthwise(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    int C = l->in.c;
    size_t need = (size_t)l->size * (size_t)((l->out.w - 1) * l->stride + l->size) * (size_t)C * 2;
    if (need > ROWS_BYTES || p->blocks == 0) {
        int8_reference_depthwise_channels(l, in, out, y0, y1, 0, C);
        return;
    }
    int fix = l->act_min < l->out_zp; /* see requantize() */
    if (l->size == 3 && !fix)
        depthwise_rows(l, p, in, out, y0, y1, 3, 0);
    else if (l->size == 3)
        depthwise_rows(l, p, in, out, y0, y1, 3, 1);
    else
        depthwise_rows(l, p, in, out, y0, y1, l->size, 1);
    if (p->blocks * 32 < C) /* the channels past the last whole block of 32 */
        int8_reference_depthwise_channels(l, in, out, y0, y1, p->blocks * 32, C);
}

const int8_kernels SET = {
    .name = SET_NAME,
    .emulated = EMULATED,
    .cpu_has = vnni_cpu_has,
    .prepare = vnni_prepare,
    .release = vnni_release,
    .conv = vnni_conv,
    .depthwise = vnni_depthwise,
};
