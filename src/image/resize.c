#include "resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS 22

/* The filter taps of one axis: for output i, n[i] weights starting at input
 * index start[i], stored at coeff[i * ksize]. */
typedef struct {
    int ksize;
    int *start, *n;
    int32_t *coeff;
} taps;

static double triangle(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

static int taps_init(taps *t, int in, int out)
{
    double scale = (double)in / out;
    double filterscale = scale > 1.0 ? scale : 1.0;
    double support = filterscale; /* bilinear support is 1, widened when downscaling */
    t->ksize = (int)ceil(support) * 2 + 1;
    t->start = malloc((size_t)out * sizeof *t->start);
    t->n = malloc((size_t)out * sizeof *t->n);
    t->coeff = calloc((size_t)out * (size_t)t->ksize, sizeof *t->coeff);
    double *w = malloc((size_t)t->ksize * sizeof *w);
    if (!t->start || !t->n || !t->coeff || !w) {
        free(w);
        return -1;
    }
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
            t->coeff[(size_t)i * (size_t)t->ksize + (size_t)x] = (int32_t)(v < 0 ? fixed - 0.5 : fixed + 0.5);
        }
        t->start[i] = lo;
        t->n[i] = n;
    }
    free(w);
    return 0;
}

static void taps_free(taps *t)
{
    free(t->start);
    free(t->n);
    free(t->coeff);
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
 * taps (3 horizontally, a row vertically); `lines` runs across the other axis. */
static void pass(const uint8_t *src, size_t src_line, size_t step, uint8_t *dst, size_t dst_line, size_t dst_step,
                 int out, int lines, const taps *t)
{
    for (int line = 0; line < lines; line++) {
        const uint8_t *s = src + (size_t)line * src_line;
        uint8_t *d = dst + (size_t)line * dst_line;
        for (int i = 0; i < out; i++) {
            const int32_t *k = t->coeff + (size_t)i * (size_t)t->ksize;
            const uint8_t *p = s + (size_t)t->start[i] * step;
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

int resize_bilinear_rgb(const uint8_t *src, int src_w, int src_h, int src_stride, uint8_t *dst, int dst_w,
                        int dst_h)
{
    taps h = {0}, v = {0};
    uint8_t *tmp = NULL;
    int rc = -1;
    const uint8_t *mid = src;
    size_t mid_stride = (size_t)src_stride;

    if (dst_w != src_w) {
        /* Horizontal first, over only the rows the vertical pass will read. */
        int row_lo = 0, row_hi = src_h;
        if (dst_h != src_h) {
            if (taps_init(&v, src_h, dst_h) < 0)
                goto out;
            row_lo = v.start[0];
            row_hi = v.start[dst_h - 1] + v.n[dst_h - 1];
        }
        if (taps_init(&h, src_w, dst_w) < 0 || !(tmp = malloc((size_t)(row_hi - row_lo) * (size_t)dst_w * 3)))
            goto out;
        pass(src + (size_t)row_lo * (size_t)src_stride, (size_t)src_stride, 3, tmp, (size_t)dst_w * 3, 3, dst_w,
             row_hi - row_lo, &h);
        /* Shift the vertical taps to index the rows kept in tmp. */
        for (int i = 0; dst_h != src_h && i < dst_h; i++)
            v.start[i] -= row_lo;
        mid = tmp;
        mid_stride = (size_t)dst_w * 3;
    }
    if (dst_h != src_h) {
        if (!v.start && taps_init(&v, src_h, dst_h) < 0)
            goto out;
        pass(mid, 3, mid_stride, dst, 3, (size_t)dst_w * 3, dst_h, dst_w, &v);
    } else {
        for (int y = 0; y < dst_h; y++)
            memcpy(dst + (size_t)y * (size_t)dst_w * 3, mid + (size_t)y * mid_stride, (size_t)dst_w * 3);
    }
    rc = 0;
out:
    taps_free(&h);
    taps_free(&v);
    free(tmp);
    return rc;
}
