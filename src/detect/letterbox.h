/* A detector's input, made as Darknet makes it from a photo: the 8-bit RGB
 * values as v / 255 floats, resized with libdarknet's resize_image
 * (darknet_resize.h) either into the network's size keeping the aspect
 * ratio, centred on gray 0.5 (letterbox_image, the [net] letter_box=1
 * default) or stretched to it (letter_box=0). The result is libdarknet's
 * float tensor bit for bit. Thread-safe, allocates nothing. */
#ifndef LOOKSLIKE_DETECT_LETTERBOX_H
#define LOOKSLIKE_DETECT_LETTERBOX_H

#include <stdint.h>

/* The size letterbox_image resizes a w x h image to inside net_w x net_h
 * (correct_yolo_boxes computes the same); with letterbox 0, the network's. */
void letterbox_size(int w, int h, int net_w, int net_h, int letterbox, int *new_w, int *new_h);

/* rgb: w x h packed RGB. out: 3 x net_h x net_w floats (C,H,W). */
void letterbox_image_planar(const uint8_t *rgb, int w, int h, int net_w, int net_h, int letterbox, float *out);

#endif
