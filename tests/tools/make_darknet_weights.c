/* Writes a Darknet zoo model with random weights made by libdarknet (see
 * darknet_zoo.h), for the bench and for trying lookslike on the zoo:
 *   make_darknet_weights ZOO.cfg OUT_PREFIX [SIZE]
 * writes OUT_PREFIX.cfg (batch 1, optionally SIZE x SIZE input) and
 * OUT_PREFIX.weights. Batch norm is calibrated on a fixed pseudo-random image. */
#include <stdio.h>
#include <stdlib.h>

#include "darknet_zoo.h"
#include "nn/darknet_free.h"

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s ZOO.cfg OUT_PREFIX [SIZE]\n", argv[0]);
        return 2;
    }
    char cfg[4096], weights[4096];
    snprintf(cfg, sizeof cfg, "%s.cfg", argv[2]);
    snprintf(weights, sizeof weights, "%s.weights", argv[2]);
    if (zoo_write_cfg(argv[1], cfg, argc == 4 ? atoi(argv[3]) : 0) < 0)
        return 1;
    network *net = zoo_make_weights(cfg, weights, 2222222, NULL);
    if (!net)
        return 1;
    darknet_free_network(net);
    return 0;
}
