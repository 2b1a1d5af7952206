#include "engine.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* The libdarknet engine is a plugin (see src/meson.build for why): tried from
 * each of the colon-separated paths in turn, the build tree's first. dlopen
 * counts references, so every engine instance may call this; the library
 * stays loaded for the life of the process (libdarknet has global state). */
static const nn_engine_ops *load_darknet(char *err, size_t errlen)
{
#ifdef LOOKSLIKE_HAVE_DARKNET
    char paths[] = LOOKSLIKE_DARKNET_PLUGINS, *save = NULL;
    for (char *path = strtok_r(paths, ":", &save); path; path = strtok_r(NULL, ":", &save)) {
        void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        const nn_engine_ops *ops = lib ? dlsym(lib, "nn_darknet_engine") : NULL;
        if (ops)
            return ops;
        snprintf(err, errlen, "engine 'darknet' is not installed: %s", dlerror());
    }
#else
    snprintf(err, errlen, "unknown engine 'darknet' (this build has: %s)", nn_engine_list());
#endif
    return NULL;
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
                               : !strcmp(name, "darknet") ? load_darknet(err, errlen)
                                                          : NULL;
    if (!ops && strcmp(name, "darknet"))
        snprintf(err, errlen, "unknown engine '%s' (this build has: %s)", name, nn_engine_list());
    return ops ? ops->create(m, threads < 1 ? 1 : threads, err, errlen) : NULL;
}

int nn_engine_run(nn_engine *e, const float *input, float *output, int threads)
{
    return e->ops->run(e, input, output, threads);
}

void nn_engine_destroy(nn_engine *e)
{
    if (e)
        e->ops->destroy(e);
}

const char *nn_engine_name(const nn_engine *e)
{
    return e->ops->name;
}
