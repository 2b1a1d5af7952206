/* Fuzz target: the Darknet cfg parser and weights loader. Input = a 2-byte
 * little-endian cfg length, the cfg text, then the weights file bytes.
 * A small quantized model that loads is also run on the integer engine's
 * reference kernels and on every other kernel set this CPU runs (the
 * emulated AVX-512 VNNI one included), which must agree byte for byte in
 * every layer (differential: a mismatch aborts). A detector that loads has
 * its boxes read (detector_run) off outputs made of the input's bytes, NaN,
 * infinities and huge values included, for images of odd sizes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_boxes.h"
#include "nn/int8_network.h"
#include "nn/model.h"

/* Bounds that keep one run short. */
#define FUZZ_MAX_ELEMENTS (1 << 16)
#define FUZZ_MAX_MACS (1 << 22)

static int small_enough(const nn_model *m)
{
    size_t elements = nn_shape_size(m->input), macs = 0;
    for (int i = 0; i < m->nlayers; i++) {
        elements += nn_shape_size(m->layers[i].out);
        macs += m->layers[i].nweights * (size_t)m->layers[i].out.h * (size_t)m->layers[i].out.w;
    }
    return elements <= FUZZ_MAX_ELEMENTS && macs <= FUZZ_MAX_MACS;
}

/* m on the reference kernels and on every other set this CPU runs (the
 * emulated ones included): every layer equal, or abort. */
static void run_all(const nn_model *m, const uint8_t *seed, size_t seed_len)
{
    char err[NN_ERR_LEN], sets[256];
    int8_network *ref = int8_network_new(m, &int8_kernels_reference, err, sizeof err);
    size_t n = nn_shape_size(m->input);
    uint8_t *input = ref ? malloc(n) : NULL;
    if (input) {
        for (size_t i = 0; i < n; i++)
            input[i] = seed_len ? seed[i % seed_len] : (uint8_t)i;
        int8_network_run(ref, input, 1);
        int8_kernels_on_this_cpu(sets, sizeof sets);
        for (char *k = strtok(sets, " "); k; k = strtok(NULL, " ")) {
            int8_network *fast = strcmp(k, "reference") ? int8_network_new(m, int8_kernels_named(k), err, sizeof err)
                                                        : NULL;
            if (!fast)
                continue;
            int8_network_run(fast, input, 1);
            for (int i = 0; i < m->nlayers; i++)
                if (memcmp(int8_network_output(ref, i), int8_network_output(fast, i), nn_shape_size(m->layers[i].out)))
                    abort();
            int8_network_free(fast);
        }
    }
    free(input);
    int8_network_free(ref);
}

/* A detector's boxes off outputs that are the input's bytes read as floats. */
static void read_boxes(const nn_model *m, const uint8_t *data, size_t size)
{
    size_t n = nn_model_outputs(m);
    float *out = malloc(n * sizeof *out);
    detected_object found[16];
    detector *d = out ? detector_new(m) : NULL;
    if (d) {
        for (size_t i = 0; i < n; i++) {
            uint32_t bits = 0;
            for (size_t k = 0; k < 4; k++)
                bits |= (uint32_t)data[(i * 4 + k) % size] << (8 * k);
            memcpy(&out[i], &bits, sizeof bits);
        }
        detect_options o = {.threshold = 0.25f, .nms = 0.45f};
        int truncated;
        detector_run(d, out, 1 + data[0] % 97, 1 + data[size - 1], &o, found, 16, &truncated);
        o.nms = 0;
        detector_run(d, out, 4000, 1, &o, found, 1, &truncated);
    }
    detector_free(d);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cfg_len = (size_t)data[0] | (size_t)data[1] << 8;
    if (cfg_len > size - 2)
        cfg_len = size - 2;
    const char *cfg = (const char *)data + 2;
    char err[NN_ERR_LEN];
    nn_model m;
    if (nn_model_parse_cfg(&m, cfg, cfg_len, "fuzz.cfg", err, sizeof err) == 0) {
        /* The weights must fit exactly, so give the parser the bytes that remain. */
        int loaded = nn_model_read_weights(&m, data + 2 + cfg_len, size - 2 - cfg_len, "fuzz.weights", err,
                                           sizeof err) == 0;
        if (loaded && m.quantized && small_enough(&m))
            run_all(&m, data, size);
        if (loaded && nn_model_task(&m) == NN_TASK_DETECTION && small_enough(&m))
            read_boxes(&m, data, size);
        nn_model_free(&m);
    }
    return 0;
}
