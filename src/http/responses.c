#include "responses.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../json_text.h"
#include "http_request.h"
#include "request_id.h"

/* On an API route, to an allowed origin: who may read the response. */
static void add_cors_headers(const http_request *r, struct MHD_Response *resp)
{
    if (!r->cors_origin)
        return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->cors_origin);
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
    if (strcmp(r->cors_origin, "*")) /* the answer depends on the Origin: caches must know */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
}

enum MHD_Result respond_queue(http_request *r, unsigned status, struct MHD_Response *resp)
{
    if (r->request_id[0])
        MHD_add_response_header(resp, REQUEST_ID_HEADER, r->request_id);
    if (server_draining(r->server)) /* shutting down: no further requests on this connection */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    add_cors_headers(r, resp);
    r->status = (int)status;
    enum MHD_Result rc = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

enum MHD_Result respond_json(http_request *r, unsigned status, const char *json, const char *extra_header,
                             const char *extra_value)
{
    return respond_body(r, status, "application/json", json, strlen(json), extra_header, extra_value);
}

enum MHD_Result respond_body(http_request *r, unsigned status, const char *content_type, const void *body, size_t len,
                             const char *extra_header, const char *extra_value)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (extra_header)
        MHD_add_response_header(resp, extra_header, extra_value);
    return respond_queue(r, status, resp);
}

enum MHD_Result respond_cjson(http_request *r, unsigned status, cJSON *root, const char *extra_header,
                              const char *extra_value)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return MHD_NO;
    enum MHD_Result rc = respond_json(r, status, text, extra_header, extra_value);
    cJSON_free(text);
    return rc;
}

static enum MHD_Result error_with_header(http_request *r, outcome o, const char *message, const char *header,
                                         const char *value)
{
    /* Messages quote what the client sent: escaped as json_text.h says, the
     * body is valid JSON and UTF-8 whatever those bytes were. The request's
     * id is sane (request_id.h): as it is. */
    char text[512 * 6 + 1], body[sizeof text + REQUEST_ID_SIZE + 128];
    json_escape(message, text, sizeof text);
    if (r->v2_error_form) /* the Open Inference Protocol's form, and the id */
        snprintf(body, sizeof body, "{\"error\":\"%s\",\"request_id\":\"%s\"}", text, r->request_id);
    else
        snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"request_id\":\"%s\"}}",
                 outcome_code(o), text, r->request_id);
    return respond_json(r, outcome_http_status(o), body, header, value);
}

enum MHD_Result respond_error(http_request *r, outcome o, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (outcome_http_status(o) == MHD_HTTP_SERVICE_UNAVAILABLE)
        return error_with_header(r, o, message, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return error_with_header(r, o, message, NULL, NULL);
}

enum MHD_Result respond_not_found(http_request *r, const char *url)
{
    return respond_error(r, OUTCOME_NOT_FOUND, "no such resource: %.200s", url);
}

enum MHD_Result respond_model_not_found(http_request *r, const char *name)
{
    return respond_error(r, OUTCOME_MODEL_NOT_FOUND, "no model named '%.64s' is served", name);
}

enum MHD_Result respond_method_not_allowed(http_request *r, const char *allow)
{
    char message[128];
    snprintf(message, sizeof message, "%s is not allowed here; use %s", r->method, allow);
    return error_with_header(r, OUTCOME_METHOD_NOT_ALLOWED, message, MHD_HTTP_HEADER_ALLOW, allow);
}

enum MHD_Result respond_unauthorized(http_request *r)
{
    return error_with_header(r, OUTCOME_UNAUTHORIZED, "this route needs an API key: send 'Authorization: Bearer KEY'",
                             MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"lookslike\"");
}

enum MHD_Result respond_preflight(http_request *r)
{
    if (!r->cors_origin)
        return respond_error(r, OUTCOME_ORIGIN_NOT_ALLOWED, "this origin may not call the API (see --cors-origin)");
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
    MHD_add_response_header(resp, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    MHD_add_response_header(resp, "Access-Control-Max-Age", CORS_MAX_AGE);
    return respond_queue(r, MHD_HTTP_NO_CONTENT, resp);
}
