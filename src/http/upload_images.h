/* The body of POST /predict and /detect: one image (raw bytes of any
 * format image_decode reads), a multipart/form-data file field each, or
 * JSON {"image": "data:...;base64,..."} / {"images": [...]} (a batch). The
 * images stay in the body (or, from JSON, in r->predict.images). Called on
 * the request's libmicrohttpd thread, from the routes' hooks. */
#ifndef LOOKSLIKE_HTTP_UPLOAD_IMAGES_H
#define LOOKSLIKE_HTTP_UPLOAD_IMAGES_H

#include "http_request.h"

/* Before the body: r->kind from its media type; 415 answered for another. 0 or -1. */
int upload_begin(http_request *r, enum MHD_Result *answered);
/* The complete body's images as jobs (exchange_make_jobs, copying what
 * `copies` says); an error answered right away. 0 or -1. */
int upload_collect(http_request *r, unsigned copies, enum MHD_Result *answered);

#endif
