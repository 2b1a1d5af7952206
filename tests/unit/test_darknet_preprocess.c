/* Darknet-style preprocessing (src/image/darknet_resize.h) against
 * libdarknet's own functions, linked here: for each photo, what
 * load_image_color + resize_min + crop_image (centre) and load_image_color +
 * resize_image (full frame) give, at several network sizes, must equal our
 * uint8 tensor / 255 within 1/255 (the bound), and in fact within
 * 0.5/255: ours is Darknet's very float rounded to 8 bits (both decode with
 * libjpeg-turbo, libdarknet through OpenCV), so any other difference is a
 * departure from Darknet's arithmetic.
 *
 * usage: test_darknet_preprocess PHOTO.jpg... */
#include <math.h>
#include <string.h>

#include "check.h"
#include "darknet_zoo.h"
#include "image/jpeg_decode.h"
#include "image/preprocess.h"

/* Darknet's float, rounded to 8 bits: 0.5/255 and float rounding. */
#define ROUNDED (0.5 / 255 + 1e-6)

static const int sizes[][2] = {{224, 224}, {256, 256}, {448, 448}, {227, 227}, {320, 192}};

/* The largest difference between Darknet's C,H,W float image and our packed uint8 RGB / 255. */
static double worst_difference(image want, const uint8_t *got)
{
    double worst = 0;
    for (int k = 0; k < 3; k++)
        for (int y = 0; y < want.h; y++)
            for (int x = 0; x < want.w; x++) {
                double d = want.data[(k * want.h + y) * want.w + x] - got[((size_t)y * want.w + x) * 3 + k] / 255.0;
                worst = fmax(worst, fabs(d));
            }
    return worst;
}

static void compare(const char *path)
{
    size_t len;
    unsigned char *jpeg = check_read_file(path, &len);
    jpeg_decoder *d = jpeg_decoder_new();
    image_decode_options opt = {.max_pixels = 1u << 26, .min_side = 1};
    rgb_image img;
    char err[256];
    if (!check(jpeg && d && jpeg_decode(d, jpeg, len, &opt, &img, err, sizeof err) == OUTCOME_OK, "decode %s", path)) {
        free(jpeg);
        jpeg_decoder_free(d);
        return;
    }
    image im = load_image_color((char *)path, 0, 0);
    check(im.w == img.width && im.h == img.height, "%s: libdarknet decodes %dx%d, we %dx%d", path, im.w, im.h,
          img.width, img.height);
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        uint8_t *ours = malloc((size_t)w * h * 3);
        image resized = resize_min(im, w);
        image crop = crop_image(resized, (resized.w - w) / 2, (resized.h - h) / 2, w, h);
        preprocess_rgb(NULL, img.rgb, img.width, img.height, PREPROCESS_DARKNET, CROP_CENTER, ours, w, h);
        double worst = worst_difference(crop, ours);
        check(worst <= ROUNDED, "%s at %dx%d, resize_min + centre crop_image: rounded to 8 bits (worst %.4f/255)",
              path, w, h, worst * 255);
        image full = resize_image(im, w, h);
        preprocess_rgb(NULL, img.rgb, img.width, img.height, PREPROCESS_DARKNET, CROP_FULL, ours, w, h);
        worst = worst_difference(full, ours);
        check(worst <= ROUNDED, "%s at %dx%d, resize_image of the whole frame: rounded to 8 bits (worst %.4f/255)",
              path, w, h, worst * 255);
        if (resized.data != im.data)
            free_image(resized);
        free_image(crop);
        free_image(full);
        free(ours);
    }
    free_image(im);
    free(jpeg);
    jpeg_decoder_free(d);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PHOTO.jpg...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        compare(argv[i]);
    return check_done();
}
