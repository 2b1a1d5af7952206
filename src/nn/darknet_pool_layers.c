#include "darknet_layers.h"

int nn_parse_maxpool(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    int padding;
    /* Darknet's defaults: stride 1, size the stride. */
    if (cfg_int(f, s, "stride", 1, 1, NN_MAX_STRIDE, &l->stride) < 0 ||
        cfg_int(f, s, "size", l->stride, 1, NN_MAX_KERNEL, &l->size) < 0)
        return -1;
    /* Darknet's default total padding is size-1, padding/2 of it before. */
    if (cfg_int(f, s, "padding", l->size - 1, 0, NN_MAX_KERNEL, &padding) < 0)
        return -1;
    l->pad_before = padding / 2;
    l->pad_after = padding - l->pad_before;
    if (l->in.h + padding < l->size || l->in.w + padding < l->size)
        return cfg_error(f, s->line, "maxpool size %d is larger than the padded %dx%d input", l->size, l->in.h,
                         l->in.w);
    l->out = (nn_shape){l->in.c, (l->in.h + padding - l->size) / l->stride + 1,
                        (l->in.w + padding - l->size) / l->stride + 1};
    return 0;
}

int nn_parse_avgpool(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    /* Darknet's [avgpool] averages each channel over the whole map. In a
     * quantized model it may write another quantization than it reads (a
     * TFLite int8 MEAN). */
    l->out = (nn_shape){l->in.c, 1, 1};
    return nn_parse_output_quantization(f, s, l);
}
