#include "decoded_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../growable.h"

outcome image_check_size(uint64_t width, uint64_t height, const image_decode_options *opt, char *err, size_t errlen)
{
    /* Header fields are at most 32 bits wide, so the product cannot overflow. */
    if (width * height > opt->max_pixels) {
        snprintf(err, errlen, "image is %llux%llu = %llu pixels; the limit is %llu", (unsigned long long)width,
                 (unsigned long long)height, (unsigned long long)(width * height),
                 (unsigned long long)opt->max_pixels);
        return OUTCOME_IMAGE_TOO_LARGE;
    }
    if (width < (uint64_t)opt->min_side || height < (uint64_t)opt->min_side) {
        snprintf(err, errlen, "image is %llux%llu; both sides must be at least %d pixels", (unsigned long long)width,
                 (unsigned long long)height, opt->min_side);
        return OUTCOME_IMAGE_TOO_SMALL;
    }
    return OUTCOME_OK;
}

outcome pixel_buffer_reserve(pixel_buffer *b, size_t width, size_t height, size_t bytes_per_pixel, char *err,
                             size_t errlen)
{
    if (b->shared)
        pixel_buffer_free(b);
    if (reserve_exact((void **)&b->data, &b->cap, width * height * bytes_per_pixel, 1) == 0)
        return OUTCOME_OK;
    snprintf(err, errlen, "out of memory for a %zux%zu image", width, height);
    return OUTCOME_OUT_OF_MEMORY;
}

outcome pixel_buffer_reserve_shared(pixel_buffer *b, size_t width, size_t height, size_t bytes_per_pixel, char *err,
                                    size_t errlen)
{
    size_t need = width * height * bytes_per_pixel;
    if (b->shared && b->cap >= need)
        return OUTCOME_OK;
    pixel_buffer_free(b);
    int fd = memfd_create("lookslike-pixels", MFD_CLOEXEC);
    void *p = MAP_FAILED;
    if (fd >= 0 && ftruncate(fd, (off_t)need) == 0)
        p = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "out of memory for a %zux%zu image", width, height);
        return OUTCOME_OUT_OF_MEMORY;
    }
    *b = (pixel_buffer){p, need, 1, fd};
    return OUTCOME_OK;
}

void pixel_buffer_trim(pixel_buffer *b, size_t keep)
{
    if (b->cap <= keep)
        return;
    pixel_buffer_free(b);
}

void pixel_buffer_free(pixel_buffer *b)
{
    if (b->shared) {
        munmap(b->data, b->cap);
        close(b->fd);
    } else {
        free(b->data);
    }
    *b = (pixel_buffer){0};
}
