#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file_read.h"
#include "cfg_file.h"
#include "cfg_layers.h"

#define NN_MAX_LAYERS 1000
#define NN_MAX_PARAMS (256u << 20) /* 1 GiB of floats */

/* Training-only [net] keys of standard Darknet cfgs: accepted and ignored,
 * because they do not change what inference computes. */
static const char *const net_training_keys[] = {
    "subdivisions", "momentum", "decay", "learning_rate", "max_batches", "policy", "steps", "scales", "power",
    "angle", "saturation", "exposure", "hue", "burn_in", "max_crop", "min_crop", "aspect", "gamma", "step",
    "rate", "adam", "B1", "B2", "eps", "time_steps", "notruth", "random", "inputs", NULL,
};

static const struct {
    const char *section;
    nn_layer_kind kind;
    nn_layer_parser parse;
} layer_kinds[] = {
    {"convolutional", LAYER_CONVOLUTIONAL, nn_parse_convolutional},
    {"conv", LAYER_CONVOLUTIONAL, nn_parse_convolutional},
    {"connected", LAYER_CONNECTED, nn_parse_connected},
    {"maxpool", LAYER_MAXPOOL, nn_parse_maxpool},
    {"max", LAYER_MAXPOOL, nn_parse_maxpool},
    {"avgpool", LAYER_AVGPOOL, nn_parse_avgpool},
    {"avg", LAYER_AVGPOOL, nn_parse_avgpool},
    {"softmax", LAYER_SOFTMAX, nn_parse_softmax},
    {"soft", LAYER_SOFTMAX, nn_parse_softmax},
    {"shortcut", LAYER_SHORTCUT, nn_parse_shortcut},
    {"route", LAYER_ROUTE, nn_parse_route},
    {"dropout", LAYER_DROPOUT, nn_parse_dropout},
    {"crop", LAYER_CROP, nn_parse_crop},
    {"cost", LAYER_COST, nn_parse_cost},
};

static const char *const activation_names[] = {
    [ACT_LINEAR] = "linear", [ACT_RELU] = "relu", [ACT_RELU6] = "relu6", [ACT_LEAKY] = "leaky",
    [ACT_LOGISTIC] = "logistic", [ACT_RAMP] = "ramp",
};

static const char *const preprocessing_names[] = {[NN_PREPROCESS_DARKNET] = "darknet",
                                                    [NN_PREPROCESS_TF_SLIM] = "tf_slim"};

const char *nn_preprocessing_name(nn_preprocessing p)
{
    return preprocessing_names[p];
}

const char *nn_activation_name(nn_activation a)
{
    return activation_names[a];
}

int nn_parse_activation(cfg_file *f, cfg_section *s, const char *dflt, nn_activation *out)
{
    const char *name = cfg_string(s, "activation", dflt);
    for (size_t i = 0; i < sizeof activation_names / sizeof *activation_names; i++)
        if (!strcmp(name, activation_names[i])) {
            *out = (nn_activation)i;
            return 0;
        }
    return cfg_error(f, s->line, "unsupported activation '%.40s'", name);
}

size_t nn_shape_size(nn_shape s)
{
    return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

size_t nn_model_outputs(const nn_model *m)
{
    return m->nlayers ? nn_shape_size(m->layers[m->nlayers - 1].out) : 0;
}

static int parse_net(cfg_file *f, cfg_section *s, nn_model *m)
{
    int batch;
    if (strcmp(s->name, "net") && strcmp(s->name, "network"))
        return cfg_error(f, s->line, "the first section must be [net], not [%.40s]", s->name);
    if (cfg_int(f, s, "width", 0, 1, NN_MAX_DIM, &m->input.w) < 0 ||
        cfg_int(f, s, "height", 0, 1, NN_MAX_DIM, &m->input.h) < 0 ||
        cfg_int(f, s, "channels", 0, 1, 4, &m->input.c) < 0 || cfg_int(f, s, "batch", 1, 1, 65536, &batch) < 0 ||
        cfg_float(f, s, "input_mean", 0.0f, -1e6f, 1e6f, &m->input_mean) < 0 ||
        cfg_float(f, s, "input_scale", 1.0f / 255.0f, -1e6f, 1e6f, &m->input_scale) < 0)
        return -1;
    if (!cfg_string(s, "width", NULL) || !cfg_string(s, "height", NULL) || !cfg_string(s, "channels", NULL))
        return cfg_error(f, s->line, "[net] needs width=, height= and channels=");
    if (m->input_scale == 0.0f)
        return cfg_error(f, s->line, "input_scale must not be 0");
    const char *preprocess = cfg_string(s, "preprocess", "darknet");
    if (!strcmp(preprocess, "darknet"))
        m->preprocess = NN_PREPROCESS_DARKNET;
    else if (!strcmp(preprocess, "tf_slim"))
        m->preprocess = NN_PREPROCESS_TF_SLIM;
    else
        return cfg_error(f, cfg_line(s, "preprocess"), "preprocess=%.40s is not 'darknet' or 'tf_slim'", preprocess);
    for (int i = 0; net_training_keys[i]; i++)
        cfg_string(s, net_training_keys[i], NULL);
    return cfg_check_unused(f, s);
}

static size_t layer_param_count(const nn_layer *l)
{
    switch (l->kind) {
    case LAYER_CONVOLUTIONAL:
    case LAYER_CONNECTED:
        return (size_t)l->filters * (l->batch_normalize ? 4 : 1) + l->nweights;
    default:
        return 0;
    }
}

/* Points the layer's parameter arrays into p, in the order Darknet stores
 * them: conv = biases, [scales, mean, variance], weights; connected = biases,
 * weights, [scales, mean, variance]. */
static void bind_params(nn_layer *l, float *p)
{
    size_t n = (size_t)l->filters;
    if (l->kind != LAYER_CONVOLUTIONAL && l->kind != LAYER_CONNECTED)
        return;
    l->biases = p;
    p += n;
    if (l->kind == LAYER_CONNECTED) {
        l->weights = p;
        p += l->nweights;
    }
    if (l->batch_normalize) {
        l->scales = p;
        l->rolling_mean = p + n;
        l->rolling_variance = p + 2 * n;
        p += 3 * n;
    }
    if (l->kind == LAYER_CONVOLUTIONAL)
        l->weights = p;
}

static int parse_layer(cfg_file *f, cfg_section *s, nn_model *m, int index)
{
    nn_layer *l = &m->layers[index];
    memset(l, 0, sizeof *l);
    l->line = s->line;
    l->in = index ? m->layers[index - 1].out : m->input;
    nn_layer_parser parse = NULL;
    for (size_t k = 0; k < sizeof layer_kinds / sizeof *layer_kinds; k++)
        if (!strcmp(s->name, layer_kinds[k].section)) {
            l->kind = layer_kinds[k].kind;
            parse = layer_kinds[k].parse;
        }
    if (!parse)
        return cfg_error(f, s->line, "unknown or unsupported section [%.40s]", s->name);
    if (index > 0 && m->layers[index - 1].kind == LAYER_COST && l->kind != LAYER_COST)
        return cfg_error(f, s->line, "a layer after [cost] (Darknet leaves a cost layer's output unset at inference)");
    if (parse(f, s, m, index, l) < 0 || cfg_check_unused(f, s) < 0)
        return -1;
    if (l->out.c < 1 || l->out.h < 1 || l->out.w < 1 || nn_shape_size(l->out) > NN_MAX_ACTIVATION_ELEMENTS)
        return cfg_error(f, s->line, "layer output %dx%dx%d is empty or too large", l->out.c, l->out.h, l->out.w);
    if (l->nweights > NN_MAX_PARAMS || m->nparams + layer_param_count(l) > NN_MAX_PARAMS)
        return cfg_error(f, s->line, "the model has more than %u parameters", NN_MAX_PARAMS);
    m->nparams += layer_param_count(l);
    return 0;
}

int nn_model_parse_cfg(nn_model *m, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    cfg_file f;
    int rc = -1;
    if (cfg_parse(&f, text, len, name, err, errlen) < 0)
        goto out;
    if (f.nsections < 2) {
        cfg_error(&f, 0, "needs a [net] section and at least one layer");
        goto out;
    }
    if (f.nsections - 1 > NN_MAX_LAYERS) {
        cfg_error(&f, 0, "more than %d layers", NN_MAX_LAYERS);
        goto out;
    }
    if (parse_net(&f, &f.sections[0], m) < 0)
        goto out;
    m->layers = calloc((size_t)f.nsections - 1, sizeof *m->layers);
    if (!m->layers) {
        cfg_error(&f, 0, "out of memory");
        goto out;
    }
    for (int i = 1; i < f.nsections; i++) {
        m->nlayers = i; /* counted before parsing, so that nn_model_free frees what a failed parse allocated */
        if (parse_layer(&f, &f.sections[i], m, i - 1) < 0)
            goto out;
    }
    if (nn_propagate_quantization(&f, m) < 0)
        goto out;
    rc = 0;
out:
    cfg_free(&f);
    if (rc < 0)
        nn_model_free(m);
    return rc;
}

/* The size of a .weights image's header (20 or 24 bytes: float-aligned), or
 * -1 when the image is not a header plus exactly the model's parameters. */
static long weights_header_size(const nn_model *m, const uint8_t *data, size_t len, const char *name, char *err,
                                size_t errlen)
{
    int32_t header[3];
    if (len < sizeof header) {
        snprintf(err, errlen, "%s: truncated: %zu bytes, not even a header", name, len);
        return -1;
    }
    memcpy(header, data, sizeof header);
    /* Darknet's rule: `seen` is 64-bit from format version 0.2 on. */
    int major = header[0], minor = header[1];
    /* Ranges first: the version arithmetic below must not overflow. */
    if (major < 0 || minor < 0 || header[2] < 0 || major >= 1000 || minor >= 1000) {
        snprintf(err, errlen, "%s: header version %d.%d.%d is not a Darknet weights header", name, major, minor,
                 header[2]);
        return -1;
    }
    size_t seen_size = major * 10 + minor >= 2 ? 8 : 4;
    size_t offset = sizeof header + seen_size;
    if (len < offset || (len - offset) % sizeof(float)) {
        snprintf(err, errlen, "%s: %zu bytes is not a header plus whole float32 values", name, len);
        return -1;
    }
    size_t have = (len - offset) / sizeof(float);
    if (have != m->nparams) {
        snprintf(err, errlen, "%s: holds %zu parameters but the cfg needs exactly %zu (%s)", name, have,
                 m->nparams, have < m->nparams ? "truncated or wrong cfg" : "trailing data or wrong cfg");
        return -1;
    }
    return (long)offset;
}

/* Makes the floats of a .weights image the model's parameters where they
 * lie: `image` (malloc'd) belongs to the model from then on, or is freed on
 * failure. A server's 17 MB of weights are then read once and never copied. */
static int adopt_weights(nn_model *m, uint8_t *image, size_t len, const char *name, char *err, size_t errlen)
{
    long offset = weights_header_size(m, image, len, name, err, errlen);
    if (offset < 0) {
        free(image);
        return -1;
    }
    static uint64_t last_id; /* atomic */
    free(m->params_block);
    m->params_block = image;
    m->params = (float *)(void *)(image + offset);
    m->id = __atomic_add_fetch(&last_id, 1, __ATOMIC_RELAXED);
    for (size_t i = 0; i < m->nparams; i++)
        if (!isfinite(m->params[i])) {
            snprintf(err, errlen, "%s: parameter %zu (byte offset %zu) is not a finite number", name, i,
                     (size_t)offset + i * sizeof(float));
            nn_model_release_params(m);
            return -1;
        }
    float *p = m->params;
    for (int i = 0; i < m->nlayers; i++) {
        bind_params(&m->layers[i], p);
        p += layer_param_count(&m->layers[i]);
    }
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        for (int k = 0; l->batch_normalize && k < l->filters; k++)
            if (l->rolling_variance[k] < 0.0f) {
                snprintf(err, errlen, "%s: layer %d (cfg line %d) has a negative batch-norm variance", name, i,
                         l->line);
                return -1;
            }
    }
    return m->quantized ? nn_recover_quantized_params(m, name, err, errlen) : 0;
}

int nn_model_read_weights(nn_model *m, const uint8_t *data, size_t len, const char *name, char *err,
                          size_t errlen)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory for %zu bytes of weights", name, len);
        return -1;
    }
    memcpy(copy, data, len);
    return adopt_weights(m, copy, len, name, err, errlen);
}

/* Reads the tree of each hierarchical softmax, its path relative to the cfg's directory. */
static int load_softmax_trees(nn_model *m, const char *cfg_path, char *err, size_t errlen)
{
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        if (!l->tree_path)
            continue;
        char path[4096];
        const char *slash = strrchr(cfg_path, '/');
        if (l->tree_path[0] == '/' || !slash)
            snprintf(path, sizeof path, "%s", l->tree_path);
        else
            snprintf(path, sizeof path, "%.*s/%s", (int)(slash - cfg_path), cfg_path, l->tree_path);
        free(l->tree_path); /* from now on, the file that was read */
        if (!(l->tree_path = strdup(path))) {
            snprintf(err, errlen, "%s: out of memory", cfg_path);
            return -1;
        }
        if (!(l->tree = nn_softmax_tree_read(path, err, errlen)))
            return -1;
        if ((size_t)l->tree->n != nn_shape_size(l->in)) {
            snprintf(err, errlen, "%s:%d: the tree %s has %d nodes but the softmax has %zu inputs", cfg_path, l->line,
                     path, l->tree->n, nn_shape_size(l->in));
            return -1;
        }
    }
    return 0;
}

int nn_model_load(nn_model *m, const char *cfg_path, const char *weights_path, char *err, size_t errlen)
{
    size_t len;
    memset(m, 0, sizeof *m);
    uint8_t *text = file_read(cfg_path, 1 << 20, &len, err, errlen);
    if (!text)
        return -1;
    int rc = nn_model_parse_cfg(m, (const char *)text, len, cfg_path, err, errlen);
    free(text);
    if (rc < 0)
        return -1;
    if (load_softmax_trees(m, cfg_path, err, errlen) < 0) {
        nn_model_free(m);
        return -1;
    }
    uint8_t *weights = file_read(weights_path, (size_t)NN_MAX_PARAMS * 4 + 64, &len, err, errlen);
    if (!weights) {
        nn_model_free(m);
        return -1;
    }
    rc = adopt_weights(m, weights, len, weights_path, err, errlen);
    if (rc < 0)
        nn_model_free(m);
    return rc;
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

/* Interleaved RGB to three planes, (pixel - mean) * scale: a loop the
 * compiler vectorises, cloned for AVX2 (0.12 -> 0.02 ms for 224x224). */
__attribute__((target_clones("avx2", "default"))) static void normalize_rgb(const uint8_t *rgb, size_t hw, float mean,
                                                                             float scale, float *chw)
{
    for (size_t i = 0; i < hw; i++) {
        chw[i] = ((float)rgb[3 * i] - mean) * scale;
        chw[hw + i] = ((float)rgb[3 * i + 1] - mean) * scale;
        chw[2 * hw + i] = ((float)rgb[3 * i + 2] - mean) * scale;
    }
}

void nn_model_normalize_input(const nn_model *m, const uint8_t *rgb_hwc, float *chw)
{
    size_t c = (size_t)m->input.c, hw = (size_t)m->input.h * (size_t)m->input.w;
    if (c == 3) {
        normalize_rgb(rgb_hwc, hw, m->input_mean, m->input_scale, chw);
        return;
    }
    for (size_t i = 0; i < hw; i++)
        for (size_t k = 0; k < c; k++)
            chw[k * hw + i] = ((float)rgb_hwc[i * c + k] - m->input_mean) * m->input_scale;
}
