/* JPEG bytes -> 8-bit RGB pixels with TurboJPEG, using libjpeg's defaults
 * (accurate integer IDCT, fancy upsampling) so that pixels match what the
 * reference preprocessing decoded. The size is checked from the header before
 * any pixel is decoded, so a decompression bomb costs nothing. */
#ifndef LOOKSLIKE_IMAGE_JPEG_DECODE_H
#define LOOKSLIKE_IMAGE_JPEG_DECODE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    JPEG_OK = 0,
    JPEG_ERR_INVALID, /* not a JPEG, corrupt or truncated */
    JPEG_ERR_TOO_MANY_PIXELS, /* header says more than max_pixels */
    JPEG_ERR_TOO_SMALL, /* smaller than min_side in either dimension */
    JPEG_ERR_NO_MEMORY,
} jpeg_status;

typedef struct {
    int width, height;
    uint8_t *rgb; /* width * height * 3 bytes, row-major; owned by the decoder */
} rgb_image;

typedef struct jpeg_decoder jpeg_decoder;

jpeg_decoder *jpeg_decoder_new(void);
void jpeg_decoder_free(jpeg_decoder *d);

/* Decodes into a buffer the decoder owns and reuses (valid until the next
 * decode). On failure, a human-readable reason is written to err. */
jpeg_status jpeg_decode(jpeg_decoder *d, const uint8_t *data, size_t len, uint64_t max_pixels, int min_side,
                        rgb_image *out, char *err, size_t errlen);

#endif
