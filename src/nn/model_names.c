/* The names of the model's enums (model.h), as the cfg writes them and
 * messages show them: one table each. Apart from model.c so that a tool
 * writing cfgs (src/tflite/tflite_convert.c) needs nothing else of the model. */
#include "model.h"

static const char *const activation_names[] = {
    [ACT_LINEAR] = "linear", [ACT_RELU] = "relu", [ACT_RELU6] = "relu6", [ACT_LEAKY] = "leaky",
    [ACT_LOGISTIC] = "logistic", [ACT_RAMP] = "ramp", [ACT_MISH] = "mish", [ACT_SWISH] = "swish",
};

static const char *const task_names[] = {[NN_TASK_CLASSIFICATION] = "classification",
                                         [NN_TASK_DETECTION] = "detection"};

const char *nn_task_name(nn_task t)
{
    return task_names[t];
}

static const char *const preprocessing_names[] = {[NN_PREPROCESS_DARKNET] = "darknet",
                                                    [NN_PREPROCESS_TF_SLIM] = "tf_slim"};

const char *nn_preprocessing_name(nn_preprocessing p)
{
    return preprocessing_names[p];
}

const char *nn_activation_name(nn_activation a)
{
    return activation_names[a];
}

static const struct {
    const char *name;
    nn_layer_params params;
    nn_layer_keys keys;
} layer_kinds[] = {
#define NN_LAYER_KIND_INFO(KIND, name, params, keys) [LAYER_##KIND] = {#name, params, keys},
    NN_LAYER_KINDS(NN_LAYER_KIND_INFO)
#undef NN_LAYER_KIND_INFO
};

const char *nn_layer_kind_name(nn_layer_kind k)
{
    return layer_kinds[k].name;
}

nn_layer_params nn_layer_kind_params(nn_layer_kind k)
{
    return layer_kinds[k].params;
}

nn_layer_keys nn_layer_kind_keys(nn_layer_kind k)
{
    return layer_kinds[k].keys;
}

static const char *const quantized_kernels_names[] = {[NN_QUANTIZED_UINT8] = "uint8", [NN_QUANTIZED_INT8] = "int8"};

const char *nn_quantized_kernels_name(nn_quantized_kernels k)
{
    return quantized_kernels_names[k];
}
