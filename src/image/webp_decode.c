/* WebP -> RGB with libwebp, straight into the RGB buffer: a still image
 * (lossy, lossless, with or without alpha), or an animation's first frame on
 * its canvas.
 *
 * Pillow, which this reproduces, decodes every WebP with libwebp's animation
 * decoder into RGBA (fancy upsampling, libwebp's default) and convert("RGB")
 * drops the alpha: the colour samples are libwebp's, unpremultiplied, and a
 * canvas area the first frame does not cover is (0, 0, 0). */
#include <stdio.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

#include "image_formats.h"
#include "webp_helper.h"
#include "webp_rgb.h"

/* What a lossless bitstream (or alpha plane) may make libwebp allocate when decoded isolated:
 * its ARGB rows and transforms (4.1 to 4.4 bytes a pixel measured on photos
 * encoded at every effort), and the lookup tables of its prefix-code groups
 * (~12 KB each, more with a colour cache: a real encoder writes up to a few
 * hundred groups; the format allows one per 4x4 tile, which is what this
 * refuses). */
#define LOSSLESS_BYTES_PER_PIXEL 5
#define LOSSLESS_TABLE_BYTES ((size_t)32 << 20)

/* Whether this bitstream is decoded in the helper process, when asked to
 * isolate: a lossless one, and a lossy one with an alpha plane, which may be
 * lossless-coded (ALPH compression 1: the same decoder, the same tables).
 * Only a lossy bitstream without alpha is decoded here: its memory follows
 * its pixels. */
static int isolated(const uint8_t *data, size_t len, const image_decode_options *opt)
{
    WebPBitstreamFeatures f;
    return opt->isolate && WebPGetFeatures(data, len, &f) == VP8_STATUS_OK && (f.format == 2 || f.has_alpha);
}

/* Room for a w x h canvas: shared with the helper process when it decodes. */
static outcome reserve(pixel_buffer *px, size_t w, size_t h, int isolate, char *err, size_t errlen)
{
    return isolate ? pixel_buffer_reserve_shared(px, w, h, 3, err, errlen)
                   : pixel_buffer_reserve(px, w, h, 3, err, errlen);
}

/* Decodes a w x h bitstream into px (reserve()d for `isolate`) from byte
 * `offset` on, rows `stride` bytes apart, within `size` bytes. */
static outcome decode_bitstream(const uint8_t *data, size_t len, size_t w, size_t h, pixel_buffer *px, size_t offset,
                                size_t size, int stride, int isolate, char *err, size_t errlen)
{
    size_t budget = LOSSLESS_BYTES_PER_PIXEL * w * h + LOSSLESS_TABLE_BYTES;
    int rc = isolate ? webp_helper_decode(data, len, w, h, px->fd, offset, stride, budget)
                     : webp_rgb_decode(data, len, px->data + offset, size - offset, stride);
    switch (rc) {
    case WEBP_RGB_OK: return OUTCOME_OK;
    case WEBP_RGB_CORRUPT: snprintf(err, errlen, "corrupt or truncated WebP"); return OUTCOME_INVALID_IMAGE;
    case WEBP_HELPER_TIMED_OUT:
        snprintf(err, errlen, "this %zux%zu WebP took more than %d s to decode", w, h, WEBP_HELPER_DEADLINE_S);
        return OUTCOME_IMAGE_TOO_COMPLEX;
    case WEBP_RGB_OUT_OF_MEMORY:
    case WEBP_HELPER_FAILED:
        if (isolate) {
            snprintf(err, errlen, "this %zux%zu WebP (lossless, or with an alpha plane) needs more decoder memory "
                                  "than %zu MiB (%d bytes a pixel + %zu MiB for its prefix-code tables)",
                     w, h, budget >> 20, LOSSLESS_BYTES_PER_PIXEL, LOSSLESS_TABLE_BYTES >> 20);
            return OUTCOME_IMAGE_TOO_COMPLEX;
        }
        break;
    default: break;
    }
    snprintf(err, errlen, isolate ? "cannot start the WebP decoder process" : "out of memory decoding a WebP");
    return OUTCOME_OUT_OF_MEMORY;
}

/* An animation's first frame is a key frame: libwebp's animation decoder
 * clears its canvas and decodes the frame into its rectangle without
 * blending. The same is done here straight into the RGB buffer, so no RGBA
 * canvases (libwebp's decoder keeps two) are held. */
static outcome first_frame(const uint8_t *data, size_t len, size_t w, size_t h, const image_decode_options *opt,
                           pixel_buffer *px, rgb_image *out, char *err, size_t errlen)
{
    WebPData wd = {data, len};
    WebPDemuxer *demux = WebPDemux(&wd);
    WebPIterator frame;
    if (!demux || !WebPDemuxGetFrame(demux, 1, &frame)) {
        WebPDemuxDelete(demux);
        snprintf(err, errlen, "not a decodable WebP animation: no first frame");
        return OUTCOME_INVALID_IMAGE;
    }
    outcome st = OUTCOME_OK;
    size_t x0 = (size_t)frame.x_offset, y0 = (size_t)frame.y_offset;
    int isolate = isolated(frame.fragment.bytes, frame.fragment.size, opt); /* a frame's ALPH chunk counts too */
    if (x0 + (size_t)frame.width > w || y0 + (size_t)frame.height > h) {
        snprintf(err, errlen, "corrupt WebP animation: the first frame lies outside the canvas");
        st = OUTCOME_INVALID_IMAGE;
    } else if ((st = reserve(px, w, h, isolate, err, errlen)) == OUTCOME_OK) {
        memset(px->data, 0, w * h * 3);
        st = decode_bitstream(frame.fragment.bytes, frame.fragment.size, (size_t)frame.width, (size_t)frame.height, px,
                              (y0 * w + x0) * 3, w * h * 3, (int)(w * 3), isolate, err, errlen);
    }
    WebPDemuxReleaseIterator(&frame);
    WebPDemuxDelete(demux);
    if (st == OUTCOME_OK)
        *out = (rgb_image){(int)w, (int)h, (int)w, (int)h, px->data};
    return st;
}

uint64_t webp_pixels(const uint8_t *data, size_t len)
{
    WebPBitstreamFeatures f;
    return WebPGetFeatures(data, len, &f) == VP8_STATUS_OK ? (uint64_t)f.width * (uint64_t)f.height : 0;
}

outcome webp_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                    char *err, size_t errlen)
{
    WebPBitstreamFeatures f;
    VP8StatusCode rc = WebPGetFeatures(data, len, &f);
    if (rc != VP8_STATUS_OK) {
        snprintf(err, errlen, "not a decodable WebP (libwebp status %d)", (int)rc);
        return OUTCOME_INVALID_IMAGE;
    }
    outcome st = image_check_size((uint64_t)f.width, (uint64_t)f.height, opt, err, errlen);
    if (st != OUTCOME_OK)
        return st;
    size_t w = (size_t)f.width, h = (size_t)f.height;
    if (f.has_animation)
        return first_frame(data, len, w, h, opt, px, out, err, errlen);
    int isolate = isolated(data, len, opt);
    if ((st = reserve(px, w, h, isolate, err, errlen)) != OUTCOME_OK ||
        (st = decode_bitstream(data, len, w, h, px, 0, w * h * 3, (int)(w * 3), isolate, err, errlen)) != OUTCOME_OK)
        return st;
    *out = (rgb_image){(int)w, (int)h, (int)w, (int)h, px->data};
    return OUTCOME_OK;
}
