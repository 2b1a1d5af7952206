/* Fuzz target: the TFLite converter (src/tflite/tflite_convert.h) and its
 * FlatBuffers reader on a whole .tflite file. A conversion either refuses
 * with a message or gives a cfg and a weights image, which the model loader
 * must then take or refuse (never crash on): a converted model is what a
 * user drops into --model-dir. */
#include <stdint.h>
#include <string.h>

#include "nn/model.h"
#include "tflite_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tflite_file file = {"fuzz.tflite", data, size};
    tflite_converted out;
    char err[512];
    if (tflite_convert(&file, 1, &out, err, sizeof err) < 0) {
        if (!err[0] || !memchr(err, '\0', sizeof err))
            __builtin_trap(); /* a refusal says why */
        return 0;
    }
    nn_model m;
    memset(&m, 0, sizeof m);
    if (nn_model_parse_cfg(&m, out.cfg, out.cfg_len, "fuzz.cfg", err, sizeof err) == 0) {
        nn_model_read_weights(&m, out.weights, out.weights_len, "fuzz.weights", err, sizeof err);
        nn_model_free(&m);
    }
    tflite_converted_free(&out);
    return 0;
}
