#include "tflite_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field indices from TensorFlow Lite's schema.fbs (schema version 3). */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED_BUILTIN = 0, OPCODE_CUSTOM = 1, OPCODE_BUILTIN = 3 };
enum { SUBGRAPH_TENSORS = 0, SUBGRAPH_INPUTS = 1, SUBGRAPH_OUTPUTS = 2, SUBGRAPH_OPERATORS = 3 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3, TENSOR_QUANT = 4 };
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DIMENSION = 6 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS = 4 };
enum { BUFFER_DATA = 0 };

const char *tfl_op_name(int builtin)
{
    switch (builtin) {
    case TFL_OP_ADD: return "ADD";
    case TFL_OP_AVERAGE_POOL_2D: return "AVERAGE_POOL_2D";
    case 2: return "CONCATENATION";
    case TFL_OP_CONV_2D: return "CONV_2D";
    case TFL_OP_DEPTHWISE_CONV_2D: return "DEPTHWISE_CONV_2D";
    case 6: return "DEQUANTIZE";
    case TFL_OP_FULLY_CONNECTED: return "FULLY_CONNECTED";
    case 14: return "LOGISTIC";
    case TFL_OP_MAX_POOL_2D: return "MAX_POOL_2D";
    case 18: return "MUL";
    case 19: return "RELU";
    case 21: return "RELU6";
    case TFL_OP_RESHAPE: return "RESHAPE";
    case TFL_OP_SOFTMAX: return "SOFTMAX";
    case 34: return "PAD";
    case TFL_OP_MEAN: return "MEAN";
    case TFL_OP_QUANTIZE: return "QUANTIZE";
    default: return "builtin operator";
    }
}

size_t tfl_tensor_elements(const tfl_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndims; i++)
        n *= (size_t)t->dims[i];
    return n;
}

static int element_size(int type)
{
    switch (type) {
    case TFL_FLOAT32: return 4;
    case TFL_INT32: return 4;
    case TFL_UINT8: return 1;
    case TFL_INT8: return 1;
    default: return 0;
    }
}

float tfl_tensor_scale(const tfl_tensor *t, int channel)
{
    size_t i = t->nscales == 1 ? 0 : (size_t)channel;
    float f;
    memcpy(&f, t->scales + 4 * i, 4);
    return f;
}

int64_t tfl_tensor_zero_point(const tfl_tensor *t, int channel)
{
    size_t i = t->nscales == 1 ? 0 : (size_t)channel;
    int64_t z;
    memcpy(&z, t->zero_points + 8 * i, 8);
    return z;
}

double tfl_tensor_value(const tfl_tensor *t, size_t i, int channel)
{
    const uint8_t *p = t->data;
    double q;
    switch (t->type) {
    case TFL_FLOAT32: {
        float f;
        memcpy(&f, p + 4 * i, 4);
        return f;
    }
    case TFL_INT32: {
        int32_t v;
        memcpy(&v, p + 4 * i, 4);
        q = v;
        break;
    }
    case TFL_UINT8: q = p[i]; break;
    case TFL_INT8: q = (int8_t)p[i]; break;
    default: return 0.0;
    }
    if (t->nscales == 0) /* plain integers, e.g. a shape */
        return q;
    return (double)tfl_tensor_scale(t, channel) * (q - (double)tfl_tensor_zero_point(t, channel));
}

static int fail(char *err, size_t errlen, const char *msg, long detail)
{
    snprintf(err, errlen, msg, detail);
    return -1;
}

static int read_int_vector(fb_buffer *fb, fb_pos table, int field, int *out, int cap, int *count)
{
    size_t n;
    fb_pos v = fb_vector(fb, table, field, 4, &n);
    if (n > (size_t)cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (int)fb_read_int(fb, v + 4 * i, 4);
    *count = (int)n;
    return 0;
}

static int parse_tensor(tfl_model *m, fb_pos t, fb_pos buffers, size_t nbuffers, tfl_tensor *out,
                        char *err, size_t errlen)
{
    fb_buffer *fb = &m->fb;
    if (read_int_vector(fb, t, TENSOR_SHAPE, out->dims, TFL_MAX_DIMS, &out->ndims) < 0)
        return fail(err, errlen, "tensor with more than %ld dimensions", TFL_MAX_DIMS);
    size_t elements = 1; /* bounded as it grows, so the product cannot wrap */
    for (int i = 0; i < out->ndims; i++) {
        if (out->dims[i] <= 0 || out->dims[i] > (1 << 20))
            return fail(err, errlen, "tensor dimension %ld out of range", out->dims[i]);
        elements *= (size_t)out->dims[i];
        if (elements > TFL_MAX_ELEMENTS)
            return fail(err, errlen, "tensor of more than %ld elements", (long)TFL_MAX_ELEMENTS);
    }
    out->type = (int)fb_int(fb, t, TENSOR_TYPE, 1, 0);
    fb_string(fb, t, TENSOR_NAME, out->name, sizeof out->name);

    fb_pos q = fb_table(fb, t, TENSOR_QUANT);
    size_t nscale = 0, nzero = 0;
    fb_pos scales = fb_vector(fb, q, QUANT_SCALE, 4, &nscale);
    fb_pos zeros = fb_vector(fb, q, QUANT_ZERO_POINT, 8, &nzero);
    if (nscale != nzero)
        return fail(err, errlen, "tensor quantisation has %ld scales but a different number of zero points",
                    (long)nscale);
    out->nscales = nscale;
    out->scales = nscale ? fb->data + scales : NULL;
    out->zero_points = nzero ? fb->data + zeros : NULL;
    out->quantized_dimension = (int)fb_int(fb, q, QUANT_DIMENSION, 4, 0);

    size_t b = (size_t)fb_uint(fb, t, TENSOR_BUFFER, 4, 0);
    if (b >= nbuffers)
        return fail(err, errlen, "tensor refers to buffer %ld, which does not exist", (long)b);
    size_t len;
    fb_pos data = fb_vector(fb, fb_vector_table(fb, buffers, b), BUFFER_DATA, 1, &len);
    out->data = len ? fb->data + data : NULL;
    out->data_size = len;
    if (out->data) {
        int es = element_size(out->type);
        if (es == 0)
            return fail(err, errlen, "constant tensor of unsupported element type %ld", out->type);
        if (len != tfl_tensor_elements(out) * (size_t)es)
            return fail(err, errlen, "constant tensor holds %ld bytes, not what its shape needs", (long)len);
        if ((out->type == TFL_UINT8 || out->type == TFL_INT8) && nscale == 0)
            return fail(err, errlen, "8-bit constant tensor without quantisation (type %ld)", out->type);
        if (nscale > 1) {
            int qd = out->quantized_dimension;
            if (qd < 0 || qd >= out->ndims || (size_t)out->dims[qd] != nscale)
                return fail(err, errlen, "per-channel quantisation does not match dimension %ld", qd);
        }
    }
    return 0;
}

static void parse_options(fb_buffer *fb, fb_pos o, tfl_op *op)
{
    op->stride_w = op->stride_h = op->dilation_w = op->dilation_h = 1;
    op->depth_multiplier = 1;
    op->beta = 1.0f;
    switch (op->builtin) {
    case TFL_OP_CONV_2D:
        op->padding = (int)fb_int(fb, o, 0, 1, 0);
        op->stride_w = (int)fb_int(fb, o, 1, 4, 0);
        op->stride_h = (int)fb_int(fb, o, 2, 4, 0);
        op->activation = (int)fb_int(fb, o, 3, 1, 0);
        op->dilation_w = (int)fb_int(fb, o, 4, 4, 1);
        op->dilation_h = (int)fb_int(fb, o, 5, 4, 1);
        break;
    case TFL_OP_DEPTHWISE_CONV_2D:
        op->padding = (int)fb_int(fb, o, 0, 1, 0);
        op->stride_w = (int)fb_int(fb, o, 1, 4, 0);
        op->stride_h = (int)fb_int(fb, o, 2, 4, 0);
        op->depth_multiplier = (int)fb_int(fb, o, 3, 4, 0);
        op->activation = (int)fb_int(fb, o, 4, 1, 0);
        op->dilation_w = (int)fb_int(fb, o, 5, 4, 1);
        op->dilation_h = (int)fb_int(fb, o, 6, 4, 1);
        break;
    case TFL_OP_AVERAGE_POOL_2D:
    case TFL_OP_MAX_POOL_2D:
        op->padding = (int)fb_int(fb, o, 0, 1, 0);
        op->stride_w = (int)fb_int(fb, o, 1, 4, 0);
        op->stride_h = (int)fb_int(fb, o, 2, 4, 0);
        op->filter_w = (int)fb_int(fb, o, 3, 4, 0);
        op->filter_h = (int)fb_int(fb, o, 4, 4, 0);
        op->activation = (int)fb_int(fb, o, 5, 1, 0);
        break;
    case TFL_OP_ADD:
        op->activation = (int)fb_int(fb, o, 0, 1, 0);
        break;
    case TFL_OP_SOFTMAX:
        op->beta = fb_float(fb, o, 0, 0.0f);
        break;
    case TFL_OP_FULLY_CONNECTED:
        op->activation = (int)fb_int(fb, o, 0, 1, 0);
        op->weights_format = (int)fb_int(fb, o, 1, 1, 0);
        op->keep_dims = (int)fb_int(fb, o, 2, 1, 0);
        break;
    case TFL_OP_MEAN:
        op->keep_dims = (int)fb_int(fb, o, 0, 1, 0);
        break;
    default:
        break;
    }
}

static int parse_operator(tfl_model *m, fb_pos o, fb_pos opcodes, size_t nopcodes, tfl_op *op, char *err,
                          size_t errlen)
{
    fb_buffer *fb = &m->fb;
    size_t code_index = (size_t)fb_uint(fb, o, OP_OPCODE, 4, 0);
    if (code_index >= nopcodes)
        return fail(err, errlen, "operator refers to operator code %ld, which does not exist", (long)code_index);
    fb_pos oc = fb_vector_table(fb, opcodes, code_index);
    if (fb_has(fb, oc, OPCODE_CUSTOM)) {
        op->builtin = -1;
        fb_string(fb, oc, OPCODE_CUSTOM, op->custom, sizeof op->custom);
    } else {
        /* Newer files keep codes above 127 in builtin_code; the old byte saturates at 127. */
        int64_t old = fb_int(fb, oc, OPCODE_DEPRECATED_BUILTIN, 1, 0);
        int64_t now = fb_int(fb, oc, OPCODE_BUILTIN, 4, 0);
        op->builtin = (int)(now > old ? now : old);
    }
    if (read_int_vector(fb, o, OP_INPUTS, op->inputs, 4, &op->ninputs) < 0 ||
        read_int_vector(fb, o, OP_OUTPUTS, op->outputs, 2, &op->noutputs) < 0)
        return fail(err, errlen, "operator with more than %ld inputs or 2 outputs", 4);
    for (int i = 0; i < op->ninputs; i++)
        if (op->inputs[i] < -1 || (size_t)op->inputs[i] >= m->ntensors)
            return fail(err, errlen, "operator input tensor %ld does not exist", op->inputs[i]);
    for (int i = 0; i < op->noutputs; i++)
        if (op->outputs[i] < 0 || (size_t)op->outputs[i] >= m->ntensors)
            return fail(err, errlen, "operator output tensor %ld does not exist", op->outputs[i]);
    parse_options(fb, fb_table(fb, o, OP_OPTIONS), op);
    return 0;
}

int tfl_model_parse(tfl_model *m, const uint8_t *data, size_t size, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->fb.data = data;
    m->fb.size = size;
    fb_buffer *fb = &m->fb;
    if (size < 8 || memcmp(data + 4, "TFL3", 4) != 0)
        return fail(err, errlen, "not a TFLite file (no TFL3 identifier)", 0);
    fb_pos root = fb_root(fb);
    uint32_t version = (uint32_t)fb_uint(fb, root, MODEL_VERSION, 4, 0);
    if (version != 3)
        return fail(err, errlen, "unsupported TFLite schema version %ld", (long)version);

    size_t nopcodes, nsubgraphs, nbuffers, ntensors, nops, nin, nout;
    fb_pos opcodes = fb_vector(fb, root, MODEL_OPCODES, 4, &nopcodes);
    fb_pos subgraphs = fb_vector(fb, root, MODEL_SUBGRAPHS, 4, &nsubgraphs);
    fb_pos buffers = fb_vector(fb, root, MODEL_BUFFERS, 4, &nbuffers);
    if (nsubgraphs != 1)
        return fail(err, errlen, "expected exactly one subgraph, found %ld", (long)nsubgraphs);
    fb_pos sg = fb_vector_table(fb, subgraphs, 0);
    fb_pos tensors = fb_vector(fb, sg, SUBGRAPH_TENSORS, 4, &ntensors);
    fb_pos ops = fb_vector(fb, sg, SUBGRAPH_OPERATORS, 4, &nops);
    fb_pos ins = fb_vector(fb, sg, SUBGRAPH_INPUTS, 4, &nin);
    fb_pos outs = fb_vector(fb, sg, SUBGRAPH_OUTPUTS, 4, &nout);
    if (fb->failed)
        return fail(err, errlen, "truncated or corrupt flatbuffer", 0);
    if (nin != 1 || nout != 1)
        return fail(err, errlen, "expected one graph input and one output, found %ld inputs", (long)nin);

    m->ntensors = ntensors;
    m->nops = nops;
    m->tensors = calloc(ntensors ? ntensors : 1, sizeof *m->tensors);
    m->ops = calloc(nops ? nops : 1, sizeof *m->ops);
    if (!m->tensors || !m->ops)
        return fail(err, errlen, "out of memory", 0);
    for (size_t i = 0; i < ntensors; i++)
        if (parse_tensor(m, fb_vector_table(fb, tensors, i), buffers, nbuffers, &m->tensors[i], err, errlen) < 0)
            return -1;
    for (size_t i = 0; i < nops; i++)
        if (parse_operator(m, fb_vector_table(fb, ops, i), opcodes, nopcodes, &m->ops[i], err, errlen) < 0)
            return -1;
    m->input = (int)fb_read_int(fb, ins, 4);
    m->output = (int)fb_read_int(fb, outs, 4);
    if (fb->failed)
        return fail(err, errlen, "truncated or corrupt flatbuffer", 0);
    if (m->input < 0 || (size_t)m->input >= ntensors || m->output < 0 || (size_t)m->output >= ntensors)
        return fail(err, errlen, "graph input or output tensor %ld does not exist", m->input);
    return 0;
}

void tfl_model_free(tfl_model *m)
{
    free(m->tensors);
    free(m->ops);
    memset(m, 0, sizeof *m);
}
