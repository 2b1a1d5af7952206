#include "model_formats.h"

#include <stdio.h>
#include <sys/stat.h>

/* ---- Darknet: NAME.cfg, NAME.weights (models/darknet-format.md) ---- */

static void darknet_path(char *out, size_t n, const char *dir, const char *name, const char *ext)
{
    snprintf(out, n, "%s/%s.%s", dir, name, ext);
}

static int darknet_probe(const char *dir, const char *name)
{
    char cfg[4096];
    struct stat st;
    darknet_path(cfg, sizeof cfg, dir, name, "cfg");
    return stat(cfg, &st) == 0;
}

static int darknet_load(nn_model *m, const char *dir, const char *name, const file_observer *seen, char *err,
                        size_t errlen)
{
    char cfg[4096], weights[4096];
    darknet_path(cfg, sizeof cfg, dir, name, "cfg");
    darknet_path(weights, sizeof weights, dir, name, "weights");
    return nn_model_load_seen(m, cfg, weights, seen, err, errlen);
}

static const model_format formats[] = {
    {"darknet", "NAME.cfg + NAME.weights", darknet_probe, darknet_load},
};

const model_format *model_format_of(const char *dir, const char *name, char *err, size_t errlen)
{
    size_t n = sizeof formats / sizeof formats[0], used = 0;
    for (size_t i = 0; i < n; i++)
        if (formats[i].probe(dir, name))
            return &formats[i];
    used += (size_t)snprintf(err, errlen, "no model '%s' in %s; looked for", name, dir);
    for (size_t i = 0; i < n && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, "%s %s (%s)", i ? "," : "", formats[i].files,
                                 formats[i].name);
    return NULL;
}
