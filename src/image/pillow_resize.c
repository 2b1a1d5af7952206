#include "pillow_resize.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../growable.h"

#include "../clones.h"

/* The AVX2 span is x86-64's; elsewhere the plain loop (the same bytes) runs. */
#ifdef __x86_64__
#include <immintrin.h>
#endif

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
    uint8_t *row; /* one input row, resized horizontally */
    size_t cap_row;
    double *w; /* one output's weights in floating point */
    size_t cap_w;
    int32_t *acc; /* the vertical pass's sums: one per output byte */
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
    free(ws->row);
    free(ws->w);
    free(ws->acc);
    free(ws);
}

/* Frees a buffer whose capacity (cap elements of size bytes) is over keep bytes. */
static void trim_buffer(void **p, size_t *cap, size_t size, size_t keep)
{
    if (*cap * size > keep) {
        free(*p);
        *p = NULL;
        *cap = 0;
    }
}

static void taps_trim(taps *t, size_t keep)
{
    if (t->cap_coeff * sizeof *t->coeff <= keep && t->cap_wide * sizeof *t->wide <= keep &&
        t->cap_start * sizeof *t->start <= keep)
        return;
    taps_free(t);
    *t = (taps){0};
}

void resize_workspace_trim(resize_workspace *ws, size_t keep)
{
    taps_trim(&ws->h, keep);
    taps_trim(&ws->v, keep);
    trim_buffer((void **)&ws->row, &ws->cap_row, 1, keep);
    trim_buffer((void **)&ws->w, &ws->cap_w, sizeof *ws->w, keep);
    trim_buffer((void **)&ws->acc, &ws->cap_acc, sizeof *ws->acc, keep);
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

/* The same with AVX2 for outputs [from, to): four taps at a time, one 16-byte
 * load spread by a byte shuffle to (R, G, B, 0) int32 lanes per pixel, times
 * the tap weights repeated over their four lanes (t->wide), summed in int32
 * exactly as the scalar loop sums: the same integers, so the same bytes. */
#ifdef __x86_64__
__attribute__((target("avx2"))) static void horizontal_span_avx2(const uint8_t *s, uint8_t *d, int from, int to,
                                                                 const taps *t)
{
    const __m128i spread = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    const __m128i round = _mm_setr_epi32(1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1),
                                         1 << (PRECISION_BITS - 1), 0);
    const __m128i zero = _mm_setzero_si128(), top = _mm_set1_epi32(255 << PRECISION_BITS);
    for (int i = from; i < to; i++) {
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
#endif

/* How many outputs, from the first, the AVX2 span may compute: those whose
 * 16-byte loads stay inside the row (0 without AVX2 or its table). */
static int avx2_outputs(const taps *t, int in, int out)
{
    int fast = 0;
#ifdef __x86_64__
    if (t->wide && __builtin_cpu_supports("avx2"))
        while (fast < out && 3 * t->start[fast] + 12 * t->groups + 4 <= 3 * in)
            fast++;
#else
    (void)t, (void)in, (void)out;
#endif
    return fast;
}

/* Output pixels [from, to) of one row: AVX2 where it may, the rest one tap at a time. */
static void horizontal_row(const uint8_t *s, uint8_t *d, int from, int to, const taps *t, int fast)
{
    int mid = fast < from ? from : fast > to ? to : fast;
#ifdef __x86_64__
    if (mid > from)
        horizontal_span_avx2(s, d, from, mid, t);
#endif
    horizontal_span(s, d, mid, to, t);
}

/* Horizontal pass alone (the height is kept): `lines` rows of `in` pixels
 * straight into dst, rows split over the threads. */
static void horizontal_pass(const uint8_t *src, size_t src_stride, int in, uint8_t *dst, size_t dst_stride, int out,
                            int lines, const taps *t, int threads)
{
    int fast = avx2_outputs(t, in, out);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (int line = 0; line < lines; line++)
        horizontal_row(src + (size_t)line * src_stride, dst + (size_t)line * dst_stride, 0, out, t, fast);
}

/* acc[x] += row[x] * k over n bytes: one input row's share of an output row. */
CLONES_AVX2 static void add_weighted_row(int32_t *acc, const uint8_t *row,
                                                                             int n, int32_t k)
{
    for (int x = 0; x < n; x++)
        acc[x] += row[x] * k;
}

/* The vertical pass, streamed: the input rows the output needs are visited
 * once each, top to bottom. A row is resized horizontally first when the width
 * changes (h not NULL; into ws->row, rounded to uint8 as Pillow's
 * intermediate image is), then added, times its tap weight, into the int32
 * sums of every output row whose taps include it; an output row is written
 * once its last input row is in. Those are the integers of Pillow's vertical
 * pass (the same products, summed in another order), so the bytes are the
 * same, while the memory is one row and the output's sums, not the height of
 * the input. The threads each take a band of output columns (disjoint bytes
 * of the row, the sums and dst), so they need no synchronisation. */
static void stream_rows(resize_workspace *ws, const uint8_t *src, size_t src_stride, int src_w, const taps *h,
                        uint8_t *dst, int dst_w, int dst_h)
{
    const taps *v = &ws->v;
    const int row_bytes = dst_w * 3, row_lo = v->start[0], row_hi = v->start[dst_h - 1] + v->n[dst_h - 1];
    const int fast = h ? avx2_outputs(h, src_w, dst_w) : 0;
#pragma omp parallel num_threads(ws->threads) if (ws->threads > 1)
    {
        int nt = omp_get_num_threads(), tid = omp_get_thread_num();
        int c0 = (int)((long)dst_w * tid / nt), c1 = (int)((long)dst_w * (tid + 1) / nt); /* pixels */
        int b0 = 3 * c0, nb = 3 * (c1 - c0); /* bytes */
        for (int i = 0; i < dst_h; i++)
            for (int x = b0; x < b0 + nb; x++)
                ws->acc[(size_t)i * (size_t)row_bytes + (size_t)x] = 1 << (PRECISION_BITS - 1);
        int first = 0; /* the first output row not yet written */
        for (int r = row_lo; r < row_hi && nb > 0; r++) {
            const uint8_t *row = src + (size_t)r * src_stride;
            if (h) {
                horizontal_row(row, ws->row, c0, c1, h, fast);
                row = ws->row;
            }
            for (int i = first; i < dst_h && v->start[i] <= r; i++)
                if (r < v->start[i] + v->n[i])
                    add_weighted_row(ws->acc + (size_t)i * (size_t)row_bytes + (size_t)b0, row + b0, nb,
                                     v->coeff[(size_t)i * (size_t)v->ksize + (size_t)(r - v->start[i])]);
            for (; first < dst_h && v->start[first] + v->n[first] <= r + 1; first++) {
                const int32_t *a = ws->acc + (size_t)first * (size_t)row_bytes;
                uint8_t *d = dst + (size_t)first * (size_t)row_bytes;
                for (int x = b0; x < b0 + nb; x++)
                    d[x] = clip8(a[x]);
            }
        }
        for (; first < dst_h && nb > 0; first++) /* rows with no taps (none for a valid size) */
            for (int x = b0; x < b0 + nb; x++)
                dst[(size_t)first * (size_t)row_bytes + (size_t)x] =
                    clip8(ws->acc[(size_t)first * (size_t)row_bytes + (size_t)x]);
    }
}

int resize_bilinear_rgb(resize_workspace *ws, const uint8_t *src, int src_w, int src_h, int src_stride, uint8_t *dst,
                        int dst_w, int dst_h)
{
    const size_t row_bytes = (size_t)dst_w * 3;
    if (dst_w != src_w && taps_init(ws, &ws->h, src_w, dst_w, 1) < 0)
        return -1;
    if (dst_h == src_h) {
        if (dst_w != src_w)
            horizontal_pass(src, (size_t)src_stride, src_w, dst, row_bytes, dst_w, dst_h, &ws->h, ws->threads);
        else
            for (int y = 0; y < dst_h; y++)
                memcpy(dst + (size_t)y * row_bytes, src + (size_t)y * (size_t)src_stride, row_bytes);
        return 0;
    }
    if (taps_init(ws, &ws->v, src_h, dst_h, 0) < 0 ||
        reserve_exact((void **)&ws->acc, &ws->cap_acc, (size_t)dst_h * row_bytes, sizeof *ws->acc) < 0 ||
        reserve_exact((void **)&ws->row, &ws->cap_row, row_bytes, 1) < 0)
        return -1;
    stream_rows(ws, src, (size_t)src_stride, src_w, dst_w != src_w ? &ws->h : NULL, dst, dst_w, dst_h);
    return 0;
}
