#include "engine.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../own_files.h"
#include "int8_network.h"

/* The libdarknet engine is a plugin (see src/meson.build for why), loaded from
 * one place (own_files.h). dlopen counts references, so every engine instance
 * may call this; the library stays loaded for the life of the process
 * (libdarknet has global state). */
static const nn_engine_ops *load_darknet(char *err, size_t errlen)
{
#ifdef LOOKSLIKE_HAVE_DARKNET
    const char *path = own_file(LOOKSLIKE_BUILD_DARKNET_PLUGIN, LOOKSLIKE_INSTALLED_DARKNET_PLUGIN);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const nn_engine_ops *ops = lib ? dlsym(lib, "nn_darknet_engine") : NULL;
    if (!ops)
        snprintf(err, errlen, "engine 'darknet' is not installed: %s", dlerror());
    return ops;
#else
    snprintf(err, errlen, "unknown engine 'darknet' (this build has: %s)", nn_engine_list());
    return NULL;
#endif
}

const char *nn_engine_list(void)
{
#ifdef LOOKSLIKE_HAVE_DARKNET
    return "onednn darknet";
#else
    return "onednn";
#endif
}

nn_engine *nn_engine_create(const char *name, const nn_model *m, int threads, char *err, size_t errlen)
{
    const nn_engine_ops *ops = !strcmp(name, "onednn")    ? &nn_onednn_engine
                               : !strcmp(name, "int8")    ? &nn_int8_engine
                               : !strcmp(name, "darknet") ? load_darknet(err, errlen)
                                                          : NULL;
    if (!ops && strcmp(name, "darknet"))
        snprintf(err, errlen, "unknown engine '%s' (this build has: %s)", name, nn_engine_list());
    return ops ? ops->create(m, threads < 1 ? 1 : threads, err, errlen) : NULL;
}

int nn_engine_run(nn_engine *e, const uint8_t *pixels, float *output, int threads)
{
    return e->ops->run(e, pixels, output, threads);
}

int nn_engine_run_input(nn_engine *e, const float *input, float *output, int threads)
{
    return e->ops->run_input ? e->ops->run_input(e, input, output, threads) : -1;
}

int nn_engine_tap(nn_engine *e, nn_tap t, float *out)
{
    return e->ops->tap ? e->ops->tap(e, t, out) : -1;
}

int nn_engine_choose(const nn_model *m, const char *engine, const char *precision, const char **chosen, char *err,
                     size_t errlen)
{
    char why[NN_ERR_LEN];
    if (!strcmp(precision, "fp32")) {
        *chosen = engine;
        return 0;
    }
    if (!strcmp(precision, "int8")) {
        if (strcmp(engine, "onednn")) {
            snprintf(err, errlen, "--precision int8 runs lookslike's integer engine; --engine %s is float32 only",
                     engine);
            return -1;
        }
        if (!int8_network_supports(m, why, sizeof why)) {
            snprintf(err, errlen, "--precision int8: %s", why);
            return -1;
        }
        *chosen = "int8";
        return 0;
    }
    if (strcmp(precision, "auto")) {
        snprintf(err, errlen, "unknown precision '%s' (auto, int8 or fp32)", precision);
        return -1;
    }
    int fast = int8_kernels_best() != &int8_kernels_reference;
    int int8 = !strcmp(engine, "onednn") && fast && int8_network_supports(m, why, sizeof why);
    *chosen = int8 ? "int8" : engine;
    return 0;
}

const char *nn_engine_precision(const char *engine)
{
    return !strcmp(engine, "int8") ? nn_int8_engine.precision : "fp32";
}

void nn_engine_destroy(nn_engine *e)
{
    if (e)
        e->ops->destroy(e);
}

