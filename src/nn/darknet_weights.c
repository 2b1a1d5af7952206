/* A Darknet .weights image: its header and the float32 parameters of every
 * layer in Darknet's order, adopted in place and checked (finite, variances
 * not negative; quantized models: their integers recovered). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darknet_layers.h"

/* Points the layer's parameter arrays into p, in the order Darknet stores
 * them: conv = biases, [scales, mean, variance], weights; connected (and
 * local) = biases, weights, [scales, mean, variance]. */
static void bind_params(nn_layer *l, float *p)
{
    size_t n = (size_t)l->filters;
    nn_layer_params kind = nn_layer_kind_params(l->kind);
    if (kind == NN_PARAMS_NONE)
        return;
    l->biases = p;
    p += nn_layer_bias_count(l);
    if (kind == NN_PARAMS_CONNECTED) {
        l->weights = p;
        p += l->nweights;
    }
    if (l->batch_normalize) {
        l->scales = p;
        l->rolling_mean = p + n;
        l->rolling_variance = p + 2 * n;
        p += 3 * n;
    }
    if (kind == NN_PARAMS_CONVOLUTIONAL)
        l->weights = p;
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
int nn_model_adopt_weights(nn_model *m, uint8_t *image, size_t len, const char *name, char *err, size_t errlen)
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
        p += nn_layer_param_count(&m->layers[i]);
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
    return nn_model_adopt_weights(m, copy, len, name, err, errlen);
}

