#include "class_map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"

struct nn_class_map {
    nn_shape in; /* the tap's: C x H x W */
    int classes; /* the model's outputs */
    int softmax; /* the outputs are a [softmax]'s: the maps are its probabilities' (see class_map.h) */
    /* The linear layer's weights, classes x C, one of: a quantized layer's
     * integers, w = scale[j] (q - zero[j]) (a quarter of the bytes each image's
     * baseline reads, and exact); or floats (batch norm folded). Neither: class
     * c is channel c. */
    uint8_t *q;
    double *scale;
    int *zero;
    float *weights;
};

/* Class j's weight k. */
static inline double weight(const nn_class_map *c, int j, int k)
{
    size_t at = (size_t)j * (size_t)c->in.c + (size_t)k;
    return c->q ? c->scale[j] * (double)((int)c->q[at] - c->zero[j]) : c->weights ? c->weights[at] : (double)(j == k);
}

/* The one linear layer after the pool, or why it is not. */
static int linear_head(const nn_model *m, int pool, const char *name, int *linear, int *softmax, char *why,
                       size_t whylen)
{
    *linear = -1;
    *softmax = 0;
    for (int i = pool + 1; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        switch (l->kind) {
        case LAYER_SOFTMAX: *softmax = 1; continue;
        case LAYER_DROPOUT:
        case LAYER_COST: continue;
        case LAYER_CONVOLUTIONAL:
        case LAYER_CONNECTED:
            if (*linear >= 0) {
                snprintf(why, whylen, "%s:%d: a second weighted layer after the pool: a class activation map needs "
                         "one linear layer between the pool and the classes", name, l->line);
                return -1;
            }
            if (l->activation != ACT_LINEAR) {
                snprintf(why, whylen, "%s:%d: the [%s] after the pool has activation %s; a class activation map "
                         "needs it linear", name, l->line, nn_layer_kind_name(l->kind), nn_activation_name(l->activation));
                return -1;
            }
            if (l->kind == LAYER_CONVOLUTIONAL && (l->size != 1 || l->groups != 1 || l->out.h != 1 || l->out.w != 1)) {
                snprintf(why, whylen, "%s:%d: the [convolutional] after the pool is not a 1x1 one of one group",
                         name, l->line);
                return -1;
            }
            *linear = i;
            continue;
        default:
            snprintf(why, whylen, "%s:%d: a [%s] layer after the last [avgpool]; a class activation map needs the "
                     "pool followed only by one linear layer ([convolutional] 1x1 or [connected]) and [softmax]",
                     name, l->line, nn_layer_kind_name(l->kind));
            return -1;
        }
    }
    return 0;
}

/* The map of m, or NULL with why (out of memory: *no_memory set). */
static nn_class_map *make(const nn_model *m, const char *name, char *why, size_t whylen, int *no_memory)
{
    int pool = nn_model_features_layer(m), at = nn_model_tap_layer(m, NN_TAP_CLASS_MAP), linear, softmax;
    if (nn_model_task(m) != NN_TASK_CLASSIFICATION) {
        snprintf(why, whylen, "%s is a detector", name);
        return NULL;
    }
    if (at < 0) {
        snprintf(why, whylen, "%s: no global average pool ([avgpool]) over a feature map", name);
        return NULL;
    }
    if (linear_head(m, pool, name, &linear, &softmax, why, whylen) < 0)
        return NULL;
    const nn_shape in = m->layers[at].out;
    const int classes = (int)nn_model_outputs(m);
    if ((size_t)in.w * (size_t)in.h > NN_CLASS_MAP_MAX_CELLS) {
        snprintf(why, whylen, "%s:%d: the pool averages a %dx%d grid, more than the %d cells a class map may have",
                 name, m->layers[pool].line, in.w, in.h, NN_CLASS_MAP_MAX_CELLS);
        return NULL;
    }
    if (linear < 0 && in.c != classes) {
        snprintf(why, whylen, "%s:%d: the pool has %d channels and the model %d outputs, and no linear layer maps "
                 "one to the other", name, m->layers[pool].line, in.c, classes);
        return NULL;
    }
    if (linear >= 0 && (m->layers[linear].filters != classes || nn_shape_size(m->layers[linear].in) != (size_t)in.c)) {
        snprintf(why, whylen, "%s:%d: the linear layer after the pool does not map its %d channels to the %d outputs",
                 name, m->layers[linear].line, in.c, classes);
        return NULL;
    }
    if (linear >= 0 && !m->layers[linear].weights) {
        snprintf(why, whylen, "%s: the weights were released before the class map was made", name);
        return NULL;
    }
    const nn_layer *l = linear >= 0 ? &m->layers[linear] : NULL;
    const size_t n = (size_t)classes * (size_t)in.c;
    const int quantized = l && l->qweights && l->nweight_q && !l->batch_normalize;
    nn_class_map *c = calloc(1, sizeof *c);
    if (c && quantized) {
        c->q = malloc(n);
        c->scale = malloc((size_t)classes * sizeof *c->scale);
        c->zero = malloc((size_t)classes * sizeof *c->zero);
    } else if (c && l) {
        c->weights = malloc(n * sizeof *c->weights);
    }
    if (!c || (quantized && (!c->q || !c->scale || !c->zero)) || (l && !quantized && !c->weights)) {
        nn_class_map_free(c);
        snprintf(why, whylen, "out of memory");
        *no_memory = 1;
        return NULL;
    }
    c->in = in;
    c->classes = classes;
    c->softmax = softmax;
    /* Both kinds hold their weights as [filters][inputs]; the bias and batch norm's mean shift
     * every cell of a map alike: left out. */
    if (quantized) {
        memcpy(c->q, l->qweights, n);
        for (int j = 0; j < classes; j++) {
            const nn_quant *wq = &l->weight_q[l->nweight_q > 1 ? j : 0];
            c->scale[j] = wq->scale;
            c->zero[j] = wq->zero_point;
        }
    } else if (l) {
        nn_fold_batch_norm(l, c->weights, NULL);
    }
    return c;
}

int nn_class_map_new(const nn_model *m, const char *name, nn_class_map **out, char *why, size_t whylen)
{
    int no_memory = 0;
    *out = make(m, name, why, whylen, &no_memory);
    return no_memory ? -1 : 0;
}

void nn_class_map_free(nn_class_map *c)
{
    if (!c)
        return;
    free(c->q);
    free(c->scale);
    free(c->zero);
    free(c->weights);
    free(c);
}

nn_shape nn_class_map_input(const nn_class_map *c)
{
    return c->in;
}

size_t nn_class_map_scratch(const nn_class_map *c)
{
    return (size_t)c->in.c;
}

/* mean[k] += sum over the rows j of a[j] q[j][k], four rows a pass (the
 * vectors run along k; each mean[k] adds its rows in the same order on every
 * clone, and ISO C contracts no multiply-add: the same doubles everywhere). */
CLONES_AVX2 static void add_rows_u8(double *restrict mean, const uint8_t *restrict q, const double *a, int rows, int C)
{
    int j = 0;
    for (; j + 4 <= rows; j += 4) {
        const uint8_t *q0 = q + (size_t)j * (size_t)C, *q1 = q0 + C, *q2 = q1 + C, *q3 = q2 + C;
        const double a0 = a[j], a1 = a[j + 1], a2 = a[j + 2], a3 = a[j + 3];
        for (int k = 0; k < C; k++)
            mean[k] = (((mean[k] + a0 * q0[k]) + a1 * q1[k]) + a2 * q2[k]) + a3 * q3[k];
    }
    for (; j < rows; j++) {
        const uint8_t *qj = q + (size_t)j * (size_t)C;
        for (int k = 0; k < C; k++)
            mean[k] += a[j] * qj[k];
    }
}

CLONES_AVX2 static void add_rows_f32(double *restrict mean, const float *restrict w, const float *p, int rows, int C)
{
    for (int j = 0; j < rows; j++) {
        const double pj = p[j];
        const float *wj = w + (size_t)j * (size_t)C;
        for (int k = 0; k < C; k++)
            mean[k] += pj * wj[k];
    }
}

void nn_class_map_baseline(const nn_class_map *c, const float *outputs, double *mean)
{
    const int C = c->in.c;
    for (int k = 0; k < C; k++)
        mean[k] = 0.0;
    if (!c->softmax)
        return;
    if (c->q) { /* sum_j p_j scale_j (q_jk - zero_j): the integers weighted, less one constant */
        double constant = 0.0;
        for (int j0 = 0; j0 < c->classes; j0 += 64) {
            double a[64];
            const int rows = c->classes - j0 < 64 ? c->classes - j0 : 64;
            for (int j = 0; j < rows; j++) {
                a[j] = outputs[j0 + j] * c->scale[j0 + j];
                constant += a[j] * c->zero[j0 + j];
            }
            add_rows_u8(mean, c->q + (size_t)j0 * (size_t)C, a, rows, C);
        }
        for (int k = 0; k < C; k++)
            mean[k] -= constant;
    } else if (c->weights) {
        add_rows_f32(mean, c->weights, outputs, c->classes, C);
    } else { /* class j is channel j: its row is the unit vector of j */
        for (int k = 0; k < C; k++)
            mean[k] = outputs[k];
    }
}

/* sum[i] += d f[i] for the hw cells of one channel. */
CLONES_AVX2 static void add_channel(double *restrict sum, const float *restrict f, double d, size_t hw)
{
    for (size_t i = 0; i < hw; i++)
        sum[i] += d * f[i];
}

void nn_class_map_compute(const nn_class_map *c, const float *tap, const float *outputs, const double *mean, int cls,
                          float *out)
{
    const size_t hw = (size_t)c->in.h * (size_t)c->in.w;
    /* w - m as (1 - p) w - (m - p w): where p is near 1 the two are small and
     * w - m would lose the digits the weights carry to cancellation. */
    const double p = c->softmax ? outputs[cls] : 0.0;
    double sum[hw];
    for (size_t i = 0; i < hw; i++)
        sum[i] = 0.0;
    for (int k = 0; k < c->in.c; k++) {
        const double w = weight(c, cls, k), d = (1.0 - p) * w - (mean[k] - p * w);
        if (d == 0.0)
            continue;
        add_channel(sum, tap + (size_t)k * hw, d, hw);
    }
    /* Less the lowest cell before rounding to float: a map's level says nothing (its bias is left out
     * too), and a level far above its range would leave the range few of float's digits. */
    double lo = sum[0];
    for (size_t i = 1; i < hw; i++)
        lo = sum[i] < lo ? sum[i] : lo;
    for (size_t i = 0; i < hw; i++)
        out[i] = (float)(sum[i] - lo);
}
