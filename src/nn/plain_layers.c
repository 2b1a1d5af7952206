/* Host layers in libdarknet's arithmetic (plain_layers.h). */
#include "plain_layers.h"

#include <float.h>
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

/* libdarknet's softmax (blas.c): n values `stride` apart, temperature 1. */
static void darknet_softmax(const float *in, int n, size_t stride, float *out)
{
    float sum = 0, largest = -FLT_MAX;
    for (int i = 0; i < n; i++)
        if (in[i * stride] > largest)
            largest = in[i * stride];
    for (int i = 0; i < n; i++) {
        float e = (float)exp(in[i * stride] - largest);
        sum += e;
        out[i * stride] = e;
    }
    for (int i = 0; i < n; i++)
        out[i * stride] /= sum;
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
        if (!hd->softmax)
            logistic(box + 5 * plane, (size_t)hd->classes * plane);
    }
    if (!hd->softmax)
        return;
    /* From the layer's input, as libdarknet's softmax_cpu call reads it. */
    size_t first = (size_t)(4 + !hd->background) * plane;
    for (int n = 0; n < hd->boxes; n++)
        for (size_t g = 0; g < plane; g++) {
            size_t at = first + (size_t)n * per_box + g;
            darknet_softmax(in + at, hd->classes + hd->background, plane, out + at);
        }
}

void nn_plain_softmax_tree(const nn_layer *l, const float *in, float *out)
{
    nn_softmax_tree_apply(l->tree, in, out);
}
