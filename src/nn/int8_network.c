/* Builds the integer layers of a quantized model and runs them top to bottom
 * (see int8_network.h). Everything TFLite derives from the scales -- the
 * fixed-point multipliers, the activation bounds, ADD's rescaling -- is
 * derived here once, with TFLite's formulas and its mix of float and double. */
#include "int8_network.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clock.h"
#include "../prefault.h"

/* The layers, with their weights and the kernel set's packing: read-only
 * once built, shared by every network int8_network_share() makes. */
typedef struct {
    const int8_kernels *kernels;
    int nlayers;
    int8_layer *layers;
    size_t storage_size; /* the outputs of the layers that are not pass-through */
    int refs; /* atomic */
} int8_layers;

struct int8_network {
    int8_layers *shared;
    uint8_t **outputs; /* per layer; a pass-through layer's is its source's, set by each run */
    const uint8_t *input_pixels; /* during a run */
    uint8_t *storage;
};

/* Whether the integer engine runs layer l; why not, in why. */
static int layer_supported(const nn_layer *l, char *why, size_t len)
{
    int lo, hi;
    if (quantized_activation_range(l->activation, l->out_q, &lo, &hi) < 0)
        snprintf(why, len, "activation %s has no integer form", nn_activation_name(l->activation));
    else if (l->kind == LAYER_CONVOLUTIONAL && l->groups > 1 && (l->groups != l->in.c || l->filters != l->in.c))
        snprintf(why, len, "grouped convolution (groups=%d) is not depthwise", l->groups);
    else if (l->kind == LAYER_CONNECTED && (l->in.h != 1 || l->in.w != 1))
        snprintf(why, len, "[connected] on a %dx%d map (only 1x1)", l->in.h, l->in.w);
    else if (l->kind == LAYER_ROUTE && l->nroutes > 1)
        snprintf(why, len, "a route of several layers (concatenation)");
    else if (l->kind == LAYER_SHORTCUT && (l->shortcut.channels != l->in.c || l->shortcut.h != l->in.h ||
                                           l->shortcut.w != l->in.w))
        snprintf(why, len, "a shortcut between maps of different sizes");
    else if (l->kind == LAYER_CROP || l->kind == LAYER_UPSAMPLE || l->kind == LAYER_REORG || l->kind == LAYER_YOLO ||
             l->kind == LAYER_REGION || l->kind == LAYER_DETECTION || l->kind == LAYER_LOCAL)
        snprintf(why, len, "[%s]", nn_layer_kind_name(l->kind));
    else if (l->kind == LAYER_ROUTE && l->route_groups > 1)
        snprintf(why, len, "a route of channel groups (groups=)");
    else if (l->kind == LAYER_SOFTMAX && l->tree_path)
        snprintf(why, len, "a hierarchical softmax (tree=)");
    else
        return 1;
    return 0;
}

int int8_network_supports(const nn_model *m, char *err, size_t errlen)
{
    if (!m->quantized) {
        snprintf(err, errlen, "the model carries no quantization (models/darknet-format.md)");
        return 0;
    }
    for (int i = 0; i < m->nlayers; i++) {
        char why[200];
        if (!layer_supported(&m->layers[i], why, sizeof why)) {
            snprintf(err, errlen, "layer %d (cfg line %d): %s", i, m->layers[i].line, why);
            return 0;
        }
    }
    return 1;
}

/* Returns 0, or -1 when out of memory. */
static int build_weighted(int8_layer *L, const nn_layer *l, nn_quantized_kernels family)
{
    int double_product = quantized_product_in_double(family, l->kind);
    L->single_rounding = quantized_single_rounding(family, l->kind, l->groups);
    int depthwise = l->groups > 1;
    int size = l->kind == LAYER_CONNECTED ? 1 : l->size, cin = depthwise ? 1 : l->in.c;
    L->op = depthwise ? INT8_DEPTHWISE : INT8_CONV;
    L->size = size;
    L->stride = l->kind == LAYER_CONNECTED ? 1 : l->stride;
    L->pad_top = L->pad_left = l->pad_before;
    L->filters = l->filters;
    L->patch = size * size * cin;
    L->weights = malloc(l->nweights);
    L->weight_zps = malloc((size_t)l->filters * sizeof *L->weight_zps);
    L->biases = malloc((size_t)l->filters * sizeof *L->biases);
    L->multipliers = malloc((size_t)l->filters * sizeof *L->multipliers);
    L->shifts = malloc((size_t)l->filters * sizeof *L->shifts);
    if (!L->weights || !L->weight_zps || !L->biases || !L->multipliers || !L->shifts)
        return -1;
    for (int o = 0; o < l->filters; o++) {
        const nn_quant *wq = &l->weight_q[l->nweight_q > 1 ? o : 0];
        L->weight_zps[o] = (int16_t)wq->zero_point;
        L->biases[o] = l->qbiases[o];
        /* With the product in double for the uint8 family, 3418 of v1's 8192
         * reference feature bytes come out up to 4 off. */
        quantize_layer_multiplier(l->in_q.scale, wq->scale, l->out_q.scale, double_product, &L->multipliers[o],
                                  &L->shifts[o]);
        /* Darknet's [filter][channel][y][x] to [filter][y][x][channel], the NHWC order of the patches. */
        for (int i = 0; i < cin; i++)
            for (int k = 0; k < size * size; k++)
                L->weights[(size_t)o * (size_t)L->patch + (size_t)k * (size_t)cin + (size_t)i] =
                    l->qweights[((size_t)o * (size_t)cin + (size_t)i) * (size_t)(size * size) + (size_t)k];
    }
    return 0;
}

/* TFLite's uint8 ADD parameters (its kernels/add.cc, with left shift 20). */
static void build_add(int8_layer *L, nn_quant a, nn_quant b, nn_quant out)
{
    L->add_left_shift = 20;
    double twice_max = 2.0 * (double)(a.scale > b.scale ? a.scale : b.scale);
    quantize_multiplier((double)a.scale / twice_max, &L->add_multiplier[0], &L->add_shift[0]);
    quantize_multiplier((double)b.scale / twice_max, &L->add_multiplier[1], &L->add_shift[1]);
    quantize_multiplier(twice_max / ((double)(1 << L->add_left_shift) * (double)out.scale), &L->add_multiplier[2],
                        &L->add_shift[2]);
    L->add_zp[0] = a.zero_point;
    L->add_zp[1] = b.zero_point;
}

/* Layer i, which int8_network_supports() accepted; 0, or -1 when out of memory. */
static int build_layer(int8_layer *layers, const nn_model *m, int i)
{
    const nn_layer *l = &m->layers[i];
    int8_layer *L = &layers[i];
    /* Kernels see NHWC shapes; a [connected] or [softmax] output is 1x1xC. */
    L->in = l->in;
    L->out = l->out;
    L->in_zp = l->in_q.zero_point;
    L->out_zp = l->out_q.zero_point;
    quantized_activation_range(l->activation, l->out_q, &L->act_min, &L->act_max);
    switch (l->kind) {
    case LAYER_CONVOLUTIONAL:
    case LAYER_CONNECTED: return build_weighted(L, l, m->quantized_kernels);
    case LAYER_SHORTCUT:
        L->op = INT8_ADD;
        L->from = l->from;
        build_add(L, l->in_q, m->layers[l->from].out_q, l->out_q);
        return 0;
    case LAYER_AVGPOOL:
        if (m->quantized_kernels == NN_QUANTIZED_UINT8) {
            L->op = INT8_AVGPOOL;
            return 0;
        }
        L->op = INT8_MEAN; /* reduce.cc: the multiplier from the two scales in double */
        quantize_multiplier((double)l->in_q.scale / (double)l->out_q.scale, &L->mean_multiplier, &L->mean_shift);
        return 0;
    case LAYER_CROP:
    case LAYER_UPSAMPLE:
    case LAYER_REORG:
    case LAYER_YOLO:
    case LAYER_REGION:
    case LAYER_DETECTION:
    case LAYER_LOCAL: return 0; /* refused by layer_supported */
    case LAYER_MAXPOOL:
        L->op = INT8_MAXPOOL;
        L->size = l->size;
        L->stride = l->stride;
        L->pad_top = L->pad_left = l->pad_before;
        return 0;
    case LAYER_SOFTMAX:
        L->op = INT8_SOFTMAX;
        L->in_scale = l->in_q.scale;
        return 0;
    case LAYER_ROUTE:
        L->op = INT8_PASS;
        L->from = l->routes[0];
        return 0;
    case LAYER_DROPOUT:
    case LAYER_COST:
        L->op = INT8_PASS;
        L->from = i - 1; /* -1: the network input */
        return 0;
    }
    return 0;
}

static void layers_release(int8_layers *s)
{
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (int i = 0; s->layers && i < s->nlayers; i++) {
        int8_layer *L = &s->layers[i];
        s->kernels->release(L);
        free(L->weights);
        free(L->weight_zps);
        free(L->biases);
        free(L->multipliers);
        free(L->shifts);
    }
    free(s->layers);
    free(s);
}

/* A network on `s` (one more reference to it) with its own outputs, their
 * pages mapped at once, in huge pages, if it will run (`prefaulted`). */
static int8_network *network_on(int8_layers *s, int prefaulted, char *err, size_t errlen)
{
    int8_network *n = calloc(1, sizeof *n);
    size_t size = s->storage_size ? s->storage_size : 1;
    if (!n || !(n->outputs = calloc((size_t)s->nlayers, sizeof *n->outputs)) ||
        !(n->storage = prefaulted ? prefaulted_alloc(size) : malloc(size))) {
        snprintf(err, errlen, "out of memory");
        if (n)
            free(n->outputs);
        free(n);
        return NULL;
    }
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
    n->shared = s;
    uint8_t *p = n->storage;
    for (int i = 0; i < s->nlayers; i++)
        if (s->layers[i].op != INT8_PASS) {
            n->outputs[i] = p;
            p += nn_shape_size(s->layers[i].out);
        }
    return n;
}

int8_network *int8_network_new(const nn_model *m, const int8_kernels *k, char *err, size_t errlen)
{
    if (!int8_network_supports(m, err, errlen))
        return NULL;
    if (!k->cpu_has()) {
        snprintf(err, errlen, "this CPU cannot run the %s kernels", k->name);
        return NULL;
    }
    int8_layers *s = calloc(1, sizeof *s);
    if (!s || !(s->layers = calloc((size_t)m->nlayers, sizeof *s->layers))) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    s->kernels = k;
    s->nlayers = m->nlayers;
    s->refs = 1; /* the builder's, given up below */
    for (int i = 0; i < m->nlayers; i++) {
        if (build_layer(s->layers, m, i) < 0 || k->prepare(&s->layers[i]) < 0) {
            snprintf(err, errlen, "layer %d (cfg line %d): out of memory", i, m->layers[i].line);
            layers_release(s);
            return NULL;
        }
        if (s->layers[i].op != INT8_PASS)
            s->storage_size += nn_shape_size(m->layers[i].out);
    }
    int8_network *n = network_on(s, 0, err, errlen);
    layers_release(s);
    return n;
}

int8_network *int8_network_share(const int8_network *n, char *err, size_t errlen)
{
    return network_on(n->shared, 1, err, errlen);
}

void int8_network_free(int8_network *n)
{
    if (!n)
        return;
    layers_release(n->shared);
    free(n->outputs);
    free(n->storage);
    free(n);
}

/* Thread t of nt's share [*b, *e) of n items. */
static void share(int n, int t, int nt, int *b, int *e)
{
    *b = (int)((long)n * t / nt);
    *e = (int)((long)n * (t + 1) / nt);
}

const char *int8_op_name(int8_op op)
{
    static const char *const names[] = {
#define INT8_OP_NAME(OP, name) [INT8_##OP] = #name,
        INT8_OPS(INT8_OP_NAME)
#undef INT8_OP_NAME
    };
    return names[op];
}

/* The kernels of a layer's operation: the set's, or the reference one where
 * the set has none (*reference set). */
typedef struct {
    void (*rows)(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1); /* conv, depthwise, maxpool */
    void (*add)(const int8_layer *l, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
    void (*whole)(const int8_layer *l, const uint8_t *in, uint8_t *out); /* avgpool, mean, softmax */
} op_kernel;

static op_kernel kernel_of(const int8_kernels *k, int8_op op, int *reference)
{
    op_kernel f = {0};
    switch (op) {
    case INT8_CONV: f.rows = k->conv; break;
    case INT8_DEPTHWISE: f.rows = k->depthwise; break;
    case INT8_MAXPOOL: f.rows = k->maxpool ? k->maxpool : int8_reference_maxpool; break;
    case INT8_ADD: f.add = k->add ? k->add : int8_reference_add; break;
    case INT8_AVGPOOL: f.whole = k->avgpool ? k->avgpool : int8_reference_avgpool; break;
    case INT8_MEAN: f.whole = k->mean ? k->mean : int8_reference_mean; break;
    case INT8_SOFTMAX: f.whole = int8_reference_softmax; break; /* every set's: a table of 256 exps */
    case INT8_PASS: break;
    }
    if (reference)
        *reference = f.rows == int8_reference_maxpool || f.add == int8_reference_add ||
                     f.whole == int8_reference_avgpool || f.whole == int8_reference_mean;
    return f;
}

int int8_network_kernel(const int8_network *n, int i, char *buf, size_t len)
{
    const int8_kernels *k = n->shared->kernels;
    const int8_layer *L = &n->shared->layers[i];
    int reference;
    kernel_of(k, L->op, &reference);
    if (L->op == INT8_SOFTMAX || L->op == INT8_PASS) {
        snprintf(buf, len, "%s", int8_op_name(L->op));
        return 0;
    }
    reference |= k == &int8_kernels_reference || (k->whole && !k->whole(L));
    snprintf(buf, len, "%s %s", reference ? "reference" : k->name, int8_op_name(L->op));
    return reference;
}

/* Layer i by thread t of nt; every thread calls it, then waits for the others. */
static void run_layer(int8_network *n, int i, int t, int nt)
{
    const int8_layer *L = &n->shared->layers[i];
    const uint8_t *in = i ? n->outputs[i - 1] : n->input_pixels;
    uint8_t *out = n->outputs[i];
    op_kernel f = kernel_of(n->shared->kernels, L->op, NULL);
    int b, e;
    if (f.rows) {
        share(L->out.h, t, nt, &b, &e);
        f.rows(L, in, out, b, e);
    } else if (f.add) {
        size_t size = nn_shape_size(L->out);
        share((int)size, t, nt, &b, &e);
        f.add(L, in + b, n->outputs[L->from] + b, out + b, (size_t)(e - b));
    } else if (f.whole && t == 0) {
        f.whole(L, in, out);
    }
}

/* A run; ms, if not NULL, gets each layer's wall time. */
static void run(int8_network *n, const uint8_t *rgb_hwc, int threads, double *ms)
{
    const int8_layers *s = n->shared;
    n->input_pixels = rgb_hwc;
    /* A pass-through layer's output is its source's, which may be this run's
     * input (a [dropout] first); layers only read it. */
    for (int i = 0; i < s->nlayers; i++)
        if (s->layers[i].op == INT8_PASS)
            n->outputs[i] = s->layers[i].from < 0 ? (uint8_t *)rgb_hwc : n->outputs[s->layers[i].from];
    if (threads <= 1) {
        for (int i = 0; i < s->nlayers; i++) {
            double t0 = ms ? clock_ms() : 0;
            run_layer(n, i, 0, 1);
            if (ms)
                ms[i] = clock_ms() - t0;
        }
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        double t0 = 0;
        for (int i = 0; i < s->nlayers; i++) {
            if (ms && t == 0)
                t0 = clock_ms(); /* every thread has passed the last barrier */
            run_layer(n, i, t, nt);
#pragma omp barrier
            if (ms && t == 0)
                ms[i] = clock_ms() - t0;
        }
    }
}

void int8_network_run(int8_network *n, const uint8_t *rgb_hwc, int threads)
{
    run(n, rgb_hwc, threads, NULL);
}

void int8_network_run_timed(int8_network *n, const uint8_t *rgb_hwc, int threads, double *ms)
{
    run(n, rgb_hwc, threads, ms);
}

const uint8_t *int8_network_output(const int8_network *n, int layer)
{
    return n->outputs[layer];
}
