#include "preprocess.h"

#include <string.h>


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

int preprocess_rgb(resize_workspace *ws, const uint8_t *rgb, int w, int h, crop_mode mode, uint8_t *out, int out_w,
                   int out_h)
{
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
