#include "image_decode.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_formats.h"
#include "jpeg_decode.h"
#include "jpeg_structure.h"

struct image_decoder {
    jpeg_decoder *jpeg; /* TurboJPEG keeps a handle and its own buffer */
    pixel_buffer pixels; /* the other formats' */
};

/* Signatures: the bytes a file of each format starts with. */
static int starts_with(const uint8_t *data, size_t len, size_t at, const char *sig, size_t n)
{
    return len >= at + n && memcmp(data + at, sig, n) == 0;
}

static const char *other_format(const uint8_t *d, size_t len)
{
    if (starts_with(d, len, 0, "II*\0", 4) || starts_with(d, len, 0, "MM\0*", 4))
        return "TIFF";
    if (starts_with(d, len, 4, "ftypavif", 8) || starts_with(d, len, 4, "ftypavis", 8))
        return "AVIF";
    if (starts_with(d, len, 4, "ftyphei", 7) || starts_with(d, len, 4, "ftypmif1", 8) ||
        starts_with(d, len, 4, "ftyphevc", 8))
        return "HEIF";
    if (starts_with(d, len, 0, "\0\0\0\x0cjP  \r\n\x87\n", 12) || starts_with(d, len, 0, "\xff\x4f\xff\x51", 4))
        return "JPEG 2000";
    if (starts_with(d, len, 0, "\xff\x0a", 2) || starts_with(d, len, 0, "\0\0\0\x0cJXL \r\n\x87\n", 12))
        return "JPEG XL";
    if (starts_with(d, len, 0, "\0\0\1\0", 4))
        return "ICO";
    return NULL;
}

static int is_jpeg(const uint8_t *d, size_t len)
{
    return starts_with(d, len, 0, "\xff\xd8\xff", 3);
}

static int is_png(const uint8_t *d, size_t len)
{
    return starts_with(d, len, 0, "\x89PNG\r\n\x1a\n", 8);
}

static int is_webp(const uint8_t *d, size_t len)
{
    return starts_with(d, len, 0, "RIFF", 4) && starts_with(d, len, 8, "WEBP", 4);
}

static int is_bmp(const uint8_t *d, size_t len)
{
    return starts_with(d, len, 0, "BM", 2);
}

static int is_gif(const uint8_t *d, size_t len)
{
    return starts_with(d, len, 0, "GIF87a", 6) || starts_with(d, len, 0, "GIF89a", 6);
}

#define DECODER(name)                                                                                                  \
    static outcome decode_##name(image_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt,   \
                                 rgb_image *out, char *err, size_t errlen)

DECODER(jpeg)
{
    return jpeg_decode(d->jpeg, data, len, opt, out, err, errlen);
}

DECODER(png)
{
    return png_decode(data, len, opt, &d->pixels, out, err, errlen);
}

DECODER(webp)
{
    return webp_decode(data, len, opt, &d->pixels, out, err, errlen);
}

DECODER(bmp)
{
    return bmp_decode(data, len, opt, &d->pixels, out, err, errlen);
}

DECODER(gif)
{
    return gif_decode(data, len, opt, &d->pixels, out, err, errlen);
}

/* The formats decoded here, one entry each: a new format is its decoder's
 * file (image_formats.h) and one line in this table. Of the media types, the
 * first is the format's own (in messages), the others aliases clients send. */
static const struct image_format {
    const char *name;
    const char *media_types[4];
    int (*is)(const uint8_t *data, size_t len); /* its signature */
    uint64_t (*pixels)(const uint8_t *data, size_t len);
    outcome (*decode)(image_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt,
                      rgb_image *out, char *err, size_t errlen);
} formats[] = {
    {"JPEG", {"image/jpeg", "image/jpg", "image/pjpeg"}, is_jpeg, jpeg_pixels, decode_jpeg},
    {"PNG", {"image/png"}, is_png, png_pixels, decode_png},
    {"WebP", {"image/webp"}, is_webp, webp_pixels, decode_webp},
    {"BMP", {"image/bmp", "image/x-bmp", "image/x-ms-bmp"}, is_bmp, bmp_pixels, decode_bmp},
    {"GIF", {"image/gif"}, is_gif, gif_pixels, decode_gif},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

/* The format whose signature the bytes start with, or NULL. */
static const struct image_format *format_of(const uint8_t *d, size_t len)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].is(d, len))
            return &formats[i];
    return NULL;
}

static char accepted_types[256];

static void list_accepted_types(void)
{
    size_t n = 0;
    for (size_t i = 0; i < NFORMATS; i++)
        n += (size_t)snprintf(accepted_types + n, sizeof accepted_types - n, "%s%s", i ? ", " : "",
                              formats[i].media_types[0]);
}

const char *image_accepted_types(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, list_accepted_types);
    return accepted_types;
}

const char *image_media_type(size_t i)
{
    for (size_t f = 0; f < NFORMATS; f++)
        for (size_t t = 0; t < 4 && formats[f].media_types[t]; t++)
            if (i-- == 0)
                return formats[f].media_types[t];
    return NULL;
}

const char *image_format_name(const uint8_t *data, size_t len)
{
    const struct image_format *f = format_of(data, len);
    const char *other = f ? NULL : other_format(data, len);
    return f ? f->name : other ? other : "unknown";
}

uint64_t image_claimed_pixels(const uint8_t *d, size_t len)
{
    const struct image_format *f = format_of(d, len);
    return f ? f->pixels(d, len) : 0;
}

image_decoder *image_decoder_new(void)
{
    image_decoder *d = calloc(1, sizeof *d);
    if (d && !(d->jpeg = jpeg_decoder_new())) {
        free(d);
        d = NULL;
    }
    return d;
}

void image_decoder_free(image_decoder *d)
{
    if (!d)
        return;
    jpeg_decoder_free(d->jpeg);
    pixel_buffer_free(&d->pixels);
    free(d);
}

void image_decoder_trim(image_decoder *d, size_t keep)
{
    jpeg_decoder_trim(d->jpeg, keep);
    pixel_buffer_trim(&d->pixels, keep);
}

outcome image_decode(image_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt, rgb_image *out,
                     char *err, size_t errlen)
{
    const struct image_format *f = format_of(data, len);
    if (!f && other_format(data, len)) {
        snprintf(err, errlen, "%s images are not supported; send one of %s", other_format(data, len),
                 image_accepted_types());
        return OUTCOME_UNSUPPORTED_MEDIA_TYPE;
    }
    if (!f) {
        snprintf(err, errlen, "not an image: %s (accepted: %s)",
                 len ? "the bytes start with no known image signature" : "empty body", image_accepted_types());
        return OUTCOME_INVALID_IMAGE;
    }
    outcome st = f->decode(d, data, len, opt, out, err, errlen);
    /* A variant a decoder does not read (e.g. an RLE-compressed BMP): say what is read. */
    if (st == OUTCOME_UNSUPPORTED_MEDIA_TYPE) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, "; send one of %s", image_accepted_types());
    }
    return st;
}
