/* One WebP bitstream (a still image's, or an animation frame's) into 8-bit
 * RGB rows, as libwebp's WebPDecodeRGBInto decodes it (its default options:
 * fancy upsampling), with the outcome told apart: shared by the in-process
 * decoder and the isolated one (webp_helper.h), so both give the same bytes.
 * Thread-safe (libwebp keeps no global state). */
#ifndef LOOKSLIKE_IMAGE_WEBP_RGB_H
#define LOOKSLIKE_IMAGE_WEBP_RGB_H

#include <stddef.h>
#include <stdint.h>

enum { WEBP_RGB_OK = 0, WEBP_RGB_CORRUPT = 1, WEBP_RGB_OUT_OF_MEMORY = 2 };

/* Into out (`size` bytes, rows `stride` bytes apart): a WEBP_RGB_* outcome. */
int webp_rgb_decode(const uint8_t *data, size_t len, uint8_t *out, size_t size, int stride);

#endif
