/* BMP -> RGB, read here: the format is a file header, an info header, an
 * optional palette or bit masks, and rows of pixels padded to 4 bytes, bottom
 * row first unless the height is negative.
 *
 *   "BM", file size (4), reserved (4), offset of the pixels (4)
 *   info header: its size (4), then for 12 bytes (OS/2): width, height (2 each, unsigned),
 *     planes, bits (2 each); for 40, 64, 108 or 124 bytes: width, height (4 each,
 *     little-endian; a height whose top byte is 0xff is negative: top row first),
 *     planes, bits (2 each), compression, image size, resolution x and y,
 *     colours used (4 each), ...; from byte 40 of the header (108, 124) the red,
 *     green, blue and alpha masks. A 40-byte header with bit-field compression is
 *     followed by the three colour masks.
 *   palette (1, 4, 8 bits): "colours used" entries (2^bits when 0) of B, G, R
 *     and a pad byte (B, G, R for the 12-byte header).
 *
 * What is read, and how, is what Pillow 9 reads (PIL/BmpImagePlugin) and then
 * convert("RGB") yields: uncompressed 1/4/8-bit palettes (an index beyond the
 * palette is grey, see rgb_palette), 16-bit 5-5-5, 24-bit, 32-bit B, G, R, x;
 * bit fields only in the layouts Pillow lists (16-bit 5-6-5 and 5-5-5, 24-bit
 * B, G, R, 32-bit with the colour bytes in any of its five orders); a pixel
 * offset that points at the palette is moved past it, as Pillow does. The
 * last row need not be padded. Refused as unsupported: RLE compression, other
 * headers, depths and masks. */
#include <stdio.h>
#include <string.h>

#include "image_formats.h"

enum { BMP_RGB = 0, BMP_RLE8 = 1, BMP_RLE4 = 2, BMP_BITFIELDS = 3 };

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

/* How a 16/24/32-bit pixel's bytes hold the colours. */
typedef enum {
    PIXEL_BGR15, /* 16 bits, x:1 r:5 g:5 b:5 */
    PIXEL_BGR16, /* 16 bits, r:5 g:6 b:5 */
    PIXEL_BGR, /* 24 bits, bytes B G R */
    PIXEL_BGRX, /* 32 bits, bytes B G R x */
    PIXEL_XBGR, /* 32 bits, bytes x B G R */
    PIXEL_RGBX, /* 32 bits, bytes R G B x */
    PIXEL_PALETTE,
} pixel_layout;

/* The layout of a bit-field image from its masks, or -1 when Pillow does not read it. */
static int bitfield_layout(int bits, uint32_t r, uint32_t g, uint32_t b, uint32_t a)
{
    if (bits == 16 && r == 0xf800 && g == 0x7e0 && b == 0x1f)
        return PIXEL_BGR16;
    if (bits == 16 && r == 0x7c00 && g == 0x3e0 && b == 0x1f)
        return PIXEL_BGR15;
    if (bits == 24 && r == 0xff0000 && g == 0xff00 && b == 0xff)
        return PIXEL_BGR;
    if (bits != 32)
        return -1;
    if (r == 0xff0000 && g == 0xff00 && b == 0xff && (a == 0 || a == 0xff000000))
        return PIXEL_BGRX;
    if (r == 0xff000000 && g == 0xff0000 && b == 0xff00 && (a == 0 || a == 0xff))
        return PIXEL_XBGR;
    if (r == 0xff && g == 0xff00 && b == 0xff0000 && a == 0xff000000)
        return PIXEL_RGBX;
    if (!r && !g && !b && !a)
        return PIXEL_BGRX;
    return -1;
}

/* 5 or 6-bit channel to 8 bits, as Pillow's unpackers scale it. */
static uint8_t scale5(uint32_t v) { return (uint8_t)((v & 31) * 255 / 31); }
static uint8_t scale6(uint32_t v) { return (uint8_t)((v & 63) * 255 / 63); }

static void row_to_rgb(const uint8_t *src, size_t w, int bits, pixel_layout layout, const rgb_palette *pal,
                       uint8_t *dst)
{
    for (size_t x = 0; x < w; x++, dst += 3) {
        const uint8_t *p = src + x * (size_t)bits / 8;
        switch (layout) {
        case PIXEL_PALETTE: {
            size_t bit = x * (size_t)bits;
            rgb_palette_put(dst, pal, (unsigned)(src[bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1));
            break;
        }
        case PIXEL_BGR15: {
            uint32_t v = le16(p);
            dst[0] = scale5(v >> 10), dst[1] = scale5(v >> 5), dst[2] = scale5(v);
            break;
        }
        case PIXEL_BGR16: {
            uint32_t v = le16(p);
            dst[0] = scale5(v >> 11), dst[1] = scale6(v >> 5), dst[2] = scale5(v);
            break;
        }
        case PIXEL_BGR:
        case PIXEL_BGRX: dst[0] = p[2], dst[1] = p[1], dst[2] = p[0]; break;
        case PIXEL_XBGR: dst[0] = p[3], dst[1] = p[2], dst[2] = p[1]; break;
        case PIXEL_RGBX: dst[0] = p[0], dst[1] = p[1], dst[2] = p[2]; break;
        }
    }
}

static outcome truncated(const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "corrupt or truncated BMP: %s", what);
    return OUTCOME_INVALID_IMAGE;
}

static outcome unsupported(const char *what, uint32_t value, char *err, size_t errlen)
{
    snprintf(err, errlen, "unsupported BMP: %s %u", what, value);
    return OUTCOME_UNSUPPORTED_MEDIA_TYPE;
}

/* The file header and the info header's size, checked, and the image's size
 * (a negative height: rows top-down). */
static outcome header_size(const uint8_t *data, size_t len, size_t *header, uint64_t *w, uint64_t *h, int *top_down,
                           char *err, size_t errlen)
{
    if (len < 18 || memcmp(data, "BM", 2) != 0)
        return truncated("no file header", err, errlen);
    *header = le32(data + 14);
    if (*header != 12 && *header != 40 && *header != 64 && *header != 108 && *header != 124)
        return unsupported("info header of", (uint32_t)*header, err, errlen);
    if (len < 14 + *header)
        return truncated("info header cut short", err, errlen);
    const uint8_t *ih = data + 14;
    *top_down = 0;
    if (*header == 12) {
        *w = le16(ih + 4), *h = le16(ih + 6);
    } else {
        *w = le32(ih + 4), *h = le32(ih + 8);
        if (ih[11] == 0xff) { /* negative height */
            *top_down = 1;
            *h = (1ull << 32) - *h;
        }
    }
    return OUTCOME_OK;
}

uint64_t bmp_pixels(const uint8_t *data, size_t len)
{
    char err[64];
    size_t header;
    uint64_t w, h;
    int top_down;
    return header_size(data, len, &header, &w, &h, &top_down, err, sizeof err) == OUTCOME_OK ? w * h : 0;
}

outcome bmp_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                   char *err, size_t errlen)
{
    size_t header;
    uint64_t w, h;
    int top_down;
    outcome st = header_size(data, len, &header, &w, &h, &top_down, err, errlen);
    if (st != OUTCOME_OK)
        return st;
    const uint8_t *ih = data + 14;
    size_t offset = le32(data + 10), pos = 14 + header; /* palette or masks follow */
    uint32_t bits = le16(ih + (header == 12 ? 10 : 14)), compression = BMP_RGB, colours = 0;
    if (header != 12)
        compression = le32(ih + 16), colours = le32(ih + 32);
    if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
        return unsupported("pixel depth", bits, err, errlen);
    pixel_layout layout = bits <= 8 ? PIXEL_PALETTE : bits == 16 ? PIXEL_BGR15 : bits == 24 ? PIXEL_BGR : PIXEL_BGRX;
    if (compression == BMP_BITFIELDS) {
        uint32_t m[4] = {0, 0, 0, 0};
        if (header >= 56) {
            for (int i = 0; i < 4; i++)
                m[i] = le32(ih + 40 + 4 * i);
        } else {
            if (len < pos + 12)
                return truncated("bit masks cut short", err, errlen);
            for (int i = 0; i < 3; i++)
                m[i] = le32(data + pos + 4 * (size_t)i);
            pos += 12;
        }
        int l = bitfield_layout((int)bits, m[0], m[1], m[2], m[3]);
        if (l < 0)
            return unsupported("bit-field layout of depth", bits, err, errlen);
        layout = (pixel_layout)l;
    } else if (compression != BMP_RGB) {
        return unsupported(compression == BMP_RLE8 || compression == BMP_RLE4 ? "RLE compression" : "compression",
                           compression, err, errlen);
    }
    st = image_check_size(w, h, opt, err, errlen);
    if (st != OUTCOME_OK)
        return st;
    if (!w || !h)
        return truncated("no pixels", err, errlen);
    rgb_palette pal;
    rgb_palette_init_ramp(&pal);
    if (layout == PIXEL_PALETTE) {
        if (!colours)
            colours = 1u << bits;
        if (colours > 65536)
            return unsupported("palette size", colours, err, errlen);
        size_t entry = header == 12 ? 3 : 4;
        if (len < pos + entry * colours)
            return truncated("palette cut short", err, errlen);
        for (size_t i = 0; i < colours && i < 256; i++) {
            const uint8_t *e = data + pos + entry * i;
            pal.rgb[i][0] = e[2], pal.rgb[i][1] = e[1], pal.rgb[i][2] = e[0];
        }
        if (offset == 14 + header)
            offset += 4 * (size_t)colours;
    }
    const size_t stride = ((w * bits + 31) >> 3) & ~(size_t)3, row_bytes = (w * bits + 7) / 8;
    if (offset > len || len - offset < row_bytes || (len - offset - row_bytes) / stride < h - 1)
        return truncated("pixel rows cut short", err, errlen);
    if ((st = pixel_buffer_reserve(px, w, h, 3, err, errlen)) != OUTCOME_OK)
        return st;
    for (size_t y = 0; y < h; y++)
        row_to_rgb(data + offset + stride * (top_down ? y : h - 1 - y), w, (int)bits, layout, &pal,
                   px->data + y * w * 3);
    *out = (rgb_image){(int)w, (int)h, (int)w, (int)h, px->data};
    return OUTCOME_OK;
}
