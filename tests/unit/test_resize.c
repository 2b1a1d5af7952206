/* The optimised resize (cached taps, AVX2 horizontal pass, row-wise vertical
 * pass, workspace reuse) must give exactly the bytes of the plain algorithm
 * of ../shared/reference/pillow_resize_spec.py, written out here as simply
 * as possible, on many sizes: downscales needing 3 to 15 taps, upscales,
 * passes skipped, 1-pixel images, regions of a wider image, tall and thin
 * images; on 1 and 2 threads, with the workspace trimmed now and then. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "image/pillow_resize.h"

#define BITS 22

/* One axis of the spec: output i = taps k[i][0..n[i]) from input lo[i]. */
static void spec_coeffs(int in, int out, int *lo, int *n, int32_t *k, int ksize)
{
    double scale = (double)in / out, fs = scale > 1 ? scale : 1, support = fs;
    for (int i = 0; i < out; i++) {
        double center = (i + 0.5) * scale, w[256], sum = 0; /* up to 127x downscaling */
        int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
        xmin = xmin < 0 ? 0 : xmin;
        xmax = xmax > in ? in : xmax;
        n[i] = xmax - xmin;
        lo[i] = xmin;
        for (int x = 0; x < n[i]; x++) {
            double t = fabs((x + xmin - center + 0.5) / fs);
            w[x] = t < 1 ? 1 - t : 0;
            sum += w[x];
        }
        for (int x = 0; x < n[i]; x++) {
            double v = sum != 0 ? w[x] / sum : w[x];
            k[i * ksize + x] = (int32_t)(v < 0 ? v * (1 << BITS) - 0.5 : v * (1 << BITS) + 0.5);
        }
    }
}

static uint8_t spec_clip(int64_t acc)
{
    return acc <= 0 ? 0 : acc >= (255LL << BITS) ? 255 : (uint8_t)(acc >> BITS);
}

/* Horizontal (all rows) then vertical, each skipped when that size is kept. */
static void spec_resize(const uint8_t *src, int sw, int sh, int stride, uint8_t *dst, int dw, int dh)
{
    int ksize = 2 * (int)ceil((double)sw / dw > 1 ? (double)sw / dw : 1) + 1;
    int vsize = 2 * (int)ceil((double)sh / dh > 1 ? (double)sh / dh : 1) + 1;
    int *lo = malloc(sizeof(int) * (size_t)(dw > dh ? dw : dh)), *n = malloc(sizeof(int) * (size_t)(dw > dh ? dw : dh));
    int32_t *k = calloc((size_t)(dw > dh ? dw : dh) * (size_t)(ksize > vsize ? ksize : vsize), sizeof *k);
    uint8_t *mid = malloc((size_t)sh * (size_t)dw * 3);
    for (int y = 0; y < sh; y++)
        memcpy(mid + (size_t)y * dw * 3, src + (size_t)y * stride, (size_t)dw * 3 * (dw == sw));
    if (dw != sw) {
        spec_coeffs(sw, dw, lo, n, k, ksize);
        for (int y = 0; y < sh; y++)
            for (int i = 0; i < dw; i++)
                for (int c = 0; c < 3; c++) {
                    int64_t acc = 1 << (BITS - 1);
                    for (int x = 0; x < n[i]; x++)
                        acc += (int64_t)src[(size_t)y * stride + (size_t)(lo[i] + x) * 3 + c] * k[i * ksize + x];
                    mid[((size_t)y * dw + i) * 3 + c] = spec_clip(acc);
                }
    }
    if (dh != sh) {
        spec_coeffs(sh, dh, lo, n, k, vsize);
        for (int i = 0; i < dh; i++)
            for (int x = 0; x < dw * 3; x++) {
                int64_t acc = 1 << (BITS - 1);
                for (int y = 0; y < n[i]; y++)
                    acc += (int64_t)mid[(size_t)(lo[i] + y) * dw * 3 + x] * k[i * vsize + y];
                dst[(size_t)i * dw * 3 + x] = spec_clip(acc);
            }
    } else {
        memcpy(dst, mid, (size_t)dh * dw * 3);
    }
    free(lo);
    free(n);
    free(k);
    free(mid);
}

int main(void)
{
    const int sizes[][4] = {
        {640, 480, 224, 224}, {560, 420, 224, 224}, {512, 384, 224, 224}, {448, 336, 224, 224},
        {1008, 756, 224, 224}, {882, 661, 224, 224}, {3528, 2646, 224, 224}, {300, 250, 224, 224},
        {225, 224, 224, 224}, {224, 900, 224, 224}, {900, 224, 224, 224}, {224, 224, 224, 224},
        {100, 80, 224, 224}, {1, 1, 224, 224}, {3, 500, 224, 224}, {500, 3, 224, 224},
        {1500, 1000, 224, 224}, {1344, 1344, 224, 224}, {673, 505, 224, 224}, {257, 1023, 160, 96},
        {640, 480, 17, 5}, {37, 29, 3, 2}, {2000, 40, 224, 224}, {1234, 987, 299, 299},
        /* tall and thin, streamed row by row: 89x and 120x down vertically, 16x / 14x up across */
        {16, 20000, 224, 224}, {14, 27000, 224, 224}, {27000, 14, 224, 224},
    };
    resize_workspace *ws = resize_workspace_new();
    uint32_t seed = 12345;
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++) {
        int sw = sizes[c][0], sh = sizes[c][1], dw = sizes[c][2], dh = sizes[c][3];
        int margin = (int)(c % 3) * 7; /* a region of a wider image, like a crop */
        int stride = (sw + 2 * margin) * 3;
        size_t len = (size_t)stride * sh;
        uint8_t *img = malloc(len), *ours = malloc((size_t)dw * dh * 3), *spec = malloc((size_t)dw * dh * 3);
        for (size_t i = 0; i < len; i++) { /* smooth areas and noise, so rounding is exercised */
            seed = seed * 1103515245u + 12345u;
            img[i] = (uint8_t)((i / 3 % 97) * 2 + (seed >> 28));
        }
        const uint8_t *region = img + margin * 3;
        resize_workspace_set_threads(ws, 1 + (int)(c % 2)); /* rows split over 2 threads, or not */
        int rc = resize_bilinear_rgb(ws, region, sw, sh, stride, ours, dw, dh);
        spec_resize(region, sw, sh, stride, spec, dw, dh);
        size_t differ = 0;
        for (size_t i = 0; i < (size_t)dw * dh * 3; i++)
            differ += ours[i] != spec[i];
        check(rc == 0 && differ == 0, "%dx%d -> %dx%d (stride %d): %zu of %d bytes differ", sw, sh, dw, dh, stride,
              differ, dw * dh * 3);
        free(img);
        free(ours);
        free(spec);
        if (c % 4 == 3)
            resize_workspace_trim(ws, 0); /* everything freed: the next call builds it all again */
    }
    resize_workspace_free(ws);
    return check_done();
}
