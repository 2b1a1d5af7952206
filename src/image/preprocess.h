/* Decoded RGB -> the uint8 RGB tensor a model of a given input size takes:
 * an optional TF-slim central crop, then Pillow's BILINEAR resize. The same
 * for every request path; documented in src/image/preprocessing.md. */
#ifndef LOOKSLIKE_IMAGE_PREPROCESS_H
#define LOOKSLIKE_IMAGE_PREPROCESS_H

#include <stdint.h>

#include "resize.h"

typedef enum {
    CROP_CENTER, /* central 87.5 %: cw = floor(0.875 W), ch = floor(0.875 H), centred */
    CROP_FULL, /* the whole frame */
} crop_mode;

/* Parses "center" / "full"; returns -1 for anything else. */
int crop_mode_parse(const char *s, crop_mode *out);
const char *crop_mode_name(crop_mode m);

/* rgb: w x h packed RGB. out: out_w x out_h x 3. ws: the calling thread's
 * resize workspace. Returns 0, or -1 when out of memory. */
int preprocess_rgb(resize_workspace *ws, const uint8_t *rgb, int w, int h, crop_mode mode, uint8_t *out, int out_w,
                   int out_h);

#endif
