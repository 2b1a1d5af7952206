/* The peer "oneDNN's own int8 primitives": the quantized MobileNet on oneDNN
 * 2.6's integer convolutions (VNNI where the CPU has it, AMX on the newest
 * Intel ones): u8 activations in whatever layout the primitives choose, s8
 * weights, u8 outputs with per-channel output scales and the zero points as
 * primitive attributes, relu6 as a clip post-op, global average pooling on
 * u8. NOT exact: oneDNN's int8 convolutions take symmetric signed weights,
 * so the model's uint8 weights with a zero point are re-quantized per output
 * channel (w - zw) * 127 / max |w - zw|, and oneDNN requantizes in float. It
 * shows what the integer units can do, not TFLite's bytes. */
#include "onednn_int8.h"
#include "onednn_steps.h"

#include <dnnl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct int8_peer {
    onednn_steps steps;
    int threads;
    dnnl_memory_t in, out; /* out: the logits as plain u8 */
    nn_quant out_q;
    char isa[128]; /* the first convolution's implementation, as oneDNN names it */
};

/* A quantized convolution (depthwise when grouped) with the re-quantized
 * s8 weights, f32 biases in the accumulator's scale, per-channel output
 * scales, the zero points and the activation. */
static dnnl_memory_t conv(int8_peer *n, const nn_layer *l, dnnl_memory_t in)
{
    int F = l->filters, grouped = l->groups > 1, w_nd = grouped ? 5 : 4;
    size_t per = l->nweights / (size_t)F;
    int8_t *w8 = malloc(l->nweights);
    float *bias = malloc((size_t)F * sizeof *bias), *scales = malloc((size_t)F * sizeof *scales);
    if (!w8 || !bias || !scales) {
        free(w8), free(bias), free(scales);
        return NULL;
    }
    float sx = l->in_q.scale, so = l->out_q.scale;
    for (int o = 0; o < F; o++) {
        const nn_quant *wq = &l->weight_q[l->nweight_q > 1 ? o : 0];
        int m = 1; /* the largest |w - zw| of filter o */
        for (size_t k = 0; k < per; k++) {
            int d = abs(l->qweights[(size_t)o * per + k] - wq->zero_point);
            m = d > m ? d : m;
        }
        for (size_t k = 0; k < per; k++)
            w8[(size_t)o * per + k] =
                (int8_t)lrintf((float)(l->qweights[(size_t)o * per + k] - wq->zero_point) * 127.0f / (float)m);
        float s8 = wq->scale * (float)m / 127.0f;
        bias[o] = (float)l->qbiases[o] * wq->scale / s8;
        scales[o] = sx * s8 / so;
    }
    dnnl_memory_desc_t src_md, w_md, wplain_md, b_md, dst_md;
    dnnl_dims_t src_d = {1, l->in.c, l->in.h, l->in.w}, dst_d = {1, l->out.c, l->out.h, l->out.w}, b_d = {F},
                strides = {l->stride, l->stride}, pl = {l->pad_before, l->pad_before},
                pr = {l->pad_after, l->pad_after};
    dnnl_dims_t w_d = {l->groups, F / l->groups, l->in.c / l->groups, l->size, l->size}, w_dims;
    memcpy(w_dims, grouped ? w_d : w_d + 1, 5 * sizeof *w_dims); /* g,o,i,h,w grouped, else o,i,h,w */
    dnnl_memory_desc_init_by_tag(&src_md, 4, src_d, dnnl_u8, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&w_md, w_nd, w_dims, dnnl_s8, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&wplain_md, w_nd, w_dims, dnnl_s8, grouped ? dnnl_goihw : dnnl_oihw);
    dnnl_memory_desc_init_by_tag(&b_md, 1, b_d, dnnl_f32, dnnl_x);
    dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dnnl_u8, dnnl_format_tag_any);
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    dnnl_primitive_attr_create(&attr);
    dnnl_post_ops_create(&po);
    if (l->activation == ACT_RELU6)
        dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f, 6.0f / so);
    else if (l->activation == ACT_RELU)
        dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    dnnl_primitive_attr_set_post_ops(attr, po);
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_set_output_scales(attr, F, 1 << 1, scales);
    int32_t zx = l->in_q.zero_point, zo = l->out_q.zero_point;
    dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_SRC, 1, 0, &zx);
    dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_DST, 1, 0, &zo);
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                          &src_md, &w_md, &b_md, &dst_md, strides, pl, pr);
    if (st == dnnl_success)
        st = dnnl_primitive_desc_create(&pd, &cd, attr, n->steps.eng, NULL);
    dnnl_primitive_attr_destroy(attr);
    dnnl_memory_t dst = NULL;
    if (st == dnnl_success) {
        const char *impl = NULL;
        if (!n->isa[0] && dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
            snprintf(n->isa, sizeof n->isa, "%s", impl);
        onednn_steps *s = &n->steps;
        dnnl_memory_t w = onednn_steps_constant(s, w8, &wplain_md, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0));
        dnnl_memory_t b = onednn_steps_constant(s, bias, &b_md, &b_md);
        dnnl_memory_t src =
            w && b ? onednn_steps_reordered(s, in, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)) : NULL;
        dst = onednn_steps_memory(s, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), DNNL_MEMORY_ALLOCATE);
        if (!src || !dst || onednn_steps_add(s, pd, src, w, b, dst) < 0)
            dst = NULL;
    }
    free(w8), free(bias), free(scales);
    return dst;
}

int8_peer *int8_peer_create(const nn_model *m, int threads)
{
    if (!m->quantized)
        return NULL;
    int8_peer *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->threads = threads;
    omp_set_num_threads(threads);
    dnnl_memory_desc_t md;
    dnnl_dims_t d = {1, m->input.c, m->input.h, m->input.w};
    dnnl_memory_desc_init_by_tag(&md, 4, d, dnnl_u8, dnnl_nhwc); /* the pixels, as they are */
    if (onednn_steps_init(&n->steps) < 0 || !(n->in = onednn_steps_memory(&n->steps, &md, DNNL_MEMORY_NONE))) {
        int8_peer_destroy(n);
        return NULL;
    }
    dnnl_memory_t x = n->in;
    const nn_layer *last = NULL;
    for (int i = 0; i < m->nlayers && x; i++) {
        const nn_layer *l = &m->layers[i];
        if (l->kind == LAYER_SOFTMAX)
            continue; /* in float, from the logits (int8_peer_run) */
        x = l->kind == LAYER_CONVOLUTIONAL ? conv(n, l, x)
            : l->kind == LAYER_AVGPOOL
                ? onednn_steps_global_avgpool(&n->steps, x, 1, l->out.c, l->in.h, l->in.w, dnnl_u8)
                : NULL;
        last = l;
    }
    if (x && last) { /* the logits as plain bytes */
        dnnl_memory_desc_t plain;
        dnnl_dims_t od = {1, last->out.c, last->out.h, last->out.w};
        dnnl_memory_desc_init_by_tag(&plain, 4, od, dnnl_u8, dnnl_nchw);
        x = onednn_steps_reordered(&n->steps, x, &plain);
        n->out_q = last->out_q;
    }
    if (!x) {
        int8_peer_destroy(n);
        return NULL;
    }
    n->out = x;
    return n;
}

const char *int8_peer_isa(const int8_peer *n)
{
    return n->isa;
}

int int8_peer_run(int8_peer *n, const uint8_t *pixels, float *output, size_t outputs)
{
    omp_set_num_threads(n->threads);
    dnnl_memory_set_data_handle(n->in, (void *)pixels);
    if (onednn_steps_run(&n->steps) < 0)
        return -1;
    void *p;
    dnnl_memory_get_data_handle(n->out, &p);
    const uint8_t *q = p;
    float max = -INFINITY;
    double sum = 0;
    for (size_t i = 0; i < outputs; i++) { /* dequantized logits, then a float softmax as lookslike's engine */
        output[i] = n->out_q.scale * (float)((int)q[i] - n->out_q.zero_point);
        max = output[i] > max ? output[i] : max;
    }
    for (size_t i = 0; i < outputs; i++)
        sum += output[i] = expf(output[i] - max);
    for (size_t i = 0; i < outputs; i++)
        output[i] = (float)(output[i] / sum);
    return 0;
}

void int8_peer_destroy(int8_peer *n)
{
    onednn_steps_fini(&n->steps);
    free(n);
}
