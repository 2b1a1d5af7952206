/* Layers without weights that shape the graph: route, shortcut, softmax,
 * dropout, crop and cost. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_layers.h"

int resolve_layer_ref(cfg_file *f, int line, int index, long ref, int *out)
{
    long abs = ref < 0 ? index + ref : ref;
    if (abs < 0 || abs >= index)
        return cfg_error(f, line, "layer reference %ld does not name an earlier layer (this is layer %d)", ref,
                         index);
    *out = (int)abs;
    return 0;
}

/* Darknet's rule for a shortcut between different sizes (shortcut_cpu in its
 * blas.c, whose asserts are refusals here): see nn_shortcut_geometry. */
int nn_parse_shortcut(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    int from;
    float alpha, beta;
    if (cfg_int(f, s, "from", 0, -100000, 100000, &from) < 0 ||
        nn_parse_activation(f, s, "linear", &l->activation) < 0 ||
        cfg_float(f, s, "alpha", 1.0f, -1e6f, 1e6f, &alpha) < 0 ||
        cfg_float(f, s, "beta", 1.0f, -1e6f, 1e6f, &beta) < 0)
        return -1;
    if (!cfg_string(s, "from", NULL))
        return cfg_error(f, s->line, "[shortcut] needs from=");
    if (alpha != 1.0f || beta != 1.0f)
        return cfg_error(f, cfg_line(s, alpha != 1.0f ? "alpha" : "beta"),
                         "a weighted shortcut (alpha, beta other than 1) is not supported");
    if (resolve_layer_ref(f, s->line, index, from, &l->from) < 0)
        return -1;
    nn_shape add = m->layers[l->from].out, in = l->in;
    nn_shortcut_geometry *g = &l->shortcut;
    g->stride = add.w / in.w;
    g->sample = in.w / add.w;
    if (g->stride != add.h / in.h || g->sample != in.h / add.h)
        return cfg_error(f, s->line,
                         "shortcut adds layer %d (%dx%dx%d) to a %dx%dx%d input: their widths and heights differ "
                         "by different factors, which Darknet does not define",
                         l->from, add.c, add.h, add.w, in.c, in.h, in.w);
    g->stride = g->stride > 1 ? g->stride : 1;
    g->sample = g->sample > 1 ? g->sample : 1;
    g->channels = add.c < in.c ? add.c : in.c;
    g->h = add.h < in.h ? add.h : in.h;
    g->w = add.w < in.w ? add.w : in.w;
    l->out = l->in;
    return nn_parse_output_quantization(f, s, l);
}

int nn_parse_route(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    const char *list = cfg_string(s, "layers", NULL);
    if (!list)
        return cfg_error(f, s->line, "[route] needs layers=");
    const char *p = list;
    l->nroutes = 0;
    int channels = 0;
    while (*p) {
        char *end;
        errno = 0;
        long ref = strtol(p, &end, 10);
        if (errno || end == p || (*end && *end != ','))
            return cfg_error(f, s->line, "layers=%.40s is not a comma-separated list of integers", list);
        if (l->nroutes == NN_MAX_ROUTE_INPUTS)
            return cfg_error(f, s->line, "route of more than %d layers", NN_MAX_ROUTE_INPUTS);
        int abs;
        if (resolve_layer_ref(f, s->line, index, ref, &abs) < 0)
            return -1;
        nn_shape o = m->layers[abs].out;
        if (l->nroutes > 0 && (o.h != l->out.h || o.w != l->out.w))
            return cfg_error(f, s->line, "route concatenates maps of different sizes (%dx%d and %dx%d)", l->out.h,
                             l->out.w, o.h, o.w);
        channels += o.c;
        if (channels > NN_MAX_CHANNELS)
            return cfg_error(f, s->line, "route gives more than %d channels", NN_MAX_CHANNELS);
        l->routes[l->nroutes++] = abs;
        l->out = (nn_shape){channels, o.h, o.w};
        p = *end ? end + 1 : end;
    }
    if (l->nroutes == 0)
        return cfg_error(f, s->line, "[route] layers= is empty");
    return 0;
}

int nn_parse_softmax(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    int groups;
    float temperature;
    if (cfg_int(f, s, "groups", 1, 1, 1, &groups) < 0 ||
        cfg_float(f, s, "temperature", 1.0f, 1.0f, 1.0f, &temperature) < 0)
        return -1;
    /* A tree is read by nn_model_load, next to the weights: parsing reads no file. */
    const char *tree = cfg_string(s, "tree", NULL);
    if (tree && !(l->tree_path = strdup(tree)))
        return cfg_error(f, s->line, "out of memory");
    /* Darknet's softmax runs over the flattened input (or each group of the tree's siblings). */
    l->out = (nn_shape){(int)nn_shape_size(l->in), 1, 1};
    return 0;
}

int nn_parse_dropout(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    float p;
    if (cfg_float(f, s, "probability", 0.5f, 0.0f, 1.0f, &p) < 0)
        return -1;
    l->out = l->in; /* identity at inference */
    return 0;
}

/* Darknet's [crop] at inference (forward_crop_layer with net.train = 0): the
 * centred crop_height x crop_width window, times 2 minus 1 unless noadjust=1.
 * Its augmentation keys only act in training. */
int nn_parse_crop(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    static const char *const training_keys[] = {"flip", "angle", "saturation", "exposure", "shift", NULL};
    int h, w, noadjust;
    if (cfg_int(f, s, "crop_height", 1, 1, NN_MAX_DIM, &h) < 0 ||
        cfg_int(f, s, "crop_width", 1, 1, NN_MAX_DIM, &w) < 0 || cfg_int(f, s, "noadjust", 0, 0, 1, &noadjust) < 0)
        return -1;
    for (int i = 0; training_keys[i]; i++)
        cfg_string(s, training_keys[i], NULL);
    if (h > l->in.h || w > l->in.w)
        return cfg_error(f, s->line, "crop %dx%d is larger than its %dx%d input", w, h, l->in.w, l->in.h);
    l->crop_y = (l->in.h - h) / 2;
    l->crop_x = (l->in.w - w) / 2;
    l->crop_scale = noadjust ? 1.0f : 2.0f;
    l->crop_shift = noadjust ? 0.0f : -1.0f;
    l->out = (nn_shape){l->in.c, h, w};
    return 0;
}

/* [cost] only computes a training loss: at inference it passes its input on
 * (Darknet's network output is the last layer that is not a cost layer). It
 * must end the network: Darknet leaves its output unwritten at inference, so a
 * layer after it would read zeros (model.c refuses that). */
int nn_parse_cost(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    static const char *const types[] = {"sse", "masked", "smooth", "L1", "seg", "wgan", NULL};
    const char *type = cfg_string(s, "type", "sse");
    float scale;
    int known = 0;
    for (int i = 0; types[i]; i++)
        known |= !strcmp(type, types[i]);
    if (!known)
        return cfg_error(f, cfg_line(s, "type"), "unknown cost type '%.40s'", type);
    if (cfg_float(f, s, "scale", 1.0f, -1e6f, 1e6f, &scale) < 0)
        return -1;
    cfg_string(s, "ratio", NULL);
    cfg_string(s, "noobj", NULL);
    cfg_string(s, "thresh", NULL);
    l->out = l->in;
    return 0;
}
