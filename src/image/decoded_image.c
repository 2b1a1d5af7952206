#include "decoded_image.h"

#include <stdio.h>
#include <stdlib.h>

#include "../growable.h"

image_status image_check_size(uint64_t width, uint64_t height, const image_decode_options *opt, char *err,
                              size_t errlen)
{
    /* Header fields are at most 32 bits wide, so the product cannot overflow. */
    if (width * height > opt->max_pixels) {
        snprintf(err, errlen, "image is %llux%llu = %llu pixels; the limit is %llu", (unsigned long long)width,
                 (unsigned long long)height, (unsigned long long)(width * height),
                 (unsigned long long)opt->max_pixels);
        return IMAGE_ERR_TOO_MANY_PIXELS;
    }
    if (width < (uint64_t)opt->min_side || height < (uint64_t)opt->min_side) {
        snprintf(err, errlen, "image is %llux%llu; both sides must be at least %d pixels", (unsigned long long)width,
                 (unsigned long long)height, opt->min_side);
        return IMAGE_ERR_TOO_SMALL;
    }
    return IMAGE_OK;
}

image_status pixel_buffer_reserve(pixel_buffer *b, size_t width, size_t height, size_t bytes_per_pixel, char *err,
                                  size_t errlen)
{
    if (reserve_exact((void **)&b->data, &b->cap, width * height * bytes_per_pixel, 1) == 0)
        return IMAGE_OK;
    snprintf(err, errlen, "out of memory for a %zux%zu image", width, height);
    return IMAGE_ERR_NO_MEMORY;
}

void pixel_buffer_trim(pixel_buffer *b, size_t keep)
{
    if (b->cap <= keep)
        return;
    pixel_buffer_free(b);
}

void pixel_buffer_free(pixel_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->cap = 0;
}
