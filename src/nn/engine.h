/* One small interface over the inference engines: build from a validated
 * model once, then run input tensors to output vectors. An engine instance is
 * used by one thread at a time; give each worker its own. An engine created
 * for N threads can run each input on 1 or on N of them. */
#ifndef LOOKSLIKE_NN_ENGINE_H
#define LOOKSLIKE_NN_ENGINE_H

#include <stddef.h>

#include "model.h"

typedef struct nn_engine nn_engine;

typedef struct {
    const char *name;
    nn_engine *(*create)(const nn_model *m, int threads, char *err, size_t errlen);
    /* input: CHW float tensor as made by nn_model_normalize_input();
     * output: nn_model_outputs() floats; threads: 1, or more for all the
     * threads the engine was created with. Returns 0 or -1. */
    int (*run)(nn_engine *e, const float *input, float *output, int threads);
    void (*destroy)(nn_engine *e);
} nn_engine_ops;

/* Every engine struct begins with this. */
struct nn_engine {
    const nn_engine_ops *ops;
};

/* "onednn" or "darknet" (the latter only when built with libdarknet). NULL
 * and a message when the name is unknown or the engine cannot run the model. */
nn_engine *nn_engine_create(const char *name, const nn_model *m, int threads, char *err, size_t errlen);
int nn_engine_run(nn_engine *e, const float *input, float *output, int threads);
void nn_engine_destroy(nn_engine *e);
const char *nn_engine_name(const nn_engine *e);
/* Space-separated names of the engines this build has. */
const char *nn_engine_list(void);

extern const nn_engine_ops nn_onednn_engine;
/* Defined by the libdarknet plugin (darknet_engine.c), found with dlsym. */
extern const nn_engine_ops nn_darknet_engine;

#endif
