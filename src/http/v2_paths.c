/* Parsing the Open Inference Protocol's paths (v2_paths.h). */
#include "v2_paths.h"

#include <string.h>

v2_target v2_parse_target(const char *url, char *name, size_t namelen)
{
    if (!strcmp(url, "/v2"))
        return V2_SERVER;
    if (!strcmp(url, "/v2/health/live"))
        return V2_LIVE;
    if (!strcmp(url, "/v2/health/ready"))
        return V2_READY;
    if (strncmp(url, "/v2/models/", 11) != 0)
        return V2_NONE;
    const char *p = url + 11;
    size_t n = strcspn(p, "/");
    if (n == 0 || n >= namelen)
        return V2_NONE;
    memcpy(name, p, n);
    name[n] = '\0';
    p += n;
    if (!strncmp(p, "/versions/", 10)) {
        size_t v = strcspn(p + 10, "/");
        if (v != strlen(V2_VERSION) || strncmp(p + 10, V2_VERSION, v) != 0)
            return V2_NONE; /* one version */
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
    char name[V2_NAME_SIZE];
    return v2_parse_target(url, name, sizeof name) == V2_INFER;
}

