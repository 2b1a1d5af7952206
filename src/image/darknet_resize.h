/* Darknet's own preprocessing arithmetic (its src/image.c, as Debian's
 * libdarknet runs it), for models trained with Darknet. libdarknet turns each
 * decoded 8-bit value v into the float v / 255 and resizes with
 * resize_image: bilinear between the two nearest pixels per axis, corners
 * aligned (scale (in - 1) / (out - 1)), no antialiasing, the horizontal pass
 * first, in float. Here the same float operations produce each pixel, which
 * is then rounded to the nearest 8-bit value (so within 0.5 / 255 of
 * Darknet's tensor), or kept as Darknet's float (darknet_resize_planar).
 * Only the requested window of the resized image is computed; where the
 * window leaves the image, edge pixels repeat, as crop_image does.
 * Thread-safe, allocates nothing. */
#ifndef LOOKSLIKE_IMAGE_DARKNET_RESIZE_H
#define LOOKSLIKE_IMAGE_DARKNET_RESIZE_H

#include <stdint.h>

/* rgb: w x h packed RGB. Resizes it (conceptually) to rw x rh and writes the
 * out_w x out_h window whose top-left corner is (x0, y0) to out (packed RGB). */
void darknet_resize_window(const uint8_t *rgb, int w, int h, int rw, int rh, int x0, int y0, uint8_t *out, int out_w,
                           int out_h);

/* The same resize to rw x rh, unrounded: Darknet's float image itself, as
 * planes (C,H,W) of an out_w x out_h image, its top-left corner at (x0, y0)
 * (the resized image must fit). The rest of out is left as it was. */
void darknet_resize_planar(const uint8_t *rgb, int w, int h, int rw, int rh, float *out, int out_w, int out_h, int x0,
                           int y0);

/* resize_min: the size Darknet resizes w x h to so that its shorter side is `side`. */
void darknet_resize_min_size(int w, int h, int side, int *rw, int *rh);

#endif
