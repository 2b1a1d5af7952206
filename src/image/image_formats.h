/* The decoders of the formats other than JPEG, each in its own file, and
 * what they share. Each turns a whole file in memory into 8-bit RGB exactly as
 * Pillow's Image.open(f).convert("RGB") would (the reference preprocessing is
 * Pillow's), checks the size from the header before it decodes anything, and
 * writes into the caller's pixel buffer. Stateless; thread-safe with one
 * buffer per thread. Used only by image_decode.c. */
#ifndef LOOKSLIKE_IMAGE_IMAGE_FORMATS_H
#define LOOKSLIKE_IMAGE_IMAGE_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "decoded_image.h"

/* PNG with libspng: every colour type and bit depth, interlaced or not. */
outcome png_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                   char *err, size_t errlen);
/* WebP with libwebp: lossy, lossless, with alpha; of an animation the first frame. */
outcome webp_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                    char *err, size_t errlen);
/* GIF with giflib: the first frame on the logical screen. */
outcome gif_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                   char *err, size_t errlen);
/* BMP, read here (the format is a header and rows): 1, 4, 8-bit palettes,
 * 16, 24, 32-bit pixels and the bit-field layouts Pillow reads. */
outcome bmp_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                   char *err, size_t errlen);

/* The pixels each decoder above would fill, read from the file's headers
 * without decoding anything (for a GIF its canvas: the logical screen grown to
 * the first frame; for an animated WebP its canvas); 0 when they cannot be read
 * (decoding will say why). For image_claimed_pixels. */
uint64_t png_pixels(const uint8_t *data, size_t len);
uint64_t webp_pixels(const uint8_t *data, size_t len);
uint64_t gif_pixels(const uint8_t *data, size_t len);
uint64_t bmp_pixels(const uint8_t *data, size_t len);

/* A palette as Pillow applies it: a Pillow palette starts as the grey ramp
 * (entry i = (i, i, i)) and the file's entries replace its first ones, so an
 * index beyond the file's palette is that grey. */
typedef struct {
    uint8_t rgb[256][3];
} rgb_palette;

static inline void rgb_palette_init_ramp(rgb_palette *p)
{
    for (int i = 0; i < 256; i++)
        p->rgb[i][0] = p->rgb[i][1] = p->rgb[i][2] = (uint8_t)i;
}

static inline void rgb_palette_put(uint8_t *out, const rgb_palette *p, unsigned index)
{
    out[0] = p->rgb[index][0];
    out[1] = p->rgb[index][1];
    out[2] = p->rgb[index][2];
}

#endif
