/* The models served at one time and what runs them (model_set.c): the
 * registry, loaded and validated whole, and one warm predictor per worker.
 * The server serves one set and swaps in a new one when the models are
 * reloaded; each request and each queued job holds the set it started with,
 * so an old set lives until the last of them lets it go, and is freed then,
 * on whichever thread that is. Holding and releasing are thread-safe; the
 * rest of a set is read-only once loaded. */
#ifndef LOOKSLIKE_PREDICT_MODEL_SET_H
#define LOOKSLIKE_PREDICT_MODEL_SET_H

#include <stdatomic.h>
#include <stddef.h>

#include "model_registry.h"
#include "predictor.h"

typedef struct {
    const char *dir, *names, *engine, *precision; /* as model_registry_load takes them */
    int workers; /* predictors to build: one per worker */
    int threads_per_worker; /* the first worker's most threads per image; the others run on one */
    /* Run each model once on each predictor in model_set_load (a reload,
     * beside running workers); 0 at start-up, where each worker warms its
     * own on its thread (worker_pool_start) and once is enough. */
    int warm;
} model_set_config;

typedef struct model_set {
    model_registry registry; /* its parameters released once the engines are built */
    int workers;
    predictor **predictors; /* [workers]: worker i runs the set's jobs on predictors[i] */
    atomic_int holders;
} model_set;

/* Loads the models, builds every worker's engines and, with c->warm, runs
 * each model once on each (the lazy initialisation done before any request,
 * and the proof that they run). The set comes
 * held once, by the caller. NULL with err ("FILE[:LINE]: reason", or the
 * engine's) when any of it fails; nothing is left behind. The integer
 * kernel set is chosen beforehand, once per process (int8_kernels_choose). */
model_set *model_set_load(const model_set_config *c, char *err, size_t errlen);
/* Runs every model once on a blank input on worker's predictor: the lazy
 * initialisation of its engines (and of the calling thread's OpenMP team)
 * done before a request pays for it. 0, or -1 with err. */
int model_set_warm(const model_set *s, int worker, char *err, size_t errlen);
void model_set_hold(model_set *s);
/* The last release frees the set. */
void model_set_release(model_set *s);

#endif
