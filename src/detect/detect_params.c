#include "detect_params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const detect_param_name[DETECT_PARAM_COUNT] = {
#define X(id, name, lo, lo_excluded, hi, integer) [DETECT_PARAM_##id] = name,
    DETECT_PARAMS(X)
#undef X
};

typedef struct {
    double lo, hi;
    int lo_excluded, integer;
} param_range;

static const param_range ranges[DETECT_PARAM_COUNT] = {
#define X(id, name, lo_, lo_excluded_, hi_, integer_)                                                                  \
    [DETECT_PARAM_##id] = {.lo = lo_, .hi = hi_, .lo_excluded = lo_excluded_, .integer = integer_},
    DETECT_PARAMS(X)
#undef X
};

detection_request detection_request_default(void)
{
    return (detection_request){.options = {.threshold = DETECT_DEFAULT_THRESHOLD, .nms = DETECT_DEFAULT_NMS},
                               .max = DETECT_DEFAULT_MAX};
}

int detect_param_set(detection_request *d, detect_param p, double v, const char *shown, char *err, size_t errlen)
{
    const param_range *r = &ranges[p];
    if (!r->integer)
        v = (float)v; /* as it will be used: 1e-50 is a threshold of 0 */
    if (!isfinite(v) || v < r->lo || (r->lo_excluded && v == r->lo) || v > r->hi || (r->integer && v != floor(v))) {
        if (r->integer)
            snprintf(err, errlen, "%s must be an integer from %g to %g, not '%.40s'", detect_param_name[p], r->lo,
                     r->hi, shown);
        else
            snprintf(err, errlen, "%s must be a number %s %g and at most %g, not '%.40s'", detect_param_name[p],
                     r->lo_excluded ? "above" : "from", r->lo, r->hi, shown);
        return -1;
    }
    switch (p) {
    case DETECT_PARAM_THRESHOLD: d->options.threshold = (float)v; break;
    case DETECT_PARAM_NMS: d->options.nms = (float)v; break;
    case DETECT_PARAM_MAX: d->max = (int)v; break;
    case DETECT_PARAM_COUNT: return -1;
    }
    return 0;
}

int detect_class_mask(const char *model, const nn_labels *labels, const char *list, unsigned char *mask, char *err, size_t errlen)
{
    if (!*list) { /* no class at all would answer nothing, whatever the image */
        snprintf(err, errlen, "classes: name at least one class of model '%s'", model);
        return -1;
    }
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (int k = 0; k < labels->count; k++)
            if (strlen(labels->short_name[k]) == len && !strncmp(labels->short_name[k], p, len))
                mask[k] = found = 1;
        if (!found) {
            snprintf(err, errlen,
                     "classes: model '%s' has no class '%.*s' (its labels are listed by /v1/models and its labels file)",
                     model, (int)(len < 60 ? len : 60), p);
            return -1;
        }
        p += len;
        p += *p == ',';
    }
    return 0;
}
