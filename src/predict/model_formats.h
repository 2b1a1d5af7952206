/* The model formats lookslike serves, one entry each (model_formats.c): how a
 * served name becomes an nn_model from the files of --model-dir. A new format
 * is its loader and one entry there; the registry asks the entries in order
 * which one holds the name, and loads with it. Stateless; thread-safe. */
#ifndef LOOKSLIKE_PREDICT_MODEL_FORMATS_H
#define LOOKSLIKE_PREDICT_MODEL_FORMATS_H

#include <stddef.h>

#include "../file_read.h"
#include "../nn/model.h"

typedef struct {
    const char *name; /* "darknet" */
    const char *files; /* the files it reads, for messages: "NAME.cfg + NAME.weights" */
    /* Whether dir holds NAME in this format (its first file is there). */
    int (*probe)(const char *dir, const char *name);
    /* 0, or -1 with "FILE[:LINE]: reason" in err. seen is shown the bytes
     * of each file as it is read, in the order `files` lists them (the
     * model's version hashes them: model_version.h). */
    int (*load)(nn_model *m, const char *dir, const char *name, const file_observer *seen, char *err,
                size_t errlen);
} model_format;

/* The first format that holds NAME in dir, or NULL with what was looked for in err. */
const model_format *model_format_of(const char *dir, const char *name, char *err, size_t errlen);

#endif
