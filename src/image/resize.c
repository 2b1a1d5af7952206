#include "resize.h"

#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../growable.h"

#define PRECISION_BITS 22

/* The filter taps of one axis, for `in` -> `out` pixels: for output i, n[i]
 * weights starting at input index start[i], stored at coeff[i * ksize].
 * Kept between calls: a stream of same-sized frames computes them once. */
typedef struct {
    int in, out, ksize;
    size_t cap_start, cap_n, cap_coeff, cap_wide;
    int *start, *n;
    int32_t *coeff;
    /* For the AVX2 horizontal pass (NULL when not used): per output, `groups`
     * groups of four taps, each tap's weight repeated four times. */
    int32_t *wide;
    int groups;
} taps;

struct resize_workspace {
    taps h, v;
    uint8_t *tmp; /* the horizontal pass's output */
    size_t cap_tmp;
    double *w; /* one output's weights in floating point */
    size_t cap_w;
    int32_t *acc; /* one output row of the vertical pass per thread */
    size_t cap_acc;
    int threads;
};

resize_workspace *resize_workspace_new(void)
{
    resize_workspace *ws = calloc(1, sizeof *ws);
    if (ws)
        ws->threads = 1;
    return ws;
}

void resize_workspace_set_threads(resize_workspace *ws, int threads)
{
    ws->threads = threads > 1 ? threads : 1;
}

static void taps_free(taps *t)
{
    free(t->wide);
    free(t->start);
    free(t->n);
    free(t->coeff);
}

void resize_workspace_free(resize_workspace *ws)
{
    if (!ws)
        return;
    taps_free(&ws->h);
    taps_free(&ws->v);
    free(ws->tmp);
    free(ws->w);
    free(ws->acc);
    free(ws);
}

static double triangle(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

/* Builds t->wide (see taps) for up to three groups of four taps; leaves it
 * NULL for wider kernels or when out of memory (the scalar pass does it all). */
static void taps_widen(taps *t, int out)
{
    int groups = (t->ksize + 3) / 4;
    t->groups = groups;
    if (groups > 3 || reserve_exact((void **)&t->wide, &t->cap_wide, (size_t)out * (size_t)groups * 16,
                              sizeof *t->wide) < 0) {
        free(t->wide);
        t->wide = NULL;
        t->cap_wide = 0;
        return;
    }
    for (int i = 0; i < out; i++)
        for (int x = 0; x < groups * 4; x++) {
            int32_t c = x < t->n[i] ? t->coeff[(size_t)i * (size_t)t->ksize + (size_t)x] : 0;
            for (int lane = 0; lane < 4; lane++)
                t->wide[((size_t)i * (size_t)groups * 4 + (size_t)x) * 4 + (size_t)lane] = c;
        }
}

/* Computes the taps for in -> out (unless they are the ones kept from the
 * last call); wide: also the AVX2 table (taps_widen). */
static int taps_init(resize_workspace *ws, taps *t, int in, int out, int wide)
{
    if (t->in == in && t->out == out)
        return 0;
    double scale = (double)in / out;
    double filterscale = scale > 1.0 ? scale : 1.0;
    double support = filterscale; /* bilinear support is 1, widened when downscaling */
    int ksize = (int)ceil(support) * 2 + 1;
    t->in = t->out = 0; /* invalid until fully computed */
    if (reserve_exact((void **)&t->start, &t->cap_start, (size_t)out, sizeof *t->start) < 0 ||
        reserve_exact((void **)&t->n, &t->cap_n, (size_t)out, sizeof *t->n) < 0 ||
        reserve_exact((void **)&t->coeff, &t->cap_coeff, (size_t)out * (size_t)ksize, sizeof *t->coeff) < 0 ||
        reserve_exact((void **)&ws->w, &ws->cap_w, (size_t)ksize, sizeof *ws->w) < 0)
        return -1;
    t->ksize = ksize;
    memset(t->coeff, 0, (size_t)out * (size_t)ksize * sizeof *t->coeff);
    double *w = ws->w;
    for (int i = 0; i < out; i++) {
        double center = (i + 0.5) * scale;
        /* C casts truncate toward zero, exactly as Pillow computes them. */
        int lo = (int)(center - support + 0.5);
        int hi = (int)(center + support + 0.5);
        if (lo < 0)
            lo = 0;
        if (hi > in)
            hi = in;
        int n = hi - lo;
        double sum = 0.0;
        for (int x = 0; x < n; x++) {
            w[x] = triangle((x + lo - center + 0.5) / filterscale);
            sum += w[x];
        }
        for (int x = 0; x < n; x++) {
            double v = sum != 0.0 ? w[x] / sum : w[x];
            double fixed = v * (1 << PRECISION_BITS);
            t->coeff[(size_t)i * (size_t)ksize + (size_t)x] = (int32_t)(v < 0 ? fixed - 0.5 : fixed + 0.5);
        }
        t->start[i] = lo;
        t->n[i] = n;
    }
    if (wide)
        taps_widen(t, out);
    t->in = in;
    t->out = out;
    return 0;
}

static uint8_t clip8(int32_t acc)
{
    if (acc <= 0)
        return 0;
    if (acc >= (255 << PRECISION_BITS))
        return 255;
    return (uint8_t)(acc >> PRECISION_BITS);
}

/* Output pixels [from, to) of one row, one tap at a time. */
static void horizontal_span(const uint8_t *s, uint8_t *d, int from, int to, const taps *t)
{
    for (int i = from; i < to; i++) {
        const int32_t *k = t->coeff + (size_t)i * (size_t)t->ksize;
        const uint8_t *p = s + (size_t)t->start[i] * 3;
        int32_t r = 1 << (PRECISION_BITS - 1), g = r, b = r;
        for (int x = 0; x < t->n[i]; x++, p += 3) {
            r += p[0] * k[x];
            g += p[1] * k[x];
            b += p[2] * k[x];
        }
        d[3 * i] = clip8(r);
        d[3 * i + 1] = clip8(g);
        d[3 * i + 2] = clip8(b);
    }
}

/* The same with AVX2 for outputs [0, to): four taps at a time, one 16-byte
 * load spread by a byte shuffle to (R, G, B, 0) int32 lanes per pixel, times
 * the tap weights repeated over their four lanes (t->wide), summed in int32
 * exactly as the scalar loop sums: the same integers, so the same bytes. */
__attribute__((target("avx2"))) static void horizontal_span_avx2(const uint8_t *s, uint8_t *d, int to,
                                                                 const taps *t)
{
    const __m128i spread = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    const __m128i round = _mm_setr_epi32(1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1),
                                         1 << (PRECISION_BITS - 1), 0);
    const __m128i zero = _mm_setzero_si128(), top = _mm_set1_epi32(255 << PRECISION_BITS);
    for (int i = 0; i < to; i++) {
        const uint8_t *p = s + (size_t)t->start[i] * 3;
        const __m256i *w = (const __m256i *)(t->wide + (size_t)i * (size_t)t->groups * 16);
        __m256i acc = _mm256_setzero_si256();
        for (int g = 0; g < t->groups; g++, p += 12, w += 2) {
            __m128i px = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), spread);
            __m256i lo = _mm256_cvtepu8_epi32(px), hi = _mm256_cvtepu8_epi32(_mm_srli_si128(px, 8));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(lo, _mm256_loadu_si256(w)));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(hi, _mm256_loadu_si256(w + 1)));
        }
        __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        sum = _mm_add_epi32(sum, round);
        sum = _mm_srai_epi32(_mm_min_epi32(_mm_max_epi32(sum, zero), top), PRECISION_BITS); /* clip8 */
        uint32_t rgb = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(_mm_packus_epi32(sum, zero), zero));
        memcpy(d + 3 * i, &rgb, 3);
    }
}

/* Horizontal pass over `lines` rows of `in` pixels: output pixel i of a row is
 * a weighted sum of n[i] neighbouring input pixels from start[i]. */
static void horizontal_pass(const uint8_t *src, size_t src_stride, int in, uint8_t *dst, size_t dst_stride, int out,
                            int lines, const taps *t, int threads)
{
    /* AVX2 for the outputs whose 16-byte loads stay inside the row. */
    int fast = 0;
    if (t->wide && __builtin_cpu_supports("avx2"))
        while (fast < out && 3 * t->start[fast] + 12 * t->groups + 4 <= 3 * in)
            fast++;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (int line = 0; line < lines; line++) {
        const uint8_t *s = src + (size_t)line * src_stride;
        uint8_t *d = dst + (size_t)line * dst_stride;
        if (fast)
            horizontal_span_avx2(s, d, fast, t);
        horizontal_span(s, d, fast, out, t);
    }
}

/* Vertical pass: output row i is a weighted sum of whole input rows
 * start[i] .. start[i] + n[i] - 1 (counted from row `first` of src), so it
 * runs along rows, contiguous and vectorisable, accumulating in acc (a row per
 * thread). The integer sums are those of Pillow's column-wise loop. */
__attribute__((target_clones("avx2", "default"))) static void vertical_pass(const uint8_t *src, size_t src_stride,
                                                                          int first, uint8_t *dst, int row_bytes,
                                                                          int out, const taps *t, int32_t *accs,
                                                                          int threads)
{
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (int i = 0; i < out; i++) {
        int32_t *acc = accs + (size_t)omp_get_thread_num() * (size_t)row_bytes;
        const int32_t *k = t->coeff + (size_t)i * (size_t)t->ksize;
        for (int x = 0; x < row_bytes; x++)
            acc[x] = 1 << (PRECISION_BITS - 1);
        for (int j = 0; j < t->n[i]; j++) {
            const uint8_t *row = src + (size_t)(t->start[i] - first + j) * src_stride;
            const int32_t kj = k[j];
            for (int x = 0; x < row_bytes; x++)
                acc[x] += row[x] * kj;
        }
        uint8_t *d = dst + (size_t)i * (size_t)row_bytes;
        for (int x = 0; x < row_bytes; x++)
            d[x] = clip8(acc[x]);
    }
}

int resize_bilinear_rgb(resize_workspace *ws, const uint8_t *src, int src_w, int src_h, int src_stride, uint8_t *dst,
                        int dst_w, int dst_h)
{
    const uint8_t *mid = src;
    size_t mid_stride = (size_t)src_stride;
    int first_row = 0;
    if (dst_h != src_h && taps_init(ws, &ws->v, src_h, dst_h, 0) < 0)
        return -1;
    if (dst_w != src_w) {
        /* Horizontal first, over only the rows the vertical pass will read. */
        int row_lo = 0, row_hi = src_h;
        if (dst_h != src_h) {
            row_lo = ws->v.start[0];
            row_hi = ws->v.start[dst_h - 1] + ws->v.n[dst_h - 1];
        }
        if (taps_init(ws, &ws->h, src_w, dst_w, 1) < 0 ||
            reserve_exact((void **)&ws->tmp, &ws->cap_tmp, (size_t)(row_hi - row_lo) * (size_t)dst_w * 3, 1) < 0)
            return -1;
        horizontal_pass(src + (size_t)row_lo * (size_t)src_stride, (size_t)src_stride, src_w, ws->tmp,
                        (size_t)dst_w * 3, dst_w, row_hi - row_lo, &ws->h, ws->threads);
        mid = ws->tmp;
        mid_stride = (size_t)dst_w * 3;
        first_row = row_lo;
    }
    if (dst_h != src_h) {
        if (reserve_exact((void **)&ws->acc, &ws->cap_acc, (size_t)ws->threads * (size_t)dst_w * 3, sizeof *ws->acc) < 0)
            return -1;
        vertical_pass(mid, mid_stride, first_row, dst, dst_w * 3, dst_h, &ws->v, ws->acc, ws->threads);
    } else {
        for (int y = 0; y < dst_h; y++)
            memcpy(dst + (size_t)y * (size_t)dst_w * 3, mid + (size_t)y * mid_stride, (size_t)dst_w * 3);
    }
    return 0;
}
