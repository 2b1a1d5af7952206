/* detector_outputs [--boxes=T] CFG WEIGHTS INPUT.f32 OUTPUT.f32 [THREADS]: runs a model
 * on the oneDNN engine from its input tensor itself (C,H,W float32, as a
 * letterbox or another runtime's blob makes it: nn_engine_run_input) and
 * writes its outputs (nn_model_outputs floats: a detector's heads, one after
 * the other) to OUTPUT. Prints each output layer as a JSON line: {"layer",
 * "kind", "c", "h", "w", "boxes", "classes", "offset"}, for a test to
 * compare with another runtime's. With --boxes=T, then the boxes lookslike's
 * decoder reads off them (detector_run, threshold T, no NMS, the image
 * the network's own size, so that the letterbox correction is none), one
 * JSON line each: {"box": [x, y, w, h] relative, "class", "confidence",
 * "objectness"}. */
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "detect/detect_boxes.h"
#include "file_read.h"
#include "nn/engine.h"

int main(int argc, char **argv)
{
    int boxes = argc > 1 && !strncmp(argv[1], "--boxes=", 8);
    float threshold = boxes ? strtof(argv[1] + 8, NULL) : 0;
    argc -= boxes;
    argv += boxes;
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: detector_outputs [--boxes=THRESHOLD] CFG WEIGHTS INPUT.f32 OUTPUT.f32 [THREADS]\n");
        return 2;
    }
    int threads = argc == 6 ? atoi(argv[5]) : 1;
    char err[NN_ERR_LEN];
    nn_model m;
    if (nn_model_load(&m, argv[1], argv[2], err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    size_t in = nn_shape_size(m.input), out = nn_model_outputs(&m), len;
    float *x = (float *)file_read(argv[3], in * sizeof *x, &len, err, sizeof err);
    float *y = malloc(out * sizeof *y);
    nn_engine *e = x && y && len == in * sizeof *x ? nn_engine_create("onednn", &m, threads, err, sizeof err) : NULL;
    if (!e || nn_engine_run_input(e, x, y, threads) < 0) {
        fprintf(stderr, "%s: %s\n", argv[3], e ? "the engine failed" : x ? err : "not the model's input size");
        return 1;
    }
    FILE *f = fopen(argv[4], "wb");
    if (!f || fwrite(y, sizeof *y, out, f) != out || fclose(f) != 0) {
        perror(argv[4]);
        return 1;
    }
    size_t offset = 0;
    for (int i = 0; i < m.nlayers; i++) {
        const nn_layer *l = &m.layers[i];
        if (!nn_layer_is_output(&m, i))
            continue;
        printf("{\"layer\": %d, \"kind\": \"%s\", \"c\": %d, \"h\": %d, \"w\": %d, \"boxes\": %d, \"classes\": %d, "
               "\"offset\": %zu, \"scale_x_y\": %.9g, \"new_coords\": %d}\n",
               i, nn_layer_kind_name(l->kind), l->out.c, l->out.h, l->out.w, l->head.boxes, l->head.classes, offset,
               (double)l->head.scale_x_y, l->head.new_coords);
        offset += nn_shape_size(l->out);
    }
    detector *d = boxes ? detector_new(&m) : NULL;
    if (d) {
        enum { MOST = 1 << 20 };
        detected_object *found = malloc(MOST * sizeof *found);
        detect_options o = {.threshold = threshold, .nms = 0.0f};
        int truncated;
        int n = found ? detector_run(d, y, m.input.w, m.input.h, &o, found, MOST, &truncated) : 0;
        for (int i = 0; i < n && i < MOST; i++)
            printf("{\"box\": [%.9g, %.9g, %.9g, %.9g], \"class\": %d, \"confidence\": %.9g, \"objectness\": %.9g}\n",
                   (double)found[i].box.x, (double)found[i].box.y, (double)found[i].box.w, (double)found[i].box.h,
                   found[i].class_index, (double)found[i].confidence, (double)found[i].objectness);
        free(found);
        detector_free(d);
    }
    nn_engine_destroy(e);
    nn_model_free(&m);
    free(x);
    free(y);
    return 0;
}
