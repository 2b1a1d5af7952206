/* lookslike-bench: milliseconds per image for each engine and thread count,
 * next to a plain oneDNN port of the same model (the peer our engine has to
 * beat; also run on batches of 2-8 images, to see what dynamic batching
 * could gain), oneDNN's own int8 primitives (fast, not exact: onednn_int8.c)
 * and this CPU's measured FMA peak, all in one run so the ratios
 * compare like with like on a noisy machine. Not a test: it prints numbers.
 * Besides the table it prints one "RESULT name threads batch median min max
 * top1 prob" line per row (times per image) for bench/run.sh.
 * usage: lookslike-bench [--runs N] [--model-dir DIR] [--model NAME] [--zoo] [--layers] [--winograd MODE]
 *                        [--only ENGINE] [--int8-kernels SET] [--save-rgb FILE] [IMAGE.jpg | --rgb TENSOR.rgb]
 * --zoo: only the float engines next to libdarknet (a float model of the
 * Darknet zoo: no integer engine, no batching); --only NAME: only that
 * engine's rows; --int8-kernels: the integer engine's kernel set (the
 * server's option: "avx2" against "avx_vnni", say); --winograd: the server's option of that name (auto, 1, 0);
 * --save-rgb: writes the preprocessed input tensor, for a peer in another process; --layers: instead of
 * the table, the integer engine's layers one by one (what each is, its multiply-adds, the kernel that
 * runs it, its median time and GMAC/s at 1 and 2 threads). */
#ifdef __x86_64__
#include <immintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"
#include "image/jpeg_decode.h"
#include "image/preprocess.h"
#include "nn/engine.h"
#include "nn/input_normalize.h"
#include "nn/model.h"
#include "predict/model_registry.h"
#include "predict/predictor.h"
#include "nn/int8_kernel_sets.h"
#include "nn/int8_network.h"
#include "onednn_int8.h"
#include "onednn_plain.h"
#include "timings.h"

typedef struct {
    const char *name; /* "onednn", "int8", "darknet" (engines), "onednn-plain" or "onednn-int8" (peers) */
    int threads, batch;
    double median, min, max; /* per image */
    int top1;
    float top1_prob;
    char isa[128]; /* what the row ran on, where known: the int8 kernel set, oneDNN's int8 implementation */
} result;

typedef struct {
    nn_engine *engine; /* takes the 8-bit image */
    plain_net *plain; /* takes the normalised float tensor(s) */
    int8_peer *int8; /* takes the 8-bit image */
    size_t outputs;
    int threads;
} runner;

static int run_once(runner *r, const uint8_t *rgb, const float *input, float *out)
{
    return r->engine ? nn_engine_run(r->engine, rgb, out, r->threads)
           : r->int8 ? int8_peer_run(r->int8, rgb, out, r->outputs)
                     : plain_net_run(r->plain, input, out, r->outputs);
}

#define ROW_BUDGET_MS 20000.0

/* A layer's multiply-adds: a convolution's or connected layer's; 0 for the others. */
static double layer_macs(const nn_layer *l)
{
    return l->kind == LAYER_CONVOLUTIONAL || l->kind == LAYER_CONNECTED
               ? (double)l->nweights * l->out.h * l->out.w
               : 0;
}

/* --layers: the integer engine's layers one by one, at 1 and 2 threads. */
static int layers_table(const nn_model *m, const uint8_t *rgb, int runs)
{
    char err[NN_ERR_LEN], kernel[64];
    int8_network *net = int8_network_new(m, int8_kernels_in_use(), err, sizeof err);
    if (!net) {
        fprintf(stderr, "integer engine: %s\n", err);
        return -1;
    }
    int L = m->nlayers;
    double *ms = malloc((size_t)L * sizeof *ms), *all[2];
    for (int t = 0; t < 2; t++)
        all[t] = malloc((size_t)L * (size_t)runs * sizeof *all[t]);
    for (int t = 0; t < 2; t++) {
        for (int r = 0; r < 10; r++)
            int8_network_run(net, rgb, t + 1);
        for (int r = 0; r < runs; r++) {
            int8_network_run_timed(net, rgb, t + 1, ms);
            for (int i = 0; i < L; i++)
                all[t][(size_t)i * runs + r] = ms[i];
        }
    }
    printf("%-5s %-14s %-16s %-16s %9s %-26s %9s %8s %9s %8s\n", "layer", "kind", "input", "output", "M MACs",
           "kernel", "ms 1t", "GMAC/s", "ms 2t", "GMAC/s");
    double total[2] = {0, 0}, macs_all = 0;
    for (int i = 0; i < L; i++) {
        const nn_layer *l = &m->layers[i];
        char in[32], out[32];
        snprintf(in, sizeof in, "%dx%dx%d", l->in.h, l->in.w, l->in.c);
        snprintf(out, sizeof out, "%dx%dx%d", l->out.h, l->out.w, l->out.c);
        int8_network_kernel(net, i, kernel, sizeof kernel);
        double macs = layer_macs(l), med[2];
        for (int t = 0; t < 2; t++) {
            timings_sort(all[t] + (size_t)i * runs, runs);
            med[t] = all[t][(size_t)i * runs + runs / 2];
            total[t] += med[t];
        }
        macs_all += macs;
        const char *kind = l->kind == LAYER_CONVOLUTIONAL && l->groups > 1 ? "depthwise" : nn_layer_kind_name(l->kind);
        printf("%-5d %-14s %-16s %-16s %9.2f %-26s %9.4f %8.1f %9.4f %8.1f\n", i, kind, in, out, macs / 1e6, kernel,
               med[0], macs / (med[0] * 1e6), med[1], macs / (med[1] * 1e6));
    }
    printf("%-5s %-14s %-16s %-16s %9.2f %-26s %9.4f %8.1f %9.4f %8.1f\n", "all", "", "", "", macs_all / 1e6, "",
           total[0], macs_all / (total[0] * 1e6), total[1], macs_all / (total[1] * 1e6));
    for (int t = 0; t < 2; t++)
        free(all[t]);
    free(ms);
    int8_network_free(net);
    return 0;
}


static int measure(const nn_model *m, const uint8_t *rgb, const float *image, int runs, result *r)
{
    char err[NN_ERR_LEN] = "cannot build it";
    size_t n = nn_shape_size(m->input);
    int batch = r->batch > 1 ? r->batch : 1;
    runner run = {.outputs = (size_t)batch * nn_model_outputs(m), .threads = r->threads};
    if (!strcmp(r->name, "onednn-plain"))
        run.plain = plain_net_create(m, r->threads, batch);
    else if (!strcmp(r->name, "onednn-int8"))
        run.int8 = int8_peer_create(m, r->threads);
    else
        run.engine = nn_engine_create(r->name, m, r->threads, err, sizeof err);
    if (run.int8)
        snprintf(r->isa, sizeof r->isa, "%s", int8_peer_isa(run.int8));
    else if (!strcmp(r->name, "int8") && run.engine)
        snprintf(r->isa, sizeof r->isa, "%s kernels", int8_kernels_in_use()->name);
    if (!run.engine && !run.plain && !run.int8) {
        fprintf(stderr, "%s: %s\n", r->name, err);
        return -1;
    }
    float *out = malloc(run.outputs * sizeof *out), *input = malloc((size_t)batch * n * sizeof *input);
    double *t = malloc((size_t)runs * sizeof *t);
    for (int b = 0; b < batch; b++)
        memcpy(input + (size_t)b * n, image, n * sizeof *input);
    /* Warm-up: first-touch, caches, frequency. A slow row (a detector on
     * libdarknet takes seconds) is measured fewer times: about 20 s a row. */
    double t0 = clock_ms();
    run_once(&run, rgb, input, out);
    double once = clock_ms() - t0;
    for (int i = 1; i < (once > 100 ? 2 : 10); i++)
        run_once(&run, rgb, input, out);
    if (once * runs > ROW_BUDGET_MS)
        runs = once * 5 > ROW_BUDGET_MS ? 5 : (int)(ROW_BUDGET_MS / once);
    for (int i = 0; i < runs; i++) {
        double t0 = clock_ms();
        run_once(&run, rgb, input, out);
        t[i] = (clock_ms() - t0) / batch;
    }
    timings_sort(t, runs);
    r->median = t[runs / 2];
    r->min = t[0];
    r->max = t[runs - 1];
    r->top1 = 0;
    for (size_t i = 1, n = nn_model_outputs(m); i < n; i++)
        if (out[i] > out[r->top1])
            r->top1 = (int)i;
    r->top1_prob = out[r->top1];
    free(t);
    free(out);
    free(input);
    if (run.engine)
        nn_engine_destroy(run.engine);
    else if (run.int8)
        int8_peer_destroy(run.int8);
    else
        plain_net_destroy(run.plain);
    return 0;
}

/* 12 independent FMA chains of 16 lanes (AVX-512) or 8 (AVX2), enough to
 * cover the latency of two FMA ports, for `iters` rounds; return the FLOPs
 * done. Another CPU: 4 lanes (NEON's), the compiler's vector extension. */
#ifndef __x86_64__
static double fma_chains(long iters)
{
    typedef float v4 __attribute__((vector_size(16)));
    v4 a[12], b = {0.999999f, 0.999999f, 0.999999f, 0.999999f}, c = {1e-7f, 1e-7f, 1e-7f, 1e-7f};
    for (int j = 0; j < 12; j++)
        a[j] = (v4){(float)j, (float)j, (float)j, (float)j};
    for (long i = 0; i < iters; i++)
        for (int j = 0; j < 12; j++)
            a[j] = a[j] * b + c; /* one fmla: GNU C contracts it */
    float sink = 0;
    for (int j = 0; j < 12; j++)
        sink += a[j][0] + a[j][1] + a[j][2] + a[j][3];
    return (double)iters * 12 * 4 * 2 + (sink == 42.0f);
}
#else
__attribute__((target("avx512f"))) static double fma_chains_avx512(long iters)
{
    __m512 a[12], b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int j = 0; j < 12; j++)
        a[j] = _mm512_set1_ps((float)j);
    for (long i = 0; i < iters; i++)
        for (int j = 0; j < 12; j++)
            a[j] = _mm512_fmadd_ps(a[j], b, c);
    float sink = 0;
    for (int j = 0; j < 12; j++)
        sink += _mm512_reduce_add_ps(a[j]);
    return (double)iters * 12 * 16 * 2 + (sink == 42.0f); /* (keeps the loop alive) */
}

__attribute__((target("avx2,fma"))) static double fma_chains_avx2(long iters)
{
    __m256 a[12], b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int j = 0; j < 12; j++)
        a[j] = _mm256_set1_ps((float)j);
    for (long i = 0; i < iters; i++)
        for (int j = 0; j < 12; j++)
            a[j] = _mm256_fmadd_ps(a[j], b, c);
    float lanes[8], sink = 0;
    for (int j = 0; j < 12; j++) {
        _mm256_storeu_ps(lanes, a[j]);
        for (int k = 0; k < 8; k++)
            sink += lanes[k];
    }
    return (double)iters * 12 * 8 * 2 + (sink == 42.0f);
}

/* The widest FMA this CPU has: an AVX2-only CPU has no AVX-512 (SIGILL). */
static double fma_chains(long iters)
{
    return __builtin_cpu_supports("avx512f") ? fma_chains_avx512(iters) : fma_chains_avx2(iters);
}
#endif

/* This CPU's single-precision FMA peak in GFLOP/s with `threads` threads,
 * timed for ~0.2 s: what the engines' GFLOP/s compare to. */
static double fma_peak(int threads)
{
    double flops = 0, t0 = clock_ms();
#pragma omp parallel num_threads(threads) reduction(+ : flops)
    flops += fma_chains(20000000);
    return flops / ((clock_ms() - t0) * 1e6);
}

static int load_input(const nn_model *m, const char *image, int raw, uint8_t *rgb, size_t n)
{
    static uint8_t buf[32 << 20];
    FILE *f = fopen(image, "rb");
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    if (raw) { /* an exact model-sized tensor, as in ../shared/reference/tensors */
        if (len != n) {
            fprintf(stderr, "%s: expected %zu bytes of %dx%d RGB\n", image, n, m->input.w, m->input.h);
            return -1;
        }
        memcpy(rgb, buf, n);
        return 0;
    }
    char err[256];
    jpeg_decoder *d = jpeg_decoder_new();
    rgb_image img;
    int ok =
        jpeg_decode(d, buf, len, &(image_decode_options){1ull << 32, 1, 0, 0, 0}, &img, err, sizeof err) == OUTCOME_OK;
    resize_workspace *ws = resize_workspace_new();
    if (ok)
        ok = preprocess_rgb(ws, img.rgb, img.width, img.height, model_preprocess_style(m), CROP_CENTER, rgb, m->input.w,
                            m->input.h) == 0;
    else
        fprintf(stderr, "%s: %s\n", image, err);
    jpeg_decoder_free(d);
    resize_workspace_free(ws);
    return ok ? 0 : -1;
}

/* A detector's decoding and NMS (detector_run, Darknet's default
 * thresholds and /detect's default 100 boxes) on its own outputs for
 * `input`, the 640x480 frame's: "BOXES median_ms min_ms detections". */
static int boxes_time(const nn_model *m, const float *input)
{
    char err[NN_ERR_LEN];
    nn_engine *e = nn_engine_create("onednn", m, 1, err, sizeof err);
    detector *d = detector_new(m);
    float *out = malloc(nn_model_outputs(m) * sizeof *out);
    detected_object *found = malloc(DETECT_MAX_BOXES * sizeof *found);
    if (!e || !d || !out || !found || nn_engine_run_input(e, input, out, 1) < 0) {
        fprintf(stderr, "boxes: %s\n", e ? "out of memory" : err);
        return -1;
    }
    enum { RUNS = 51 };
    double t[RUNS];
    detect_options o = {.threshold = DETECT_DEFAULT_THRESHOLD, .nms = DETECT_DEFAULT_NMS};
    int n = 0;
    for (int i = 0; i < RUNS; i++) {
        double t0 = clock_ms();
        int truncated;
        n = detector_run(d, out, 640, 480, &o, found, 100, &truncated);
        t[i] = clock_ms() - t0;
    }
    timings_sort(t, RUNS);
    printf("decoding and NMS: %.3f ms (min %.3f), %d detections\nBOXES %.3f %.3f %d\n", t[RUNS / 2], t[0], n,
           t[RUNS / 2], t[0], n);
    free(found);
    free(out);
    detector_free(d);
    nn_engine_destroy(e);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = LOOKSLIKE_MODEL_DIR, *name = "mobilenet_v1", *image = NULL;
    int runs = 100, raw = 0, zoo = 0, layers = 0;
    const char *save_rgb = NULL, *only = NULL;
    char err[NN_ERR_LEN];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--model-dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(argv[i], "--zoo"))
            zoo = 1;
        else if (!strcmp(argv[i], "--layers"))
            layers = 1;
        else if (!strcmp(argv[i], "--winograd") && i + 1 < argc) {
            if (nn_onednn_use_winograd(argv[++i], err, sizeof err) < 0) {
                fprintf(stderr, "%s\n", err);
                return 2;
            }
        }
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--int8-kernels") && i + 1 < argc) {
            char notes[256];
            if (int8_kernels_choose(argv[++i], notes, sizeof notes, err, sizeof err) < 0) {
                fprintf(stderr, "%s\n", err);
                return 2;
            }
        } else if (!strcmp(argv[i], "--save-rgb") && i + 1 < argc)
            save_rgb = argv[++i];
        else if (!strcmp(argv[i], "--rgb") && i + 1 < argc)
            image = argv[++i], raw = 1;
        else
            image = argv[i];
    }
    if (runs < 50)
        runs = 50;
    char cfg[4096], weights[4096];
    snprintf(cfg, sizeof cfg, "%s/%s.cfg", dir, name);
    snprintf(weights, sizeof weights, "%s/%s.weights", dir, name);
    nn_model m;
    if (nn_model_load(&m, cfg, weights, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    size_t n = nn_shape_size(m.input);
    uint8_t *rgb = calloc(n, 1); /* a real photo, if given, so activations are realistic */
    float *input = malloc(n * sizeof *input);
    if (image && load_input(&m, image, raw, rgb, n) < 0)
        return 1;
    nn_normalize_input(&m, rgb, input);
    FILE *saved = save_rgb ? fopen(save_rgb, "wb") : NULL;
    if (save_rgb && (!saved || fwrite(rgb, 1, n, saved) != n || fclose(saved) != 0)) {
        perror(save_rgb);
        return 1;
    }

    if (layers) {
        int rc = layers_table(&m, rgb, runs);
        free(rgb);
        free(input);
        nn_model_free(&m);
        return rc < 0 ? 1 : 0;
    }
    /* MobileNet v1 is 569 M multiply-adds; count them from the model. */
    double macs = 0;
    for (int i = 0; i < m.nlayers; i++)
        macs += layer_macs(&m.layers[i]);

    result results[] = {{.name = "onednn", .threads = 1},       {.name = "onednn", .threads = 2},
                        {.name = "int8", .threads = 1},         {.name = "int8", .threads = 2},
                        {.name = "onednn-int8", .threads = 1},  {.name = "onednn-int8", .threads = 2},
                        {.name = "onednn-plain", .threads = 1}, {.name = "onednn-plain", .threads = 2},
                        {.name = "onednn-plain", .threads = 1, .batch = 4},
                        {.name = "onednn-plain", .threads = 2, .batch = 2},
                        {.name = "onednn-plain", .threads = 2, .batch = 4},
                        {.name = "onednn-plain", .threads = 2, .batch = 8},
#ifdef LOOKSLIKE_HAVE_DARKNET
                        {.name = "darknet", .threads = 1}
#endif
    };
    result zoo_results[] = {{.name = "onednn", .threads = 1}, {.name = "onednn", .threads = 2},
#ifdef LOOKSLIKE_HAVE_DARKNET
                            {.name = "darknet", .threads = 1}
#endif
    };
    int nres = zoo ? (int)(sizeof zoo_results / sizeof *zoo_results) : (int)(sizeof results / sizeof *results);
    result *chosen = zoo ? zoo_results : results;
    double peak[3] = {0, fma_peak(1), fma_peak(2)};
    printf("model %s: %.0f M multiply-adds, %zu parameters; %d timed runs after 10 warm-up runs\n", name, macs / 1e6,
           m.nparams, runs);
    printf("measured FMA peak: %.1f GFLOP/s on 1 thread, %.1f on 2\n\n", peak[1], peak[2]);
    printf("%-13s %7s %5s %10s %10s %10s %10s %7s %8s\n", "engine", "threads", "batch", "ms/image", "min ms",
           "max ms", "GFLOP/s", "% peak", "top-1");
    for (int i = 0; i < nres; i++) {
        result *r = &chosen[i];
        if (only && strcmp(r->name, only))
            continue;
        if (measure(&m, rgb, input, runs, r) < 0)
            continue;
        double gflops = 2 * macs / (r->median * 1e6);
        printf("%-13s %7d %5d %10.3f %10.3f %10.3f %10.1f %6.1f%% %8d\n", r->name, r->threads, r->batch ? r->batch : 1,
               r->median, r->min, r->max, gflops, r->threads <= 2 ? 100 * gflops / peak[r->threads] : 0, r->top1);
        printf("RESULT %s %d %d %.3f %.3f %.3f %d %.6f\n", r->name, r->threads, r->batch ? r->batch : 1, r->median,
               r->min, r->max, r->top1, r->top1_prob);
        if (r->isa[0])
            printf("ISA %s %s\n", r->name, r->isa);
    }
    printf("PEAK 1 %.1f\nPEAK 2 %.1f\nMACS %.0f\n", peak[1], peak[2], macs);
    if (nn_model_task(&m) == NN_TASK_DETECTION && boxes_time(&m, input) < 0)
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\npeak RSS %.1f MiB (all engines of this run together)\n", ru.ru_maxrss / 1024.0);
    free(rgb);
    free(input);
    nn_model_free(&m);
    return 0;
}
