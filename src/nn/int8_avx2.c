/* The AVX2 integer kernels: the same bytes as int8_reference.c, faster.
 * Compiled four times (src/meson.build): `avx2`; with -DINT8_AVX_VNNI,
 * `avx_vnni`, whose dot products are the 256-bit VEX vpdpbusd / vpdpwssd
 * (DOT_U8S8, DOT_S16) and whose tiles are 6 pixels; and that against SIMDe,
 * `avx_vnni-simde`, which the tests run on every machine; and with
 * -DINT8_SSE41 against SIMDe built for SSE4.1, `sse41`, the set of x86-64
 * CPUs without AVX2 (SIMDe runs each 256-bit operation as two SSE ones,
 * natively: the same bytes, so int8 stays the default there).
 * Accumulators are int32 as in TFLite; the requantization below is TFLite's
 * fixed-point one, lane by lane. Every product is exact:
 *
 * Convolutions are a GEMM on the raw uint8 inputs x with vpmaddubsw, which
 * multiplies unsigned by signed bytes and adds pairs into int16 -- saturating
 * when a pair's sum leaves int16. With x in 0..255 a pair of int8 weights
 * (c0, c1) cannot saturate unless both have the same sign and |c0| + |c1| >
 * 128 (255 * 128 = 32640). So each pair of centred weights d = w - zw (in
 * -255..255) is split into such a pair c, stored as int8, and a residual
 * d - c; vpmaddwd with ones then widens four products to int32. Residuals
 * are rare (in MobileNet v1, weights beyond +-64 are 0.08 %) and are added
 * with exact int16 products from a sparse list. As sum x * d =
 * sum (x - zx) * d + zx * sum d, the bias absorbs zx * sum d, and padding
 * taps read zx (they count 0).
 * 4 output pixels x 16 filters per tile; a 1x1 layer reads its input pixels
 * in place, others gather patches into a chunk that stays in cache while
 * each pair of filter blocks runs over it.
 *
 * Depthwise convolutions take 16 channels of two taps as int16 (x - zx),
 * interleave them into pairs and multiply with weights interleaved the same
 * way (vpmaddwd: at most 2 * 255 * 255 per pair); the interleave leaves
 * channels in the order 0-3, 8-11 | 4-7, 12-15, so biases and multipliers
 * are stored in that order too, and packing the results restores 0..15. */
#if defined INT8_SSE41
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx2.h>
#define SET_NAME "sse41"
#define SET int8_kernels_sse41
#define EMULATED 0
#define AVX2 /* the file is built for SSE4.1 */
#elif defined INT8_AVX_VNNI && defined INT8_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
/* SIMDe 0.7.4 has the AVX-512 VL forms of these, which compute the same */
#define _mm256_dpbusd_avx_epi32 _mm256_dpbusd_epi32
#define _mm256_dpwssd_avx_epi32 _mm256_dpwssd_epi32
#define SET_NAME "avx_vnni-simde"
#define SET int8_kernels_avx_vnni_simde
#define EMULATED 1
#ifdef __x86_64__
#define AVX2 __attribute__((target("avx2")))
#else
#define AVX2 /* another CPU: SIMDe in its own vectors */
#endif
#elif defined INT8_AVX_VNNI
#include <cpuid.h>
#include <immintrin.h>
#define SET_NAME "avx_vnni"
#define SET int8_kernels_avx_vnni
#define EMULATED 0
#define AVX2 __attribute__((target("avx2,avxvnni")))
#else
#include <immintrin.h>
#define SET_NAME "avx2"
#define SET int8_kernels_avx2
#define EMULATED 0
#define AVX2 __attribute__((target("avx2")))
#endif
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "darknet_layers.h" /* NN_MAX_KERNEL */
#include "int8_kernels.h"
#include "int8_simd256.h"
#include "int8_packing.h"

/* Output pixels per GEMM step: the accumulators of MR pixels x 2 blocks, the
 * two blocks' weights and the broadcast input fill the 16 registers (the
 * AVX2 form needs two more for vpmaddubsw's product and the ones). */
#ifdef INT8_AVX_VNNI
#define MR 6
/* acc + the sums of four products of unsigned x and signed w bytes: vpdpbusd */
#define DOT_U8S8(acc, x, w, ones) ((void)(ones), _mm256_dpbusd_avx_epi32(acc, x, w))
/* acc + the sums of two products of int16 pairs: vpdpwssd */
#define DOT_S16(acc, a, b) _mm256_dpwssd_avx_epi32(acc, a, b)
#else
#define MR 4
/* vpmaddubsw (pairs into int16: the weights are split so that it cannot
 * saturate) then vpmaddwd with ones */
#define DOT_U8S8(acc, x, w, ones) _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), ones))
#define DOT_S16(acc, a, b) _mm256_add_epi32(acc, _mm256_madd_epi16(a, b))
#endif


/* Four inputs whose residual weights are not all 0 for a block of 8 filters:
 * the residuals as int16 pairs (inputs 4q, 4q+1 | 4q+2, 4q+3) per filter. */
typedef struct {
    __m256i pairs[2];
    int quad;
} residual;

typedef struct {
    int pairs; /* depthwise: tap pairs */
    int quads; /* GEMM: patch length / 4, rounded up */
    int blocks; /* GEMM: blocks of 8 filters; depthwise: blocks of 16 channels */
    int32_t *weights; /* GEMM: [block][quad][filter] 4 int8 each; depthwise: int16 pairs */
    lanes8 *q; /* GEMM: one per block; depthwise: two per block (lo, hi lanes) */
    residual *residuals; /* GEMM: block b's are [first[b], first[b + 1]) */
    int *first;
    ptrdiff_t *taps; /* depthwise: each tap's offset in the input from the window's corner */
} packed;

static int avx2_cpu_has(void)
{
#if !defined __x86_64__
    return 1; /* the SIMDe build on another CPU: portable code, or its own vectors */
#elif defined INT8_SSE41
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.1");
#else
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2"))
        return 0;
#if defined INT8_AVX_VNNI && !EMULATED
    /* AVX-VNNI: CPUID leaf 7, subleaf 1, EAX bit 4 (GCC 12's __builtin_cpu_supports misses it) */
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a >> 4 & 1);
#else
    return 1;
#endif
#endif
}

/* 32-byte aligned memory for n bytes: aligned_alloc wants a whole number of
 * alignments, and at least one (found by the model fuzz target under ASan). */
static void *aligned32(size_t n)
{
    return aligned_alloc(32, (n + 31) / 32 * 32 + (n == 0) * 32);
}


/* An int8 pair (c0, c1) between 0 and (d0, d1) that vpmaddubsw cannot
 * saturate with unsigned bytes (same-signed parts sum at most 128), taking
 * as much of (d0, d1) as that allows. */
static void split_pair(int d0, int d1, int *c0, int *c1)
{
    *c0 = d0 < -128 ? -128 : d0 > 127 ? 127 : d0;
    *c1 = d1 < -128 ? -128 : d1 > 127 ? 127 : d1;
    int same = (*c0 > 0 && *c1 > 0) || (*c0 < 0 && *c1 < 0);
    int a0 = abs(*c0), a1 = abs(*c1);
#ifdef INT8_AVX_VNNI
    same = 0; /* vpdpbusd adds in int32: nothing saturates, each weight is clamped alone */
#endif
    if (!same || a0 + a1 <= 128)
        return;
    int s = *c0 > 0 ? 1 : -1; /* shares: the smaller keeps its value up to 64, the larger gets the rest */
    int small = a0 < a1 ? a0 : a1, keep_small = small < 64 ? small : 64, keep_large = 128 - keep_small;
    *c0 = s * (a0 < a1 ? keep_small : keep_large);
    *c1 = s * (a0 < a1 ? keep_large : keep_small);
}

static int prepare_gemm(int8_layer *l, packed *p)
{
    p->quads = (l->patch + 3) / 4;
    p->blocks = (l->filters + 7) / 8;
    p->weights = aligned32((size_t)p->blocks * (size_t)p->quads * 8 * sizeof *p->weights);
    p->q = aligned32((size_t)p->blocks * sizeof *p->q);
    p->first = calloc((size_t)p->blocks + 1, sizeof *p->first);
    if (!p->weights || !p->q || !p->first)
        return -1;
    size_t nres = 0, cap = 0;
    for (int b = 0; b < p->blocks; b++) {
        int channel[8];
        for (int j = 0; j < 8; j++)
            channel[j] = b * 8 + j;
        lanes8_params(l, channel, 1, &p->q[b]);
        p->first[b] = (int)nres;
        for (int k = 0; k < p->quads; k++) {
            int16_t r[8][4] = {{0}};
            int any = 0;
            for (int j = 0; j < 8; j++) {
                int o = b * 8 + j, d[4] = {0, 0, 0, 0}, c[4];
                for (int h = 0; h < 4 && o < l->filters && 4 * k + h < l->patch; h++)
                    d[h] = l->weights[(size_t)o * (size_t)l->patch + (size_t)(4 * k + h)] - l->weight_zps[o];
                split_pair(d[0], d[1], &c[0], &c[1]);
                split_pair(d[2], d[3], &c[2], &c[3]);
                int8_t bytes[4];
                for (int h = 0; h < 4; h++) {
                    bytes[h] = (int8_t)c[h];
                    r[j][h] = (int16_t)(d[h] - c[h]);
                    any |= r[j][h] != 0;
                }
                memcpy(&p->weights[((size_t)b * (size_t)p->quads + (size_t)k) * 8 + (size_t)j], bytes, 4);
            }
            if (!any)
                continue;
            if (nres == cap) {
                /* grown by hand: realloc would not keep the vectors' 32-byte alignment */
                residual *more = aligned32((cap = cap ? 2 * cap : 16) * sizeof *more);
                if (!more)
                    return -1;
                if (nres)
                    memcpy(more, p->residuals, nres * sizeof *more);
                free(p->residuals);
                p->residuals = more;
            }
            int32_t lo[8], hi[8];
            for (int j = 0; j < 8; j++) {
                lo[j] = int8_pair16(r[j][0], r[j][1]);
                hi[j] = int8_pair16(r[j][2], r[j][3]);
            }
            memcpy(&p->residuals[nres].pairs[0], lo, 32);
            memcpy(&p->residuals[nres].pairs[1], hi, 32);
            p->residuals[nres++].quad = k;
        }
    }
    p->first[p->blocks] = (int)nres;
    return 0;
}

static int prepare_depthwise(int8_layer *l, packed *p)
{
    int taps = l->size * l->size;
    p->pairs = (taps + 1) / 2;
    p->blocks = (l->filters + 15) / 16; /* the last may be partial: its lanes past the channels weigh 0 */
    p->weights = aligned32(((size_t)p->blocks * (size_t)p->pairs * 16 + 1) * sizeof *p->weights);
    p->q = aligned32(((size_t)p->blocks * 2 + 1) * sizeof *p->q);
    p->taps = malloc((size_t)(2 * p->pairs) * sizeof *p->taps);
    if (!p->weights || !p->q || !p->taps)
        return -1;
    for (int t = 0; t < 2 * p->pairs; t++)
        p->taps[t] = t < taps ? ((ptrdiff_t)(t / l->size) * l->in.w + t % l->size) * l->in.c : 0;
    for (int b = 0; b < p->blocks; b++) {
        for (int half = 0; half < 2; half++) {
            int channel[8];
            for (int j = 0; j < 8; j++)
                channel[j] = int8_paired_channel(b, 16, half, j);
            lanes8_params(l, channel, 0, &p->q[2 * b + half]);
        }
        int8_depthwise_pairs(l, b, 16, p->pairs, p->weights + (size_t)b * (size_t)p->pairs * 16);
    }
    return 0;
}

static int avx2_prepare(int8_layer *l)
{
    if (l->op != INT8_CONV && l->op != INT8_DEPTHWISE)
        return simd256_prepare(l);
    packed *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    l->packed = p;
    return l->op == INT8_CONV ? prepare_gemm(l, p) : prepare_depthwise(l, p);
}

static void avx2_release(int8_layer *l)
{
    if (l->op != INT8_CONV && l->op != INT8_DEPTHWISE) {
        simd256_release(l);
        return;
    }
    packed *p = l->packed;
    if (p) {
        free(p->weights);
        free(p->q);
        free(p->residuals);
        free(p->first);
        free(p->taps);
        free(p);
    }
    l->packed = NULL;
}


/* n bytes to int16 (x - zx). */
AVX2 static inline void widen(const uint8_t *x, int n, int zero_point, int16_t *a)
{
    const __m256i zx = _mm256_set1_epi16((int16_t)zero_point);
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(a + i),
                            _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x + i))), zx));
    if (i < n) { /* the rest through a buffer, so that nothing outside x or a is touched */
        uint8_t tail[16] = {0};
        int16_t wide[16];
        memcpy(tail, x + i, (size_t)(n - i));
        _mm256_storeu_si256((__m256i *)wide,
                            _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)tail)), zx));
        memcpy(a + i, wide, (size_t)(n - i) * sizeof *a);
    }
}

/* Requantizes and stores the 8 accumulators of filter block b for one pixel. */
AVX2 static inline void store_block(const int8_layer *l, const packed *p, __m256i acc, int b, uint8_t *pixel_out)
{
    const __m256i zp = _mm256_set1_epi32(l->out_zp), lo = _mm256_set1_epi32(l->act_min),
                  hi = _mm256_set1_epi32(l->act_max);
    int first = b * 8, n = l->filters - first < 8 ? l->filters - first : 8;
    __m128i v = bytes8(requantize8(acc, &p->q[b], zp, lo, hi));
    if (n == 8) {
        _mm_storel_epi64((__m128i *)(pixel_out + first), v);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, v);
        memcpy(pixel_out + first, tmp, (size_t)n);
    }
}

/* Four input bytes as one int32, to broadcast. */
static inline int32_t quad_at(const uint8_t *x)
{
    int32_t v;
    memcpy(&v, x, 4);
    return v;
}

/* Block b's residual products for one pixel's patch x. */
AVX2 static inline __m256i add_residuals(__m256i acc, const packed *p, int b, const uint8_t *x)
{
    for (int e = p->first[b]; e < p->first[b + 1]; e++) {
        const uint8_t *v = x + 4 * p->residuals[e].quad;
        __m256i lo = _mm256_set1_epi32(v[0] | v[1] << 16), hi = _mm256_set1_epi32(v[2] | v[3] << 16);
        acc = DOT_S16(acc, lo, p->residuals[e].pairs[0]);
        acc = DOT_S16(acc, hi, p->residuals[e].pairs[1]);
    }
    return acc;
}

/* MR (4 or 6) pixels, their patches `stride` bytes apart, x filter blocks b
 * and b+1 (when `two`): 2 MR accumulators; each step one quad of every patch
 * (broadcast) times the blocks' quads of clamped weights. Written out
 * register by register: as an array, GCC shuffles them. */
#define ROW(r)                                                                                                         \
    x = _mm256_set1_epi32(quad_at(a##r + 4 * k));                                                                      \
    c##r##0 = DOT_U8S8(c##r##0, x, b0, ones);                                                                          \
    c##r##1 = DOT_U8S8(c##r##1, x, b1, ones);

AVX2 static void gemm_tile(const int8_layer *l, const packed *p, const uint8_t *a, size_t stride, int rows, int b,
                           int two, uint8_t *out)
{
    const __m256i ones = _mm256_set1_epi16(1);
    int K = p->quads;
    const int32_t *w0 = p->weights + (size_t)b * (size_t)K * 8, *w1 = two ? w0 + (size_t)K * 8 : w0;
    /* rows past the last compute on the first row's patch and are not stored */
    const uint8_t *a0 = a, *a1 = rows > 1 ? a + stride : a, *a2 = rows > 2 ? a + 2 * stride : a,
                  *a3 = rows > 3 ? a + 3 * stride : a;
    __m256i c00 = p->q[b].bias, c10 = c00, c20 = c00, c30 = c00;
    __m256i c01 = two ? p->q[b + 1].bias : c00, c11 = c01, c21 = c01, c31 = c01;
#if MR == 6
    const uint8_t *a4 = rows > 4 ? a + 4 * stride : a, *a5 = rows > 5 ? a + 5 * stride : a;
    __m256i c40 = c00, c50 = c00, c41 = c01, c51 = c01;
#endif
    for (int k = 0; k < K; k++) {
        __m256i b0 = _mm256_load_si256((const __m256i *)(w0 + (size_t)k * 8));
        __m256i b1 = _mm256_load_si256((const __m256i *)(w1 + (size_t)k * 8));
        __m256i x;
        ROW(0) ROW(1) ROW(2) ROW(3)
#if MR == 6
        ROW(4) ROW(5)
#endif
    }
#if MR == 6
    const uint8_t *patch[MR] = {a0, a1, a2, a3, a4, a5};
    __m256i acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
#else
    const uint8_t *patch[MR] = {a0, a1, a2, a3};
    __m256i acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
#endif
    for (int r = 0; r < rows; r++)
        for (int h = 0; h < 1 + two; h++)
            store_block(l, p, add_residuals(acc[r][h], p, b + h, patch[r]), b + h,
                        out + (size_t)r * (size_t)l->filters);
}
#undef ROW

/* Patches are gathered in chunks of up to CHUNK_BYTES, and each pair of
 * filter blocks runs over a whole chunk before the next: the weights of a
 * pair stay in cache across the chunk, the chunk across the pairs (a late
 * layer's weights, 1024 x 1024 bytes, do not fit). */
#define CHUNK_BYTES (64 << 10)

/* Patches per chunk: 0 when one patch is larger than a chunk (the reference kernel then runs the layer). */
static int chunk_patches(const int8_layer *l)
{
    return (int)(CHUNK_BYTES / (4 * (size_t)((const packed *)l->packed)->quads));
}

AVX2 static void avx2_conv(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    size_t stride = 4 * (size_t)p->quads;
    int chunk = chunk_patches(l);
    if (chunk < 1) {
        int8_reference_conv(l, in, out, y0, y1);
        return;
    }
    uint8_t a[CHUNK_BYTES] __attribute__((aligned(32)));
    int W = l->out.w;
    /* a 1x1 convolution's patches are its input pixels, one after the other */
    int pointwise = l->size == 1 && l->stride == 1 && l->pad_top == 0 && l->pad_left == 0 && l->patch % 4 == 0;
    size_t first = (size_t)y0 * (size_t)W, end = (size_t)y1 * (size_t)W;
    for (size_t c0 = first; c0 < end; c0 += (size_t)chunk) {
        int n = end - c0 < (size_t)chunk ? (int)(end - c0) : chunk;
        const uint8_t *patches = pointwise ? in + c0 * stride : a;
        if (!pointwise)
            int8_load_patches(l, in, c0, n, p->quads, a);
        for (int b = 0; b < p->blocks; b += 2)
            for (int r = 0; r < n; r += MR)
                gemm_tile(l, p, patches + (size_t)r * stride, stride, n - r < MR ? n - r : MR, b, b + 1 < p->blocks,
                          out + (c0 + (size_t)r) * (size_t)l->filters);
    }
}

/* 16 channels of one tap as int16 (x - zx). */
AVX2 static inline __m256i tap16(const uint8_t *x, __m256i zx)
{
    return _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)x)), zx);
}

/* One output pixel's channels [16 b, 16 b + 16). corner: the input at the
 * window's top-left tap; `inside` when every tap is in the map, else taps
 * outside it count zero. */
AVX2 static inline void depthwise16(const int8_layer *l, const packed *p, const uint8_t *corner, int iy0, int ix0,
                                    int inside, int b, uint8_t *dst)
{
    const __m256i zx = _mm256_set1_epi16((int16_t)l->in_zp), zp = _mm256_set1_epi32(l->out_zp),
                  lo = _mm256_set1_epi32(l->act_min), hi = _mm256_set1_epi32(l->act_max);
    const __m256i *w = (const __m256i *)(p->weights + (size_t)b * (size_t)p->pairs * 16);
    const uint8_t *x = corner + b * 16;
    int taps = l->size * l->size;
    __m256i acc_lo = p->q[2 * b].bias, acc_hi = p->q[2 * b + 1].bias;
    for (int k = 0; k < p->pairs; k++) {
        __m256i x0, x1;
        if (inside) {
            x0 = tap16(x + p->taps[2 * k], zx);
            x1 = 2 * k + 1 < taps ? tap16(x + p->taps[2 * k + 1], zx) : _mm256_setzero_si256();
        } else {
            __m256i v[2];
            for (int h = 0; h < 2; h++) {
                int t = 2 * k + h, iy = iy0 + t / l->size, ix = ix0 + t % l->size;
                v[h] = t < taps && iy >= 0 && iy < l->in.h && ix >= 0 && ix < l->in.w ? tap16(x + p->taps[t], zx)
                                                                                       : _mm256_setzero_si256();
            }
            x0 = v[0];
            x1 = v[1];
        }
        __m256i lo_pairs = _mm256_unpacklo_epi16(x0, x1), hi_pairs = _mm256_unpackhi_epi16(x0, x1);
        acc_lo = DOT_S16(acc_lo, lo_pairs, _mm256_load_si256(w + 2 * k));
        acc_hi = DOT_S16(acc_hi, hi_pairs, _mm256_load_si256(w + 2 * k + 1));
    }
    __m256i r_lo = requantize8(acc_lo, &p->q[2 * b], zp, lo, hi);
    __m256i r_hi = requantize8(acc_hi, &p->q[2 * b + 1], zp, lo, hi);
    /* packs interleaves the lanes back: int16 channels 0-7 | 8-15, then bytes */
    __m256i w16 = _mm256_packs_epi32(r_lo, r_hi);
    __m256i b8 = _mm256_permute4x64_epi64(_mm256_packus_epi16(w16, w16), 0x08);
    _mm_storeu_si128((__m128i *)(dst + b * 16), _mm256_castsi256_si128(b8));
}

/* The kernel rows of one output row, as int16 (x - zx) with zeros for the
 * padding: each input row converted once per output row instead of once per
 * tap. Up to ROWS_BYTES; a layer needing more takes the per-tap path. */
#define ROWS_BYTES (96 << 10)

/* size: the kernel's, passed as a constant for 3x3 so that the tap loop unrolls */
AVX2 static inline __attribute__((always_inline)) void depthwise_rows(const int8_layer *l, const packed *p,
                                                                      const uint8_t *in, uint8_t *out, int y0, int y1,
                                                                      int size)
{
    const __m256i zp = _mm256_set1_epi32(l->out_zp), lo = _mm256_set1_epi32(l->act_min),
                  hi = _mm256_set1_epi32(l->act_max);
    int C = l->in.c, taps = size * size, pairs = (taps + 1) / 2, width = (l->out.w - 1) * l->stride + size;
    size_t row = (size_t)width * (size_t)C;
    int16_t rows[ROWS_BYTES / 2] __attribute__((aligned(32)));
    size_t off[2 * (NN_MAX_KERNEL * NN_MAX_KERNEL + 1) / 2 + 1]; /* each tap's offset in `rows` */
    for (int t = 0; t < 2 * pairs; t++)
        off[t] = t < taps ? (size_t)(t / size) * row + (size_t)(t % size) * (size_t)C : 0;
    for (int oy = y0; oy < y1; oy++) {
        for (int ky = 0; ky < size; ky++) {
            int16_t *r = rows + (size_t)ky * row;
            int iy = oy * l->stride - l->pad_top + ky, x0 = l->pad_left;
            int x1 = l->in.w + l->pad_left < width ? l->in.w + l->pad_left : width; /* map columns in the row */
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
                const __m256i *w = (const __m256i *)(p->weights + (size_t)b * (size_t)pairs * 16);
                const int16_t *x = rows + (size_t)(ox * l->stride) * (size_t)C + (size_t)b * 16;
                __m256i acc_lo = p->q[2 * b].bias, acc_hi = p->q[2 * b + 1].bias;
                for (int k = 0; k < pairs; k++) {
                    /* unaligned where the channels are not whole blocks */
                    __m256i v0 = _mm256_loadu_si256((const __m256i *)(x + off[2 * k]));
                    __m256i v1 = 2 * k + 1 < taps ? _mm256_loadu_si256((const __m256i *)(x + off[2 * k + 1]))
                                                  : _mm256_setzero_si256();
                    acc_lo = DOT_S16(acc_lo, _mm256_unpacklo_epi16(v0, v1), w[2 * k]);
                    acc_hi = DOT_S16(acc_hi, _mm256_unpackhi_epi16(v0, v1), w[2 * k + 1]);
                }
                __m256i w16 = _mm256_packs_epi32(requantize8(acc_lo, &p->q[2 * b], zp, lo, hi),
                                                 requantize8(acc_hi, &p->q[2 * b + 1], zp, lo, hi));
                __m256i b8 = _mm256_permute4x64_epi64(_mm256_packus_epi16(w16, w16), 0x08);
                if (b * 16 + 16 <= C) {
                    _mm_storeu_si128((__m128i *)(dst + b * 16), _mm256_castsi256_si128(b8));
                } else { /* a partial block: its lanes past the channels would overwrite the next pixel's */
                    uint8_t part[16];
                    _mm_storeu_si128((__m128i *)part, _mm256_castsi256_si128(b8));
                    memcpy(dst + b * 16, part, (size_t)(C - b * 16));
                }
            }
    }
}

/* Whether a depthwise layer's rows fit the ring of depthwise_rows. */
static int rows_fit(const int8_layer *l)
{
    /* + 32: a partial block reads up to 15 lanes past the last row's channels (weighing 0) */
    return (size_t)l->size * (size_t)((l->out.w - 1) * l->stride + l->size) * (size_t)l->in.c * 2 + 32 <= ROWS_BYTES;
}

AVX2 static void avx2_depthwise(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    int C = l->in.c;
    if (rows_fit(l)) {
        if (l->size == 3)
            depthwise_rows(l, p, in, out, y0, y1, 3);
        else
            depthwise_rows(l, p, in, out, y0, y1, l->size);
        return;
    }
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            int iy0 = oy * l->stride - l->pad_top, ix0 = ox * l->stride - l->pad_left;
            int inside = iy0 >= 0 && ix0 >= 0 && iy0 + l->size <= l->in.h && ix0 + l->size <= l->in.w;
            /* the corner may lie outside the map; only taps inside it are read */
            const uint8_t *corner = in + ((ptrdiff_t)iy0 * l->in.w + ix0) * C;
            uint8_t *dst = out + ((size_t)oy * (size_t)l->out.w + (size_t)ox) * (size_t)C;
            for (int b = 0; b < C / 16; b++) /* whole blocks: a partial one would read past the input */
                depthwise16(l, p, corner, iy0, ix0, inside, b, dst);
        }
    if (C % 16)
        int8_reference_depthwise_channels(l, in, out, y0, y1, C / 16 * 16, C);
}

static int avx2_whole(const int8_layer *l)
{
    if (l->op == INT8_CONV)
        return chunk_patches(l) >= 1;
    if (l->op == INT8_DEPTHWISE) /* the per-tap path leaves a partial block to the reference kernel */
        return rows_fit(l) || l->in.c % 16 == 0;
    return 1;
}

const int8_kernels SET = {
    .name = SET_NAME,
    .emulated = EMULATED,
    .cpu_has = avx2_cpu_has,
    .prepare = avx2_prepare,
    .release = avx2_release,
    .conv = avx2_conv,
    .depthwise = avx2_depthwise,
    .add = simd256_add,
    .maxpool = simd256_maxpool,
    .avgpool = simd256_pool,
    .mean = simd256_pool,
    .whole = avx2_whole,
};
