#!/usr/bin/env python3
"""SIGTERM under load. Kept-alive clients poll /readyz, /metrics and
/predict while the server is told to stop: it must answer what is in flight,
refuse what arrives afterwards with 503 (never crash, as it did when the
worker pool was freed under live connections), exit 0 within its grace
period, and leave no sanitizer report. Then a queue longer than the grace
period: the server must still exit on time, answering the queued requests it
cannot run with 503.

usage: test_shutdown.py LOOKSLIKE PHOTO.jpg BIG_PHOTO.jpg
"""
import http.client
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import check, check_no_sanitizer_reports, request, summary

LOOKSLIKE, PHOTO, BIG_PHOTO = sys.argv[1:4]


def keep_alive_client(port, photo, stop, statuses, lock):
    """One connection, reused for request after request until the server closes it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    calls = [("GET", "/readyz", None, {}), ("GET", "/metrics", None, {}),
             ("POST", "/predict", photo, {"Content-Type": "image/jpeg"})]
    i = 0
    while not stop.is_set():
        method, path, body, headers = calls[i % 3]
        i += 1
        try:
            conn.request(method, path, body, headers)
            resp = conn.getresponse()
            resp.read()
            with lock:
                statuses.append(resp.status)
            if resp.getheader("Connection", "").lower() == "close":
                break
        except (OSError, http.client.HTTPException):
            break  # closed by the server: done
    conn.close()


def sigterm_under_keep_alive():
    photo = open(PHOTO, "rb").read()
    srv = harness.Server(LOOKSLIKE, "--shutdown-grace", "10")
    stop, lock, statuses = threading.Event(), threading.Lock(), []
    clients = [threading.Thread(target=keep_alive_client, args=(srv.port, photo, stop, statuses, lock))
               for _ in range(8)]
    for t in clients:
        t.start()
    time.sleep(1.5)
    with lock:
        before = len(statuses)
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        code = srv.proc.wait(timeout=15)
    except Exception:
        code = None
    took = time.monotonic() - t0
    stop.set()
    for t in clients:
        t.join(30)
    if code is None:
        srv.proc.kill()
        srv.proc.wait()
    print(f"# {before} answers before SIGTERM, {len(statuses)} in all; exit {code} after {took:.2f} s")
    check(before > 20, f"the clients were served before SIGTERM ({before} answers)")
    check(code == 0, f"SIGTERM under kept-alive load: exit 0 (exit {code})")
    check(took < 10, f"... within the grace period ({took:.2f} s)")
    check(set(statuses) <= {200, 503}, f"every answer 200 or 503: {sorted(set(statuses))}")
    check_no_sanitizer_reports(srv, "SIGTERM under load")


def queue_longer_than_grace():
    """One worker, one thread, DCT scaling off, 48 photos of 12 MP queued
    (several seconds of work), grace period 2 s."""
    big = open(BIG_PHOTO, "rb").read()
    srv = harness.Server(LOOKSLIKE, "--shutdown-grace", "2", "--workers", "1", "--threads", "1",
                         "--dct-scaling", "0", "--queue", "64")

    def post():
        try:
            status, _, _ = request(srv.port, "POST", "/predict", big, {"Content-Type": "image/jpeg"}, timeout=30)
            return status
        except OSError:
            return None

    with ThreadPoolExecutor(48) as pool:
        futures = [pool.submit(post) for _ in range(48)]
        time.sleep(1.0)  # all sent, most queued
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        code = srv.proc.wait(timeout=15)
        took = time.monotonic() - t0
        statuses = [f.result() for f in futures]
    counts = {s: statuses.count(s) for s in set(statuses)}
    print(f"# queue longer than the grace period: exit {code} after {took:.2f} s; answers {counts}")
    check(took < 2.5, f"exits within the 2 s grace period (+0.5 s) with a long queue ({took:.2f} s)")
    check(code == 0, f"... exit 0: the running job finished in the time kept for it (exit {code})")
    check(counts.get(503, 0) > 0 and set(statuses) <= {200, 503},
          f"... queued requests it could not run answered 503, the rest 200: {counts}")
    check_no_sanitizer_reports(srv, "queue longer than the grace period")


def main():
    sigterm_under_keep_alive()
    queue_longer_than_grace()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
