#include "darknet_layers.h"

int nn_parse_connected(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l)
{
    (void)m;
    (void)index;
    if (cfg_int(f, s, "output", 1, 1, NN_MAX_CHANNELS, &l->filters) < 0 ||
        cfg_int(f, s, "batch_normalize", 0, 0, 1, &l->batch_normalize) < 0 ||
        nn_parse_activation(f, s, "logistic", &l->activation) < 0)
        return -1;
    /* Darknet flattens the input in C,H,W order; the output is 1x1 spatially. */
    l->out = (nn_shape){l->filters, 1, 1};
    l->nweights = (size_t)l->filters * nn_shape_size(l->in);
    return nn_parse_weight_quantization(f, s, l);
}
