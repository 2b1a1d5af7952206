#include "preprocess.h"

#include <string.h>

#include "darknet_resize.h"

int crop_mode_parse(const char *s, crop_mode *out)
{
    if (!strcmp(s, "center") || !strcmp(s, "centre")) {
        *out = CROP_CENTER;
        return 0;
    }
    if (!strcmp(s, "full")) {
        *out = CROP_FULL;
        return 0;
    }
    return -1;
}

const char *crop_mode_name(crop_mode m)
{
    return m == CROP_CENTER ? "center" : "full";
}

/* What darknet's classifier does to a photo (label_classifier, and the
 * single-crop validation its published accuracies come from):
 * resize_min(im, net w), then crop_image of the centred net-sized window.
 * Its `predict` command letterboxes instead; a model trained on crops is
 * evaluated on crops. */
static void darknet_preprocess(const uint8_t *rgb, int w, int h, crop_mode mode, uint8_t *out, int out_w, int out_h)
{
    if (mode == CROP_FULL) {
        darknet_resize_window(rgb, w, h, out_w, out_h, 0, 0, out, out_w, out_h);
        return;
    }
    int rw, rh;
    darknet_resize_min_size(w, h, out_w, &rw, &rh);
    darknet_resize_window(rgb, w, h, rw, rh, (rw - out_w) / 2, (rh - out_h) / 2, out, out_w, out_h);
}

/* TF-slim's crop of a w x h image: the whole of it, or the central 87.5 %. */
static void tf_slim_crop(int w, int h, crop_mode mode, int *left, int *top, int *cw, int *ch)
{
    *left = *top = 0, *cw = w, *ch = h;
    if (mode != CROP_CENTER)
        return;
    /* floor(0.875 * n) exactly, in integers */
    *cw = (int)(((long long)w * 7) / 8);
    *ch = (int)(((long long)h * 7) / 8);
    if (*cw < 1)
        *cw = 1;
    if (*ch < 1)
        *ch = 1;
    *left = (w - *cw) / 2;
    *top = (h - *ch) / 2;
}

void preprocess_window(preprocess_style style, crop_mode mode, int w, int h, int out_w, int out_h, double rect[4])
{
    if (style == PREPROCESS_DARKNET && mode == CROP_CENTER) {
        int rw, rh;
        darknet_resize_min_size(w, h, out_w, &rw, &rh);
        const double sx = (double)w / rw, sy = (double)h / rh;
        rect[0] = ((rw - out_w) / 2) * sx, rect[1] = ((rh - out_h) / 2) * sy;
        rect[2] = out_w * sx, rect[3] = out_h * sy;
        return;
    }
    int left, top, cw, ch;
    tf_slim_crop(w, h, style == PREPROCESS_TF_SLIM ? mode : CROP_FULL, &left, &top, &cw, &ch);
    rect[0] = left, rect[1] = top, rect[2] = cw, rect[3] = ch;
}

void preprocess_min_decode_size(preprocess_style style, crop_mode mode, int gap, int out_w, int out_h, int *min_w,
                                int *min_h)
{
    *min_w = gap * out_w;
    *min_h = gap * out_h;
    if (style == PREPROCESS_DARKNET && mode == CROP_CENTER) /* the shorter side becomes out_w */
        *min_w = *min_h = gap * out_w;
    else if (mode == CROP_CENTER) { /* the crop keeps floor(7/8 n): n >= ceil(need * 8 / 7) keeps `need` */
        *min_w = (*min_w * 8 + 6) / 7;
        *min_h = (*min_h * 8 + 6) / 7;
    }
}

int preprocess_rgb(resize_workspace *ws, const uint8_t *rgb, int w, int h, preprocess_style style, crop_mode mode,
                   uint8_t *out, int out_w, int out_h)
{
    if (style == PREPROCESS_DARKNET) {
        darknet_preprocess(rgb, w, h, mode, out, out_w, out_h);
        return 0;
    }
    int left, top, cw, ch;
    tf_slim_crop(w, h, mode, &left, &top, &cw, &ch);
    const uint8_t *origin = rgb + ((size_t)top * (size_t)w + (size_t)left) * 3;
    return resize_bilinear_rgb(ws, origin, cw, ch, w * 3, out, out_w, out_h);
}
