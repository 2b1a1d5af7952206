/* The peer "oneDNN's own int8 primitives" (see onednn_int8.c): fast, not exact. */
#ifndef LOOKSLIKE_BENCH_ONEDNN_INT8_H
#define LOOKSLIKE_BENCH_ONEDNN_INT8_H

#include <stddef.h>
#include <stdint.h>

#include "nn/model.h"

typedef struct int8_peer int8_peer;

/* NULL unless m is quantized and uses only convolutions, global average
 * pooling and a final softmax (or oneDNN cannot build it). */
int8_peer *int8_peer_create(const nn_model *m, int threads);
/* pixels: the model's input as 8-bit HWC; output: `outputs` probabilities. */
int int8_peer_run(int8_peer *p, const uint8_t *pixels, float *output, size_t outputs);
/* The implementation oneDNN chose for the first convolution (e.g. "jit_int8:avx512_core_vnni"). */
const char *int8_peer_isa(const int8_peer *p);
void int8_peer_destroy(int8_peer *p);

#endif
