/* The start-up self-test of an integer kernel set (int8_kernel_sets.h): a
 * small quantized network built in, run on the set and on the reference
 * kernels; every layer's output must be equal byte for byte. It has what the
 * fast sets treat specially: odd map sizes, channel counts past whole 16- and
 * 32-lane blocks, patches that are not whole quads, 3x3 convolutions with
 * strides 1 and 2 and TF padding, 1x1 convolutions read in place, depthwise
 * layers, per-filter quantization with zero points across the range, large
 * centred weights, relu6 and linear, a shortcut, the average pool and the
 * softmax. A few milliseconds, so it runs before the server turns ready. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "int8_network.h"

typedef struct {
    char cfg[8192];
    size_t len;
    float *params;
    size_t nparams, cap;
    uint64_t rng;
} builder;

static uint32_t next(builder *b, uint32_t n)
{
    b->rng = b->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(b->rng >> 33) % n;
}

static void text(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text(builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->cfg + b->len, sizeof b->cfg - b->len, fmt, ap);
    va_end(ap);
    b->len = n < 0 || (size_t)n >= sizeof b->cfg - b->len ? sizeof b->cfg : b->len + (size_t)n;
}

static void param(builder *b, double v)
{
    if (b->nparams < b->cap)
        b->params[b->nparams] = (float)v;
    b->nparams++;
}

/* One convolution (depthwise when groups == c) of c inputs at input scale
 * in_scale; writes its cfg section and parameters; returns its output scale. */
static float conv(builder *b, int c, int filters, int size, int stride, int depthwise, const char *act,
                  float in_scale)
{
    /* scales are floats, as the loader reads them back from the text */
    float ws[128], out_scale = (float)(0.02 + next(b, 100) / 1000.0);
    int wz[128];
    text(b, "\n[convolutional]\nfilters=%d\nsize=%d\nstride=%d\nactivation=%s\n%s", filters, size, stride, act,
         size > 1 ? "pad_mode=tf_same\n" : "");
    if (depthwise)
        text(b, "groups=%d\n", c);
    text(b, "weight_scale=");
    for (int o = 0; o < filters; o++)
        text(b, "%s%.9g", o ? "," : "", (double)(ws[o] = (float)(0.001 + next(b, 1000) / 40000.0)));
    text(b, "\nweight_zero_point=");
    for (int o = 0; o < filters; o++)
        text(b, "%s%d", o ? "," : "", wz[o] = (int)next(b, 256));
    text(b, "\noutput_scale=%.9g\noutput_zero_point=%d\n", (double)out_scale, (int)next(b, 256));
    for (int o = 0; o < filters; o++)
        param(b, quantized_bias_scale(in_scale, ws[o]) * (double)((int)next(b, 40001) - 20000));
    int per = (depthwise ? 1 : c) * size * size;
    for (int o = 0; o < filters; o++)
        for (int k = 0; k < per; k++) {
            /* mostly near the zero point; one in six anywhere: centred weights up to +-255 */
            int q = next(b, 6) ? wz[o] + (int)next(b, 41) - 20 : (int)next(b, 256);
            q = q < 0 ? 0 : q > 255 ? 255 : q;
            param(b, (double)ws[o] * (double)(q - wz[o]));
        }
    return out_scale;
}

/* The network's cfg text and weights file; 0, or -1 if a buffer was too small. */
static int build(builder *b, uint8_t **weights, size_t *weights_len)
{
    float s = 1.0f / 128;
    text(b, "[net]\nwidth=21\nheight=21\nchannels=3\ninput_mean=128\ninput_scale=%.9g\n", (double)s);
    s = conv(b, 3, 40, 3, 2, 0, "relu6", s); /* 0: 11x11x40, patches of 27 bytes */
    s = conv(b, 40, 40, 3, 1, 1, "relu6", s); /* 1: depthwise, 32 + 8 channels */
    s = conv(b, 40, 72, 1, 1, 0, "relu6", s); /* 2: pointwise, 4.5 blocks of 16 */
    s = conv(b, 72, 72, 3, 2, 1, "relu6", s); /* 3: depthwise, stride 2: 6x6x72 */
    s = conv(b, 72, 72, 1, 1, 0, "linear", s); /* 4 */
    s = (float)(0.05 + next(b, 100) / 1000.0); /* 5: the shortcut's output, the next layer's input */
    text(b, "\n[shortcut]\nfrom=3\nactivation=linear\noutput_scale=%.9g\noutput_zero_point=%d\n", (double)s,
         (int)next(b, 256));
    s = conv(b, 72, 19, 3, 1, 0, "relu6", s); /* 6: 3x3 over 72 channels, 19 filters */
    text(b, "\n[avgpool]\n\n[softmax]\n");
    if (b->len >= sizeof b->cfg || b->nparams > b->cap)
        return -1;
    *weights_len = 20 + b->nparams * sizeof(float);
    *weights = calloc(1, *weights_len);
    if (!*weights)
        return -1;
    int32_t header[3] = {0, 2, 0};
    memcpy(*weights, header, sizeof header);
    memcpy(*weights + 20, b->params, b->nparams * sizeof(float));
    return 0;
}

static int self_test(const int8_kernels *k, char *why, size_t len)
{
    builder b = {.rng = 0x5EEDF00DULL, .cap = 1 << 16};
    b.params = malloc(b.cap * sizeof *b.params);
    uint8_t *weights = NULL, input[21 * 21 * 3];
    size_t weights_len = 0;
    nn_model m;
    int parsed = 0, rc = -1;
    char err[NN_ERR_LEN] = "";
    int8_network *ref = NULL, *fast = NULL;
    if (!b.params || build(&b, &weights, &weights_len) < 0) {
        snprintf(why, len, "out of memory building the self-test network");
        goto done;
    }
    parsed = nn_model_parse_cfg(&m, b.cfg, b.len, "self-test.cfg", err, sizeof err) == 0;
    if (!parsed || nn_model_read_weights(&m, weights, weights_len, "self-test.weights", err, sizeof err) < 0 ||
        !(ref = int8_network_new(&m, &int8_kernels_reference, err, sizeof err)) ||
        !(fast = int8_network_new(&m, k, err, sizeof err))) {
        snprintf(why, len, "the self-test network does not build: %s", err);
        goto done;
    }
    for (size_t i = 0; i < sizeof input; i++)
        input[i] = (uint8_t)next(&b, 256);
    int8_network_run(ref, input, 1);
    for (int threads = 1; threads <= 2; threads++) {
        int8_network_run(fast, input, threads);
        for (int i = 0; i < m.nlayers; i++) {
            const uint8_t *want = int8_network_output(ref, i), *got = int8_network_output(fast, i);
            size_t n = nn_shape_size(m.layers[i].out), at = 0;
            while (at < n && want[at] == got[at])
                at++;
            if (at < n) {
                snprintf(why, len, "layer %d on %d thread(s): byte %zu is %d, the reference kernels give %d", i,
                         threads, at, got[at], want[at]);
                goto done;
            }
        }
    }
    rc = 0;
done:
    int8_network_free(fast);
    int8_network_free(ref);
    if (parsed)
        nn_model_free(&m);
    free(weights);
    free(b.params);
    return rc;
}

typedef struct {
    const int8_kernels *k;
    char *why;
    size_t len;
    int rc;
} self_test_call;

static void *self_test_thread(void *arg)
{
    self_test_call *c = arg;
    c->rc = self_test(c->k, c->why, c->len);
    return NULL;
}

/* On a thread of its own, which ends with the test: OpenMP keeps a team for
 * every thread that ran a parallel region, and once a process has more
 * OpenMP threads than CPUs libgomp's barriers stop spinning and sleep (its
 * do_spin). The team this 2-thread run left on the main thread made every
 * inference of the server on 2 threads take 2.7 ms instead of 1.6 (MobileNet
 * v1, Intel Xeon, 2 cores): the first worker's team was one too many. */
int int8_kernels_self_test(const int8_kernels *k, char *why, size_t len)
{
    self_test_call c = {k, why, len, -1};
    pthread_t t;
    if (pthread_create(&t, NULL, self_test_thread, &c) != 0)
        return self_test(k, why, len);
    pthread_join(t, NULL);
    return c.rc;
}
