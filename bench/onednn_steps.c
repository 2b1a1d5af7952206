#include "onednn_steps.h"

#include <string.h>

int onednn_steps_init(onednn_steps *s)
{
    memset(s, 0, sizeof *s);
    return dnnl_engine_create(&s->eng, dnnl_cpu, 0) == dnnl_success &&
                   dnnl_stream_create(&s->stream, s->eng, dnnl_stream_default_flags) == dnnl_success
               ? 0
               : -1;
}

void onednn_steps_fini(onednn_steps *s)
{
    for (int i = 0; i < s->nsteps; i++)
        dnnl_primitive_destroy(s->prims[i]);
    for (int i = 0; i < s->nmems; i++)
        dnnl_memory_destroy(s->mems[i]);
    if (s->stream)
        dnnl_stream_destroy(s->stream);
    if (s->eng)
        dnnl_engine_destroy(s->eng);
}

dnnl_memory_t onednn_steps_memory(onednn_steps *s, const dnnl_memory_desc_t *md, void *handle)
{
    dnnl_memory_t m = NULL;
    if (s->nmems < 4 * ONEDNN_MAX_STEPS && dnnl_memory_create(&m, md, s->eng, handle) == dnnl_success)
        s->mems[s->nmems++] = m;
    return m;
}

const dnnl_memory_desc_t *onednn_md_of(dnnl_memory_t m)
{
    const dnnl_memory_desc_t *md;
    dnnl_memory_get_memory_desc(m, &md);
    return md;
}

int onednn_steps_add(onednn_steps *s, dnnl_primitive_desc_t pd, dnnl_memory_t src, dnnl_memory_t wei,
                     dnnl_memory_t bia, dnnl_memory_t dst)
{
    if (s->nsteps == ONEDNN_MAX_STEPS || dnnl_primitive_create(&s->prims[s->nsteps], pd) != dnnl_success) {
        dnnl_primitive_desc_destroy(pd);
        return -1;
    }
    dnnl_primitive_desc_destroy(pd);
    s->src[s->nsteps] = src;
    s->wei[s->nsteps] = wei;
    s->bia[s->nsteps] = bia;
    s->dst[s->nsteps++] = dst;
    return 0;
}

dnnl_memory_t onednn_steps_reordered(onednn_steps *s, dnnl_memory_t from, const dnnl_memory_desc_t *want)
{
    if (dnnl_memory_desc_equal(onednn_md_of(from), want))
        return from;
    dnnl_primitive_desc_t pd;
    dnnl_memory_t to = onednn_steps_memory(s, want, DNNL_MEMORY_ALLOCATE);
    if (!to || dnnl_reorder_primitive_desc_create(&pd, onednn_md_of(from), s->eng, want, s->eng, NULL) != dnnl_success)
        return NULL;
    return onednn_steps_add(s, pd, from, NULL, NULL, to) ? NULL : to;
}

dnnl_memory_t onednn_steps_constant(onednn_steps *s, void *data, const dnnl_memory_desc_t *plain,
                                    const dnnl_memory_desc_t *want)
{
    dnnl_memory_t user = onednn_steps_memory(s, plain, data), dst = onednn_steps_memory(s, want, DNNL_MEMORY_ALLOCATE);
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t r;
    if (!user || !dst || dnnl_reorder_primitive_desc_create(&pd, plain, s->eng, want, s->eng, NULL) != dnnl_success)
        return NULL;
    int ok = dnnl_primitive_create(&r, pd) == dnnl_success;
    dnnl_primitive_desc_destroy(pd);
    if (!ok)
        return NULL;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, dst}};
    ok = dnnl_primitive_execute(r, s->stream, 2, args) == dnnl_success && dnnl_stream_wait(s->stream) == dnnl_success;
    dnnl_primitive_destroy(r);
    return ok ? dst : NULL;
}

dnnl_memory_t onednn_steps_global_avgpool(onednn_steps *s, dnnl_memory_t in, int batch, int c, int h, int w,
                                          dnnl_data_type_t dt)
{
    dnnl_memory_desc_t dst_md;
    dnnl_dims_t dst_d = {batch, c, 1, 1}, ones = {1, 1}, kernel = {h, w}, zeros = {0, 0};
    dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dt, dnnl_format_tag_any);
    dnnl_pooling_desc_t d;
    dnnl_primitive_desc_t pd;
    if (dnnl_pooling_forward_desc_init(&d, dnnl_forward_inference, dnnl_pooling_avg_exclude_padding, onednn_md_of(in),
                                       &dst_md, ones, kernel, zeros, zeros) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &d, NULL, s->eng, NULL) != dnnl_success)
        return NULL;
    dnnl_memory_t dst =
        onednn_steps_memory(s, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), DNNL_MEMORY_ALLOCATE);
    return dst && onednn_steps_add(s, pd, in, NULL, NULL, dst) == 0 ? dst : NULL;
}

int onednn_steps_run(onednn_steps *s)
{
    for (int i = 0; i < s->nsteps; i++) {
        dnnl_exec_arg_t args[4];
        int k = 0;
        args[k++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, s->src[i]};
        args[k++] = (dnnl_exec_arg_t){DNNL_ARG_DST, s->dst[i]};
        if (s->wei[i]) {
            args[k++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, s->wei[i]};
            args[k++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, s->bia[i]};
        }
        if (dnnl_primitive_execute(s->prims[i], s->stream, k, args) != dnnl_success)
            return -1;
    }
    return dnnl_stream_wait(s->stream) == dnnl_success ? 0 : -1;
}
