/* The layers at a classifier's end: [softmax] (flat, or a hierarchical
 * tree), and those inference passes through: [dropout], [crop], [cost]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "darknet_layers.h"

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
        cfg_ignore(s, training_keys[i]);
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
 * layer after it would read zeros (darknet_cfg.c refuses that). */
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
    cfg_ignore(s, "ratio");
    cfg_ignore(s, "noobj");
    cfg_ignore(s, "thresh");
    l->out = l->in;
    return 0;
}
