/* Layers that change a map's size without weights: [upsample] (YOLOv3's
 * nearest-neighbour enlargement) and [reorg] (YOLOv2's space-to-depth, in
 * libdarknet's own index order). */
#include "darknet_layers.h"

int nn_parse_upsample(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    if (cfg_int(f, s, "stride", 2, -NN_MAX_STRIDE, NN_MAX_STRIDE, &l->stride) < 0 ||
        cfg_float(f, s, "scale", 1.0f, -1e6f, 1e6f, &l->upsample_scale) < 0)
        return -1;
    if (l->stride < 1)
        return cfg_error(f, cfg_line(s, "stride"),
                         "upsample stride=%d: only enlarging (a positive stride) is supported", l->stride);
    if ((long)l->in.h * l->stride > NN_MAX_DIM || (long)l->in.w * l->stride > NN_MAX_DIM)
        return cfg_error(f, s->line, "upsampling %dx%d by %d is larger than %d", l->in.w, l->in.h, l->stride,
                         NN_MAX_DIM);
    l->out = (nn_shape){l->in.c, l->in.h * l->stride, l->in.w * l->stride};
    return 0;
}

/* libdarknet's [reorg] (reorg_cpu with forward = 0): stride s turns a c x h x
 * w map into c s^2 x h/s x w/s, reading its input as if it were c/s^2 x hs x
 * ws. Only that plain form: its reverse=, flatten= and extra= are refused. */
int nn_parse_reorg(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    int reverse, flatten, extra;
    if (cfg_int(f, s, "stride", 1, 1, NN_MAX_STRIDE, &l->stride) < 0 ||
        cfg_int(f, s, "reverse", 0, 0, 0, &reverse) < 0 || cfg_int(f, s, "flatten", 0, 0, 0, &flatten) < 0 ||
        cfg_int(f, s, "extra", 0, 0, 0, &extra) < 0)
        return -1;
    int st = l->stride;
    if (l->in.c % (st * st) || l->in.h % st || l->in.w % st)
        return cfg_error(f, s->line, "reorg stride=%d needs a multiple of %d channels and of %d rows and columns "
                                     "(the input is %dx%dx%d)",
                         st, st * st, st, l->in.c, l->in.h, l->in.w);
    if ((long)l->in.c * st * st > NN_MAX_CHANNELS)
        return cfg_error(f, s->line, "reorg gives more than %d channels", NN_MAX_CHANNELS);
    l->out = (nn_shape){l->in.c * st * st, l->in.h / st, l->in.w / st};
    return 0;
}
