/* Class labels: one line per output of the model, line k naming class k
 * (a Darknet names file as it is, or "synonym, synonym" lines). */
#ifndef LOOKSLIKE_NN_LABELS_H
#define LOOKSLIKE_NN_LABELS_H

#include <stddef.h>

#define NN_LABELS_MAX_BYTES (4 << 20) /* a labels file's size, at most */

typedef struct {
    int count;
    char **full; /* the whole line, e.g. "tabby, tabby cat" */
    char **short_name; /* the first synonym, e.g. "tabby" */
    char *storage;
    int background; /* index of the first line that is exactly "background" (a class never to report), or -1 */
} nn_labels;

/* Loads a labels file whose first `expected` lines, none empty, name the
 * model's outputs in order. Later lines are ignored, as Darknet does: its
 * names files may list more classes than a model has (imagenet.shortnames.list
 * has 21842 lines, of which the 1000-class models use the first 1000). */
struct file_observer;
/* seen (file_read.h; may be NULL) is shown the file's bytes as read. */
int nn_labels_load(nn_labels *l, const char *path, int expected, const struct file_observer *seen, char *err,
                   size_t errlen);
void nn_labels_free(nn_labels *l);

/* Indices of the k most probable of n outputs, best first, ties broken by the
 * lower index, output `skip` left out (a model's background entry, which
 * names no object: /predict passes it; -1 keeps every output, as the Open
 * Inference Protocol's classification does). The one ranking of classes.
 * Returns how many were written. */
int nn_top_k(const float *probs, int n, int k, int skip, int *out);

#endif
