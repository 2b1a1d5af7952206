/* Pillow's BILINEAR resize (Pillow 9.4, src/libImaging/Resample.c), bit for
 * bit: a separable triangle filter whose support widens by in/out when
 * downscaling (so it antialiases), 22-bit fixed-point coefficients, the
 * horizontal pass first, rounded to uint8 between passes. The exact algorithm
 * is written out in src/image/preprocessing.md. */
#ifndef LOOKSLIKE_IMAGE_RESIZE_H
#define LOOKSLIKE_IMAGE_RESIZE_H

#include <stdint.h>

/* The filter taps and the intermediate buffer, kept between calls so a warm
 * worker resizes without allocating (and same-sized frames reuse their taps).
 * One per thread. */
typedef struct resize_workspace resize_workspace;

resize_workspace *resize_workspace_new(void);
void resize_workspace_free(resize_workspace *ws);
/* Rows are split over this many OpenMP threads (default 1). */
void resize_workspace_set_threads(resize_workspace *ws, int threads);

/* Resizes a src_w x src_h RGB region whose rows are src_stride bytes apart
 * into dst (dst_w x dst_h, packed RGB). Returns 0, or -1 when out of memory. */
int resize_bilinear_rgb(resize_workspace *ws, const uint8_t *src, int src_w, int src_h, int src_stride, uint8_t *dst,
                        int dst_w, int dst_h);

#endif
