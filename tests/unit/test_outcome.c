/* outcome.h's table: every outcome has an error code and an HTTP status of
 * its class, the codes are distinct, and they are exactly the codes the
 * OpenAPI document (static/openapi.json, argv[1]) lets an error carry: one
 * list written in two places for two readers, checked against each other. */
#include <cjson/cJSON.h>
#include <string.h>

#include "../../src/file_read.h"
#include "../../src/outcome.h"
#include "check.h"

/* The "code" enum of the document's Error schema. */
static const cJSON *documented_codes(const cJSON *doc)
{
    const cJSON *schemas = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "components"), "schemas");
    const cJSON *error = cJSON_GetObjectItem(cJSON_GetObjectItem(schemas, "Error"), "properties");
    const cJSON *inner = cJSON_GetObjectItem(cJSON_GetObjectItem(error, "error"), "properties");
    return cJSON_GetObjectItem(cJSON_GetObjectItem(inner, "code"), "enum");
}

int main(int argc, char **argv)
{
    check(!strcmp(outcome_code(OUTCOME_OK), "ok") && outcome_http_status(OUTCOME_OK) == 200, "OUTCOME_OK: 200 ok");
    int distinct = 1;
    for (int o = 1; o < OUTCOME_COUNT; o++) {
        const char *code = outcome_code((outcome)o);
        unsigned status = outcome_http_status((outcome)o);
        check(code && *code && strcmp(code, "ok") && status >= 400 && status < 600, "outcome %d: %u %s", o, status,
              code ? code : "(none)");
        for (int p = 1; p < o; p++)
            distinct &= strcmp(code, outcome_code((outcome)p)) != 0;
    }
    check(distinct, "every error code names one outcome");
    check(outcome_http_status(OUTCOME_COUNT) == 500 && !strcmp(outcome_code((outcome)-1), "internal"),
          "a value outside the list: 500 internal");
    check(outcome_http_status(OUTCOME_SHUTTING_DOWN) == 503 && outcome_http_status(OUTCOME_IMAGE_TOO_LARGE) == 422 &&
              outcome_http_status(OUTCOME_OUT_OF_MEMORY) == 500,
          "statuses as docs/api.md's table has them (spot check)");

    if (argc < 2)
        return check_done();
    char err[256];
    size_t len;
    char *text = (char *)file_read(argv[1], 1 << 24, &len, err, sizeof err);
    cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
    const cJSON *codes = documented_codes(doc);
    if (check(cJSON_IsArray(codes), "%s has components.schemas.Error...code.enum", argv[1])) {
        int found[OUTCOME_COUNT] = {0}, unknown = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, codes) {
            int hit = 0;
            for (int o = 1; o < OUTCOME_COUNT; o++)
                if (cJSON_IsString(c) && !strcmp(c->valuestring, outcome_code((outcome)o)))
                    found[o] = hit = 1;
            if (!hit)
                check(0, "documented code %s is no outcome", cJSON_GetStringValue(c));
            unknown += !hit;
        }
        for (int o = 1; o < OUTCOME_COUNT; o++)
            if (!found[o])
                check(0, "outcome %s is not documented", outcome_code((outcome)o));
        check(!unknown, "the document's codes are the outcomes' codes, %d of them", cJSON_GetArraySize(codes));
    }
    cJSON_Delete(doc);
    free(text);
    return check_done();
}
