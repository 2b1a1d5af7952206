#include "model_registry.h"

#include "../nn/int8_kernel_sets.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "../nn/engine.h"
#include "model_formats.h"
#include "model_version.h"

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= MODEL_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || s[i] == '-' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
              (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return s[0] != '.';
}

static int load_one(served_model *m, const char *dir, const char *engine, const char *precision, char *err,
                    size_t errlen)
{
    const model_format *format = model_format_of(dir, m->name, err, errlen);
    if (!format)
        return -1;
    /* The version: the format's files, then NAME.labels, hashed as read. */
    model_version_hash *hash = model_version_begin();
    if (!hash) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    file_observer seen = model_version_observer(hash);
    if (format->load(&m->network, dir, m->name, &seen, err, errlen) < 0) {
        model_version_end(hash, NULL);
        return -1;
    }
    char labels[4096]; /* NAME.labels, whatever the format, or else Darknet's NAME.names */
    snprintf(labels, sizeof labels, "%s/%s.labels", dir, m->name);
    if (access(labels, F_OK) < 0)
        snprintf(labels, sizeof labels, "%s/%s.names", dir, m->name);
    char why[512];
    if (nn_labels_load(&m->labels, labels, nn_model_classes(&m->network), &seen, err, errlen) < 0) {
        model_version_end(hash, NULL);
        nn_model_free(&m->network);
        return -1;
    }
    if (nn_model_task(&m->network) == NN_TASK_DETECTION)
        m->labels.background = -1; /* a class like the others (YOLO9000's tree has a "background") */
    model_version_end(hash, m->version);
    m->loaded_at = time(NULL);
    if (nn_engine_choose(&m->network, engine, precision, &m->engine, why, sizeof why) < 0) {
        snprintf(err, errlen, "model '%s': %s", m->name, why);
        nn_model_free(&m->network);
        nn_labels_free(&m->labels);
        return -1;
    }
    m->precision = nn_engine_precision(m->engine);
    if (nn_model_task(&m->network) == NN_TASK_CLASSIFICATION &&
        nn_class_map_new(&m->network, m->name, &m->class_map, m->no_class_map, sizeof m->no_class_map) < 0) {
        snprintf(err, errlen, "model '%s': out of memory", m->name);
        nn_model_free(&m->network);
        nn_labels_free(&m->labels);
        return -1;
    }
    return 0;
}

int model_registry_load(model_registry *r, const char *dir, const char *names, const char *engine,
                        const char *precision, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    const char *p = names;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (!valid_name(p, n)) {
            snprintf(err, errlen, "invalid model name '%.*s' (letters, digits, '_', '-', '.')", (int)(n > 64 ? 64 : n),
                     p);
            model_registry_free(r);
            return -1;
        }
        if (r->count == REGISTRY_MAX_MODELS) {
            snprintf(err, errlen, "more than %d models", REGISTRY_MAX_MODELS);
            model_registry_free(r);
            return -1;
        }
        served_model *m = &r->models[r->count];
        memcpy(m->name, p, n);
        m->name[n] = '\0';
        if (model_registry_find(r, m->name) != NULL) {
            snprintf(err, errlen, "model '%s' named twice", m->name);
            model_registry_free(r);
            return -1;
        }
        if (load_one(m, dir, engine, precision, err, errlen) < 0) {
            model_registry_free(r);
            return -1;
        }
        r->count++;
        p += n;
        if (*p == ',')
            p++;
    }
    if (r->count == 0) {
        snprintf(err, errlen, "no model named");
        return -1;
    }
    return 0;
}

void model_registry_free(model_registry *r)
{
    for (int i = 0; i < r->count; i++) {
        nn_model_free(&r->models[i].network);
        nn_labels_free(&r->models[i].labels);
        nn_class_map_free(r->models[i].class_map);
    }
    r->count = 0;
}

void model_registry_release_params(model_registry *r)
{
    for (int i = 0; i < r->count; i++)
        nn_model_release_params(&r->models[i].network);
}

const served_model *model_registry_find(const model_registry *r, const char *name)
{
    if (!name || !*name)
        return r->count ? &r->models[0] : NULL;
    for (int i = 0; i < r->count; i++)
        if (!strcmp(r->models[i].name, name))
            return &r->models[i];
    return NULL;
}

preprocess_style model_preprocess_style(const nn_model *m)
{
    return m->preprocess == NN_PREPROCESS_TF_SLIM ? PREPROCESS_TF_SLIM : PREPROCESS_DARKNET;
}

int model_registry_choose_kernels(const model_registry *r, const char *int8_kernels, char *notes, size_t notes_len,
                                  char *err, size_t errlen)
{
    notes[0] = '\0';
    for (int i = 0; i < r->count; i++)
        if (!strcmp(r->models[i].engine, "int8"))
            return int8_kernels_choose(int8_kernels, notes, notes_len, err, errlen);
    return 0;
}

void model_registry_describe(const model_registry *r, int i, model_description *d)
{
    const served_model *m = &r->models[i];
    *d = (model_description){.name = m->name,
                             .is_default = i == 0,
                             .width = m->network.input.w,
                             .height = m->network.input.h,
                             .channels = m->network.input.c,
                             .classes = m->labels.count - (m->labels.background >= 0),
                             .outputs = (int)nn_model_outputs(&m->network),
                             .task = nn_task_name(nn_model_task(&m->network)),
                             .features = (int)nn_model_features(&m->network),
                             .engine = m->engine,
                             .precision = m->precision,
                             .kernels = strcmp(m->engine, "int8") ? NULL : int8_kernels_in_use()->name,
                             .preprocess = nn_preprocessing_name(m->network.preprocess),
                             .version = m->version,
                             .loaded_at = m->loaded_at,
                             .explains = m->class_map != NULL};
    if (m->class_map) {
        d->map_width = nn_class_map_input(m->class_map).w;
        d->map_height = nn_class_map_input(m->class_map).h;
    }
    for (int k = 0; k < m->labels.count && d->nexamples < MODEL_EXAMPLE_LABELS; k++)
        if (k != m->labels.background)
            d->examples[d->nexamples++] = m->labels.short_name[k];
}
