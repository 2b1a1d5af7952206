/* A bounds-checked reader for the FlatBuffers wire format, just enough to walk
 * a TFLite model. Every accessor validates offsets against the buffer, so a
 * truncated or hostile file yields an error instead of an out-of-bounds read. */
#ifndef LOOKSLIKE_FLATBUFFER_H
#define LOOKSLIKE_FLATBUFFER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    int failed; /* sticky: set by the first out-of-bounds access */
} fb_buffer;

/* A table or vector is addressed by its absolute position in the buffer;
 * 0 means "absent" (position 0 is the root offset, never a table). */
typedef size_t fb_pos;

fb_pos fb_root(fb_buffer *b);

/* Fields of a table, by field index in the schema. Absent fields read as the default. */
int fb_has(fb_buffer *b, fb_pos table, int field);
int64_t fb_int(fb_buffer *b, fb_pos table, int field, int bytes, int64_t dflt);
uint64_t fb_uint(fb_buffer *b, fb_pos table, int field, int bytes, uint64_t dflt);
float fb_float(fb_buffer *b, fb_pos table, int field, float dflt);
fb_pos fb_table(fb_buffer *b, fb_pos table, int field);

/* Vectors: fb_vector returns the position of the first element and sets *count;
 * it checks that count * elem_size bytes fit in the buffer. */
fb_pos fb_vector(fb_buffer *b, fb_pos table, int field, size_t elem_size, size_t *count);
fb_pos fb_vector_table(fb_buffer *b, fb_pos vec, size_t index);
int64_t fb_read_int(fb_buffer *b, fb_pos at, int bytes);
float fb_read_float(fb_buffer *b, fb_pos at);
/* Copies a string field into out (NUL-terminated, truncated to cap). */
void fb_string(fb_buffer *b, fb_pos table, int field, char *out, size_t cap);

#endif
