/* Parsing the Open Inference Protocol's paths (v2_paths.h). */
#include "v2_paths.h"

#include <string.h>

/* The path segment at s into out (size bytes): its length, or 0 when empty or too long. */
static size_t segment(const char *s, char *out, size_t size)
{
    size_t n = strcspn(s, "/");
    if (n == 0 || n >= size)
        return 0;
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

v2_target v2_parse_target(const char *url, v2_path *path)
{
    path->model[0] = path->version[0] = '\0';
    if (!strcmp(url, "/v2"))
        return V2_SERVER;
    if (!strcmp(url, "/v2/health/live"))
        return V2_LIVE;
    if (!strcmp(url, "/v2/health/ready"))
        return V2_READY;
    if (strncmp(url, "/v2/models/", 11) != 0)
        return V2_NONE;
    const char *p = url + 11;
    size_t n = segment(p, path->model, sizeof path->model);
    if (!n)
        return V2_NONE;
    p += n;
    if (!strncmp(p, "/versions/", 10)) {
        size_t v = segment(p + 10, path->version, sizeof path->version);
        if (!v)
            return V2_NONE;
        p += 10 + v;
    }
    if (!*p)
        return V2_MODEL;
    if (!strcmp(p, "/ready"))
        return V2_MODEL_READY;
    if (!strcmp(p, "/infer"))
        return V2_INFER;
    return V2_NONE;
}

int v2_is_infer_path(const char *url)
{
    v2_path p;
    return v2_parse_target(url, &p) == V2_INFER;
}

