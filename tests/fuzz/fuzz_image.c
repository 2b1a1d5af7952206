/* Fuzz target for one image decoder: untrusted bytes -> the decoder -> crop
 * and resize, every style and crop. Built once per format with
 * -DFUZZ_DECODER=png_decode (webp_decode, gif_decode, bmp_decode), so that
 * the fuzzer spends its time inside that decoder rather than finding its
 * signature; the JPEG decoder has its own target (fuzz_jpeg.c). */
#include <stddef.h>
#include <stdint.h>

#include "image/image_formats.h"
#include "image/preprocess.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pixel_buffer pixels; /* reused like a worker's, so state leaking between images shows */
    static resize_workspace *ws;
    static uint8_t out[224 * 224 * 3];
    char err[256];
    rgb_image img;
    if (!ws)
        ws = resize_workspace_new();
    /* a 4 MP limit keeps each run fast; the limit checks are exercised too */
    if (FUZZ_DECODER(data, size, &(image_decode_options){4000000, 1, 0, 0, 0}, &pixels, &img, err, sizeof err) ==
        OUTCOME_OK) {
        for (preprocess_style style = PREPROCESS_TF_SLIM; style <= PREPROCESS_DARKNET; style++)
            for (crop_mode mode = CROP_CENTER; mode <= CROP_FULL; mode++)
                preprocess_rgb(ws, img.rgb, img.width, img.height, style, mode, out, 224, 224);
    }
    return 0;
}
