"""A lossless WebP (VP8L, RFC 9649) whose every 4x4 tile has a prefix-code
group of its own: a 1024x1024 image has 65,536 groups. Each group's codes
have one symbol (0 bits a pixel), so the file is ~470 KB, yet libwebp builds
lookup tables per group, sized for the colour cache's alphabet, before any
pixel is decoded: hundreds of MB.
Decodable and valid: the picture is a pattern of tile colours.
The same image stream as the alpha plane of a lossy WebP (VP8X + ALPH + VP8,
the colour frame encoded by the system's libwebp): libwebp reports that file
as lossy, yet decodes its alpha with the same lossless decoder.

usage: python3 webp_groups.py OUT.webp [SIDE] [alpha]   (SIDE a multiple of 4, default 1024)"""
import ctypes
import ctypes.util
import struct
import sys


class Bits:
    """LSB-first bit writer, as VP8L reads."""

    def __init__(self):
        self.value, self.count, self.out = 0, 0, bytearray()

    def put(self, v, n):
        self.value |= (v & ((1 << n) - 1)) << self.count
        self.count += n
        while self.count >= 8:
            self.out.append(self.value & 0xFF)
            self.value >>= 8
            self.count -= 8

    def code(self, code, length):
        """A prefix code's bits, first bit of the code first (as deflate packs them)."""
        for i in range(length - 1, -1, -1):
            self.put((code >> i) & 1, 1)

    def data(self):
        return bytes(self.out) + (bytes([self.value]) if self.count else b"")


def simple_code(b, symbol):
    """A code of one symbol: reading it takes no bits."""
    b.put(1, 1)  # simple
    b.put(0, 1)  # one symbol
    if symbol < 2:
        b.put(0, 1)
        b.put(symbol, 1)
    else:
        b.put(1, 1)
        b.put(symbol, 8)


def flat_code(b, alphabet):
    """A normal code giving symbols 0-255 8 bits each (the rest of the alphabet none)."""
    order = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    b.put(0, 1)  # normal
    b.put(12 - 4, 4)  # 12 code-length-code lengths: up to symbol 8's place
    for sym in order[:12]:
        b.put(1 if sym in (0, 8) else 0, 3)  # lengths 0 and 8, one bit each: '0' -> 0, '1' -> 8
    b.put(0, 1)  # no max_symbol
    for s in range(alphabet):
        b.code(1 if s < 256 else 0, 1)


def image_stream(b, side):
    """The lossless image stream after its header: a group per 4x4 tile."""
    bits = 2  # 4x4 tiles
    tiles = (side + 3) >> bits
    assert tiles * tiles <= 65536
    b.put(0, 1)  # no transform
    b.put(1, 1)  # a colour cache of 2^11 entries: each group's tables are sized for its larger alphabet
    b.put(11, 4)
    b.put(1, 1)  # meta prefix codes
    b.put(bits - 2, 3)
    # the entropy image: tiles x tiles pixels, group = red << 8 | green = y * tiles + x
    b.put(0, 1)  # its colour cache: none
    flat_code(b, 256 + 24)  # green
    flat_code(b, 256)  # red
    simple_code(b, 0)  # blue
    simple_code(b, 0)  # alpha
    simple_code(b, 0)  # distance
    for i in range(tiles * tiles):
        g, r = i & 0xFF, i >> 8
        b.code(g, 8)
        b.code(r, 8)
    # one group of five single-symbol codes per tile
    for i in range(tiles * tiles):
        simple_code(b, i & 0xFF)  # green
        simple_code(b, (i >> 8) & 0xFF)  # red
        simple_code(b, 0)  # blue
        simple_code(b, 255)  # alpha
        simple_code(b, 0)  # distance
    # the pixels: every symbol costs 0 bits


def chunk(tag, data):
    return tag + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def riff(*chunks):
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp(side=1024):
    b = Bits()
    b.put(0x2F, 8)
    b.put(side - 1, 14)
    b.put(side - 1, 14)
    b.put(0, 1)  # no alpha
    b.put(0, 3)  # version
    image_stream(b, side)
    return riff(chunk(b"VP8L", b.data()))


def lossy_frame(side):
    """A grey side x side VP8 frame, encoded by libwebp (WebPEncodeRGB)."""
    lib = ctypes.CDLL(ctypes.util.find_library("webp") or "libwebp.so.7")
    out = ctypes.POINTER(ctypes.c_uint8)()
    rgb = bytes([128]) * (side * side * 3)
    size = lib.WebPEncodeRGB(rgb, side, side, side * 3, ctypes.c_float(50), ctypes.byref(out))
    data = ctypes.string_at(out, size)
    lib.WebPFree(out)
    at = data.index(b"VP8 ")
    return data[at + 8:at + 8 + struct.unpack_from("<I", data, at + 4)[0]]


def lossless_gradient(side):
    """A plain lossless WebP of side x side (a smooth pattern: small, yet every pixel decoded)."""
    lib = ctypes.CDLL(ctypes.util.find_library("webp") or "libwebp.so.7")
    out = ctypes.POINTER(ctypes.c_uint8)()
    rgb = (bytes(range(251)) * (side * side * 3 // 251 + 1))[:side * side * 3]
    size = lib.WebPEncodeLosslessRGB(rgb, side, side, side * 3, ctypes.byref(out))
    data = ctypes.string_at(out, size)
    lib.WebPFree(out)
    return data


def webp_alpha(side=1024, animated=False):
    """A lossy WebP whose alpha plane is the lossless stream above; or an
    animation whose first (and only) frame that is."""
    b = Bits()
    b.put(1, 2)  # ALPH header: lossless compression, no filter, no pre-processing
    b.put(0, 6)
    image_stream(b, side)
    frame = chunk(b"ALPH", b.data()) + chunk(b"VP8 ", lossy_frame(side))
    u24 = lambda v: struct.pack("<I", v)[:3]  # noqa: E731
    size = u24(side - 1) + u24(side - 1)
    if not animated:
        return riff(chunk(b"VP8X", bytes([0x10, 0, 0, 0]) + size), frame)
    anmf = u24(0) + u24(0) + size + u24(100) + b"\0"
    return riff(chunk(b"VP8X", bytes([0x12, 0, 0, 0]) + size), chunk(b"ANIM", bytes(6)), chunk(b"ANMF", anmf + frame))


if __name__ == "__main__":
    side = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    data = webp_alpha(side) if sys.argv[3:] == ["alpha"] else webp(side)  # (the rest: import this)
    with open(sys.argv[1], "wb") as f:
        f.write(data)
