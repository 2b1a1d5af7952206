/* Layers without weights that shape the graph: route, shortcut, softmax, dropout. */
#include <errno.h>
#include <stdlib.h>

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

int nn_parse_shortcut(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    int from;
    if (cfg_int(f, s, "from", 0, -100000, 100000, &from) < 0 ||
        nn_parse_activation(f, s, "linear", &l->activation) < 0)
        return -1;
    if (!cfg_string(s, "from", NULL))
        return cfg_error(f, s->line, "[shortcut] needs from=");
    if (resolve_layer_ref(f, s->line, index, from, &l->from) < 0)
        return -1;
    nn_shape o = m->layers[l->from].out;
    if (o.c != l->in.c || o.h != l->in.h || o.w != l->in.w)
        return cfg_error(f, s->line, "shortcut adds layer %d (%dx%dx%d) to a %dx%dx%d input; shapes must match",
                         l->from, o.c, o.h, o.w, l->in.c, l->in.h, l->in.w);
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
    if (cfg_int(f, s, "groups", 1, 1, 1, &groups) < 0)
        return -1;
    /* Darknet's softmax runs over the flattened input. */
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
