#include "model_formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../tflite/tflite_convert.h"

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

/* ---- TFLite: NAME.tflite, converted in memory (src/tflite/tflite_convert.h) ---- */

/* The largest official quantized classifiers are 7 to 13 MB; the converter
 * makes at most 4 bytes of weights per byte it reads. */
#define TFLITE_MAX_BYTES (64u << 20)

static int tflite_probe(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
    return stat(path, &st) == 0;
}

/* The file read whole (and shown to seen), converted as tflite2darknet would,
 * the cfg text parsed and the weights adopted: no file written. */
static int tflite_load(nn_model *m, const char *dir, const char *name, const file_observer *seen, char *err,
                       size_t errlen)
{
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
    struct stat st; /* a larger file is refused before it is read (a reload must not hold it) */
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > TFLITE_MAX_BYTES) {
        snprintf(err, errlen, "%s: %lld bytes, more than the %u MiB a .tflite may have", path, (long long)st.st_size,
                 TFLITE_MAX_BYTES >> 20);
        return -1;
    }
    uint8_t *data = file_read_seen(path, TFLITE_MAX_BYTES, &len, seen, err, errlen);
    if (!data)
        return -1;
    tflite_file file = {path, data, len};
    tflite_converted out;
    int rc = tflite_convert(&file, 1, &out, err, errlen);
    free(data);
    if (rc < 0)
        return -1;
    rc = nn_model_parse_cfg(m, out.cfg, out.cfg_len, path, err, errlen);
    if (rc == 0) {
        rc = nn_model_adopt_weights(m, out.weights, out.weights_len, path, err, errlen);
        out.weights = NULL; /* the model's now, or freed */
        if (rc < 0)
            nn_model_free(m);
    }
    tflite_converted_free(&out);
    return rc;
}

/* In this order: a name with files of both formats is the Darknet one. */
static const model_format formats[] = {
    {"darknet", "NAME.cfg + NAME.weights", darknet_probe, darknet_load},
    {"tflite", "NAME.tflite", tflite_probe, tflite_load},
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
