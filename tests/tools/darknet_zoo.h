/* Darknet model-zoo networks with random weights, made by libdarknet itself,
 * for the tests and the bench (never committed: they are generated).
 *
 * A zoo cfg (Debian's /usr/share/darknet/cfg/) is written out for batch 1 and,
 * optionally, another input size; libdarknet parses it and initialises the
 * weights from a seeded rand(). Its batch-norm statistics start as mean 0,
 * variance 0, which would multiply every normalised layer by 10^6 and
 * overflow a deep network: they are calibrated instead, layer by layer, to the
 * statistics the layer's input image produces (one forward pass in training
 * mode for each batch-normalised layer), so that every layer's output stays
 * near unit scale and the final probabilities are far from uniform. A
 * detector's heads would still see large random inputs: boxes hundreds of
 * times the image and thousands of them with confidences tied at exactly 1,
 * where NMS's order is qsort's whim. So each convolution feeding a head is
 * scaled to outputs of standard deviation 1, its objectness channels given a
 * bias of -3, as a trained detector has most cells empty (a [region]'s
 * class scores instead spread to 4, for its softmax to pick classes with
 * confidence; the [connected] feeding YOLOv1's [detection] is only scaled):
 * tens to thousands of detections per photo. A [local] layer's weights are
 * drawn for every output pixel (libdarknet draws the first pixel's only).
 * Then save_weights writes them. Uses libdarknet; not thread-safe (rand()). */
#ifndef LOOKSLIKE_TESTS_DARKNET_ZOO_H
#define LOOKSLIKE_TESTS_DARKNET_ZOO_H

#include <darknet.h>

/* Copies the cfg at src to dst with batch=1, subdivisions=1 and, if size > 0,
 * width = height = size. Returns 0, or -1 with a message on stderr. */
int zoo_write_cfg(const char *src, const char *dst, int size);

/* Parses cfg (as zoo_write_cfg wrote it) with libdarknet, initialises random
 * weights from seed, calibrates batch norm on input (the network's C,H,W
 * float input; NULL: a fixed pseudo-random image, rand() values / 255 from
 * srand(1)) and writes weights. Returns the network, ready for
 * network_predict (free with darknet_free_network, nn/darknet_free.h), or NULL. */
network *zoo_make_weights(const char *cfg, const char *weights, unsigned seed, const float *input);

#endif
