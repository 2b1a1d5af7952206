/* The integer engine against TFLite's builtin uint8 kernels, byte for byte:
 * for the 16 reference input tensors, MobileNet v1's 1024-byte pooled
 * features and its uint8 softmax, and v2's uint8 softmax, must equal
 * the builtin.u8 reference outputs exactly -- on every kernel set this CPU runs (each one
 * forced in turn), on 1 and on 2 threads.
 * usage: test_int8_exact MODEL_DIR REFERENCE_DIR */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "test_kernel_sets.h"
#include "nn/int8_network.h"
#include "nn/model.h"

#define CLASSES 1001
#define FEATURES 1024

static const char *const crops[2] = {"crop", "full"};
static const char *model_dir, *ref_dir;

static uint8_t *read_exact(const char *path, size_t expect)
{
    size_t len = 0;
    uint8_t *data = check_read_file(path, &len);
    if (data && len == expect)
        return data;
    check(0, "%s present with %zu bytes", path, expect);
    free(data);
    return NULL;
}

/* The first layer whose output has `size` elements, searching from the end. */
static int layer_with_outputs(const nn_model *m, size_t size, nn_layer_kind kind)
{
    for (int i = m->nlayers - 1; i >= 0; i--)
        if (m->layers[i].kind == kind && nn_shape_size(m->layers[i].out) == size)
            return i;
    return -1;
}

/* Compares one layer's output over the 8 images of a crop with a reference file. */
static void compare(const char *what, const char *kernels, int threads, const char *crop, const uint8_t *got,
                    const uint8_t *ref, size_t n)
{
    size_t differ = 0, first = n;
    int worst = 0;
    for (size_t i = 0; i < REFERENCE_IMAGES * n; i++)
        if (got[i] != ref[i]) {
            differ++;
            first = first < n ? first : i;
            int d = abs((int)got[i] - (int)ref[i]);
            worst = d > worst ? d : worst;
        }
    check(differ == 0, "%s, %s kernels, %d thread(s), %s: equal to TFLite builtin byte for byte (%zu of %zu differ, "
                       "by up to %d; first at image %zu byte %zu)",
          what, kernels, threads, crop, differ, (size_t)REFERENCE_IMAGES * n, worst, first / n, first % n);
}

static void test_model(const char *name, const char *ref_prefix, int check_features)
{
    char cfg[4096], weights[4096], err[NN_ERR_LEN];
    snprintf(cfg, sizeof cfg, "%s/%s.cfg", model_dir, name);
    snprintf(weights, sizeof weights, "%s/%s.weights", model_dir, name);
    nn_model m;
    if (!check(nn_model_load(&m, cfg, weights, err, sizeof err) == 0, "%s loads: %s", name, err))
        return;
    check(m.quantized, "%s carries quantization", name);
    int softmax = m.nlayers - 1, pool = layer_with_outputs(&m, FEATURES, LAYER_AVGPOOL);
    check(m.layers[softmax].kind == LAYER_SOFTMAX, "%s ends with a softmax", name);
    if (check_features)
        check(pool >= 0, "%s has a %d-feature average pool", name, FEATURES);

    char sets[256];
    test_kernel_sets(sets, sizeof sets);
    printf("# kernel sets on this CPU: %s\n", sets);
    char list[256];
    snprintf(list, sizeof list, "%s", sets);
    for (char *k = strtok(list, " "); k; k = strtok(NULL, " ")) {
        int8_network *n = int8_network_new(&m, int8_kernels_named(k), err, sizeof err);
        if (!check(n != NULL, "%s builds on the %s kernels: %s", name, k, n ? "yes" : err))
            continue;
        for (int c = 0; c < 2; c++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/outputs/%s_test_%s.builtin.u8", ref_dir, ref_prefix, crops[c]);
            uint8_t *ref_probs = read_exact(path, REFERENCE_IMAGES * CLASSES);
            snprintf(path, sizeof path, "%s/outputs/%s_feat_test_%s.builtin.u8", ref_dir, ref_prefix, crops[c]);
            uint8_t *ref_features = check_features ? read_exact(path, REFERENCE_IMAGES * FEATURES) : NULL;
            for (int threads = 1; threads <= 2; threads++) {
                uint8_t probs[REFERENCE_IMAGES * CLASSES], features[REFERENCE_IMAGES * FEATURES];
                for (int i = 0; i < REFERENCE_IMAGES; i++) {
                    snprintf(path, sizeof path, "%s/tensors/%s.%s.rgb", ref_dir, reference_images[i], crops[c]);
                    uint8_t *rgb = read_exact(path, 224 * 224 * 3);
                    if (!rgb)
                        continue;
                    int8_network_run(n, rgb, threads);
                    memcpy(probs + i * CLASSES, int8_network_output(n, softmax), CLASSES);
                    if (check_features)
                        memcpy(features + i * FEATURES, int8_network_output(n, pool), FEATURES);
                    free(rgb);
                }
                if (ref_features)
                    compare("v1 pooled features (1024 bytes)", k, threads, crops[c], features, ref_features, FEATURES);
                if (ref_probs)
                    compare(check_features ? "v1 uint8 softmax" : "v2 uint8 softmax", k, threads, crops[c], probs,
                            ref_probs, CLASSES);
            }
            free(ref_probs);
            free(ref_features);
        }
        int8_network_free(n);
    }
    nn_model_free(&m);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_int8_exact MODEL_DIR REFERENCE_DIR\n");
        return 2;
    }
    model_dir = argv[1];
    ref_dir = argv[2];
    if (!check_have_reference(ref_dir))
        return 77;
    test_model("mobilenet_v1", "mobilenet_v1_1.0_224_quant", 1);
    test_model("mobilenet_v2", "mobilenet_v2_1.0_224_quant", 0);
    return check_done();
}
