/* Per-layer-kind parsing of cfg sections into nn_layer (the cfg_*.c files;
 * the forward passes are the engines'), internal to src/nn.
 * Each parser receives the layer with `in` already set to its input shape and
 * must fill `out` and every field its kind uses, rejecting what it cannot run. */
#ifndef LOOKSLIKE_NN_CFG_LAYERS_H
#define LOOKSLIKE_NN_CFG_LAYERS_H

#include "cfg_file.h"
#include "model.h"

/* Upper bounds that keep shapes and allocations sane for any input file. */
#define NN_MAX_DIM 8192
#define NN_MAX_CHANNELS 65536
#define NN_MAX_KERNEL 31
#define NN_MAX_STRIDE 16
#define NN_MAX_ACTIVATION_ELEMENTS (64u << 20)

typedef int (*nn_layer_parser)(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);

int nn_parse_convolutional(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
int nn_parse_connected(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
int nn_parse_maxpool(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
int nn_parse_avgpool(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
int nn_parse_softmax(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
int nn_parse_shortcut(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
int nn_parse_route(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);
int nn_parse_dropout(cfg_file *f, cfg_section *s, nn_model *m, int index, nn_layer *l);

/* Shared by the parsers. */
int nn_parse_activation(cfg_file *f, cfg_section *s, const char *dflt, nn_activation *out);
/* Resolves a Darknet layer reference (negative = relative to index) to an
 * absolute index of an earlier layer. */
int resolve_layer_ref(cfg_file *f, int line, int index, long ref, int *out);

#endif
