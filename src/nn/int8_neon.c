/* The NEON integer kernels of arm64: the same bytes as int8_reference.c.
 * Compiled four times (src/meson.build): `neon` (ARMv8.0's widening
 * multiply-accumulate, every arm64 CPU) and, with -DINT8_DOTPROD and
 * +dotprod, `neon_dotprod` (ARMv8.2's UDOT: Cortex-A76 / Pi 5, Neoverse /
 * Graviton 2+, Apple M1+), natively on aarch64 only; and both against SIMDe
 * (`neon-simde`, `neon_dotprod-simde`), which the tests run on every machine.
 *
 * Accumulators are int32 as in TFLite, every product exact. The
 * requantization is TFLite's NEON form, which equals its reference:
 * gemmlowp's rounding doubling high multiply (vqrdmulh's result, computed
 * as a rounded 64-bit product: qrdmulh4), its rounding divide by 2^right
 * vrshl after a -1 for negative values; the single
 * rounding of the int8 family's convolutions is a 64-bit product rounded
 * by vrshl in one step.
 *
 * Convolutions are a GEMM of 4 output pixels x 16 filters per tile over the
 * raw uint8 patch x. `neon` takes the centred weights d = w - zw as int16
 * and x widened to int16, eight inputs a step (vmlal by lane): sum x d, the
 * bias holding -zx sum d (padding taps read zx, and so count 0).
 * `neon_dotprod` takes the raw weight bytes, four a step (vdot of unsigned
 * bytes): sum x w and the pixel's sum x, so that
 *   sum (x - zx)(w - zw) = sum x w - zw sum x - zx sum (w - zw);
 * the uint32 sums are exact modulo 2^32, as int32 arithmetic is.
 * A 1x1 layer reads its input pixels in place; others gather patches into a
 * chunk that each filter block runs over (int8_load_patches).
 *
 * Depthwise layers: 8 channels of (x - zx) as int16 times the centred
 * weights, vmlal per tap, only the taps inside the map; a last partial block
 * of channels through a buffer. The residual ADD rescales each input and the
 * sum in the same NEON form; the max pool, the global average pool and MEAN
 * take 16 channels at a time (a last partial group through a buffer). */
#if defined INT8_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/arm/neon.h>
#define EMULATED 1
#ifdef INT8_DOTPROD
#define SET_NAME "neon_dotprod-simde"
#define SET int8_kernels_neon_dotprod_simde
#else
#define SET_NAME "neon-simde"
#define SET int8_kernels_neon_simde
#endif
#else
#include <arm_neon.h>
#include <sys/auxv.h>
#define EMULATED 0
#ifdef INT8_DOTPROD
#define SET_NAME "neon_dotprod"
#define SET int8_kernels_neon_dotprod
#else
#define SET_NAME "neon"
#define SET int8_kernels_neon
#endif
#endif
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "int8_kernels.h"
#include "int8_packing.h"

#define MR 4 /* output pixels per tile */
#define NR 16 /* filters per block */
#define DW 8 /* depthwise channels per block */
#ifdef INT8_DOTPROD
#define DEPTH_STEP 4 /* patch bytes per step: one UDOT */
#else
#define DEPTH_STEP 8 /* eight lanes of one int16x8 input vector */
#endif

typedef struct {
    int depth; /* GEMM: the patch rounded up to DEPTH_STEP bytes (zeros past it) */
    int blocks; /* GEMM: blocks of NR filters; depthwise: of DW channels */
    int channels; /* the filters rounded up to a whole block: the length of the arrays below */
    /* GEMM, dotprod: the weight bytes, [block][depth / 4][NR][4]; GEMM, neon:
     * w - zw as int16, [block][depth][NR]; depthwise: w - zw, [tap][channels] */
    void *weights;
    /* int8_lane_table's rows for every channel; bias, multiplier and left
     * point into it (the GEMM's bias holds -zx sum (w - zw)) */
    int32_t *lanes;
    const int32_t *bias, *multiplier, *left;
    int32_t *neg_right; /* gemmlowp's rounding divide, as vrshl's shift: -right */
    int32_t *zw; /* GEMM, dotprod: the weight zero points */
    int64_t *neg_total; /* single rounding: -(31 - shift) */
} packed;

static int neon_cpu_has(void)
{
#if EMULATED
    return 1;
#elif defined INT8_DOTPROD
    return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
    return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#endif
}

static void *aligned16(size_t n)
{
    return aligned_alloc(16, (n + 15) / 16 * 16 + (n == 0) * 16);
}

/* Each channel's requantization constants (int8_lane_table's, and the
 * forms vrshl takes), zero past the filters (their lanes are never stored). */
static int prepare_constants(const int8_layer *l, packed *p, int fold_input_zp)
{
    size_t n = (size_t)p->channels;
    int *channel = calloc(n ? n : 1, sizeof *channel);
    p->lanes = aligned16(INT8_LANE_ROWS * n * sizeof *p->lanes);
    p->zw = aligned16(n * sizeof *p->zw);
    p->neg_right = aligned16(n * sizeof *p->neg_right);
    p->neg_total = aligned16(n * sizeof *p->neg_total);
    if (!channel || !p->lanes || !p->zw || !p->neg_right || !p->neg_total) {
        free(channel);
        return -1;
    }
    for (size_t o = 0; o < n; o++)
        channel[o] = (int)o;
    int8_lane_table(l, channel, (int)n, fold_input_zp, p->lanes);
    free(channel);
    p->bias = p->lanes;
    p->multiplier = p->lanes + n;
    p->left = p->lanes + 3 * n;
    for (size_t o = 0; o < n; o++) {
        int real = o < (size_t)l->filters;
        p->neg_right[o] = -p->lanes[4 * n + o];
        p->zw[o] = real ? l->weight_zps[o] : 0;
        p->neg_total[o] = real ? -(31 - l->shifts[o]) : 0;
    }
    return 0;
}

static int prepare_gemm(const int8_layer *l, packed *p)
{
    p->depth = (l->patch + DEPTH_STEP - 1) / DEPTH_STEP * DEPTH_STEP;
    p->blocks = (l->filters + NR - 1) / NR;
    p->channels = p->blocks * NR;
    size_t count = (size_t)p->channels * (size_t)p->depth;
#ifdef INT8_DOTPROD
    uint8_t *w = p->weights = aligned16(count);
#else
    int16_t *w = p->weights = aligned16(count * sizeof(int16_t));
#endif
    if (!w)
        return -1;
    for (int b = 0; b < p->blocks; b++)
        for (int k = 0; k < p->depth; k++)
            for (int j = 0; j < NR; j++) {
                int o = b * NR + j, in = o < l->filters && k < l->patch;
                int v = in ? l->weights[(size_t)o * (size_t)l->patch + (size_t)k] : 0;
#ifdef INT8_DOTPROD
                w[(((size_t)b * (size_t)(p->depth / 4) + (size_t)(k / 4)) * NR + (size_t)j) * 4 + (size_t)(k % 4)] =
                    (uint8_t)v;
#else
                w[((size_t)b * (size_t)p->depth + (size_t)k) * NR + (size_t)j] =
                    (int16_t)(in ? v - l->weight_zps[o] : 0);
#endif
            }
    return prepare_constants(l, p, 1);
}

static int prepare_depthwise(const int8_layer *l, packed *p)
{
    int taps = l->size * l->size;
    p->blocks = (l->filters + DW - 1) / DW;
    p->channels = p->blocks * DW;
    int16_t *w = p->weights = aligned16((size_t)taps * (size_t)p->channels * sizeof *w);
    if (!w)
        return -1;
    for (int t = 0; t < taps; t++)
        for (int c = 0; c < p->channels; c++)
            w[(size_t)t * (size_t)p->channels + (size_t)c] =
                (int16_t)(c < l->filters ? l->weights[(size_t)c * (size_t)taps + (size_t)t] - l->weight_zps[c] : 0);
    return prepare_constants(l, p, 0);
}

static void neon_release(int8_layer *l)
{
    packed *p = l->packed;
    if (p) {
        free(p->weights);
        free(p->lanes);
        free(p->zw);
        free(p->neg_right);
        free(p->neg_total);
        free(p);
    }
    l->packed = NULL;
}

static int neon_prepare(int8_layer *l)
{
    if (l->op != INT8_CONV && l->op != INT8_DEPTHWISE)
        return 0;
    packed *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    l->packed = p;
    if ((l->op == INT8_CONV ? prepare_gemm(l, p) : prepare_depthwise(l, p)) < 0) {
        neon_release(l);
        return -1;
    }
    return 0;
}

/* Channels [o, o + 4)'s accumulators (bias included) at the output's scale,
 * before its zero point: TFLite's MultiplyByQuantizedMultiplier in its NEON
 * form, or the single rounding. */
/* gemmlowp's SaturatingRoundingDoublingHighMul, vqrdmulh's result, as the
 * 64-bit products rounded, shifted and saturated to 32 bits: (a b + 2^30) >>
 * 31 is (2 a b + 2^31) >> 32. Not vqrdmulh itself: SIMDe 0.7.4's portable
 * form of it shifts a negative product left (undefined: UBSan stops there)
 * and does not saturate, and one form for both builds is what the SIMDe
 * tests then prove. */
static inline int32x4_t qrdmulh4(int32x4_t a, int32x4_t b)
{
    int64x2_t lo = vmull_s32(vget_low_s32(a), vget_low_s32(b)), hi = vmull_high_s32(a, b);
    return vcombine_s32(vqrshrn_n_s64(lo, 31), vqrshrn_n_s64(hi, 31));
}

/* MultiplyByQuantizedMultiplier lane by lane: x shifted left, the rounding
 * doubling high multiply, the rounding divide by 2^-neg_right (ties away
 * from zero: one less first where x < 0 and there is a right shift). */
static inline int32x4_t rescale4(int32x4_t x, int32x4_t multiplier, int32x4_t left, int32x4_t neg_right)
{
    x = qrdmulh4(vshlq_s32(x, left), multiplier);
    int32x4_t fixup = vshrq_n_s32(vandq_s32(x, neg_right), 31);
    return vrshlq_s32(vqaddq_s32(x, fixup), neg_right);
}

static inline int32x4_t scale4(const int8_layer *l, const packed *p, int32x4_t acc, size_t o)
{
    int32x4_t m = vld1q_s32(p->multiplier + o);
    if (l->single_rounding) {
        int64x2_t lo = vrshlq_s64(vmull_s32(vget_low_s32(acc), vget_low_s32(m)), vld1q_s64(p->neg_total + o));
        int64x2_t hi = vrshlq_s64(vmull_high_s32(acc, m), vld1q_s64(p->neg_total + o + 2));
        return vcombine_s32(vmovn_s64(lo), vmovn_s64(hi));
    }
    return rescale4(acc, m, vld1q_s32(p->left + o), vld1q_s32(p->neg_right + o));
}

/* Eight requantized channels from o on, as 16-bit values in 0..255. */
static inline int16x8_t output8(const int8_layer *l, const packed *p, int32x4_t a0, int32x4_t a1, size_t o)
{
    const int32x4_t zp = vdupq_n_s32(l->out_zp), lo = vdupq_n_s32(l->act_min), hi = vdupq_n_s32(l->act_max);
    int32x4_t r0 = vminq_s32(vmaxq_s32(vaddq_s32(scale4(l, p, a0, o), zp), lo), hi);
    int32x4_t r1 = vminq_s32(vmaxq_s32(vaddq_s32(scale4(l, p, a1, o + 4), zp), lo), hi);
    return vcombine_s16(vqmovn_s32(r0), vqmovn_s32(r1));
}

/* Stores the first n (<= 16) of a block's bytes. */
static inline void store_part(uint8_t *dst, uint8x16_t v, int n)
{
    if (n == 16) {
        vst1q_u8(dst, v);
    } else {
        uint8_t tmp[16];
        vst1q_u8(tmp, v);
        memcpy(dst, tmp, (size_t)n);
    }
}

/* Requantizes and stores a pixel's 16 accumulators of filter block b. */
static inline void store_block(const int8_layer *l, const packed *p, const int32x4_t *acc, int b, uint8_t *pixel)
{
    size_t o = (size_t)b * NR;
    uint8x16_t v = vcombine_u8(vqmovun_s16(output8(l, p, acc[0], acc[1], o)),
                               vqmovun_s16(output8(l, p, acc[2], acc[3], o + 8)));
    store_part(pixel + o, v, l->filters - (int)o < NR ? l->filters - (int)o : NR);
}

/* `rows` (<= MR) pixels whose patches lie `stride` bytes apart from a, times
 * filter block b: out receives each pixel's bytes of the block. Rows past
 * `rows` compute on the first row's patch and are not stored. */
static void gemm_tile(const int8_layer *l, const packed *p, const uint8_t *a, size_t stride, int rows, int b,
                      uint8_t *out)
{
    const uint8_t *x[MR];
    for (int r = 0; r < MR; r++)
        x[r] = r < rows ? a + (size_t)r * stride : a;
    int32x4_t acc[MR][4];
    const int32_t *bias = p->bias + (size_t)b * NR;
#ifdef INT8_DOTPROD
    const uint8_t *w = (const uint8_t *)p->weights + (size_t)b * (size_t)p->depth * NR;
    uint32x4_t s[MR][4], sx[MR];
    const uint8x16_t ones = vdupq_n_u8(1);
    for (int r = 0; r < MR; r++) {
        sx[r] = vdupq_n_u32(0);
        for (int j = 0; j < 4; j++)
            s[r][j] = vdupq_n_u32(0);
    }
    for (int k = 0; k < p->depth; k += 4, w += 4 * NR) {
        uint8x16_t w0 = vld1q_u8(w), w1 = vld1q_u8(w + 16), w2 = vld1q_u8(w + 32), w3 = vld1q_u8(w + 48);
        for (int r = 0; r < MR; r++) {
            uint32_t quad;
            memcpy(&quad, x[r] + k, 4);
            uint8x16_t q = vreinterpretq_u8_u32(vdupq_n_u32(quad));
            s[r][0] = vdotq_u32(s[r][0], w0, q);
            s[r][1] = vdotq_u32(s[r][1], w1, q);
            s[r][2] = vdotq_u32(s[r][2], w2, q);
            s[r][3] = vdotq_u32(s[r][3], w3, q);
            sx[r] = vdotq_u32(sx[r], ones, q);
        }
    }
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < 4; j++) /* bias + sum x w - zw sum x */
            acc[r][j] = vmlsq_s32(vaddq_s32(vld1q_s32(bias + 4 * j), vreinterpretq_s32_u32(s[r][j])),
                                  vld1q_s32(p->zw + (size_t)b * NR + 4 * (size_t)j), vreinterpretq_s32_u32(sx[r]));
#else
    const int16_t *w = (const int16_t *)p->weights + (size_t)b * (size_t)p->depth * NR;
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < 4; j++)
            acc[r][j] = vld1q_s32(bias + 4 * j);
    for (int k = 0; k < p->depth; k += 8) {
        int16x8_t v[MR];
        for (int r = 0; r < MR; r++)
            v[r] = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(x[r] + k)));
#define STEP(i)                                                                                                        \
    {                                                                                                                  \
        int16x8_t wa = vld1q_s16(w + (size_t)(k + i) * NR), wb = vld1q_s16(w + (size_t)(k + i) * NR + 8);            \
        for (int r = 0; r < MR; r++) {                                                                                 \
            acc[r][0] = vmlal_laneq_s16(acc[r][0], vget_low_s16(wa), v[r], i);                                         \
            acc[r][1] = vmlal_laneq_s16(acc[r][1], vget_high_s16(wa), v[r], i);                                        \
            acc[r][2] = vmlal_laneq_s16(acc[r][2], vget_low_s16(wb), v[r], i);                                         \
            acc[r][3] = vmlal_laneq_s16(acc[r][3], vget_high_s16(wb), v[r], i);                                        \
        }                                                                                                              \
    }
        STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
#undef STEP
    }
#endif
    for (int r = 0; r < rows; r++)
        store_block(l, p, acc[r], b, out + (size_t)r * (size_t)l->filters);
}

/* Patches gathered per chunk: each filter block runs over a whole chunk. */
#define CHUNK_BYTES (64 << 10)

static int chunk_patches(const int8_layer *l)
{
    return (int)(CHUNK_BYTES / (size_t)((const packed *)l->packed)->depth);
}

static void neon_conv(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    int chunk = chunk_patches(l);
    if (chunk < 1) {
        int8_reference_conv(l, in, out, y0, y1);
        return;
    }
    uint8_t a[CHUNK_BYTES] __attribute__((aligned(16)));
    size_t stride = (size_t)p->depth;
    /* a 1x1 convolution's patches are its input pixels, one after the other */
    int pointwise = l->size == 1 && l->stride == 1 && l->pad_top == 0 && l->pad_left == 0 && l->patch == p->depth;
    size_t first = (size_t)y0 * (size_t)l->out.w, end = (size_t)y1 * (size_t)l->out.w;
    for (size_t c0 = first; c0 < end; c0 += (size_t)chunk) {
        int n = end - c0 < (size_t)chunk ? (int)(end - c0) : chunk;
        const uint8_t *patches = pointwise ? in + c0 * stride : a;
        if (!pointwise)
            int8_load_patches(l, in, c0, n, p->depth / 4, a);
        for (int b = 0; b < p->blocks; b++)
            for (int r = 0; r < n; r += MR)
                gemm_tile(l, p, patches + (size_t)r * stride, stride, n - r < MR ? n - r : MR, b,
                          out + (c0 + (size_t)r) * (size_t)l->filters);
    }
}

/* Eight channels of one tap from x, as int16 x - zx; n < 8 of them through a buffer (the rest 0). */
static inline int16x8_t tap8(const uint8_t *x, int n, int16x8_t zx)
{
    uint8x8_t v;
    if (n >= 8) {
        v = vld1_u8(x);
    } else {
        uint8_t part[8];
        memset(part, 0, sizeof part);
        memcpy(part, x, (size_t)n);
        v = vld1_u8(part);
    }
    return vsubq_s16(vreinterpretq_s16_u16(vmovl_u8(v)), zx);
}

static void neon_depthwise(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    const packed *p = l->packed;
    const int16_t *weights = p->weights;
    const int16x8_t zx = vdupq_n_s16((int16_t)l->in_zp);
    size_t C = (size_t)l->in.c;
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            /* the taps inside the map: those outside read zx, and count 0 */
            int8_window win = int8_window_at(l, oy, ox);
            uint8_t *dst = out + ((size_t)oy * (size_t)l->out.w + (size_t)ox) * C;
            for (int b = 0; b < p->blocks; b++) {
                size_t c = (size_t)b * DW;
                int n = (int)(C - c < DW ? C - c : DW);
                int32x4_t lo = vld1q_s32(p->bias + c), hi = vld1q_s32(p->bias + c + 4);
                for (int ky = win.ky0; ky < win.ky1; ky++)
                    for (int kx = win.kx0; kx < win.kx1; kx++) {
                        const uint8_t *x =
                            in + ((size_t)(win.iy0 + ky) * (size_t)l->in.w + (size_t)(win.ix0 + kx)) * C + c;
                        int16x8_t v = tap8(x, n, zx);
                        int16x8_t w = vld1q_s16(weights + (size_t)(ky * l->size + kx) * (size_t)p->channels + c);
                        lo = vmlal_s16(lo, vget_low_s16(v), vget_low_s16(w));
                        hi = vmlal_s16(hi, vget_high_s16(v), vget_high_s16(w));
                    }
                uint8x8_t bytes = vqmovun_s16(output8(l, p, lo, hi, c));
                if (n == DW) {
                    vst1_u8(dst + c, bytes);
                } else {
                    uint8_t tmp[8];
                    vst1_u8(tmp, bytes);
                    memcpy(dst + c, tmp, (size_t)n);
                }
            }
        }
}

/* n (<= 16) bytes from x; fewer than 16 through a buffer, the rest 0. */
static inline uint8x16_t load_part(const uint8_t *x, size_t n)
{
    if (n >= 16)
        return vld1q_u8(x);
    uint8_t part[16];
    memset(part, 0, sizeof part);
    memcpy(part, x, n);
    return vld1q_u8(part);
}

/* Four lanes of one ADD input, rescaled: (x - zp) << left_shift, times its multiplier. */
static inline int32x4_t add_input4(const int8_layer *l, int k, uint16x4_t x)
{
    int32x4_t v = vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(x)), vdupq_n_s32(l->add_zp[k]));
    v = vshlq_s32(v, vdupq_n_s32(l->add_left_shift));
    int s = l->add_shift[k];
    return rescale4(v, vdupq_n_s32(l->add_multiplier[k]), vdupq_n_s32(s > 0 ? s : 0), vdupq_n_s32(s > 0 ? 0 : s));
}

/* Eight elements of an ADD (int8_reference_add), as 16-bit values in 0..255. */
static inline int16x8_t add8(const int8_layer *l, uint8x8_t a, uint8x8_t b)
{
    const int s = l->add_shift[2];
    const int32x4_t m = vdupq_n_s32(l->add_multiplier[2]), left = vdupq_n_s32(s > 0 ? s : 0),
                    right = vdupq_n_s32(s > 0 ? 0 : s), zp = vdupq_n_s32(l->out_zp),
                    lo = vdupq_n_s32(l->act_min), hi = vdupq_n_s32(l->act_max);
    uint16x8_t wa = vmovl_u8(a), wb = vmovl_u8(b);
    int32x4_t r[2];
    for (int h = 0; h < 2; h++) {
        uint16x4_t xa = h ? vget_high_u16(wa) : vget_low_u16(wa), xb = h ? vget_high_u16(wb) : vget_low_u16(wb);
        int32x4_t sum = vaddq_s32(add_input4(l, 0, xa), add_input4(l, 1, xb));
        r[h] = vminq_s32(vmaxq_s32(vaddq_s32(rescale4(sum, m, left, right), zp), lo), hi);
    }
    return vcombine_s16(vqmovn_s32(r[0]), vqmovn_s32(r[1]));
}

static void neon_add(const int8_layer *l, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        size_t k = n - i < 16 ? n - i : 16;
        uint8x16_t va = load_part(a + i, k), vb = load_part(b + i, k);
        uint8x16_t r = vcombine_u8(vqmovun_s16(add8(l, vget_low_u8(va), vget_low_u8(vb))),
                                   vqmovun_s16(add8(l, vget_high_u8(va), vget_high_u8(vb))));
        store_part(out + i, r, (int)k);
    }
}

/* Output rows [y0, y1) of a max pool (int8_reference_maxpool): 16 channels
 * at a time over the window's taps inside the map (0 is max's neutral element). */
static void neon_maxpool(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    size_t C = (size_t)l->in.c;
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            int8_window win = int8_window_at(l, oy, ox);
            uint8_t *dst = out + ((size_t)oy * (size_t)l->out.w + (size_t)ox) * C;
            for (size_t c = 0; c < C; c += 16) {
                size_t n = C - c < 16 ? C - c : 16;
                uint8x16_t m = vdupq_n_u8(0);
                for (int ky = win.ky0; ky < win.ky1; ky++)
                    for (int kx = win.kx0; kx < win.kx1; kx++) {
                        size_t at = (size_t)(win.iy0 + ky) * (size_t)l->in.w + (size_t)(win.ix0 + kx);
                        m = vmaxq_u8(m, load_part(in + at * C + c, n));
                    }
                store_part(dst + c, m, (int)n);
            }
        }
}

/* A global average pool or MEAN (int8_reference_avgpool, _mean): each
 * channel's sum over the map, 16 channels at a time in uint32 lanes (the
 * reference's int32 sums, modulo 2^32 alike), finished by int8_pool_output. */
static void neon_pool(const int8_layer *l, const uint8_t *in, uint8_t *out)
{
    size_t C = (size_t)l->in.c, count = (size_t)l->in.h * (size_t)l->in.w;
    for (size_t c = 0; c < C; c += 16) {
        size_t n = C - c < 16 ? C - c : 16;
        uint32x4_t s[4] = {vdupq_n_u32(0), vdupq_n_u32(0), vdupq_n_u32(0), vdupq_n_u32(0)};
        for (size_t i = 0; i < count; i++) {
            uint8x16_t v = load_part(in + i * C + c, n);
            uint16x8_t lo = vmovl_u8(vget_low_u8(v)), hi = vmovl_u8(vget_high_u8(v));
            s[0] = vaddw_u16(s[0], vget_low_u16(lo));
            s[1] = vaddw_u16(s[1], vget_high_u16(lo));
            s[2] = vaddw_u16(s[2], vget_low_u16(hi));
            s[3] = vaddw_u16(s[3], vget_high_u16(hi));
        }
        uint32_t sums[16];
        for (int j = 0; j < 4; j++)
            vst1q_u32(sums + 4 * j, s[j]);
        for (size_t j = 0; j < n; j++)
            out[c + j] = int8_pool_output(l, (int32_t)sums[j], (int)count);
    }
}

static int neon_whole(const int8_layer *l)
{
    return l->op != INT8_CONV || chunk_patches(l) >= 1;
}

const int8_kernels SET = {
    .name = SET_NAME,
    .emulated = EMULATED,
    .cpu_has = neon_cpu_has,
    .prepare = neon_prepare,
    .release = neon_release,
    .conv = neon_conv,
    .depthwise = neon_depthwise,
    .add = neon_add,
    .maxpool = neon_maxpool,
    .avgpool = neon_pool,
    .mean = neon_pool,
    .whole = neon_whole,
};
