/* Fuzz target: untrusted JPEG bytes -> decode -> crop and resize, both crops. */
#include <stddef.h>
#include <stdint.h>

#include "image/jpeg_decode.h"
#include "image/preprocess.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jpeg_decoder *d;
    static resize_workspace *ws;
    static uint8_t out[224 * 224 * 3];
    char err[256];
    rgb_image img;
    if (!d)
        d = jpeg_decoder_new(); /* reused like a worker's, so state leaking between images shows */
    if (!ws)
        ws = resize_workspace_new();
    /* a 4 MP limit keeps each run fast; the limit logic and DCT scaling (to no
     * less than 64x64) are exercised too */
    if (jpeg_decode(d, data, size, &(image_decode_options){4000000, 1, 64, 64, 0}, &img, err, sizeof err) ==
        OUTCOME_OK) {
        for (preprocess_style style = PREPROCESS_TF_SLIM; style <= PREPROCESS_DARKNET; style++)
            for (crop_mode mode = CROP_CENTER; mode <= CROP_FULL; mode++)
                preprocess_rgb(ws, img.rgb, img.width, img.height, style, mode, out, 224, 224);
    }
    return 0;
}
