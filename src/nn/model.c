/* The format-neutral model (model.h): shapes, sizes, and freeing (the
 * names of its enums: model_names.c). Reading one from Darknet files: darknet_cfg.c, darknet_weights.c. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darknet_layers.h"

size_t nn_shape_size(nn_shape s)
{
    return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

int nn_layer_is_head(const nn_layer *l)
{
    return l->kind == LAYER_YOLO || l->kind == LAYER_REGION || l->kind == LAYER_DETECTION;
}

nn_task nn_model_task(const nn_model *m)
{
    for (int i = 0; i < m->nlayers; i++)
        if (nn_layer_is_head(&m->layers[i]))
            return NN_TASK_DETECTION;
    return NN_TASK_CLASSIFICATION;
}

/* Whether layer i is an output of a model of that task. */
static int is_output(const nn_model *m, nn_task task, int i)
{
    return task == NN_TASK_DETECTION ? nn_layer_is_head(&m->layers[i]) : i == m->nlayers - 1;
}

int nn_layer_is_output(const nn_model *m, int i)
{
    return is_output(m, nn_model_task(m), i);
}

size_t nn_model_outputs(const nn_model *m)
{
    const nn_task task = nn_model_task(m); /* once: a request asks for this, a model's layers are many */
    size_t n = 0;
    for (int i = 0; i < m->nlayers; i++)
        if (is_output(m, task, i))
            n += nn_shape_size(m->layers[i].out);
    return n;
}

int nn_model_classes(const nn_model *m)
{
    for (int i = 0; i < m->nlayers; i++)
        if (nn_layer_is_head(&m->layers[i]))
            return m->layers[i].head.classes;
    return (int)nn_model_outputs(m);
}

int nn_model_features_layer(const nn_model *m)
{
    for (int i = m->nlayers - 1; i >= 0; i--)
        if (m->layers[i].kind == LAYER_AVGPOOL)
            return i;
    return -1;
}

int nn_model_tap_layer(const nn_model *m, nn_tap t)
{
    int pool = nn_model_features_layer(m);
    switch (t) {
    case NN_TAP_FEATURES: return pool;
    case NN_TAP_CLASS_MAP: return pool >= 1 ? pool - 1 : -1; /* Darknet's pool reads the layer before it */
    case NN_TAP_COUNT: break;
    }
    return -1;
}

size_t nn_model_tap_size(const nn_model *m, nn_tap t)
{
    int i = nn_model_tap_layer(m, t);
    return i < 0 ? 0 : nn_shape_size(m->layers[i].out);
}

size_t nn_model_features(const nn_model *m)
{
    return nn_model_tap_size(m, NN_TAP_FEATURES);
}

size_t nn_layer_bias_count(const nn_layer *l)
{
    return l->kind == LAYER_LOCAL ? nn_shape_size(l->out) : (size_t)l->filters;
}

size_t nn_layer_param_count(const nn_layer *l)
{
    return nn_layer_kind_params(l->kind) == NN_PARAMS_NONE
               ? 0
               : nn_layer_bias_count(l) + (l->batch_normalize ? 3 * (size_t)l->filters : 0) + l->nweights;
}

void nn_model_free(nn_model *m)
{
    nn_free_quantized_params(m);
    for (int i = 0; i < m->nlayers; i++) {
        free(m->layers[i].weight_q);
        free(m->layers[i].tree_path);
        nn_softmax_tree_free(m->layers[i].tree);
    }
    free(m->layers);
    free(m->params_block);
    memset(m, 0, sizeof *m);
}

void nn_model_release_params(nn_model *m)
{
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        l->biases = l->scales = l->rolling_mean = l->rolling_variance = l->weights = NULL;
    }
    nn_free_quantized_params(m);
    free(m->params_block);
    m->params_block = NULL;
    m->params = NULL;
}


void nn_fold_batch_norm(const nn_layer *l, float *weights, float *bias)
{
    size_t per_filter = l->nweights / (size_t)l->filters;
    for (int o = 0; o < l->filters; o++) {
        float k = l->batch_normalize ? l->scales[o] / (sqrtf(l->rolling_variance[o]) + .000001f) : 1.0f;
        float shift = l->batch_normalize ? -l->rolling_mean[o] * k : 0.0f;
        for (size_t i = 0; i < per_filter; i++)
            weights[(size_t)o * per_filter + i] = l->weights[(size_t)o * per_filter + i] * k;
        if (bias)
            bias[o] = l->biases[o] + shift;
    }
}
