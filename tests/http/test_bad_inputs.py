#!/usr/bin/env python3
"""Hostile input against the real server: well over a thousand malformed
requests, generated here, each expected to get its documented 4xx JSON error
(or, for inputs that are still valid images, a correct answer); /readyz must
answer after every batch and the server must exit 0 at the end.

POST /detect and v2 inference of a detector (yolov3-tiny at 160x160 on random
weights, served beside MobileNet v1) get a sample of the same bodies and
their own hostile parameters.

usage: test_bad_inputs.py LOOKSLIKE MAKE_TEST_JPEGS CORAL_IMAGES_DIR MODEL_DIR MAKE_RANDOM_WEIGHTS YOLO_CFG
(with Debian's python3-pil, which makes the PNG, WebP, GIF and BMP files)
"""
import base64
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "image"))
import format_cases  # noqa: E402

LOOKSLIKE, MAKE_JPEGS, CORAL, MODEL_DIR, MAKE_RANDOM_WEIGHTS, YOLO_CFG = sys.argv[1:7]
MAX_BODY = 2 * 1024 * 1024
rng = random.Random(20261128)  # fixed: a failure reproduces
passed = failed = 0
tried = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("not ok - " + what)
    return ok


def post(port, body, ctype="image/jpeg", query="", chunked=False, headers=None):
    h = {"Content-Type": ctype} if ctype is not None else {}
    h.update(headers or {})
    return request(port, "POST", "/predict" + query, body, h, chunked=chunked)


def json_error(result):
    status, headers, body = result
    if "inference-header-content-length" in headers:  # a v2 answer with binary data: its JSON header
        body = body[:int(headers["inference-header-content-length"])]
    try:
        doc = json.loads(body)
    except ValueError:
        return status, None
    if status == 200:
        return status, doc
    err = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(err, str):  # the Open Inference Protocol's {"error": "message"}
        return status, err
    return status, err.get("code") if isinstance(err, dict) else None


def batch(port, name, cases, allowed, json_required=True):
    """cases: list of (label, callable returning a response); allowed: statuses."""
    global tried

    def run(case):
        label, call = case
        try:
            status, code = json_error(call())
        except (OSError, ValueError) as e:  # a refused or reset connection is a failure here
            return label, None, repr(e)
        return label, status, code

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, cases))
    tried += len(results)
    bad = [(l, s, c) for l, s, c in results
           if s not in allowed or (json_required and c is None)]
    check(not bad, f"{name}: {len(results)} requests, all answered {sorted(allowed)} with JSON"
                   + (f"; wrong: {bad[:5]}" if bad else ""))
    status, _, body = request(port, "GET", "/readyz")
    check(status == 200, f"/readyz after {name}")
    print(f"ok - {name}: {len(results)} requests" if not bad else f"# {name} had {len(bad)} wrong")
    return results


def flip_bits(data, n):
    b = bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def raw_exchange(port, payload, read=True):
    """Sends raw bytes; returns the status line's code or None if the server closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        try:
            s.sendall(payload)
        except OSError:
            pass
        if not read:
            return None
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            return None
        try:
            return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None
        except (IndexError, ValueError):
            return None


def main():
    work = tempfile.mkdtemp(prefix="lookslike-bad-")
    subprocess.run([MAKE_JPEGS, work], check=True)
    photos = {n: open(os.path.join(CORAL, n), "rb").read() for n in ("hot_dog.jpg", "owl.jpg", "parrot.jpg")}
    generated = {n: open(os.path.join(work, n), "rb").read() for n in os.listdir(work)}
    bmps = [open(os.path.join(CORAL, n), "rb").read()[:200000] for n in ("cat.bmp", "bird.bmp")]
    models = os.path.join(work, "models")
    os.mkdir(models)
    for ext in ("cfg", "weights", "labels"):
        os.symlink(os.path.join(os.path.abspath(MODEL_DIR), "mobilenet_v1." + ext),
                   os.path.join(models, "mobilenet_v1." + ext))
    cfg = open(YOLO_CFG).read().replace("width=416", "width=160").replace("height=416", "height=160")
    open(os.path.join(models, "yolo.cfg"), "w").write(cfg)
    subprocess.run([MAKE_RANDOM_WEIGHTS, os.path.join(models, "yolo.cfg"), os.path.join(models, "yolo.weights")],
                   check=True)
    open(os.path.join(models, "yolo.names"), "w").write("".join(f"class{i}\n" for i in range(80)))
    srv = harness.Server(LOOKSLIKE, "--max-body", str(MAX_BODY), "--queue", "256", "--model-dir", models,
                         "--model", "mobilenet_v1,yolo")
    port = srv.port
    try:
        jpegs = list(photos.values()) + [generated[n] for n in sorted(generated) if not n.startswith(("claims", "tiny"))]

        # Truncated JPEGs: every file cut at 40 points.
        cases = []
        for data in jpegs:
            for k in range(40):
                cut = 2 + (len(data) - 4) * k // 40
                cases.append((f"cut {len(data)}@{cut}", lambda d=data[:cut]: post(port, d)))
        batch(port, "truncated JPEGs", cases, {400})

        # Bit flips: damaged but sometimes still decodable; never a 5xx.
        cases = [(f"flip {i}", lambda d=flip_bits(rng.choice(jpegs), rng.randint(1, 8)): post(port, d))
                 for i in range(400)]
        batch(port, "bit-flipped JPEGs", cases, {200, 400, 422})

        # Not an image at all, or a broken one of another format, declared as JPEG.
        cases = [(f"random {i}", lambda d=os.urandom(rng.randint(1, 5000)): post(port, d)) for i in range(60)]
        cases += [("png", lambda: post(port, b"\x89PNG\r\n\x1a\n" + os.urandom(500))),
                  ("gif", lambda: post(port, b"GIF89a" + os.urandom(500))),
                  ("text", lambda: post(port, b"hello, world")),
                  ("soi only", lambda: post(port, b"\xff\xd8")),
                  ("soi eoi", lambda: post(port, b"\xff\xd8\xff\xd9"))]
        cases += [(f"bmp {i}", lambda d=d: post(port, d)) for i, d in enumerate(bmps)]
        batch(port, "non-JPEG bodies as image/jpeg", cases, {400})

        # The other formats: every variant of format_cases and the parrot in each, cut at 20 points and
        # bit-flipped: still an image (200), or refused as broken, unsupported or too small; never a 5xx.
        from PIL import Image
        import io
        parrot = Image.open(io.BytesIO(photos["parrot.jpg"])).convert("RGB")
        others = [data for name, data, _ in format_cases.cases(parrot.crop((100, 100, 164, 148)))
                  if not name.startswith(("jpeg", "tiff", "not-")) and len(data) < MAX_BODY]
        for fmt, kw in (("PNG", {}), ("WEBP", {"quality": 80}), ("WEBP", {"lossless": True}), ("GIF", {}),
                        ("BMP", {})):
            b = io.BytesIO()
            parrot.save(b, fmt, **kw)
            others.append(b.getvalue())
        cases = [(f"{data[:4]!r} cut at {cut}", lambda d=data[:cut]: post(port, d, "image/png"))
                 for data in others[-5:] for cut in (2 + (len(data) - 4) * k // 20 for k in range(20))]
        batch(port, "truncated PNG, WebP, GIF, BMP", cases, {400, 422})
        cases = [(f"flip {i}", lambda d=flip_bits(rng.choice(others), rng.randint(1, 8)): post(port, d, "image/gif"))
                 for i in range(400)]
        batch(port, "bit-flipped PNG, WebP, GIF, BMP", cases, {200, 400, 415, 422})

        # Broken images of the other formats, declared as such: decoded by their bytes, refused as invalid.
        cases = [(t, lambda t=t, d=d: post(port, d, t)) for t, d in
                 (("image/png", b"\x89PNG\r\n\x1a\n"), ("image/gif", b"GIF89a"), ("image/bmp", bmps[0]),
                  ("image/webp", b"RIFF"))]
        batch(port, "broken PNG, GIF, BMP, WebP", cases, {400})

        # Media types that are not accepted image types, and image formats not decoded.
        cases = [(t, lambda t=t, d=d: post(port, d, t)) for t, d in
                 (("image/tiff", b"II*\0"), ("image/heic", b"x"), ("text/plain", b"x"), ("application/xml", b"<a/>"),
                  ("image/jpeg", b"II*\0" + bytes(100)), ("image/png", b"\0\0\0\x1cftypavif" + bytes(100)))]
        batch(port, "unsupported media types", cases, {415})

        # Size edges.
        batch(port, "pixel bombs", [
            ("60000x60000", lambda: post(port, generated["claims_60000x60000.jpg"])),
            ("65535x65535", lambda: post(port, generated["claims_65535x65535.jpg"])),
            ("8x8", lambda: post(port, generated["tiny_8x8.jpg"]))], {400, 422})
        batch(port, "empty bodies", [("empty", lambda: post(port, b"")),
                                     ("empty json", lambda: post(port, b"", "application/json")),
                                     ("empty chunked", lambda: post(port, b"", chunked=True))], {400})

        # Valid images of every kind must still be answered, and correctly.
        expected = {"hot_dog.jpg": 935, "parrot.jpg": 89}
        results = batch(port, "valid images (RGB, grayscale, progressive, CMYK)",
                        [(n, lambda d=d: post(port, d)) for n, d in list(photos.items()) + list(
                            (n, generated[n]) for n in ("rgb_320x240.jpg", "gray_300x200.jpg",
                                                         "progressive_256x256.jpg", "cmyk_200x200.jpg"))], {200})
        for label, status, doc in results:
            if label in expected and isinstance(doc, dict):
                check(doc["predictions"][0]["index"] == expected[label], f"{label} still top-1 {expected[label]}")

        # Multipart gone wrong.
        good = photos["owl.jpg"]

        def mp(parts, boundary="XyZ", close=True):
            body = b"".join(b"--" + boundary.encode() + b"\r\n" + p for p in parts)
            return body + (b"--" + boundary.encode() + b"--\r\n" if close else b"")

        file_part = (b'Content-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
                     b"Content-Type: image/jpeg\r\n\r\n" + good + b"\r\n")
        cases = [
            ("no boundary", lambda: post(port, mp([file_part]), "multipart/form-data")),
            ("wrong boundary", lambda: post(port, mp([file_part]), "multipart/form-data; boundary=Other")),
            ("unterminated", lambda: post(port, mp([file_part], close=False)[:-10], "multipart/form-data; boundary=XyZ")),
            ("no file", lambda: post(port, mp([b'Content-Disposition: form-data; name="a"\r\n\r\nb\r\n']),
                                     "multipart/form-data; boundary=XyZ")),
            ("huge part header", lambda: post(port, mp([b"Content-Disposition: form-data; name=\"" + b"a" * 200000 +
                                                        b"\"; filename=\"a.jpg\"\r\n\r\n" + good + b"\r\n"]),
                                              "multipart/form-data; boundary=XyZ")),
            ("many parts", lambda: post(port, mp([b'Content-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i
                                                  for i in range(5000)]), "multipart/form-data; boundary=XyZ")),
            ("garbage", lambda: post(port, os.urandom(3000), "multipart/form-data; boundary=XyZ")),
            ("file not jpeg", lambda: post(port, mp([file_part.replace(good, os.urandom(2000))]),
                                           "multipart/form-data; boundary=XyZ")),
            ("tiff part", lambda: post(port, mp([file_part.replace(b"image/jpeg", b"image/tiff")]),
                                      "multipart/form-data; boundary=XyZ")),
        ]
        cases += [(f"truncated multipart {k}", lambda k=k: post(port, mp([file_part])[:k * 997],
                                                                 "multipart/form-data; boundary=XyZ"))
                  for k in range(1, 60)]
        batch(port, "broken multipart", cases, {400, 413, 415})

        # JSON and data URLs gone wrong.
        b64 = base64.b64encode(good).decode()
        bodies = [b"{", b"[]", b"null", b"{\"image\": null}", b"{\"image\": 5}", b"{\"image\": \"\"}",
                  b"{\"image\": \"data:image/jpeg;base64,\"}", b"{\"image\": \"data:image/jpeg,abc\"}",
                  b"{\"image\": \"data:;base64,AAAA\"}", b"{\"image\": \"data:image/jpeg;base64\"}",
                  b"{\"image\": \"data:image/jpeg;base64,====\"}", b"{\"image\": \"data:image/jpeg;base64,A\"}",
                  ("{\"image\": \"data:image/jpeg;base64," + b64[:len(b64) // 2] + "\"}").encode(),
                  ("{\"image\": \"data:image/jpeg;base64," + b64.replace("A", "*", 3) + "\"}").encode(),
                  b"[" * 100000 + b"]" * 100000, b"{\"a\":" * 50000 + b"1" + b"}" * 50000,
                  b"{\"image\": \"" + b"A" * (MAX_BODY - 100) + b"\"}",
                  b"\xff\xfe{\"image\": 1}", b"{\"image\": \"data:image/jpeg;base64,\\u0000\"}"]
        bodies += [("{\"image\": \"data:image/jpeg;base64," + "".join(
            rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ !") for _ in range(rng.randint(1, 400)))
            + "\"}").encode() for _ in range(80)]
        batch(port, "bad JSON, base64 and data URLs",
              [(f"json {i}", lambda b=b: post(port, b, "application/json")) for i, b in enumerate(bodies)], {400, 415})
        batch(port, "TIFF data URL", [("tiff url", lambda: post(port, b"{\"image\": \"data:image/tiff;base64,SUkqAA==\"}",
                                                               "application/json"))], {415})
        batch(port, "truncated PNG data URL", [("png url", lambda: post(port, b"{\"image\": \"data:image/png;base64,iVBORw0KGgo=\"}",
                                                                       "application/json"))], {400})

        # Bodies over the limit, with and without Content-Length.
        big = os.urandom(MAX_BODY + 1000)
        batch(port, "bodies over --max-body", [
            ("content-length", lambda: post(port, big)),
            ("chunked", lambda: post(port, big, chunked=True)),
            ("json chunked", lambda: post(port, big, "application/json", chunked=True)),
            ("multipart", lambda: post(port, big, "multipart/form-data; boundary=XyZ")),
            ("lying content-length", lambda: raw_exchange(port, b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                                          b"image/jpeg\r\nContent-Length: 99999999999\r\n\r\nabc") and
             (413, {}, b'{"error":{"code":"body_too_large"}}'))], {413})

        # Every byte of a multipart body counts against the limit, not only the
        # file's: a JPEG part plus a huge ordinary field, streamed (chunked, so
        # no Content-Length warns), used to be read in full and answered 200.
        text_field = (b'Content-Disposition: form-data; name="note"\r\n\r\n' + b"t" * (MAX_BODY + 100000) + b"\r\n")
        batch(port, "multipart over the limit in ordinary fields", [
            ("big text field, chunked", lambda: post(port, mp([file_part, text_field]),
                                                     "multipart/form-data; boundary=XyZ", chunked=True)),
            ("big text field first, chunked", lambda: post(port, mp([text_field, file_part]),
                                                           "multipart/form-data; boundary=XyZ", chunked=True))],
              {413})
        batch(port, "several file parts: a batch", [
            ("two files", lambda: post(port, mp([file_part, file_part]), "multipart/form-data; boundary=XyZ")),
            ("three files, chunked", lambda: post(port, mp([file_part] * 3), "multipart/form-data; boundary=XyZ",
                                                  chunked=True))], {200})
        batch(port, "several file parts over the body limit: 413", [
            ("files up to 1.5x the limit, chunked",
             lambda: post(port, mp([file_part] * (MAX_BODY * 3 // 2 // len(file_part))),
                          "multipart/form-data; boundary=XyZ", chunked=True))], {413})

        # Open Inference Protocol inference: valid requests (JSON, binary BYTES, binary UINT8) truncated,
        # bit-flipped and with a wrong header length; answered with a JSON error or a result, never a 5xx.
        import struct
        infer = "/v2/models/mobilenet_v1/infer"
        jpeg_b64 = base64.b64encode(photos["owl.jpg"]).decode()
        v2 = []
        doc = json.dumps({"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [jpeg_b64]}],
                          "outputs": [{"name": "probabilities", "parameters": {"classification": 2}}]}).encode()
        v2.append((doc, None))
        element = struct.pack("<I", len(photos["owl.jpg"])) + photos["owl.jpg"]
        head = json.dumps({"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES",
                                       "parameters": {"binary_data_size": len(element)}}]}).encode()
        v2.append((head + element, len(head)))
        frame = bytes(rng.randrange(256) for _ in range(32 * 24 * 3))
        head = json.dumps({"inputs": [{"name": "pixels", "shape": [1, 24, 32, 3], "datatype": "UINT8",
                                       "parameters": {"binary_data_size": len(frame)}}],
                           "outputs": [{"name": "probabilities", "parameters": {"binary_data": True}}]}).encode()
        v2.append((head + frame, len(head)))

        def v2_post(body, header_len):
            h = {"Content-Type": "application/json"}
            if header_len is not None:
                h["Inference-Header-Content-Length"] = str(header_len)
            return request(port, "POST", infer, body, h)
        cases = [(f"v2 cut {i}", lambda b=b[:rng.randrange(len(b))], n=n: v2_post(b, n))
                 for i, (b, n) in enumerate(v2 * 30)]
        cases += [(f"v2 flip {i}", lambda b=flip_bits(b, rng.randint(1, 6)), n=n: v2_post(b, n))
                  for i, (b, n) in enumerate(v2 * 60)]
        cases += [(f"v2 header length {i}", lambda b=b, n=rng.choice([0, 1, len(b), len(b) + 9, 10 ** 12, -3]):
                   v2_post(b, n)) for i, (b, _) in enumerate(v2 * 10)]
        batch(port, "Open Inference Protocol requests truncated, bit-flipped, with wrong header lengths", cases,
              {200, 400, 404, 413, 415, 422})

        # POST /detect: a sample of the bodies above (it takes /predict's), its own hostile query values, and
        # v2 inference of the detector truncated and bit-flipped with its parameters.
        def detect(body, ctype="image/jpeg", query="", chunked=False):
            return request(port, "POST", "/detect?model=yolo" + query, body, {"Content-Type": ctype}, chunked=chunked)
        sample = rng.sample
        cases = [(f"detect cut {i}", lambda d=d[:2 + rng.randrange(len(d) - 4)]: detect(d))
                 for i, d in enumerate(sample(jpegs * 10, 40))]
        cases += [(f"detect flip {i}", lambda d=flip_bits(rng.choice(jpegs), rng.randint(1, 8)): detect(d))
                  for i in range(60)]
        cases += [(f"detect other flip {i}", lambda d=flip_bits(rng.choice(others), rng.randint(1, 8)):
                   detect(d, "image/png")) for i in range(60)]
        cases += [(f"detect random {i}", lambda d=os.urandom(rng.randint(1, 3000)): detect(d)) for i in range(20)]
        cases += [(f"detect json {i}", lambda b=b: detect(b, "application/json")) for i, b in enumerate(sample(bodies, 20))]
        cases += [(f"detect multipart {k}", lambda k=k: detect(mp([file_part])[:k * 997], "multipart/form-data; boundary=XyZ"))
                  for k in range(1, 20, 2)]
        cases += [("detect pixel bomb", lambda: detect(generated["claims_60000x60000.jpg"])),
                  ("detect 8x8", lambda: detect(generated["tiny_8x8.jpg"])),
                  ("detect tiff", lambda: detect(b"II*\0" + bytes(100), "image/tiff")),
                  ("detect empty", lambda: detect(b"")),
                  ("detect over the limit", lambda: detect(big, chunked=True))]
        batch(port, "POST /detect, hostile bodies", cases, {200, 400, 413, 415, 422})
        queries = ["threshold=0", "threshold=-1", "threshold=1.0001", "threshold=NaN", "threshold=inf", "threshold=1e-50",
                   "threshold=0x1p-3", "threshold=", "threshold=%00", "nms=-0", "nms=2", "nms=nan", "max=0", "max=1001",
                   "max=1e3", "max=-1", "max=99999999999999999999", "max=10abc", "classes=", "classes=,", "classes=,,,",
                   "classes=class1,", "classes=%00", "classes=" + "class1," * 2000, "classes=unicorn",
                   "threshold=" + "9" * 5000, "model=yolo%00"]
        results = batch(port, "POST /detect, absurd query values",
                        [(q, lambda q=q: detect(good, query="&" + q)) for q in queries], {200, 400, 414})
        accepted = sorted(label for label, status, _ in results if status == 200)
        check(accepted == sorted(["threshold=0x1p-3", "nms=-0", "max=1e3", "classes=class1,"]),
              f"of the absurd /detect queries only the valid numbers and names are accepted: {accepted}")
        jpeg_b64 = base64.b64encode(good).decode()
        doc = json.dumps({"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [jpeg_b64]}],
                          "parameters": {"threshold": 0.5, "nms": 0.3, "max": 5, "classes": "class1,class7"},
                          "outputs": [{"name": "boxes", "parameters": {"binary_data": True}}, {"name": "count"},
                                      {"name": "labels"}]}).encode()

        def detect_v2(body):
            return request(port, "POST", "/v2/models/yolo/infer", body, {"Content-Type": "application/json"})
        cases = [(f"v2 detect cut {i}", lambda b=doc[:rng.randrange(len(doc))]: detect_v2(b)) for i in range(40)]
        cases += [(f"v2 detect flip {i}", lambda b=flip_bits(doc, rng.randint(1, 6)): detect_v2(b)) for i in range(80)]
        params = [{"threshold": v} for v in (0, -1, 2, "0.5", None, [], {}, 1e308)] + \
                 [{"max": v} for v in (0, 0.5, 1001, 1e300, True)] + \
                 [{"classes": v} for v in ("", ",", "x" * 5000, 7, None)] + [{"crop": "full"}, {"nms": -1e-9}]
        cases += [(f"v2 detect {p}", lambda p=p: detect_v2(json.dumps(
            {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [jpeg_b64]}], "parameters": p}).encode()))
                  for p in params]
        batch(port, "v2 inference of a detector, truncated, bit-flipped, hostile parameters", cases,
              {200, 400, 404, 413, 415, 422})

        # Routes that take no body refuse one at once (used to be read up to
        # the limit, then the connection just closed).
        body = os.urandom(MAX_BODY + 5000)
        cases = []
        for path in ("/healthz", "/readyz", "/metrics", "/v1/models", "/", "/index.html"):
            cases.append((f"GET {path} + body", lambda p=path: request(port, "GET", p, body)))
            cases.append((f"GET {path} + chunked body", lambda p=path: request(port, "GET", p, body, chunked=True)))
            cases.append((f"GET {path} + small body", lambda p=path: request(port, "GET", p, b"x")))
        batch(port, "bodies on GET routes", cases, {413})

        # An encoded NUL that used to be cut off with the rest of a long path
        # (and so served index.html), and request targets over the limit.
        batch(port, "encoded NUL after a long path", [
            ("NUL after 260 slashes", lambda: request(port, "GET", "/" * 261 + "index.html%00.png")),
            ("NUL after 1100 slashes", lambda: request(port, "GET", "/" * 1101 + "index.html%00.png")),
            ("NUL after 7000 slashes", lambda: request(port, "GET", "/" * 7001 + "index.html%00.png")),
            ("NUL, long path", lambda: request(port, "GET", "/" + "a/" * 400 + "%00"))], {400})
        batch(port, "request targets over 8 KiB", [
            ("path of 9000", lambda: request(port, "GET", "/" + "b" * 8999)),
            ("NUL after 9000", lambda: request(port, "GET", "/" * 9001 + "index.html%00.png")),
            ("query of 9000", lambda: request(port, "GET", "/healthz?" + "q" * 9000)),
            ("predict, long query", lambda: post(port, good, query="?k=3&" + "x" * 9000))], {414})

        # Log injection: quotes, backslashes, controls and non-ASCII bytes in
        # the method and the path (checked below: every log line is JSON).
        injections = [b'G"E\\T /x HTTP/1.1\r\nHost: x\r\n\r\n',
                      b'GET /\xc3\xa9"},{"x":"\xff\x80 HTTP/1.1\r\nHost: x\r\n\r\n',
                      b'GET /a\x7fb\\"c HTTP/1.1\r\nHost: x\r\n\r\n',
                      b'P\xc3\xa9ST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n']
        codes = [raw_exchange(port, payload) for payload in injections for _ in range(2)]
        global tried
        tried += len(codes)
        check(all(c is None or 400 <= c < 500 for c in codes), f"odd methods and paths answered 4xx: {codes}")

        # Absurd query values and unknown models.
        queries = ["k=-1", "k=0", "k=21", "k=99999", "k=1e9", "k=", "k=NaN", "k=3abc", "k=%00", "crop=",
                   "crop=centre%00", "crop=" + "x" * 5000, "k=" + "9" * 5000]
        cases = [(q, lambda q=q: post(port, good, query="?" + q)) for q in queries]
        batch(port, "absurd query values", cases, {400})
        batch(port, "unknown models", [(m, lambda m=m: post(port, good, query="?model=" + m))
                                       for m in ("x", "../mobilenet_v1", "A" * 3000, "mobilenet_v1%20")], {404})
        batch(port, "encoded NUL in the query", [("nul", lambda: post(port, good, query="?model=mobilenet_v1%00"))],
              {400})

        # Wrong methods everywhere.
        cases = []
        for path in ("/predict", "/detect", "/healthz", "/readyz", "/metrics", "/v1/models", "/", "/index.html"):
            for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
                           "GET" if path in ("/predict", "/detect") else "POST"):
                cases.append((f"{method} {path}", lambda m=method, p=path: request(port, m, p, b"x")))
        batch(port, "wrong methods", cases, {405})

        # Paths that try to leave static/.
        paths = ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                 "/..%2f..%2f..%2fetc%2fpasswd", "/.%2e/.%2e/etc/passwd", "/%252e%252e/etc/passwd",
                 "/static/../../etc/passwd", "/index.html/../../../etc/passwd", "/./../etc/passwd",
                 "/%c0%ae%c0%ae/etc/passwd", "/..\\..\\etc\\passwd", "/" + "../" * 50 + "etc/passwd",
                 "/index.html%00", "/%00", "/.git/config", "/samples/../../meson.build", "/" + "a/" * 500]
        batch(port, "path traversal", [(p, lambda p=p: request(port, "GET", p)) for p in paths], {400, 404})

        # Header floods and broken framing, straight on the socket. libmicrohttpd
        # answers these itself (431/413/400, not JSON) or closes the connection.
        floods = [
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(2000)) + b"\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
            b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: image/jpeg\r\n\r\nzz\r\n",
            b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde",
            b"\x00\x01\x02 garbage \r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
        ]
        codes = [raw_exchange(port, f) for f in floods for _ in range(3)]
        tried_raw = len(codes)
        tried += tried_raw
        check(all(c is None or 400 <= c < 500 or c == 505 for c in codes), f"header floods and bad framing: {codes}")
        status, _, _ = request(port, "GET", "/readyz")
        check(status == 200, "/readyz after header floods")
        print(f"ok - header floods and bad framing: {tried_raw} requests")

        status, _, body = request(port, "GET", "/metrics")
        check(status == 200 and b'status="500"' not in body, "no 500 was ever answered")
    finally:
        code = srv.stop()
        check(code == 0, f"server exits 0 after the bad-input suite (exit {code})")
        errors = [l for l in srv.log if "ERROR: AddressSanitizer" in l or "runtime error" in l]
        check(not errors, f"no sanitizer reports in the server's log: {errors[:3]}")
        access = [l for l in srv.log if l.startswith("{")]
        broken = []
        for line in access:
            try:
                json.loads(line)
            except ValueError:
                broken.append(line)
        check(len(access) >= 1000 and not broken,
              f"every access log line is valid JSON ({len(access)} lines; broken: {broken[:3]})")
        shutil.rmtree(work, ignore_errors=True)
    print(f"# {tried} malformed or edge-case requests tried")
    check(tried >= 1000, f"at least 1000 requests ({tried})")
    print(f"# {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
