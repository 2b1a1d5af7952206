/* A plain oneDNN port of a MobileNet-style model, the peer lookslike's own
 * oneDNN engine is benchmarked against (see onednn_plain.c). */
#ifndef LOOKSLIKE_BENCH_ONEDNN_PLAIN_H
#define LOOKSLIKE_BENCH_ONEDNN_PLAIN_H

#include <stddef.h>

#include "nn/model.h"

typedef struct plain_net plain_net;

/* NULL if the model uses anything beyond convolution, global average pooling
 * and softmax. Runs take `batch` images at once (inputs and outputs back to back). */
plain_net *plain_net_create(const nn_model *m, int threads, int batch);
/* outputs: floats to copy out (batch x the model's outputs at most). */
int plain_net_run(plain_net *n, const float *input, float *output, size_t outputs);
void plain_net_destroy(plain_net *n);

#endif
