/* The same quantized network on XNNPACK's QU8 operators (Debian's libxnnpack,
 * 2022): the operator API TFLite's XNNPACK delegate drives, with the model's
 * own integers (lookslike's loader recovers them from the .weights). Prints
 *   PEER xnnpack-qu8 THREADS MEDIAN MIN MAX TOP1 PROB
 * for bench/report.py, and with --reference DIR checks that its uint8 softmax
 * equals TFLite-XNNPACK's (the test_crop.xnnpack.u8 output of v1) for the 8 images:
 *   XNNPACK_EXACT MATCHING_BYTES TOTAL_BYTES
 * usage: lookslike-xnnpack-peer CFG WEIGHTS INPUT.rgb RUNS [--reference DIR] */
#include <math.h>
#include <pthreadpool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "clock.h"
#include "file_read.h"
#include "nn/model.h"
#include "timings.h"

#define MAX_OPS 64

typedef struct {
    xnn_operator_t op[MAX_OPS];
    int nops;
    uint8_t *buffers[MAX_OPS + 1]; /* buffers[i]: the input of op i; the last, the probabilities */
    int outputs;
    nn_shape shape[MAX_OPS + 1];
} network;

static int fail(const char *what)
{
    fprintf(stderr, "xnnpack peer: %s\n", what);
    return -1;
}

/* Builds one operator per conv / pool / softmax layer of a quantized MobileNet. */
static int build(network *n, const nn_model *m, pthreadpool_t pool)
{
    n->shape[0] = m->input;
    for (int i = 0; i < m->nlayers && n->nops < MAX_OPS; i++) {
        const nn_layer *l = &m->layers[i];
        nn_shape in = n->shape[n->nops];
        xnn_operator_t op = NULL;
        if (l->kind == LAYER_CONVOLUTIONAL) {
            int g = l->groups, cin = l->in.c / g, k = l->size, lo = 0, hi = 255;
            if (l->nweight_q != 1 || l->activation == ACT_RELU || (l->activation == ACT_RELU6 && l->out_q.zero_point))
                return fail("per-filter weights or an activation this peer does not map");
            if (l->activation == ACT_RELU6) {
                float six = 6.0f / l->out_q.scale;
                hi = six < 255 ? (int)roundf(six) : 255;
            }
            /* Darknet [o][i][ky][kx] to XNNPACK's [groups][o][ky][kx][i] */
            uint8_t *w = malloc(l->nweights);
            for (int o = 0; o < l->filters; o++)
                for (int c = 0; c < cin; c++)
                    for (int t = 0; t < k * k; t++)
                        w[((size_t)o * (size_t)(k * k) + (size_t)t) * (size_t)cin + (size_t)c] =
                            l->qweights[((size_t)o * (size_t)cin + (size_t)c) * (size_t)(k * k) + (size_t)t];
            enum xnn_status s = xnn_create_convolution2d_nhwc_qu8(
                (uint32_t)l->pad_before, (uint32_t)l->pad_after, (uint32_t)l->pad_after, (uint32_t)l->pad_before,
                (uint32_t)k, (uint32_t)k, (uint32_t)l->stride, (uint32_t)l->stride, 1, 1, (uint32_t)g, (size_t)cin,
                (size_t)(l->filters / g), (size_t)l->in.c, (size_t)l->filters, (uint8_t)l->in_q.zero_point,
                l->in_q.scale, (uint8_t)l->weight_q[0].zero_point, l->weight_q[0].scale, w, l->qbiases,
                (uint8_t)l->out_q.zero_point, l->out_q.scale, (uint8_t)lo, (uint8_t)hi, 0, &op);
            free(w);
            if (s != xnn_status_success)
                return fail("convolution not created");
        } else if (l->kind == LAYER_AVGPOOL) {
            if (xnn_create_global_average_pooling_nwc_qu8((size_t)in.c, (size_t)in.c, (size_t)in.c,
                                                          (uint8_t)l->in_q.zero_point, l->in_q.scale,
                                                          (uint8_t)l->out_q.zero_point, l->out_q.scale, 0, 255, 0,
                                                          &op) != xnn_status_success)
                return fail("pool not created");
        } else if (l->kind == LAYER_SOFTMAX) {
            if (xnn_create_softmax_nc_qu8((size_t)in.c, (size_t)in.c, (size_t)in.c, l->in_q.scale, 0, 1.0f / 256.0f,
                                          0, &op) != xnn_status_success)
                return fail("softmax not created");
        } else {
            return fail("a layer kind this peer does not map");
        }
        n->op[n->nops] = op;
        n->shape[n->nops + 1] = l->out;
        n->buffers[n->nops] = malloc(nn_shape_size(in));
        n->nops++;
    }
    n->outputs = (int)nn_model_outputs(m);
    n->buffers[n->nops] = malloc((size_t)n->outputs);
    for (int i = 0; i < n->nops; i++) {
        nn_shape in = n->shape[i];
        const nn_layer *l = &m->layers[i];
        enum xnn_status s =
            l->kind == LAYER_CONVOLUTIONAL
                ? xnn_setup_convolution2d_nhwc_qu8(n->op[i], 1, (size_t)in.h, (size_t)in.w, n->buffers[i],
                                                   n->buffers[i + 1], pool)
            : l->kind == LAYER_AVGPOOL
                ? xnn_setup_global_average_pooling_nwc_qu8(n->op[i], 1, (size_t)(in.h * in.w), n->buffers[i],
                                                           n->buffers[i + 1], pool)
                : xnn_setup_softmax_nc_qu8(n->op[i], 1, n->buffers[i], n->buffers[i + 1], pool);
        if (s != xnn_status_success)
            return fail("setup failed");
    }
    return 0;
}

static void run(network *n, const uint8_t *rgb, pthreadpool_t pool)
{
    memcpy(n->buffers[0], rgb, nn_shape_size(n->shape[0]));
    for (int i = 0; i < n->nops; i++)
        xnn_run_operator(n->op[i], pool);
}

/* The whole file, which must be exactly `want` bytes; NULL otherwise. */
static uint8_t *read_exact(const char *path, size_t want)
{
    char err[256];
    size_t len;
    uint8_t *b = file_read(path, want, &len, err, sizeof err);
    if (b && len != want) {
        free(b);
        return NULL;
    }
    return b;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: lookslike-xnnpack-peer CFG WEIGHTS INPUT.rgb RUNS [--reference DIR]\n");
        return 2;
    }
    int runs = atoi(argv[4]);
    const char *reference = argc > 6 && !strcmp(argv[5], "--reference") ? argv[6] : NULL;
    nn_model m;
    char err[NN_ERR_LEN];
    if (nn_model_load(&m, argv[1], argv[2], err, sizeof err) < 0) {
        fail(err);
        return 1;
    }
    uint8_t *rgb = read_exact(argv[3], nn_shape_size(m.input));
    if (!m.quantized || !rgb || xnn_initialize(NULL) != xnn_status_success) {
        fail("a quantized model, its input tensor and XNNPACK are needed");
        return 1;
    }
    for (int threads = 1; threads <= 2; threads++) {
        pthreadpool_t pool = threads > 1 ? pthreadpool_create((size_t)threads) : NULL;
        network n = {0};
        if (build(&n, &m, pool) < 0)
            return 1;
        double *t = malloc((size_t)runs * sizeof *t);
        for (int i = 0; i < 10; i++)
            run(&n, rgb, pool);
        for (int i = 0; i < runs; i++) {
            double t0 = clock_ms();
            run(&n, rgb, pool);
            t[i] = clock_ms() - t0;
        }
        timings_sort(t, runs);
        const uint8_t *probs = n.buffers[n.nops];
        int top = 0;
        for (int i = 1; i < n.outputs; i++)
            top = probs[i] > probs[top] ? i : top;
        printf("PEER xnnpack-qu8 %d %.3f %.3f %.3f %d %.6f\n", threads, t[runs / 2], t[0], t[runs - 1], top,
               probs[top] / 256.0);
        if (reference && threads == 1) {
            static const char *const images[8] = {"bird.bmp", "cat.bmp",     "dragonfly.bmp", "grace_hopper.bmp",
                                                  "hot_dog.jpg", "owl.jpg", "parrot.jpg",   "sunflower.bmp"};
            char path[4096];
            snprintf(path, sizeof path, "%s/outputs/mobilenet_v1_1.0_224_quant_test_crop.xnnpack.u8", reference);
            uint8_t *want = read_exact(path, 8 * (size_t)n.outputs);
            int same = 0;
            for (int i = 0; want && i < 8; i++) {
                snprintf(path, sizeof path, "%s/tensors/%s.crop.rgb", reference, images[i]);
                uint8_t *in = read_exact(path, nn_shape_size(m.input));
                if (!in)
                    continue;
                run(&n, in, pool);
                for (int k = 0; k < n.outputs; k++)
                    same += probs[k] == want[(size_t)i * (size_t)n.outputs + (size_t)k];
                free(in);
            }
            printf("XNNPACK_EXACT %d %d\n", same, 8 * n.outputs);
            free(want);
        }
        free(t);
        for (int i = 0; i < n.nops; i++)
            xnn_delete_operator(n.op[i]);
        for (int i = 0; i <= n.nops; i++)
            free(n.buffers[i]);
        if (pool)
            pthreadpool_destroy(pool);
    }
    free(rgb);
    nn_model_free(&m);
    return 0;
}
