#include "image_decode.h"

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

image_format image_format_of(const uint8_t *d, size_t len)
{
    if (starts_with(d, len, 0, "\xff\xd8\xff", 3))
        return IMAGE_FORMAT_JPEG;
    if (starts_with(d, len, 0, "\x89PNG\r\n\x1a\n", 8))
        return IMAGE_FORMAT_PNG;
    if (starts_with(d, len, 0, "RIFF", 4) && starts_with(d, len, 8, "WEBP", 4))
        return IMAGE_FORMAT_WEBP;
    if (starts_with(d, len, 0, "BM", 2))
        return IMAGE_FORMAT_BMP;
    if (starts_with(d, len, 0, "GIF87a", 6) || starts_with(d, len, 0, "GIF89a", 6))
        return IMAGE_FORMAT_GIF;
    return other_format(d, len) ? IMAGE_FORMAT_OTHER : IMAGE_FORMAT_NONE;
}

const char *image_format_name(const uint8_t *data, size_t len)
{
    switch (image_format_of(data, len)) {
    case IMAGE_FORMAT_JPEG: return "JPEG";
    case IMAGE_FORMAT_PNG: return "PNG";
    case IMAGE_FORMAT_WEBP: return "WebP";
    case IMAGE_FORMAT_BMP: return "BMP";
    case IMAGE_FORMAT_GIF: return "GIF";
    case IMAGE_FORMAT_OTHER: return other_format(data, len);
    case IMAGE_FORMAT_NONE: break;
    }
    return "unknown";
}

uint64_t image_claimed_pixels(const uint8_t *d, size_t len)
{
    switch (image_format_of(d, len)) {
    case IMAGE_FORMAT_JPEG: return jpeg_pixels(d, len);
    case IMAGE_FORMAT_PNG: return png_pixels(d, len);
    case IMAGE_FORMAT_GIF: return gif_pixels(d, len);
    case IMAGE_FORMAT_WEBP: return webp_pixels(d, len);
    case IMAGE_FORMAT_BMP: return bmp_pixels(d, len);
    case IMAGE_FORMAT_OTHER:
    case IMAGE_FORMAT_NONE: break;
    }
    return 0;
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

static image_status decode_format(image_decoder *d, image_format format, const uint8_t *data, size_t len,
                                  const image_decode_options *opt, rgb_image *out, char *err, size_t errlen)
{
    switch (format) {
    case IMAGE_FORMAT_JPEG: return jpeg_decode(d->jpeg, data, len, opt, out, err, errlen);
    case IMAGE_FORMAT_PNG: return png_decode(data, len, opt, &d->pixels, out, err, errlen);
    case IMAGE_FORMAT_WEBP: return webp_decode(data, len, opt, &d->pixels, out, err, errlen);
    case IMAGE_FORMAT_BMP: return bmp_decode(data, len, opt, &d->pixels, out, err, errlen);
    case IMAGE_FORMAT_GIF: return gif_decode(data, len, opt, &d->pixels, out, err, errlen);
    case IMAGE_FORMAT_OTHER:
        snprintf(err, errlen, "%s images are not supported; send one of %s", image_format_name(data, len),
                 IMAGE_ACCEPTED_TYPES);
        return IMAGE_ERR_UNSUPPORTED;
    case IMAGE_FORMAT_NONE: break;
    }
    snprintf(err, errlen, "not an image: %s (accepted: %s)",
             len ? "the bytes start with no known image signature" : "empty body", IMAGE_ACCEPTED_TYPES);
    return IMAGE_ERR_INVALID;
}

image_status image_decode(image_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt,
                          rgb_image *out, char *err, size_t errlen)
{
    image_format format = image_format_of(data, len);
    image_status st = decode_format(d, format, data, len, opt, out, err, errlen);
    /* A variant a decoder does not read (e.g. an RLE-compressed BMP): say what is read. */
    if (st == IMAGE_ERR_UNSUPPORTED && format != IMAGE_FORMAT_OTHER) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, "; send one of %s", IMAGE_ACCEPTED_TYPES);
    }
    return st;
}
