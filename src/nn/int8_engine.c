/* The integer engine behind the nn_engine interface: a quantized model runs
 * in TFLite's uint8 arithmetic on the kernel set this process chose
 * (int8_kernel_sets.h), fed the 8-bit pixels as they are (they are the quantized
 * input). The uint8 softmax TFLite ends with rounds probabilities to 1/256
 * and ties the top classes, so the API's probabilities are a float softmax of
 * the exactly computed logits, dequantized. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "int8_network.h"

/* Engines of one model (a server's workers) share its layers: the first
 * builds them, the others take int8_network_share() of a network kept here,
 * never run, until the last of them is destroyed. The list is short (one
 * entry per model served) and touched only when engines come and go. */
typedef struct shared_net {
    uint64_t model_id;
    const int8_kernels *kernels;
    int8_network *origin;
    int engines;
    struct shared_net *next;
} shared_net;

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static shared_net *shared_nets;

static void unlink_shared(shared_net *s)
{
    shared_net **p = &shared_nets;
    while (*p != s)
        p = &(*p)->next;
    *p = s->next;
    int8_network_free(s->origin);
    free(s);
}

/* A network for m on the kernels in use: on the layers another engine of m
 * built, or on new ones. *entry: what to give to network_done(). */
static int8_network *network_for(const nn_model *m, shared_net **entry, char *err, size_t errlen)
{
    const int8_kernels *k = int8_kernels_in_use();
    pthread_mutex_lock(&shared_lock); /* held while building: the next worker then shares */
    shared_net *s = shared_nets;
    while (s && !(s->model_id == m->id && s->kernels == k))
        s = s->next;
    if (!s) {
        if (!(s = calloc(1, sizeof *s))) {
            snprintf(err, errlen, "out of memory");
        } else if (!(s->origin = int8_network_new(m, k, err, errlen))) {
            free(s);
            s = NULL;
        } else {
            s->model_id = m->id;
            s->kernels = k;
            s->next = shared_nets;
            shared_nets = s;
        }
    }
    int8_network *n = s ? int8_network_share(s->origin, err, errlen) : NULL;
    *entry = n ? s : NULL;
    if (n)
        s->engines++;
    else if (s && s->engines == 0)
        unlink_shared(s);
    pthread_mutex_unlock(&shared_lock);
    return n;
}

static void network_done(shared_net *s, int8_network *n)
{
    pthread_mutex_lock(&shared_lock);
    int8_network_free(n);
    if (--s->engines == 0)
        unlink_shared(s);
    pthread_mutex_unlock(&shared_lock);
}

typedef struct {
    nn_engine base;
    int8_network *net;
    shared_net *shared;
    int result_layer; /* the logits when the model ends with a softmax, else the last layer */
    int softmax; /* apply a float softmax to the result */
    nn_shape shape; /* of the result */
    nn_quant q; /* of the result */
    int tap_layer[NN_TAP_COUNT]; /* nn_model_tap_layer, or -1 */
    nn_shape tap_shape[NN_TAP_COUNT];
    nn_quant tap_q[NN_TAP_COUNT];
} int8_engine;

/* A layer's uint8 NHWC output as floats in the CHW order of Darknet outputs
 * (the same order for a 1x1 map), scale * (q - zero_point). */
static void dequantize(const uint8_t *r, nn_shape shape, nn_quant q, float *out)
{
    size_t hw = (size_t)shape.h * (size_t)shape.w, c = (size_t)shape.c;
    for (size_t i = 0; i < hw; i++)
        for (size_t k = 0; k < c; k++)
            out[k * hw + i] = q.scale * (float)((int)r[i * c + k] - q.zero_point);
}

static nn_engine *int8_create(const nn_model *m, int threads, char *err, size_t errlen)
{
    (void)threads; /* OpenMP threads are asked for per run */
    int8_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->base.ops = &nn_int8_engine;
    e->net = network_for(m, &e->shared, err, errlen);
    if (!e->net) {
        free(e);
        return NULL;
    }
    const nn_layer *last = &m->layers[m->nlayers - 1];
    e->softmax = last->kind == LAYER_SOFTMAX && m->nlayers > 1;
    e->result_layer = m->nlayers - 1 - e->softmax;
    e->shape = m->layers[e->result_layer].out;
    e->q = m->layers[e->result_layer].out_q;
    for (int t = 0; t < NN_TAP_COUNT; t++) {
        int i = e->tap_layer[t] = nn_model_tap_layer(m, (nn_tap)t);
        if (i >= 0) {
            e->tap_shape[t] = m->layers[i].out;
            e->tap_q[t] = m->layers[i].out_q;
        }
    }
    return &e->base;
}

static int int8_run(nn_engine *base, const uint8_t *pixels, float *output, int threads)
{
    int8_engine *e = (int8_engine *)base;
    int8_network_run(e->net, pixels, threads);
    dequantize(int8_network_output(e->net, e->result_layer), e->shape, e->q, output);
    size_t n = nn_shape_size(e->shape);
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

static int int8_tap(nn_engine *base, nn_tap t, float *out)
{
    int8_engine *e = (int8_engine *)base;
    if (e->tap_layer[t] < 0)
        return -1;
    dequantize(int8_network_output(e->net, e->tap_layer[t]), e->tap_shape[t], e->tap_q[t], out);
    return 0;
}

static void int8_destroy(nn_engine *base)
{
    int8_engine *e = (int8_engine *)base;
    network_done(e->shared, e->net);
    free(e);
}

const nn_engine_ops nn_int8_engine = {
    .name = "int8",
    .precision = "int8",
    .create = int8_create,
    .run = int8_run,
    .tap = int8_tap,
    .destroy = int8_destroy,
};
