/* Request body decoding: what the client sent (a media type and a body) -> the
 * encoded image bytes to classify. Transport details (streaming, multipart framing)
 * stay in src/http; image decoding stays in src/image. */
#ifndef LOOKSLIKE_BODY_BODY_DECODE_H
#define LOOKSLIKE_BODY_BODY_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "../outcome.h"
#include "image_list.h"

typedef enum {
    BODY_KIND_IMAGE, /* an accepted image type (or application/octet-stream): the body is the image */
    BODY_KIND_JSON, /* application/json: {"image": "data:image/png;base64,..."} */
    BODY_KIND_MULTIPART, /* multipart/form-data with the image in a file field */
    BODY_KIND_UNSUPPORTED,
} body_kind;

/* Classifies a Content-Type header value (NULL when absent); parameters such
 * as "; charset=" or "; boundary=" are ignored here. */
body_kind body_kind_of(const char *content_type);

/* Whether a multipart file part with this Content-Type (NULL when absent) may hold an image:
 * an accepted image type (image_media_type: the decoded formats' and their aliases) or application/octet-stream. */
int part_type_acceptable(const char *content_type);

/* Extracts and base64-decodes the images of a JSON body, {"image": "..."} or
 * {"images": ["...", ...]} (at most max_images), each a data URL of an
 * accepted image type or bare base64, into out (image_list_free it); *batch:
 * 1 for the list form, answered as a list even of one. OUTCOME_OK, or OUTCOME_BAD_REQUEST
 * (malformed JSON, base64 or data URL), OUTCOME_UNSUPPORTED_MEDIA_TYPE,
 * OUTCOME_BATCH_TOO_LARGE or OUTCOME_OUT_OF_MEMORY with the reason in err;
 * on failure nothing is left to free. */
outcome body_images_from_json(const char *body, size_t len, int max_images, image_list *out, int *batch, char *err,
                              size_t errlen);

#endif
