/* Class labels: one line per output of the model, line k naming class k. */
#ifndef LOOKSLIKE_NN_LABELS_H
#define LOOKSLIKE_NN_LABELS_H

#include <stddef.h>

typedef struct {
    int count;
    char **full; /* the whole line, e.g. "tabby, tabby cat" */
    char **short_name; /* the first synonym, e.g. "tabby" */
    char *storage;
    int background; /* index of a "background" class never to report, or -1 */
} nn_labels;

/* Loads a labels file that must have exactly `expected` non-empty lines. */
int nn_labels_load(nn_labels *l, const char *path, int expected, char *err, size_t errlen);
void nn_labels_free(nn_labels *l);

/* Indices of the k most probable classes, best first, ties broken by the lower
 * index; the background class is skipped. Returns how many were written. */
int nn_top_k(const float *probs, int n, int k, int skip, int *out);

#endif
