/* Fuzz target: the Darknet cfg parser and weights loader. Input = a 2-byte
 * little-endian cfg length, the cfg text, then the weights file bytes. */
#include <stdint.h>
#include <string.h>

#include "nn/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cfg_len = (size_t)data[0] | (size_t)data[1] << 8;
    if (cfg_len > size - 2)
        cfg_len = size - 2;
    const char *cfg = (const char *)data + 2;
    char err[NN_ERR_LEN];
    nn_model m;
    if (nn_model_parse_cfg(&m, cfg, cfg_len, "fuzz.cfg", err, sizeof err) == 0) {
        /* The weights must fit exactly, so give the parser the bytes that remain. */
        nn_model_read_weights(&m, data + 2 + cfg_len, size - 2 - cfg_len, "fuzz.weights", err, sizeof err);
        nn_model_free(&m);
    }
    return 0;
}
