/* One small interface over the inference engines: build from a validated
 * model once, then run 8-bit input images to output vectors. An engine
 * instance is used by one thread at a time; give each worker its own. An
 * engine created for N threads can run each input on 1 or on N of them. The
 * model must outlive its engines (its description; the parameters may be
 * released once they are built). */
#ifndef LOOKSLIKE_NN_ENGINE_H
#define LOOKSLIKE_NN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct nn_engine nn_engine;

typedef struct {
    const char *name;
    const char *precision; /* the arithmetic it runs: "fp32" or "int8" */
    nn_engine *(*create)(const nn_model *m, int threads, char *err, size_t errlen);
    /* pixels: the model's input as 8-bit HWC (height x width x channels);
     * output: nn_model_outputs() floats (probabilities after a softmax);
     * threads: 1, or more for all the threads the engine was created with.
     * Returns 0 or -1. */
    int (*run)(nn_engine *e, const uint8_t *pixels, float *output, int threads);
    /* The same from the network's input tensor itself (C,H,W floats, as the
     * model's normalisation would make them): what a detector's letterbox
     * makes (src/detect/). NULL for an engine that only takes pixels. */
    int (*run_input)(nn_engine *e, const float *input, float *output, int threads);
    /* After a run: tap t's layer output (nn_model_tap_layer) into out,
     * nn_model_tap_size() floats in C,H,W order, dequantized as scale * (q -
     * zero_point) where the engine computed them in uint8. 0, or -1. */
    int (*tap)(nn_engine *e, nn_tap t, float *out);
    void (*destroy)(nn_engine *e);
} nn_engine_ops;

/* Every engine struct begins with this. */
struct nn_engine {
    const nn_engine_ops *ops;
};

/* "onednn", "darknet" (only when built with libdarknet) or "int8". NULL and
 * a message when the name is unknown or the engine cannot run the model. */
nn_engine *nn_engine_create(const char *name, const nn_model *m, int threads, char *err, size_t errlen);
int nn_engine_run(nn_engine *e, const uint8_t *pixels, float *output, int threads);
/* -1 for an engine without run_input. */
int nn_engine_run_input(nn_engine *e, const float *input, float *output, int threads);
/* Tap t of the last run (model.h: the features, the class map); -1 for a
 * model without that tap or an engine that cannot read it. */
int nn_engine_tap(nn_engine *e, nn_tap t, float *out);
void nn_engine_destroy(nn_engine *e);
/* Space-separated names of the float engines this build has. */
const char *nn_engine_list(void);

/* Which engine runs a model, given the float engine asked for (--engine) and
 * a precision (--precision): "fp32" runs that engine; "int8" the integer
 * engine, which needs a quantized model; "auto" the integer engine when the
 * model is quantized, the float engine asked for is the default (onednn)
 * and this CPU has fast integer kernels, else the float engine. Writes the
 * engine's name to `chosen` (static storage); -1 and a message when the
 * combination cannot run. */
int nn_engine_choose(const nn_model *m, const char *engine, const char *precision, const char **chosen, char *err,
                     size_t errlen);
/* "fp32" or "int8" for an engine name nn_engine_choose() gave. */
const char *nn_engine_precision(const char *engine);

extern const nn_engine_ops nn_onednn_engine;
/* --winograd: for which models the oneDNN engines created after this call
 * run their 3x3, stride-1 convolutions as Winograd's F(4x4, 3x3), where
 * oneDNN has it (AVX-512) and it pays (onednn_engine.c): "auto" (the
 * default: every model but YOLOv1), "1" (every model) or "0" (none).
 * Set once, before the workers; -1 and a message for another mode. */
int nn_onednn_use_winograd(const char *mode, char *err, size_t errlen);
extern const nn_engine_ops nn_int8_engine;
/* Defined by the libdarknet plugin (darknet_engine.c), found with dlsym. */
extern const nn_engine_ops nn_darknet_engine;

#endif
