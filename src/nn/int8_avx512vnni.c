/* The AVX-512 VNNI integer kernels: the same bytes as int8_reference.c, at
 * the speed of the integer units. Compiled twice (src/meson.build): natively
 * with the AVX-512 flags, the `avx512vnni` set, chosen where CPUID and the OS
 * allow it; and against SIMDe (-DINT8_SIMDE, on AVX2), `avx512vnni-simde`,
 * which computes the very same instructions in portable code, so that these
 * kernels are tested on every machine (never chosen to serve: it is slow).
 *
 * Convolutions are a GEMM with vpdpbusd: unsigned input bytes x times signed
 * weight bytes, four products summed into each int32 lane, with no
 * intermediate saturation. A centred weight w - zw (-255..255) need not fit a
 * signed byte, but with each filter's base B (int8_weight_base) w - B does, and
 *   sum (x - zx)(w - zw) = sum x (w - B) + (B - zw) sum x - zx sum (w - zw)
 * exactly: the GEMM computes the first term; the second, each pixel's sum of
 * inputs (vpsadbw) times a per-filter constant, is added only in the blocks of
 * 16 filters where some B differs from zw; the third, a constant, is in the
 * bias. Padding taps read zx, so they count 0 as in TFLite. Tiles of 6 pixels
 * x 64 filters (8 x 32 for the last filters); patches are gathered in chunks
 * that stay in cache while the filter blocks run over them, as in the AVX2 set.
 *
 * Depthwise convolutions: each input row widened once to int16 (x - zx), in
 * a ring of as many rows as the kernel has; 32 channels of two taps
 * interleaved into pairs, and vpdpwssd (pairs of int16 products summed into
 * int32: at most 2 * 255 * 255); one block of 32 channels along a whole output
 * row at a time, its weights in registers, in two chains of accumulators; a
 * last partial block computes all 32 lanes (those past the channels weigh 0)
 * and stores its own.
 *
 * Requantization is TFLite's, 16 lanes at a time, in the one-rounding form
 * of int8_arith.h (a 64-bit product, a constant, one shift: 4-5 % faster in
 * all than its two roundings step by step); two vectors of 32 channels are
 * then packed to int16 together for the zero point and the clamp, and
 * narrowed (narrow32). SIMDe 0.7.4 lacks a few 512-bit intrinsics; their
 * stand-ins here are exact: the arithmetic right shift as a logical shift
 * between two sign flips, _mm512_shuffle_i64x2 as two-source permutes. */
#ifdef INT8_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#ifndef __x86_64__ /* SIMDe aliases the vectors, not the masks (x86's come with immintrin.h) */
typedef simde__mmask16 __mmask16;
typedef simde__mmask64 __mmask64;
#endif
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

#include "darknet_layers.h" /* NN_MAX_KERNEL */
#include "int8_kernels.h"
#include "int8_packing.h"
#define AVX2 /* the whole file is built for AVX-512 (or SIMDe on AVX2) */
#include "int8_simd256.h"

#define MR 8 /* output pixels per GEMM tile */
#define NB 16 /* filters per block (one vector) */

/* The requantization constants of one 16-lane vector: int8_lane_table's
 * first rows, then those of the one-rounding form (int8_lane_rounding), as
 * 64-bit lanes of the even and of the odd channels. */
typedef struct {
    __m512i bias, multiplier, multiplier_odd, left;
    __m512i round_even, round_odd, shift_even, shift_odd, fix_even, fix_odd;
    __m512i input_sum; /* GEMM: B - zw, the factor of each pixel's sum of inputs */
} lanes16;

typedef struct {
    int quads; /* GEMM: patch length / 4, rounded up */
    int pairs; /* depthwise: tap pairs */
    int blocks; /* GEMM: blocks of 16 filters; depthwise: blocks of 32 channels */
    int32_t *weights; /* GEMM: [block][quad][16] 4 int8 (w - B) each; depthwise: int16 pairs */
    lanes16 *q; /* GEMM: one per block; depthwise: two per block (lo, hi lanes) */
    uint8_t *needs_sum; /* GEMM, per block: some lane's input_sum is not 0 */
    int any_sum; /* GEMM: some block's is */
} packed;

static int vnni_cpu_has(void)
{
#if EMULATED && !defined __x86_64__
    return 1; /* SIMDe in portable code, or the host's own vectors */
#elif EMULATED
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
 * this struct's first vectors), and for a GEMM the factor B - zw of each
 * pixel's input sum (base: B of each lane, int8_weight_base). */
static void lane_params(const int8_layer *l, const int *channel, const int *base, lanes16 *q)
{
    int gemm = base != NULL;
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
        sum[k] = gemm && channel[k] < l->filters ? base[k] - l->weight_zps[channel[k]] : 0;
    memcpy(&q->input_sum, sum, sizeof sum);
}

static int prepare_gemm(int8_layer *l, packed *p)
{
    p->quads = (l->patch + 3) / 4;
    p->blocks = 2 * ((l->filters + 2 * NB - 1) / (2 * NB)); /* in pairs: narrow32 takes two */
    p->weights = aligned64((size_t)p->blocks * (size_t)p->quads * NB * sizeof *p->weights);
    p->q = aligned64((size_t)p->blocks * sizeof *p->q);
    p->needs_sum = calloc((size_t)p->blocks, 1);
    if (!p->weights || !p->q || !p->needs_sum)
        return -1;
    for (int b = 0; b < p->blocks; b++) {
        int channel[NB], base[NB];
        for (int j = 0; j < NB; j++) {
            channel[j] = int8_paired_channel(b / 2, 2 * NB, b % 2, j);
            base[j] = channel[j] < l->filters ? int8_weight_base(l, channel[j]) : 0;
            if (channel[j] < l->filters && base[j] != l->weight_zps[channel[j]])
                p->needs_sum[b] = 1, p->any_sum = 1;
        }
        lane_params(l, channel, base, &p->q[b]);
        for (int k = 0; k < p->quads; k++)
            for (int j = 0; j < NB; j++) {
                int o = channel[j];
                int8_t bytes[4] = {0, 0, 0, 0}; /* beyond the patch (and the filters): 0, and x is 0 there */
                for (int h = 0; h < 4 && o < l->filters && 4 * k + h < l->patch; h++)
                    bytes[h] = (int8_t)(l->weights[(size_t)o * (size_t)l->patch + (size_t)(4 * k + h)] - base[j]);
                memcpy(&p->weights[((size_t)b * (size_t)p->quads + (size_t)k) * NB + (size_t)j], bytes, 4);
            }
    }
    return 0;
}

static int prepare_depthwise(int8_layer *l, packed *p)
{
    int taps = l->size * l->size;
    p->pairs = (taps + 1) / 2;
    p->blocks = (l->filters + 31) / 32; /* the last may be partial: its lanes past the channels weigh 0 */
    p->weights = aligned64(((size_t)p->blocks * (size_t)p->pairs * 32 + 1) * sizeof *p->weights);
    p->q = aligned64(((size_t)p->blocks * 2 + 1) * sizeof *p->q);
    if (!p->weights || !p->q)
        return -1;
    for (int b = 0; b < p->blocks; b++) {
        for (int half = 0; half < 2; half++) {
            int channel[16];
            for (int j = 0; j < 16; j++)
                channel[j] = int8_paired_channel(b, 32, half, j);
            lane_params(l, channel, NULL, &p->q[2 * b + half]);
        }
        int8_depthwise_pairs(l, b, 32, p->pairs, p->weights + (size_t)b * (size_t)p->pairs * 32);
    }
    return 0;
}

static int vnni_prepare(int8_layer *l)
{
    if (l->op != INT8_CONV && l->op != INT8_DEPTHWISE)
        return simd256_prepare(l);
    packed *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    l->packed = p;
    return l->op == INT8_CONV ? prepare_gemm(l, p) : prepare_depthwise(l, p);
}

static void vnni_release(int8_layer *l)
{
    if (l->op != INT8_CONV && l->op != INT8_DEPTHWISE) {
        simd256_release(l);
        return;
    }
    packed *p = l->packed;
    if (p) {
        free(p->weights);
        free(p->q);
        free(p->needs_sum);
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

/* TFLite's requantization of 16 accumulators (bias included) before its zero
 * point and clamp, in the one-rounding form of multiply_by_quantized_multiplier_once
 * (int8_arith.h): the even and the odd lanes' 64-bit products, their
 * rounding constants, one arithmetic shift each, the low halves interleaved
 * back. `fix`: take 2^31 off negative products. A layer whose clamp starts
 * at or above its zero point (act_min >= out_zp: relu, relu6) can skip it:
 * the fix changes a result by at most 1 and only for x < 0, where both
 * results are <= 0 and clamp to act_min alike. */
static inline __attribute__((always_inline)) __m512i scale16(__m512i acc, const lanes16 *q, int fix)
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
    return _mm512_permutex2var_epi32(shift_right_arithmetic64(te, q->shift_even), low_halves,
                                     shift_right_arithmetic64(to, q->shift_odd));
}

/* A layer's output zero point and activation clamp, as int16 lanes. */
typedef struct {
    __m512i zero_point, lo, hi;
} clamp16;

static inline clamp16 clamp_of(const int8_layer *l)
{
    return (clamp16){_mm512_set1_epi16((int16_t)l->out_zp), _mm512_set1_epi16((int16_t)l->act_min),
                     _mm512_set1_epi16((int16_t)l->act_max)};
}

/* The scaled accumulators of a block of 32 channels, as two vectors whose
 * lanes int8_paired_channel orders (half 0, half 1), to 32 output bytes in
 * channel order: packed to int16 with signed saturation, the zero point added
 * (saturating), clamped, narrowed. The saturations change nothing: the clamp
 * lies within 0..255, and a value beyond int16 clamps to the same end. */
static inline __m256i narrow32(__m512i half0, __m512i half1, const clamp16 *c)
{
    __m512i v = _mm512_adds_epi16(_mm512_packs_epi32(half0, half1), c->zero_point);
    return _mm512_cvtepi16_epi8(_mm512_min_epi16(_mm512_max_epi16(v, c->lo), c->hi));
}

/* Stores the first n (<= 32) bytes of v. */
static inline void store_bytes(uint8_t *dst, __m256i v, int n)
{
    if (n == 32) {
        _mm256_storeu_si256((__m256i *)dst, v);
    } else {
        uint8_t tmp[32];
        _mm256_storeu_si256((__m256i *)tmp, v);
        memcpy(dst, tmp, (size_t)n);
    }
}

/* The sum of n bytes (a patch of whole quads): vpsadbw 64, 32 and 16 bytes at
 * a time, the rest in the 16 bytes that end at x + n (those already counted
 * masked off), one by one below 16 bytes. Reads nothing outside [x, x + n). */
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
    if (i < n && n >= 16) { /* the last n - i bytes: the 16 ending at x + n, those counted already masked off */
        __mmask16 tail = (__mmask16)(0xffffu << (16 - (n - i)));
        __m128i last = _mm_maskz_mov_epi8(tail, _mm_loadu_si128((const __m128i *)(x + n - 16)));
        narrow = _mm_add_epi64(narrow, _mm_sad_epu8(last, _mm_setzero_si128()));
        i = n;
    }
    int64_t sum = _mm_cvtsi128_si64(narrow) + _mm_extract_epi64(narrow, 1);
    for (; i < n; i++)
        sum += x[i];
    return (int32_t)sum;
}

/* The byte sums of eight patches of `stride` (<= 64) bytes, 64 read at each
 * and the bytes past the patch masked off: vpsadbw each, then the eight
 * vectors of partial sums added across in a tree (unpacks, then 128-bit
 * lane permutes), which leaves the eight totals in patch order. */
static inline void sums8(const uint8_t *a, size_t stride, __mmask64 mask, int32_t *sums)
{
    __m512i v[8], t[4];
    for (int r = 0; r < 8; r++)
        v[r] = _mm512_sad_epu8(_mm512_maskz_mov_epi8(mask, _mm512_loadu_si512((const void *)(a + (size_t)r * stride))),
                               _mm512_setzero_si512());
    for (int i = 0; i < 4; i++) /* per 128-bit lane: patch 2i's partial sum, then 2i + 1's */
        t[i] = _mm512_add_epi64(_mm512_unpacklo_epi64(v[2 * i], v[2 * i + 1]),
                                _mm512_unpackhi_epi64(v[2 * i], v[2 * i + 1]));
    /* the even and the odd 128-bit lanes of two vectors (SIMDe 0.7.4 has no _mm512_shuffle_i64x2) */
    const __m512i even = _mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13);
    const __m512i odd = _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15);
#define HALVES_ADDED(a, b) _mm512_add_epi64(_mm512_permutex2var_epi64(a, even, b), _mm512_permutex2var_epi64(a, odd, b))
    __m512i u0 = HALVES_ADDED(t[0], t[1]), u1 = HALVES_ADDED(t[2], t[3]), total = HALVES_ADDED(u0, u1);
#undef HALVES_ADDED
    _mm256_storeu_si256((__m256i *)sums, _mm512_cvtepi64_epi32(total));
}

/* The byte sums of n patches `stride` bytes apart, of which `readable` bytes
 * from a on may be read: eight at a time where 64 bytes of each can be read,
 * the rest one by one. */
static void patch_sums(const uint8_t *a, size_t stride, int n, size_t readable, int32_t *sums)
{
    int r = 0;
    if (stride <= 64) {
        __mmask64 mask = stride == 64 ? ~(__mmask64)0 : ((__mmask64)1 << stride) - 1;
        for (; r + 8 <= n && (size_t)(r + 7) * stride + 64 <= readable; r += 8)
            sums8(a + (size_t)r * stride, stride, mask, sums + r);
    }
    for (; r < n; r++)
        sums[r] = byte_sum(a + (size_t)r * stride, stride);
}

static inline int32_t quad_at(const uint8_t *x)
{
    int32_t v;
    memcpy(&v, x, 4);
    return v;
}

/* Requantizes and stores a pixel's outputs of the block pair at block b (its
 * accumulators acc0, acc1): the term (B - zw) sum x added where it is not 0,
 * scaled, narrowed. */
static inline __attribute__((always_inline)) void store_pair(const int8_layer *l, const packed *p, int b, __m512i acc0,
                                                             __m512i acc1, int needs_sum0, int needs_sum1,
                                                             const int32_t *sum, const clamp16 *c, uint8_t *pixel_out,
                                                             int fix)
{
    if (needs_sum0)
        acc0 = _mm512_add_epi32(acc0, _mm512_mullo_epi32(p->q[b].input_sum, _mm512_set1_epi32(*sum)));
    if (needs_sum1)
        acc1 = _mm512_add_epi32(acc1, _mm512_mullo_epi32(p->q[b + 1].input_sum, _mm512_set1_epi32(*sum)));
    int first = b * NB, n = l->filters - first < 2 * NB ? l->filters - first : 2 * NB;
    store_bytes(pixel_out + first, narrow32(scale16(acc0, &p->q[b], fix), scale16(acc1, &p->q[b + 1], fix), c), n);
}

/* MR (8) pixels, their patches `stride` bytes apart, x the block pair at
 * block b: 16 accumulators, starting from the biases; each step one quad of
 * every patch (broadcast) times the blocks' quads of weights. Rows past
 * `rows` compute on the first row's patch and are not stored. Written out
 * register by register. */
#define STEP(r)                                                                                                        \
    x = _mm512_set1_epi32(quad_at(a##r + 4 * k));                                                                      \
    c##r##0 = _mm512_dpbusd_epi32(c##r##0, x, w0v);                                                                    \
    c##r##1 = _mm512_dpbusd_epi32(c##r##1, x, w1v);

static inline __attribute__((always_inline)) void gemm_tile(const int8_layer *l, const packed *p, const uint8_t *a,
                                                             size_t stride, const int32_t *sums, int rows, int b,
                                                             uint8_t *out, int fix)
{
    int K = p->quads;
    const int32_t *w0 = p->weights + (size_t)b * (size_t)K * NB, *w1 = w0 + (size_t)K * NB;
    const uint8_t *a0 = a, *a1 = a + (rows > 1) * stride, *a2 = a + (rows > 2) * 2 * stride,
                  *a3 = a + (rows > 3) * 3 * stride, *a4 = a + (rows > 4) * 4 * stride, *a5 = a + (rows > 5) * 5 * stride,
                  *a6 = a + (rows > 6) * 6 * stride, *a7 = a + (rows > 7) * 7 * stride;
    __m512i c00 = p->q[b].bias, c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
    __m512i c01 = p->q[b + 1].bias, c11 = c01, c21 = c01, c31 = c01, c41 = c01, c51 = c01, c61 = c01, c71 = c01;
    for (int k = 0; k < K; k++) {
        __m512i w0v = _mm512_load_si512((const void *)(w0 + (size_t)k * NB));
        __m512i w1v = _mm512_load_si512((const void *)(w1 + (size_t)k * NB));
        __m512i x;
        STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
    }
    __m512i acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                          {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
    clamp16 c = clamp_of(l);
    int s0 = p->needs_sum[b], s1 = p->needs_sum[b + 1]; /* read before the byte stores, which may alias them */
    for (int r = 0; r < rows; r++)
        store_pair(l, p, b, acc[r][0], acc[r][1], s0, s1, sums + r, &c, out + (size_t)r * (size_t)l->filters, fix);
}
#undef STEP

/* MR4 (6) pixels x the two block pairs at block b: 24 accumulators, one
 * broadcast quad feeding four vpdpbusd. */
#define MR4 6
#define STEP4(r)                                                                                                       \
    x = _mm512_set1_epi32(quad_at(a##r + 4 * k));                                                                      \
    c##r##0 = _mm512_dpbusd_epi32(c##r##0, x, w0v);                                                                    \
    c##r##1 = _mm512_dpbusd_epi32(c##r##1, x, w1v);                                                                    \
    c##r##2 = _mm512_dpbusd_epi32(c##r##2, x, w2v);                                                                    \
    c##r##3 = _mm512_dpbusd_epi32(c##r##3, x, w3v);
#define INIT4(r)                                                                                                       \
    __m512i c##r##0 = p->q[b].bias, c##r##1 = p->q[b + 1].bias, c##r##2 = p->q[b + 2].bias, c##r##3 = p->q[b + 3].bias;

static inline __attribute__((always_inline)) void gemm_tile4(const int8_layer *l, const packed *p, const uint8_t *a,
                                                              size_t stride, const int32_t *sums, int rows, int b,
                                                              uint8_t *out, int fix)
{
    int K = p->quads;
    const int32_t *w0 = p->weights + (size_t)b * (size_t)K * NB;
    const uint8_t *a0 = a, *a1 = a + (rows > 1) * stride, *a2 = a + (rows > 2) * 2 * stride,
                  *a3 = a + (rows > 3) * 3 * stride, *a4 = a + (rows > 4) * 4 * stride,
                  *a5 = a + (rows > 5) * 5 * stride;
    INIT4(0) INIT4(1) INIT4(2) INIT4(3) INIT4(4) INIT4(5)
    for (int k = 0; k < K; k++) {
        const int32_t *wk = w0 + (size_t)k * NB;
        __m512i w0v = _mm512_load_si512((const void *)wk);
        __m512i w1v = _mm512_load_si512((const void *)(wk + (size_t)K * NB));
        __m512i w2v = _mm512_load_si512((const void *)(wk + 2 * (size_t)K * NB));
        __m512i w3v = _mm512_load_si512((const void *)(wk + 3 * (size_t)K * NB));
        __m512i x;
        STEP4(0) STEP4(1) STEP4(2) STEP4(3) STEP4(4) STEP4(5)
    }
    __m512i acc[MR4][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23},
                           {c30, c31, c32, c33}, {c40, c41, c42, c43}, {c50, c51, c52, c53}};
    clamp16 c = clamp_of(l);
    int s0 = p->needs_sum[b], s1 = p->needs_sum[b + 1], s2 = p->needs_sum[b + 2], s3 = p->needs_sum[b + 3];
    for (int r = 0; r < rows; r++) {
        uint8_t *pixel_out = out + (size_t)r * (size_t)l->filters;
        store_pair(l, p, b, acc[r][0], acc[r][1], s0, s1, sums + r, &c, pixel_out, fix);
        store_pair(l, p, b + 2, acc[r][2], acc[r][3], s2, s3, sums + r, &c, pixel_out, fix);
    }
}
#undef STEP4
#undef INIT4

/* The tiles of a chunk of n patches: six pixels x 64 filters while whole
 * groups of four blocks remain, then eight pixels x 32 filters. `fix` is a
 * constant in each of vnni_conv's two calls. */
static inline __attribute__((always_inline)) void gemm_chunk(const int8_layer *l, const packed *p,
                                                              const uint8_t *patches, size_t stride,
                                                              const int32_t *sums, int n, uint8_t *out, int fix)
{
    int b = 0;
    for (; b + 4 <= p->blocks; b += 4)
        for (int r = 0; r < n; r += MR4)
            gemm_tile4(l, p, patches + (size_t)r * stride, stride, sums + r, n - r < MR4 ? n - r : MR4, b,
                       out + (size_t)r * (size_t)l->filters, fix);
    for (; b < p->blocks; b += 2)
        for (int r = 0; r < n; r += MR)
            gemm_tile(l, p, patches + (size_t)r * stride, stride, sums + r, n - r < MR ? n - r : MR, b,
                      out + (size_t)r * (size_t)l->filters, fix);
}

/* Patches are gathered in chunks of up to CHUNK_BYTES; each group of filter
 * blocks runs over a whole chunk before the next (see the AVX2 set). */
#define CHUNK_BYTES (64 << 10)
#define CHUNK_PIXELS 1024

/* Patches per chunk: 0 when one patch is larger than a chunk (the reference kernel then runs the layer). */
static int chunk_patches(const int8_layer *l)
{
    int chunk = (int)(CHUNK_BYTES / (4 * (size_t)((const packed *)l->packed)->quads));
    return chunk > CHUNK_PIXELS ? CHUNK_PIXELS : chunk;
}

static void vnni_conv(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    size_t stride = 4 * (size_t)p->quads;
    int chunk = chunk_patches(l);
    if (chunk < 1) {
        int8_reference_conv(l, in, out, y0, y1);
        return;
    }
    uint8_t a[CHUNK_BYTES + 64] __attribute__((aligned(64))); /* + 64: patch_sums may read that far */
    int32_t sums[CHUNK_PIXELS];
    int W = l->out.w;
    int pointwise = l->size == 1 && l->stride == 1 && l->pad_top == 0 && l->pad_left == 0 && l->patch % 4 == 0;
    int fix = l->act_min < l->out_zp; /* see scale16() */
    size_t first = (size_t)y0 * (size_t)W, end = (size_t)y1 * (size_t)W;
    for (size_t c0 = first; c0 < end; c0 += (size_t)chunk) {
        int n = end - c0 < (size_t)chunk ? (int)(end - c0) : chunk;
        const uint8_t *patches = pointwise ? in + c0 * stride : a;
        if (!pointwise)
            int8_load_patches(l, in, c0, n, p->quads, a);
        size_t readable = pointwise ? (size_t)(l->in.h * l->in.w) * stride - c0 * stride : (size_t)n * stride + 64;
        if (p->any_sum)
            patch_sums(patches, stride, n, readable, sums);
        if (fix)
            gemm_chunk(l, p, patches, stride, sums, n, out + c0 * (size_t)l->filters, 1);
        else
            gemm_chunk(l, p, patches, stride, sums, n, out + c0 * (size_t)l->filters, 0);
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

/* One output row of channel block b, `width` pixels: tap (ky, kx) of pixel ox
 * reads the widened inputs at row[ky] + ox * step + kx * C + 32 b. The
 * block's weights stay in registers over the row. */
static inline __attribute__((always_inline)) void depthwise_block_row(const int8_layer *l, const packed *p, int b,
                                                                      const int16_t *const *row, int size, size_t C,
                                                                      size_t step, int width, uint8_t *dst, int fix)
{
    const int keep = C - (size_t)b * 32 < 32 ? (int)(C - (size_t)b * 32) : 32; /* channels of the block to store */
    int taps = size * size, pairs = (taps + 1) / 2;
    clamp16 c = clamp_of(l);
    const __m512i *w = (const __m512i *)(p->weights + (size_t)b * (size_t)pairs * 32);
    const lanes16 *q_lo = &p->q[2 * b], *q_hi = &p->q[2 * b + 1];
    for (int ox = 0; ox < width; ox++) {
        size_t at = (size_t)ox * step + (size_t)b * 32;
        __m512i acc_lo[2] = {q_lo->bias, _mm512_setzero_si512()}, acc_hi[2] = {q_hi->bias, _mm512_setzero_si512()};
        for (int k = 0; k < pairs; k++) {
            int t0 = 2 * k, t1 = 2 * k + 1;
            __m512i v0 = _mm512_loadu_si512((const void *)(row[t0 / size] + at + (size_t)(t0 % size) * C));
            __m512i v1 = t1 < taps ? _mm512_loadu_si512((const void *)(row[t1 / size] + at + (size_t)(t1 % size) * C))
                                   : _mm512_setzero_si512();
            __m512i w_lo = _mm512_load_si512(w + 2 * k), w_hi = _mm512_load_si512(w + 2 * k + 1);
            acc_lo[k % 2] = _mm512_dpwssd_epi32(acc_lo[k % 2], _mm512_unpacklo_epi16(v0, v1), w_lo);
            acc_hi[k % 2] = _mm512_dpwssd_epi32(acc_hi[k % 2], _mm512_unpackhi_epi16(v0, v1), w_hi);
        }
        __m512i sum_lo = _mm512_add_epi32(acc_lo[0], acc_lo[1]), sum_hi = _mm512_add_epi32(acc_hi[0], acc_hi[1]);
        /* a partial block stores only its channels: the lanes past them would overwrite the next pixel's */
        store_bytes(dst + (size_t)ox * C, narrow32(scale16(sum_lo, q_lo, fix), scale16(sum_hi, q_hi, fix), &c), keep);
    }
}

static inline __attribute__((always_inline)) void depthwise_rows(const int8_layer *l, const packed *p,
                                                                 const uint8_t *in, uint8_t *out, int y0, int y1,
                                                                 int size, int fix)
{
    int C = l->in.c, width = (l->out.w - 1) * l->stride + size;
    size_t row = (size_t)width * (size_t)C;
    int16_t rows[ROWS_BYTES / 2] __attribute__((aligned(64)));
    const int16_t *row_of[NN_MAX_KERNEL]; /* kernel row ky's widened inputs */
    int cached[NN_MAX_KERNEL]; /* a ring of widened input rows: row iy in slot iy mod size */
    for (int k = 0; k < size; k++)
        cached[k] = INT_MIN;
    for (int oy = y0; oy < y1; oy++) {
        for (int ky = 0; ky < size; ky++) {
            int iy = oy * l->stride - l->pad_top + ky, slot = (iy % size + size) % size;
            int16_t *r = rows + (size_t)slot * row;
            row_of[ky] = r;
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
        for (int b = 0; b < p->blocks; b++)
            depthwise_block_row(l, p, b, row_of, size, (size_t)C, (size_t)l->stride * (size_t)C, l->out.w,
                                dst + (size_t)b * 32, fix);
    }
}

/* Whether a depthwise layer's rows fit the ring of depthwise_rows (else the reference kernel runs it). */
static int rows_fit(const int8_layer *l)
{
    /* + 64: a partial block reads up to 31 lanes past the last row's channels (weighing 0) */
    return (size_t)l->size * (size_t)((l->out.w - 1) * l->stride + l->size) * (size_t)l->in.c * 2 + 64 <= ROWS_BYTES;
}

static void vnni_depthwise(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    int C = l->in.c;
    if (!rows_fit(l)) {
        int8_reference_depthwise_channels(l, in, out, y0, y1, 0, C);
        return;
    }
    int fix = l->act_min < l->out_zp; /* see scale16() */
    if (l->size == 3 && !fix)
        depthwise_rows(l, p, in, out, y0, y1, 3, 0);
    else if (l->size == 3)
        depthwise_rows(l, p, in, out, y0, y1, 3, 1);
    else
        depthwise_rows(l, p, in, out, y0, y1, l->size, 1);
}

static int vnni_whole(const int8_layer *l)
{
    return l->op == INT8_CONV ? chunk_patches(l) >= 1 : l->op == INT8_DEPTHWISE ? rows_fit(l) : 1;
}

const int8_kernels SET = {
    .name = SET_NAME,
    .emulated = EMULATED,
    .cpu_has = vnni_cpu_has,
    .prepare = vnni_prepare,
    .release = vnni_release,
    .conv = vnni_conv,
    .depthwise = vnni_depthwise,
    .add = simd256_add,
    .maxpool = simd256_maxpool,
    .avgpool = simd256_pool,
    .mean = simd256_pool,
    .whole = vnni_whole,
};
