#include "text_buffer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "growable.h"

/* Room for n more bytes and the NUL: 0, or -1 (then failed). */
static int room(text_buffer *b, size_t n)
{
    if (b->failed)
        return -1;
    char *grown = n < (size_t)-1 - b->len - 1 ? grow_doubling(b->data, &b->cap, b->len + n + 1, 1) : NULL;
    if (!grown) {
        b->failed = 1;
        return -1;
    }
    b->data = grown;
    return 0;
}

void text_put(text_buffer *b, const void *bytes, size_t n)
{
    if (room(b, n) < 0)
        return;
    if (n)
        memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void text_vprintf(text_buffer *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        b->failed = 1;
    else if (room(b, (size_t)n) == 0) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void text_printf(text_buffer *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(b, fmt, ap);
    va_end(ap);
}

void text_put_floats(text_buffer *b, const float *v, size_t n, int after)
{
    for (size_t i = 0; i < n; i++) {
        char num[32];
        int len = snprintf(num, sizeof num, "%s%.9g", after || i ? "," : "", (double)v[i]);
        text_put(b, num, (size_t)len);
    }
}

void text_put_float_array(text_buffer *b, const float *v, size_t n)
{
    text_put(b, "[", 1);
    text_put_floats(b, v, n, 0);
    text_put(b, "]", 1);
}

char *text_take(text_buffer *b)
{
    char *data = b->failed ? NULL : b->data ? b->data : calloc(1, 1);
    if (b->failed)
        free(b->data);
    *b = (text_buffer){0};
    return data;
}

void text_free(text_buffer *b)
{
    free(b->data);
    *b = (text_buffer){0};
}
