"""Images in every format and variant lookslike decodes, made at test time:
with Pillow where Pillow can write the variant, and by hand (the few lines of
each format below) where it cannot (16-bit and interlaced PNG, short palettes,
BMP bit fields, GIF frames smaller than the screen). cases(photo) yields
(name, bytes, expected) where expected is "rgb" (decodes to what Pillow's
Image.open().convert("RGB") gives) or the error code image_to_rgb reports (outcome.h).
Needs Debian's python3-pil (run with /usr/bin/python3)."""
import io
import random
import struct
import zlib

from PIL import Image


# --- PNG by hand: chunks, filter type 0 rows, optional Adam7 interlacing ---

def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def _pack_row(samples, depth):
    """Samples (ints) into bytes, big-endian, packed MSB first below 8 bits."""
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, bits = bytearray(), 0, 0
    for s in samples:
        acc, bits = acc << depth | s, bits + depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


def png(width, height, depth, color_type, pixels, plte=None, trns=None, interlace=False):
    """pixels[y][x] is a tuple of samples; written unfiltered."""
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        if x0 >= width or y0 >= height:
            continue
        for y in range(y0, height, dy):
            samples = [s for x in range(x0, width, dx) for s in pixels[y][x]]
            raw += b"\0" + _pack_row(samples, depth)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0,
                                                             1 if interlace else 0))
    if plte is not None:
        out += _chunk(b"PLTE", plte)
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    return out + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


# --- BMP by hand ---

def bmp(width, height, bits, rows, palette=b"", header=40, compression=0, masks=None, top_down=False,
        colours=0, offset=None):
    """rows: the pixel rows as stored (bottom row first unless top_down), unpadded."""
    stride = (width * bits + 31) // 32 * 4
    data = b"".join(r + b"\0" * (stride - len(r)) for r in rows)
    if header == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        info = struct.pack("<IiiHHIIiiII", header, width, -height if top_down else height, 1, bits, compression,
                           len(data), 2835, 2835, colours, 0)
        extra = b""
        if masks is not None and header >= 56:
            extra = struct.pack("<4I", *masks)
        info += (extra + b"\0" * header)[: header - 40]
    between = struct.pack("<3I", *masks[:3]) if masks is not None and header == 40 else b""
    start = 14 + len(info) + len(between) + len(palette)
    head = b"BM" + struct.pack("<IHHI", start + len(data), 0, 0, start if offset is None else offset)
    return head + info + between + palette + data


# --- GIF by hand: LZW with a clear code often enough that codes stay 9 bits ---

def _lzw_uncompressed(indices, min_code_size=8):
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    codes, out, acc, bits = [], bytearray(), 0, 0
    for i, v in enumerate(indices):
        if i % 250 == 0:
            codes.append(clear)
        codes.append(v)
    codes.append(end)
    for c in codes:
        acc |= c << bits
        bits += min_code_size + 1
        while bits >= 8:
            out.append(acc & 255)
            acc >>= 8
            bits -= 8
    if bits:
        out.append(acc & 255)
    blocks = b"".join(bytes([len(out[i:i + 255])]) + bytes(out[i:i + 255]) for i in range(0, len(out), 255))
    return bytes([min_code_size]) + blocks + b"\0"


def gif(screen, frame_box, indices, global_palette=None, local_palette=None, transparent=None, interlace=False):
    sw, sh = screen
    x0, y0, fw, fh = frame_box
    out = b"GIF89a" + struct.pack("<HH", sw, sh)
    if global_palette:
        bits = (len(global_palette) // 3).bit_length() - 2
        out += bytes([0x80 | bits, 0, 0]) + global_palette
    else:
        out += b"\0\0\0"
    if transparent is not None:
        out += b"\x21\xf9\x04" + bytes([1]) + b"\0\0" + bytes([transparent]) + b"\0"
    flags = 0x40 if interlace else 0
    lp = b""
    if local_palette:
        flags |= 0x80 | ((len(local_palette) // 3).bit_length() - 2)
        lp = local_palette
    rows = [indices[y * fw:(y + 1) * fw] for y in range(fh)]
    if interlace:
        order = list(range(0, fh, 8)) + list(range(4, fh, 8)) + list(range(2, fh, 4)) + list(range(1, fh, 2))
        rows = [rows[y] for y in order]
    out += b"\x2c" + struct.pack("<HHHHB", x0, y0, fw, fh, flags) + lp
    return out + _lzw_uncompressed([v for r in rows for v in r]) + b"\x3b"


def write_seeds(photo_path, out):
    """Every case into OUT/png, OUT/webp, OUT/gif, OUT/bmp, OUT/jpeg by its name's format."""
    import os
    photo = Image.open(photo_path).convert("RGB").crop((101, 97, 101 + 37, 97 + 29))
    for name, data, _ in cases(photo):
        fmt = name.split("-")[0]
        if os.path.isdir(os.path.join(out, fmt)):
            with open(os.path.join(out, fmt, name), "wb") as f:
                f.write(data)


def _riff_chunks(webp):
    """The chunks of a WebP file: [(fourcc, payload)]."""
    out, i = [], 12
    while i + 8 <= len(webp):
        kind, size = webp[i:i + 4], struct.unpack("<I", webp[i + 4:i + 8])[0]
        out.append((kind, webp[i + 8:i + 8 + size]))
        i += 8 + size + (size & 1)
    return out


def webp_animation(canvas, offset, frame_webp):
    """An animation of one frame, the still WebP frame_webp placed at offset (even) on the canvas;
    the background colour in its ANIM chunk is opaque red (decoders that follow libwebp ignore it)."""
    def chunk(kind, data):
        return kind + struct.pack("<I", len(data)) + data + b"\0" * (len(data) & 1)

    def u24(v):
        return struct.pack("<I", v)[:3]
    frame = Image.open(io.BytesIO(frame_webp))
    body = b"".join(chunk(k, d) for k, d in _riff_chunks(frame_webp) if k in (b"VP8 ", b"VP8L", b"ALPH"))
    anmf = u24(offset[0] // 2) + u24(offset[1] // 2) + u24(frame.width - 1) + u24(frame.height - 1) + u24(100) + b"\0"
    out = b"WEBP" + chunk(b"VP8X", bytes([0x12, 0, 0, 0]) + u24(canvas[0] - 1) + u24(canvas[1] - 1))
    out += chunk(b"ANIM", bytes([0, 0, 255, 255]) + b"\0\0") + chunk(b"ANMF", anmf + body)
    return b"RIFF" + struct.pack("<I", len(out)) + out


def _save(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def cases(photo):
    """photo: a Pillow RGB image, e.g. a 40x30 crop of a real photo."""
    w, h = photo.size
    rgba = photo.copy()
    rgba.putalpha(Image.linear_gradient("L").resize((w, h)))
    grey = photo.convert("L")
    pal = photo.quantize(64)
    px = list(photo.getdata())
    g = list(grey.getdata())
    a = list(rgba.getdata())
    rows = lambda f: [[f(x, y) for x in range(w)] for y in range(h)]  # noqa: E731

    # PNG: every colour type and depth, Pillow-written where it can
    for mode, im in [("rgb", photo), ("rgba", rgba), ("grey", grey), ("grey-alpha", rgba.convert("LA")),
                     ("palette", pal), ("bilevel", grey.convert("1"))]:
        yield "png-" + mode, _save(im, "PNG"), "rgb"
    pal_t = pal.copy()
    pal_t.info["transparency"] = 3
    yield "png-palette-trns", _save(pal_t, "PNG"), "rgb"
    yield "png-rgb-16", png(w, h, 16, 2, rows(lambda x, y: tuple(c * 256 + (x * 6) % 256 for c in px[y * w + x]))), "rgb"
    yield "png-rgba-16", png(w, h, 16, 6, rows(lambda x, y: tuple(c * 256 + y for c in a[y * w + x]))), "rgb"
    yield "png-grey-alpha-16", png(w, h, 16, 4, rows(lambda x, y: (g[y * w + x] * 257, 1000 * x))), "rgb"
    # 16-bit grey: Pillow's mode I clips at 255 rather than taking the high byte
    yield "png-grey-16", png(w, h, 16, 0, rows(lambda x, y: (g[y * w + x] * (x + 1) // 3,))), "rgb"
    for depth in (1, 2, 4):
        top = (1 << depth) - 1
        yield f"png-grey-{depth}bit", png(w, h, depth, 0, rows(lambda x, y: (g[y * w + x] >> (8 - depth),))), "rgb"
        yield f"png-grey-{depth}bit-interlaced", png(w, h, depth, 0, rows(lambda x, y: (g[y * w + x] >> (8 - depth),)),
                                                     interlace=True), "rgb"
        yield f"png-palette-{depth}bit-short", png(w, h, depth, 3, rows(lambda x, y: ((x + y) % (top + 1),)),
                                                   plte=bytes([200, 10, 10, 10, 200, 10])), "rgb"
    yield "png-rgb-interlaced", png(w, h, 8, 2, rows(lambda x, y: px[y * w + x]), interlace=True), "rgb"
    yield "png-rgba-16-interlaced", png(w, h, 16, 6, rows(lambda x, y: tuple(c * 257 for c in a[y * w + x])),
                                        interlace=True), "rgb"
    yield "png-palette-index-beyond", png(w, h, 8, 3, rows(lambda x, y: ((x * 7 + y) % 256,)),
                                          plte=bytes(range(30))), "rgb"
    yield "png-rgb-trns", png(w, h, 8, 2, rows(lambda x, y: px[y * w + x]), trns=b"\0\1\0\2\0\3"), "rgb"
    good = _save(photo, "PNG")
    yield "png-truncated", good[: len(good) // 2], "invalid_image"
    yield "png-bad-crc", good[:19] + bytes([good[19] ^ 1]) + good[20:], "invalid_image"  # the width's last byte
    yield "png-palette-missing", png(w, h, 8, 3, rows(lambda x, y: (0,))), "invalid_image"
    # Files over 4 MiB (libspng's chunk limits once refused them all): noise does not compress, so a
    # 1400x1100 RGB image is a 4.6 MB file, written by Pillow (64 KiB IDAT chunks) and as one IDAT chunk.
    noise = Image.frombytes("RGB", (1400, 1100), random.Random(7).randbytes(1400 * 1100 * 3))
    yield "png-rgb-4.6MB-pillow", _save(noise, "PNG"), "rgb"
    raw = b"".join(b"\0" + noise.tobytes()[y * 4200:(y + 1) * 4200] for y in range(1100))
    yield "png-rgb-4.6MB-one-idat", (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1400, 1100, 8, 2, 0, 0, 0))
                                     + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")), "rgb"
    bomb = png(1, 1, 8, 0, [[(0,)]])
    yield "png-too-many-pixels", bomb[:16] + struct.pack(">II", 100000, 100000) + bomb[24:], "image_too_large"

    # WebP: lossy, lossless, with alpha, an animation's first frame
    yield "webp-lossy", _save(photo, "WEBP", quality=80), "rgb"
    yield "webp-lossy-alpha", _save(rgba, "WEBP", quality=80), "rgb"
    yield "webp-lossless", _save(photo, "WEBP", lossless=True), "rgb"
    yield "webp-lossless-alpha", _save(rgba, "WEBP", lossless=True), "rgb"
    yield "webp-animated", _save(photo, "WEBP", save_all=True, append_images=[grey.convert("RGB")], duration=100,
                                 lossless=True), "rgb"
    quarter = photo.crop((0, 0, w // 2, h // 2))
    yield "webp-animated-small-frame", webp_animation((w, h), (4, 6), _save(quarter, "WEBP", lossless=True)), "rgb"
    yield "webp-animated-small-lossy-frame", webp_animation((w, h), (2, 2), _save(quarter, "WEBP", quality=70)), "rgb"
    yield "webp-animated-frame-outside", webp_animation((w // 2, h // 2), (4, 4), _save(quarter, "WEBP")), "invalid_image"
    lossy = _save(photo, "WEBP", quality=80)
    yield "webp-truncated", lossy[: len(lossy) * 2 // 3], "invalid_image"

    # GIF: first frame, palettes, interlacing, a frame smaller than the screen
    yield "gif-pillow", _save(pal, "GIF"), "rgb"
    yield "gif-pillow-animated", _save(pal, "GIF", save_all=True, append_images=[grey.convert("P")]), "rgb"
    idx = list(pal.getdata())
    palette = bytes(pal.getpalette()[: 3 * 64])
    yield "gif-global", gif((w, h), (0, 0, w, h), idx, global_palette=palette), "rgb"
    yield "gif-interlaced", gif((w, h), (0, 0, w, h), idx, global_palette=palette, interlace=True), "rgb"
    yield "gif-local-palette", gif((w, h), (0, 0, w, h), idx, global_palette=bytes(192),
                                   local_palette=palette[::-1]), "rgb"
    inner = [v for y in range(h // 2) for v in idx[y * w: y * w + w // 2]]
    yield "gif-small-frame", gif((w, h), (3, 5, w // 2, h // 2), inner, global_palette=palette), "rgb"
    yield "gif-small-frame-transparent", gif((w, h), (3, 5, w // 2, h // 2), inner, global_palette=palette,
                                             transparent=9), "rgb"
    yield "gif-frame-beyond-screen", gif((w // 2, h // 2), (4, 4, w // 2, h // 2), inner,
                                         global_palette=palette), "rgb"
    yield "gif-no-palette", gif((w, h), (0, 0, w, h), idx), "rgb"
    yield "gif-index-beyond", gif((w, h), (0, 0, w, h), [(v * 5) % 256 for v in idx],
                                  global_palette=palette[:48]), "rgb"
    whole = gif((w, h), (0, 0, w, h), idx, global_palette=palette)
    yield "gif-truncated", whole[: len(whole) // 2], "invalid_image"

    # BMP: Pillow-written, then the variants by hand
    for mode, im in [("rgb", photo), ("palette", pal), ("grey", grey), ("bilevel", grey.convert("1"))]:
        yield "bmp-" + mode, _save(im, "BMP"), "rgb"
    bgr = lambda y: b"".join(bytes(px[y * w + x][::-1]) for x in range(w))  # noqa: E731
    bottom_up = list(range(h - 1, -1, -1))
    yield "bmp-24-top-down", bmp(w, h, 24, [bgr(y) for y in range(h)], top_down=True), "rgb"
    yield "bmp-32", bmp(w, h, 32, [b"".join(bytes(px[y * w + x][::-1]) + b"\x55" for x in range(w))
                                   for y in bottom_up]), "rgb"
    five = lambda c: c >> 3  # noqa: E731
    for name, masks, pack in [
            ("555", (0x7C00, 0x3E0, 0x1F), lambda r, gg, b: five(r) << 10 | five(gg) << 5 | five(b)),
            ("565", (0xF800, 0x7E0, 0x1F), lambda r, gg, b: five(r) << 11 | (gg >> 2) << 5 | five(b))]:
        rows16 = [b"".join(struct.pack("<H", pack(*px[y * w + x])) for x in range(w)) for y in bottom_up]
        yield f"bmp-16-bitfields-{name}", bmp(w, h, 16, rows16, compression=3, masks=masks), "rgb"
        yield f"bmp-16-bitfields-{name}-v5", bmp(w, h, 16, rows16, header=124, compression=3,
                                                 masks=masks + (0,)), "rgb"
        if name == "555":
            yield "bmp-16", bmp(w, h, 16, rows16), "rgb"
    for name, masks, order in [("bgra", (0xFF0000, 0xFF00, 0xFF, 0xFF000000), (2, 1, 0, 3)),
                               ("rgba", (0xFF, 0xFF00, 0xFF0000, 0xFF000000), (0, 1, 2, 3)),
                               ("abgr", (0xFF000000, 0xFF0000, 0xFF00, 0xFF), (3, 2, 1, 0))]:
        rows32 = [b"".join(bytes((a[y * w + x][i] for i in order)) for x in range(w)) for y in bottom_up]
        yield f"bmp-32-bitfields-{name}", bmp(w, h, 32, rows32, header=124, compression=3, masks=masks), "rgb"
    idx4 = [[(x + 2 * y) % 16 for x in range(w)] for y in range(h)]
    pal4 = b"".join(bytes((16 * i, 255 - 16 * i, 7 * i, 0)) for i in range(16))
    yield "bmp-4bit", bmp(w, h, 4, [_pack_row(idx4[y], 4) for y in bottom_up], palette=pal4), "rgb"
    yield "bmp-8bit-short-palette", bmp(w, h, 8, [bytes((x * 9 + y) % 256 for x in range(w)) for y in bottom_up],
                                        palette=pal4, colours=16), "rgb"
    yield "bmp-os2", bmp(w, h, 24, [bgr(y) for y in bottom_up], header=12), "rgb"
    yield "bmp-offset-at-palette", bmp(w, h, 4, [_pack_row(idx4[y], 4) for y in bottom_up], palette=pal4,
                                       offset=54), "rgb"
    rows24 = [bgr(y) for y in bottom_up]
    whole = bmp(w, h, 24, rows24)
    yield "bmp-truncated", whole[:-(3 * w + 20)], "invalid_image"
    yield "bmp-rle8", bmp(w, h, 8, [b"\0\1"], palette=pal4, compression=1), "unsupported_media_type"
    yield "bmp-odd-bitfields", bmp(w, h, 16, rows24[:1], compression=3, masks=(0xF00, 0xF0, 0xF)), "unsupported_media_type"
    yield "bmp-too-many-pixels", bmp(100000, 100000, 24, []), "image_too_large"

    # JPEG, and what is not decoded
    yield "jpeg", _save(photo, "JPEG", quality=90), "rgb"
    yield "tiff", _save(photo, "TIFF"), "unsupported_media_type"
    yield "not-an-image", b"hello, world" * 10, "invalid_image"


if __name__ == "__main__":
    import sys
    write_seeds(sys.argv[1], sys.argv[2])
