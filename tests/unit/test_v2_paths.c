/* src/http/v2_paths.c: every path the Open Inference Protocol routes answer,
 * with and without the version, and what is not one of them. */
#include <string.h>

#include "../../src/http/v2_paths.h"
#include "check.h"

static const struct {
    const char *url;
    v2_target want;
    const char *name; /* the model named, for a model's path */
} cases[] = {
    {"/v2", V2_SERVER, NULL},
    {"/v2/health/live", V2_LIVE, NULL},
    {"/v2/health/ready", V2_READY, NULL},
    {"/v2/models/mobilenet", V2_MODEL, "mobilenet"},
    {"/v2/models/mobilenet/ready", V2_MODEL_READY, "mobilenet"},
    {"/v2/models/mobilenet/infer", V2_INFER, "mobilenet"},
    {"/v2/models/mobilenet/versions/" V2_VERSION, V2_MODEL, "mobilenet"},
    {"/v2/models/mobilenet/versions/" V2_VERSION "/ready", V2_MODEL_READY, "mobilenet"},
    {"/v2/models/mobilenet/versions/" V2_VERSION "/infer", V2_INFER, "mobilenet"},
    {"/v2/", V2_NONE, NULL},
    {"/v2/health", V2_NONE, NULL},
    {"/v2/health/live/", V2_NONE, NULL},
    {"/v2/models", V2_NONE, NULL},
    {"/v2/models/", V2_NONE, NULL},
    {"/v2/models//infer", V2_NONE, NULL},
    {"/v2/models/mobilenet/", V2_NONE, NULL},
    {"/v2/models/mobilenet/infer/", V2_NONE, NULL},
    {"/v2/models/mobilenet/predict", V2_NONE, NULL},
    {"/v2/models/mobilenet/versions/2/infer", V2_NONE, NULL},
    {"/v2/models/mobilenet/versions/11/infer", V2_NONE, NULL},
    {"/v2/models/mobilenet/versions//infer", V2_NONE, NULL},
    {"/v2/models/mobilenet/versions", V2_NONE, NULL},
    {"/v2/models/a-name-of-sixteen/infer", V2_NONE, NULL}, /* as long as the buffer: refused, not cut */
    {"/v2/models/fifteen-bytes-x/infer", V2_INFER, "fifteen-bytes-x"},
    {"/v2x", V2_NONE, NULL},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char name[16] = "";
        v2_target got = v2_parse_target(cases[i].url, name, sizeof name);
        check(got == cases[i].want && (!cases[i].name || !strcmp(name, cases[i].name)), "%s -> %d (want %d) %s",
              cases[i].url, got, cases[i].want, name);
    }
    return check_done();
}
