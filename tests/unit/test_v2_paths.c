/* src/http/v2_paths.c: every path the Open Inference Protocol routes answer,
 * with and without a version, and what is not one of them. */
#include <string.h>

#include "../../src/http/v2_paths.h"
#include "check.h"

static const struct {
    const char *url;
    v2_target want;
    const char *name, *version; /* what a model's path names */
} cases[] = {
    {"/v2", V2_SERVER, "", ""},
    {"/v2/health/live", V2_LIVE, "", ""},
    {"/v2/health/ready", V2_READY, "", ""},
    {"/v2/models/mobilenet", V2_MODEL, "mobilenet", ""},
    {"/v2/models/mobilenet/ready", V2_MODEL_READY, "mobilenet", ""},
    {"/v2/models/mobilenet/infer", V2_INFER, "mobilenet", ""},
    {"/v2/models/mobilenet/versions/3f2a9c01b7d4", V2_MODEL, "mobilenet", "3f2a9c01b7d4"},
    {"/v2/models/mobilenet/versions/3f2a9c01b7d4/ready", V2_MODEL_READY, "mobilenet", "3f2a9c01b7d4"},
    {"/v2/models/mobilenet/versions/1/infer", V2_INFER, "mobilenet", "1"},
    {"/v2/", V2_NONE, NULL, NULL},
    {"/v2/health", V2_NONE, NULL, NULL},
    {"/v2/health/live/", V2_NONE, NULL, NULL},
    {"/v2/models", V2_NONE, NULL, NULL},
    {"/v2/models/", V2_NONE, NULL, NULL},
    {"/v2/models//infer", V2_NONE, NULL, NULL},
    {"/v2/models/mobilenet/", V2_NONE, NULL, NULL},
    {"/v2/models/mobilenet/infer/", V2_NONE, NULL, NULL},
    {"/v2/models/mobilenet/predict", V2_NONE, NULL, NULL},
    {"/v2/models/mobilenet/versions//infer", V2_NONE, NULL, NULL},
    {"/v2/models/mobilenet/versions", V2_NONE, NULL, NULL},
    {"/v2/models/mobilenet/versions/", V2_NONE, NULL, NULL},
    {"/v2/models/mobilenet/versions/1/2/infer", V2_NONE, NULL, NULL},
    {"/v2x", V2_NONE, NULL, NULL},
};

/* A model path whose name (or version) has n bytes. */
static v2_target long_one(size_t n, int in_version, v2_path *p)
{
    char url[512] = "/v2/models/", *at = url + strlen(url);
    if (in_version) {
        strcpy(at, "m/versions/");
        at += strlen(at);
    }
    memset(at, 'a', n);
    strcpy(at + n, "/infer");
    return v2_parse_target(url, p);
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        v2_path p;
        v2_target got = v2_parse_target(cases[i].url, &p);
        check(got == cases[i].want &&
                  (!cases[i].name || (!strcmp(p.model, cases[i].name) && !strcmp(p.version, cases[i].version))),
              "%s -> %d (want %d) '%s' '%s'", cases[i].url, got, cases[i].want, p.model, p.version);
    }
    /* As long as the buffer: refused, not cut; a byte less fits. */
    v2_path p;
    check(long_one(V2_NAME_SIZE, 0, &p) == V2_NONE && long_one(V2_NAME_SIZE - 1, 0, &p) == V2_INFER &&
              strlen(p.model) == V2_NAME_SIZE - 1,
          "a name of %d bytes refused, of %d taken", V2_NAME_SIZE, V2_NAME_SIZE - 1);
    check(long_one(V2_VERSION_SIZE, 1, &p) == V2_NONE && long_one(V2_VERSION_SIZE - 1, 1, &p) == V2_INFER &&
              strlen(p.version) == V2_VERSION_SIZE - 1,
          "a version of %d bytes refused, of %d taken", V2_VERSION_SIZE, V2_VERSION_SIZE - 1);
    return check_done();
}
