/* The images of an upload to POST /predict or /detect (upload_images.h). */
#include "upload_images.h"

#include "../image/image_decode.h"
#include "inference_exchange.h"
#include "responses.h"

int upload_begin(http_request *r, enum MHD_Result *answered)
{
    const char *type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    r->kind = body_kind_of(type);
    if (r->kind == BODY_KIND_UNSUPPORTED) {
        *answered = respond_error(r, OUTCOME_UNSUPPORTED_MEDIA_TYPE,
                                  "send an image (%s), multipart/form-data with an image file, or application/json "
                                  "{\"image\": \"data:image/png;base64,...\"}; got %.80s",
                                  image_accepted_types(), type ? type : "no Content-Type");
        return -1;
    }
    return 0;
}

/* The images of a complete body, as jobs; an error is answered right away. */
int upload_collect(http_request *r, unsigned copies, enum MHD_Result *answered)
{
    image_list *l = &r->predict.images;
    if (r->kind == BODY_KIND_MULTIPART) {
        if (r->file_parts == 0) {
            *answered = respond_error(r, OUTCOME_BAD_MULTIPART, "no file field in the form");
            return -1;
        }
        r->predict.batch = r->file_parts > 1;
        l->count = r->file_parts;
        for (int i = 0; i < l->count; i++) {
            size_t end = i + 1 < l->count ? r->part_start[i + 1] : r->body_len;
            l->data[i] = r->body + r->part_start[i];
            l->length[i] = end - r->part_start[i];
        }
    } else if (r->kind == BODY_KIND_JSON) {
        if (exchange_reserve_decoding(r, r->body_len, answered) < 0)
            return -1;
        char err[256];
        outcome o = body_images_from_json((const char *)r->body, r->body_len, server_config(r->server)->max_batch, l,
                                          &r->predict.batch, err, sizeof err);
        if (o != OUTCOME_OK) {
            *answered = respond_error(r, o, "%s", err);
            return -1;
        }
    } else {
        if (r->body_len == 0) {
            *answered = respond_error(r, OUTCOME_EMPTY_BODY, "no image in the request body");
            return -1;
        }
        l->count = 1;
        l->data[0] = r->body;
        l->length[0] = r->body_len;
    }
    if (exchange_make_jobs(r, l, copies) == 0)
        return 0;
    *answered = respond_error(r, OUTCOME_OUT_OF_MEMORY, "cannot hold the request's jobs");
    return -1;
}

