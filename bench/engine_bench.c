/* lookslike-bench: milliseconds per image for each engine and thread count,
 * measured in one run so the ratios compare like with like on a noisy
 * machine. Not a test: it prints numbers.
 * usage: lookslike-bench [--runs N] [--model-dir DIR] [--model NAME] [IMAGE.jpg] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"
#include "image/jpeg_decode.h"
#include "image/preprocess.h"
#include "nn/engine.h"
#include "nn/model.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    const char *engine;
    int threads, runs;
    double median, min, max;
} result;

static int measure(const nn_model *m, const float *input, result *r)
{
    char err[NN_ERR_LEN];
    nn_engine *e = nn_engine_create(r->engine, m, r->threads, err, sizeof err);
    if (!e) {
        fprintf(stderr, "%s: %s\n", r->engine, err);
        return -1;
    }
    float *out = malloc(nn_model_outputs(m) * sizeof *out);
    double *t = malloc((size_t)r->runs * sizeof *t);
    for (int i = 0; i < 10; i++) /* warm-up: first-touch, caches, frequency */
        nn_engine_run(e, input, out);
    for (int i = 0; i < r->runs; i++) {
        double t0 = clock_ms();
        nn_engine_run(e, input, out);
        t[i] = clock_ms() - t0;
    }
    qsort(t, (size_t)r->runs, sizeof *t, cmp_double);
    r->median = t[r->runs / 2];
    r->min = t[0];
    r->max = t[r->runs - 1];
    free(t);
    free(out);
    nn_engine_destroy(e);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = LOOKSLIKE_MODEL_DIR, *name = "mobilenet_v1", *image = NULL;
    int runs = 100;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--model-dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc)
            name = argv[++i];
        else
            image = argv[i];
    }
    if (runs < 50)
        runs = 50;
    char cfg[4096], weights[4096], err[NN_ERR_LEN];
    snprintf(cfg, sizeof cfg, "%s/%s.cfg", dir, name);
    snprintf(weights, sizeof weights, "%s/%s.weights", dir, name);
    nn_model m;
    if (nn_model_load(&m, cfg, weights, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    size_t n = nn_shape_size(m.input);
    uint8_t *rgb = calloc(n, 1);
    float *input = malloc(n * sizeof *input);
    if (image) { /* a real photo, so activations are realistic */
        FILE *f = fopen(image, "rb");
        static uint8_t buf[32 << 20];
        size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f)
            fclose(f);
        jpeg_decoder *d = jpeg_decoder_new();
        rgb_image img;
        if (jpeg_decode(d, buf, len, 1ull << 32, 1, &img, err, sizeof err) != JPEG_OK) {
            fprintf(stderr, "%s: %s\n", image, err);
            return 1;
        }
        preprocess_rgb(img.rgb, img.width, img.height, CROP_CENTER, rgb, m.input.w, m.input.h);
        jpeg_decoder_free(d);
    }
    nn_model_normalize_input(&m, rgb, input);

    /* MobileNet v1 is 569 M multiply-adds; count them from the model. */
    double macs = 0;
    for (int i = 0; i < m.nlayers; i++)
        if (m.layers[i].kind == LAYER_CONVOLUTIONAL || m.layers[i].kind == LAYER_CONNECTED)
            macs += (double)m.layers[i].nweights * m.layers[i].out.h * m.layers[i].out.w;

    result results[] = {{"onednn", 1, runs, 0, 0, 0},
                        {"onednn", 2, runs, 0, 0, 0},
#ifdef LOOKSLIKE_HAVE_DARKNET
                        {"darknet", 1, runs, 0, 0, 0}
#endif
    };
    int nres = sizeof results / sizeof *results;
    printf("model %s: %.0f M multiply-adds, %zu parameters; %d timed runs after 10 warm-up runs\n\n", name,
           macs / 1e6, m.nparams, runs);
    printf("%-8s %7s %10s %10s %10s %10s %14s\n", "engine", "threads", "median ms", "min ms", "max ms", "GFLOP/s",
           "vs darknet");
    for (int i = 0; i < nres; i++)
        measure(&m, input, &results[i]);
    double darknet = 0;
    for (int i = 0; i < nres; i++)
        if (!strcmp(results[i].engine, "darknet"))
            darknet = results[i].median;
    for (int i = 0; i < nres; i++) {
        result *r = &results[i];
        printf("%-8s %7d %10.3f %10.3f %10.3f %10.1f", r->engine, r->threads, r->median, r->min, r->max,
               2 * macs / (r->median * 1e6));
        if (darknet > 0)
            printf(" %13.1fx", darknet / r->median);
        printf("\n");
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\npeak RSS %.1f MiB (all engines of this run together)\n", ru.ru_maxrss / 1024.0);
    free(rgb);
    free(input);
    nn_model_free(&m);
    return 0;
}
