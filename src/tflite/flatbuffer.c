#include "flatbuffer.h"

#include <string.h>

static int in_bounds(fb_buffer *b, size_t at, size_t len)
{
    if (b->failed || at > b->size || len > b->size - at) {
        b->failed = 1;
        return 0;
    }
    return 1;
}

int64_t fb_read_int(fb_buffer *b, fb_pos at, int bytes)
{
    if (!in_bounds(b, at, (size_t)bytes))
        return 0;
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | b->data[at + (size_t)i];
    /* sign-extend narrower integers */
    if (bytes < 8 && (v >> (bytes * 8 - 1)) & 1)
        v |= ~(uint64_t)0 << (bytes * 8);
    return (int64_t)v;
}

static uint64_t read_uint(fb_buffer *b, fb_pos at, int bytes)
{
    uint64_t v = (uint64_t)fb_read_int(b, at, bytes);
    if (bytes < 8)
        v &= ((uint64_t)1 << (bytes * 8)) - 1;
    return v;
}

float fb_read_float(fb_buffer *b, fb_pos at)
{
    uint32_t bits = (uint32_t)read_uint(b, at, 4);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

fb_pos fb_root(fb_buffer *b)
{
    fb_pos root = (fb_pos)read_uint(b, 0, 4);
    return in_bounds(b, root, 4) ? root : 0;
}

/* Absolute position of a field's value, or 0 when the field is absent. */
static fb_pos field_pos(fb_buffer *b, fb_pos table, int field)
{
    if (table == 0 || b->failed)
        return 0;
    int64_t vt = (int64_t)table - fb_read_int(b, table, 4);
    if (vt < 0 || !in_bounds(b, (size_t)vt, 4)) {
        b->failed = 1;
        return 0;
    }
    size_t vt_size = read_uint(b, (size_t)vt, 2);
    size_t slot = 4 + 2 * (size_t)field;
    if (slot + 2 > vt_size)
        return 0;
    size_t off = read_uint(b, (size_t)vt + slot, 2);
    return off ? table + off : 0;
}

int fb_has(fb_buffer *b, fb_pos table, int field)
{
    return field_pos(b, table, field) != 0;
}

int64_t fb_int(fb_buffer *b, fb_pos table, int field, int bytes, int64_t dflt)
{
    fb_pos p = field_pos(b, table, field);
    return p ? fb_read_int(b, p, bytes) : dflt;
}

uint64_t fb_uint(fb_buffer *b, fb_pos table, int field, int bytes, uint64_t dflt)
{
    fb_pos p = field_pos(b, table, field);
    return p ? read_uint(b, p, bytes) : dflt;
}

float fb_float(fb_buffer *b, fb_pos table, int field, float dflt)
{
    fb_pos p = field_pos(b, table, field);
    return p ? fb_read_float(b, p) : dflt;
}

static fb_pos deref(fb_buffer *b, fb_pos at)
{
    fb_pos target = at + (fb_pos)read_uint(b, at, 4);
    return in_bounds(b, target, 4) ? target : 0;
}

fb_pos fb_table(fb_buffer *b, fb_pos table, int field)
{
    fb_pos p = field_pos(b, table, field);
    return p ? deref(b, p) : 0;
}

fb_pos fb_vector(fb_buffer *b, fb_pos table, int field, size_t elem_size, size_t *count)
{
    *count = 0;
    fb_pos p = field_pos(b, table, field);
    if (!p)
        return 0;
    fb_pos v = deref(b, p);
    if (!v)
        return 0;
    size_t n = read_uint(b, v, 4);
    if (elem_size && n > (b->size / elem_size) + 1) {
        b->failed = 1;
        return 0;
    }
    if (!in_bounds(b, v + 4, n * elem_size))
        return 0;
    *count = n;
    return v + 4;
}

fb_pos fb_vector_table(fb_buffer *b, fb_pos vec, size_t index)
{
    return deref(b, vec + 4 * index);
}

void fb_string(fb_buffer *b, fb_pos table, int field, char *out, size_t cap)
{
    size_t n;
    fb_pos s = fb_vector(b, table, field, 1, &n);
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    if (s)
        memcpy(out, b->data + s, n);
    out[s ? n : 0] = '\0';
}
