#include "class_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nn_class_map {
    nn_shape in; /* the tap's: C x H x W */
    int classes; /* the model's outputs */
    int softmax; /* the outputs are a [softmax]'s: the maps are its probabilities' (see class_map.h) */
    float *weights; /* classes x C, the linear layer's (batch norm folded); NULL: class c is channel c */
};

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
    nn_class_map *c = calloc(1, sizeof *c);
    if (c && linear >= 0)
        c->weights = malloc((size_t)classes * (size_t)in.c * sizeof *c->weights);
    if (!c || (linear >= 0 && !c->weights)) {
        free(c);
        snprintf(why, whylen, "out of memory");
        *no_memory = 1;
        return NULL;
    }
    c->in = in;
    c->classes = classes;
    c->softmax = softmax;
    /* Both kinds hold their weights as [filters][inputs]; the bias and batch norm's mean shift
     * every cell of a map alike: left out. */
    if (linear >= 0)
        nn_fold_batch_norm(&m->layers[linear], c->weights, NULL);
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

void nn_class_map_baseline(const nn_class_map *c, const float *outputs, double *mean)
{
    const int C = c->in.c;
    for (int k = 0; k < C; k++)
        mean[k] = 0.0;
    if (!c->softmax)
        return;
    if (!c->weights) { /* class j is channel j: its row is the unit vector of j */
        for (int k = 0; k < C; k++)
            mean[k] = outputs[k];
        return;
    }
    for (int j = 0; j < c->classes; j++) {
        const double p = outputs[j];
        const float *w = c->weights + (size_t)j * (size_t)C;
        for (int k = 0; k < C; k++)
            mean[k] += p * w[k];
    }
}

void nn_class_map_compute(const nn_class_map *c, const float *tap, const float *outputs, const double *mean, int cls,
                          float *out)
{
    const size_t hw = (size_t)c->in.h * (size_t)c->in.w;
    /* w - m as (1 - p) w - (m - p w): where p is near 1 the two are small and
     * w - m would lose the digits float weights carry to cancellation. */
    const double p = c->softmax ? outputs[cls] : 0.0;
    double sum[hw];
    for (size_t i = 0; i < hw; i++)
        sum[i] = 0.0;
    for (int k = 0; k < c->in.c; k++) {
        const double w = c->weights ? c->weights[(size_t)cls * (size_t)c->in.c + (size_t)k] : k == cls;
        const double d = (1.0 - p) * w - (mean[k] - p * w);
        if (d == 0.0)
            continue;
        const float *f = tap + (size_t)k * hw;
        for (size_t i = 0; i < hw; i++)
            sum[i] += d * f[i];
    }
    /* Less the lowest cell before rounding to float: a map's level says nothing (its bias is left out
     * too), and a level far above its range would leave the range few of float's digits. */
    double lo = sum[0];
    for (size_t i = 1; i < hw; i++)
        lo = sum[i] < lo ? sum[i] : lo;
    for (size_t i = 0; i < hw; i++)
        out[i] = (float)(sum[i] - lo);
}
