/* The fast engine: every layer becomes a oneDNN primitive created once at
 * load. Activations flow in the blocked layout of this CPU's kernels; a reorder
 * is inserted only where a consumer wants a different one. Weights are
 * reordered (and batch-norm folded) once. A run is then a fixed list of
 * primitive executions over preallocated memory: no allocation per image.
 *
 * oneDNN fixes a primitive's thread count when it is created, so an engine
 * made for N > 1 threads builds two schedules (primitive lists), for 1 and N
 * threads, over the same weights and activation buffers; each run picks one.
 * That lets a worker use every core for a lone request and one core when
 * others are busy (see worker_pool.c). */
#include <dnnl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "input_normalize.h"
#include "../growable.h"
#include "activation_plan.h"
#include "plain_layers.h"

#define MAX_ARGS (NN_MAX_ROUTE_INPUTS + 4)

typedef struct {
    dnnl_primitive_t prim; /* NULL: a step run on the host, below */
    nn_plain_forward host; /* host step: layer's forward (plain_layers.h), args[0] -> args[1] */
    const nn_layer *layer;
    int nargs;
    dnnl_exec_arg_t args[MAX_ARGS];
} step;

typedef struct {
    int threads;
    step *steps;
    int nsteps;
    size_t cap_steps;
} schedule;

typedef struct {
    nn_engine base;
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    schedule sched[2]; /* for 1 thread and, if more were asked for, for that many */
    int nsched;
    schedule *cur; /* the one being built */
    dnnl_memory_t *weights, *biases; /* per layer, reordered once, shared by the schedules */
    dnnl_memory_t *mems; /* weights, user and scratchpad memories, for cleanup */
    int nmems;
    size_t cap_mems;
    dnnl_memory_t *out; /* per layer: its output, as a 4-D N,C,H,W memory */
    dnnl_memory_t user_in; /* holds `input` */
    dnnl_memory_t *user_out; /* per output layer (nn_layer_is_output): its part of the caller's buffer */
    size_t *user_out_at; /* where that part begins, in floats */
    int nuser_out;
    int tap_layer[NN_TAP_COUNT]; /* nn_model_tap_layer, or -1 */
    dnnl_memory_t tap[NN_TAP_COUNT]; /* plain C,H,W copies of their outputs, made by every run */
    const nn_model *model; /* its input normalisation */
    int winograd; /* model_wants_winograd */
    float *input; /* the normalised input tensor */
    dnnl_memory_t scratchpad;
    activation_plan acts; /* layer outputs and reordered copies, sharing buffers */
    size_t scratch_size;
    char *err;
    size_t errlen;
} onednn_engine;

static int check(onednn_engine *e, dnnl_status_t s, const char *what, int layer)
{
    if (s == dnnl_success)
        return 0;
    snprintf(e->err, e->errlen, "oneDNN: %s failed for layer %d (status %d)", what, layer, (int)s);
    return -1;
}

static dnnl_memory_t new_memory(onednn_engine *e, const dnnl_memory_desc_t *md, void *handle)
{
    dnnl_memory_t mem;
    dnnl_memory_t *mems = grow_doubling(e->mems, &e->cap_mems, (size_t)e->nmems + 1, sizeof *mems);
    if (!mems)
        return NULL;
    e->mems = mems;
    if (dnnl_memory_create(&mem, md, e->eng, handle) != dnnl_success)
        return NULL;
    e->mems[e->nmems++] = mem;
    return mem;
}

static const dnnl_memory_desc_t *desc_of(dnnl_memory_t mem)
{
    const dnnl_memory_desc_t *md = NULL;
    dnnl_memory_get_memory_desc(mem, &md);
    return md;
}

/* Darknet's activations as oneDNN eltwise operations, applied in order:
 * returns how many (at most 2). ramp: x > 0 ? 1.1 x : 0.1 x, i.e. 1.1 times
 * a leaky relu of slope 1/11. */
typedef struct {
    dnnl_alg_kind_t alg;
    float alpha, beta;
} eltwise_op;

static int activation_ops(nn_activation act, eltwise_op ops[2])
{
    switch (act) {
    case ACT_LINEAR: return 0;
    case ACT_RELU: ops[0] = (eltwise_op){dnnl_eltwise_relu, 0.0f, 0.0f}; return 1;
    case ACT_RELU6: ops[0] = (eltwise_op){dnnl_eltwise_clip, 0.0f, 6.0f}; return 1;
    case ACT_LEAKY: ops[0] = (eltwise_op){dnnl_eltwise_relu, 0.1f, 0.0f}; return 1;
    case ACT_LOGISTIC: ops[0] = (eltwise_op){dnnl_eltwise_logistic, 0.0f, 0.0f}; return 1;
    case ACT_RAMP:
        ops[0] = (eltwise_op){dnnl_eltwise_relu, 1.0f / 11.0f, 0.0f};
        ops[1] = (eltwise_op){dnnl_eltwise_linear, 1.1f, 0.0f};
        return 2;
    case ACT_MISH: ops[0] = (eltwise_op){dnnl_eltwise_mish, 0.0f, 0.0f}; return 1;
    case ACT_SWISH: ops[0] = (eltwise_op){dnnl_eltwise_swish, 1.0f, 0.0f}; return 1;
    }
    return 0;
}

static dnnl_primitive_attr_t new_attr(nn_activation act)
{
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    /* One scratchpad buffer owned by the engine instead of per-call allocation. */
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    eltwise_op ops[2];
    int n = activation_ops(act, ops);
    if (n == 0)
        return attr;
    dnnl_post_ops_t po;
    dnnl_post_ops_create(&po);
    for (int k = 0; k < n; k++)
        dnnl_post_ops_append_eltwise(po, 1.0f, ops[k].alg, ops[k].alpha, ops[k].beta);
    dnnl_primitive_attr_set_post_ops(attr, po);
    dnnl_post_ops_destroy(po);
    return attr;
}

/* Turns a primitive descriptor into a step with the given arguments (the
 * scratchpad argument is appended once its shared size is known). */
static int add_step(onednn_engine *e, dnnl_primitive_desc_t pd, int nargs, const dnnl_exec_arg_t *args, int layer)
{
    schedule *sc = e->cur;
    step *steps = grow_doubling(sc->steps, &sc->cap_steps, (size_t)sc->nsteps + 1, sizeof *steps);
    if (!steps) {
        dnnl_primitive_desc_destroy(pd);
        return check(e, dnnl_out_of_memory, "allocation", layer);
    }
    sc->steps = steps;
    step *s = &sc->steps[sc->nsteps];
    const dnnl_memory_desc_t *scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t need = scratch ? dnnl_memory_desc_get_size(scratch) : 0;
    if (need > e->scratch_size)
        e->scratch_size = need;
    dnnl_status_t st = dnnl_primitive_create(&s->prim, pd);
    dnnl_primitive_desc_destroy(pd);
    if (check(e, st, "primitive creation", layer) < 0)
        return -1;
    memcpy(s->args, args, (size_t)nargs * sizeof *args);
    s->nargs = nargs;
    sc->nsteps++;
    return 0;
}

/* A step oneDNN has no primitive for: layer i's forward on the host
 * (plain_layers.h), src -> dst (both plain), run by onednn_run between
 * primitives. */
static int add_host_step(onednn_engine *e, nn_plain_forward fn, const nn_layer *l, dnnl_memory_t src, dnnl_memory_t dst,
                         int i)
{
    schedule *sc = e->cur;
    step *steps = grow_doubling(sc->steps, &sc->cap_steps, (size_t)sc->nsteps + 1, sizeof *steps);
    if (!steps)
        return check(e, dnnl_out_of_memory, "allocation", i);
    sc->steps = steps;
    sc->steps[sc->nsteps++] =
        (step){.host = fn, .layer = l, .nargs = 2, .args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}};
    return 0;
}

static int run_host_step(const step *s)
{
    void *in = NULL, *out = NULL;
    if (dnnl_memory_get_data_handle(s->args[0].memory, &in) != dnnl_success ||
        dnnl_memory_get_data_handle(s->args[1].memory, &out) != dnnl_success)
        return -1;
    s->host(s->layer, in, out);
    return 0;
}

/* The primitive descriptor of the operation op (whose initialisation
 * returned st), with the activation fused; on failure, an error saying what
 * failed for the layer. */
static int op_primitive_desc(onednn_engine *e, dnnl_status_t st, const_dnnl_op_desc_t op, nn_activation act,
                             const char *what, int layer, dnnl_primitive_desc_t *pd)
{
    dnnl_primitive_attr_t attr = new_attr(act);
    if (st == dnnl_success)
        st = dnnl_primitive_desc_create(pd, op, attr, e->eng, NULL);
    dnnl_primitive_attr_destroy(attr);
    return check(e, st, what, layer);
}

/* A step copying src into dst, memories of any layouts (strided views
 * included); with sum, adding src to what dst holds. */
static int add_reorder_step(onednn_engine *e, dnnl_memory_t src, dnnl_memory_t dst, int sum, const char *what,
                            int layer)
{
    dnnl_primitive_desc_t pd;
    dnnl_primitive_attr_t attr = new_attr(ACT_LINEAR);
    if (sum) {
        dnnl_post_ops_t po;
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_sum(po, 1.0f);
        dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
    }
    dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, desc_of(src), e->eng, desc_of(dst), e->eng, attr);
    dnnl_primitive_attr_destroy(attr);
    if (check(e, st, what, layer) < 0)
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    return add_step(e, pd, 2, args, layer);
}

/* Memory holding `src` in the layout `want`: src itself, or a reordered copy
 * made by a step added here. */
static dnnl_memory_t as_layout(onednn_engine *e, dnnl_memory_t src, const dnnl_memory_desc_t *want, int layer)
{
    if (dnnl_memory_desc_equal(desc_of(src), want))
        return src;
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, want);
    if (!dst) {
        check(e, dnnl_out_of_memory, "memory", layer);
        return NULL;
    }
    return add_reorder_step(e, src, dst, 0, "reorder", layer) < 0 ? NULL : dst;
}

/* mem, if it exists and has layout `want` (a schedule built earlier made it); else NULL. */
static dnnl_memory_t reusable(dnnl_memory_t mem, const dnnl_memory_desc_t *want)
{
    return mem && dnnl_memory_desc_equal(desc_of(mem), want) ? mem : NULL;
}

/* A memory of descriptor md over the storage of base: the input tensor, or an
 * activation of the plan. */
static dnnl_memory_t view_of(onednn_engine *e, dnnl_memory_t base, const dnnl_memory_desc_t *md)
{
    if (base == e->user_in)
        return new_memory(e, md, e->input);
    return activation_plan_view(&e->acts, e->eng, md, base);
}

/* Copies constant parameters (plain layout `tag`) into memory of layout `want`, now. */
static dnnl_memory_t constant(onednn_engine *e, const float *data, int ndims, const dnnl_dims_t dims,
                              dnnl_format_tag_t tag, const dnnl_memory_desc_t *want, int layer)
{
    dnnl_memory_desc_t user_md;
    dnnl_memory_t user, dst;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t reorder;
    if (check(e, dnnl_memory_desc_init_by_tag(&user_md, ndims, dims, dnnl_f32, tag), "weights layout", layer) < 0 ||
        check(e, dnnl_memory_create(&user, &user_md, e->eng, (void *)data), "weights memory", layer) < 0)
        return NULL;
    dst = new_memory(e, want, DNNL_MEMORY_ALLOCATE);
    dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, &user_md, e->eng, want, e->eng, NULL);
    if (!dst || check(e, st, "weights reorder", layer) < 0) {
        dnnl_memory_destroy(user);
        return NULL;
    }
    st = dnnl_primitive_create(&reorder, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st == dnnl_success) {
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, user}, {DNNL_ARG_DST, dst}};
        st = dnnl_primitive_execute(reorder, e->stream, 2, args);
        if (st == dnnl_success)
            st = dnnl_stream_wait(e->stream);
        dnnl_primitive_destroy(reorder);
    }
    dnnl_memory_destroy(user);
    return check(e, st, "weights reorder", layer) < 0 ? NULL : dst;
}

static void dims4(dnnl_dims_t d, nn_shape s)
{
    d[0] = 1;
    d[1] = s.c;
    d[2] = s.h;
    d[3] = s.w;
}

/* The channel block of oneDNN's JIT convolution kernels on this CPU: 16 with
 * AVX-512, 8 with AVX2 (and SSE4.1). Forcing a block the CPU has no kernel
 * for silently selects oneDNN's reference implementation: on an AVX2-only
 * CPU, nChw16c made each 1x1 convolution of MobileNet v1 take about 4 s
 * instead of under a millisecond. */
static int channel_block(void)
{
    return (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core ? 16 : 8;
}

/* Convolution or inner product: the two layers with weights. */
/* The memory descriptors of a convolution or inner product: its source and
 * destination in this CPU's blocked layout where the channels allow, and
 * its weights in the layout they are stored in (w_tag) and as "any", for
 * oneDNN to choose. */
typedef struct {
    dnnl_memory_desc_t src, weights_any, bias, dst;
    dnnl_dims_t src_dims, dst_dims, weight_dims, bias_dims;
    int weight_ndims;
    dnnl_format_tag_t weight_tag; /* of the weights as stored in the model */
} weighted_descs;

static void weighted_layer_descs(const nn_layer *l, weighted_descs *d)
{
    int conv = l->kind == LAYER_CONVOLUTIONAL;
    dims4(d->src_dims, l->in);
    dims4(d->dst_dims, l->out);
    d->bias_dims[0] = l->filters;
    d->weight_ndims = 4;
    d->weight_tag = dnnl_oihw;
    if (conv && l->groups > 1) {
        d->weight_ndims = 5;
        d->weight_tag = dnnl_goihw;
        d->weight_dims[0] = l->groups;
        d->weight_dims[1] = l->filters / l->groups;
        d->weight_dims[2] = l->in.c / l->groups;
        d->weight_dims[3] = d->weight_dims[4] = l->size;
    } else {
        d->weight_dims[0] = l->filters;
        d->weight_dims[1] = l->in.c;
        d->weight_dims[2] = conv ? l->size : l->in.h;
        d->weight_dims[3] = conv ? l->size : l->in.w;
    }
    /* Left to choose ("any"), oneDNN 2.6 picks channels-last for these
     * convolutions, which measured slower on AVX-512 than the 16-channel
     * blocked layout (8.3 vs 7.2 ms per image on one thread); so blocked it
     * is, wherever the channel count allows, in the block the CPU's kernels
     * take (see channel_block). */
    int block = channel_block();
    dnnl_format_tag_t blocked = block == 16 ? dnnl_nChw16c : dnnl_nChw8c;
    /* A grouped convolution whose groups are not whole blocks has no JIT
     * kernel in the blocked layout: oneDNN's reference one took 1.3 s for one
     * of ResNeXt-50's (32 groups of 4 channels). Left to choose, it picks its
     * GEMM-based one (20 ms). */
    int depthwise = conv && l->groups == l->in.c && l->filters == l->in.c;
    int blockable = conv && (l->groups == 1 || depthwise ||
                             (l->in.c / l->groups % block == 0 && l->filters / l->groups % block == 0));
    dnnl_format_tag_t src_tag = blockable && l->in.c % block == 0 ? blocked : dnnl_format_tag_any;
    dnnl_format_tag_t dst_tag = blockable && l->filters % block == 0 ? blocked : dnnl_format_tag_any;
    dnnl_memory_desc_init_by_tag(&d->src, 4, d->src_dims, dnnl_f32, src_tag);
    dnnl_memory_desc_init_by_tag(&d->weights_any, d->weight_ndims, d->weight_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&d->bias, 1, d->bias_dims, dnnl_f32, dnnl_x);
    dnnl_dims_t flat = {1, l->filters}; /* an inner product writes N x C */
    dnnl_memory_desc_init_by_tag(&d->dst, conv ? 4 : 2, conv ? d->dst_dims : flat, dnnl_f32, dst_tag);
}

static int activate_in_place(onednn_engine *e, dnnl_memory_t mem, nn_activation act, int i);

typedef enum { WINOGRAD_OFF, WINOGRAD_ON, WINOGRAD_AUTO } winograd_models;
static winograd_models winograd_mode = WINOGRAD_AUTO; /* nn_onednn_use_winograd */

int nn_onednn_use_winograd(const char *mode, char *err, size_t errlen)
{
    static const char *const names[] = {[WINOGRAD_OFF] = "0", [WINOGRAD_ON] = "1", [WINOGRAD_AUTO] = "auto"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(mode, names[i])) {
            winograd_mode = (winograd_models)i;
            return 0;
        }
    snprintf(err, errlen, "--winograd must be auto, 1 or 0, not %s", mode);
    return -1;
}

/* Whether a model runs its convolutions as Winograd's where that pays
 * (winograd_pays): every model with "1"; with "auto", every model whose
 * outputs were measured within the bounds the direct kernels are held to
 * against libdarknet: the YOLO v2-v4 detectors (heads within 1e-4; the
 * fork's against OpenCV DNN) and the Darknet zoo's classifiers
 * (probabilities within 1e-4 and 0.1 %). Not YOLOv1, whose [detection] head
 * after a [local] and a [connected] layer measured 1.07e-4. */
static int model_wants_winograd(const nn_model *m)
{
    if (winograd_mode != WINOGRAD_AUTO)
        return winograd_mode == WINOGRAD_ON;
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].kind == LAYER_DETECTION)
            return 0;
    return 1;
}

/* Whether Winograd's F(4x4, 3x3) pays for layer l: a 3x3, stride-1,
 * ungrouped convolution of 16 input channels or more (with 3, the first
 * layer, yolov3-tiny's ran 3x slower than on the direct kernel) and an
 * output of at least 20x20. On an AMD EPYC (Zen 5), at 26x26 and more it
 * ran twice as fast as the direct kernel, at 18x18 only 17 % faster, at
 * 13x13 slower; and each such layer adds to the rounding (yolov3-spp's heads
 * at 288x288 went from 9.3e-5 to 1.06e-4 of libdarknet's with its 18x18
 * layers). */
static int winograd_pays(const nn_layer *l)
{
    return l->kind == LAYER_CONVOLUTIONAL && l->size == 3 && l->stride == 1 && l->groups == 1 && l->in.c >= 16 &&
           l->out.w >= 20 && l->out.h >= 20;
}

/* Such a convolution (winograd_pays) as Winograd's F(4x4, 3x3), where
 * oneDNN has it (jit_wino_4x3: AVX-512). Only
 * that one implementation: which one oneDNN would pick among its Winograd
 * kernels depends on the thread count it is made for, and their sums round
 * differently, so a 1-thread and a 2-thread run would not answer the same.
 * It fuses no activation but relu: *separate is then set and the caller
 * applies it in a step of its own. Returns 0 with *pd made, -1 where there is
 * none (the direct kernel runs it). */
static int winograd_primitive(onednn_engine *e, const nn_layer *l, dnnl_convolution_desc_t *cd,
                              dnnl_primitive_desc_t *pd, int *separate)
{
    const char *want = "jit_wino_4x3:";
    for (int fused = 1; fused >= 0; fused--) {
        if (fused && l->activation != ACT_LINEAR && l->activation != ACT_RELU)
            continue;
        dnnl_primitive_attr_t attr = new_attr(fused ? l->activation : ACT_LINEAR);
        dnnl_primitive_desc_iterator_t it;
        dnnl_status_t st = dnnl_primitive_desc_iterator_create(&it, cd, attr, e->eng, NULL);
        dnnl_primitive_attr_destroy(attr);
        if (st != dnnl_success)
            continue;
        do {
            dnnl_primitive_desc_t cand = dnnl_primitive_desc_iterator_fetch(it);
            const char *impl = NULL;
            if (cand && dnnl_primitive_desc_query(cand, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl &&
                !strncmp(impl, want, strlen(want))) {
                dnnl_primitive_desc_iterator_destroy(it);
                *pd = cand;
                *separate = !fused;
                return 0;
            }
            if (cand)
                dnnl_primitive_desc_destroy(cand);
        } while (dnnl_primitive_desc_iterator_next(it) == dnnl_success);
        dnnl_primitive_desc_iterator_destroy(it);
    }
    return -1;
}

/* The convolution or inner product primitive, with the activation fused
 * unless *separate is set. */
static int create_weighted_primitive(onednn_engine *e, const nn_layer *l, int i, const weighted_descs *d,
                                     dnnl_primitive_desc_t *pd, int *separate)
{
    *separate = 0;
    if (l->kind == LAYER_CONVOLUTIONAL) {
        dnnl_convolution_desc_t cd;
        dnnl_dims_t strides = {l->stride, l->stride}, pl = {l->pad_before, l->pad_before},
                    pr = {l->pad_after, l->pad_after};
        if (e->winograd && winograd_pays(l) &&
            dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_winograd, &d->src,
                                               &d->weights_any, &d->bias, &d->dst, strides, pl, pr) == dnnl_success &&
            winograd_primitive(e, l, &cd, pd, separate) == 0)
            return 0;
        dnnl_status_t st = dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                              &d->src, &d->weights_any, &d->bias, &d->dst, strides,
                                                              pl, pr);
        return op_primitive_desc(e, st, &cd, l->activation, "convolution", i, pd);
    }
    dnnl_inner_product_desc_t ipd;
    dnnl_status_t st = dnnl_inner_product_forward_desc_init(&ipd, dnnl_forward_inference, &d->src, &d->weights_any,
                                                            &d->bias, &d->dst);
    return op_primitive_desc(e, st, &ipd, l->activation, "inner product", i, pd);
}

/* Layer i's weights and bias made for an earlier schedule, if their layouts
 * are still the ones wanted (w_want, b_want): they are made once. */
static int params_reused(onednn_engine *e, int i, const dnnl_memory_desc_t *w_want, const dnnl_memory_desc_t *b_want,
                         dnnl_memory_t *wmem, dnnl_memory_t *bmem)
{
    *wmem = reusable(e->weights[i], w_want);
    *bmem = reusable(e->biases[i], b_want);
    if (*wmem && *bmem)
        return 1;
    *wmem = *bmem = NULL;
    return 0;
}

/* Layer i's weights (w, plain layout w_tag) and bias (b, one dimension) copied
 * into the layouts wanted, kept for later schedules; w or b NULL (out of
 * memory) fails. */
static int params_made(onednn_engine *e, int i, const float *w, int w_ndims, const dnnl_dims_t w_dims,
                       dnnl_format_tag_t w_tag, const dnnl_memory_desc_t *w_want, const float *b,
                       const dnnl_dims_t b_dims, const dnnl_memory_desc_t *b_want, dnnl_memory_t *wmem,
                       dnnl_memory_t *bmem)
{
    *wmem = w && b ? (e->weights[i] = constant(e, w, w_ndims, w_dims, w_tag, w_want, i)) : NULL;
    *bmem = *wmem ? (e->biases[i] = constant(e, b, 1, b_dims, dnnl_x, b_want, i)) : NULL;
    return *wmem && *bmem ? 0 : -1;
}

/* The layer's weights and bias with batch norm folded in, reordered into the
 * layout the primitive wants. */
static int folded_weights(onednn_engine *e, const nn_layer *l, int i, const weighted_descs *d,
                          dnnl_primitive_desc_t pd, dnnl_memory_t *wmem, dnnl_memory_t *bmem)
{
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (params_reused(e, i, want, &d->bias, wmem, bmem))
        return 0;
    float *w = malloc(l->nweights * sizeof *w), *b = malloc((size_t)l->filters * sizeof *b);
    if (w && b)
        nn_fold_batch_norm(l, w, b);
    int rc = params_made(e, i, w, d->weight_ndims, d->weight_dims, d->weight_tag, want, b, d->bias_dims, &d->bias,
                         wmem, bmem);
    free(w);
    free(b);
    return rc;
}

/* A convolution or inner product: descriptors, primitive, weights, then its
 * input (reordered if it must be) and output wired into a step. */
static int build_weighted(onednn_engine *e, const nn_model *m, int i, dnnl_memory_t in)
{
    const nn_layer *l = &m->layers[i];
    weighted_descs d;
    dnnl_primitive_desc_t pd;
    weighted_layer_descs(l, &d);
    int separate;
    if (create_weighted_primitive(e, l, i, &d, &pd, &separate) < 0)
        return -1;
    dnnl_memory_t wmem, bmem, src = NULL, dst = NULL;
    if (folded_weights(e, l, i, &d, pd, &wmem, &bmem) == 0)
        src = as_layout(e, in, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), i);
    if (src)
        dst = activation_plan_new(&e->acts, e->eng, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
    if (!dst) {
        dnnl_primitive_desc_destroy(pd);
        return check(e, dnnl_out_of_memory, "memory", i);
    }
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wmem}, {DNNL_ARG_BIAS, bmem},
                              {DNNL_ARG_DST, dst}};
    if (add_step(e, pd, 4, args, i) < 0)
        return -1;
    if (l->kind == LAYER_CONVOLUTIONAL) {
        e->out[i] = dst;
        return separate ? activate_in_place(e, dst, l->activation, i) : 0;
    }
    /* The inner product writes N x C; later layers see it as N x C x 1 x 1. */
    dnnl_memory_desc_t view;
    if (check(e, dnnl_memory_desc_reshape(&view, desc_of(dst), 4, d.dst_dims), "reshape", i) < 0)
        return -1;
    e->out[i] = activation_plan_view(&e->acts, e->eng, &view, dst);
    return e->out[i] ? 0 : check(e, dnnl_out_of_memory, "memory", i);
}

static int build_pool(onednn_engine *e, const nn_layer *l, int i, dnnl_memory_t in)
{
    int global = l->kind == LAYER_AVGPOOL;
    dnnl_memory_desc_t dst_md;
    dnnl_dims_t dst_d, strides = {global ? 1 : l->stride, global ? 1 : l->stride},
                kernel = {global ? l->in.h : l->size, global ? l->in.w : l->size},
                pl = {global ? 0 : l->pad_before, global ? 0 : l->pad_before},
                pr = {global ? 0 : l->pad_after, global ? 0 : l->pad_after};
    dims4(dst_d, l->out);
    dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dnnl_f32, dnnl_format_tag_any);
    dnnl_pooling_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_pooling_forward_desc_init(&desc, dnnl_forward_inference,
                                                      global ? dnnl_pooling_avg_exclude_padding : dnnl_pooling_max,
                                                      desc_of(in), &dst_md, strides, kernel, pl, pr);
    if (op_primitive_desc(e, st, &desc, ACT_LINEAR, "pooling", i, &pd) < 0)
        return -1;
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, in}, {DNNL_ARG_DST, dst}};
    e->out[i] = dst;
    return dst ? add_step(e, pd, 2, args, i) : check(e, dnnl_out_of_memory, "memory", i);
}

/* An eltwise step computing alg in place on mem. */
static int eltwise_in_place(onednn_engine *e, dnnl_memory_t mem, dnnl_alg_kind_t alg, float alpha, float beta, int i)
{
    dnnl_eltwise_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, alg, desc_of(mem), alpha, beta);
    if (op_primitive_desc(e, st, &desc, ACT_LINEAR, "activation", i, &pd) < 0)
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, mem}, {DNNL_ARG_DST, mem}};
    return add_step(e, pd, 2, args, i);
}

/* The activation as its own step(s), in place, for a layer that cannot take
 * it as a post-op. (An eltwise primitive carrying it as a post-op would run on
 * oneDNN's reference kernel: 20 ms for one of ResNet-50's shortcuts.) */
static int activate_in_place(onednn_engine *e, dnnl_memory_t mem, nn_activation act, int i)
{
    eltwise_op ops[2];
    int n = activation_ops(act, ops);
    for (int k = 0; k < n; k++)
        if (eltwise_in_place(e, mem, ops[k].alg, ops[k].alpha, ops[k].beta, i) < 0)
            return -1;
    return 0;
}

/* A descriptor of shape s in layout `tag`. */
static void shape_desc(dnnl_memory_desc_t *md, nn_shape s, dnnl_format_tag_t tag)
{
    dnnl_dims_t d;
    dims4(d, s);
    dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, tag);
}

/* A plain N,C,H,W descriptor of shape s. */
static void plain_desc(dnnl_memory_desc_t *md, nn_shape s)
{
    shape_desc(md, s, dnnl_nchw);
}

/* A view into a plain map of shape `whole`: its first c channels, h x w
 * pixels, every `step`-th pixel in both directions. */
static void strided_view_desc(dnnl_memory_desc_t *md, nn_shape whole, int c, int h, int w, int step)
{
    dnnl_dims_t d = {1, c, h, w},
                strides = {(dnnl_dim_t)nn_shape_size(whole), (dnnl_dim_t)whole.h * whole.w,
                           (dnnl_dim_t)whole.w * step, step};
    dnnl_memory_desc_init_by_strides(md, 4, d, dnnl_f32, strides);
}

/* Darknet's shortcut between maps of different sizes (nn_shortcut_geometry):
 * the input copied to a plain output, the added layer's strided pixels summed
 * into a strided part of it by a reorder with a sum post-op, then the
 * activation. Only ResNet's few downsampling blocks take this path. */
static int build_shortcut_resampled(onednn_engine *e, const nn_model *m, const nn_layer *l, int i, dnnl_memory_t in)
{
    const nn_shortcut_geometry *g = &l->shortcut;
    nn_shape add_shape = m->layers[l->from].out;
    dnnl_memory_desc_t out_md, add_md, out_part, add_part;
    plain_desc(&out_md, l->out);
    plain_desc(&add_md, add_shape);
    strided_view_desc(&out_part, l->out, g->channels, g->h, g->w, g->sample);
    strided_view_desc(&add_part, add_shape, g->channels, g->h, g->w, g->stride);
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, &out_md);
    dnnl_memory_t add = dst ? as_layout(e, e->out[l->from], &add_md, i) : NULL;
    dnnl_memory_t dst_view = add ? view_of(e, dst, &out_part) : NULL;
    dnnl_memory_t add_view = dst_view ? view_of(e, add, &add_part) : NULL;
    if (!add_view)
        return check(e, dnnl_out_of_memory, "shortcut memory", i);
    if (add_reorder_step(e, in, dst, 0, "shortcut copy", i) < 0 ||
        add_reorder_step(e, add_view, dst_view, 1, "shortcut sum", i) < 0)
        return -1;
    e->out[i] = dst;
    return activate_in_place(e, dst, l->activation, i);
}

static int build_shortcut(onednn_engine *e, const nn_model *m, const nn_layer *l, int i, dnnl_memory_t in)
{
    const nn_shortcut_geometry *g = &l->shortcut;
    if (g->channels != l->in.c || g->h != l->in.h || g->w != l->in.w)
        return build_shortcut_resampled(e, m, l, i, in);
    const dnnl_memory_desc_t *md = desc_of(in);
    dnnl_memory_t other = as_layout(e, e->out[l->from], md, i);
    dnnl_binary_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_binary_desc_init(&desc, dnnl_binary_add, md, md, md);
    if (!other || op_primitive_desc(e, st, &desc, l->activation, "shortcut", i, &pd) < 0)
        return -1;
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, md);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC_0, in}, {DNNL_ARG_SRC_1, other}, {DNNL_ARG_DST, dst}};
    e->out[i] = dst;
    return dst ? add_step(e, pd, 3, args, i) : check(e, dnnl_out_of_memory, "memory", i);
}

/* Darknet's [crop] at inference: the window copied out of the plain input by
 * a reorder, then scaled and shifted in place. */
static int build_crop(onednn_engine *e, const nn_layer *l, int i, dnnl_memory_t in)
{
    dnnl_memory_desc_t in_md, window, out_md;
    dnnl_dims_t out_d, offsets = {0, 0, l->crop_y, l->crop_x};
    plain_desc(&in_md, l->in);
    plain_desc(&out_md, l->out);
    dims4(out_d, l->out);
    if (check(e, dnnl_memory_desc_init_submemory(&window, &in_md, out_d, offsets), "crop window", i) < 0)
        return -1;
    dnnl_memory_t src = as_layout(e, in, &in_md, i);
    dnnl_memory_t src_window = src ? view_of(e, src, &window) : NULL;
    dnnl_memory_t dst = src_window ? activation_plan_new(&e->acts, e->eng, &out_md) : NULL;
    if (!dst)
        return check(e, dnnl_out_of_memory, "crop memory", i);
    if (add_reorder_step(e, src_window, dst, 0, "crop", i) < 0)
        return -1;
    e->out[i] = dst;
    if (l->crop_scale == 1.0f && l->crop_shift == 0.0f)
        return 0;
    return eltwise_in_place(e, dst, dnnl_eltwise_linear, l->crop_scale, l->crop_shift, i);
}

/* The layouts in which a run of whole blocks of channels is one contiguous
 * run of memory (N = 1): plain N,C,H,W, and the blocked ones. */
typedef struct {
    dnnl_format_tag_t tag;
    int block;
} run_layout;

static const run_layout run_layouts[] = {{dnnl_nchw, 1}, {dnnl_nChw16c, 16}, {dnnl_nChw8c, 8}};

/* mem's layout (its shape s) if it is one of run_layouts and s is whole blocks of it; else NULL. */
static const run_layout *run_layout_of(dnnl_memory_t mem, nn_shape s)
{
    for (size_t t = 0; t < sizeof run_layouts / sizeof *run_layouts; t++) {
        dnnl_memory_desc_t md;
        shape_desc(&md, s, run_layouts[t].tag);
        if (s.c % run_layouts[t].block == 0 && dnnl_memory_desc_equal(&md, desc_of(mem)))
            return &run_layouts[t];
    }
    return NULL;
}

/* The fork's route of channel groups. Of one input in a run layout, a view
 * of its group's channels: no copy. Else, of each input (made plain), its
 * group's channels copied into their place in the plain output. */
static int build_route_groups(onednn_engine *e, const nn_layer *l, int i)
{
    dnnl_memory_t in = e->out[l->routes[0]];
    const run_layout *run = l->nroutes == 1 ? run_layout_of(in, e->model->layers[l->routes[0]].out) : NULL;
    if (run && l->out.c % run->block == 0) {
        /* one input's group, where it is: a view of its run of channels (not
         * of the network's input, which the plan does not hold: then copied) */
        dnnl_memory_desc_t part;
        shape_desc(&part, l->out, run->tag);
        size_t offset = (size_t)l->route_group_id * dnnl_memory_desc_get_size(&part);
        if ((e->out[i] = activation_plan_view_at(&e->acts, e->eng, &part, in, offset)))
            return 0;
    }
    dnnl_memory_desc_t out_md;
    plain_desc(&out_md, l->out);
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, &out_md);
    if (!dst)
        return check(e, dnnl_out_of_memory, "route memory", i);
    int at = 0;
    for (int k = 0; k < l->nroutes; k++) {
        nn_shape s = e->model->layers[l->routes[k]].out;
        int c = s.c / l->route_groups;
        dnnl_memory_desc_t in_md, in_part, out_part;
        dnnl_dims_t part = {1, c, s.h, s.w}, from = {0, (dnnl_dim_t)c * l->route_group_id, 0, 0}, to = {0, at, 0, 0};
        plain_desc(&in_md, s);
        if (check(e, dnnl_memory_desc_init_submemory(&in_part, &in_md, part, from), "route group", i) < 0 ||
            check(e, dnnl_memory_desc_init_submemory(&out_part, &out_md, part, to), "route group", i) < 0)
            return -1;
        dnnl_memory_t src = as_layout(e, e->out[l->routes[k]], &in_md, i);
        dnnl_memory_t src_view = src ? view_of(e, src, &in_part) : NULL;
        dnnl_memory_t dst_view = src_view ? view_of(e, dst, &out_part) : NULL;
        if (!dst_view)
            return check(e, dnnl_out_of_memory, "route memory", i);
        if (add_reorder_step(e, src_view, dst_view, 0, "route group", i) < 0)
            return -1;
        at += c;
    }
    e->out[i] = dst;
    return 0;
}

/* The layout a concatenation can be made in place in: every input's, when
 * all have the same run layout; else NULL. */
static const run_layout *in_place_layout(onednn_engine *e, const nn_layer *l)
{
    const run_layout *first = run_layout_of(e->out[l->routes[0]], e->model->layers[l->routes[0]].out);
    for (int k = 1; k < l->nroutes && first; k++)
        if (run_layout_of(e->out[l->routes[k]], e->model->layers[l->routes[k]].out) != first)
            return NULL;
    return first;
}

/* Darknet's route of several inputs, in place: the output in their common
 * layout, each input's memory made its part of the output's storage, so that
 * the layer making it writes it there; an input that cannot be moved (the
 * network's input, a view, an input already part of another route, the
 * same input twice) is copied in. */
static int build_route_in_place(onednn_engine *e, const nn_layer *l, int i, const run_layout *run)
{
    dnnl_memory_desc_t out_md;
    shape_desc(&out_md, l->out, run->tag);
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, &out_md);
    if (!dst)
        return check(e, dnnl_out_of_memory, "route memory", i);
    size_t at = 0;
    for (int k = 0; k < l->nroutes; k++) {
        dnnl_memory_t in = e->out[l->routes[k]];
        size_t bytes = dnnl_memory_desc_get_size(desc_of(in));
        if (activation_plan_place(&e->acts, in, dst, at) < 0) {
            dnnl_memory_t part = activation_plan_view_at(&e->acts, e->eng, desc_of(in), dst, at);
            if (!part)
                return check(e, dnnl_out_of_memory, "route memory", i);
            if (add_reorder_step(e, in, part, 0, "route copy", i) < 0)
                return -1;
        }
        at += bytes;
    }
    e->out[i] = dst;
    return 0;
}

static int build_route(onednn_engine *e, const nn_layer *l, int i)
{
    if (l->route_groups > 1)
        return build_route_groups(e, l, i);
    if (l->nroutes == 1) { /* a plain reference to an earlier output */
        e->out[i] = e->out[l->routes[0]];
        return 0;
    }
    const run_layout *run = in_place_layout(e, l);
    if (run)
        return build_route_in_place(e, l, i, run);
    dnnl_memory_desc_t srcs[NN_MAX_ROUTE_INPUTS];
    dnnl_exec_arg_t args[MAX_ARGS];
    for (int k = 0; k < l->nroutes; k++) {
        srcs[k] = *desc_of(e->out[l->routes[k]]);
        args[k] = (dnnl_exec_arg_t){DNNL_ARG_MULTIPLE_SRC + k, e->out[l->routes[k]]};
    }
    dnnl_primitive_desc_t pd;
    dnnl_primitive_attr_t attr = new_attr(ACT_LINEAR);
    dnnl_status_t st = dnnl_concat_primitive_desc_create(&pd, NULL, l->nroutes, 1, srcs, attr, e->eng);
    dnnl_primitive_attr_destroy(attr);
    if (check(e, st, "route (concat)", i) < 0)
        return -1;
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
    args[l->nroutes] = (dnnl_exec_arg_t){DNNL_ARG_DST, dst};
    e->out[i] = dst;
    return dst ? add_step(e, pd, l->nroutes + 1, args, i) : check(e, dnnl_out_of_memory, "memory", i);
}

/* Darknet's upsample: nearest neighbour by an integer factor, which oneDNN's
 * nearest resampling computes exactly (its source index round((o + 0.5) / f
 * - 0.5) is o / f), then the scale. */
static int build_upsample(onednn_engine *e, const nn_layer *l, int i, dnnl_memory_t in)
{
    dnnl_memory_desc_t dst_md;
    dnnl_dims_t d;
    dims4(d, l->out);
    dnnl_memory_desc_init_by_tag(&dst_md, 4, d, dnnl_f32, dnnl_format_tag_any);
    dnnl_resampling_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_resampling_forward_desc_init(&desc, dnnl_forward_inference, dnnl_resampling_nearest, NULL,
                                                         desc_of(in), &dst_md);
    if (op_primitive_desc(e, st, &desc, ACT_LINEAR, "upsample", i, &pd) < 0)
        return -1;
    dnnl_memory_t dst = activation_plan_new(&e->acts, e->eng, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, in}, {DNNL_ARG_DST, dst}};
    e->out[i] = dst;
    if (!dst) {
        dnnl_primitive_desc_destroy(pd);
        return check(e, dnnl_out_of_memory, "memory", i);
    }
    if (add_step(e, pd, 2, args, i) < 0)
        return -1;
    return l->upsample_scale == 1.0f ? 0 : eltwise_in_place(e, dst, dnnl_eltwise_linear, l->upsample_scale, 0.0f, i);
}

/* A layer run on the host (plain_layers.h): its input made plain, a plain output. */
static int build_host(onednn_engine *e, nn_plain_forward fn, const nn_layer *l, int i, dnnl_memory_t in)
{
    dnnl_memory_desc_t in_md, out_md;
    plain_desc(&in_md, l->in);
    plain_desc(&out_md, l->out);
    dnnl_memory_t src = as_layout(e, in, &in_md, i);
    dnnl_memory_t dst = src ? activation_plan_new(&e->acts, e->eng, &out_md) : NULL;
    if (!dst)
        return check(e, dnnl_out_of_memory, "memory", i);
    e->out[i] = dst;
    return add_host_step(e, fn, l, src, dst, i);
}

/* Darknet's [local], whose every output pixel has its own filters: the
 * input's patches, a row per pixel, gathered on the host
 * (nn_plain_local_rows), then one grouped convolution of a single pixel, a
 * group per output pixel, whose weights are Darknet's as they lie ([pixel]
 * [filter][patch] = goihw; the biases, per output value, reordered to match),
 * the activation fused; its pixel-major output is then reordered into C,H,W. */
static int build_local(onednn_engine *e, const nn_layer *l, int i, dnnl_memory_t in)
{
    dnnl_dim_t pixels = (dnnl_dim_t)l->out.h * l->out.w, patch = (dnnl_dim_t)l->size * l->size * l->in.c;
    dnnl_dim_t filters = l->filters;
    dnnl_dims_t rows_d = {1, pixels * patch, 1, 1}, w_d = {pixels, filters, patch, 1, 1}, b_d = {pixels * filters},
                dst_d = {1, pixels * filters, 1, 1}, two = {pixels, filters}, by_filter_strides = {1, pixels},
                ones = {1, 1}, zeros = {0, 0};
    dnnl_memory_desc_t in_md, rows_md, w_any, b_md, dst_md, by_pixel, by_filter, out_md;
    plain_desc(&in_md, l->in);
    plain_desc(&out_md, l->out);
    dnnl_memory_desc_init_by_tag(&rows_md, 4, rows_d, dnnl_f32, dnnl_nchw);
    dnnl_memory_desc_init_by_tag(&w_any, 5, w_d, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&b_md, 1, b_d, dnnl_f32, dnnl_x);
    dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dnnl_f32, dnnl_nchw);
    dnnl_memory_desc_init_by_tag(&by_pixel, 2, two, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_init_by_strides(&by_filter, 2, two, dnnl_f32, by_filter_strides);
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                          &rows_md, &w_any, &b_md, &dst_md, ones, zeros, zeros);
    if (op_primitive_desc(e, st, &cd, l->activation, "local", i, &pd) < 0)
        return -1;
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_memory_t wmem, bmem;
    if (!params_reused(e, i, want, &b_md, &wmem, &bmem)) {
        float *b = malloc((size_t)(pixels * filters) * sizeof *b);
        for (dnnl_dim_t p = 0; b && p < pixels; p++)
            for (dnnl_dim_t f = 0; f < filters; f++)
                b[p * filters + f] = l->biases[f * pixels + p];
        params_made(e, i, l->weights, 5, w_d, dnnl_goihw, want, b, b_d, &b_md, &wmem, &bmem);
        free(b);
    }
    dnnl_memory_t src = wmem && bmem ? as_layout(e, in, &in_md, i) : NULL;
    dnnl_memory_t rows = src ? activation_plan_new(&e->acts, e->eng, &rows_md) : NULL;
    dnnl_memory_t dst = rows ? activation_plan_new(&e->acts, e->eng, &dst_md) : NULL;
    if (!dst || add_host_step(e, nn_plain_local_rows, l, src, rows, i) < 0) {
        dnnl_primitive_desc_destroy(pd);
        return check(e, dnnl_out_of_memory, "memory", i);
    }
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, rows}, {DNNL_ARG_WEIGHTS, wmem}, {DNNL_ARG_BIAS, bmem},
                              {DNNL_ARG_DST, dst}};
    if (add_step(e, pd, 4, args, i) < 0)
        return -1;
    dnnl_memory_t pixel_major = view_of(e, dst, &by_pixel);
    dnnl_memory_t chw = pixel_major ? activation_plan_new(&e->acts, e->eng, &out_md) : NULL;
    dnnl_memory_t filter_major = chw ? activation_plan_view(&e->acts, e->eng, &by_filter, chw) : NULL;
    if (!filter_major)
        return check(e, dnnl_out_of_memory, "memory", i);
    e->out[i] = chw;
    return add_reorder_step(e, pixel_major, filter_major, 0, "local transpose", i);
}

/* A layer with tree= whose tree nn_model_load did not read (a model parsed from text). */
static int tree_unread(onednn_engine *e, const nn_layer *l, int i)
{
    snprintf(e->err, e->errlen, "layer %d: the softmax tree %s was not read", i, l->tree_path);
    return -1;
}

static int build_softmax(onednn_engine *e, const nn_layer *l, int i, dnnl_memory_t in)
{
    /* Softmax over the flattened C,H,W input: make it plain, then view as N x K. */
    dnnl_memory_desc_t plain, flat, view;
    dnnl_dims_t flat_d = {1, (dnnl_dim_t)nn_shape_size(l->in)};
    plain_desc(&plain, l->in);
    dnnl_memory_desc_init_by_tag(&flat, 2, flat_d, dnnl_f32, dnnl_nc);
    plain_desc(&view, l->out);
    dnnl_memory_t src = as_layout(e, in, &plain, i);
    if (!src)
        return -1;
    dnnl_memory_t src_flat = view_of(e, src, &flat);
    dnnl_memory_t dst_flat = activation_plan_new(&e->acts, e->eng, &flat);
    if (!src_flat || !dst_flat)
        return check(e, dnnl_unimplemented, "softmax input", i);
    if (l->tree_path) {
        if (!l->tree)
            return tree_unread(e, l, i);
        if (add_host_step(e, nn_plain_softmax_tree, l, src_flat, dst_flat, i) < 0)
            return -1;
        e->out[i] = activation_plan_view(&e->acts, e->eng, &view, dst_flat);
        return e->out[i] ? 0 : check(e, dnnl_out_of_memory, "memory", i);
    }
    dnnl_softmax_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_softmax_forward_desc_init(&desc, dnnl_forward_inference, &flat, 1);
    if (op_primitive_desc(e, st, &desc, ACT_LINEAR, "softmax", i, &pd) < 0)
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src_flat}, {DNNL_ARG_DST, dst_flat}};
    if (add_step(e, pd, 2, args, i) < 0)
        return -1;
    e->out[i] = activation_plan_view(&e->acts, e->eng, &view, dst_flat);
    return e->out[i] ? 0 : check(e, dnnl_out_of_memory, "memory", i);
}

/* Builds the schedule e->cur: one step per layer (plus reorders), ending in a
 * copy to the caller's plain C,H,W output buffer. */
static int build_schedule(onednn_engine *e, const nn_model *m)
{
    /* oneDNN sizes its kernels for the thread count current at creation. */
    omp_set_num_threads(e->cur->threads);
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        dnnl_memory_t in = i ? e->out[i - 1] : e->user_in;
        int rc = 0;
        switch (l->kind) {
        case LAYER_CONVOLUTIONAL:
        case LAYER_CONNECTED: rc = build_weighted(e, m, i, in); break;
        case LAYER_MAXPOOL:
        case LAYER_AVGPOOL: rc = build_pool(e, l, i, in); break;
        case LAYER_SHORTCUT: rc = build_shortcut(e, m, l, i, in); break;
        case LAYER_ROUTE: rc = build_route(e, l, i); break;
        case LAYER_SOFTMAX: rc = build_softmax(e, l, i, in); break;
        case LAYER_CROP: rc = build_crop(e, l, i, in); break;
        case LAYER_UPSAMPLE: rc = build_upsample(e, l, i, in); break;
        case LAYER_REORG: rc = build_host(e, nn_plain_reorg, l, i, in); break;
        case LAYER_YOLO: rc = build_host(e, nn_plain_yolo, l, i, in); break;
        case LAYER_REGION:
            rc = l->tree_path && !l->tree ? tree_unread(e, l, i) : build_host(e, nn_plain_region, l, i, in);
            break;
        case LAYER_DETECTION: rc = build_host(e, nn_plain_detection, l, i, in); break;
        case LAYER_LOCAL: rc = build_local(e, l, i, in); break;
        case LAYER_DROPOUT:
        case LAYER_COST: e->out[i] = in; break;
        }
        if (rc < 0)
            return -1;
        /* Copied as soon as it is made: the buffer may serve a later layer. */
        for (int t = 0; t < NN_TAP_COUNT; t++)
            if (i == e->tap_layer[t] && add_reorder_step(e, e->out[i], e->tap[t], 0, "tap reorder", i) < 0)
                return -1;
    }
    for (int i = 0, k = 0; i < m->nlayers; i++)
        if (nn_layer_is_output(m, i) && add_reorder_step(e, e->out[i], e->user_out[k++], 0, "output reorder", i) < 0)
            return -1;
    return 0;
}

static int build(onednn_engine *e, const nn_model *m)
{
    dnnl_memory_desc_t in_md, out_md;
    plain_desc(&in_md, m->input);
    e->user_in = new_memory(e, &in_md, e->input);
    if (!e->user_in)
        return check(e, dnnl_out_of_memory, "memory", -1);
    /* The caller's output buffer is attached per run with dnnl_memory_set_data_handle. */
    size_t at = 0;
    for (int i = 0; i < m->nlayers; i++) {
        if (!nn_layer_is_output(m, i))
            continue;
        plain_desc(&out_md, m->layers[i].out);
        e->user_out_at[e->nuser_out] = at;
        if (!(e->user_out[e->nuser_out++] = new_memory(e, &out_md, DNNL_MEMORY_NONE)))
            return check(e, dnnl_out_of_memory, "memory", i);
        at += nn_shape_size(m->layers[i].out);
    }
    for (int t = 0; t < NN_TAP_COUNT; t++) {
        int i = e->tap_layer[t] = nn_model_tap_layer(m, (nn_tap)t);
        dnnl_memory_desc_t tap_md;
        if (i < 0)
            continue;
        plain_desc(&tap_md, m->layers[i].out);
        if (!(e->tap[t] = new_memory(e, &tap_md, DNNL_MEMORY_ALLOCATE)))
            return check(e, dnnl_out_of_memory, "memory", i);
    }
    for (int k = 0; k < e->nsched; k++) {
        e->cur = &e->sched[k];
        if (build_schedule(e, m) < 0)
            return -1;
    }

    /* One scratchpad for every step. Steps are numbered across the schedules
     * so that their activations' lifetimes never overlap: the buffer plan then
     * lets the schedules share buffers too. */
    dnnl_memory_desc_t scratch_md;
    dnnl_dims_t scratch_d = {(dnnl_dim_t)(e->scratch_size ? e->scratch_size : 1)};
    dnnl_memory_desc_init_by_tag(&scratch_md, 1, scratch_d, dnnl_u8, dnnl_x);
    e->scratchpad = new_memory(e, &scratch_md, DNNL_MEMORY_ALLOCATE);
    if (!e->scratchpad)
        return check(e, dnnl_out_of_memory, "scratchpad", -1);
    int numbered = 0;
    for (int k = 0; k < e->nsched; k++)
        for (int s = 0; s < e->sched[k].nsteps; s++, numbered++) {
            step *st = &e->sched[k].steps[s];
            st->args[st->nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, e->scratchpad};
            for (int a = 0; a < st->nargs; a++)
                activation_plan_use(&e->acts, st->args[a].memory, numbered);
        }
    return activation_plan_commit(&e->acts) == 0 ? 0 : check(e, dnnl_out_of_memory, "activation buffers", -1);
}

static void onednn_destroy(nn_engine *base)
{
    onednn_engine *e = (onednn_engine *)base;
    for (int k = 0; k < e->nsched; k++) {
        for (int i = 0; i < e->sched[k].nsteps; i++)
            if (e->sched[k].steps[i].prim)
                dnnl_primitive_destroy(e->sched[k].steps[i].prim);
        free(e->sched[k].steps);
    }
    for (int i = 0; i < e->nmems; i++)
        dnnl_memory_destroy(e->mems[i]);
    activation_plan_free(&e->acts);
    if (e->stream)
        dnnl_stream_destroy(e->stream);
    if (e->eng)
        dnnl_engine_destroy(e->eng);
    free(e->mems);
    free(e->user_out);
    free(e->user_out_at);
    free(e->out);
    free(e->weights);
    free(e->biases);
    free(e->input);
    free(e);
}

static nn_engine *onednn_create(const nn_model *m, int threads, char *err, size_t errlen)
{
    onednn_engine *e = calloc(1, sizeof *e);
    size_t n = (size_t)m->nlayers;
    if (!e || !(e->out = calloc(n, sizeof *e->out)) || !(e->weights = calloc(n, sizeof *e->weights)) ||
        !(e->user_out = calloc(n, sizeof *e->user_out)) || !(e->user_out_at = calloc(n, sizeof *e->user_out_at)) ||
        !(e->biases = calloc(n, sizeof *e->biases)) ||
        !(e->input = malloc(nn_shape_size(m->input) * sizeof *e->input))) {
        snprintf(err, errlen, "out of memory");
        if (e)
            onednn_destroy(&e->base);
        return NULL;
    }
    e->base.ops = &nn_onednn_engine;
    e->model = m;
    e->winograd = model_wants_winograd(m);
    e->sched[0].threads = 1;
    e->sched[1].threads = threads;
    e->nsched = threads > 1 ? 2 : 1;
    e->err = err;
    e->errlen = errlen;
    if (check(e, dnnl_engine_create(&e->eng, dnnl_cpu, 0), "engine creation", -1) < 0 ||
        check(e, dnnl_stream_create(&e->stream, e->eng, dnnl_stream_default_flags), "stream creation", -1) < 0 ||
        build(e, m) < 0) {
        onednn_destroy(&e->base);
        return NULL;
    }
    return &e->base;
}

/* The schedule over e->input, which the caller filled. */
static int run_schedule(onednn_engine *e, float *output, int threads)
{
    const schedule *sc = &e->sched[threads > 1 ? e->nsched - 1 : 0];
    /* OpenMP's thread count is per calling thread, so each run sets its own. */
    omp_set_num_threads(sc->threads);
    for (int k = 0; k < e->nuser_out; k++)
        if (dnnl_memory_set_data_handle(e->user_out[k], output + e->user_out_at[k]) != dnnl_success)
            return -1;
    for (int i = 0; i < sc->nsteps; i++) {
        const step *s = &sc->steps[i];
        if (!s->prim) { /* after the primitives before it are done */
            if (dnnl_stream_wait(e->stream) != dnnl_success || run_host_step(s) < 0)
                return -1;
        } else if (dnnl_primitive_execute(s->prim, e->stream, s->nargs, s->args) != dnnl_success) {
            return -1;
        }
    }
    return dnnl_stream_wait(e->stream) == dnnl_success ? 0 : -1;
}

static int onednn_run(nn_engine *base, const uint8_t *pixels, float *output, int threads)
{
    onednn_engine *e = (onednn_engine *)base;
    nn_normalize_input(e->model, pixels, e->input);
    return run_schedule(e, output, threads);
}

static int onednn_run_input(nn_engine *base, const float *input, float *output, int threads)
{
    onednn_engine *e = (onednn_engine *)base;
    memcpy(e->input, input, nn_shape_size(e->model->input) * sizeof *e->input);
    return run_schedule(e, output, threads);
}

static int onednn_tap(nn_engine *base, nn_tap t, float *out)
{
    onednn_engine *e = (onednn_engine *)base;
    void *data;
    if (e->tap_layer[t] < 0 || dnnl_memory_get_data_handle(e->tap[t], &data) != dnnl_success)
        return -1;
    memcpy(out, data, nn_model_tap_size(e->model, t) * sizeof *out);
    return 0;
}

const nn_engine_ops nn_onednn_engine = {
    .name = "onednn",
    .precision = "fp32",
    .create = onednn_create,
    .run = onednn_run,
    .run_input = onednn_run_input,
    .tap = onednn_tap,
    .destroy = onednn_destroy,
};
