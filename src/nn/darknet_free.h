/* Frees a libdarknet network completely. libdarknet's free_network() forgets
 * the network's seen/t/cost/workspace and learning-rate steps/scales, each
 * layer's loss and a hierarchical softmax's tree (found by LeakSanitizer; the
 * lines read_tree reads are lost inside libdarknet: tests/lsan-libdarknet.supp); used by the libdarknet engine and
 * by the tests that run libdarknet directly. Header-only: the engine is a
 * plugin, the tests link libdarknet themselves. */
#ifndef LOOKSLIKE_NN_DARKNET_FREE_H
#define LOOKSLIKE_NN_DARKNET_FREE_H

#include <darknet.h>
#include <stdlib.h>

static inline void darknet_free_tree(tree *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->name[i]);
    free(t->name);
    free(t->leaf);
    free(t->parent);
    free(t->child);
    free(t->group);
    free(t->group_size);
    free(t->group_offset);
    free(t);
}

static inline void darknet_free_network(network *net)
{
    if (!net)
        return;
    for (int i = 0; i < net->n; i++) {
        free(net->layers[i].loss);
        net->layers[i].loss = NULL;
        if (net->layers[i].softmax_tree)
            darknet_free_tree(net->layers[i].softmax_tree);
        net->layers[i].softmax_tree = NULL;
    }
    net->hierarchy = NULL; /* one of the trees above */
    free(net->seen);
    free(net->t);
    free(net->cost);
    free(net->workspace);
    free(net->steps);
    free(net->scales);
    free_network(net);
}

#endif
