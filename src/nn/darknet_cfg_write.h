/* A model written back as Darknet cfg text (darknet_cfg_write.c), in one of
 * two dialects:
 *  - lookslike's, which nn_model_parse_cfg reads back to the same model: the
 *    extension keys (preprocess, input_mean/input_scale, pad_mode=tf_same,
 *    the quantization keys of models/darknet-format.md), keys at their
 *    defaults left out. src/tflite/tflite_convert.c writes its cfgs so.
 *  - libdarknet's, for the darknet engine: no extension keys, every key
 *    written; TF "SAME" padding as the symmetric padding that keeps the
 *    shape (an approximation the engine warns about), relu6 as relu (the
 *    engine clamps).
 * Pure: no I/O, no global state; thread-safe. */
#ifndef LOOKSLIKE_NN_DARKNET_CFG_WRITE_H
#define LOOKSLIKE_NN_DARKNET_CFG_WRITE_H

#include <stddef.h>

#include "../text_buffer.h"
#include "model.h"

typedef enum {
    DARKNET_DIALECT_LOOKSLIKE,
    DARKNET_DIALECT_LIBDARKNET,
} darknet_dialect;

/* Appends m's cfg to out, from [net] on. 0, or -1 with err: a layer the
 * dialect cannot express (named by index and cfg line), or out of memory. */
int darknet_cfg_write(const nn_model *m, darknet_dialect d, text_buffer *out, char *err, size_t errlen);

#endif
