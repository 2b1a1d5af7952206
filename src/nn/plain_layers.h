/* Layers an engine runs on the host, over plain C,H,W float maps, with
 * libdarknet's own arithmetic (its activations' double-precision logistic,
 * its softmax): [reorg]'s permutation and the detection heads [yolo],
 * [region] and [detection], which are cheap and must equal libdarknet to the
 * bit; and the gathering of a [local]'s patches. Each
 * function reads `in` and writes `out` (nn_shape_size(l->out) floats, not
 * aliasing); pure, thread-safe. */
#ifndef LOOKSLIKE_NN_PLAIN_LAYERS_H
#define LOOKSLIKE_NN_PLAIN_LAYERS_H

#include "model.h"

typedef void (*nn_plain_forward)(const nn_layer *l, const float *in, float *out);

void nn_plain_reorg(const nn_layer *l, const float *in, float *out);
/* yolo: logistic x, y, objectness and classes (unless new_coords), then x, y
 * scaled by scale_x_y as the fork does; region: logistic x, y and
 * objectness (unless background), the classes by softmax or logistic. */
void nn_plain_yolo(const nn_layer *l, const float *in, float *out);
void nn_plain_region(const nn_layer *l, const float *in, float *out);
/* detection: a softmax over each cell's classes (softmax=1), or nothing. */
void nn_plain_detection(const nn_layer *l, const float *in, float *out);
/* local: the input's patches, one row per output pixel (its out is not
 * l->out but out.h x out.w x size x size x in.c floats; onednn_engine.c). */
void nn_plain_local_rows(const nn_layer *l, const float *in, float *out);
/* Darknet's hierarchical softmax of a [softmax] with tree= (softmax_tree.h). */
void nn_plain_softmax_tree(const nn_layer *l, const float *in, float *out);

/* libdarknet's logistic_activate: computed in double, stored as float. */
float nn_darknet_logistic(float x);

#endif
