#!/usr/bin/env python3
"""Every image format through POST /predict. The parrot, decoded by Pillow
and saved losslessly as PNG (RGB and RGBA), BMP and lossless WebP, must be
classified exactly as the JPEG itself (same classes, same probabilities: the
pixels are the same), whether declared by its own type, mislabelled as JPEG
or octet-stream, in a multipart upload or a JSON data URL; lossy WebP and a
256-colour GIF keep the JPEG's top-1. Size limits apply from the header of
every format; formats not decoded answer 415 with the accepted types. Prints
each format's decode time for a 640x480 photo (the response's timing).
Needs Debian's python3-pil: run with /usr/bin/python3.

The Coral BMP photos get TFLite's own top-1 (reference/top5_tflite_builtin.tsv).

usage: test_image_formats.py LOOKSLIKE PHOTO.jpg PHOTO_640x480.jpg REFERENCE_DIR
"""
import base64
import io
import json
import os
import statistics
import struct
import sys

from PIL import Image

from harness import Server, check, check_no_sanitizer_reports, request, summary

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "image"))
import format_cases  # noqa: E402

LOOKSLIKE, PHOTO, PHOTO_640, REFERENCE = sys.argv[1:5]
MAX_PIXELS = 1000000


def save(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def formats(jpeg):
    """(name, media type, bytes, lossless) of one photo in every format."""
    im = Image.open(io.BytesIO(jpeg)).convert("RGB")
    rgba = im.copy()
    rgba.putalpha(128)
    return [("JPEG", "image/jpeg", jpeg, True),
            ("PNG", "image/png", save(im, "PNG"), True),
            ("PNG RGBA", "image/png", save(rgba, "PNG"), True),
            ("BMP", "image/bmp", save(im, "BMP"), True),
            ("WebP lossless", "image/webp", save(im, "WEBP", lossless=True), True),
            ("WebP lossy q90", "image/webp", save(im, "WEBP", quality=90), False),
            ("GIF 256 colours", "image/gif", save(im.quantize(256), "GIF"), False)]


def predict(port, body, ctype, query="k=5"):
    status, headers, data = request(port, "POST", "/predict?" + query, body, {"Content-Type": ctype})
    try:
        return status, json.loads(data)
    except ValueError:
        return status, {"raw": data[:200]}


def top(r):
    return [(p["index"], p["probability"]) for p in r.get("predictions", [])]


def multipart(data, part_type):
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"f\"\r\nContent-Type: " +
            part_type.encode() + b"\r\n\r\n" + data + b"\r\n--XyZ--\r\n")
    return body, "multipart/form-data; boundary=XyZ"


def main():
    srv = Server(LOOKSLIKE, "--max-pixels", str(MAX_PIXELS), "--access-log", "0")
    port = srv.port
    try:
        jpeg = open(PHOTO, "rb").read()
        status, ref = predict(port, jpeg, "image/jpeg")
        check(status == 200, f"the JPEG: {status}")
        want = top(ref)
        print(f"# JPEG top-5 {want}")
        lossless = {}
        for name, ctype, data, exact in formats(jpeg):
            status, r = predict(port, data, ctype)
            if exact:
                check(status == 200 and top(r) == want, f"{name} as {ctype}: the JPEG's classes and probabilities "
                      f"({status}, {top(r)[:2]})")
                lossless[name] = data
            else:
                check(status == 200 and top(r)[:1] and top(r)[0][0] == want[0][0],
                      f"{name} as {ctype}: the JPEG's top-1 ({status}, top-1 {top(r)[:1]})")
        png = lossless["PNG"]
        for ctype in ("image/jpeg", "application/octet-stream", "image/gif"):
            status, r = predict(port, png, ctype)
            check(status == 200 and top(r) == want, f"a PNG declared as {ctype} is decoded by its bytes ({status})")
        body, ctype = multipart(lossless["WebP lossless"], "image/webp")
        status, r = predict(port, body, ctype)
        check(status == 200 and top(r) == want, f"multipart upload of a WebP ({status})")
        url = b'{"image": "data:image/png;base64,' + base64.b64encode(png) + b'"}'
        status, r = predict(port, url, "application/json")
        check(status == 200 and top(r) == want, f"JSON data URL of a PNG ({status})")
        body, ctype = multipart(lossless["BMP"], "image/x-ms-bmp")
        status, r = predict(port, body, ctype)
        check(status == 200 and top(r) == want and r["image"] == {"width": 512, "height": 929, "crop": "center"},
              f"multipart upload of a BMP as image/x-ms-bmp, its size reported ({status}, {r.get('image')})")

        # The TFLite sample photos that are BMPs: TFLite's top-1, both crops.
        rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(REFERENCE, "top5_tflite_builtin.tsv"))]
        for model, crop, _, image, _, top1, *_ in rows[1:]:
            if model != "mobilenet_v1_1.0_224_quant" or not image.endswith(".bmp"):
                continue
            data = open(os.path.join(os.path.dirname(PHOTO), image), "rb").read()
            status, r = predict(port, data, "image/bmp", "k=1&crop=" + ("center" if crop == "crop" else "full"))
            got = top(r)[:1]
            check(status == 200 and got and got[0][0] == int(top1), f"{image} ({crop}): TFLite's top-1 {top1}, got {got}")

        # Limits from the header, and what is not decoded.
        tiny = format_cases.png(1, 1, 8, 0, [[(0,)]])
        huge = tiny[:16] + struct.pack(">II", 2000, 2000) + tiny[24:]
        status, r = predict(port, huge, "image/png")
        check(status == 422 and r.get("error", {}).get("code") == "image_too_large",
              f"a PNG header of 2000x2000 over --max-pixels {MAX_PIXELS}: {status} {r.get('error')}")
        small = save(Image.new("P", (8, 8)), "GIF")
        status, r = predict(port, small, "image/gif")
        check(status == 422 and r.get("error", {}).get("code") == "image_too_small", f"an 8x8 GIF: {status}")
        bomb = format_cases.bmp(60000, 60000, 24, [])
        status, r = predict(port, bomb, "image/bmp")
        check(status == 422 and r.get("error", {}).get("code") == "image_too_large", f"a 60000x60000 BMP: {status}")
        for name, data in [("RLE8 BMP", format_cases.bmp(32, 32, 8, [b"\0\1"], palette=bytes(64), compression=1)),
                           ("TIFF", save(Image.open(io.BytesIO(jpeg)), "TIFF"))]:
            status, r = predict(port, data, "image/jpeg")
            err = r.get("error", {})
            check(status == 415 and err.get("code") == "unsupported_media_type" and "image/webp" in err.get("message", ""),
                  f"{name}: 415 naming the accepted types ({status} {err})")

        # Decode time of each format for a 640x480 photo, as the responses report it.
        times = {}
        for name, ctype, data, _ in formats(open(PHOTO_640, "rb").read()):
            runs = [predict(port, data, ctype, "k=1")[1] for _ in range(7)]
            times[name] = statistics.median(r["timing_ms"]["decode"] for r in runs if "timing_ms" in r)
            print(f"# 640x480 {name:<16} {len(data):>8} bytes, decode {times[name]:.2f} ms (median of 7), "
                  f"top-1 {runs[0]['predictions'][0]['label']}")
        check(len(times) == 7, "every format decoded at 640x480")
        check_no_sanitizer_reports(srv, "every image format")
    finally:
        srv.stop()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
