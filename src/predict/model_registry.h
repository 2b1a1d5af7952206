/* The models a process serves, loaded and validated once at start-up and
 * shared read-only by every worker. A model NAME lives in a directory as
 * NAME.cfg + NAME.weights + NAME.labels. */
#ifndef LOOKSLIKE_PREDICT_MODEL_REGISTRY_H
#define LOOKSLIKE_PREDICT_MODEL_REGISTRY_H

#include <stddef.h>
#include <time.h>

#include "../image/preprocess.h"
#include "../nn/class_map.h"
#include "../nn/labels.h"
#include "../nn/model.h"
#include "model_version.h"

#define MODEL_NAME_MAX 64
#define REGISTRY_MAX_MODELS 8

typedef struct {
    char name[MODEL_NAME_MAX];
    char version[MODEL_VERSION_SIZE]; /* the hash of its files (model_version.h) */
    time_t loaded_at;
    nn_model network;
    nn_labels labels;
    const char *engine; /* the engine chosen for it (nn_engine_choose) */
    const char *precision; /* "fp32" or "int8", what that engine runs */
    /* Its class activation maps (?explain=1), or NULL and why it has none. */
    nn_class_map *class_map;
    char no_class_map[256];
} served_model;

typedef struct {
    int count;
    served_model models[REGISTRY_MAX_MODELS];
} model_registry;

/* names: comma-separated; the first is the default model. engine and
 * precision (--engine, --precision) choose each model's engine. */
int model_registry_load(model_registry *r, const char *dir, const char *names, const char *engine,
                        const char *precision, char *err, size_t errlen);
void model_registry_free(model_registry *r);
/* When a model runs on the integer engine: picks the kernel set every engine
 * will use (`int8_kernels`: a set's name or "auto", int8_kernel_sets.h),
 * self-tested, before any engine is built. Sets passed over are described in
 * notes ("" when none). 0, or -1 with err. */
int model_registry_choose_kernels(const model_registry *r, const char *int8_kernels, char *notes, size_t notes_len,
                                  char *err, size_t errlen);
/* Once every engine is built: frees the raw weights, keeping shapes and labels. */
void model_registry_release_params(model_registry *r);
#define MODEL_EXAMPLE_LABELS 3

/* What a served model is, in the terms the service reports it (/v1/models,
 * /metrics, the start-up line), so that those need no nn/ types. */
typedef struct {
    const char *name;
    int is_default;
    int width, height, channels; /* the input the network takes */
    int classes; /* labels that can be answered (without a "background" class) */
    int outputs; /* the network's output size (classes, plus one for a background class) */
    const char *task; /* "classification" or "detection" (nn_model_task) */
    int features; /* the length of its features (?features=1), 0 when it has none */
    int explains; /* it has class activation maps (?explain=1) */
    int map_width, map_height; /* their cells */
    const char *engine, *precision;
    const char *kernels; /* the integer engine's kernel set ("avx512vnni", ...); NULL for a float engine */
    const char *preprocess; /* "darknet" or "tf_slim" */
    const char *version; /* model_version.h */
    time_t loaded_at;
    /* The first classes it answers (short names, background left out), for
     * a person telling label sets apart */
    int nexamples;
    const char *examples[MODEL_EXAMPLE_LABELS];
} model_description;

/* The photo preprocessing a model was trained with (its [net] preprocess=), in image/'s terms. */
preprocess_style model_preprocess_style(const nn_model *m);

/* Describes the i-th model (0 is the default). */
void model_registry_describe(const model_registry *r, int i, model_description *d);

/* NULL or "" gives the default model; NULL when the name is not served. */
const served_model *model_registry_find(const model_registry *r, const char *name);

#endif
