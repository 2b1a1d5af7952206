/* `lookslike classify IMAGE...`: the pipeline of the service, from the
 * command line, printing the top-k for each image. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "predict/predictor.h"

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *b = realloc(buf, cap *= 2);
        if (!b)
            free(buf);
        buf = b;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: lookslike classify [--engine onednn|darknet] [--model NAME] [--model-dir DIR]\n"
                 "                          [--crop center|full] [-k N] [--threads N] [--dct-scaling 1|0]\n"
                 "                          IMAGE.jpg...\n");
}

int cli_classify(int argc, char **argv)
{
    const char *engine = "onednn", *model = "mobilenet_v1", *dir = cli_default_model_dir(), *crop_name = "center";
    int k = 3, threads = 1, dct_scaling = 1, first = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (a[0] != '-') {
            first = i;
            break;
        } else if (!v) {
            usage(stderr);
            return 2;
        } else if (!strcmp(a, "--engine")) {
            engine = v;
        } else if (!strcmp(a, "--model")) {
            model = v;
        } else if (!strcmp(a, "--model-dir")) {
            dir = v;
        } else if (!strcmp(a, "--crop")) {
            crop_name = v;
        } else if (!strcmp(a, "-k")) {
            k = atoi(v);
        } else if (!strcmp(a, "--threads")) {
            threads = atoi(v);
        } else if (!strcmp(a, "--dct-scaling")) {
            dct_scaling = !strcmp(v, "1") ? 1 : !strcmp(v, "0") ? 0 : -1;
        } else {
            usage(stderr);
            return 2;
        }
        i++;
    }
    crop_mode crop;
    if (first == argc || k < 1 || k > PREDICT_MAX_K || threads < 1 || dct_scaling < 0 || crop_mode_parse(crop_name, &crop) < 0) {
        usage(stderr);
        return 2;
    }
    char err[NN_ERR_LEN];
    model_registry reg;
    if (model_registry_load(&reg, dir, model, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: %s\n", err);
        return 1;
    }
    predictor *p = predictor_new(&reg, engine, threads, err, sizeof err);
    if (!p) {
        fprintf(stderr, "lookslike: %s\n", err);
        model_registry_free(&reg);
        return 1;
    }
    printf("model %s, engine %s, crop %s\n", reg.models[0].name, predictor_engine_name(p), crop_mode_name(crop));
    int failures = 0;
    predict_limits limits = {.max_pixels = 50000000, .min_side = 1, .dct_scaling = dct_scaling};
    for (int i = first; i < argc; i++) {
        size_t len;
        uint8_t *data = read_file(argv[i], &len);
        prediction_result res;
        if (!data) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            failures++;
            continue;
        }
        if (predictor_run_jpeg(p, &reg.models[0], data, len, crop, k, &limits, &res, err, sizeof err) != PREDICT_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], err);
            failures++;
        } else {
            printf("%s (%dx%d, %.2f ms inference):\n", argv[i], res.width, res.height, res.inference_ms);
            for (int j = 0; j < res.count; j++)
                printf("  %6.2f%%  %4d  %s\n", 100.0 * res.top[j].probability, res.top[j].index, res.top[j].labels);
        }
        free(data);
    }
    predictor_free(p);
    model_registry_free(&reg);
    return failures ? 1 : 0;
}
