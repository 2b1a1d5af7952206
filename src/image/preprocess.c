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
    int left = 0, top = 0, cw = w, ch = h;
    if (mode == CROP_CENTER) {
        /* floor(0.875 * n) exactly, in integers */
        cw = (int)(((long long)w * 7) / 8);
        ch = (int)(((long long)h * 7) / 8);
        if (cw < 1)
            cw = 1;
        if (ch < 1)
            ch = 1;
        left = (w - cw) / 2;
        top = (h - ch) / 2;
    }
    const uint8_t *origin = rgb + ((size_t)top * (size_t)w + (size_t)left) * 3;
    return resize_bilinear_rgb(ws, origin, cw, ch, w * 3, out, out_w, out_h);
}
