/* A served model's version (model_version.c): the first MODEL_VERSION_DIGITS
 * hex digits of the SHA-256 of its files, read one after the other, so that
 * an operator gets the same with `cat FILES | sha256sum`. Two loads of the
 * same files have the same version; changed files, another. Thread-safe. */
#ifndef LOOKSLIKE_PREDICT_MODEL_VERSION_H
#define LOOKSLIKE_PREDICT_MODEL_VERSION_H

#include <stddef.h>

#define MODEL_VERSION_DIGITS 12
#define MODEL_VERSION_SIZE (MODEL_VERSION_DIGITS + 1)

/* The version of the n files at paths, in that order, into out. 0, or -1
 * with "FILE: reason" in err. */
int model_version_of(const char *const *paths, int n, char out[MODEL_VERSION_SIZE], char *err, size_t errlen);

#endif
