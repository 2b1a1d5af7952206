/* Per-layer-kind parsing of Darknet cfg sections into nn_layer (darknet_*_layer(s).c;
 * the forward passes are the engines'), internal to src/nn.
 * Each parser receives the layer with `in` already set to its input shape and
 * must fill `out` and every field its kind uses, rejecting what it cannot run. */
#ifndef LOOKSLIKE_NN_DARKNET_LAYERS_H
#define LOOKSLIKE_NN_DARKNET_LAYERS_H

#include "cfg_file.h"
#include "model.h"

/* Upper bounds that keep shapes and allocations sane for any input file. */
#define NN_MAX_PARAMS (256u << 20) /* 1 GiB of floats */
#define NN_WEIGHTS_MAX_HEADER 20 /* a .weights file's header: 3 int32 and a 64-bit `seen` */
#define NN_MAX_DIM 8192
#define NN_MAX_CHANNELS 65536
#define NN_MAX_KERNEL 31
#define NN_MAX_STRIDE 16
#define NN_MAX_ACTIVATION_ELEMENTS (64u << 20)

typedef int (*nn_layer_parser)(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);

/* nn_parse_NAME for every kind of NN_LAYER_KINDS (model.h). */
#define NN_LAYER_KIND_PARSER_DECLARATION(KIND, name, params, keys) \
    int nn_parse_##name(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
NN_LAYER_KINDS(NN_LAYER_KIND_PARSER_DECLARATION)
#undef NN_LAYER_KIND_PARSER_DECLARATION

/* Shared by the parsers. */
int nn_parse_activation(cfg_file *f, cfg_section *s, const char *dflt, nn_activation *out);
/* Resolves a Darknet layer reference (negative = relative to index) to an
 * absolute index of an earlier layer. */
int resolve_layer_ref(cfg_file *f, int line, int index, long ref, int *out);

/* Quantization keys (model_quantization.c): weight_* and output_* of a
 * weighted layer, output_* of a shortcut; absent keys leave the layer float. */
int nn_parse_weight_quantization(cfg_file *f, cfg_section *s, nn_layer *l);
int nn_parse_output_quantization(cfg_file *f, cfg_section *s, nn_layer *l);
/* After all layers: marks the model quantized, checks every layer agrees and
 * sets each layer's in_q (and out_q where it has no keys). */
int nn_propagate_quantization(cfg_file *f, nn_model *m);
/* After the weights are bound: qweights and qbiases, or an error naming the layer. */
int nn_recover_quantized_params(nn_model *m, const char *name, char *err, size_t errlen);
void nn_free_quantized_params(nn_model *m);

#endif
