/* A converted model on the integer engine against a real TFLite runtime's
 * bytes: each input tensor's uint8 output must equal the runtime's byte for
 * byte on every kernel set this CPU runs (each one forced in turn, the
 * emulated ones too), on 1 thread, and the native fast sets on 2 as well. The tensors and the runtime's
 * outputs come from tests/tflite_oracle.sh (the inputs computed by lookslike,
 * the outputs by TFLite's builtin kernels in tests/tools/tflite_oracle.mjs).
 * With --class-map, OUTPUTS are what the model's last global pool reads
 * (TFLite's tensor, from a .tflite whose output was made that one), and the
 * engine's CLASS_MAP tap layer (model.h) must equal them: the feature map
 * class activation maps are made of (tests/explain/test_class_maps.py).
 * $LOOKSLIKE_TEST_KERNEL_SETS runs some sets only (test_kernel_sets.h).
 * usage: test_int8_oracle [--class-map] NAME CFG WEIGHTS INPUTS OUTPUTS */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_kernel_sets.h"
#include "nn/int8_network.h"
#include "nn/model.h"

/* The index of the largest byte, the lower index on ties. */
static size_t top1(const uint8_t *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        best = v[i] > v[best] ? i : best;
    return best;
}

int main(int argc, char **argv)
{
    const int class_map = argc > 1 && !strcmp(argv[1], "--class-map");
    argv += class_map, argc -= class_map;
    if (argc != 6) {
        fprintf(stderr, "usage: test_int8_oracle [--class-map] NAME CFG WEIGHTS INPUTS OUTPUTS\n");
        return 2;
    }
    const char *name = argv[1];
    char err[NN_ERR_LEN];
    nn_model m;
    if (!check(nn_model_load(&m, argv[2], argv[3], err, sizeof err) == 0, "%s loads: %s", name, err))
        return check_done();
    const int layer = class_map ? nn_model_tap_layer(&m, NN_TAP_CLASS_MAP) : m.nlayers - 1;
    if (!check(layer >= 0, "%s has a class map tap", name))
        return check_done();
    size_t in_size = nn_shape_size(m.input), out_size = nn_shape_size(m.layers[layer].out), in_len = 0, out_len = 0;
    uint8_t *inputs = check_read_file(argv[4], &in_len), *expected = check_read_file(argv[5], &out_len);
    size_t n = in_len / in_size;
    if (!check(inputs && expected && n > 0 && in_len == n * in_size && out_len == n * out_size,
               "%s: %zu input tensors of %zu bytes and as many outputs of %zu bytes (%zu and %zu bytes read)", name,
               n, in_size, out_size, in_len, out_len))
        return check_done();

    char sets[256];
    test_kernel_sets(sets, sizeof sets);
    printf("# %s: %zu inputs, %zu outputs each, quantized_kernels=%s; kernel sets on this CPU: %s\n", name, n,
           out_size, nn_quantized_kernels_name(m.quantized_kernels), sets);
    uint8_t *got = malloc(n * out_size);
    for (char *k = strtok(sets, " "); k && got; k = strtok(NULL, " ")) {
        int8_network *net = int8_network_new(&m, int8_kernels_named(k), err, sizeof err);
        if (!check(net != NULL, "%s builds on the %s kernels: %s", name, k, net ? "yes" : err))
            continue;
        /* the plain and the emulated sets (slow, the more so under ASan) on one thread */
        int most = !strcmp(k, "reference") || int8_kernels_named(k)->emulated ? 1 : 2;
        for (int threads = 1; threads <= most; threads++) {
            size_t differ = 0, first = 0, same_top1 = 0;
            int worst = 0;
            for (size_t i = 0; i < n; i++) {
                int8_network_run(net, inputs + i * in_size, threads);
                memcpy(got + i * out_size, int8_network_output(net, layer), out_size);
                same_top1 += top1(got + i * out_size, out_size) == top1(expected + i * out_size, out_size);
            }
            for (size_t i = 0; i < n * out_size; i++)
                if (got[i] != expected[i]) {
                    first = differ++ ? first : i;
                    int d = abs((int)got[i] - (int)expected[i]);
                    worst = d > worst ? d : worst;
                }
            check(differ == 0,
                  "%s, %s kernels, %d thread(s): %zu %s equal TFLite's byte for byte (%zu of %zu bytes differ, "
                  "by up to %d, first at input %zu byte %zu; top-1 the same on %zu of %zu)",
                  name, k, threads, n, class_map ? "feature maps (the pool's input)" : "outputs", differ, n * out_size, worst, first / out_size, first % out_size, same_top1, n);
        }
        int8_network_free(net);
    }
    free(got);
    free(inputs);
    free(expected);
    nn_model_free(&m);
    return check_done();
}
