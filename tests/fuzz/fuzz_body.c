/* Fuzz target: request body decoding (src/body). Input = a Content-Type line, '\n',
 * then the body; the body goes where the server would send it (JSON data URL
 * decoding, one image or an "images" list, then image decoding, whatever the
 * format, and preprocessing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_decode.h"
#include "image/preprocess.h"
#include "body/body_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static image_decoder *d;
    static resize_workspace *ws;
    static uint8_t out[224 * 224 * 3];
    char type[256], err[256];
    if (!d)
        d = image_decoder_new();
    if (!ws)
        ws = resize_workspace_new();
    const uint8_t *nl = memchr(data, '\n', size < sizeof type ? size : sizeof type - 1);
    if (!nl)
        return 0;
    size_t tlen = (size_t)(nl - data);
    memcpy(type, data, tlen);
    type[tlen] = '\0';
    const uint8_t *body = nl + 1;
    size_t len = size - tlen - 1;

    image_list images = {.count = 1, .data = {body}, .length = {len}}; /* raw: the body is the image */
    int batch;
    switch (body_kind_of(type)) {
    case BODY_KIND_JSON:
        if (body_images_from_json((const char *)body, len, 4, &images, &batch, err, sizeof err) != OUTCOME_OK)
            return 0;
        break;
    case BODY_KIND_IMAGE: break;
    default: return 0; /* multipart framing is libmicrohttpd's; other types are refused */
    }
    for (int i = 0; i < images.count; i++) {
        rgb_image img;
        if (image_decode(d, images.data[i], images.length[i], &(image_decode_options){4000000, 16, 0, 0, 0}, &img,
                         err, sizeof err) == OUTCOME_OK)
            preprocess_rgb(ws, img.rgb, img.width, img.height, PREPROCESS_TF_SLIM, CROP_CENTER, out, 224, 224);
    }
    image_list_free(&images);
    return 0;
}
