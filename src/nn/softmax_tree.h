/* Darknet's hierarchical softmax ([softmax] tree=FILE, as darknet9000.cfg
 * uses with data/9k.tree): the outputs are the nodes of a class tree, a
 * softmax runs over each group of siblings, and a prediction multiplies each
 * node's probability by its parent's, keeping only the leaves (what darknet's
 * classifier reports: hierarchy_predictions(..., only_leaves = 1)).
 *
 * The tree file has one line per node, in output order: a name, then the
 * index of its parent node (-1 or absent for a root). Siblings are the runs
 * of consecutive lines with the same parent (Darknet's read_tree). A tree is
 * immutable once read; applying it is thread-safe. */
#ifndef LOOKSLIKE_NN_SOFTMAX_TREE_H
#define LOOKSLIKE_NN_SOFTMAX_TREE_H

#include <stddef.h>

typedef struct {
    int n; /* nodes = outputs of the softmax */
    int *parent; /* -1 for a root */
    unsigned char *leaf; /* no node names it as parent */
    int ngroups;
    int *group_size; /* consecutive runs of siblings, in order, summing to n */
    int *group_offset; /* the first node of each */
    int *child; /* of each node, the (last) group whose parent it is; -1: a leaf */
} nn_softmax_tree;

/* Reads and checks a tree file (at most 1 MiB, 65536 nodes; every parent -1
 * or an earlier node, as in Darknet's trees: no cycles). Returns NULL with "path:line: reason" in err. */
/* libdarknet's softmax (its blas.c), temperature 1: n values `stride`
 * apart, exp(x - max) in double, stored and summed in float. in and out may
 * be the same. */
void nn_darknet_softmax(const float *in, int n, size_t stride, float *out);

nn_softmax_tree *nn_softmax_tree_read(const char *path, char *err, size_t errlen);
void nn_softmax_tree_free(nn_softmax_tree *t);

/* in -> out (t->n floats each, may not alias): the softmax of each group,
 * then each node times its parent (nodes in order, as Darknet does), then 0
 * for every node that is not a leaf. */
void nn_softmax_tree_apply(const nn_softmax_tree *t, const float *in, float *out);

/* A YOLO9000 box's class, as Darknet's get_region_detections chooses it: p
 * holds each group's softmax (t->n floats, `stride` apart); each node is
 * multiplied by its parent in place (hierarchy_predictions, every node
 * kept), then, from the root group down, the most probable node is taken
 * while the product of those taken stays above thresh
 * (hierarchy_top_prediction): returns the node where that stops. */
int nn_softmax_tree_top(const nn_softmax_tree *t, float *p, size_t stride, float thresh);

#endif
