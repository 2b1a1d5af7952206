/* Reading a whole file into memory, bounded: the one way the model loader,
 * the labels, `lookslike classify` and the converter read their inputs.
 * Thread-safe. */
#ifndef LOOKSLIKE_FILE_READ_H
#define LOOKSLIKE_FILE_READ_H

#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'd copy of the file (pipes too) with a NUL byte after its
 * *len bytes, so text can be read as a string; NULL with "path: reason" in
 * err when it cannot be opened or read, or holds more than limit bytes. */
uint8_t *file_read(const char *path, size_t limit, size_t *len, char *err, size_t errlen);

#endif
