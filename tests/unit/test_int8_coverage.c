/* No layer of the models we serve falls off the fast kernels: for each model
 * named and each fast kernel set this CPU runs (the emulated ones included:
 * the same code decides), every layer's kernel (int8_network_kernel) is the
 * set's own, never a reference kernel -- a channel remainder, a small
 * channel count, a wide row, an add, a pool, a fully connected layer
 * included. Not a timing: what runs where.
 * usage: test_int8_coverage MODEL_DIR NAME... */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "nn/int8_network.h"
#include "nn/model.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL_DIR NAME...\n", argv[0]);
        return 2;
    }
    char sets[256], err[NN_ERR_LEN], kernel[64];
    int8_kernels_on_this_cpu(sets, sizeof sets);
    for (int a = 2; a < argc; a++) {
        char cfg[4096], weights[4096];
        snprintf(cfg, sizeof cfg, "%s/%s.cfg", argv[1], argv[a]);
        snprintf(weights, sizeof weights, "%s/%s.weights", argv[1], argv[a]);
        nn_model m;
        if (!check(nn_model_load(&m, cfg, weights, err, sizeof err) == 0, "%s loads (%s)", argv[a], err))
            continue;
        char list[256];
        snprintf(list, sizeof list, "%s", sets);
        for (char *k = strtok(list, " "); k; k = strtok(NULL, " ")) {
            if (!strcmp(k, "reference"))
                continue;
            int8_network *n = int8_network_new(&m, int8_kernels_named(k), err, sizeof err);
            if (!check(n != NULL, "%s on %s: built (%s)", argv[a], k, n ? "ok" : err))
                continue;
            int on_reference = 0, layers = 0;
            char first[128] = "";
            for (int i = 0; i < m.nlayers; i++) {
                int ref = int8_network_kernel(n, i, kernel, sizeof kernel);
                if (ref && !on_reference++)
                    snprintf(first, sizeof first, ": layer %d (cfg line %d, %dx%dx%d) on %s", i, m.layers[i].line,
                             m.layers[i].in.h, m.layers[i].in.w, m.layers[i].in.c, kernel);
                layers++;
            }
            check(on_reference == 0, "%s on %s: none of its %d layers on a reference kernel (%d are%s)", argv[a], k,
                  layers, on_reference, first);
            int8_network_free(n);
        }
        nn_model_free(&m);
    }
    return check_done();
}
