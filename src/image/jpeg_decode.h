/* JPEG bytes -> 8-bit RGB pixels with TurboJPEG, using libjpeg's defaults
 * (accurate integer IDCT, fancy upsampling) so that pixels match what the
 * reference preprocessing decoded. The size, and for multi-scan (progressive)
 * JPEGs the decoding work and coefficient memory, are checked from the
 * markers before any pixel is decoded, so neither a decompression bomb nor a
 * scan bomb costs anything. A large photo
 * may be decoded at a reduced DCT scale (1/2, 1/4, 1/8 ...: the IDCT then
 * computes fewer pixels), never below the size the caller still needs. */
#ifndef LOOKSLIKE_IMAGE_JPEG_DECODE_H
#define LOOKSLIKE_IMAGE_JPEG_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "decoded_image.h"

/* opt->max_pixels also bounds multi-scan JPEGs: at most JPEG_MAX_PASSES
 * passes of the entropy decoder over a max_pixels image (8x8 blocks visited,
 * summed over the scans), and a coefficient buffer of at most
 * JPEG_COEFFICIENT_BYTES_PER_PIXEL bytes per max_pixels.
 * A standard progressive script (libjpeg's, 10 scans) makes 8 passes over a
 * 4:2:0 image and 14 over a 4:4:4 one. */
#define JPEG_MAX_PASSES 16
/* 2 bytes per coefficient: 3 for 4:2:0, 6 for 4:4:4 three-component images. */
#define JPEG_COEFFICIENT_BYTES_PER_PIXEL 6

typedef struct jpeg_decoder jpeg_decoder;

jpeg_decoder *jpeg_decoder_new(void);
void jpeg_decoder_free(jpeg_decoder *d);

/* Decodes into a buffer the decoder owns and reuses (valid until the next
 * decode). On failure, a human-readable reason is written to err. */
outcome jpeg_decode(jpeg_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt, rgb_image *out,
                    char *err, size_t errlen);

/* Frees the pixel buffer if it is larger than `keep` bytes (pixel_buffer_trim). */
void jpeg_decoder_trim(jpeg_decoder *d, size_t keep);

#endif
