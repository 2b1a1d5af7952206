#!/usr/bin/env python3
"""Resource bounds of the real server under the attacks that used to take it
down: a progressive-JPEG scan bomb (a few MB that took a worker most of a
minute to decode), many near-limit uploads held open at once (each connection
could buffer --max-body, with no global bound), and the per-address
connection limit that is on by default, and JSON bodies of many small values
(a 6 MB array of numbers made cJSON allocate ~250 MB to parse it), and
images a few KB long that are 50 M pixels tall (the resize held 1.9 GB).

usage: test_limits.py LOOKSLIKE MAKE_SCAN_BOMB PHOTO.jpg
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import check, check_no_sanitizer_reports, memory_kib, request, summary

LOOKSLIKE, MAKE_SCAN_BOMB, PHOTO = sys.argv[1:4]
MIB = 1 << 20


def post_jpeg(port, body, timeout=60):
    t0 = time.monotonic()
    status, _, data = request(port, "POST", "/predict", body, {"Content-Type": "image/jpeg"}, timeout=timeout)
    return status, data, time.monotonic() - t0


def scan_bomb(work):
    """One worker; six copies of a ~700-scan progressive JPEG queued before a
    normal photo. Decoded, each bomb costs this worker most of a second (far
    more under sanitizers), so the photo would wait seconds; refused from its
    markers, the bombs cost nothing."""
    bomb_path = os.path.join(work, "scan_bomb.jpg")
    subprocess.run([MAKE_SCAN_BOMB, bomb_path, "2000", "2000", "1"], check=True)
    bomb = open(bomb_path, "rb").read()
    photo = open(PHOTO, "rb").read()
    srv = harness.Server(LOOKSLIKE, "--workers", "1", "--threads", "1")
    try:
        with ThreadPoolExecutor(8) as pool:
            bombs = [pool.submit(post_jpeg, srv.port, bomb) for _ in range(6)]
            time.sleep(0.3)  # the bombs are in the queue (or refused) first
            normal = pool.submit(post_jpeg, srv.port, photo).result()
            answers = [b.result() for b in bombs]
        for status, data, seconds in answers[:1]:
            print(f"# bomb: {status} in {seconds:.2f} s: {data[:160]!r}")
        check(all(s == 422 and b"image_too_complex" in d for s, d, _ in answers),
              f"scan bombs refused 422 image_too_complex: {[s for s, _, _ in answers]}")
        check(max(t for _, _, t in answers) < 5, f"each bomb answered within 5 s "
                                                  f"(slowest {max(t for _, _, t in answers):.2f} s)")
        check(normal[0] == 200 and normal[2] < 2, f"a normal photo sent beside them is served within 2 s "
                                                  f"({normal[0]} in {normal[2]:.2f} s)")
    finally:
        check(srv.stop() == 0, "scan bomb: server exits 0")
        check_no_sanitizer_reports(srv, "scan bomb")


class Upload:
    """A POST /predict that announces (or, chunked, streams) a near-limit
    body, sends all of it but the last byte, and then holds the connection."""

    def __init__(self, port, size, chunked):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.refused = False
        head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
        head += b"Transfer-Encoding: chunked\r\n\r\n" if chunked else b"Content-Length: %d\r\n\r\n" % size
        self.head, self.size, self.chunked = head, size, chunked

    def send(self, payload):
        try:
            self.sock.sendall(self.head)
            step = 256 * 1024
            for i in range(0, self.size - 1, step):
                part = payload[i:min(i + step, self.size - 1)]
                self.sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if self.chunked else part)
        except OSError:
            self.refused = True  # answered early (503) and closed

    def answer(self):
        self.sock.settimeout(0.5)
        try:
            data = self.sock.recv(200)
        except OSError:
            return None
        return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None


def held_uploads(chunked):
    """150 connections each send 10 MiB - 1 byte of a 10 MiB body and hold on.
    Without a global bound that is 1.5 GB of buffers; the budget
    (--max-body-total, default 128 MiB here) must keep RSS well under the
    512 MiB a Kubernetes pod gets, answer the uploads beyond it 503, and keep
    the server answering /readyz."""
    name = "chunked" if chunked else "with Content-Length"
    env_asan = os.environ.get("ASAN_OPTIONS", "")
    os.environ["ASAN_OPTIONS"] = env_asan + ":quarantine_size_mb=16"  # freed bodies are not kept around
    srv = harness.Server(LOOKSLIKE, "--per-ip-connections", "0", "--max-body", "10MiB")
    os.environ["ASAN_OPTIONS"] = env_asan
    uploads = []
    try:
        base = memory_kib(srv.proc.pid, "VmRSS")
        payload = os.urandom(10 * MIB)
        uploads = [Upload(srv.port, 10 * MIB, chunked) for _ in range(150)]
        threads = [threading.Thread(target=u.send, args=(payload,)) for u in uploads]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        time.sleep(0.5)
        peak = memory_kib(srv.proc.pid, "VmHWM")
        status, _, _ = request(srv.port, "GET", "/readyz", timeout=10)
        _, _, metrics = request(srv.port, "GET", "/metrics", timeout=10)
        held = [l for l in metrics.decode().splitlines() if l.startswith("lookslike_request_body_bytes ")]
        print(f"# {name}: RSS {base // 1024} MiB at rest, peak {peak // 1024} MiB with 150 uploads held; {held}")
        check(peak < 512 * 1024, f"{name}: 150 near-limit uploads: peak RSS {peak // 1024} MiB < 512 MiB")
        check(status == 200, f"{name}: /readyz answers while they are held ({status})")
        if not chunked:  # refused at the headers, before any body byte is read
            early = sum(1 for u in uploads if u.answer() == 503)
            check(early >= 100, f"{name}: uploads beyond the budget answered 503 at once ({early} of 150)")
        for u in uploads:  # the last byte: the held bodies complete (not JPEGs: 400; over budget: 503)
            try:
                u.sock.sendall(b"1\r\nx\r\n0\r\n\r\n" if chunked else b"x")
            except OSError:
                pass
        answers = [u.answer() for u in uploads]
        counts = {a: answers.count(a) for a in set(answers)}
        if chunked:  # no length announced: each takes budget as its buffer grows, until it runs out
            check(counts.get(503, 0) >= 100 and set(answers) <= {400, 503},
                  f"{name}: bodies beyond the budget answered 503 once complete, any others 400 (not JPEGs): {counts}")
    finally:
        for u in uploads:
            u.sock.close()
        check(srv.stop() == 0, f"{name}: server exits 0")
        check_no_sanitizer_reports(srv, f"held uploads {name}")


def per_address_limit():
    """By default one address may hold 128 connections: the 129th is closed
    without being served, and a connection freed makes room again."""
    srv = harness.Server(LOOKSLIKE)
    socks = []
    try:
        for _ in range(128):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = extra.recv(100)
        except OSError:
            data = b""
        extra.close()
        check(data == b"", f"the 129th connection from one address is refused ({data[:40]!r})")
        socks.pop().close()
        time.sleep(0.3)
        status, _, _ = request(srv.port, "GET", "/healthz", timeout=10)
        check(status == 200, "a connection freed makes room again")
    finally:
        for s in socks:
            s.close()
        check(srv.stop() == 0, "per-address limit: server exits 0")


def json_values():
    """A JSON body is parsed only once the body budget holds the nodes its values can make."""
    srv = harness.Server(LOOKSLIKE, "--max-body", "8MiB", "--max-body-total", "32MiB", "--access-log", "0")
    try:
        before = memory_kib(srv.proc.pid, "VmHWM")
        values = b"[" + b"0," * (3 * MIB) + b"0]"  # 6 MB, 3 M values
        for path, body in (("/predict", b'{"image": "AAAA", "pad": ' + values + b"}"),
                           ("/v2/models/mobilenet_v1/infer", b'{"inputs": [{"name": "pixels", "datatype": "UINT8", '
                            b'"shape": [1, 1024, 1024, 3], "data": ' + values + b"}]}")):
            status, _, data = request(srv.port, "POST", path, body, {"Content-Type": "application/json"}, timeout=60)
            check(status == 413 and b"JSON values" in data, f"{path}: 3 M JSON values refused before parsing "
                  f"({status} {data[:120]!r})")
        grown = (memory_kib(srv.proc.pid, "VmHWM") - before) // 1024
        check(grown < 100, f"peak resident memory grew {grown} MiB (< 100: the body, not a parse tree)")
        check_no_sanitizer_reports(srv, "JSON values")
    finally:
        check(srv.stop() == 0, "JSON values: server exits 0")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tall_png(width, height):
    """A 1-bit grey PNG of alternating stripes: a few KB whatever its height."""
    rows = (b"\x00" + b"\xaa" * (width // 8) + b"\x00" + b"\x55" * (width // 8)) * (height // 2)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(rows, 9)) + png_chunk(b"IEND", b""))


def tall_bmp(width, height):
    """A 1-bit BMP: 4 bytes a row, so 10 MiB is 2.6 M rows."""
    row = 4
    pixels = (b"\xaa\xaa\x00\x00" + b"\x55\x55\x00\x00") * (height // 2)
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 1, 0, row * height, 2835, 2835, 2, 0)
    palette = b"\x00\x00\x00\x00\xff\xff\xff\x00"
    offset = 14 + len(header) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + palette + pixels


def tall_images():
    """A 16 x 3,125,000 image is exactly 50 M pixels, within --max-pixels. The
    resize once ran its horizontal pass over every input row into a buffer of
    (rows x 224 x 3) bytes: 1.9 GB held, and kept, for a 9 KB PNG. Now the
    memory is the decoded RGB (150 MB) and the output's sums, freed after."""
    env_asan = os.environ.get("ASAN_OPTIONS", "")
    os.environ["ASAN_OPTIONS"] = env_asan + ":quarantine_size_mb=16"  # freed buffers are not kept around
    srv = harness.Server(LOOKSLIKE, "--workers", "1", "--access-log", "0")
    os.environ["ASAN_OPTIONS"] = env_asan
    photo = open(PHOTO, "rb").read()
    try:
        base = memory_kib(srv.proc.pid, "VmRSS")
        for name, body, kind in (("PNG", tall_png(16, 3125000), "png"), ("BMP", tall_bmp(16, 2621400), "bmp")):
            with open(f"/proc/{srv.proc.pid}/clear_refs", "w") as f:
                f.write("5")  # the peak (VmHWM) starts again from here
            with ThreadPoolExecutor(2) as pool:
                tall = pool.submit(request, srv.port, "POST", "/predict", body, {"Content-Type": "image/" + kind},
                                   timeout=120)
                time.sleep(0.2)
                ready = request(srv.port, "GET", "/readyz", timeout=10)[0]
                normal = post_jpeg(srv.port, photo)
                status, _, data = tall.result()
            peak = memory_kib(srv.proc.pid, "VmHWM")
            after = memory_kib(srv.proc.pid, "VmRSS")
            print(f"# tall {name}, {len(body)} bytes: {status} {data[:100]!r}; RSS {base // 1024} MiB before, "
                  f"peak {peak // 1024}, {after // 1024} after")
            check(status == 200, f"a {len(body) // 1024} KiB 16-pixel-wide {name} is classified ({status})")
            check(peak - base < 400 * 1024, f"{name}: peak RSS grew {(peak - base) // 1024} MiB (< 400: the decoded "
                                            f"150 MB, not rows x 224 x 3 = 1.9 GB)")
            check(after - base < 64 * 1024, f"{name}: {(after - base) // 1024} MiB still held after it (< 64)")
            check(ready == 200 and normal[0] == 200, f"{name}: /readyz ({ready}) and a photo ({normal[0]}) answered "
                                                     f"meanwhile")
    finally:
        check(srv.stop() == 0, "tall images: server exits 0")
        check_no_sanitizer_reports(srv, "tall images")


def main():
    work = tempfile.mkdtemp(prefix="lookslike-limits-")
    tall_images()
    json_values()
    scan_bomb(work)
    held_uploads(chunked=False)
    held_uploads(chunked=True)
    per_address_limit()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
