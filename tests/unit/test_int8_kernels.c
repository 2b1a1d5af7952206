/* Every fast integer kernel set against the reference kernels, layer by
 * layer, on random quantized networks with the shapes MobileNet never has:
 * odd channel counts (depthwise channel tails, patches that are not whole
 * quads), 1x1 to 5x5 kernels, strides 1 and 2, both padding modes, per-filter
 * quantization, large weights (the residual path of the AVX2 GEMM), zero
 * points across the range, relu / relu6 / linear, shortcuts, max pools, a
 * fully connected layer (a convolution of the pooled 1x1 map) and a softmax;
 * up to 100 filters, past the 16- and 32-lane blocks of the fast sets; half
 * of them of TFLite's int8 family (quantized_kernels=int8: convolutions with
 * single rounding, a rescaling mean).
 * The outputs must be equal byte for byte. Deterministic (fixed seeds).
 * usage: test_int8_kernels [NETWORKS] */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "nn/int8_network.h"
#include "nn/model.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

static float scale(void)
{
    return (float)(0.001 + rnd(1000) / 4000.0);
}

typedef struct {
    char text[16384];
    size_t len;
    float params[1 << 18];
    size_t nparams;
} random_model;

static void put(random_model *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(random_model *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->len += (size_t)vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
}

/* A convolution of c inputs on an h x w map; returns its filters, or -1 when
 * its weights would not fit in r->params. */
static int add_conv(random_model *r, int c, int *h, int *w, float in_scale)
{
    int depthwise = rnd(3) == 0, size = 1 + 2 * (int)rnd(3), stride = 1 + (int)rnd(2);
    /* mostly few filters; a third up to 100, past the 16- and 32-lane blocks of the fast sets */
    int filters = depthwise ? c : 1 + (int)rnd(rnd(3) ? 40 : 100), per_filter = rnd(2);
    int tf_same = rnd(2), pad = tf_same ? 0 : (int)rnd((unsigned)size);
    if (*h + 2 * pad < size || *w + 2 * pad < size)
        size = 1, pad = 0, tf_same = 0;
    static const char *const acts[] = {"linear", "relu", "relu6"};
    put(r, "\n[convolutional]\nfilters=%d\nsize=%d\nstride=%d\nactivation=%s\n", filters, size, stride, acts[rnd(3)]);
    if (depthwise)
        put(r, "groups=%d\n", c);
    if (tf_same)
        put(r, "pad_mode=tf_same\n");
    else
        put(r, "padding=%d\n", pad);
    float ws[128];
    int wz[128];
    put(r, "weight_scale=");
    for (int o = 0; o < (per_filter ? filters : 1); o++)
        put(r, "%s%.9g", o ? "," : "", (double)(ws[o] = scale()));
    put(r, "\nweight_zero_point=");
    for (int o = 0; o < (per_filter ? filters : 1); o++)
        put(r, "%s%d", o ? "," : "", wz[o] = (int)rnd(256));
    /* a quarter with output zero point 0: with relu, the fast sets' plainest requantization */
    put(r, "\noutput_scale=%.9g\noutput_zero_point=%d\n", (double)(scale() * 8), rnd(4) ? (int)rnd(256) : 0);
    int per = (depthwise ? 1 : c) * size * size;
    if (r->nparams + (size_t)filters * (size_t)(1 + per) > sizeof r->params / sizeof r->params[0])
        return -1; /* the weights would not fit */
    for (int o = 0; o < filters; o++) {
        float s = ws[per_filter ? o : 0];
        r->params[r->nparams++] = (float)((double)in_scale * (double)s * (double)((int)rnd(20001) - 10000));
    }
    for (int o = 0; o < filters; o++)
        for (int k = 0; k < per; k++) {
            /* mostly near the zero point, sometimes anywhere: large centred weights */
            int q = rnd(8) ? wz[per_filter ? o : 0] + (int)rnd(61) - 30 : (int)rnd(256);
            q = q < 0 ? 0 : q > 255 ? 255 : q;
            float s = ws[per_filter ? o : 0];
            r->params[r->nparams++] = (float)((double)s * (double)(q - wz[per_filter ? o : 0]));
        }
    if (tf_same) {
        *h = (*h + stride - 1) / stride;
        *w = (*w + stride - 1) / stride;
    } else {
        *h = (*h + 2 * pad - size) / stride + 1;
        *w = (*w + 2 * pad - size) / stride + 1;
    }
    return filters;
}

/* The output scale of the last layer written that has one (what the next layer reads), or dflt. */
static float last_output_scale(const random_model *r, float dflt)
{
    const char *last = NULL;
    for (const char *p = r->text; (p = strstr(p, "output_scale=")); p++)
        last = p;
    return last ? (float)atof(last + 13) : dflt;
}

/* A random network; returns 0 when it could not be made within the buffers. */
static int make_model(random_model *r)
{
    /* square maps: pad_mode=tf_same needs the same padding on both axes */
    int c = 1 + (int)rnd(4), h = 3 + (int)rnd(20), w = h, layers = 2 + (int)rnd(6), int8_family = rnd(2);
    float in_scale = scale();
    r->len = r->nparams = 0;
    put(r, "[net]\nwidth=%d\nheight=%d\nchannels=%d\ninput_mean=%d\ninput_scale=%.9g\n", w, h, c, (int)rnd(256),
        (double)in_scale);
    if (int8_family)
        put(r, "quantized_kernels=int8\n");
    int last_c = c, last_h = h, last_w = w, index = 0, shortcut_from = -1;
    for (int i = 0; i < layers; i++) {
        /* the input scale of the next layer: read back from the text just written */
        float s = last_output_scale(r, in_scale);
        if (last_h >= 2 && last_w >= 2 && rnd(6) == 0) { /* keeps its input's quantization */
            int size = 2 + (int)rnd(2), stride = 1 + (int)rnd(2);
            put(r, "\n[maxpool]\nsize=%d\nstride=%d\n", size, stride);
            last_h = (last_h - 1) / stride + 1; /* Darknet's default padding: size - 1 */
            last_w = (last_w - 1) / stride + 1;
            shortcut_from = -1;
        } else if (index > 0 && shortcut_from >= 0 && rnd(2)) {
            put(r, "\n[shortcut]\nfrom=%d\nactivation=linear\noutput_scale=%.9g\noutput_zero_point=%d\n", shortcut_from,
                (double)(scale() * 8), (int)rnd(256));
            shortcut_from = -1;
        } else {
            int nc = add_conv(r, last_c, &last_h, &last_w, s);
            if (nc < 0)
                return 0;
            shortcut_from = nc == last_c && rnd(2) ? index : -1;
            last_c = nc;
            if (last_h < 1 || last_w < 1 || r->nparams > (1 << 17))
                return 0;
        }
        index++;
    }
    put(r, "\n[avgpool]\n");
    if (int8_family)
        put(r, "output_scale=%.9g\noutput_zero_point=%d\n", (double)(scale() * 8), (int)rnd(256));
    int one = 1;
    if (rnd(2) && add_conv(r, last_c, &one, &one, last_output_scale(r, in_scale)) < 0) /* fully connected */
        return 0;
    put(r, "\n[softmax]\n");
    return r->len < sizeof r->text - 1;
}

/* A [dropout] as the first layer passes the network input through: its
 * output is the input image, and the next layer reads that. */
static void dropout_first(void)
{
    static const char cfg[] = "[net]\nwidth=2\nheight=2\nchannels=1\ninput_mean=10\ninput_scale=0.5\n\n[dropout]\n\n"
                              "[convolutional]\nfilters=1\nsize=1\nstride=1\nactivation=linear\n"
                              "weight_scale=1\nweight_zero_point=100\noutput_scale=1\noutput_zero_point=0\n";
    float params[2] = {0.5f * 1.0f * 4.0f, 1.0f * 2.0f}; /* bias 4, weight q = 102 */
    uint8_t weights[20 + sizeof params] = {0}, input[4] = {11, 12, 13, 14};
    int32_t header[3] = {0, 2, 0};
    memcpy(weights, header, sizeof header);
    memcpy(weights + 20, params, sizeof params);
    nn_model m;
    char err[NN_ERR_LEN] = "ok";
    if (!check(nn_model_parse_cfg(&m, cfg, strlen(cfg), "dropout.cfg", err, sizeof err) == 0 &&
                   nn_model_read_weights(&m, weights, sizeof weights, "dropout.weights", err, sizeof err) == 0,
               "a quantized model beginning with [dropout] loads (%s)", err))
        return;
    int8_network *n = int8_network_new(&m, &int8_kernels_reference, err, sizeof err);
    if (check(n != NULL, "it builds on the reference kernels: %s", n ? "yes" : err)) {
        int8_network_run(n, input, 1);
        const uint8_t *pass = int8_network_output(n, 0), *conv = int8_network_output(n, 1);
        /* ((x - 10) * (102 - 100) + 4) * (0.5 * 1 / 1): the accumulator at the output's scale */
        check(!memcmp(pass, input, 4) && conv[0] == 3 && conv[1] == 4 && conv[2] == 5 && conv[3] == 6,
              "the dropout passes the input (%d %d %d %d), the convolution reads it (%d %d %d %d)", pass[0], pass[1],
              pass[2], pass[3], conv[0], conv[1], conv[2], conv[3]);
        int8_network_free(n);
    }
    nn_model_free(&m);
}

/* The reference convolution with one output byte changed: a set the start-up
 * self-test must refuse. */
static void off_by_one_conv(const int8_layer *l, const uint8_t *in, uint8_t *out, int y0, int y1)
{
    int8_reference_conv(l, in, out, y0, y1);
    if (y0 == 0 && y1 > 0 && l->filters == 72)
        out[5] ^= 1;
}

static int always(void)
{
    return 1;
}

/* int8_kernels_self_test: passes on every set this CPU runs, refuses a wrong one. */
static void self_test(const char *sets)
{
    char list[256], why[256];
    snprintf(list, sizeof list, "%s", sets);
    for (char *k = strtok(list, " "); k; k = strtok(NULL, " "))
        check(int8_kernels_self_test(int8_kernels_named(k), why, sizeof why) == 0, "the start-up self-test passes on "
              "the %s kernels", k);
    int8_kernels wrong = int8_kernels_reference;
    wrong.name = "wrong";
    wrong.cpu_has = always;
    wrong.conv = off_by_one_conv;
    why[0] = '\0';
    check(int8_kernels_self_test(&wrong, why, sizeof why) < 0 && strstr(why, "layer 2"),
          "it refuses a set with one wrong byte in a 72-filter layer: %s", why);
}

/* int8_arith.h's one-rounding requantization, which the VNNI set computes,
 * equals the two roundings on random accumulators of every size, on exact
 * ties of both steps (multiplier 2^30: every product a multiple of 2^30),
 * zero, the extremes, and every shift from 2^-31 to 2^4. */
static void one_rounding(void)
{
    long differ = 0, tried = 0;
    for (int shift = -31; shift <= 4; shift++)
        for (int i = 0; i < 20000; i++) {
            int32_t x, multiplier = i % 5 == 0 ? 1 << 30 : (int32_t)((1u << 30) + rnd(1u << 30));
            switch (i % 4) {
            case 0: x = (int32_t)(rnd(1u << 31) * 2u + rnd(2)); break; /* any int32 */
            case 1: x = (int32_t)rnd(2000001) - 1000000; break;
            case 2: x = (int32_t)rnd(201) - 100; break;
            default: x = i % 3 == 0 ? INT32_MIN : i % 3 == 1 ? INT32_MAX : 0;
            }
            if (i % 7 == 0)
                multiplier = 0; /* what quantize_multiplier makes of a tiny scale */
            tried++;
            if (multiply_by_quantized_multiplier_once(x, multiplier, shift) !=
                multiply_by_quantized_multiplier(x, multiplier, shift)) {
                if (differ++ < 3)
                    check(0, "x %d multiplier %d shift %d: once %d, twice %d", x, multiplier, shift,
                          multiply_by_quantized_multiplier_once(x, multiplier, shift),
                          multiply_by_quantized_multiplier(x, multiplier, shift));
            }
        }
    check(differ == 0, "one-rounding requantization equals TFLite's two roundings on %ld cases", tried);
}

/* multiply_by_quantized_multiplier_single against its definition in long
 * double arithmetic (64-bit mantissa: x * multiplier and its halves exact):
 * floor(x * multiplier / 2^(31 - shift) + 1/2), on the cases above with
 * every shift TFLite allows (-31 to 30) and products that stay in int32. */
static void single_rounding(void)
{
    long differ = 0, tried = 0;
    for (int shift = -31; shift <= 30; shift++)
        for (int i = 0; i < 5000; i++) {
            int32_t multiplier = i % 5 == 0 ? 1 << 30 : (int32_t)((1u << 30) + rnd(1u << 30));
            int64_t x = i % 3 == 0 ? (int64_t)rnd(2000001) - 1000000 : (int64_t)rnd(201) - 100;
            if (shift <= 0 && i % 4 == 0)
                x = (int32_t)(rnd(1u << 31) * 2u + rnd(2)); /* any int32 */
            long double exact = floorl((long double)x * (long double)multiplier / ldexpl(1.0L, 31 - shift) + 0.5L);
            if (exact < INT32_MIN || exact > INT32_MAX)
                continue;
            tried++;
            int32_t got = multiply_by_quantized_multiplier_single((int32_t)x, multiplier, shift);
            if ((long double)got != exact && differ++ < 3)
                check(0, "x %lld multiplier %d shift %d: single rounding %d, exactly %.0Lf", (long long)x, multiplier,
                      shift, got, exact);
        }
    check(differ == 0, "single-rounding requantization equals round-half-up of the exact product on %ld cases",
          tried);
}

/* The threads of this process now. */
static int threads_now(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* The start-up self-test leaves no thread behind: the OpenMP team its
 * 2-thread run makes would stay with the calling thread (the server's main
 * thread), one team too many for libgomp's barriers to spin (int8_self_test.c).
 * First in main: no parallel region has run yet. */
static void self_test_leaves_no_thread(void)
{
    char why[256] = "";
    int before = threads_now();
    int rc = int8_kernels_self_test(int8_kernels_best(), why, sizeof why);
    int after = threads_now();
    for (int i = 0; i < 100 && after > before; i++) { /* its threads end as it returns: give them 1 s */
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        after = threads_now();
    }
    check(rc == 0 && after == before, "the %s self-test passes and leaves no thread behind (%d threads before, %d after%s%s)",
          int8_kernels_best()->name, before, after, rc ? ": " : "", why);
}

int main(int argc, char **argv)
{
    self_test_leaves_no_thread();
    one_rounding();
    single_rounding();
    dropout_first();
    int networks = argc > 1 ? atoi(argv[1]) : 300;
    static random_model r;
    static uint8_t input[32 * 32 * 32], weights[20 + sizeof r.params];
    int built = 0, compared = 0, shared_compared = 0, mismatches = 0;
    char sets[256];
    int8_kernels_on_this_cpu(sets, sizeof sets);
    printf("# kernel sets on this CPU: %s\n", sets);
    self_test(sets);
    for (int n = 0; n < networks; n++) {
        rng_state = 0x9E3779B97F4A7C15ULL * (uint64_t)(n + 1);
        if (!make_model(&r))
            continue;
        nn_model m;
        char err[NN_ERR_LEN];
        if (!check(nn_model_parse_cfg(&m, r.text, r.len, "random.cfg", err, sizeof err) == 0, "network %d parses: %s",
                   n, err))
            continue;
        int32_t header[3] = {0, 2, 0};
        memset(weights, 0, 20);
        memcpy(weights, header, sizeof header);
        memcpy(weights + 20, r.params, r.nparams * sizeof(float));
        if (!check(nn_model_read_weights(&m, weights, 20 + r.nparams * sizeof(float), "random.weights", err,
                                         sizeof err) == 0,
                   "network %d weights load: %s", n, err)) {
            nn_model_free(&m);
            continue;
        }
        for (size_t i = 0; i < nn_shape_size(m.input); i++)
            input[i] = (uint8_t)rnd(256);
        int8_network *ref = int8_network_new(&m, &int8_kernels_reference, err, sizeof err);
        char list[256];
        snprintf(list, sizeof list, "%s", sets);
        for (char *k = strtok(list, " "); ref && k; k = strtok(NULL, " ")) {
            if (!strcmp(k, "reference"))
                continue;
            int8_network *fast = int8_network_new(&m, int8_kernels_named(k), err, sizeof err);
            if (!check(fast != NULL, "network %d builds on %s: %s", n, k, fast ? "" : err))
                continue;
            built++;
            for (int threads = 1; threads <= 2; threads++) {
                int8_network_run(ref, input, 1);
                int8_network_run(fast, input, threads);
                for (int i = 0; i < m.nlayers; i++) {
                    size_t size = nn_shape_size(m.layers[i].out);
                    compared++;
                    if (memcmp(int8_network_output(ref, i), int8_network_output(fast, i), size)) {
                        mismatches++;
                        check(0, "network %d layer %d (%s kernels, %d threads) differs from the reference:\n%s", n, i,
                              k, threads, r.text);
                        break;
                    }
                }
            }
            /* A network sharing the layers outlives the one that built them and computes the same. */
            int8_network *twin = int8_network_share(fast, err, sizeof err);
            int8_network_free(fast);
            if (check(twin != NULL, "network %d shares its %s layers", n, k)) {
                int8_network_run(twin, input, 1);
                int same = 1;
                for (int i = 0; i < m.nlayers; i++)
                    same &= !memcmp(int8_network_output(ref, i), int8_network_output(twin, i),
                                    nn_shape_size(m.layers[i].out));
                shared_compared++;
                if (!same) {
                    mismatches++;
                    check(0, "network %d on shared %s layers differs from the reference", n, k);
                }
            }
            int8_network_free(twin);
        }
        int8_network_free(ref);
        nn_model_free(&m);
    }
    check(built >= networks / 2 || !strcmp(sets, "reference"), "%d random networks built on the fast kernels", built);
    check(shared_compared == built, "%d networks run again on shared layers after the builder was freed",
          shared_compared);
    check(mismatches == 0, "%d layer outputs equal to the reference kernels' byte for byte (%d differ)", compared,
          mismatches);
    return check_done();
}
