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
} nn_softmax_tree;

/* Reads and checks a tree file (at most 1 MiB, 65536 nodes; every parent -1
 * or an index of the tree). Returns NULL with "path:line: reason" in err. */
nn_softmax_tree *nn_softmax_tree_read(const char *path, char *err, size_t errlen);
void nn_softmax_tree_free(nn_softmax_tree *t);

/* in -> out (t->n floats each, may not alias): the softmax of each group,
 * then each node times its parent (nodes in order, as Darknet does), then 0
 * for every node that is not a leaf. */
void nn_softmax_tree_apply(const nn_softmax_tree *t, const float *in, float *out);

#endif
