/* Fuzz target: Open Inference Protocol request decoding (src/body/infer_request.c).
 * Input = 2 bytes little-endian JSON header length (0: the whole body is
 * JSON, as without Inference-Header-Content-Length), then the body. */
#include <stddef.h>
#include <stdint.h>

#include "body/infer_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t header = (size_t)data[0] | (size_t)data[1] << 8;
    const uint8_t *body = data + 2;
    size_t len = size - 2;
    infer_request q;
    char err[256];
    if (infer_request_parse(body, len, header ? header : len, 8, 16, 1001, 1024, &q, err, sizeof err) == OUTCOME_OK) {
        volatile uint8_t sum = 0; /* every image's bytes are readable */
        for (int i = 0; i < q.inputs.count; i++)
            for (size_t j = 0; j < q.inputs.length[i]; j++)
                sum += q.inputs.data[i][j];
        infer_request_free(&q);
    }
    return 0;
}
