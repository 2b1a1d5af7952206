/* The body of POST /predict and /detect: one image (raw bytes of any
 * format image_decode reads), a multipart/form-data file field each, or
 * JSON {"image": "data:...;base64,..."} / {"images": [...]} (a batch). The
 * images stay in the body (or, from JSON, in r->predict.images). Called on
 * the request's libmicrohttpd thread, from the routes' hooks; their answers in
 * one shape for both (upload_respond). */
#ifndef LOOKSLIKE_HTTP_UPLOAD_IMAGES_H
#define LOOKSLIKE_HTTP_UPLOAD_IMAGES_H

#include "http_request.h"

/* Before the body: r->kind from its media type; 415 answered for another. 0 or -1. */
int upload_begin(http_request *r, enum MHD_Result *answered);
/* The complete body's images as jobs (exchange_make_jobs, copying what
 * `copies` says); an error answered right away. 0 or -1. */
int upload_collect(http_request *r, unsigned copies, enum MHD_Result *answered);

/* Every job done: one image's answer (answer(r, job)), or a batch's
 * {"results": [...]} with each image's answer or error object in order; an
 * image's error is the request's answer when it was sent alone. answer
 * returns NULL when out of memory. */
enum MHD_Result upload_respond(http_request *r, cJSON *(*answer)(const http_request *r, const inference_job *j));

#endif
