#include <string.h>

#include "darknet_layers.h"

/* TF "SAME" padding for one axis: out = ceil(in / stride), and the total
 * padding needed for that goes mostly *after* the input (the smaller half
 * before). Darknet pads symmetrically, which shifts every stride-2 window by
 * one pixel relative to how the TF weights were trained. */
static void tf_same_pads(int in, int size, int stride, int *before, int *after)
{
    int out = (in + stride - 1) / stride;
    int total = (out - 1) * stride + size - in;
    if (total < 0)
        total = 0;
    *before = total / 2;
    *after = total - *before;
}

int nn_parse_convolutional(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)index;
    int pad, padding;
    if (cfg_int(f, s, "filters", 1, 1, NN_MAX_CHANNELS, &l->filters) < 0 ||
        cfg_int(f, s, "size", 1, 1, NN_MAX_KERNEL, &l->size) < 0 ||
        cfg_int(f, s, "stride", 1, 1, NN_MAX_STRIDE, &l->stride) < 0 ||
        cfg_int(f, s, "groups", 1, 1, NN_MAX_CHANNELS, &l->groups) < 0 ||
        cfg_int(f, s, "pad", 0, 0, 1, &pad) < 0 || cfg_int(f, s, "padding", 0, 0, NN_MAX_KERNEL, &padding) < 0 ||
        cfg_int(f, s, "batch_normalize", 0, 0, 1, &l->batch_normalize) < 0 ||
        nn_parse_activation(f, s, "logistic", &l->activation) < 0)
        return -1;
    if (l->in.c % l->groups || l->filters % l->groups)
        return cfg_error(f, s->line, "groups=%d must divide both the %d input channels and filters=%d", l->groups,
                         l->in.c, l->filters);

    const char *mode = cfg_string(s, "pad_mode", "darknet");
    if (!strcmp(mode, "tf_same")) {
        tf_same_pads(l->in.h, l->size, l->stride, &l->pad_before, &l->pad_after);
        int wb, wa;
        tf_same_pads(l->in.w, l->size, l->stride, &wb, &wa);
        if (wb != l->pad_before || wa != l->pad_after)
            return cfg_error(f, s->line, "pad_mode=tf_same needs equal padding in height and width (input %dx%d)",
                             l->in.h, l->in.w);
        m->pads_unevenly |= l->pad_before != l->pad_after;
    } else if (!strcmp(mode, "darknet")) {
        /* Darknet: pad=1 means size/2 on every side and overrides padding=. */
        l->pad_before = l->pad_after = pad ? l->size / 2 : padding;
    } else {
        return cfg_error(f, s->line, "pad_mode=%.40s is not 'darknet' or 'tf_same'", mode);
    }

    int oh = (l->in.h + l->pad_before + l->pad_after - l->size) / l->stride + 1;
    int ow = (l->in.w + l->pad_before + l->pad_after - l->size) / l->stride + 1;
    if (l->in.h + l->pad_before + l->pad_after < l->size || l->in.w + l->pad_before + l->pad_after < l->size)
        return cfg_error(f, s->line, "kernel size %d is larger than the padded %dx%d input", l->size, l->in.h,
                         l->in.w);
    l->out = (nn_shape){l->filters, oh, ow};
    l->nweights = (size_t)l->filters * (size_t)(l->in.c / l->groups) * (size_t)l->size * (size_t)l->size;
    return nn_parse_weight_quantization(f, s, l);
}

/* Darknet's [local] (YOLOv1): a convolution whose every output pixel has its
 * own filters and biases, without batch norm. libdarknet sizes its output as
 * (in - (pad ? 1 : size)) / stride + 1 but gathers the input padded by `pad`
 * pixels (im2col_cpu), which agree only for pad=0, or pad=1 with size 3:
 * the two it can run. */
int nn_parse_local(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    int pad;
    if (cfg_int(f, s, "filters", 1, 1, NN_MAX_CHANNELS, &l->filters) < 0 ||
        cfg_int(f, s, "size", 1, 1, NN_MAX_KERNEL, &l->size) < 0 ||
        cfg_int(f, s, "stride", 1, 1, NN_MAX_STRIDE, &l->stride) < 0 || cfg_int(f, s, "pad", 0, 0, 1, &pad) < 0 ||
        nn_parse_activation(f, s, "logistic", &l->activation) < 0)
        return -1;
    if (pad && l->size != 3)
        return cfg_error(f, s->line, "[local] with pad=1 needs size=3 (libdarknet's output size and its padding "
                                     "disagree otherwise)");
    if (l->in.h + 2 * pad < l->size || l->in.w + 2 * pad < l->size)
        return cfg_error(f, s->line, "kernel size %d is larger than the padded %dx%d input", l->size, l->in.h,
                         l->in.w);
    l->pad_before = l->pad_after = pad;
    l->groups = 1;
    l->out = (nn_shape){l->filters, (l->in.h + 2 * pad - l->size) / l->stride + 1,
                        (l->in.w + 2 * pad - l->size) / l->stride + 1};
    size_t per_pixel = (size_t)l->filters * (size_t)l->in.c * (size_t)l->size * (size_t)l->size;
    if (per_pixel > NN_MAX_PARAMS || per_pixel * (size_t)l->out.h * (size_t)l->out.w > NN_MAX_PARAMS)
        return cfg_error(f, s->line, "the model has more than %u parameters", NN_MAX_PARAMS);
    l->nweights = per_pixel * (size_t)l->out.h * (size_t)l->out.w;
    return 0;
}
