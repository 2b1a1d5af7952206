#include "resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS 22

/* The filter taps of one axis, for `in` -> `out` pixels: for output i, n[i]
 * weights starting at input index start[i], stored at coeff[i * ksize].
 * Kept between calls: a stream of same-sized frames computes them once. */
typedef struct {
    int in, out, ksize;
    size_t cap_start, cap_n, cap_coeff;
    int *start, *n;
    int32_t *coeff;
} taps;

struct resize_workspace {
    taps h, v;
    uint8_t *tmp; /* the horizontal pass's output */
    size_t cap_tmp;
    double *w; /* one output's weights in floating point */
    size_t cap_w;
};

resize_workspace *resize_workspace_new(void)
{
    return calloc(1, sizeof(resize_workspace));
}

static void taps_free(taps *t)
{
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
    free(ws);
}

/* Makes *buf hold at least `need` elements of `size` bytes; grows only. */
static int reserve(void **buf, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    void *p = realloc(*buf, need * size);
    if (!p)
        return -1;
    *buf = p;
    *cap = need;
    return 0;
}

static double triangle(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

static int taps_init(resize_workspace *ws, taps *t, int in, int out)
{
    if (t->in == in && t->out == out)
        return 0;
    double scale = (double)in / out;
    double filterscale = scale > 1.0 ? scale : 1.0;
    double support = filterscale; /* bilinear support is 1, widened when downscaling */
    int ksize = (int)ceil(support) * 2 + 1;
    t->in = t->out = 0; /* invalid until fully computed */
    if (reserve((void **)&t->start, &t->cap_start, (size_t)out, sizeof *t->start) < 0 ||
        reserve((void **)&t->n, &t->cap_n, (size_t)out, sizeof *t->n) < 0 ||
        reserve((void **)&t->coeff, &t->cap_coeff, (size_t)out * (size_t)ksize, sizeof *t->coeff) < 0 ||
        reserve((void **)&ws->w, &ws->cap_w, (size_t)ksize, sizeof *ws->w) < 0)
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

/* One pass along an axis. `step` is the distance in bytes between neighbouring
 * taps (3 horizontally, a row vertically); `lines` runs across the other axis.
 * The source starts at tap index `first` (rows before it were not kept). */
static void pass(const uint8_t *src, size_t src_line, size_t step, int first, uint8_t *dst, size_t dst_line,
                 size_t dst_step, int out, int lines, const taps *t)
{
    for (int line = 0; line < lines; line++) {
        const uint8_t *s = src + (size_t)line * src_line;
        uint8_t *d = dst + (size_t)line * dst_line;
        for (int i = 0; i < out; i++) {
            const int32_t *k = t->coeff + (size_t)i * (size_t)t->ksize;
            const uint8_t *p = s + (size_t)(t->start[i] - first) * step;
            int32_t r = 1 << (PRECISION_BITS - 1), g = r, b = r;
            for (int x = 0; x < t->n[i]; x++, p += step) {
                r += p[0] * k[x];
                g += p[1] * k[x];
                b += p[2] * k[x];
            }
            uint8_t *o = d + (size_t)i * dst_step;
            o[0] = clip8(r);
            o[1] = clip8(g);
            o[2] = clip8(b);
        }
    }
}

int resize_bilinear_rgb(resize_workspace *ws, const uint8_t *src, int src_w, int src_h, int src_stride, uint8_t *dst,
                        int dst_w, int dst_h)
{
    const uint8_t *mid = src;
    size_t mid_stride = (size_t)src_stride;
    int first_row = 0;
    if (dst_h != src_h && taps_init(ws, &ws->v, src_h, dst_h) < 0)
        return -1;
    if (dst_w != src_w) {
        /* Horizontal first, over only the rows the vertical pass will read. */
        int row_lo = 0, row_hi = src_h;
        if (dst_h != src_h) {
            row_lo = ws->v.start[0];
            row_hi = ws->v.start[dst_h - 1] + ws->v.n[dst_h - 1];
        }
        if (taps_init(ws, &ws->h, src_w, dst_w) < 0 ||
            reserve((void **)&ws->tmp, &ws->cap_tmp, (size_t)(row_hi - row_lo) * (size_t)dst_w * 3, 1) < 0)
            return -1;
        pass(src + (size_t)row_lo * (size_t)src_stride, (size_t)src_stride, 3, 0, ws->tmp, (size_t)dst_w * 3, 3, dst_w,
             row_hi - row_lo, &ws->h);
        mid = ws->tmp;
        mid_stride = (size_t)dst_w * 3;
        first_row = row_lo;
    }
    if (dst_h != src_h) {
        pass(mid, 3, mid_stride, first_row, dst, 3, (size_t)dst_w * 3, dst_h, dst_w, &ws->v);
    } else {
        for (int y = 0; y < dst_h; y++)
            memcpy(dst + (size_t)y * (size_t)dst_w * 3, mid + (size_t)y * mid_stride, (size_t)dst_w * 3);
    }
    return 0;
}
