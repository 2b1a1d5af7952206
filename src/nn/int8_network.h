/* A quantized model as a network of integer layers (int8_kernels.h), built
 * once from a validated nn_model and run on uint8 RGB pixels, which are the
 * quantized input itself. Every layer's uint8 NHWC output stays readable
 * after a run (the tests compare them with TFLite's). One kernel set per
 * network; one thread runs a network at a time, using up to `threads`
 * OpenMP threads inside a run. Networks made by int8_network_share() may run
 * in different threads at once and be freed from any thread. */
#ifndef LOOKSLIKE_NN_INT8_NETWORK_H
#define LOOKSLIKE_NN_INT8_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "int8_kernels.h"
#include "model.h"

typedef struct int8_network int8_network;

#include "int8_kernel_sets.h"

/* Whether the integer engine runs m: quantized, and every layer one it has
 * (no concatenation, leaky or logistic activation, ...); 0 and why in err
 * when not. Cheap: builds nothing. */
int int8_network_supports(const nn_model *m, char *err, size_t errlen);

/* NULL with a reason when int8_network_supports() refuses m (the caller may
 * fall back to float) or memory runs out. */
int8_network *int8_network_new(const nn_model *m, const int8_kernels *k, char *err, size_t errlen);
/* Another network on n's layers (their weights and packing are read-only and
 * shared: a server's workers build them once) with outputs of its own; NULL
 * when out of memory. Either network may be freed first. */
int8_network *int8_network_share(const int8_network *n, char *err, size_t errlen);
void int8_network_free(int8_network *n);
/* rgb_hwc: the model's input, height x width x channels bytes. */
void int8_network_run(int8_network *n, const uint8_t *rgb_hwc, int threads);
/* Layer i's output after a run: NHWC uint8, quantized as the model's layer i out_q. */
const uint8_t *int8_network_output(const int8_network *n, int layer);

/* The same run, each layer timed: ms[i] its wall time (with `threads`
 * threads, from the first thread's start to the last one's end). */
void int8_network_run_timed(int8_network *n, const uint8_t *rgb_hwc, int threads, double *ms);

/* What computes layer i: its operation, and whose kernel runs it ("avx2 conv",
 * "reference add" where the set has none or hands it to the reference
 * kernels; "softmax", "pass" for the operations every set shares), in buf.
 * Returns 1 when that is a reference kernel, else 0. */
int int8_network_kernel(const int8_network *n, int i, char *buf, size_t len);

#endif
