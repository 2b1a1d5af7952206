#include "darknet_zoo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/darknet_free.h"

int zoo_write_cfg(const char *src, const char *dst, int size)
{
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    if (!in || !out) {
        fprintf(stderr, "%s: cannot open\n", in ? dst : src);
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return -1;
    }
    char line[4096];
    int in_net = 0;
    while (fgets(line, sizeof line, in)) {
        char key[64] = "";
        if (line[0] == '[')
            in_net = !strncmp(line, "[net]", 5) || !strncmp(line, "[network]", 9);
        if (in_net && sscanf(line, " %63[a-z_] =", key) == 1) {
            if (!strcmp(key, "batch") || !strcmp(key, "subdivisions"))
                continue;
            if (size > 0 && (!strcmp(key, "width") || !strcmp(key, "height"))) {
                fprintf(out, "%s=%d\n", key, size);
                continue;
            }
        }
        fputs(line, out);
        if (!strncmp(line, "[net]", 5) || !strncmp(line, "[network]", 9))
            fputs("batch=1\nsubdivisions=1\n", out);
    }
    fclose(in);
    return fclose(out) == 0 ? 0 : -1;
}

/* Darknet's forward_network, except that each batch-normalised layer runs in
 * training mode (normalising with its own batch statistics, which it leaves
 * in l.mean and l.variance) and keeps those statistics as its rolling ones. */
static void calibrate(network *net, const float *input)
{
    network n = *net;
    n.input = (float *)input;
    n.truth = 0;
    n.train = 0;
    n.delta = 0;
    for (int i = 0; i < n.n; i++) {
        n.index = i;
        layer l = n.layers[i];
        int bn = l.batch_normalize && (l.type == CONVOLUTIONAL || l.type == CONNECTED);
        n.train = bn;
        l.forward(l, n);
        n.train = 0;
        if (bn) {
            memcpy(l.rolling_mean, l.mean, (size_t)l.out_c * sizeof(float));
            memcpy(l.rolling_variance, l.variance, (size_t)l.out_c * sizeof(float));
        }
        n.input = l.output;
    }
}

/* A detector's heads after random weights: each convolution feeding a
 * [yolo] or [region] layer gives outputs of standard deviation 1 and, on its
 * objectness channels, a bias of -3; the [connected] feeding a [detection],
 * outputs of standard deviation 1 (see darknet_zoo.h). */
static void temper_heads(network *net, const float *input)
{
    network_predict(net, (float *)input);
    for (int i = 1; i < net->n; i++) {
        layer *head = &net->layers[i], *conv = &net->layers[i - 1];
        int detection = head->type == DETECTION && conv->type == CONNECTED;
        if (!detection &&
            ((head->type != YOLO && head->type != REGION) || conv->type != CONVOLUTIONAL || conv->batch_normalize))
            continue;
        double sum = 0, sq = 0;
        for (int k = 0; k < conv->outputs; k++) {
            sum += conv->output[k];
            sq += (double)conv->output[k] * conv->output[k];
        }
        double mean = sum / conv->outputs, sd = sqrt(fmax(sq / conv->outputs - mean * mean, 1e-12));
        if (detection) {
            for (int k = 0; k < conv->inputs * conv->outputs; k++)
                conv->weights[k] /= (float)sd;
            for (int k = 0; k < conv->outputs; k++)
                conv->biases[k] = (float)((conv->biases[k] - mean) / sd);
            continue;
        }
        int entries = conv->n / head->n; /* x, y, w, h, objectness, classes: per box, in that order */
        int region = head->type == REGION;
        for (int f = 0; f < conv->n; f++) {
            /* region: its softmax needs spread-out class scores to pick one
             * with confidence, and then no objectness bias */
            float scale = region && f % entries > 4 ? 4.0f : 1.0f;
            size_t per = (size_t)conv->nweights / conv->n;
            for (size_t k = 0; k < per; k++)
                conv->weights[f * per + k] *= scale / (float)sd;
            float shift = f % entries == 4 && !region ? 3.0f : 0.0f;
            conv->biases[f] = scale * (float)((conv->biases[f] - mean) / sd) - shift;
        }
    }
}

/* libdarknet's make_local_layer draws only the first output pixel's
 * weights: the others get theirs here, from the same distribution. */
static void fill_local_weights(network *net)
{
    for (int i = 0; i < net->n; i++) {
        layer *l = &net->layers[i];
        if (l->type != LOCAL)
            continue;
        size_t per_pixel = (size_t)l->size * l->size * l->c * l->n, all = per_pixel * l->out_w * l->out_h;
        float scale = sqrtf(2.0f / (float)(l->size * l->size * l->c));
        for (size_t k = per_pixel; k < all; k++)
            l->weights[k] = scale * (2.0f * (float)rand() / (float)RAND_MAX - 1.0f);
    }
}

network *zoo_make_weights(const char *cfg, const char *weights, unsigned seed, const float *input)
{
    srand(seed);
    network *net = parse_network_cfg((char *)cfg);
    if (!net)
        return NULL;
    fill_local_weights(net);
    float *own = NULL;
    if (!input) { /* after the weights, so that they depend on seed alone */
        size_t n = (size_t)net->inputs;
        if (!(own = malloc(n * sizeof *own))) {
            darknet_free_network(net);
            return NULL;
        }
        srand(1);
        for (size_t i = 0; i < n; i++)
            own[i] = (float)(rand() % 256) / 255.0f;
    }
    calibrate(net, input ? input : own);
    temper_heads(net, input ? input : own);
    free(own);
    save_weights(net, (char *)weights);
    return net;
}
