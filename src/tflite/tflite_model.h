/* The parts of a TFLite model (schema v3) that a converter needs: tensors with
 * their quantisation and constant data, and operators in execution order. */
#ifndef LOOKSLIKE_TFLITE_MODEL_H
#define LOOKSLIKE_TFLITE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "flatbuffer.h"

enum { TFL_FLOAT32 = 0, TFL_INT32 = 2, TFL_UINT8 = 3, TFL_INT8 = 9 };

enum {
    TFL_OP_ADD = 0,
    TFL_OP_AVERAGE_POOL_2D = 1,
    TFL_OP_CONV_2D = 3,
    TFL_OP_DEPTHWISE_CONV_2D = 4,
    TFL_OP_FULLY_CONNECTED = 9,
    TFL_OP_MAX_POOL_2D = 17,
    TFL_OP_RESHAPE = 22,
    TFL_OP_SOFTMAX = 25,
    TFL_OP_MEAN = 40,
    TFL_OP_QUANTIZE = 114,
};

enum { TFL_ACT_NONE = 0, TFL_ACT_RELU = 1, TFL_ACT_RELU6 = 3 };
enum { TFL_PAD_SAME = 0, TFL_PAD_VALID = 1 };

#define TFL_MAX_DIMS 6
/* No tensor of a model this converter takes comes near; the bound keeps sizes from wrapping. */
#define TFL_MAX_ELEMENTS (1L << 31)

typedef struct {
    char name[96];
    int type;
    int ndims;
    int dims[TFL_MAX_DIMS];
    const uint8_t *data; /* constant data, NULL for activations */
    size_t data_size;
    size_t nscales; /* 0 when not quantised */
    const uint8_t *scales; /* little-endian float32 [nscales] */
    const uint8_t *zero_points; /* little-endian int64 [nscales] */
    int quantized_dimension;
} tfl_tensor;

typedef struct {
    int builtin; /* TFL_OP_* or another builtin code, -1 for custom */
    char custom[64];
    int ninputs, noutputs;
    int inputs[4];
    int outputs[2];
    /* options, already decoded for the operators we convert */
    int padding, stride_w, stride_h, dilation_w, dilation_h;
    int filter_w, filter_h, depth_multiplier, activation;
    float beta;
    int keep_dims; /* MEAN, FULLY_CONNECTED (keep_num_dims) */
    int weights_format; /* FULLY_CONNECTED: 0 is the plain [outputs][inputs] */
} tfl_op;

typedef struct {
    fb_buffer fb;
    size_t ntensors, nops;
    tfl_tensor *tensors;
    tfl_op *ops;
    int input, output; /* the subgraph's single input and output tensor */
} tfl_model;

/* Parses a whole TFLite file held in memory (which must outlive the model).
 * Returns 0, or -1 with a message in err. */
int tfl_model_parse(tfl_model *m, const uint8_t *data, size_t size, char *err, size_t errlen);
void tfl_model_free(tfl_model *m);

const char *tfl_op_name(int builtin);
size_t tfl_tensor_elements(const tfl_tensor *t);
/* The dequantised value of element i of a constant tensor: scale * (q - zero_point). */
double tfl_tensor_value(const tfl_tensor *t, size_t i, int channel);
float tfl_tensor_scale(const tfl_tensor *t, int channel);
int64_t tfl_tensor_zero_point(const tfl_tensor *t, int channel);

#endif
