/* Writes a Darknet zoo model with random weights made by libdarknet (see
 * darknet_zoo.h), for the bench and for trying lookslike on the zoo:
 *   make_darknet_weights ZOO.cfg OUT_PREFIX [SIZE [PHOTO]]
 * writes OUT_PREFIX.cfg (batch 1, optionally SIZE x SIZE input) and
 * OUT_PREFIX.weights. Batch norm is calibrated on a fixed pseudo-random image,
 * or on PHOTO letterboxed by libdarknet (a detector's, for its heads to see
 * a photo's statistics: darknet_zoo.h). */
#include <stdio.h>
#include <stdlib.h>

#include "darknet_zoo.h"
#include "nn/darknet_free.h"

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: %s ZOO.cfg OUT_PREFIX [SIZE [PHOTO]]\n", argv[0]);
        return 2;
    }
    char cfg[4096], weights[4096];
    snprintf(cfg, sizeof cfg, "%s.cfg", argv[2]);
    snprintf(weights, sizeof weights, "%s.weights", argv[2]);
    int size = argc >= 4 ? atoi(argv[3]) : 0;
    if (zoo_write_cfg(argv[1], cfg, size) < 0)
        return 1;
    image boxed = {0};
    if (argc == 5) {
        image im = load_image_color(argv[4], 0, 0);
        boxed = letterbox_image(im, size, size);
        free_image(im);
    }
    network *net = zoo_make_weights(cfg, weights, 2222222, boxed.data);
    if (boxed.data)
        free_image(boxed);
    if (!net)
        return 1;
    darknet_free_network(net);
    return 0;
}
