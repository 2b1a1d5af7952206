#include "jpeg_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

#include "jpeg_structure.h"

struct jpeg_decoder {
    tjhandle tj;
    pixel_buffer pixels;
};

jpeg_decoder *jpeg_decoder_new(void)
{
    jpeg_decoder *d = calloc(1, sizeof *d);
    if (d && !(d->tj = tjInitDecompress())) {
        free(d);
        d = NULL;
    }
    return d;
}

void jpeg_decoder_free(jpeg_decoder *d)
{
    if (!d)
        return;
    tjDestroy(d->tj);
    pixel_buffer_free(&d->pixels);
    free(d);
}

void jpeg_decoder_trim(jpeg_decoder *d, size_t keep)
{
    pixel_buffer_trim(&d->pixels, keep);
}

/* Adobe CMYK JPEGs store inverted ink values; as Pillow does, a pixel is
 * R = C * K / 255 with the stored (inverted) values. */
static void cmyk_to_rgb(uint8_t *px, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = px[4 * i], m = px[4 * i + 1], y = px[4 * i + 2], k = px[4 * i + 3];
        px[3 * i] = (uint8_t)(c * k / 255);
        px[3 * i + 1] = (uint8_t)(m * k / 255);
        px[3 * i + 2] = (uint8_t)(y * k / 255);
    }
}

/* After a failed decode a TurboJPEG handle can keep half-read state (the next
 * header read then reports "two SOI markers"), so it is replaced. */
static void reset_after_error(jpeg_decoder *d)
{
    tjhandle fresh = tjInitDecompress();
    if (fresh) {
        tjDestroy(d->tj);
        d->tj = fresh;
    }
}

/* The smallest scaling factor (at most 1) that keeps w x h at least
 * min_w x min_h; TurboJPEG lists them largest first. */
static tjscalingfactor choose_scale(int w, int h, int min_w, int min_h)
{
    tjscalingfactor best = {1, 1};
    int n = 0;
    const tjscalingfactor *f = tjGetScalingFactors(&n);
    for (int i = 0; f && i < n && (min_w > 0 || min_h > 0); i++) {
        if (f[i].num > f[i].denom)
            continue;
        if (TJSCALED(w, f[i]) >= min_w && TJSCALED(h, f[i]) >= min_h &&
            (long long)f[i].num * best.denom < (long long)best.num * f[i].denom)
            best = f[i];
    }
    return best;
}

outcome jpeg_decode(jpeg_decoder *d, const uint8_t *data, size_t len, const image_decode_options *opt, rgb_image *out,
                    char *err, size_t errlen)
{
    const uint64_t max_pixels = opt->max_pixels;
    /* TurboJPEG can report success for a stream that ends before its frame
     * header without setting the size, so it starts at 0 (= invalid). */
    int w = 0, h = 0, subsamp = -1, colorspace = -1;
    int rc = len == 0 || len > 0xffffffffu
                 ? -1
                 : tjDecompressHeader3(d->tj, data, (unsigned long)len, &w, &h, &subsamp, &colorspace);
    if (rc != 0 || w <= 0 || h <= 0) {
        snprintf(err, errlen, "not a decodable JPEG: %s",
                 !len ? "empty body" : rc != 0 ? tjGetErrorStr2(d->tj) : "no frame header");
        reset_after_error(d);
        return OUTCOME_INVALID_IMAGE;
    }
    outcome size_ok = image_check_size((uint64_t)w, (uint64_t)h, opt, err, errlen);
    if (size_ok != OUTCOME_OK)
        return size_ok;
    /* Cheap to measure (one pass over the bytes), expensive to find out by decoding. */
    jpeg_structure js;
    jpeg_structure_read(data, len, &js);
    uint64_t max_visits = max_pixels / 64 * JPEG_MAX_PASSES;
    if (js.block_visits > max_visits) {
        snprintf(err, errlen,
                 "JPEG with %d scans would take %llu block decodes; the limit is %llu (%d passes over the "
                 "largest image allowed)",
                 js.scans, (unsigned long long)js.block_visits, (unsigned long long)max_visits, JPEG_MAX_PASSES);
        return OUTCOME_IMAGE_TOO_COMPLEX;
    }
    if (js.coefficient_bytes > max_pixels * JPEG_COEFFICIENT_BYTES_PER_PIXEL) {
        snprintf(err, errlen, "%dx%d JPEG with %d scans needs %llu MB of coefficients to decode; the limit is %llu MB",
                 w, h, js.scans, (unsigned long long)(js.coefficient_bytes >> 20),
                 (unsigned long long)((max_pixels * JPEG_COEFFICIENT_BYTES_PER_PIXEL) >> 20));
        return OUTCOME_IMAGE_TOO_COMPLEX;
    }
    out->source_width = w;
    out->source_height = h;
    tjscalingfactor scale = choose_scale(w, h, opt->min_width, opt->min_height);
    w = TJSCALED(w, scale);
    h = TJSCALED(h, scale);
    int cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
    if ((size_ok = pixel_buffer_reserve(&d->pixels, (size_t)w, (size_t)h, cmyk ? 4 : 3, err, errlen)) != OUTCOME_OK)
        return size_ok;
    /* Warnings (e.g. a truncated file decoded as grey) are failures: we would
     * otherwise classify pixels the client never sent. */
    int flags = TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
    if (tjDecompress2(d->tj, data, (unsigned long)len, d->pixels.data, w, 0, h, cmyk ? TJPF_CMYK : TJPF_RGB, flags) != 0) {
        snprintf(err, errlen, "corrupt or truncated JPEG: %s", tjGetErrorStr2(d->tj));
        reset_after_error(d);
        return OUTCOME_INVALID_IMAGE;
    }
    if (cmyk)
        cmyk_to_rgb(d->pixels.data, (size_t)w * (size_t)h);
    out->width = w;
    out->height = h;
    out->rgb = d->pixels.data;
    return OUTCOME_OK;
}
