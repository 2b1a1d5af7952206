/* A growing buffer for text (or bytes) built piece by piece: the metrics
 * exposition, the Open Inference Protocol's output tensors, the features in
 * JSON, a model's cfg (darknet_cfg_write.c). Appends keep a NUL after the contents; a failed allocation marks the
 * buffer failed and makes the appends after it no-ops, so that a builder
 * checks once, at the end. One owner, no locking; start from {0}. */
#ifndef LOOKSLIKE_TEXT_BUFFER_H
#define LOOKSLIKE_TEXT_BUFFER_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *data; /* NUL-terminated once anything was appended */
    size_t len, cap;
    int failed;
} text_buffer;

void text_put(text_buffer *b, const void *bytes, size_t n);
void text_printf(text_buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void text_vprintf(text_buffer *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The contents, handed over (free() them): "" when nothing was appended;
 * NULL when an append failed. The buffer is left empty either way. */
char *text_take(text_buffer *b);
/* Floats as JSON numbers, comma-separated, each the shortest text that reads
 * back to the same float (%.9g); with a comma first when `after` is set. */
void text_put_floats(text_buffer *b, const float *v, size_t n, int after);
/* The same as one JSON array: "[" the floats "]" (features, /predict's and v2's). */
void text_put_float_array(text_buffer *b, const float *v, size_t n);
void text_free(text_buffer *b);

#endif
