/* Darknet's detector input (letterbox.h). */
#include "letterbox.h"

#include <stddef.h>

#include "../image/darknet_resize.h"

void letterbox_size(int w, int h, int net_w, int net_h, int letterbox, int *new_w, int *new_h)
{
    if (!letterbox) {
        *new_w = net_w;
        *new_h = net_h;
    } else if ((float)net_w / w < (float)net_h / h) {
        *new_w = net_w;
        *new_h = (int)((long long)h * net_w / w);
    } else {
        *new_h = net_h;
        *new_w = (int)((long long)w * net_h / h);
    }
    /* Where libdarknet's integer division gives 0 (an image over net_w times
     * wider than high), one row or column: it would divide by zero. */
    *new_w = *new_w < 1 ? 1 : *new_w;
    *new_h = *new_h < 1 ? 1 : *new_h;
}

void letterbox_image_planar(const uint8_t *rgb, int w, int h, int net_w, int net_h, int letterbox, float *out)
{
    int new_w, new_h;
    letterbox_size(w, h, net_w, net_h, letterbox, &new_w, &new_h);
    if (new_w != net_w || new_h != net_h)
        for (size_t i = 0; i < (size_t)3 * net_w * net_h; i++)
            out[i] = 0.5f;
    darknet_resize_planar(rgb, w, h, new_w, new_h, out, net_w, net_h, (net_w - new_w) / 2, (net_h - new_h) / 2);
}
