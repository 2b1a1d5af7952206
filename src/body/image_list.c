/* The inputs of a request as a list (image_list.h), and base64: the one
 * decoder of encoded images sent as text, for /predict's JSON and the Open
 * Inference Protocol's BYTES alike. */
#include "image_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long base64_decode(const char *in, size_t len, uint8_t *out)
{
    for (int pad = 0; pad < 2 && len > 0 && in[len - 1] == '='; pad++)
        len--; /* any other '=' fails as outside the alphabet */
    if (len % 4 == 1)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)o;
}

outcome image_list_from_base64(image_list *l, const char *const *text, int n, char *err, size_t errlen)
{
    size_t len[BODY_MAX_IMAGES], total = 0; /* n is at most BODY_MAX_IMAGES: the list holds no more */
    for (int i = 0; i < n; i++) {
        len[i] = strlen(text[i]);
        total += 3 * (len[i] / 4) + 3;
    }
    uint8_t *out = malloc(total ? total : 1);
    if (!out) {
        snprintf(err, errlen, "out of memory for the decoded images");
        return OUTCOME_OUT_OF_MEMORY;
    }
    l->owned = out;
    for (int i = 0; i < n; i++) {
        long got = base64_decode(text[i], len[i], out);
        if (got <= 0) {
            snprintf(err, errlen, "image %d: %s", i, got == 0 ? "its data is empty" : "its data is not valid base64");
            image_list_free(l);
            return OUTCOME_BAD_REQUEST;
        }
        l->data[i] = out;
        l->length[i] = (size_t)got;
        out += got;
    }
    l->count = n;
    l->pixels = 0;
    return OUTCOME_OK;
}

void image_list_free(image_list *l)
{
    free(l->owned);
    l->owned = NULL;
    l->count = 0;
}
