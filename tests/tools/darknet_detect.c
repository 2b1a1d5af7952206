/* darknet_detect CFG WEIGHTS IMAGE THRESH NMS: libdarknet's own detections
 * of IMAGE, the oracle of the HTTP tests of POST /detect. The image is
 * decoded with lookslike's decoder (any format it reads; what libdarknet's
 * stb_image would decode is not the question), made libdarknet's float image
 * (v / 255), then libdarknet alone: letterbox_image, network_predict,
 * get_network_boxes (relative) and, unless NMS is 0, do_nms_sort. Writes a
 * JSON list to stdout: per box and class above 0 after NMS, {"index",
 * "confidence", "box": [x, y, width, height]} in the image's pixels, the
 * corners clipped to the image, as /detect answers. */
#include <darknet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "file_read.h"
#include "image/image_decode.h"
#include "nn/darknet_free.h"

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: darknet_detect CFG WEIGHTS IMAGE THRESH NMS\n");
        return 2;
    }
    float thresh = strtof(argv[4], NULL), nms = strtof(argv[5], NULL);
    char err[256];
    size_t len;
    uint8_t *data = file_read(argv[3], 1u << 30, &len, err, sizeof err);
    image_decoder *d = image_decoder_new();
    rgb_image img;
    image_decode_options opt = {.max_pixels = 1ull << 28, .min_side = 1};
    if (!data || !d || image_decode(d, data, len, &opt, &img, err, sizeof err) != OUTCOME_OK) {
        fprintf(stderr, "%s: %s\n", argv[3], err);
        return 1;
    }
    int w = img.width, h = img.height;
    image im = make_image(w, h, 3);
    for (int k = 0; k < 3; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                im.data[(size_t)k * w * h + (size_t)y * w + x] = (float)img.rgb[((size_t)y * w + x) * 3 + k] / 255.;
    network *net = load_network(argv[1], argv[2], 0);
    set_batch_network(net, 1);
    image boxed = letterbox_image(im, net->w, net->h);
    network_predict(net, boxed.data);
    int nboxes = 0, classes = net->layers[net->n - 1].classes;
    detection *dets = get_network_boxes(net, w, h, thresh, 0.5f, 0, 1, &nboxes);
    if (nms > 0)
        do_nms_sort(dets, nboxes, classes, nms);
    printf("[");
    int first = 1;
    for (int i = 0; i < nboxes; i++)
        for (int k = 0; k < classes; k++) {
            if (!(dets[i].prob[k] > 0))
                continue;
            box b = dets[i].bbox;
            double left = fmax(0.0, ((double)b.x - b.w / 2.0) * w), top = fmax(0.0, ((double)b.y - b.h / 2.0) * h);
            double right = fmin(w, ((double)b.x + b.w / 2.0) * w), bottom = fmin(h, ((double)b.y + b.h / 2.0) * h);
            printf("%s{\"index\": %d, \"confidence\": %.9g, \"box\": [%.4f, %.4f, %.4f, %.4f]}", first ? "" : ",\n", k,
                   dets[i].prob[k], left, top, fmax(0.0, right - left), fmax(0.0, bottom - top));
            first = 0;
        }
    printf("]\n");
    free_detections(dets, nboxes);
    free_image(boxed);
    free_image(im);
    darknet_free_network(net);
    free(data);
    image_decoder_free(d);
    return 0;
}
