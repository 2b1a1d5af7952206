/* Writing a model as Darknet cfg text (darknet_cfg_write.h). Each layer
 * kind's section is written once, here; the two dialects differ only where
 * the comments say. */
#include "darknet_cfg_write.h"

#include <stdio.h>

/* The number of a cfg: floats as the shortest text that reads back to the
 * same float, integers as integers. */
#define FLOAT_FMT "%.9g"

static const char *activation(nn_activation a, darknet_dialect d)
{
    return d == DARKNET_DIALECT_LIBDARKNET && a == ACT_RELU6 ? "relu" : nn_activation_name(a);
}

static void write_net(const nn_model *m, darknet_dialect d, text_buffer *out)
{
    text_printf(out, "[net]\nbatch=1\nwidth=%d\nheight=%d\nchannels=%d\n", m->input.w, m->input.h, m->input.c);
    if (d != DARKNET_DIALECT_LOOKSLIKE)
        return; /* the engine normalises the input itself (input_normalize.c) */
    if (m->preprocess != NN_PREPROCESS_DARKNET)
        text_printf(out, "preprocess=%s\n", nn_preprocessing_name(m->preprocess));
    if (m->input_mean != 0.0f)
        text_printf(out, "input_mean=" FLOAT_FMT "\n", (double)m->input_mean);
    if (m->input_scale != 1.0f / 255.0f)
        text_printf(out, "input_scale=" FLOAT_FMT "\n", (double)m->input_scale);
    if (m->quantized_kernels != NN_QUANTIZED_UINT8)
        text_printf(out, "quantized_kernels=%s\n", nn_quantized_kernels_name(m->quantized_kernels));
}

/* output_scale/output_zero_point: the uint8 activation a layer writes. */
static void write_output_quantization(const nn_layer *l, text_buffer *out)
{
    text_printf(out, "output_scale=" FLOAT_FMT "\noutput_zero_point=%d\n", (double)l->out_q.scale,
                l->out_q.zero_point);
}

/* weight_scale/weight_zero_point (one value, or one per filter), then the output's. */
static void write_weight_quantization(const nn_layer *l, text_buffer *out)
{
    text_printf(out, "weight_scale=");
    for (int k = 0; k < l->nweight_q; k++)
        text_printf(out, "%s" FLOAT_FMT, k ? "," : "", (double)l->weight_q[k].scale);
    text_printf(out, "\nweight_zero_point=");
    for (int k = 0; k < l->nweight_q; k++)
        text_printf(out, "%s%d", k ? "," : "", l->weight_q[k].zero_point);
    text_printf(out, "\n");
    write_output_quantization(l, out);
}

static int write_convolutional(const nn_layer *l, int index, darknet_dialect d, text_buffer *out, char *err,
                               size_t errlen)
{
    text_printf(out, "filters=%d\nsize=%d\nstride=%d\n", l->filters, l->size, l->stride);
    if (d == DARKNET_DIALECT_LIBDARKNET) {
        /* For tf_same the nearest symmetric padding that keeps the shape. */
        int pad = l->pad_before == l->pad_after ? l->pad_before : l->pad_after;
        if ((l->in.h + 2 * pad - l->size) / l->stride + 1 != l->out.h ||
            (l->in.w + 2 * pad - l->size) / l->stride + 1 != l->out.w) {
            snprintf(err, errlen, "layer %d (cfg line %d) has padding libdarknet cannot express", index, l->line);
            return -1;
        }
        text_printf(out, "groups=%d\npadding=%d\nbatch_normalize=%d\n", l->groups, pad, l->batch_normalize);
    } else {
        if (l->groups > 1)
            text_printf(out, "groups=%d\n", l->groups);
        if (l->pad_before != l->pad_after)
            text_printf(out, "pad_mode=tf_same\n");
        else if (l->pad_before > 0)
            text_printf(out, "padding=%d\n", l->pad_before);
        if (l->batch_normalize)
            text_printf(out, "batch_normalize=1\n");
    }
    text_printf(out, "activation=%s\n", activation(l->activation, d));
    return 0;
}

static int write_layer(const nn_model *m, int index, darknet_dialect d, text_buffer *out, char *err, size_t errlen)
{
    const nn_layer *l = &m->layers[index];
    int quantization = d == DARKNET_DIALECT_LOOKSLIKE && m->quantized;
    switch (l->kind) {
    case LAYER_CONVOLUTIONAL:
        text_printf(out, "\n[convolutional]\n");
        if (write_convolutional(l, index, d, out, err, errlen) < 0)
            return -1;
        if (quantization)
            write_weight_quantization(l, out);
        break;
    case LAYER_CONNECTED:
        text_printf(out, "\n[connected]\noutput=%d\n", l->filters);
        if (l->batch_normalize || d == DARKNET_DIALECT_LIBDARKNET)
            text_printf(out, "batch_normalize=%d\n", l->batch_normalize);
        text_printf(out, "activation=%s\n", activation(l->activation, d));
        if (quantization)
            write_weight_quantization(l, out);
        break;
    case LAYER_MAXPOOL:
        /* Darknet pads padding/2 before and the rest after. */
        text_printf(out, "\n[maxpool]\nsize=%d\nstride=%d\npadding=%d\n", l->size, l->stride,
                    l->pad_before + l->pad_after);
        break;
    case LAYER_AVGPOOL:
        text_printf(out, "\n[avgpool]\n");
        if (quantization && (l->out_q.scale != l->in_q.scale || l->out_q.zero_point != l->in_q.zero_point))
            write_output_quantization(l, out);
        break;
    case LAYER_SOFTMAX:
        text_printf(out, "\n[softmax]\ngroups=1\n");
        if (l->tree_path)
            text_printf(out, "tree=%s\n", l->tree_path);
        break;
    case LAYER_SHORTCUT:
        text_printf(out, "\n[shortcut]\nfrom=%d\nactivation=%s\n", l->from, activation(l->activation, d));
        if (quantization)
            write_output_quantization(l, out);
        break;
    case LAYER_ROUTE:
        text_printf(out, "\n[route]\nlayers=");
        for (int k = 0; k < l->nroutes; k++)
            text_printf(out, "%s%d", k ? "," : "", l->routes[k]);
        text_printf(out, "\n");
        break;
    case LAYER_DROPOUT: text_printf(out, "\n[dropout]\nprobability=0\n"); break;
    case LAYER_CROP:
        text_printf(out, "\n[crop]\ncrop_height=%d\ncrop_width=%d\nnoadjust=%d\n", l->out.h, l->out.w,
                    l->crop_scale == 1.0f);
        break;
    case LAYER_COST: text_printf(out, "\n[cost]\n"); break;
    }
    return 0;
}

int darknet_cfg_write(const nn_model *m, darknet_dialect d, text_buffer *out, char *err, size_t errlen)
{
    write_net(m, d, out);
    for (int i = 0; i < m->nlayers; i++)
        if (write_layer(m, i, d, out, err, errlen) < 0)
            return -1;
    if (out->failed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
