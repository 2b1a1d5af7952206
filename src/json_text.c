#include "json_text.h"

#include <stdio.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence of 2 to 4 bytes at p (the
 * ranges of Unicode's table 3-7), or 0. Reads no further than a NUL. */
static size_t utf8_sequence(const unsigned char *p)
{
    unsigned c = p[0];
    if (c >= 0xc2 && c <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf; /* no overlong form, no surrogate */
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf; /* no overlong form, <= U+10FFFF */
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

size_t json_escape(const char *s, char *out, size_t cap)
{
    size_t need = 0, used = 0;
    int cut = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        char piece[8];
        size_t n = utf8_sequence(p), advance = n ? n : 1;
        if (n)
            memcpy(piece, p, n);
        else if (*p == '"' || *p == '\\')
            n = (size_t)snprintf(piece, sizeof piece, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            n = (size_t)snprintf(piece, sizeof piece, "\\u%04x", *p);
        else
            n = (size_t)snprintf(piece, sizeof piece, "%c", *p);
        if (!cut && used + n < cap) {
            memcpy(out + used, piece, n);
            used += n;
        } else {
            cut = 1;
        }
        need += n;
        p += advance;
    }
    if (cap > 0)
        out[used] = '\0';
    return need;
}

long utf8_invalid_at(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = *p < 0x80 ? 1 : utf8_sequence(p);
        if (!n)
            return (long)(p - (const unsigned char *)s);
        p += n;
    }
    return -1;
}
