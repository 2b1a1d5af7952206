/* Reading a quantized model (models/darknet-format.md, "Quantization"): the
 * cfg keys giving each layer's scales and zero points, their propagation
 * through the layers without keys, and the exact recovery of the 8-bit
 * weights and int32 biases from the float32 .weights file, which holds
 * scale * (q - zero_point). Anything off that grid is refused with the file
 * and layer: an integer engine must run exactly the integers the model was
 * trained to, or not at all. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../prefault.h"
#include "darknet_layers.h"
#include "int8_arith.h"

static int parse_scale(cfg_file *f, int line, const char *key, const char *text, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(text, &end);
    if (errno == ERANGE || end == text || !isfinite(v) || v <= 0.0f)
        return cfg_error(f, line, "%s: '%.40s' is not a finite scale above 0", key, text);
    *out = v;
    return (int)(end - text);
}

static int parse_zero_point(cfg_file *f, int line, const char *key, const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || v < 0 || v > 255)
        return cfg_error(f, line, "%s: '%.40s' is not a zero point in 0..255", key, text);
    *out = (int)v;
    return (int)(end - text);
}

/* "a" or "a,b,c" into n values (n = 1 or `count`): scales or zero points. */
static int parse_list(cfg_file *f, cfg_section *s, const char *key, int count, nn_quant *q, int *n, int scales)
{
    const char *text = cfg_string(s, key, NULL);
    int line = cfg_line(s, key);
    int k = 0;
    for (const char *p = text;; k++) {
        if (k == count)
            return cfg_error(f, line, "%s= has more than %d values", key, count);
        int used = scales ? parse_scale(f, line, key, p, &q[k].scale)
                          : parse_zero_point(f, line, key, p, &q[k].zero_point);
        if (used < 0)
            return -1;
        p += used;
        if (!*p)
            break;
        if (*p != ',')
            return cfg_error(f, line, "%s=%.40s is not a comma-separated list", key, text);
        p++;
    }
    k++;
    if (k != 1 && k != count)
        return cfg_error(f, line, "%s= has %d values: give 1 (per tensor) or %d (per filter)", key, k, count);
    *n = k;
    return 0;
}

int nn_parse_output_quantization(cfg_file *f, cfg_section *s, nn_layer *l)
{
    const char *scale = cfg_string(s, "output_scale", NULL), *zp = cfg_string(s, "output_zero_point", NULL);
    if (!scale && !zp)
        return 0;
    if (!scale || !zp)
        return cfg_error(f, s->line, "output_scale= and output_zero_point= come together");
    if (parse_scale(f, s->line, "output_scale", scale, &l->out_q.scale) < 0 ||
        parse_zero_point(f, s->line, "output_zero_point", zp, &l->out_q.zero_point) < 0)
        return -1;
    if (scale[strcspn(scale, ",")] || zp[strcspn(zp, ",")])
        return cfg_error(f, s->line, "output_scale= and output_zero_point= take one value (per tensor)");
    return 0;
}

int nn_parse_weight_quantization(cfg_file *f, cfg_section *s, nn_layer *l)
{
    const char *scale = cfg_string(s, "weight_scale", NULL), *zp = cfg_string(s, "weight_zero_point", NULL);
    if (!scale && !zp && !cfg_string(s, "output_scale", NULL) && !cfg_string(s, "output_zero_point", NULL))
        return 0;
    if (!scale || !zp || !cfg_string(s, "output_scale", NULL))
        return cfg_error(f, s->line, "a quantized layer needs weight_scale=, weight_zero_point=, output_scale= "
                                     "and output_zero_point=");
    nn_quant *q = calloc((size_t)l->filters, sizeof *q);
    if (!q)
        return cfg_error(f, s->line, "out of memory");
    l->weight_q = q;
    int nscales, nzps;
    if (parse_list(f, s, "weight_scale", l->filters, q, &nscales, 1) < 0 ||
        parse_list(f, s, "weight_zero_point", l->filters, q, &nzps, 0) < 0)
        return -1;
    if (nscales != nzps)
        return cfg_error(f, s->line, "weight_scale= has %d values but weight_zero_point= has %d", nscales, nzps);
    l->nweight_q = nscales;
    if (l->batch_normalize)
        return cfg_error(f, s->line, "a quantized layer cannot have batch_normalize=1 (fold it into the weights)");
    return nn_parse_output_quantization(f, s, l);
}

static int has_keys(const nn_layer *l)
{
    return l->out_q.scale > 0.0f;
}

static int takes_keys(const nn_layer *l)
{
    nn_layer_keys keys = nn_layer_kind_keys(l->kind);
    return keys == NN_KEYS_WEIGHTS || keys == NN_KEYS_OUTPUT;
}

int nn_propagate_quantization(cfg_file *f, nn_model *m)
{
    int first = -1;
    for (int i = 0; i < m->nlayers && first < 0; i++)
        if (takes_keys(&m->layers[i]))
            first = i;
    if (first < 0)
        return 0;
    if (!has_keys(&m->layers[first])) { /* a float model: no layer may carry keys */
        for (int i = first + 1; i < m->nlayers; i++)
            if (has_keys(&m->layers[i]))
                return cfg_error(f, m->layers[i].line,
                                 "layer %d has quantization keys but layer %d has none: a model is quantized in "
                                 "every layer or none",
                                 i, first);
        return 0;
    }
    m->quantized = 1;
    if (m->input_mean != floorf(m->input_mean) || m->input_mean < 0.0f || m->input_mean > 255.0f ||
        m->input_scale <= 0.0f)
        return cfg_error(f, f->sections[0].line,
                         "a quantized model needs input_mean= a zero point in 0..255 and input_scale= above 0 "
                         "(its input is the 8-bit pixel)");
    nn_quant input = {m->input_scale, (int)m->input_mean};
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        l->in_q = i ? m->layers[i - 1].out_q : input;
        if (takes_keys(l) && !has_keys(l))
            return cfg_error(f, l->line, "layer %d has no quantization keys but layer %d has: a model is quantized "
                                         "in every layer or none",
                             i, first);
        switch (l->kind) {
        case LAYER_SOFTMAX:
            l->out_q = (nn_quant){1.0f / 256.0f, 0}; /* TFLite's uint8 softmax output */
            break;
        case LAYER_ROUTE:
            l->in_q = l->out_q = m->layers[l->routes[0]].out_q;
            for (int k = 1; k < l->nroutes; k++) {
                nn_quant o = m->layers[l->routes[k]].out_q;
                if (!nn_quant_equal(o, l->out_q))
                    return cfg_error(f, l->line, "route concatenates maps of different quantization");
            }
            break;
        case LAYER_LOCAL:
            return cfg_error(f, l->line, "a [local] in a quantized model is not supported");
        case LAYER_AVGPOOL:
            if (has_keys(l) && m->quantized_kernels == NN_QUANTIZED_UINT8 &&
                !nn_quant_equal(l->out_q, l->in_q))
                return cfg_error(f, l->line, "an [avgpool] that rescales needs quantized_kernels=int8 (TFLite's "
                                             "uint8 average pool keeps its input's quantization)");
            /* fall through */
        default: /* without keys: what it reads */
            if (!has_keys(l))
                l->out_q = l->in_q;
        }
    }
    return 0;
}

/* The scale of a quantized layer's int32 biases for filter o: input scale
 * times weight scale, in double, as TFLite defines it. */
static double bias_scale(const nn_layer *l, int o)
{
    return quantized_bias_scale(l->in_q.scale, l->weight_q[l->nweight_q > 1 ? o : 0].scale);
}

/* The integer k, |k| < limit, with (float)(scale * k) == v, or refuses. */
static int on_grid(float v, double scale, long limit, long *k)
{
    double r = nearbyint((double)v / scale);
    if (!(fabs(r) < (double)limit))
        return 0;
    *k = (long)r;
    return (float)(scale * (double)*k) == v;
}

/* on_grid for a weight (|k| <= 255), the common case fast: the candidate k
 * from a multiplication by 1 / scale, rounded half away from zero, taken when
 * it passes on_grid's check; else on_grid itself. The same answer as on_grid
 * alone: a k that passes is within 255 * 2^-24 of v / scale, so it is what
 * on_grid rounds v / scale to; and two such k cannot both pass. 4.2 M weights
 * took 22 ms with a division and nearbyint each. */
static int on_weight_grid(float v, double scale, double inverse, long *k)
{
    double x = (double)v * inverse;
    if (fabs(x) < 256.0) {
        long c = (long)(x + (x < 0 ? -0.5 : 0.5));
        if ((float)(scale * (double)c) == v) {
            *k = c;
            return 1;
        }
    }
    return on_grid(v, scale, 256, k);
}

int nn_recover_quantized_params(nn_model *m, const char *name, char *err, size_t errlen)
{
    nn_free_quantized_params(m);
    /* one block for all layers, its pages mapped at once (4.2 M weights in
     * fresh 4 KiB pages took ~20 ms of page faults) */
    size_t total = 0;
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].nweight_q)
            total += (m->layers[i].nweights + 3) / 4 * 4 + (size_t)m->layers[i].filters * sizeof(int32_t);
    uint8_t *block = m->qparams_block = prefaulted_alloc(total);
    if (!block) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        if (!l->nweight_q)
            continue;
        l->qbiases = (int32_t *)(void *)block; /* biases first: 4-byte aligned */
        block += (size_t)l->filters * sizeof *l->qbiases;
        l->qweights = block;
        block += (l->nweights + 3) / 4 * 4;
        size_t per_filter = l->nweights / (size_t)l->filters;
        for (int o = 0; o < l->filters; o++) {
            const nn_quant *q = &l->weight_q[l->nweight_q > 1 ? o : 0];
            double inverse = 1.0 / (double)q->scale;
            for (size_t k = (size_t)o * per_filter; k < (size_t)(o + 1) * per_filter; k++) {
                long d;
                if (!on_weight_grid(l->weights[k], q->scale, inverse, &d) || d + q->zero_point < 0 ||
                    d + q->zero_point > 255) {
                    snprintf(err, errlen,
                             "%s: layer %d (cfg line %d): weight %zu = %.9g is not weight_scale * (q - %d) for any q "
                             "in 0..255",
                             name, i, l->line, k, (double)l->weights[k], q->zero_point);
                    return -1;
                }
                l->qweights[k] = (uint8_t)(d + q->zero_point);
            }
        }
        for (int o = 0; o < l->filters; o++) {
            long b;
            if (!on_grid(l->biases[o], bias_scale(l, o), NN_MAX_EXACT_BIAS, &b)) {
                snprintf(err, errlen,
                         "%s: layer %d (cfg line %d): bias %d = %.9g is not input scale * weight scale * an integer "
                         "below 2^24",
                         name, i, l->line, o, (double)l->biases[o]);
                return -1;
            }
            l->qbiases[o] = (int32_t)b;
        }
    }
    return 0;
}

void nn_free_quantized_params(nn_model *m)
{
    free(m->qparams_block);
    m->qparams_block = NULL;
    for (int i = 0; i < m->nlayers; i++) {
        m->layers[i].qweights = NULL;
        m->layers[i].qbiases = NULL;
    }
}
