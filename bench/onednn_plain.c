/* The peer "a direct oneDNN MobileNet": the network written straight against
 * the oneDNN API the way its own cnn_inference example does it: every
 * primitive left free to choose its layouts (format "any"), a reorder wherever
 * one layer's output layout differs from the next one's input, one buffer per
 * layer, oneDNN's own scratchpad. That is the port a user of oneDNN would
 * write; lookslike's engine (src/nn/onednn_engine.c) is measured against it.
 * Supports what MobileNet v1 uses: convolutions (incl. depthwise) with
 * linear/relu6, global average pooling, softmax. The batch size is a
 * parameter, to measure what batching several images per run would gain. */
#include "onednn_plain.h"
#include "onednn_steps.h"

#include <dnnl.h>
#include <omp.h>
#include <stdlib.h>

struct plain_net {
    onednn_steps steps;
    int threads, batch;
    dnnl_memory_t in, out;
};

/* Weights copied from the model's plain layout into the layout the primitive chose, once. */
static dnnl_memory_t weights(plain_net *n, const float *data, int ndims, const dnnl_dims_t d, dnnl_format_tag_t tag,
                             const dnnl_memory_desc_t *want)
{
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, ndims, d, dnnl_f32, tag);
    return onednn_steps_constant(&n->steps, (void *)data, &md, want);
}

static dnnl_memory_t conv(plain_net *n, const nn_layer *l, dnnl_memory_t in)
{
    dnnl_memory_desc_t src_md, w_md, b_md, dst_md;
    dnnl_dims_t src_d = {n->batch, l->in.c, l->in.h, l->in.w}, dst_d = {n->batch, l->out.c, l->out.h, l->out.w},
                b_d = {l->filters}, strides = {l->stride, l->stride}, pl = {l->pad_before, l->pad_before},
                pr = {l->pad_after, l->pad_after};
    /* Grouped weights are g,o,i,h,w; ungrouped o,i,h,w (the same bytes). */
    int grouped = l->groups > 1, w_nd = grouped ? 5 : 4;
    dnnl_dims_t w_d = {l->groups, l->filters / l->groups, l->in.c / l->groups, l->size, l->size};
    const dnnl_dim_t *w_dims = grouped ? w_d : w_d + 1;
    if (l->batch_normalize)
        return NULL;
    dnnl_memory_desc_init_by_tag(&src_md, 4, src_d, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&w_md, w_nd, w_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&b_md, 1, b_d, dnnl_f32, dnnl_x);
    dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dnnl_f32, dnnl_format_tag_any);
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    dnnl_primitive_attr_create(&attr);
    dnnl_post_ops_create(&po);
    if (l->activation == ACT_RELU6)
        dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f, 6.0f);
    dnnl_primitive_attr_set_post_ops(attr, po);
    dnnl_post_ops_destroy(po);
    dnnl_status_t st = dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                          &src_md, &w_md, &b_md, &dst_md, strides, pl, pr);
    if (st == dnnl_success)
        st = dnnl_primitive_desc_create(&pd, &cd, attr, n->steps.eng, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success)
        return NULL;
    dnnl_memory_t w = weights(n, l->weights, w_nd, w_dims, grouped ? dnnl_goihw : dnnl_oihw,
                              dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0));
    dnnl_memory_t b = weights(n, l->biases, 1, b_d, dnnl_x, &b_md);
    dnnl_memory_t src =
        w && b ? onednn_steps_reordered(&n->steps, in, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)) : NULL;
    dnnl_memory_t dst =
        onednn_steps_memory(&n->steps, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), DNNL_MEMORY_ALLOCATE);
    if (!src || !dst || onednn_steps_add(&n->steps, pd, src, w, b, dst) < 0)
        return NULL;
    return dst;
}

static dnnl_memory_t softmax(plain_net *n, const nn_layer *l, dnnl_memory_t in)
{
    dnnl_memory_desc_t md;
    dnnl_dims_t d = {n->batch, l->in.c, l->in.h, l->in.w};
    dnnl_memory_desc_init_by_tag(&md, 4, d, dnnl_f32, dnnl_nchw);
    dnnl_memory_t src = onednn_steps_reordered(&n->steps, in, &md),
                  dst = onednn_steps_memory(&n->steps, &md, DNNL_MEMORY_ALLOCATE);
    dnnl_softmax_desc_t sd;
    dnnl_primitive_desc_t pd;
    if (!src || !dst || dnnl_softmax_forward_desc_init(&sd, dnnl_forward_inference, &md, 1) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &sd, NULL, n->steps.eng, NULL) != dnnl_success)
        return NULL;
    return onednn_steps_add(&n->steps, pd, src, NULL, NULL, dst) == 0 ? dst : NULL;
}

plain_net *plain_net_create(const nn_model *m, int threads, int batch)
{
    plain_net *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->threads = threads;
    n->batch = batch;
    omp_set_num_threads(threads);
    dnnl_memory_desc_t md;
    dnnl_dims_t d = {batch, m->input.c, m->input.h, m->input.w};
    dnnl_memory_desc_init_by_tag(&md, 4, d, dnnl_f32, dnnl_nchw);
    if (onednn_steps_init(&n->steps) < 0 || !(n->in = onednn_steps_memory(&n->steps, &md, DNNL_MEMORY_NONE))) {
        plain_net_destroy(n);
        return NULL;
    }
    dnnl_memory_t x = n->in;
    for (int i = 0; i < m->nlayers && x; i++) {
        const nn_layer *l = &m->layers[i];
        x = l->kind == LAYER_CONVOLUTIONAL ? conv(n, l, x)
            : l->kind == LAYER_AVGPOOL     ? onednn_steps_global_avgpool(&n->steps, x, batch, l->out.c, l->in.h, l->in.w,
                                                                         dnnl_f32)
            : l->kind == LAYER_SOFTMAX     ? softmax(n, l, x)
                                           : NULL;
    }
    if (!x) {
        plain_net_destroy(n);
        return NULL;
    }
    n->out = x;
    return n;
}

int plain_net_run(plain_net *n, const float *input, float *output, size_t outputs)
{
    omp_set_num_threads(n->threads);
    dnnl_memory_set_data_handle(n->in, (void *)input);
    if (onednn_steps_run(&n->steps) < 0)
        return -1;
    void *p;
    dnnl_memory_get_data_handle(n->out, &p);
    for (size_t i = 0; i < outputs; i++)
        output[i] = ((const float *)p)[i];
    return 0;
}

void plain_net_destroy(plain_net *n)
{
    onednn_steps_fini(&n->steps);
    free(n);
}
