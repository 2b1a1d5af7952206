/* PNG -> RGB with libspng, decoding row by row so that only the RGB result
 * is held whatever the bit depth (an interlaced image's passes land in it at
 * their Adam7 positions).
 *
 * Pillow's conversion, which this reproduces (PIL/PngImagePlugin's modes,
 * then convert("RGB")):
 *   grey 1/2/4-bit   v * 255 / (2^depth - 1)           (modes "1", "L;2", "L;4")
 *   grey 8-bit       v
 *   grey 16-bit      min(v, 255): mode "I", whose conversion to RGB clips
 *   grey+alpha, RGB, RGBA 16-bit   the high byte of each sample
 *   palette          the entry, or grey i beyond the PLTE (rgb_palette)
 *   alpha and tRNS   ignored
 * Ancillary chunks (gamma, ICC profiles) are ignored, as Pillow's convert does. */
#include <spng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_formats.h"

/* Decompressed text and profile chunks kept by libspng, at most (zTXt and iCCP are compressed). */
#define PNG_CHUNK_CACHE_LIMIT (4u << 20)

/* libspng 0.7 refuses (EINVAL) a chunk size limit above the cache limit, so
 * the cache limit grows with the file: a file's own chunks are never larger
 * than the file, and decompressed text is still held to the larger of the two. */
static int set_chunk_limits(spng_ctx *ctx, size_t len)
{
    size_t chunk = len < 0x7fffffffu ? len : 0x7fffffffu;
    return spng_set_chunk_limits(ctx, chunk, chunk > PNG_CHUNK_CACHE_LIMIT ? chunk : PNG_CHUNK_CACHE_LIMIT);
}

/* Sample i of a raw (big-endian, packed) row. */
static unsigned sample(const uint8_t *row, size_t i, int depth)
{
    switch (depth) {
    case 8: return row[i];
    case 16: return (unsigned)row[2 * i] << 8 | row[2 * i + 1];
    default: {
        size_t bit = i * (size_t)depth;
        return (unsigned)(row[bit / 8] >> (8 - depth - bit % 8)) & ((1u << depth) - 1);
    }
    }
}

/* One pixel of a raw row to RGB, Pillow's way (see the top of the file). */
static void pixel_to_rgb(const uint8_t *row, size_t x, const struct spng_ihdr *h, const rgb_palette *pal,
                         uint8_t *out)
{
    const int d = h->bit_depth;
    switch (h->color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE: {
        unsigned v = sample(row, x, d);
        v = d < 8 ? v * 255 / ((1u << d) - 1) : d == 16 ? (v > 255 ? 255 : v) : v;
        out[0] = out[1] = out[2] = (uint8_t)v;
        return;
    }
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
        out[0] = out[1] = out[2] = (uint8_t)(sample(row, 2 * x, d) >> (d - 8));
        return;
    case SPNG_COLOR_TYPE_INDEXED: rgb_palette_put(out, pal, sample(row, x, d)); return;
    default: { /* truecolour, with or without alpha */
        size_t n = h->color_type == SPNG_COLOR_TYPE_TRUECOLOR ? 3 : 4;
        for (size_t c = 0; c < 3; c++)
            out[c] = (uint8_t)(sample(row, n * x + c, d) >> (d - 8));
        return;
    }
    }
}

static size_t channels_of(uint8_t color_type)
{
    switch (color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: return 2;
    case SPNG_COLOR_TYPE_TRUECOLOR: return 3;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: return 4;
    default: return 1;
    }
}

uint64_t png_pixels(const uint8_t *data, size_t len)
{
    /* IHDR, which a PNG must begin with: width and height, big-endian, at bytes 16 and 20 */
    if (len < 24)
        return 0;
    uint64_t w = (uint64_t)data[16] << 24 | (uint64_t)data[17] << 16 | (uint64_t)data[18] << 8 | data[19];
    uint64_t h = (uint64_t)data[20] << 24 | (uint64_t)data[21] << 16 | (uint64_t)data[22] << 8 | data[23];
    return w * h;
}

static outcome decode_with(spng_ctx *ctx, const uint8_t *data, size_t len, const image_decode_options *opt,
                           pixel_buffer *px, rgb_image *out, char *err, size_t errlen)
{
    /* Adam7: the first column and the column step of each pass (a plain image is one pass 0 of step 1). */
    static const int pass_x0[7] = {0, 4, 0, 2, 0, 1, 0}, pass_dx[7] = {8, 8, 4, 4, 2, 2, 1};
    struct spng_ihdr h;
    int rc = spng_set_png_buffer(ctx, data, len);
    if (!rc)
        rc = set_chunk_limits(ctx, len);
    if (!rc)
        rc = spng_get_ihdr(ctx, &h);
    if (rc) {
        snprintf(err, errlen, "not a decodable PNG: %s", spng_strerror(rc));
        return OUTCOME_INVALID_IMAGE;
    }
    outcome st = image_check_size(h.width, h.height, opt, err, errlen);
    if (st != OUTCOME_OK)
        return st;
    rgb_palette pal;
    rgb_palette_init_ramp(&pal);
    if (h.color_type == SPNG_COLOR_TYPE_INDEXED) {
        struct spng_plte plte;
        if ((rc = spng_get_plte(ctx, &plte))) {
            snprintf(err, errlen, "not a decodable PNG: palette image without a palette: %s", spng_strerror(rc));
            return OUTCOME_INVALID_IMAGE;
        }
        for (uint32_t i = 0; i < plte.n_entries && i < 256; i++) {
            pal.rgb[i][0] = plte.entries[i].red;
            pal.rgb[i][1] = plte.entries[i].green;
            pal.rgb[i][2] = plte.entries[i].blue;
        }
    }
    const size_t w = h.width, height = h.height;
    const size_t row_bytes = (w * channels_of(h.color_type) * h.bit_depth + 7) / 8;
    if ((st = pixel_buffer_reserve(px, w, height, 3, err, errlen)) != OUTCOME_OK)
        return st;
    uint8_t *row = malloc(row_bytes);
    if (!row) {
        snprintf(err, errlen, "out of memory for a row of %zu bytes", row_bytes);
        return OUTCOME_OUT_OF_MEMORY;
    }
    rc = spng_decode_image(ctx, NULL, 0, SPNG_FMT_RAW, SPNG_DECODE_PROGRESSIVE);
    while (!rc) {
        struct spng_row_info ri;
        if ((rc = spng_get_row_info(ctx, &ri)))
            break;
        /* Below 8 bits libspng ORs an interlaced pass's samples into the row: it must start clear. */
        memset(row, 0, row_bytes);
        rc = spng_decode_row(ctx, row, row_bytes);
        if (rc && rc != SPNG_EOI)
            break;
        /* libspng puts a pass's pixels at their places in the row; only those are new. */
        int pass = h.interlace_method ? ri.pass : 6;
        uint8_t *dst = px->data + (size_t)ri.row_num * w * 3;
        for (size_t x = (size_t)pass_x0[pass]; x < w; x += (size_t)pass_dx[pass])
            pixel_to_rgb(row, x, &h, &pal, dst + 3 * x);
    }
    free(row);
    if (rc != SPNG_EOI) {
        snprintf(err, errlen, "corrupt or truncated PNG: %s", spng_strerror(rc));
        return OUTCOME_INVALID_IMAGE;
    }
    *out = (rgb_image){(int)w, (int)height, (int)w, (int)height, px->data};
    return OUTCOME_OK;
}

outcome png_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                   char *err, size_t errlen)
{
    spng_ctx *ctx = spng_ctx_new(0);
    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        return OUTCOME_OUT_OF_MEMORY;
    }
    outcome st = decode_with(ctx, data, len, opt, px, out, err, errlen);
    spng_ctx_free(ctx);
    return st;
}
