/* Class activation maps (Zhou et al., "Learning Deep Features for
 * Discriminative Localization", CVPR 2016): where in the last feature map the
 * evidence for a class lies. A classifier ending in a global average pool
 * followed only by one linear layer (a 1x1 [convolutional] or a [connected]
 * with linear activation; batch norm folded in) and [dropout], [softmax],
 * [cost] scores class c as the average over the map's cells of
 * sum_k w[c][k] f_k(x, y): that sum, cell by cell, is Zhou's map of c. A
 * model whose pool is followed by nothing but those layers, its channels the
 * classes (darknet19, densenet201: a 1x1 convolution before the pool), has
 * for w[c] the unit vector of channel c.
 * Where a [softmax] follows, the map is that of c's probability, not of its
 * score: the pooled feature F_k moves p_c by
 * dp_c/dF_k = p_c (w[c][k] - m_k), m = sum_j p_j w[j] (the rows weighted by
 * the run's probabilities), the same at every cell, so Grad-CAM's map of p_c
 * (Selvaraju et al., ICCV 2017) is sum_k (w[c][k] - m_k) f_k(x, y) up to the
 * positive factor p_c: the evidence for c over the classes the network also
 * weighs (measured more faithful: docs/explanations.md). Without a softmax,
 * m = 0. f is the model's CLASS_MAP tap (model.h), read from the engine
 * after a run, in float (the integer engine's uint8 map dequantized).
 * Made once from a model, before its parameters are released (it copies the
 * weights it needs); read-only afterwards, shared by every worker. */
#ifndef LOOKSLIKE_NN_CLASS_MAP_H
#define LOOKSLIKE_NN_CLASS_MAP_H

#include <stddef.h>

#include "model.h"

typedef struct nn_class_map nn_class_map;

/* The most cells a map may have (a 1024x1024 input at stride 32): what a
 * request's maps cost grows with them (k maps an image, in JSON), so a model
 * whose pool averages a finer grid has none. */
#define NN_CLASS_MAP_MAX_CELLS 1024

/* m's class maps into *out: 0, *out NULL and the reason in why when the
 * model's head is not one of those ("model.cfg:312: the [connected] after the
 * pool has activation relu; ..."); -1 when memory ran out. */
int nn_class_map_new(const nn_model *m, const char *name, nn_class_map **out, char *why, size_t whylen);
void nn_class_map_free(nn_class_map *c);
/* The shape of the map the model's CLASS_MAP tap gives (C x H x W); a
 * class's map is H x W. */
nn_shape nn_class_map_input(const nn_class_map *c);
/* How many doubles nn_class_map_baseline writes. */
size_t nn_class_map_scratch(const nn_class_map *c);
/* m = sum_j p_j w[j] from the run's outputs (the probabilities), into
 * mean[0 .. nn_class_map_scratch(c)); zeros when no [softmax] follows. */
void nn_class_map_baseline(const nn_class_map *c, const float *outputs, double *mean);
/* Class cls's map (0 <= cls < the model's outputs) from the tap's C,H,W
 * floats, that run's outputs and baseline into out, H x W floats:
 * sum_k (w[cls][k] - mean[k]) f_k(y, x), no bias, less its lowest cell. */
void nn_class_map_compute(const nn_class_map *c, const float *tap, const float *outputs, const double *mean, int cls,
                          float *out);

#endif
