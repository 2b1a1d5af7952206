/* lookslike-pipeline-bench: one worker's request pipeline (decode -> crop and
 * resize -> normalise -> inference) on real JPEGs, with and without DCT-scaled
 * decoding: milliseconds per stage (medians) and heap calls per request made
 * by the whole process, libraries included. Not a test: it prints numbers,
 * plus "PIPELINE image scaling decoded_w decoded_h decode_ms preprocess_ms
 * inference_ms heap_calls engine_heap_calls top1 prob" lines for bench/run.sh.
 * usage: lookslike-pipeline-bench [--runs N] IMAGE.jpg... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict/predictor.h"
#include "timings.h"

/* Heap calls are counted by interposing the allocator for the whole process:
 * the executable's definitions win over libc's for every shared library, and
 * forward to glibc's own entry points. (Not built with sanitizers, which
 * interpose these themselves.) */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
static long heap_calls; /* every thread's */
#define COUNT(n) __atomic_fetch_add(&heap_calls, (n), __ATOMIC_RELAXED)

void *malloc(size_t n)
{
    COUNT(1);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    COUNT(1);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    COUNT(1);
    return __libc_realloc(p, n);
}

void free(void *p)
{
    COUNT(p != NULL);
    __libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    COUNT(1);
    *out = __libc_memalign(align, n);
    return *out ? 0 : 12; /* ENOMEM */
}

void *aligned_alloc(size_t align, size_t n)
{
    COUNT(1);
    return __libc_memalign(align, n);
}

static double median(double *v, int n)
{
    timings_sort(v, n);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    int runs = 30, first = 1;
    const char *precision = "auto";
    while (first + 1 < argc && (!strcmp(argv[first], "--runs") || !strcmp(argv[first], "--precision"))) {
        if (!strcmp(argv[first], "--runs"))
            runs = atoi(argv[first + 1]);
        else
            precision = argv[first + 1];
        first += 2;
    }
    if (runs < 5)
        runs = 5;
    char err[NN_ERR_LEN];
    model_registry reg;
    if (first >= argc ||
        model_registry_load(&reg, LOOKSLIKE_MODEL_DIR, "mobilenet_v1", "onednn", precision, err, sizeof err) < 0) {
        fprintf(stderr, "usage: lookslike-pipeline-bench [--runs N] [--precision P] IMAGE.jpg... (%s)\n",
                first < argc ? err : "");
        return 2;
    }
    predictor *p = predictor_new(&reg, 1, err, sizeof err);
    if (!p) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double *dec = malloc((size_t)runs * sizeof *dec), *pre = malloc((size_t)runs * sizeof *pre),
           *inf = malloc((size_t)runs * sizeof *inf);
    printf("%-24s %7s %11s %10s %13s %12s %14s %16s\n", "image", "scaling", "decoded", "decode ms", "preprocess ms",
           "inference ms", "heap calls/req", "of which engine");
    for (int i = first; i < argc; i++) {
        static uint8_t jpeg[64 << 20];
        FILE *f = fopen(argv[i], "rb");
        size_t len = f ? fread(jpeg, 1, sizeof jpeg, f) : 0;
        if (f)
            fclose(f);
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        for (int scaling = 0; len && scaling <= 1; scaling++) {
            predict_limits limits = {1ull << 32, 16, scaling};
            prediction_result res;
            long calls = 0;
            int ok = 1;
            for (int r = -3; r < runs && ok; r++) { /* 3 warm-up runs */
                long before = __atomic_load_n(&heap_calls, __ATOMIC_RELAXED);
                ok = predictor_run_image(p, &reg.models[0], jpeg, len, CROP_CENTER, 3, &limits, &res, err,
                                         sizeof err) == OUTCOME_OK;
                if (r < 0)
                    continue;
                calls += __atomic_load_n(&heap_calls, __ATOMIC_RELAXED) - before;
                dec[r] = res.decode_ms;
                pre[r] = res.preprocess_ms;
                inf[r] = res.inference_ms;
            }
            if (!ok) {
                fprintf(stderr, "%s: %s\n", argv[i], err);
                continue;
            }
            /* the same count for inference alone, on a tensor */
            static uint8_t tensor[224 * 224 * 3];
            prediction_result blank;
            long before = __atomic_load_n(&heap_calls, __ATOMIC_RELAXED);
            predictor_run_tensor(p, &reg.models[0], tensor, 3, &blank);
            long engine_calls = __atomic_load_n(&heap_calls, __ATOMIC_RELAXED) - before;
            double d = median(dec, runs), q = median(pre, runs), n = median(inf, runs);
            char size[32];
            snprintf(size, sizeof size, "%dx%d", res.decoded_width, res.decoded_height);
            printf("%-24s %7s %11s %10.3f %13.3f %12.3f %14.1f %16ld\n", name, scaling ? "on" : "off", size, d, q, n,
                   (double)calls / runs, engine_calls);
            printf("PIPELINE %s %d %d %d %.3f %.3f %.3f %.1f %ld %d %.6f\n", name, scaling, res.decoded_width,
                   res.decoded_height, d, q, n, (double)calls / runs, engine_calls, res.top[0].index,
                   res.top[0].probability);
        }
    }
    free(dec);
    free(pre);
    free(inf);
    predictor_free(p);
    model_registry_free(&reg);
    return 0;
}
