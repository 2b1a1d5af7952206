/* A warm worker allocates nothing per request: once a predictor has seen the
 * largest image of a stream, decode -> crop/resize -> normalise -> inference
 * -> top-k calls no malloc, calloc, realloc or free in lookslike's own code.
 * This binary is linked with -Wl,--wrap for those four, which redirects the
 * calls made by our objects (not by shared libraries: libjpeg-turbo's per-image
 * pool is measured by bench/run.sh instead). */
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "predict/predictor.h"

static long calls;
static int counting;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

void *__wrap_malloc(size_t n)
{
    calls += counting;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    calls += counting;
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    calls += counting;
    return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
    calls += counting && p;
    __real_free(p);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL_DIR IMAGE.jpg IMAGE.jpg\n", argv[0]);
        return 2;
    }
    size_t len[2];
    uint8_t *jpeg[2] = {check_read_file(argv[2], &len[0]), check_read_file(argv[3], &len[1])};
    if (!jpeg[0] || !jpeg[1]) {
        printf("# SKIP: images missing\n");
        return 77;
    }
    static const char *const precisions[] = {"fp32", "int8"};
    for (int k = 0; k < 2; k++) {
        char err[NN_ERR_LEN];
        model_registry reg;
        if (!check(model_registry_load(&reg, argv[1], "mobilenet_v1", "onednn", precisions[k], err, sizeof err) == 0,
                   "model loads for %s: %s", precisions[k], err))
            continue;
        predictor *p = predictor_new(&reg, 1, err, sizeof err);
        if (!check(p != NULL, "%s predictor: %s", precisions[k], p ? "ok" : err))
            return check_done();
        predict_limits limits = {50000000, 16, 1};
        prediction_result res;
        int ok = 1;
        calls = 0;
        for (int round = 0; round < 2; round++) { /* round 0 warms up */
            counting = round;
            for (int i = 0; i < 6; i++)
                ok &= predictor_run_image(p, &reg.models[0], jpeg[i % 2], len[i % 2], i % 3 ? CROP_CENTER : CROP_FULL,
                                          3, &limits, &res, err, sizeof err) == OUTCOME_OK;
        }
        counting = 0;
        check(ok, "%s: 12 predictions of two sizes and both crops succeeded", precisions[k]);
        check(calls == 0, "%s: the 6 warm predictions allocated or freed %ld times in our code", precisions[k], calls);
        predictor_free(p);
        model_registry_free(&reg);
    }
    free(jpeg[0]);
    free(jpeg[1]);
    return check_done();
}
