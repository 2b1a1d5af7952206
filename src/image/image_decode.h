/* Encoded image bytes -> 8-bit RGB, whatever the format: JPEG, PNG, WebP,
 * BMP or GIF, recognised from the bytes themselves (a declared media type is
 * the client's claim; the signature decides). Every format converts to RGB
 * as Pillow's Image.convert("RGB") does, so that the documented preprocessing
 * stays Pillow's (src/image/preprocessing.md). Sizes are checked from the
 * header before anything is decoded. Not thread-safe: one decoder per worker. */
#ifndef LOOKSLIKE_IMAGE_IMAGE_DECODE_H
#define LOOKSLIKE_IMAGE_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "decoded_image.h"

typedef enum {
    IMAGE_FORMAT_NONE, /* no image signature we know */
    IMAGE_FORMAT_JPEG,
    IMAGE_FORMAT_PNG,
    IMAGE_FORMAT_WEBP,
    IMAGE_FORMAT_BMP,
    IMAGE_FORMAT_GIF,
    IMAGE_FORMAT_OTHER, /* a known image format not decoded here (TIFF, HEIF/AVIF, JPEG 2000, JPEG XL, ICO) */
} image_format;

/* The decoded formats, as media types, for error messages and documents. */
#define IMAGE_ACCEPTED_TYPES "image/jpeg, image/png, image/webp, image/bmp, image/gif"

/* From the first bytes. */
image_format image_format_of(const uint8_t *data, size_t len);
/* "JPEG", "PNG", ...; for IMAGE_FORMAT_OTHER the format the signature names. */
const char *image_format_name(const uint8_t *data, size_t len);

/* The pixels decoding the image would fill, as its headers say (each
 * format's *_pixels, image_formats.h: for a GIF its canvas, the logical
 * screen grown to the first frame), read without decoding anything; 0 when the
 * headers cannot be read (decoding will say why). Thread-safe. */
uint64_t image_claimed_pixels(const uint8_t *data, size_t len);

typedef struct image_decoder image_decoder;

image_decoder *image_decoder_new(void);
void image_decoder_free(image_decoder *d);

/* Decodes into a buffer the decoder owns and reuses (valid until the next
 * decode). IMAGE_ERR_UNSUPPORTED: a known format or variant not decoded
 * here; IMAGE_ERR_INVALID: no image signature, or a corrupt or truncated
 * image. On failure, a human-readable reason is written to err. */
image_status image_decode(image_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt,
                          rgb_image *out, char *err, size_t errlen);

/* Frees the pixel buffers if larger than `keep` bytes (pixel_buffer_trim). */
void image_decoder_trim(image_decoder *d, size_t keep);

#endif
