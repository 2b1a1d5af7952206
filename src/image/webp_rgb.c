#include "webp_rgb.h"

#include <errno.h>
#include <webp/decode.h>

int webp_rgb_decode(const uint8_t *data, size_t len, uint8_t *out, size_t size, int stride)
{
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config))
        return WEBP_RGB_CORRUPT;
    config.output.colorspace = MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = out;
    config.output.u.RGBA.stride = stride;
    config.output.u.RGBA.size = size;
    errno = 0;
    VP8StatusCode rc = WebPDecode(data, len, &config);
    if (rc == VP8_STATUS_OK)
        return WEBP_RGB_OK;
    /* libwebp's lossless decoder reports some failed allocations as a
     * bitstream error; malloc's ENOMEM tells them apart. */
    return rc == VP8_STATUS_OUT_OF_MEMORY || errno == ENOMEM ? WEBP_RGB_OUT_OF_MEMORY : WEBP_RGB_CORRUPT;
}
