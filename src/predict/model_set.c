/* Loading a set of models whole, and its lifetime (model_set.h). */
#include "model_set.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

static void set_free(model_set *s)
{
    for (int i = 0; s->predictors && i < s->workers; i++)
        predictor_free(s->predictors[i]);
    free(s->predictors);
    model_registry_free(&s->registry);
    free(s);
    /* Hand the pages back: a set is megabytes the allocator would otherwise
     * keep in its arenas, and a server reloaded day after day must not grow. */
    malloc_trim(0);
}

int model_set_warm(const model_set *s, int worker, char *err, size_t errlen)
{
    predictor *p = s->predictors[worker];
    const model_registry *r = &s->registry;
    for (int i = 0; i < r->count; i++) {
        const served_model *m = &r->models[i];
        uint8_t *blank = calloc(nn_shape_size(m->network.input), 1);
        prediction_result res;
        outcome o = blank ? predictor_run_tensor(p, m, blank, 1, &res) : OUTCOME_OUT_OF_MEMORY;
        free(blank);
        if (o != OUTCOME_OK) {
            snprintf(err, errlen, "warm-up inference of model '%s' failed", m->name);
            return -1;
        }
    }
    return 0;
}

model_set *model_set_load(const model_set_config *c, char *err, size_t errlen)
{
    model_set *s = calloc(1, sizeof *s);
    if (!s || !(s->predictors = calloc((size_t)c->workers, sizeof *s->predictors))) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    s->workers = c->workers;
    if (model_registry_load(&s->registry, c->dir, c->names, c->engine, c->precision, err, errlen) < 0) {
        free(s->predictors);
        free(s);
        return NULL;
    }
    for (int i = 0; i < c->workers; i++) {
        s->predictors[i] = predictor_new(&s->registry, i == 0 ? c->threads_per_worker : 1, err, errlen);
        if (!s->predictors[i] || (c->warm && model_set_warm(s, i, err, errlen) < 0)) {
            set_free(s);
            return NULL;
        }
    }
    model_registry_release_params(&s->registry); /* the engines hold their own copies now */
    atomic_init(&s->holders, 1);
    return s;
}

void model_set_hold(model_set *s)
{
    atomic_fetch_add(&s->holders, 1);
}

void model_set_release(model_set *s)
{
    if (s && atomic_fetch_sub(&s->holders, 1) == 1)
        set_free(s);
}
