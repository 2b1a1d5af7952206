/* What the bench's oneDNN peers (onednn_plain.c, onednn_int8.c) share: a
 * network as a list of oneDNN primitives run in order, the memories they own,
 * reorders between the layouts the primitives chose, constants copied once
 * into a chosen layout, and the global average pool. One thread at a time. */
#ifndef LOOKSLIKE_BENCH_ONEDNN_STEPS_H
#define LOOKSLIKE_BENCH_ONEDNN_STEPS_H

#include <dnnl.h>

#define ONEDNN_MAX_STEPS 128

typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    int nsteps, nmems;
    dnnl_primitive_t prims[ONEDNN_MAX_STEPS];
    dnnl_memory_t src[ONEDNN_MAX_STEPS], dst[ONEDNN_MAX_STEPS], wei[ONEDNN_MAX_STEPS], bia[ONEDNN_MAX_STEPS];
    dnnl_memory_t mems[4 * ONEDNN_MAX_STEPS]; /* everything to destroy */
} onednn_steps;

/* The CPU engine and a stream; 0 or -1 (then onednn_steps_fini). */
int onednn_steps_init(onednn_steps *s);
void onednn_steps_fini(onednn_steps *s);
/* A memory the steps own (handle: DNNL_MEMORY_ALLOCATE, DNNL_MEMORY_NONE or data); NULL on failure. */
dnnl_memory_t onednn_steps_memory(onednn_steps *s, const dnnl_memory_desc_t *md, void *handle);
const dnnl_memory_desc_t *onednn_md_of(dnnl_memory_t m);
/* Appends a primitive (pd is consumed) with its arguments (wei, bia may be NULL): 0 or -1. */
int onednn_steps_add(onednn_steps *s, dnnl_primitive_desc_t pd, dnnl_memory_t src, dnnl_memory_t wei,
                     dnnl_memory_t bia, dnnl_memory_t dst);
/* `from` in layout `want`: itself, or a new buffer filled by a reorder step. */
dnnl_memory_t onednn_steps_reordered(onednn_steps *s, dnnl_memory_t from, const dnnl_memory_desc_t *want);
/* data, laid out as `plain`, copied once into a new memory of layout `want`. */
dnnl_memory_t onednn_steps_constant(onednn_steps *s, void *data, const dnnl_memory_desc_t *plain,
                                    const dnnl_memory_desc_t *want);
/* A global average pool of `in` to c x 1 x 1 of data type dt, as a step. */
dnnl_memory_t onednn_steps_global_avgpool(onednn_steps *s, dnnl_memory_t in, int batch, int c, int h, int w,
                                          dnnl_data_type_t dt);
/* Runs every step and waits: 0 or -1. */
int onednn_steps_run(onednn_steps *s);

#endif
