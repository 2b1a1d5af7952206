/* Decoded RGB -> the uint8 RGB tensor a model of a given input size takes,
 * in the style the model was trained with: TF-slim's (an optional central
 * crop, then Pillow's BILINEAR resize) or Darknet's (resize the shorter side
 * to the input, centre crop, Darknet's bilinear). The same for every request
 * path; documented in src/image/preprocessing.md. */
#ifndef LOOKSLIKE_IMAGE_PREPROCESS_H
#define LOOKSLIKE_IMAGE_PREPROCESS_H

#include <stdint.h>

#include "pillow_resize.h"

typedef enum {
    PREPROCESS_TF_SLIM, /* TensorFlow-slim's evaluation preprocessing, Pillow-exact */
    PREPROCESS_DARKNET, /* darknet classifier's: resize_min, crop_image, resize_image */
} preprocess_style;

typedef enum {
    CROP_CENTER, /* TF-slim: central 87.5 % (cw = floor(0.875 W), ch = floor(0.875 H)), then resized;
                    Darknet: resized so that the shorter side fits, then the centred input-sized window */
    CROP_FULL, /* the whole frame, resized to the input (Darknet: its aspect ratio not kept) */
} crop_mode;

/* Parses "center" / "full"; returns -1 for anything else. */
int crop_mode_parse(const char *s, crop_mode *out);
const char *crop_mode_name(crop_mode m);

/* rgb: w x h packed RGB. out: out_w x out_h x 3. ws: the calling thread's
 * resize workspace. Returns 0, or -1 when out of memory. */
int preprocess_rgb(resize_workspace *ws, const uint8_t *rgb, int w, int h, preprocess_style style, crop_mode mode,
                   uint8_t *out, int out_w, int out_h);

/* The rectangle of a w x h image that preprocess_rgb makes the out_w x out_h
 * input of: x, y, width, height in the image's pixels (Darknet's: the window
 * of its resized image, scaled back in proportion; it may reach past the
 * image's edges, whose pixels crop_image repeats). */
void preprocess_window(preprocess_style style, crop_mode mode, int w, int h, int out_w, int out_h, double rect[4]);

/* The size a w x h image must at least be decoded at for this preprocessing
 * to see `gap` times the detail it uses of an out_w x out_h input (a
 * downscale by at least `gap`). */
void preprocess_min_decode_size(preprocess_style style, crop_mode mode, int gap, int out_w, int out_h, int *min_w,
                                int *min_h);

#endif
