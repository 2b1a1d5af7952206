#include "engine.h"

#include <stdio.h>
#include <string.h>

static const nn_engine_ops *const engines[] = {
    &nn_onednn_engine,
#ifdef LOOKSLIKE_HAVE_DARKNET
    &nn_darknet_engine,
#endif
};

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
    for (size_t i = 0; i < sizeof engines / sizeof *engines; i++)
        if (!strcmp(engines[i]->name, name))
            return engines[i]->create(m, threads < 1 ? 1 : threads, err, errlen);
    snprintf(err, errlen, "unknown engine '%s' (this build has: %s)", name, nn_engine_list());
    return NULL;
}

int nn_engine_run(nn_engine *e, const float *input, float *output)
{
    return e->ops->run(e, input, output);
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
