/* The integer engine behind the nn_engine interface: a quantized model runs
 * in TFLite's uint8 arithmetic on the kernel set this process chose
 * (int8_kernel_sets.h), fed the 8-bit pixels as they are (they are the quantized
 * input). The uint8 softmax TFLite ends with rounds probabilities to 1/256
 * and ties the top classes, so the API's probabilities are a float softmax of
 * the exactly computed logits, dequantized. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "int8_network.h"

typedef struct {
    nn_engine base;
    int8_network *net;
    int result_layer; /* the logits when the model ends with a softmax, else the last layer */
    int softmax; /* apply a float softmax to the result */
    nn_shape shape; /* of the result */
    nn_quant q; /* of the result */
} int8_engine;

static nn_engine *int8_create(const nn_model *m, int threads, char *err, size_t errlen)
{
    (void)threads; /* OpenMP threads are asked for per run */
    int8_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->base.ops = &nn_int8_engine;
    e->net = int8_network_new(m, int8_kernels_in_use(), err, errlen);
    if (!e->net) {
        free(e);
        return NULL;
    }
    const nn_layer *last = &m->layers[m->nlayers - 1];
    e->softmax = last->kind == LAYER_SOFTMAX && m->nlayers > 1;
    e->result_layer = m->nlayers - 1 - e->softmax;
    e->shape = m->layers[e->result_layer].out;
    e->q = m->layers[e->result_layer].out_q;
    return &e->base;
}

static int int8_run(nn_engine *base, const uint8_t *pixels, float *output, int threads)
{
    int8_engine *e = (int8_engine *)base;
    int8_network_run(e->net, pixels, threads);
    const uint8_t *r = int8_network_output(e->net, e->result_layer);
    /* NHWC to the CHW order of Darknet outputs (the same order for a 1x1 map) */
    size_t hw = (size_t)e->shape.h * (size_t)e->shape.w, c = (size_t)e->shape.c, n = hw * c;
    for (size_t i = 0; i < hw; i++)
        for (size_t k = 0; k < c; k++)
            output[k * hw + i] = e->q.scale * (float)((int)r[i * c + k] - e->q.zero_point);
    if (!e->softmax)
        return 0;
    float max = output[0];
    for (size_t i = 1; i < n; i++)
        max = output[i] > max ? output[i] : max;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        output[i] = expf(output[i] - max);
        sum += output[i];
    }
    for (size_t i = 0; i < n; i++)
        output[i] = (float)(output[i] / sum);
    return 0;
}

static void int8_destroy(nn_engine *base)
{
    int8_engine *e = (int8_engine *)base;
    int8_network_free(e->net);
    free(e);
}

const nn_engine_ops nn_int8_engine = {
    .name = "int8",
    .precision = "int8",
    .create = int8_create,
    .run = int8_run,
    .destroy = int8_destroy,
};
