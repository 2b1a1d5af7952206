#!/usr/bin/env python3
"""Load, soak and slowloris against the real server on loopback.

  python3 tests/soak/soak.py LOOKSLIKE JPEG [--seconds 600] [--connections 32] [--slow 500]

1. Soak: wrk keeps --connections keep-alive connections busy with a mix of
   valid and invalid /predict requests for --seconds. Pass: the server never
   dies, answers nothing 5xx but documented 503s, its RSS grows < 5 % between
   the end of warm-up (10 % of the run) and the end, and its open file
   descriptors return to their idle count.
2. Slowloris: --slow connections dribble a request header a byte at a time;
   meanwhile a normal client must be served within 1 s, every time.
3. SIGTERM under load: exits 0.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
import harness  # noqa: E402
from harness import check, memory_kib, request, summary  # noqa: E402


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def soak(srv, jpeg, seconds, connections):
    pid = srv.proc.pid
    idle_fds = fds(pid)
    env = dict(os.environ, SOAK_JPEG=jpeg)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mixed.lua")
    wrk = subprocess.Popen(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                            "--latency", "-s", script, f"http://127.0.0.1:{srv.port}/"],
                           stdout=subprocess.PIPE, text=True, env=env)
    warm = max(5.0, seconds * 0.1)
    time.sleep(warm)
    rss_warm = memory_kib(pid)
    samples = [(warm, rss_warm, fds(pid))]
    while wrk.poll() is None:
        time.sleep(min(10, seconds / 10))
        if srv.proc.poll() is not None:
            break
        samples.append((time.time(), memory_kib(pid), fds(pid)))
    out = wrk.communicate()[0]
    print(out)
    alive = srv.proc.poll() is None
    check(alive, "server alive after the soak")
    if not alive:
        return
    rss_end = memory_kib(pid)
    time.sleep(1)
    end_fds = fds(pid)
    counts = json.loads(re.search(r"STATUS_COUNTS (\{.*\})", out).group(1))
    total = sum(counts.values())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"ERRORS (.*)", out).group(1)
    print(f"# {total} requests, {rps:.0f}/s, statuses {counts}, {errors}")
    print(f"# RSS after warm-up {rss_warm} KiB, at end {rss_end} KiB "
          f"({100.0 * (rss_end - rss_warm) / rss_warm:+.2f} %); peak sample {max(s[1] for s in samples)} KiB")
    print(f"# file descriptors idle {idle_fds}, under load max {max(s[2] for s in samples)}, after {end_fds}")
    bad5xx = {s: n for s, n in counts.items() if s.startswith("5") and s != "503"}
    check(total > 0 and not bad5xx, f"no 5xx but 503 ({bad5xx})")
    check(counts.get("200", 0) > 0 and counts.get("400", 0) > 0 and counts.get("415", 0) > 0,
          "valid and invalid requests both answered as documented")
    check(rss_end < rss_warm * 1.05, f"RSS growth {100.0 * (rss_end - rss_warm) / rss_warm:+.2f} % < 5 %")
    check(end_fds <= idle_fds + 2, f"file descriptors back to idle ({idle_fds} -> {end_fds})")


def slowloris(srv, jpeg_bytes, n):
    stop = threading.Event()
    socks = []
    for i in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            break
    check(len(socks) == n, f"{len(socks)} slow connections open")

    def dribble():
        while not stop.is_set():
            for s in list(socks):
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
            stop.wait(2)

    t = threading.Thread(target=dribble, daemon=True)
    t.start()
    worst = 0.0
    ok = True
    for i in range(20):
        t0 = time.time()
        s1, _, _ = request(srv.port, "GET", "/healthz", timeout=5)
        s2, _, _ = request(srv.port, "POST", "/predict", jpeg_bytes, {"Content-Type": "image/jpeg"}, timeout=5)
        dt = time.time() - t0
        worst = max(worst, dt)
        ok = ok and s1 == 200 and s2 == 200
        time.sleep(0.25)
    stop.set()
    for s in socks:
        s.close()
    check(ok and worst < 1.0, f"with {len(socks)} slowloris connections a normal client was served in at most "
                              f"{worst * 1000:.0f} ms (healthz + predict)")


def shutdown_under_load(lookslike, jpeg):
    srv = harness.Server(lookslike)
    env = dict(os.environ, SOAK_JPEG=jpeg)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mixed.lua")
    wrk = subprocess.Popen(["wrk", "-t", "2", "-c", "16", "-d", "5s", "-s", script, f"http://127.0.0.1:{srv.port}/"],
                           stdout=subprocess.DEVNULL, env=env)
    time.sleep(2)
    code = srv.stop()
    wrk.wait()
    check(code == 0, f"SIGTERM under load: exit {code}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lookslike")
    ap.add_argument("jpeg")
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--slow", type=int, default=500)
    a = ap.parse_args()
    if not shutil.which("wrk"):
        check(False, "wrk is installed (Debian package wrk; tests/run.sh installs it)")
        return summary()
    # Every client here shares 127.0.0.1: lift the per-address connection
    # limit so that the slowloris phase stands for many attackers' addresses.
    srv = harness.Server(a.lookslike, "--access-log", "0", "--per-ip-connections", "0")
    try:
        soak(srv, a.jpeg, a.seconds, a.connections)
        if srv.proc.poll() is None:
            slowloris(srv, open(a.jpeg, "rb").read(), a.slow)
    finally:
        if srv.proc.poll() is None:
            check(srv.stop() == 0, "server exits 0")
    shutdown_under_load(a.lookslike, a.jpeg)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
