/* `lookslike classify IMAGE...`: the pipeline of the service, from the
 * command line, with the service's options and limits (an image file is
 * read up to --max-body), printing the top-k for each image. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "file_read.h"
#include "nn/engine.h"
#include "predict/predictor.h"

int cli_classify(int argc, char **argv)
{
    service_config c;
    int first, rc = config_load(&c, COMMAND_CLASSIFY, argc, argv, &first);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    crop_mode crop;
    if (crop_mode_parse(c.crop, &crop) < 0) {
        fprintf(stderr, "lookslike classify: --crop must be center or full, not %s\n", c.crop);
        return 2;
    }
    if (first == argc) {
        fprintf(stderr, "lookslike classify: no image given (see --help)\n");
        return 2;
    }
    char err[NN_ERR_LEN];
    model_registry reg;
    char notes[1024];
    if (nn_onednn_use_winograd(c.winograd, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: %s\n", err);
        return 1;
    }
    if (model_registry_load(&reg, c.model_dir, c.model, c.engine, c.precision, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: %s\n", err);
        return 1;
    }
    if (model_registry_choose_kernels(&reg, c.int8_kernels, notes, sizeof notes, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: %s\n", err);
        model_registry_free(&reg);
        return 1;
    }
    if (notes[0])
        fprintf(stderr, "lookslike: warning: %s\n", notes);
    predictor *p = predictor_new(&reg, c.threads, err, sizeof err);
    if (!p) {
        fprintf(stderr, "lookslike: %s\n", err);
        model_registry_free(&reg);
        return 1;
    }
    model_description d;
    model_registry_describe(&reg, 0, &d);
    printf("model %s, engine %s, precision %s%s%s%s, preprocess %s, crop %s\n", d.name, d.engine, d.precision,
           d.kernels ? " (" : "", d.kernels ? d.kernels : "", d.kernels ? " kernels)" : "", d.preprocess,
           crop_mode_name(crop));
    int failures = 0;
    predict_limits limits = {.max_pixels = (uint64_t)c.max_pixels, .min_side = PREDICT_MIN_SIDE,
                             .dct_scaling = c.dct_scaling};
    for (int i = first; i < argc; i++) {
        size_t len;
        uint8_t *data = file_read(argv[i], (size_t)c.max_body, &len, err, sizeof err);
        prediction_result res;
        if (!data) {
            fprintf(stderr, "%s\n", err);
            failures++;
            continue;
        }
        outcome st = predictor_run_image(p, &reg.models[0], data, len, crop, c.k, &limits, &res, err, sizeof err);
        if (st != OUTCOME_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], err);
            failures++;
        } else {
            printf("%s (%dx%d, %.2f ms inference):\n", argv[i], res.width, res.height, res.inference_ms);
            for (int j = 0; j < res.count; j++)
                printf("  %6.2f%%  %4d  %s\n", 100.0 * res.top[j].probability, res.top[j].index, res.top[j].labels);
            for (int j = 0; j < res.nboxes; j++) { /* a detector's: centre and size, in the image's pixels */
                const detected_object *o = &res.boxes[j];
                printf("  %6.2f%%  %4d  %s  at %.1f,%.1f  %.1fx%.1f\n", 100.0 * o->confidence, o->class_index,
                       reg.models[0].labels.short_name[o->class_index], (double)o->box.x * res.width,
                       (double)o->box.y * res.height, (double)o->box.w * res.width, (double)o->box.h * res.height);
            }
            if (res.total_boxes > res.nboxes)
                printf("  (%d more)\n", res.total_boxes - res.nboxes);
        }
        free(data);
    }
    predictor_free(p);
    model_registry_free(&reg);
    return failures ? 1 : 0;
}
