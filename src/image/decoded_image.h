/* What every image decoder here produces and how it is bounded: 8-bit RGB
 * pixels, row-major, in a buffer the caller's decoder owns and reuses; the
 * limits a request may not exceed, checked from the header before any pixel
 * is decoded. Decoders answer with an outcome (outcome.h): OUTCOME_OK,
 * OUTCOME_INVALID_IMAGE, OUTCOME_UNSUPPORTED_MEDIA_TYPE, OUTCOME_IMAGE_TOO_*
 * (TOO_COMPLEX: JPEG, more scan work or coefficient memory than max_pixels
 * allows; lossless WebP, more decoder memory than its pixels allow) or
 * OUTCOME_OUT_OF_MEMORY. Shared by the JPEG decoder and the other
 * formats (image_decode.h). */
#ifndef LOOKSLIKE_IMAGE_DECODED_IMAGE_H
#define LOOKSLIKE_IMAGE_DECODED_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../outcome.h"

typedef struct {
    int width, height; /* as decoded (a JPEG may be DCT-scaled) */
    int source_width, source_height; /* as the header states */
    uint8_t *rgb; /* width * height * 3 bytes, row-major; owned by the decoder */
} rgb_image;

typedef struct {
    /* Larger images (by header) are refused. For JPEG it also bounds the
     * work and memory of multi-scan images (jpeg_decode.h). */
    uint64_t max_pixels;
    int min_side; /* images narrower or lower than this are refused */
    /* JPEG only: decode at the smallest DCT scale that is still at least this
     * large in both directions; 0 = always full size. */
    int min_width, min_height;
    /* Decode what a library would decode with memory not bounded by the
     * pixels (lossless WebP) in a child process of bounded memory
     * (bounded_child.h); 0: in this process, unbounded (tools, fuzzing). */
    int isolate;
} image_decode_options;

/* The header's size against the options: OUTCOME_OK, or OUTCOME_IMAGE_TOO_LARGE /
 * OUTCOME_IMAGE_TOO_SMALL with the reason in err. */
outcome image_check_size(uint64_t width, uint64_t height, const image_decode_options *opt, char *err, size_t errlen);

/* A pixel buffer sized to the largest image so far; a decoder's own. Zeroed
 * is empty. Either heap memory, or (pixel_buffer_reserve_shared) a memfd
 * mapped shared, so that a helper process can write the pixels into it. */
typedef struct {
    uint8_t *data;
    size_t cap;
    int shared; /* data maps memfd fd */
    int fd;
} pixel_buffer;

/* Room for a width x height image of bytes_per_pixel: OUTCOME_OK, or
 * OUTCOME_OUT_OF_MEMORY with the reason in err (the old buffer is kept). */
outcome pixel_buffer_reserve(pixel_buffer *b, size_t width, size_t height, size_t bytes_per_pixel, char *err,
                             size_t errlen);
/* The same, backed by a memfd (px->fd) that another process may map. */
outcome pixel_buffer_reserve_shared(pixel_buffer *b, size_t width, size_t height, size_t bytes_per_pixel, char *err,
                                    size_t errlen);
/* Frees the buffer if it holds more than `keep` bytes, so one unusually large
 * image does not stay resident for the life of a worker. */
void pixel_buffer_trim(pixel_buffer *b, size_t keep);
void pixel_buffer_free(pixel_buffer *b);

#endif
