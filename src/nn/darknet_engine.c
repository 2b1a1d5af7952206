/* The reference engine: Debian's libdarknet, the implementation the format
 * comes from. It only ever sees a model our loader has validated, written out
 * again as a cfg in the dialect it understands (libdarknet exits the process on
 * a cfg it dislikes). Where libdarknet lacks our semantics:
 *  - relu6: the layer runs with relu and its forward function is wrapped to
 *    clamp the output at 6, which makes it exact;
 *  - pad_mode=tf_same: libdarknet can only pad symmetrically, so it runs that
 *    way and says so once, with what it costs in accuracy. */
#include <darknet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darknet_cfg_write.h"
#include "darknet_free.h"
#include "engine.h"
#include "input_normalize.h"

typedef struct {
    nn_engine base;
    network *net;
    size_t outputs;
    const nn_model *model; /* its input normalisation */
    float *input; /* the normalised input tensor */
} darknet_engine;

/* libdarknet passes layers by value and all layers of a type share one
 * forward function, so one saved original per layer type is enough. It is
 * written under the lock while another engine's relu6_forward may read it
 * (always the same value), hence atomic. */
typedef void (*forward_fn)(struct layer, struct network);
static _Atomic(forward_fn) original_forward[BLANK + 1];
static pthread_mutex_t forward_lock = PTHREAD_MUTEX_INITIALIZER;

static void relu6_forward(layer l, network net)
{
    atomic_load(&original_forward[l.type])(l, net);
    size_t n = (size_t)l.outputs * (size_t)l.batch;
    for (size_t i = 0; i < n; i++)
        if (l.output[i] > 6.0f)
            l.output[i] = 6.0f; /* the layer already applied relu */
}

/* libdarknet prints a table of every layer while parsing; keep the service's
 * stderr for the service. Workers create their engines concurrently, and the
 * descriptor swap is process-wide, so it happens under a lock (without it, one
 * worker could "restore" /dev/null as the process's stderr). */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

static network *parse_quietly(char *path)
{
    pthread_mutex_lock(&parse_lock);
    fflush(stderr);
    int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);
    if (saved >= 0 && devnull >= 0)
        dup2(devnull, STDERR_FILENO);
    network *net = parse_network_cfg(path);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
    if (devnull >= 0)
        close(devnull);
    pthread_mutex_unlock(&parse_lock);
    return net;
}

static void copy_params(network *net, const nn_model *m)
{
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *src = &m->layers[i];
        layer *dst = &net->layers[i];
        if (nn_layer_kind_params(src->kind) == NN_PARAMS_NONE)
            continue;
        size_t n = (size_t)src->filters;
        memcpy(dst->biases, src->biases, nn_layer_bias_count(src) * sizeof(float));
        memcpy(dst->weights, src->weights, src->nweights * sizeof(float));
        if (src->batch_normalize) {
            memcpy(dst->scales, src->scales, n * sizeof(float));
            memcpy(dst->rolling_mean, src->rolling_mean, n * sizeof(float));
            memcpy(dst->rolling_variance, src->rolling_variance, n * sizeof(float));
        }
        if (src->activation == ACT_RELU6) {
            pthread_mutex_lock(&forward_lock);
            if (dst->forward != relu6_forward)
                atomic_store(&original_forward[dst->type], dst->forward);
            pthread_mutex_unlock(&forward_lock);
            dst->forward = relu6_forward;
        }
    }
}

static void darknet_destroy(nn_engine *base)
{
    darknet_engine *e = (darknet_engine *)base;
    darknet_free_network(e->net);
    free(e->input);
    free(e);
}

static nn_engine *darknet_create(const nn_model *m, int threads, char *err, size_t errlen)
{
    static atomic_int warned;
    (void)threads; /* Debian's libdarknet is built without threads */
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].kind == LAYER_SHORTCUT && m->layers[i].activation == ACT_RELU6) {
            snprintf(err, errlen, "darknet engine: relu6 on a shortcut layer is not supported");
            return NULL;
        }
    text_buffer cfg = {0};
    char why[256];
    if (darknet_cfg_write(m, DARKNET_DIALECT_LIBDARKNET, &cfg, why, sizeof why) < 0) {
        snprintf(err, errlen, "darknet engine: %s", why);
        text_free(&cfg);
        return NULL;
    }
    char path[] = "/tmp/lookslike-darknet-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "darknet engine: cannot create a temporary cfg");
        if (fd >= 0)
            close(fd);
        text_free(&cfg);
        return NULL;
    }
    int rc = fwrite(cfg.data, 1, cfg.len, f) == cfg.len ? 0 : -1;
    text_free(&cfg);
    if (fclose(f) != 0 || rc < 0) {
        snprintf(err, errlen, "darknet engine: cannot write a temporary cfg");
        rc = -1;
    }
    darknet_engine *e = rc == 0 ? calloc(1, sizeof *e) : NULL;
    if (e) {
        e->base.ops = &nn_darknet_engine;
        e->net = parse_quietly(path);
        e->outputs = nn_model_outputs(m);
        e->model = m;
        e->input = malloc(nn_shape_size(m->input) * sizeof *e->input);
    }
    unlink(path);
    if (!e)
        return NULL;
    if (!e->input) {
        snprintf(err, errlen, "out of memory");
        darknet_destroy(&e->base);
        return NULL;
    }
    int same = e->net && e->net->n == m->nlayers;
    for (int i = 0; same && i < m->nlayers; i++)
        same = (size_t)e->net->layers[i].outputs == nn_shape_size(m->layers[i].out);
    if (!same) {
        snprintf(err, errlen, "darknet engine: libdarknet built a different network than the cfg describes");
        darknet_destroy(&e->base);
        return NULL;
    }
    set_batch_network(e->net, 1);
    copy_params(e->net, m);
    if (m->pads_unevenly && !atomic_exchange(&warned, 1))
        fprintf(stderr, "lookslike: warning: engine 'darknet': this model pads the TF 'SAME' way "
                        "(pad_mode=tf_same), which libdarknet cannot do; it pads symmetrically instead. "
                        "Expect lower accuracy (MobileNet v1 ImageNet top-1 78.9%% -> 73.9%% measured); "
                        "use --engine onednn for the exact model.\n");
    return &e->base;
}

static int darknet_tap(nn_engine *base, nn_tap t, float *out)
{
    darknet_engine *e = (darknet_engine *)base;
    int i = nn_model_tap_layer(e->model, t);
    if (i < 0)
        return -1;
    memcpy(out, e->net->layers[i].output, nn_model_tap_size(e->model, t) * sizeof *out);
    return 0;
}

static int darknet_run_input(nn_engine *base, const float *input, float *output, int threads)
{
    (void)threads; /* one thread, always */
    darknet_engine *e = (darknet_engine *)base;
    float *out = network_predict(e->net, (float *)input);
    if (nn_model_task(e->model) == NN_TASK_DETECTION) { /* every head's output, in order */
        for (int i = 0; i < e->net->n; i++)
            if (nn_layer_is_head(&e->model->layers[i])) {
                size_t n = (size_t)e->net->layers[i].outputs;
                memcpy(output, e->net->layers[i].output, n * sizeof *output);
                output += n;
            }
        return 0;
    }
    memcpy(output, out, e->outputs * sizeof *output);
    if (e->net->hierarchy) /* what darknet's classifier reports (softmax_tree.h) */
        hierarchy_predictions(output, (int)e->outputs, e->net->hierarchy, 1, 1);
    return 0;
}

static int darknet_run(nn_engine *base, const uint8_t *pixels, float *output, int threads)
{
    darknet_engine *e = (darknet_engine *)base;
    nn_normalize_input(e->model, pixels, e->input);
    return darknet_run_input(base, e->input, output, threads);
}

const nn_engine_ops nn_darknet_engine = {
    .name = "darknet",
    .precision = "fp32",
    .create = darknet_create,
    .run = darknet_run,
    .run_input = darknet_run_input,
    .tap = darknet_tap,
    .destroy = darknet_destroy,
};
