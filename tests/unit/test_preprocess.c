/* Decode + crop + resize must reproduce the tensors the TFLite reference was
 * fed (Pillow's decoding: libjpeg-turbo defaults for the JPEGs, its BMP reader
 * for the BMP photos; Pillow BILINEAR), byte for byte (at most 1 off). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "image/image_decode.h"
#include "image/preprocess.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORAL_IMAGES_DIR REFERENCE_DIR\n", argv[0]);
        return 2;
    }
    const char *photos[] = {"hot_dog.jpg", "owl.jpg", "parrot.jpg", "bird.bmp", "cat.bmp", "dragonfly.bmp",
                            "grace_hopper.bmp", "sunflower.bmp"};
    const int count = (int)(sizeof photos / sizeof *photos);
    image_decoder *d = image_decoder_new();
    resize_workspace *ws = resize_workspace_new();
    uint8_t out[224 * 224 * 3];
    for (int i = 0; i < count; i++) {
        char path[4096], err[256];
        size_t len, rlen;
        snprintf(path, sizeof path, "%s/%s", argv[1], photos[i]);
        uint8_t *file = check_read_file(path, &len);
        if (!file) {
            printf("# SKIP: %s not found\n", path);
            image_decoder_free(d);
            return 77;
        }
        rgb_image img;
        int st = image_decode(d, file, len, &(image_decode_options){50000000, 1, 0, 0, 0}, &img, err, sizeof err);
        free(file);
        if (!check(st == OUTCOME_OK, "decode %s: %s", photos[i], st == OUTCOME_OK ? "ok" : err))
            continue;
        for (crop_mode mode = CROP_CENTER; mode <= CROP_FULL; mode++) {
            snprintf(path, sizeof path, "%s/tensors/%s.%s.rgb", argv[2], photos[i], mode == CROP_CENTER ? "crop" : "full");
            uint8_t *ref = check_read_file(path, &rlen);
            if (!check(ref && rlen == sizeof out, "reference %s", path)) {
                free(ref);
                continue;
            }
            preprocess_rgb(ws, img.rgb, img.width, img.height, PREPROCESS_TF_SLIM, mode, out, 224, 224);
            int worst = 0, differ = 0;
            for (size_t k = 0; k < sizeof out; k++) {
                int dlt = abs(out[k] - ref[k]);
                differ += dlt != 0;
                if (dlt > worst)
                    worst = dlt;
            }
            check(worst <= 1, "%s %s: max difference %d, %d of %zu bytes differ", photos[i],
                  crop_mode_name(mode), worst, differ, sizeof out);
            free(ref);
        }
    }
    image_decoder_free(d);
    resize_workspace_free(ws);
    return check_done();
}
