/* DCT-scaled decoding of big photos must not change the answers that matter:
 * - every Coral photo, enlarged 4x to a phone-sized JPEG, gets the same top-1
 *   class with scaling as with a full-size decode (and is really decoded smaller);
 * - the Coral JPEGs at their own size are not scaled at all: identical top-3
 *   probabilities with and without (their tensors are the reference's). */
#include <string.h>
#include <turbojpeg.h>

#include "check.h"
#include "image/jpeg_decode.h"
#include "image/pillow_resize.h"
#include "predict/predictor.h"

#define ENLARGE 4

/* An uncompressed 24-bit BMP (the Coral test photos) as packed RGB. */
static uint8_t *load_bmp(const uint8_t *f, size_t len, int *w, int *h)
{
    if (len < 54 || f[0] != 'B' || f[1] != 'M' || f[28] != 24 || f[30] != 0)
        return NULL;
    uint32_t off = f[10] | f[11] << 8 | (uint32_t)f[12] << 16;
    *w = f[18] | f[19] << 8 | f[20] << 16;
    *h = f[22] | f[23] << 8 | f[24] << 16; /* positive: rows stored bottom-up */
    size_t row = ((size_t)*w * 3 + 3) & ~(size_t)3;
    if (*w <= 0 || *h <= 0 || off + row * (size_t)*h > len)
        return NULL;
    uint8_t *rgb = malloc((size_t)*w * *h * 3);
    for (int y = 0; rgb && y < *h; y++)
        for (int x = 0; x < *w; x++)
            for (int c = 0; c < 3; c++)
                rgb[((size_t)y * *w + x) * 3 + c] = f[off + (size_t)(*h - 1 - y) * row + (size_t)x * 3 + 2 - c];
    return rgb;
}

/* The photo (BMP or JPEG) enlarged ENLARGE times with the bilinear resize, as a quality-92 JPEG. */
static uint8_t *enlarged_jpeg(const uint8_t *file, size_t flen, unsigned long *len)
{
    int w = 0, h = 0;
    char err[256];
    jpeg_decoder *d = jpeg_decoder_new();
    rgb_image img;
    uint8_t *rgb = load_bmp(file, flen, &w, &h), *big = NULL, *jpeg = NULL;
    if (!rgb &&
        jpeg_decode(d, file, flen, &(image_decode_options){1ull << 32, 1, 0, 0, 0}, &img, err, sizeof err) ==
            OUTCOME_OK &&
        (rgb = malloc((size_t)img.width * img.height * 3))) {
        w = img.width;
        h = img.height;
        memcpy(rgb, img.rgb, (size_t)w * h * 3);
    }
    jpeg_decoder_free(d);
    int bw = w * ENLARGE, bh = h * ENLARGE;
    tjhandle tj = tjInitCompress();
    big = rgb ? malloc((size_t)bw * bh * 3) : NULL;
    resize_workspace *ws = resize_workspace_new();
    if (tj && big && ws && resize_bilinear_rgb(ws, rgb, w, h, w * 3, big, bw, bh) == 0 &&
        tjCompress2(tj, big, bw, 0, bh, TJPF_RGB, &jpeg, len, TJSAMP_420, 92, 0) != 0) {
        tjFree(jpeg);
        jpeg = NULL;
    }
    tjDestroy(tj);
    resize_workspace_free(ws);
    free(rgb);
    free(big);
    return jpeg;
}

static int classify(predictor *p, const served_model *m, const uint8_t *jpeg, size_t len, int dct_scaling,
                    prediction_result *res)
{
    predict_limits limits = {1ull << 32, 1, dct_scaling};
    char err[256];
    outcome st = predictor_run_image(p, m, jpeg, len, CROP_CENTER, 3, &limits, res, err, sizeof err);
    if (st != OUTCOME_OK)
        printf("# %s\n", err);
    return st == OUTCOME_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_DIR CORAL_IMAGES_DIR\n", argv[0]);
        return 2;
    }
    const char *photos[] = {"bird.bmp", "cat.bmp", "dragonfly.bmp", "grace_hopper.bmp",
                            "hot_dog.jpg", "owl.jpg", "parrot.jpg", "sunflower.bmp"};
    char err[NN_ERR_LEN], path[4096];
    model_registry reg;
    if (model_registry_load(&reg, argv[1], "mobilenet_v1", "onednn", "fp32", err, sizeof err) < 0) {
        printf("# SKIP: %s\n", err);
        return 77;
    }
    predictor *p = predictor_new(&reg, 1, err, sizeof err);
    if (!check(p != NULL, "predictor: %s", p ? "ok" : err))
        return check_done();
    const served_model *m = &reg.models[0];
    for (int i = 0; i < 8; i++) {
        snprintf(path, sizeof path, "%s/%s", argv[2], photos[i]);
        size_t flen = 0;
        unsigned long len = 0;
        uint8_t *file = check_read_file(path, &flen), *jpeg = file ? enlarged_jpeg(file, flen, &len) : NULL;
        if (!check(jpeg != NULL, "read and enlarge %s", photos[i])) {
            free(file);
            continue;
        }
        prediction_result full, scaled;
        if (classify(p, m, jpeg, len, 0, &full) && classify(p, m, jpeg, len, 1, &scaled)) {
            check(scaled.decoded_width < full.width && full.decoded_width == full.width,
                  "%s x%d (%dx%d) is decoded at %dx%d", photos[i], ENLARGE, full.width, full.height,
                  scaled.decoded_width, scaled.decoded_height);
            check(full.top[0].index == scaled.top[0].index, "%s x%d: top-1 %d (%.4f) full size, %d (%.4f) scaled",
                  photos[i], ENLARGE, full.top[0].index, full.top[0].probability, scaled.top[0].index,
                  scaled.top[0].probability);
        }
        tjFree(jpeg);
        if (strstr(photos[i], ".jpg") && classify(p, m, file, flen, 0, &full) && classify(p, m, file, flen, 1, &scaled))
            check(!memcmp(full.top, scaled.top, sizeof full.top) && scaled.decoded_width == scaled.width,
                  "%s at its own size is decoded unscaled", photos[i]);
        free(file);
    }
    predictor_free(p);
    model_registry_free(&reg);
    return check_done();
}
