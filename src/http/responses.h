/* Answers to a request, queued with libmicrohttpd (responses.c): JSON,
 * any body, errors in the service's form or the Open Inference Protocol's
 * (r->v2_error_form), and the standard refusals. Each records r->status. Called
 * on the request's libmicrohttpd thread. */
#ifndef LOOKSLIKE_HTTP_RESPONSES_H
#define LOOKSLIKE_HTTP_RESPONSES_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stddef.h>

#include "../outcome.h"
#include "http_request.h"

/* Responses (responses.c). Each records r->status. */
/* Every response goes through here: the request's X-Request-ID, the CORS
 * headers, Connection: close while draining; queued, and resp released. */
enum MHD_Result respond_queue(http_request *r, unsigned status, struct MHD_Response *resp);
enum MHD_Result respond_json(http_request *r, unsigned status, const char *json, const char *extra_header,
                             const char *extra_value);
/* Any body (copied), with its media type. */
enum MHD_Result respond_body(http_request *r, unsigned status, const char *content_type, const void *body, size_t len,
                             const char *extra_header, const char *extra_value);
/* Sends root as JSON and frees it. */
enum MHD_Result respond_cjson(http_request *r, unsigned status, cJSON *root, const char *extra_header,
                              const char *extra_value);
/* An error: its status and code from the one table (outcome.h), the
 * message formatted; 503s say Retry-After: 1. */
enum MHD_Result respond_error(http_request *r, outcome o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum MHD_Result respond_method_not_allowed(http_request *r, const char *allow);
/* 404 not_found: nothing at this path. */
enum MHD_Result respond_not_found(http_request *r, const char *url);
/* 404 model_not_found: no served model has this name (?model=, a v2 path). */
enum MHD_Result respond_model_not_found(http_request *r, const char *name);
/* 401 with WWW-Authenticate: Bearer, for a missing or wrong API key. */
enum MHD_Result respond_unauthorized(http_request *r);
/* A CORS preflight: 204 with the Access-Control-Allow-* headers if
 * r->cors_origin is set, else 403. */
enum MHD_Result respond_preflight(http_request *r);

#endif
