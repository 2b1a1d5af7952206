/* A served model's version (model_version.c): the first MODEL_VERSION_DIGITS
 * hex digits of the SHA-256 of its files, read one after the other, so that
 * an operator gets the same with `cat FILES | sha256sum`. The hash sees the
 * files' bytes as the loader reads them (a file_observer), so the version
 * names the very bytes served, and nothing is read twice. Two loads of the
 * same files have the same version; changed files, another. A hash belongs
 * to one thread; different hashes are independent. */
#ifndef LOOKSLIKE_PREDICT_MODEL_VERSION_H
#define LOOKSLIKE_PREDICT_MODEL_VERSION_H

#include <stddef.h>

#include "../file_read.h"

#define MODEL_VERSION_DIGITS 12
#define MODEL_VERSION_SIZE (MODEL_VERSION_DIGITS + 1)

typedef struct model_version_hash model_version_hash;

/* A new hash (NULL when out of memory), and the observer that feeds it: hand
 * that to the loaders of the model's files, in their order. */
model_version_hash *model_version_begin(void);
file_observer model_version_observer(model_version_hash *h);
/* The version of what h saw into out (when not NULL); frees h. */
void model_version_end(model_version_hash *h, char out[MODEL_VERSION_SIZE]);

#endif
