/* Fuzz target: Open Inference Protocol request decoding (src/body/infer_request.c).
 * Input = 2 bytes: the JSON header's length, 15 bits little-endian (0: the
 * whole body is JSON, as without Inference-Header-Content-Length), and in
 * the top bit whether the model is a detector (its outputs and parameters)
 * or a classifier; then the body. */
#include <stddef.h>
#include <stdint.h>

#include "body/infer_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const infer_model classifier = {.outputs = 1u << INFER_PROBABILITIES | 1u << INFER_FEATURES | INFER_HEATMAP_OUTPUTS,
                                          .classes = 1001, .on_request = INFER_HEATMAP_OUTPUTS, .most_maps = 20};
    static const infer_model detector_model = {.outputs = 1u << INFER_BOXES | 1u << INFER_SCORES | 1u << INFER_CLASSES |
                                                      1u << INFER_LABELS | 1u << INFER_COUNT,
                                           .classes = 80, .detector = 1};
    size_t header = (size_t)data[0] | (size_t)(data[1] & 0x7f) << 8;
    const infer_model *m = data[1] & 0x80 ? &detector_model : &classifier;
    const uint8_t *body = data + 2;
    size_t len = size - 2;
    infer_request q;
    char err[256];
    if (infer_request_parse(body, len, header ? header : len, 8, 16, m, &q, err, sizeof err) == OUTCOME_OK) {
        volatile uint8_t sum = 0; /* every image's bytes are readable */
        for (int i = 0; i < q.inputs.count; i++)
            for (size_t j = 0; j < q.inputs.length[i]; j++)
                sum += q.inputs.data[i][j];
        infer_request_free(&q);
    }
    return 0;
}
