/* Every outcome's error code and HTTP status: the one table of both.
 * docs/api.md's error list and the OpenAPI document name the same codes. */
#include "outcome.h"

static const struct {
    unsigned status;
    const char *code;
} answers[OUTCOME_COUNT] = {
    [OUTCOME_OK] = {200, "ok"},
    [OUTCOME_BAD_REQUEST] = {400, "bad_request"},
    [OUTCOME_BAD_MULTIPART] = {400, "bad_multipart"},
    [OUTCOME_BAD_PATH] = {400, "bad_path"},
    [OUTCOME_EMPTY_BODY] = {400, "empty_body"},
    [OUTCOME_BODY_NOT_ALLOWED] = {413, "body_not_allowed"},
    [OUTCOME_INVALID_PARAMETER] = {400, "invalid_parameter"},
    [OUTCOME_WRONG_TASK] = {400, "wrong_task"},
    [OUTCOME_UNAUTHORIZED] = {401, "unauthorized"},
    [OUTCOME_ORIGIN_NOT_ALLOWED] = {403, "origin_not_allowed"},
    [OUTCOME_NOT_FOUND] = {404, "not_found"},
    [OUTCOME_MODEL_NOT_FOUND] = {404, "model_not_found"},
    [OUTCOME_METHOD_NOT_ALLOWED] = {405, "method_not_allowed"},
    [OUTCOME_URI_TOO_LONG] = {414, "uri_too_long"},
    [OUTCOME_BODY_TOO_LARGE] = {413, "body_too_large"},
    [OUTCOME_BATCH_TOO_LARGE] = {413, "batch_too_large"},
    [OUTCOME_INVALID_IMAGE] = {400, "invalid_image"},
    [OUTCOME_UNSUPPORTED_MEDIA_TYPE] = {415, "unsupported_media_type"},
    [OUTCOME_IMAGE_TOO_LARGE] = {422, "image_too_large"},
    [OUTCOME_IMAGE_TOO_SMALL] = {422, "image_too_small"},
    [OUTCOME_IMAGE_TOO_COMPLEX] = {422, "image_too_complex"},
    [OUTCOME_OUT_OF_MEMORY] = {500, "out_of_memory"},
    [OUTCOME_INTERNAL] = {500, "internal"},
    [OUTCOME_BUSY] = {503, "busy"},
    [OUTCOME_OVERLOADED] = {503, "overloaded"},
    [OUTCOME_NOT_READY] = {503, "not_ready"},
    [OUTCOME_SHUTTING_DOWN] = {503, "shutting_down"},
};

static outcome known(outcome o)
{
    return (unsigned)o < OUTCOME_COUNT && answers[o].code ? o : OUTCOME_INTERNAL;
}

unsigned outcome_http_status(outcome o)
{
    return answers[known(o)].status;
}

const char *outcome_code(outcome o)
{
    return answers[known(o)].code;
}
