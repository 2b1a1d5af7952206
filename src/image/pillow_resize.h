/* Pillow's BILINEAR resize (Pillow 9.4, src/libImaging/Resample.c), bit for
 * bit: a separable triangle filter whose support widens by in/out when
 * downscaling (so it antialiases), 22-bit fixed-point coefficients, the
 * horizontal pass first, rounded to uint8 between passes. The exact algorithm
 * is written out in src/image/preprocessing.md. */
#ifndef LOOKSLIKE_IMAGE_PILLOW_RESIZE_H
#define LOOKSLIKE_IMAGE_PILLOW_RESIZE_H

#include <stddef.h>
#include <stdint.h>

/* The filter taps, one row and the output's sums, kept between calls so a
 * warm worker resizes without allocating (and same-sized frames reuse their
 * taps). One per thread. What it holds is bounded by the output, not the
 * input: 4 bytes per output byte (the sums) and the taps, about 8 bytes per
 * input row and per input column (resize_bilinear_rgb). */
typedef struct resize_workspace resize_workspace;

resize_workspace *resize_workspace_new(void);
void resize_workspace_free(resize_workspace *ws);
/* Rows are split over this many OpenMP threads (default 1). */
void resize_workspace_set_threads(resize_workspace *ws, int threads);
/* Frees what an unusually large input left: every buffer over keep bytes. */
void resize_workspace_trim(resize_workspace *ws, size_t keep);

/* Resizes a src_w x src_h RGB region whose rows are src_stride bytes apart
 * into dst (dst_w x dst_h, packed RGB). The input rows are read once each, top
 * to bottom (see stream_rows in pillow_resize.c). Returns 0, or -1 when out of memory. */
int resize_bilinear_rgb(resize_workspace *ws, const uint8_t *src, int src_w, int src_h, int src_stride, uint8_t *dst,
                        int dst_w, int dst_h);

#endif
