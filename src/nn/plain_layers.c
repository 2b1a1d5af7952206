/* Host layers in libdarknet's arithmetic (plain_layers.h). */
#include "plain_layers.h"

#include <math.h>
#include <string.h>

float nn_darknet_logistic(float x)
{
    return (float)(1. / (1. + exp(-x)));
}

static void logistic(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = nn_darknet_logistic(x[i]);
}

/* reorg_cpu(in, w, h, c, batch, stride, forward = 0, out) over the input's dimensions. */
void nn_plain_reorg(const nn_layer *l, const float *in, float *out)
{
    int w = l->in.w, h = l->in.h, c = l->in.c, s = l->stride, out_c = c / (s * s);
    for (int k = 0; k < c; k++) {
        int c2 = k % out_c, offset = k / out_c;
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++) {
                int w2 = i * s + offset % s, h2 = j * s + offset / s;
                out[i + (size_t)w * (j + (size_t)h * k)] = in[w2 + (size_t)w * s * (h2 + (size_t)h * s * c2)];
            }
    }
}

void nn_plain_yolo(const nn_layer *l, const float *in, float *out)
{
    const nn_detection_head *hd = &l->head;
    size_t plane = (size_t)l->out.w * l->out.h, per_box = plane * (size_t)(hd->classes + 5);
    memcpy(out, in, nn_shape_size(l->out) * sizeof *out);
    for (int n = 0; n < hd->boxes; n++) {
        float *box = out + (size_t)n * per_box;
        if (!hd->new_coords) {
            logistic(box, 2 * plane);
            logistic(box + 4 * plane, (size_t)(1 + hd->classes) * plane);
        }
        if (hd->scale_x_y != 1.0f) /* the fork's scal_add_cpu, also with new_coords */
            for (size_t i = 0; i < 2 * plane; i++)
                box[i] = box[i] * hd->scale_x_y + (float)(-0.5 * (hd->scale_x_y - 1));
    }
}

void nn_plain_region(const nn_layer *l, const float *in, float *out)
{
    const nn_detection_head *hd = &l->head;
    size_t plane = (size_t)l->out.w * l->out.h, per_box = plane * (size_t)(hd->classes + 5);
    memcpy(out, in, nn_shape_size(l->out) * sizeof *out);
    for (int n = 0; n < hd->boxes; n++) {
        float *box = out + (size_t)n * per_box;
        logistic(box, 2 * plane);
        if (!hd->background)
            logistic(box + 4 * plane, plane);
        if (!hd->softmax && !l->tree)
            logistic(box + 5 * plane, (size_t)hd->classes * plane);
    }
    /* From the layer's input, as libdarknet's softmax_cpu call reads it. A
     * tree's groups each get theirs, as libdarknet's GPU code does: its CPU
     * code reads them with a stride and temperature that are not the
     * layer's (softmax_tree.h). */
    size_t first = (size_t)(4 + !hd->background) * plane;
    for (int n = 0; n < hd->boxes; n++)
        for (size_t g = 0; g < plane; g++) {
            size_t at = first + (size_t)n * per_box + g;
            if (!l->tree) {
                if (hd->softmax)
                    nn_darknet_softmax(in + at, hd->classes + hd->background, plane, out + at);
                continue;
            }
            for (int k = 0; k < l->tree->ngroups; k++) {
                size_t group = at + (size_t)l->tree->group_offset[k] * plane;
                nn_darknet_softmax(in + group, l->tree->group_size[k], plane, out + group);
            }
        }
}

void nn_plain_detection(const nn_layer *l, const float *in, float *out)
{
    const nn_detection_head *hd = &l->head;
    memcpy(out, in, nn_shape_size(l->out) * sizeof *out);
    for (int i = 0; hd->softmax && i < hd->side * hd->side; i++)
        nn_darknet_softmax(in + (size_t)i * hd->classes, hd->classes, 1, out + (size_t)i * hd->classes);
}

/* im2col_cpu with the layer's padding, transposed: a row of size x size x c
 * values (channel, then kernel row, then column) for each output pixel. */
void nn_plain_local_rows(const nn_layer *l, const float *in, float *out)
{
    int size = l->size, stride = l->stride, pad = l->pad_before, ow = l->out.w;
    size_t pixels = (size_t)l->out.h * ow, k = 0;
    for (int c = 0; c < l->in.c; c++)
        for (int ky = 0; ky < size; ky++)
            for (int kx = 0; kx < size; kx++, k++)
                for (size_t p = 0; p < pixels; p++) {
                    int y = (int)(p / (size_t)ow) * stride + ky - pad, x = (int)(p % (size_t)ow) * stride + kx - pad;
                    int inside = y >= 0 && x >= 0 && y < l->in.h && x < l->in.w;
                    out[p * (size_t)size * size * l->in.c + k] =
                        inside ? in[((size_t)c * l->in.h + y) * l->in.w + x] : 0.0f;
                }
}

void nn_plain_softmax_tree(const nn_layer *l, const float *in, float *out)
{
    nn_softmax_tree_apply(l->tree, in, out);
}
