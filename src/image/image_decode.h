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

/* The decoded formats' own media types, "image/jpeg, image/png, ...", for
 * error messages and documents. Thread-safe. */
const char *image_accepted_types(void);
/* The i-th media type an image may be sent as (each format's own and the
 * aliases clients send for it, image/jpg say), or NULL past the last. */
const char *image_media_type(size_t i);

/* "JPEG", "PNG", ..., from the first bytes; for a known format not decoded
 * here (TIFF, HEIF/AVIF, JPEG 2000, JPEG XL, ICO) the one its signature
 * names; "unknown" without a signature. */
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
 * decode). OUTCOME_UNSUPPORTED_MEDIA_TYPE: a known format or variant not decoded
 * here; OUTCOME_INVALID_IMAGE: no image signature, or a corrupt or truncated
 * image. On failure, a human-readable reason is written to err. */
outcome image_decode(image_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt, rgb_image *out,
                     char *err, size_t errlen);

/* Frees the pixel buffers if larger than `keep` bytes (pixel_buffer_trim). */
void image_decoder_trim(image_decoder *d, size_t keep);

#endif
