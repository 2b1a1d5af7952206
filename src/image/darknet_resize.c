#include "darknet_resize.h"

#include <math.h>
#include <stddef.h>

/* v / 255 as libdarknet computes it: in double, stored as float. */
static float unit_value(int v)
{
    return (float)(v / 255.);
}

/* One channel of the horizontal pass at column c of source row y (Darknet's
 * `part` image). */
static float horizontal(const uint8_t *rgb, int w, int rw, float w_scale, const float *unit, int c, int y, int k)
{
    const uint8_t *row = rgb + (size_t)y * (size_t)w * 3;
    if (c == rw - 1 || w == 1)
        return unit[row[(size_t)(w - 1) * 3 + k]];
    float sx = c * w_scale;
    int ix = (int)sx;
    float dx = sx - ix;
    int ix1 = ix + 1 < w ? ix + 1 : w - 1;
    return (1 - dx) * unit[row[(size_t)ix * 3 + k]] + dx * unit[row[(size_t)ix1 * 3 + k]];
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* resize_image's arithmetic for one value: the scales, rows and the unit table of a resize. */
typedef struct {
    const uint8_t *rgb;
    int w, h, rw, rh;
    float w_scale, h_scale;
    float unit[256];
} resize_plan;

static void plan_resize(resize_plan *p, const uint8_t *rgb, int w, int h, int rw, int rh)
{
    p->rgb = rgb;
    p->w = w;
    p->h = h;
    p->rw = rw;
    p->rh = rh;
    for (int v = 0; v < 256; v++)
        p->unit[v] = unit_value(v);
    /* resize_image's scales: a 1-pixel target divides by zero, and then only
     * its last-pixel branch is taken. */
    p->w_scale = (float)(w - 1) / (rw - 1);
    p->h_scale = (float)(h - 1) / (rh - 1);
}

/* Channel k of the resized image at column c, row r (both inside it), in float. */
static float resized_value(const resize_plan *p, int c, int r, int k)
{
    float sy = r * p->h_scale;
    int iy = p->rh == 1 ? 0 : (int)sy;
    float dy = p->rh == 1 ? 0 : sy - iy;
    int last_row = r == p->rh - 1 || p->h == 1; /* Darknet adds no second row there, even if dy > 0 */
    int iy1 = iy + 1 < p->h ? iy + 1 : p->h - 1;
    float val = (1 - dy) * horizontal(p->rgb, p->w, p->rw, p->w_scale, p->unit, c, iy, k);
    if (!last_row)
        val += dy * horizontal(p->rgb, p->w, p->rw, p->w_scale, p->unit, c, iy1, k);
    return val;
}

void darknet_resize_window(const uint8_t *rgb, int w, int h, int rw, int rh, int x0, int y0, uint8_t *out, int out_w,
                           int out_h)
{
    resize_plan p;
    plan_resize(&p, rgb, w, h, rw, rh);
    for (int j = 0; j < out_h; j++) {
        int r = clamp(j + y0, 0, rh - 1);
        for (int i = 0; i < out_w; i++) {
            int c = clamp(i + x0, 0, rw - 1);
            for (int k = 0; k < 3; k++) {
                long q = lrintf(resized_value(&p, c, r, k) * 255.0f);
                out[((size_t)j * (size_t)out_w + (size_t)i) * 3 + (size_t)k] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
            }
        }
    }
}

void darknet_resize_planar(const uint8_t *rgb, int w, int h, int rw, int rh, float *out, int out_w, int out_h, int x0,
                           int y0)
{
    resize_plan p;
    plan_resize(&p, rgb, w, h, rw, rh);
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < rh; r++) {
            float *row = out + ((size_t)k * (size_t)out_h + (size_t)(r + y0)) * (size_t)out_w + (size_t)x0;
            for (int c = 0; c < rw; c++)
                row[c] = resized_value(&p, c, r, k);
        }
}

void darknet_resize_min_size(int w, int h, int side, int *rw, int *rh)
{
    if (w < h) {
        *rh = (int)(((long long)h * side) / w);
        *rw = side;
    } else {
        *rw = (int)(((long long)w * side) / h);
        *rh = side;
    }
}
