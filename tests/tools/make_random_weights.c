/* make_random_weights CFG OUT.weights [SEED [GAIN]]: a .weights file for any cfg
 * lookslike loads (the fork's YOLOv4 cfgs included, which libdarknet can
 * neither run nor write weights for), from a seeded random generator of its
 * own: per convolution or connected layer, biases and weights uniform with
 * the variance that keeps a layer's output near its input's scale (He's
 * 2 / fan-in, times GAIN squared: below 1 for a deep network whose
 * shortcuts and concatenations would otherwise grow its activations layer
 * after layer), batch norm as scale 1, mean 0, variance 1 give or take 10 %.
 * The layout is Darknet's (models/darknet-format.md): a 20-byte header
 * (version 0.2.0, `seen` 0 as uint64), then each layer's float32 parameters
 * in the order its kind stores them. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "file_read.h"
#include "nn/model.h"

static uint64_t state;

/* splitmix64: the same numbers on every machine. */
static double uniform(double lo, double hi)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) / 9007199254740992.0;
}

static void put(FILE *f, double v)
{
    float x = (float)v;
    fwrite(&x, sizeof x, 1, f);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: make_random_weights CFG OUT.weights [SEED [GAIN]]\n");
        return 2;
    }
    state = argc >= 4 ? strtoull(argv[3], NULL, 10) : 1;
    double gain = argc == 5 ? strtod(argv[4], NULL) : 1.0;
    char err[NN_ERR_LEN];
    size_t len;
    char *text = (char *)file_read(argv[1], 1 << 20, &len, err, sizeof err);
    nn_model m;
    if (!text || nn_model_parse_cfg(&m, text, len, argv[1], err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    free(text);
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    int32_t header[3] = {0, 2, 0};
    uint64_t seen = 0;
    fwrite(header, sizeof header, 1, f);
    fwrite(&seen, sizeof seen, 1, f);
    for (int i = 0; i < m.nlayers; i++) {
        const nn_layer *l = &m.layers[i];
        nn_layer_params p = nn_layer_kind_params(l->kind);
        if (p == NN_PARAMS_NONE)
            continue;
        double fan_in = (double)l->nweights / (double)nn_layer_bias_count(l), a = gain * sqrt(3.0 * 2.0 / fan_in);
        for (size_t o = 0; o < nn_layer_bias_count(l); o++)
            put(f, uniform(-0.1, 0.1));
        if (p == NN_PARAMS_CONNECTED)
            for (size_t k = 0; k < l->nweights; k++)
                put(f, uniform(-a, a));
        if (l->batch_normalize) {
            for (int o = 0; o < l->filters; o++)
                put(f, uniform(0.9, 1.1)); /* scales */
            for (int o = 0; o < l->filters; o++)
                put(f, uniform(-0.1, 0.1)); /* rolling mean */
            for (int o = 0; o < l->filters; o++)
                put(f, uniform(0.9, 1.1)); /* rolling variance */
        }
        if (p == NN_PARAMS_CONVOLUTIONAL)
            for (size_t k = 0; k < l->nweights; k++)
                put(f, uniform(-a, a));
    }
    nn_model_free(&m);
    return fclose(f) == 0 ? 0 : 1;
}
