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

/* Another reader of the bytes a loader reads: a model's version hashes its
 * files as they are loaded, so that it names the very bytes served (read
 * again, a file renamed into place meanwhile would give another's). */
typedef struct file_observer {
    void (*bytes)(void *ctx, const uint8_t *data, size_t len);
    void *ctx;
} file_observer;

/* file_read, and the whole file handed to seen (when not NULL) once read. */
uint8_t *file_read_seen(const char *path, size_t limit, size_t *len, const file_observer *seen, char *err,
                        size_t errlen);

#endif
