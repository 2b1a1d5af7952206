/* model_input MODEL_DIR NAME CROP IMAGE...: the input tensor lookslike feeds
 * model NAME for each image -- decoded, DCT-scaled and preprocessed exactly as
 * the service does it with its default limits (predictor_run_image) -- written
 * to stdout one after the other (height x width x 3 bytes each), for feeding
 * the very same tensors to another runtime (tests/tools/tflite_oracle.mjs).
 * Each image's top-1 goes to stderr. */
#include <stdio.h>
#include <stdlib.h>

#include "file_read.h"
#include "predict/predictor.h"

int main(int argc, char **argv)
{
    crop_mode crop;
    if (argc < 5 || crop_mode_parse(argv[3], &crop) < 0) {
        fprintf(stderr, "usage: model_input MODEL_DIR NAME center|full IMAGE...\n");
        return 2;
    }
    char err[NN_ERR_LEN], notes[1024];
    model_registry reg;
    if (model_registry_load(&reg, argv[1], argv[2], "onednn", "int8", err, sizeof err) < 0 ||
        model_registry_choose_kernels(&reg, "auto", notes, sizeof notes, err, sizeof err) < 0) {
        fprintf(stderr, "model_input: %s\n", err);
        return 1;
    }
    predictor *p = predictor_new(&reg, 1, err, sizeof err);
    if (!p) {
        fprintf(stderr, "model_input: %s\n", err);
        return 1;
    }
    const served_model *m = &reg.models[0];
    predict_limits limits = {.max_pixels = 50000000, .min_side = PREDICT_MIN_SIDE, .dct_scaling = 1};
    int rc = 0;
    for (int i = 4; i < argc && rc == 0; i++) {
        size_t len;
        uint8_t *data = file_read(argv[i], 1u << 30, &len, err, sizeof err);
        prediction_result res;
        if (!data || predictor_run_image(p, m, data, len, crop, 1, &limits, &res, err, sizeof err) != OUTCOME_OK) {
            fprintf(stderr, "model_input: %s: %s\n", argv[i], err);
            rc = 1;
        } else {
            fwrite(predictor_input(p), 3, (size_t)m->network.input.w * (size_t)m->network.input.h, stdout);
            fprintf(stderr, "%s: %d %.4f %s\n", argv[i], res.top[0].index, res.top[0].probability, res.top[0].labels);
        }
        free(data);
    }
    predictor_free(p);
    model_registry_free(&reg);
    return rc;
}
