/* The images of an upload to POST /predict or /detect, and the shape of
 * their answers (upload_images.h). */
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


enum MHD_Result upload_respond(http_request *r, cJSON *(*answer)(const http_request *r, const inference_job *j))
{
    if (!r->predict.batch) {
        const inference_job *j = &r->jobs[0];
        if (j->status)
            return respond_error(r, j->status, "%s", j->error);
        cJSON *one = answer(r, j);
        return one ? respond_cjson(r, MHD_HTTP_OK, one, NULL, NULL)
                   : respond_error(r, OUTCOME_OUT_OF_MEMORY, "cannot write the answer");
    }
    cJSON *root = cJSON_CreateObject(), *results = cJSON_AddArrayToObject(root, "results");
    for (int i = 0; i < r->job_count; i++) {
        const inference_job *j = &r->jobs[i];
        cJSON *item = j->status ? cJSON_CreateObject() : answer(r, j);
        if (!item) {
            cJSON_Delete(root);
            return respond_error(r, OUTCOME_OUT_OF_MEMORY, "cannot write the answer");
        }
        if (j->status) {
            cJSON *err = cJSON_AddObjectToObject(item, "error");
            cJSON_AddStringToObject(err, "code", outcome_code(j->status));
            cJSON_AddStringToObject(err, "message", j->error);
            cJSON_AddNumberToObject(err, "status", outcome_http_status(j->status));
        }
        cJSON_AddItemToArray(results, item);
    }
    return respond_cjson(r, MHD_HTTP_OK, root, NULL, NULL);
}
