/* An Open Inference Protocol (KServe v2) inference request, decoded from its
 * body: one input, "image" (BYTES [N]: N encoded images, base64 strings in
 * the JSON or, with the binary tensor data extension, each a 4-byte
 * little-endian length and the bytes after the JSON header) or "pixels"
 * (UINT8 [N, H, W, 3]: N RGB frames, JSON numbers flat or nested, or raw
 * after the header); the outputs asked for, "probabilities" (with its
 * optional "classification" K) and "features", each with "binary_data"; the
 * request's "id" and its parameter "crop". The HTTP side (src/http/v2_route.c) receives the body and answers;
 * this is only the decoding. Pure; thread-safe. */
#ifndef LOOKSLIKE_BODY_INFER_REQUEST_H
#define LOOKSLIKE_BODY_INFER_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "../outcome.h"

#include "../image/preprocess.h"
#include "image_list.h"

#define INFER_INPUT_IMAGE "image"
#define INFER_INPUT_PIXELS "pixels"
#define INFER_OUTPUT_PROBABILITIES "probabilities"
#define INFER_OUTPUT_FEATURES "features"

/* An output as the request asks for it. */
typedef struct {
    int wanted;
    int classification; /* probabilities: K classes asked for, or 0: the probabilities */
    int binary; /* as binary data after the JSON header */
} infer_output;

typedef struct {
    image_list inputs; /* N encoded images, or N frames (inputs.pixels) */
    /* The outputs; a request that names none gets every output the model
     * has (the protocol's default), as JSON. */
    infer_output probabilities, features;
    crop_mode crop;
    char id[128]; /* the request's "id", echoed */
    int has_id;
} infer_request;

/* body[0, json_len) is the JSON, body[json_len, len) the binary section (json_len == len: none).
 * The inputs may point into body, which must outlive q. The memory it
 * allocates (inputs.owned) is at most len bytes. OUTCOME_OK, or OUTCOME_BAD_REQUEST
 * (not such a request, or data that does not fit it), OUTCOME_BATCH_TOO_LARGE,
 * OUTCOME_IMAGE_TOO_SMALL (a frame under min_side) or OUTCOME_OUT_OF_MEMORY
 * with the reason in err; on failure nothing is left to free. */
/* outputs: the model's probabilities; features: its features, 0 when it has none. */
outcome infer_request_parse(const uint8_t *body, size_t len, size_t json_len, int max_images, int min_side, int outputs,
                            int features, infer_request *q, char *err, size_t errlen);
void infer_request_free(infer_request *q);

#endif
