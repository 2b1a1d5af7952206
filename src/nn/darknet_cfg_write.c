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

/* The fork's activations, which libdarknet does not know. */
static int activation_expressible(const nn_layer *l, int index, darknet_dialect d, char *err, size_t errlen)
{
    if (d != DARKNET_DIALECT_LIBDARKNET || (l->activation != ACT_MISH && l->activation != ACT_SWISH))
        return 0;
    snprintf(err, errlen, "layer %d (cfg line %d): libdarknet has no %s activation", index, l->line,
             nn_activation_name(l->activation));
    return -1;
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
    if (m->stretch)
        text_printf(out, "letter_box=0\n");
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

/* One writer a layer kind (write_NAME, NN_LAYER_KINDS in model.h): the
 * section's keys after its header; `quantization`: a quantized model in
 * lookslike's dialect, whose keys are written too. */
typedef struct {
    const nn_layer *l;
    int index;
    darknet_dialect d;
    int quantization;
    text_buffer *out;
    char *err;
    size_t errlen;
} layer_writing;

static int write_convolutional(const layer_writing *w)
{
    const nn_layer *l = w->l;
    darknet_dialect d = w->d;
    text_buffer *out = w->out;
    text_printf(out, "filters=%d\nsize=%d\nstride=%d\n", l->filters, l->size, l->stride);
    if (d == DARKNET_DIALECT_LIBDARKNET) {
        /* For tf_same the nearest symmetric padding that keeps the shape. */
        int pad = l->pad_before == l->pad_after ? l->pad_before : l->pad_after;
        if ((l->in.h + 2 * pad - l->size) / l->stride + 1 != l->out.h ||
            (l->in.w + 2 * pad - l->size) / l->stride + 1 != l->out.w) {
            snprintf(w->err, w->errlen, "layer %d (cfg line %d) has padding libdarknet cannot express", w->index,
                     l->line);
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
    if (w->quantization)
        write_weight_quantization(l, out);
    return 0;
}

static int write_connected(const layer_writing *w)
{
    const nn_layer *l = w->l;
    text_printf(w->out, "output=%d\n", l->filters);
    if (l->batch_normalize || w->d == DARKNET_DIALECT_LIBDARKNET)
        text_printf(w->out, "batch_normalize=%d\n", l->batch_normalize);
    text_printf(w->out, "activation=%s\n", activation(l->activation, w->d));
    if (w->quantization)
        write_weight_quantization(l, w->out);
    return 0;
}

static int write_maxpool(const layer_writing *w)
{
    /* Darknet pads padding/2 before and the rest after. */
    text_printf(w->out, "size=%d\nstride=%d\npadding=%d\n", w->l->size, w->l->stride,
                w->l->pad_before + w->l->pad_after);
    return 0;
}

static int write_avgpool(const layer_writing *w)
{
    const nn_layer *l = w->l;
    if (w->quantization && !nn_quant_equal(l->out_q, l->in_q))
        write_output_quantization(l, w->out);
    return 0;
}

static int write_softmax(const layer_writing *w)
{
    text_printf(w->out, "groups=1\n");
    if (w->l->tree_path)
        text_printf(w->out, "tree=%s\n", w->l->tree_path);
    return 0;
}

static int write_shortcut(const layer_writing *w)
{
    text_printf(w->out, "from=%d\nactivation=%s\n", w->l->from, activation(w->l->activation, w->d));
    if (w->quantization)
        write_output_quantization(w->l, w->out);
    return 0;
}

static int write_route(const layer_writing *w)
{
    const nn_layer *l = w->l;
    text_printf(w->out, "layers=");
    for (int k = 0; k < l->nroutes; k++)
        text_printf(w->out, "%s%d", k ? "," : "", l->routes[k]);
    text_printf(w->out, "\n");
    if (l->route_groups == 1)
        return 0;
    if (w->d == DARKNET_DIALECT_LIBDARKNET) {
        snprintf(w->err, w->errlen, "layer %d (cfg line %d): libdarknet's route has no groups=", w->index, l->line);
        return -1;
    }
    text_printf(w->out, "groups=%d\ngroup_id=%d\n", l->route_groups, l->route_group_id);
    return 0;
}

static int write_upsample(const layer_writing *w)
{
    text_printf(w->out, "stride=%d\n", w->l->stride);
    if (w->l->upsample_scale != 1.0f)
        text_printf(w->out, "scale=" FLOAT_FMT "\n", (double)w->l->upsample_scale);
    return 0;
}

static int write_reorg(const layer_writing *w)
{
    text_printf(w->out, "stride=%d\n", w->l->stride);
    return 0;
}

static void write_anchors(const nn_detection_head *h, text_buffer *out)
{
    text_printf(out, "anchors=");
    for (int k = 0; k < 2 * h->nanchors; k++)
        text_printf(out, "%s" FLOAT_FMT, k ? "," : "", (double)h->anchors[k]);
    text_printf(out, "\n");
}

static int write_yolo(const layer_writing *w)
{
    const nn_detection_head *h = &w->l->head;
    static const char *const nms_names[] = {[NN_NMS_SORT] = "default", [NN_NMS_GREEDY] = "greedynms",
                                            [NN_NMS_DIOU] = "diounms"};
    text_printf(w->out, "classes=%d\nnum=%d\nmask=", h->classes, h->nanchors);
    for (int k = 0; k < h->boxes; k++)
        text_printf(w->out, "%s%d", k ? "," : "", h->mask[k]);
    text_printf(w->out, "\n");
    write_anchors(h, w->out);
    if (h->scale_x_y == 1.0f && !h->new_coords && h->nms_kind == NN_NMS_SORT)
        return 0;
    if (w->d == DARKNET_DIALECT_LIBDARKNET) {
        snprintf(w->err, w->errlen, "layer %d (cfg line %d): libdarknet's [yolo] has no scale_x_y, new_coords or "
                                    "nms_kind",
                 w->index, w->l->line);
        return -1;
    }
    if (h->scale_x_y != 1.0f)
        text_printf(w->out, "scale_x_y=" FLOAT_FMT "\n", (double)h->scale_x_y);
    if (h->new_coords)
        text_printf(w->out, "new_coords=1\n");
    if (h->nms_kind != NN_NMS_SORT)
        text_printf(w->out, "nms_kind=%s\nbeta_nms=" FLOAT_FMT "\n", nms_names[h->nms_kind], (double)h->beta_nms);
    return 0;
}

static int write_region(const layer_writing *w)
{
    const nn_detection_head *h = &w->l->head;
    if (w->l->tree && w->d == DARKNET_DIALECT_LIBDARKNET) {
        snprintf(w->err, w->errlen, "layer %d (cfg line %d): libdarknet's [region] with a tree runs its softmax "
                                    "with temperature 0 and the wrong stride on the CPU",
                 w->index, w->l->line);
        return -1;
    }
    text_printf(w->out, "classes=%d\ncoords=4\nnum=%d\nsoftmax=%d\n", h->classes, h->boxes, h->softmax);
    if (h->background)
        text_printf(w->out, "background=1\n");
    if (w->l->tree_path)
        text_printf(w->out, "tree=%s\n", w->l->tree_path);
    write_anchors(h, w->out);
    return 0;
}

static int write_local(const layer_writing *w)
{
    const nn_layer *l = w->l;
    text_printf(w->out, "filters=%d\nsize=%d\nstride=%d\npad=%d\nactivation=%s\n", l->filters, l->size,
                l->stride, l->pad_before, activation(l->activation, w->d));
    return 0;
}

static int write_detection(const layer_writing *w)
{
    const nn_detection_head *h = &w->l->head;
    text_printf(w->out, "classes=%d\ncoords=4\nnum=%d\nside=%d\nsoftmax=%d\nsqrt=%d\n", h->classes, h->boxes,
                h->side, h->softmax, h->sqrt);
    return 0;
}

static int write_dropout(const layer_writing *w)
{
    text_printf(w->out, "probability=0\n");
    return 0;
}

static int write_crop(const layer_writing *w)
{
    text_printf(w->out, "crop_height=%d\ncrop_width=%d\nnoadjust=%d\n", w->l->out.h, w->l->out.w,
                w->l->crop_scale == 1.0f);
    return 0;
}

static int write_cost(const layer_writing *w)
{
    (void)w;
    return 0;
}

static int (*const writers[])(const layer_writing *) = {
#define NN_LAYER_KIND_WRITER(KIND, name, params, keys) [LAYER_##KIND] = write_##name,
    NN_LAYER_KINDS(NN_LAYER_KIND_WRITER)
#undef NN_LAYER_KIND_WRITER
};

static int write_layer(const nn_model *m, int index, darknet_dialect d, text_buffer *out, char *err, size_t errlen)
{
    const nn_layer *l = &m->layers[index];
    layer_writing w = {l, index, d, d == DARKNET_DIALECT_LOOKSLIKE && m->quantized, out, err, errlen};
    if (activation_expressible(l, index, d, err, errlen) < 0)
        return -1;
    text_printf(out, "\n[%s]\n", nn_layer_kind_name(l->kind));
    return writers[l->kind](&w);
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
