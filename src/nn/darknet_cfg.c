/* The Darknet .cfg of a model: its [net] section and one section per layer,
 * each handed to its kind's parser (darknet_layers.h) through the table
 * below; and the loader of a model's Darknet files (cfg, softmax trees,
 * weights: nn_model_load). The INI syntax itself: cfg_file.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../file_read.h"
#include "cfg_file.h"
#include "darknet_layers.h"

#define NN_MAX_LAYERS 1000

/* Training-only [net] keys of standard Darknet cfgs: accepted and ignored,
 * because they do not change what inference computes. */
static const char *const net_training_keys[] = {
    "subdivisions", "momentum", "decay", "learning_rate", "max_batches", "policy", "steps", "scales", "power",
    "angle", "saturation", "exposure", "hue", "burn_in", "max_crop", "min_crop", "aspect", "gamma", "step",
    "rate", "adam", "B1", "B2", "eps", "time_steps", "notruth", "random", "inputs",
    /* the maintained fork's (YOLOv4) */
    "mosaic", "cutmix", "mixup", "blur", "flip", "ema_alpha", "optimized_memory", "label_smooth_eps",
    "adversarial_lr", "attention", "track", "augment_speed", "sequential_subdivisions", "max_chart_loss",
    "workspace_size_limit_MB", "gaussian_noise", "dynamic_minibatch", "contrastive", NULL,
};

/* Each kind's parser (darknet_layers.h), from the one list of kinds (model.h). */
static const nn_layer_parser parsers[] = {
#define NN_LAYER_KIND_PARSER(KIND, name, params, keys) [LAYER_##KIND] = nn_parse_##name,
    NN_LAYER_KINDS(NN_LAYER_KIND_PARSER)
#undef NN_LAYER_KIND_PARSER
};

/* Darknet's short names of some sections. */
static const struct {
    const char *section;
    nn_layer_kind kind;
} aliases[] = {
    {"conv", LAYER_CONVOLUTIONAL}, {"max", LAYER_MAXPOOL}, {"avg", LAYER_AVGPOOL}, {"soft", LAYER_SOFTMAX},
};

/* The kind a section names: 0, or -1 when none does. */
static int kind_of(const char *section, nn_layer_kind *kind)
{
    for (size_t k = 0; k < sizeof parsers / sizeof *parsers; k++)
        if (!strcmp(section, nn_layer_kind_name((nn_layer_kind)k))) {
            *kind = (nn_layer_kind)k;
            return 0;
        }
    for (size_t k = 0; k < sizeof aliases / sizeof *aliases; k++)
        if (!strcmp(section, aliases[k].section)) {
            *kind = aliases[k].kind;
            return 0;
        }
    return -1;
}

int nn_parse_activation(cfg_file *f, cfg_section *s, const char *dflt, nn_activation *out)
{
    const char *name = cfg_string(s, "activation", dflt);
    for (int i = 0; i < NN_ACTIVATIONS; i++)
        if (!strcmp(name, nn_activation_name((nn_activation)i))) {
            *out = (nn_activation)i;
            return 0;
        }
    return cfg_error(f, s->line, "unsupported activation '%.40s'", name);
}

/* key= one of two names, the first the default: *is_second says which. */
static int parse_either(cfg_file *f, cfg_section *s, const char *key, const char *first, const char *second,
                        int *is_second)
{
    const char *v = cfg_string(s, key, first);
    *is_second = !strcmp(v, second);
    if (*is_second || !strcmp(v, first))
        return 0;
    return cfg_error(f, cfg_line(s, key), "%s=%.40s is not '%s' or '%s'", key, v, first, second);
}

static int parse_net(cfg_file *f, cfg_section *s, nn_model *m)
{
    int batch, letterbox;
    if (strcmp(s->name, "net") && strcmp(s->name, "network"))
        return cfg_error(f, s->line, "the first section must be [net], not [%.40s]", s->name);
    if (cfg_int(f, s, "width", 0, 1, NN_MAX_DIM, &m->input.w) < 0 ||
        cfg_int(f, s, "height", 0, 1, NN_MAX_DIM, &m->input.h) < 0 ||
        cfg_int(f, s, "channels", 0, 1, 4, &m->input.c) < 0 || cfg_int(f, s, "batch", 1, 1, 65536, &batch) < 0 ||
        cfg_float(f, s, "input_mean", 0.0f, -1e6f, 1e6f, &m->input_mean) < 0 ||
        cfg_float(f, s, "input_scale", 1.0f / 255.0f, -1e6f, 1e6f, &m->input_scale) < 0 ||
        cfg_int(f, s, "letter_box", 1, 0, 1, &letterbox) < 0)
        return -1;
    m->stretch = !letterbox;
    if (!cfg_string(s, "width", NULL) || !cfg_string(s, "height", NULL) || !cfg_string(s, "channels", NULL))
        return cfg_error(f, s->line, "[net] needs width=, height= and channels=");
    if (m->input_scale == 0.0f)
        return cfg_error(f, s->line, "input_scale must not be 0");
    int tf_slim, int8;
    if (parse_either(f, s, "preprocess", nn_preprocessing_name(NN_PREPROCESS_DARKNET),
                     nn_preprocessing_name(NN_PREPROCESS_TF_SLIM), &tf_slim) < 0 ||
        parse_either(f, s, "quantized_kernels", nn_quantized_kernels_name(NN_QUANTIZED_UINT8),
                     nn_quantized_kernels_name(NN_QUANTIZED_INT8), &int8) < 0)
        return -1;
    m->preprocess = tf_slim ? NN_PREPROCESS_TF_SLIM : NN_PREPROCESS_DARKNET;
    m->quantized_kernels = int8 ? NN_QUANTIZED_INT8 : NN_QUANTIZED_UINT8;
    for (int i = 0; net_training_keys[i]; i++)
        cfg_ignore(s, net_training_keys[i]);
    cfg_ignore(s, "batch"); /* checked, but inference makes its own batches */
    return cfg_check_unused(f, s);
}

static int parse_layer(cfg_file *f, cfg_section *s, nn_model *m, int index)
{
    nn_layer *l = &m->layers[index];
    memset(l, 0, sizeof *l);
    l->line = s->line;
    l->in = index ? m->layers[index - 1].out : m->input;
    if (kind_of(s->name, &l->kind) < 0)
        return cfg_error(f, s->line, "unknown or unsupported section [%.40s]", s->name);
    if (index > 0 && m->layers[index - 1].kind == LAYER_COST && l->kind != LAYER_COST)
        return cfg_error(f, s->line, "a layer after [cost] (Darknet leaves a cost layer's output unset at inference)");
    if (parsers[l->kind](f, s, m, index, l) < 0 || cfg_check_unused(f, s) < 0)
        return -1;
    if (l->out.c < 1 || l->out.h < 1 || l->out.w < 1 || nn_shape_size(l->out) > NN_MAX_ACTIVATION_ELEMENTS)
        return cfg_error(f, s->line, "layer output %dx%dx%d is empty or too large", l->out.c, l->out.h, l->out.w);
    if (l->nweights > NN_MAX_PARAMS || m->nparams + nn_layer_param_count(l) > NN_MAX_PARAMS)
        return cfg_error(f, s->line, "the model has more than %u parameters", NN_MAX_PARAMS);
    m->nparams += nn_layer_param_count(l);
    return 0;
}

/* A detector takes Darknet's input (three channels, 0..1, letterboxed or
 * resized: src/detect/) and float arithmetic. YOLOv1's [detection] reads its
 * boxes off the whole input, which Darknet resizes for it (yolo.c): its
 * letter_box defaults to 0. */
static int check_detector(cfg_file *f, nn_model *m)
{
    if (nn_model_task(m) != NN_TASK_DETECTION)
        return 0;
    int line = f->sections[0].line;
    if (m->input.c != 3)
        return cfg_error(f, line, "a detector needs channels=3");
    if (m->preprocess != NN_PREPROCESS_DARKNET || m->input_mean != 0.0f || m->input_scale != 1.0f / 255.0f)
        return cfg_error(f, line, "a detector takes Darknet's own input (no preprocess=, input_mean=, input_scale=)");
    if (m->quantized)
        return cfg_error(f, line, "a quantized detector is not supported");
    int classes = 0, kind = -1;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        if (!nn_layer_is_head(l))
            continue;
        if (kind >= 0 && (int)l->kind != kind)
            return cfg_error(f, l->line, "a [%s] after a [%s]: a detector's heads are of one kind",
                             nn_layer_kind_name(l->kind), nn_layer_kind_name((nn_layer_kind)kind));
        kind = (int)l->kind;
        if (l->kind == LAYER_DETECTION && !cfg_string(&f->sections[0], "letter_box", NULL))
            m->stretch = 1;
        if (classes && l->head.classes != classes)
            return cfg_error(f, l->line, "this head has %d classes, an earlier one %d", l->head.classes, classes);
        classes = l->head.classes;
    }
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
    if (nn_propagate_quantization(&f, m) < 0 || check_detector(&f, m) < 0)
        goto out;
    rc = 0;
out:
    cfg_free(&f);
    if (rc < 0)
        nn_model_free(m);
    return rc;
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
        /* a node a class: a softmax's inputs, a region's classes */
        size_t classes = l->kind == LAYER_REGION ? (size_t)l->head.classes : nn_shape_size(l->in);
        if ((size_t)l->tree->n != classes) {
            snprintf(err, errlen, "%s:%d: the tree %s has %d nodes but the [%s] has %zu classes", cfg_path, l->line,
                     path, l->tree->n, nn_layer_kind_name(l->kind), classes);
            return -1;
        }
    }
    return 0;
}

int nn_model_load(nn_model *m, const char *cfg_path, const char *weights_path, char *err, size_t errlen)
{
    return nn_model_load_seen(m, cfg_path, weights_path, NULL, err, errlen);
}

int nn_model_load_seen(nn_model *m, const char *cfg_path, const char *weights_path, const file_observer *seen,
                       char *err, size_t errlen)
{
    size_t len;
    memset(m, 0, sizeof *m);
    uint8_t *text = file_read_seen(cfg_path, 1 << 20, &len, seen, err, errlen);
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
    /* The cfg says how many bytes the weights have: a larger file is refused
     * before it is read (a reload must not hold a stray 900 MB file to find
     * out), and no more than that is ever read. */
    size_t most = NN_WEIGHTS_MAX_HEADER + m->nparams * sizeof(float);
    struct stat st;
    if (stat(weights_path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > most) {
        snprintf(err, errlen, "%s: %lld bytes, but the cfg's %zu parameters take %zu at most (the header and "
                              "float32 values): not this cfg's weights",
                 weights_path, (long long)st.st_size, m->nparams, most);
        nn_model_free(m);
        return -1;
    }
    uint8_t *weights = file_read_seen(weights_path, most, &len, seen, err, errlen);
    if (!weights) {
        nn_model_free(m);
        return -1;
    }
    rc = nn_model_adopt_weights(m, weights, len, weights_path, err, errlen);
    if (rc < 0)
        nn_model_free(m);
    return rc;
}

