/* The inputs of one inference request, in order: N encoded images (any
 * format image_decode reads) or N RGB frames of one size, each where it lies:
 * in the request's body, or in what decoding the body produced (owned). Made
 * by the body decoders (body_decode.c for /predict's JSON, infer_request.c for
 * the Open Inference Protocol) or by the HTTP side over a raw or multipart
 * body; the exchange makes one job of each. Plain data; not thread-safe. */
#ifndef LOOKSLIKE_BODY_IMAGE_LIST_H
#define LOOKSLIKE_BODY_IMAGE_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "../outcome.h"

/* The most images one request may carry, whatever --max-batch says. */
#define BODY_MAX_IMAGES 256

typedef struct {
    int count;
    const uint8_t *data[BODY_MAX_IMAGES]; /* image i: data[i], length[i] bytes */
    size_t length[BODY_MAX_IMAGES];
    int pixels; /* 1: RGB frames of width x height (length width * height * 3); 0: encoded images */
    int width, height;
    uint8_t *owned; /* what decoding produced, or NULL; image_list_free frees it */
} image_list;

/* n base64 texts (RFC 4648, padding optional), decoded back to back into one
 * owned buffer (3/4 of the texts' length) and listed. OUTCOME_OK, or
 * OUTCOME_BAD_REQUEST (an empty text, or one not base64: "image I: ..." in
 * err, I counted from 0) or OUTCOME_OUT_OF_MEMORY; on failure nothing is left
 * to free. */
outcome image_list_from_base64(image_list *l, const char *const *text, int n, char *err, size_t errlen);
void image_list_free(image_list *l);

/* Standard base64 (RFC 4648, padding optional). Returns the decoded length, or
 * -1 on a character outside the alphabet or a misplaced '='. out must hold
 * 3 * (len / 4) + 3 bytes. */
long base64_decode(const char *in, size_t len, uint8_t *out);

#endif
