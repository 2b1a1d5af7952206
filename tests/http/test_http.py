#!/usr/bin/env python3
"""HTTP tests against the real lookslike binary on a free loopback port.

Every route and every documented error, with real HTTP over sockets:
usage: test_http.py LOOKSLIKE MAKE_TEST_JPEGS CORAL_IMAGES_DIR STATIC_DIR
"""
import base64
import http.client
import json
import os
import re
import shutil
import socket
import signal
import subprocess
import sys
import tempfile
import threading
import time

import harness
from harness import check, request, summary

LOOKSLIKE, MAKE_JPEGS, CORAL, STATIC = sys.argv[1:5]
# LOOKSLIKE_TEST_ENGINE picks the engine; LOOKSLIKE_HTTP_QUICK=1 sends fewer
# images (for runs under valgrind, where each inference takes seconds).
ENGINE = os.environ.get("LOOKSLIKE_TEST_ENGINE", "onednn")
# LOOKSLIKE_TEST_PRECISION: fp32 (the float engine above) or int8 (the integer engine)
PRECISION = os.environ.get("LOOKSLIKE_TEST_PRECISION", "fp32")
RUNS = "int8" if PRECISION == "int8" else ENGINE  # the engine that runs the model
QUICK = os.environ.get("LOOKSLIKE_HTTP_QUICK") == "1"


def server(*args):
    return harness.Server(LOOKSLIKE, "--engine", ENGINE, "--precision", PRECISION, *args)
PHOTOS = ["hot_dog.jpg", "owl.jpg", "parrot.jpg"]


def jpeg_post(port, data, query="", content_type="image/jpeg"):
    return request(port, "POST", "/predict" + query, data, {"Content-Type": content_type})


def multipart(data, filename="photo.jpg", part_type="image/jpeg", field="image"):
    boundary = "lookslikeTestBoundary7MA4YWxkTrZu0gW"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {part_type}\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def error_of(status_body):
    status, headers, body = status_body
    try:
        e = json.loads(body)["error"]
        return status, e["code"], headers
    except (ValueError, KeyError, TypeError):
        return status, None, headers


def expect_error(port, what, result, status, code=None):
    got_status, got_code, headers = error_of(result)
    ok = got_status == status and got_code is not None and (code is None or got_code == code)
    ok = ok and headers.get("content-type") == "application/json"
    check(ok, f"{what}: {status} {code or ''} (got {got_status} {got_code})")
    return headers


def cli_top3(image, crop):
    out = subprocess.run([LOOKSLIKE, "classify", "--engine", ENGINE, "--precision", PRECISION, "--crop", crop, image], capture_output=True, text=True,
                         check=True).stdout
    return [(int(m.group(2)), float(m.group(1)) / 100) for m in re.finditer(r"^\s+([\d.]+)%\s+(\d+)\s", out, re.M)]


def test_command_line(jpegs):
    """The options of `lookslike` and `lookslike classify` come from one table:
    errors name the option, and classify applies the server's limits."""
    bad = subprocess.run([LOOKSLIKE, "--bogus", "5"], capture_output=True, text=True)
    check(bad.returncode == 2 and "--bogus" in bad.stderr and ": 5" not in bad.stderr,
          f"an unknown option is named, not its value: {bad.stderr.strip()!r}")
    bad = subprocess.run([LOOKSLIKE, "serve", "--port"], capture_output=True, text=True)
    check(bad.returncode == 2 and "--port needs a value" in bad.stderr, f"a missing value: {bad.stderr.strip()!r}")
    tiny = subprocess.run([LOOKSLIKE, "classify", "--engine", ENGINE, os.path.join(jpegs, "tiny_8x8.jpg")],
                          capture_output=True, text=True)
    check(tiny.returncode == 1 and "at least 16 pixels" in tiny.stderr,
          f"classify refuses an 8x8 image as the server does: {tiny.stderr.strip()!r}")
    small = subprocess.run([LOOKSLIKE, "classify", "--engine", ENGINE, "--max-pixels", "1000",
                            os.path.join(CORAL, "parrot.jpg")], capture_output=True, text=True)
    check(small.returncode == 1 and "the limit is 1000" in small.stderr,
          f"classify takes --max-pixels: {small.stderr.strip()!r}")


def test_predict_inputs(port):
    for name in PHOTOS[:1] if QUICK else PHOTOS:
        data = open(os.path.join(CORAL, name), "rb").read()
        for crop in ("center",) if QUICK else ("center", "full"):
            expected = cli_top3(os.path.join(CORAL, name), crop)
            body, ctype = multipart(data)
            data_url = json.dumps({"image": "data:image/jpeg;base64," + base64.b64encode(data).decode()})
            variants = {
                "raw image/jpeg": jpeg_post(port, data, f"?crop={crop}"),
                "multipart": jpeg_post(port, body, f"?crop={crop}", ctype),
                "JSON data URL": jpeg_post(port, data_url.encode(), f"?crop={crop}", "application/json"),
                "chunked raw": request(port, "POST", f"/predict?crop={crop}", data,
                                       {"Content-Type": "image/jpeg"}, chunked=True),
            }
            for kind, (status, headers, raw) in variants.items():
                ok = status == 200 and headers.get("content-type") == "application/json"
                r = json.loads(raw) if ok else {}
                got = [(p["index"], p["probability"]) for p in r.get("predictions", [])]
                same = len(got) == 3 and all(g[0] == e[0] and abs(g[1] - e[1]) < 1e-4 for g, e in zip(got, expected))
                fields = ok and r["model"] == "mobilenet_v1" and r["precision"] == PRECISION and set(r["timing_ms"]) >= {
                    "decode", "preprocess", "inference", "total"} and r["image"]["width"] > 0 and all(
                    p["label"] and p["index"] != 0 for p in r["predictions"])
                check(ok and same and fields,
                      f"{name} {crop} via {kind}: top-3 {[g[0] for g in got]} equals the CLI's {[e[0] for e in expected]}")
    data = open(os.path.join(CORAL, "owl.jpg"), "rb").read()
    status, _, raw = jpeg_post(port, data, "?k=20")
    check(status == 200 and len(json.loads(raw)["predictions"]) == 20, "k=20 gives 20 predictions")
    status, _, raw = jpeg_post(port, data, "?k=1&model=mobilenet_v1")
    check(status == 200 and len(json.loads(raw)["predictions"]) == 1, "k=1 with an explicit model name")


def test_decoder_edges(port, jpegs):
    for name in ("rgb_320x240.jpg", "gray_300x200.jpg", "progressive_256x256.jpg", "cmyk_200x200.jpg"):
        status, _, raw = jpeg_post(port, open(os.path.join(jpegs, name), "rb").read())
        check(status == 200 and len(json.loads(raw)["predictions"]) == 3, f"valid {name} is classified")
    expect_error(port, "8x8 image", jpeg_post(port, open(os.path.join(jpegs, "tiny_8x8.jpg"), "rb").read()),
                 422, "image_too_small")
    expect_error(port, "header claiming 60000x60000",
                 jpeg_post(port, open(os.path.join(jpegs, "claims_60000x60000.jpg"), "rb").read()), 422,
                 "image_too_large")
    # libjpeg-turbo refuses dimensions over 65500 while reading the header
    status, code, _ = error_of(jpeg_post(port, open(os.path.join(jpegs, "claims_65535x65535.jpg"), "rb").read()))
    check((status, code) in ((400, "invalid_image"), (422, "image_too_large")),
          f"header claiming 65535x65535: {status} {code}")


def test_errors(port):
    owl = open(os.path.join(CORAL, "owl.jpg"), "rb").read()
    expect_error(port, "a broken PNG as image/jpeg", jpeg_post(port, b"\x89PNG\r\n\x1a\n" + b"x" * 100), 400,
                 "invalid_image")
    expect_error(port, "no image signature", jpeg_post(port, b"hello, world" * 20), 400, "invalid_image")
    tiff = b"II*\0" + bytes(200)
    expect_error(port, "TIFF bytes as image/jpeg", jpeg_post(port, tiff), 415, "unsupported_media_type")
    expect_error(port, "truncated JPEG", jpeg_post(port, owl[:len(owl) // 2]), 400, "invalid_image")
    expect_error(port, "empty body", jpeg_post(port, b""), 400)
    expect_error(port, "bad JSON", jpeg_post(port, b"{\"image\": ", "", "application/json"), 400, "bad_request")
    expect_error(port, "JSON without image", jpeg_post(port, b"{\"img\": 1}", "", "application/json"), 400)
    expect_error(port, "bad base64", jpeg_post(port, b"{\"image\": \"data:image/jpeg;base64,@@@@\"}", "",
                                               "application/json"), 400, "bad_request")
    expect_error(port, "TIFF data URL", jpeg_post(port, b"{\"image\": \"data:image/tiff;base64,AAAA\"}", "",
                                                  "application/json"), 415, "unsupported_media_type")
    expect_error(port, "image/tiff body", jpeg_post(port, owl, "", "image/tiff"), 415, "unsupported_media_type")
    expect_error(port, "no Content-Type", request(port, "POST", "/predict", owl, {"Content-Type": ""}), 415)
    body, ctype = multipart(owl, part_type="image/heic")
    expect_error(port, "multipart HEIC part", jpeg_post(port, body, "", ctype), 415)
    body, _ = multipart(owl)
    expect_error(port, "multipart without boundary", jpeg_post(port, body, "", "multipart/form-data"), 400,
                 "bad_multipart")
    body, ctype = multipart(owl)
    expect_error(port, "unterminated multipart", jpeg_post(port, body[:-30], "", ctype), 400)
    expect_error(port, "multipart without a file", jpeg_post(
        port, b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--\r\n", "",
        "multipart/form-data; boundary=B"), 400, "bad_multipart")
    for q in ("k=0", "k=-1", "k=21", "k=99999", "k=abc", "crop=middle"):
        expect_error(port, f"?{q}", jpeg_post(port, owl, "?" + q), 400, "invalid_parameter")
    expect_error(port, "unknown model", jpeg_post(port, owl, "?model=resnet"), 404, "model_not_found")
    expect_error(port, "unknown path", request(port, "GET", "/nope"), 404, "not_found")
    expect_error(port, "POST to an unknown path", request(port, "POST", "/nope", b"x"), 404)
    h = expect_error(port, "GET /predict", request(port, "GET", "/predict"), 405, "method_not_allowed")
    check(h.get("allow") == "POST", "405 on /predict names Allow: POST")
    h = expect_error(port, "DELETE /healthz", request(port, "DELETE", "/healthz"), 405)
    check(h.get("allow") == "GET, HEAD", "405 on /healthz names Allow: GET, HEAD")


def test_utf8_text(port):
    """Error messages and access-log lines hold what the client sent as UTF-8
    where it is UTF-8, the other bytes escaped (src/json_text.h): one escaper.
    Before it, errors turned each non-ASCII byte into '?' and the log read
    each one as Latin-1 (caf\u00c3\u00a9)."""
    owl = open(os.path.join(CORAL, "owl.jpg"), "rb").read()
    status, _, body = jpeg_post(port, owl, "?model=caf%C3%A9")
    message = json.loads(body.decode("utf-8"))["error"]["message"] if status == 404 else ""
    check("'caf\u00e9'" in message, f"a UTF-8 model name comes back whole in the error: {message!r}")
    status, _, body = request(port, "GET", "/v2/models/caf%C3%A9%FF")
    try:
        message = json.loads(body.decode("utf-8"))["error"]
    except (UnicodeDecodeError, ValueError, KeyError):
        message = None
    check(status == 404 and message == "no model named 'caf\u00e9\u00ff' is served",
          f"UTF-8 through, an invalid byte escaped, the body valid UTF-8 JSON: {message!r}")
    # raw bytes in the request line, as some clients send them
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /caf\xc3\xa9/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    check(answer.startswith(b"HTTP/1.1 404"), f"raw UTF-8 in the path: 404 ({answer[:40]!r})")


def test_limits():
    srv = server("--max-body", "1048576", "--max-pixels", "100000")
    try:
        big = open(os.path.join(CORAL, "parrot.jpg"), "rb").read() * 3  # ~1.8 MB
        expect_error(srv.port, "body over --max-body with Content-Length", jpeg_post(srv.port, big), 413,
                     "body_too_large")
        expect_error(srv.port, "chunked body over --max-body",
                     request(srv.port, "POST", "/predict", big, {"Content-Type": "image/jpeg"}, chunked=True), 413,
                     "body_too_large")
        expect_error(srv.port, "640x480 over --max-pixels 100000",
                     jpeg_post(srv.port, open(os.path.join(CORAL, "owl.jpg"), "rb").read()), 422, "image_too_large")
        status, _, _ = request(srv.port, "GET", "/readyz")
        check(status == 200, "still ready after the limit errors")
    finally:
        check(srv.stop() == 0, "server with limits exits 0 on SIGTERM")


def test_backpressure():
    srv = server("--workers", "1", "--queue", "1")
    data = open(os.path.join(CORAL, "parrot.jpg"), "rb").read()
    statuses, retry = [], []

    def one():
        s, h, _ = jpeg_post(srv.port, data)
        statuses.append(s)
        if s == 503:
            retry.append(h.get("retry-after"))

    threads = [threading.Thread(target=one) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(statuses.count(200) >= 2 and statuses.count(503) >= 1 and set(statuses) <= {200, 503},
          f"queue of 1: {statuses.count(200)} answered, {statuses.count(503)} got 503")
    check(retry and all(r == "1" for r in retry), "503 carries Retry-After")
    check(srv.stop() == 0, "exits 0")


def test_endpoints(port, after_traffic):
    status, _, body = request(port, "GET", "/healthz")
    check(status == 200 and json.loads(body)["status"] == "alive", "/healthz")
    status, _, body = request(port, "GET", "/readyz")
    check(status == 200 and json.loads(body)["status"] == "ready", "/readyz")
    probe = subprocess.run([LOOKSLIKE, "healthcheck", "--bind", "127.0.0.1", "--port", str(port)])
    check(probe.returncode == 0, f"`lookslike healthcheck` exits 0 for a ready server ({probe.returncode})")
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        probe = subprocess.run([LOOKSLIKE, "healthcheck", "--port", str(closed.getsockname()[1])],
                               stderr=subprocess.DEVNULL)
    check(probe.returncode == 1, f"`lookslike healthcheck` exits 1 when nothing answers ({probe.returncode})")
    status, _, body = request(port, "GET", "/v1/models")
    m = json.loads(body)["models"][0] if status == 200 else {}
    check(m.get("name") == "mobilenet_v1" and m.get("input") == {"width": 224, "height": 224, "channels": 3}
          and m.get("classes") == 1000 and m.get("engine") == RUNS and m.get("precision") == PRECISION
          and m.get("preprocess") == "tf_slim",
          f"/v1/models: {body[:200]!r}")
    status, headers, body = request(port, "GET", "/metrics")
    text = body.decode()
    check(status == 200 and headers.get("content-type", "").startswith("text/plain"), "/metrics is text")
    info = [l for l in text.splitlines() if l.startswith('lookslike_model_info{model="mobilenet_v1"')]
    check(len(info) == 1 and 'classes="1000"' in info[0] and 'input="224x224x3"' in info[0]
          and f'precision="{PRECISION}"' in info[0] and f'engine="{RUNS}"' in info[0],
          f"/metrics describes the model as /v1/models does (1000 classes): {info}")
    for needle in () if not after_traffic else ('lookslike_requests_total{route="predict",status="200"}',
                   'lookslike_requests_total{route="predict",status="400"}',
                   'lookslike_stage_duration_seconds_bucket{stage="inference",le="+Inf"}',
                   'lookslike_stage_duration_seconds_count{stage="decode"}', "lookslike_queue_depth ",
                   "lookslike_in_flight_requests ", 'lookslike_model_info{model="mobilenet_v1"'):
        check(needle in text, f"/metrics has {needle}")


def test_static(port):
    status, headers, body = request(port, "GET", "/")
    check(status == 200 and headers.get("content-type", "").startswith("text/html") and b"<" in body,
          "GET / serves index.html as text/html")
    etag = headers.get("etag")
    check(bool(etag) and bool(headers.get("last-modified")), "static responses carry ETag and Last-Modified")
    status, _, body = request(port, "GET", "/", headers={"If-None-Match": etag})
    check(status == 304 and body == b"", "If-None-Match gives 304")
    status, headers, body = request(port, "HEAD", "/index.html")
    check(status == 200 and body == b"", "HEAD has no body")
    for path in ("/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                 "/..%2f..%2fetc/passwd", "/outside/passwd", "/outside", "/sub/", "/sub", "/.hidden",
                 "/index.html/..", "//etc/passwd"):
        status, _, body = request(port, "GET", path)
        check(status in (400, 404) and b"root:" not in body, f"GET {path} -> {status}, nothing outside static/")
    status, _, body = request(port, "GET", "/index.html%00.png")
    check(status == 400 and b"root:" not in body, "encoded NUL in the path -> 400")


def test_concurrency(port):
    images = [open(os.path.join(CORAL, n), "rb").read() for n in PHOTOS]
    expected = {}
    for i, data in enumerate(images):
        status, _, body = jpeg_post(port, data)
        if not check(status == 200, f"reference answer for image {i}: {status} {body[:200]!r}"):
            return
        expected[i] = [p["index"] for p in json.loads(body)["predictions"]]
    bad, threads_used = [], []
    requests_each = 2 if QUICK else 6

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # keep-alive: one connection
        for j in range(requests_each):
            i = (n + j) % 3
            conn.request("POST", "/predict", body=images[i], headers={"Content-Type": "image/jpeg"})
            r = conn.getresponse()
            body = r.read()
            if r.status != 200 or [p["index"] for p in json.loads(body)["predictions"]] != expected[i]:
                bad.append((r.status, body[:100]))
            else:
                threads_used.append(json.loads(body)["threads"])
        conn.close()

    clients = 4 if QUICK else 16
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not bad, f"{clients} keep-alive clients x {requests_each} requests all answered correctly ({len(bad)} bad)")
    # Scheduling (worker_pool.h): a lone request runs on every core, a queue on one core per worker.
    cores = os.cpu_count() or 1
    status, _, body = jpeg_post(port, images[0])
    lone = json.loads(body)["threads"] if status == 200 else None
    check(lone == cores, f"a lone request runs on all {cores} cores ({lone})")
    check(cores == 1 or threads_used.count(1) > len(threads_used) // 2,
          f"under load most requests run on one core ({threads_used.count(1)} of {len(threads_used)})")


def in_flight(port):
    """The server's count of requests whose headers it has (this /metrics one included)."""
    _, _, body = request(port, "GET", "/metrics")
    return next(int(l.split()[1]) for l in body.decode().splitlines() if l.startswith("lookslike_in_flight_requests "))


def test_shutdown():
    """Six uploads whose headers are in when SIGTERM comes are finished with 200;
    their bodies' last bytes are sent only after it (waiting for the count in
    /metrics, not for a guessed time: a request that only connected before
    SIGTERM is answered 503 shutting_down, as docs/configuration.md says)."""
    srv = server("--workers", "1")
    data = open(os.path.join(CORAL, "parrot.jpg"), "rb").read()
    socks = []
    for _ in range(6):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                  b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(data) + data[:-1])
        socks.append(s)
    deadline = time.monotonic() + 30
    while (n := in_flight(srv.port)) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    check(n == 7, f"six uploads under way before SIGTERM ({n - 1})")
    srv.proc.send_signal(signal.SIGTERM)
    statuses = []
    for s in socks:
        s.sendall(data[-1:])
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        statuses.append(int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else -1)
        s.close()
    code = srv.proc.wait(timeout=30)
    check(code == 0, f"SIGTERM under load: exit {code}")
    check(statuses == [200] * 6, f"in-flight requests completed: {statuses}")
    try:
        request(srv.port, "GET", "/healthz", timeout=2)
        check(False, "no new connections after shutdown")
    except OSError:
        check(True, "no new connections after shutdown")


def test_model_files(work):
    """A missing, truncated or corrupted model stops start-up with a message."""
    src = os.path.join(os.path.dirname(LOOKSLIKE), "..", "models")
    cases = {
        "missing cfg": lambda d: os.remove(os.path.join(d, "mobilenet_v1.cfg")),
        "missing weights": lambda d: os.remove(os.path.join(d, "mobilenet_v1.weights")),
        "truncated weights": lambda d: os.truncate(os.path.join(d, "mobilenet_v1.weights"), 1000000),
        "corrupted cfg": lambda d: open(os.path.join(d, "mobilenet_v1.cfg"), "a").write("\n[lstm]\n"),
        "labels short": lambda d: os.truncate(os.path.join(d, "mobilenet_v1.labels"), 100),
    }
    expect = {"missing cfg": "no model 'mobilenet_v1' in " + os.path.join(work, "missing_cfg") +
              "; looked for NAME.cfg + NAME.weights (darknet)",
              "missing weights": "mobilenet_v1.weights: No such file",
              "truncated weights": "holds 249995 parameters but the cfg needs exactly 4222057",
              "corrupted cfg": "unknown or unsupported section [lstm]",
              "labels short": "expected 1001 non-empty lines"}
    for name, damage in cases.items():
        d = os.path.join(work, name.replace(" ", "_"))
        os.mkdir(d)
        for ext in ("cfg", "weights", "labels"):
            shutil.copy(os.path.join(src, "mobilenet_v1." + ext), d)
        damage(d)
        p = subprocess.run([LOOKSLIKE, "--port", "0", "--model-dir", d], capture_output=True, text=True, timeout=60)
        check(p.returncode == 1 and expect[name] in p.stderr and "listening" not in p.stderr,
              f"{name}: exit {p.returncode}, {p.stderr.strip()[:160]}")


def test_int8_kernels():
    """The integer engine's kernel set: chosen at start-up and self-tested (the
    fastest native one by default), named by the start-up line, /v1/models and
    /metrics alike; --int8-kernels forces one; an unknown one stops start-up."""
    for forced in (None, "avx2"):
        srv = server(*(["--int8-kernels", forced] if forced else []))
        try:
            started = re.search(r"precision int8 \((\S+) kernels, self-tested in [0-9.]+ ms\)", "".join(srv.log))
            _, _, body = request(srv.port, "GET", "/v1/models")
            named = json.loads(body)["models"][0].get("int8_kernels")
            _, _, metrics = request(srv.port, "GET", "/metrics")
            labelled = re.search(r'lookslike_model_info\{[^}]*int8_kernels="([^"]*)"', metrics.decode())
            want = forced or (started.group(1) if started else None)
            check(started and started.group(1) == want and named == want and labelled and labelled.group(1) == want,
                  f"--int8-kernels {forced or 'auto'}: the start-up line, /v1/models and /metrics name the "
                  f"{want} kernels ({started and started.group(0)}, {named}, {labelled and labelled.group(0)})")
            status, _, body = jpeg_post(srv.port, open(os.path.join(CORAL, "parrot.jpg"), "rb").read(), "?k=1")
            check(status == 200 and b'"index":89' in body, f"{want} kernels: the parrot is a macaw ({status})")
        finally:
            srv.stop()
    r = subprocess.run([LOOKSLIKE, "--port", "0", "--precision", "int8", "--int8-kernels", "sse9"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and "no such kernel set" in r.stderr and "avx2" in r.stderr,
          f"--int8-kernels sse9 stops start-up naming the sets there are ({r.returncode}: {r.stderr.strip()[:160]})")


def main():
    work = tempfile.mkdtemp(prefix="lookslike-http-")
    try:
        jpegs = os.path.join(work, "jpegs")
        os.mkdir(jpegs)
        subprocess.run([MAKE_JPEGS, jpegs], check=True)
        # A static dir with traps: a symlink and a directory pointing outside, a dotfile, a subdirectory.
        static = os.path.join(work, "static")
        shutil.copytree(STATIC, static)
        os.symlink("/etc/passwd", os.path.join(static, "outside"))
        os.makedirs(os.path.join(static, "sub"))
        open(os.path.join(static, ".hidden"), "w").write("secret")
        srv = server("--static-dir", static)
        try:
            test_endpoints(srv.port, False)
            test_predict_inputs(srv.port)
            test_decoder_edges(srv.port, jpegs)
            test_errors(srv.port)
            test_utf8_text(srv.port)
            test_static(srv.port)
            test_concurrency(srv.port)
            test_endpoints(srv.port, True)
            logged = [json.loads(l) for l in srv.log if l.startswith("{")]
            check(len(logged) > (60 if QUICK else 150) and all({"method", "path", "status", "ms"} <= set(x) for x in logged),
                  f"one JSON access-log line per request ({len(logged)} lines)")
            raw = [x["path"] for x in logged if x["path"].startswith("/caf")]
            check(raw == ["/caf\u00e9/\u00ff"], f"the access log keeps UTF-8 in a path, an invalid byte escaped: {raw!r}")
        finally:
            check(srv.stop() == 0, "server exits 0 on SIGTERM")
        if RUNS == "int8":
            test_int8_kernels()
        test_model_files(work)
        test_command_line(jpegs)
        test_limits()
        test_backpressure()
        test_shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
