/* GIF -> RGB with giflib: the first frame, read line by line and written
 * straight into the RGB canvas through its palette (no index image is kept,
 * and the frames after the first are never read).
 *
 * Pillow's first frame, which this reproduces (PIL/GifImagePlugin): the
 * canvas is the logical screen, grown to hold the frame if the frame reaches
 * beyond it; outside the frame it is the frame's transparent index if a
 * graphic control extension gives one, else index 0; inside, every pixel of
 * the frame (the transparent index too). The palette is the frame's local
 * colour table, else the global one, else the grey ramp (rgb_palette). */
#include <gif_lib.h>
#include <stdio.h>
#include <string.h>

#include "image_formats.h"

typedef struct {
    const uint8_t *data;
    size_t len, pos;
} memory_source;

static int read_memory(GifFileType *g, GifByteType *buf, int n)
{
    memory_source *s = g->UserData;
    size_t k = s->len - s->pos < (size_t)n ? s->len - s->pos : (size_t)n;
    memcpy(buf, s->data + s->pos, k);
    s->pos += k;
    return (int)k;
}

static outcome invalid(GifFileType *g, char *err, size_t errlen)
{
    const char *why = GifErrorString(g->Error);
    snprintf(err, errlen, "corrupt or truncated GIF: %s", why ? why : "unknown error");
    return OUTCOME_INVALID_IMAGE;
}

/* Reads up to the first image descriptor; *transparent is the index a graphic
 * control extension before it names, or -1. */
static outcome find_first_frame(GifFileType *g, int *transparent, char *err, size_t errlen)
{
    *transparent = -1;
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(g, &type) == GIF_ERROR)
            return invalid(g, err, errlen);
        if (type == IMAGE_DESC_RECORD_TYPE)
            return DGifGetImageDesc(g) == GIF_ERROR ? invalid(g, err, errlen) : OUTCOME_OK;
        if (type == TERMINATE_RECORD_TYPE) {
            snprintf(err, errlen, "not a decodable GIF: no image in the file");
            return OUTCOME_INVALID_IMAGE;
        }
        if (type != EXTENSION_RECORD_TYPE)
            continue;
        int code;
        GifByteType *block;
        if (DGifGetExtension(g, &code, &block) == GIF_ERROR)
            return invalid(g, err, errlen);
        /* block[0] is the length; a graphic control block is flags, delay (2), transparent index */
        if (code == GRAPHICS_EXT_FUNC_CODE && block && block[0] >= 4 && (block[1] & 1))
            *transparent = block[4];
        while (block)
            if (DGifGetExtensionNext(g, &block) == GIF_ERROR)
                return invalid(g, err, errlen);
    }
}

/* The canvas, once the first frame's descriptor is read: the logical screen,
 * grown to hold the frame. */
static void canvas(const GifFileType *g, size_t *w, size_t *h)
{
    const GifImageDesc *f = &g->Image;
    *w = (size_t)g->SWidth > (size_t)f->Left + (size_t)f->Width ? (size_t)g->SWidth : (size_t)f->Left + (size_t)f->Width;
    *h = (size_t)g->SHeight > (size_t)f->Top + (size_t)f->Height ? (size_t)g->SHeight : (size_t)f->Top + (size_t)f->Height;
}

static outcome decode_with(GifFileType *g, const image_decode_options *opt, pixel_buffer *px, rgb_image *out, char *err,
                           size_t errlen)
{
    int transparent;
    outcome st = find_first_frame(g, &transparent, err, errlen);
    if (st != OUTCOME_OK)
        return st;
    const GifImageDesc *f = &g->Image;
    size_t x0 = (size_t)f->Left, y0 = (size_t)f->Top, fw = (size_t)f->Width, fh = (size_t)f->Height, w, h;
    canvas(g, &w, &h);
    if ((st = image_check_size(w, h, opt, err, errlen)) != OUTCOME_OK)
        return st;
    rgb_palette pal;
    rgb_palette_init_ramp(&pal);
    const ColorMapObject *map = f->ColorMap ? f->ColorMap : g->SColorMap;
    for (int i = 0; map && i < map->ColorCount && i < 256; i++) {
        pal.rgb[i][0] = map->Colors[i].Red;
        pal.rgb[i][1] = map->Colors[i].Green;
        pal.rgb[i][2] = map->Colors[i].Blue;
    }
    GifPixelType line[65536]; /* a GIF dimension is 16 bits */
    if ((st = pixel_buffer_reserve(px, w, h, 3, err, errlen)) != OUTCOME_OK)
        return st;
    uint8_t fill[3];
    rgb_palette_put(fill, &pal, transparent >= 0 ? (unsigned)transparent : 0);
    for (size_t i = 0; i < w * h; i++)
        memcpy(px->data + 3 * i, fill, 3);
    /* Interlaced frames store rows 0, 8, 16 ..., then 4, 12 ..., then 2, 6 ..., then 1, 3 ... */
    static const size_t first[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (int pass = f->Interlace ? 0 : 3; pass < 4; pass++) {
        size_t from = f->Interlace ? first[pass] : 0, by = f->Interlace ? step[pass] : 1;
        for (size_t y = from; y < fh; y += by) {
            if (DGifGetLine(g, line, (int)fw) == GIF_ERROR)
                return invalid(g, err, errlen);
            uint8_t *dst = px->data + ((y0 + y) * w + x0) * 3;
            for (size_t x = 0; x < fw; x++)
                rgb_palette_put(dst + 3 * x, &pal, line[x]);
        }
    }
    *out = (rgb_image){(int)w, (int)h, (int)w, (int)h, px->data};
    return OUTCOME_OK;
}

uint64_t gif_pixels(const uint8_t *data, size_t len)
{
    memory_source src = {data, len, 0};
    int error = 0, transparent;
    char err[64];
    size_t w = 0, h = 0;
    GifFileType *g = DGifOpen(&src, read_memory, &error);
    if (g && find_first_frame(g, &transparent, err, sizeof err) == OUTCOME_OK)
        canvas(g, &w, &h);
    if (g)
        DGifCloseFile(g, &error);
    return (uint64_t)w * (uint64_t)h;
}

outcome gif_decode(const uint8_t *data, size_t len, const image_decode_options *opt, pixel_buffer *px, rgb_image *out,
                   char *err, size_t errlen)
{
    memory_source src = {data, len, 0};
    int error = 0;
    GifFileType *g = DGifOpen(&src, read_memory, &error);
    if (!g) {
        const char *why = GifErrorString(error);
        snprintf(err, errlen, "not a decodable GIF: %s", why ? why : "unknown error");
        return error == D_GIF_ERR_NOT_ENOUGH_MEM ? OUTCOME_OUT_OF_MEMORY : OUTCOME_INVALID_IMAGE;
    }
    outcome st = decode_with(g, opt, px, out, err, errlen);
    DGifCloseFile(g, &error);
    return st;
}
