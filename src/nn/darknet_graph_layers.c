/* Layers that join the graph: [shortcut] (a sum with an earlier layer) and
 * [route] (earlier layers' outputs, or a group of their channels,
 * concatenated); and the reference to an earlier layer both use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "darknet_layers.h"

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
    /* The fork's groups=/group_id=: of each input, one of `groups` equal slices of its channels. */
    if (cfg_int(f, s, "groups", 1, 1, NN_MAX_CHANNELS, &l->route_groups) < 0 ||
        cfg_int(f, s, "group_id", 0, 0, l->route_groups - 1, &l->route_group_id) < 0)
        return -1;
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
        if (o.c % l->route_groups)
            return cfg_error(f, cfg_line(s, "groups"), "groups=%d does not divide layer %d's %d channels",
                             l->route_groups, abs, o.c);
        channels += o.c / l->route_groups;
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
