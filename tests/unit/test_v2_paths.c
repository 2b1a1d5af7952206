/* src/http/v2_paths.c: every path the Open Inference Protocol routes answer,
 * with and without the version, and what is not one of them. */
#include <string.h>

#include "../../src/http/v2_paths.h"
#include "check.h"

static void expect(const char *url, v2_target want, const char *want_name)
{
    char name[16] = "";
    v2_target got = v2_parse_target(url, name, sizeof name);
    check(got == want && (!want_name || !strcmp(name, want_name)), "%s -> %d (want %d) %s", url, got, want, name);
}

int main(void)
{
    expect("/v2", V2_SERVER, NULL);
    expect("/v2/health/live", V2_LIVE, NULL);
    expect("/v2/health/ready", V2_READY, NULL);
    expect("/v2/models/mobilenet", V2_MODEL, "mobilenet");
    expect("/v2/models/mobilenet/ready", V2_MODEL_READY, "mobilenet");
    expect("/v2/models/mobilenet/infer", V2_INFER, "mobilenet");
    expect("/v2/models/mobilenet/versions/" V2_VERSION, V2_MODEL, "mobilenet");
    expect("/v2/models/mobilenet/versions/" V2_VERSION "/ready", V2_MODEL_READY, "mobilenet");
    expect("/v2/models/mobilenet/versions/" V2_VERSION "/infer", V2_INFER, "mobilenet");

    expect("/v2/", V2_NONE, NULL);
    expect("/v2/health", V2_NONE, NULL);
    expect("/v2/health/live/", V2_NONE, NULL);
    expect("/v2/models", V2_NONE, NULL);
    expect("/v2/models/", V2_NONE, NULL);
    expect("/v2/models//infer", V2_NONE, NULL);
    expect("/v2/models/mobilenet/", V2_NONE, NULL);
    expect("/v2/models/mobilenet/infer/", V2_NONE, NULL);
    expect("/v2/models/mobilenet/predict", V2_NONE, NULL);
    expect("/v2/models/mobilenet/versions/2/infer", V2_NONE, NULL);
    expect("/v2/models/mobilenet/versions/11/infer", V2_NONE, NULL);
    expect("/v2/models/mobilenet/versions//infer", V2_NONE, NULL);
    expect("/v2/models/mobilenet/versions", V2_NONE, NULL);
    expect("/v2/models/a-name-of-sixteen/infer", V2_NONE, NULL); /* as long as the buffer: refused, not cut */
    expect("/v2/models/fifteen-bytes-x/infer", V2_INFER, "fifteen-bytes-x");
    expect("/v2x", V2_NONE, NULL);
    return check_done();
}
