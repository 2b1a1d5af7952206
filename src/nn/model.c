/* The format-neutral model (model.h): shapes, sizes, and freeing (the
 * names of its enums: model_names.c). Reading one from Darknet files: darknet_cfg.c, darknet_weights.c. */
#include "model.h"

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

int nn_layer_is_output(const nn_model *m, int i)
{
    if (nn_model_task(m) == NN_TASK_DETECTION)
        return nn_layer_is_head(&m->layers[i]);
    return i == m->nlayers - 1;
}

size_t nn_model_outputs(const nn_model *m)
{
    size_t n = 0;
    for (int i = 0; i < m->nlayers; i++)
        if (nn_layer_is_output(m, i))
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

size_t nn_model_features(const nn_model *m)
{
    int f = nn_model_features_layer(m);
    return f < 0 ? 0 : nn_shape_size(m->layers[f].out);
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

