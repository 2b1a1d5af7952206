/* JPEG bytes -> 8-bit RGB pixels with TurboJPEG, using libjpeg's defaults
 * (accurate integer IDCT, fancy upsampling) so that pixels match what the
 * reference preprocessing decoded. The size is checked from the header before
 * any pixel is decoded, so a decompression bomb costs nothing. A large photo
 * may be decoded at a reduced DCT scale (1/2, 1/4, 1/8 ...: the IDCT then
 * computes fewer pixels), never below the size the caller still needs. */
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
    int width, height; /* as decoded (scaled) */
    int source_width, source_height; /* as the JPEG header states */
    uint8_t *rgb; /* width * height * 3 bytes, row-major; owned by the decoder */
} rgb_image;

typedef struct {
    uint64_t max_pixels; /* larger images (by header) are refused */
    int min_side; /* images narrower or lower than this are refused */
    /* Decode at the smallest DCT scale that is still at least this large in
     * both directions; 0 = always full size. */
    int min_width, min_height;
} jpeg_decode_options;

typedef struct jpeg_decoder jpeg_decoder;

jpeg_decoder *jpeg_decoder_new(void);
void jpeg_decoder_free(jpeg_decoder *d);

/* Decodes into a buffer the decoder owns and reuses (valid until the next
 * decode). On failure, a human-readable reason is written to err. */
jpeg_status jpeg_decode(jpeg_decoder *d, const uint8_t *data, size_t len, const jpeg_decode_options *opt,
                        rgb_image *out, char *err, size_t errlen);

/* Frees the pixel buffer if it is larger than `keep` bytes, so one unusually
 * large image does not stay resident for the life of the worker. */
void jpeg_decoder_trim(jpeg_decoder *d, size_t keep);

#endif
