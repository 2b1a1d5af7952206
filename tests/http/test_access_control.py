#!/usr/bin/env python3
"""API keys and CORS against the real server.

Keys (--api-key-file): POST /predict needs 'Authorization: Bearer KEY' with
one of the file's keys (401 with WWW-Authenticate: Bearer and a JSON error
otherwise, before the body is read); health, readiness, /v1/models and the UI
stay open; /metrics too unless --metrics-need-key 1. No key, right or wrong,
appears in the log. Bad key files stop start-up with file:line.
CORS (--cors-origin): a preflight on an API route from an allowed origin gets
204 and the Access-Control-Allow-* headers, from another origin 403; API
responses carry Access-Control-Allow-Origin for allowed origins only, other
routes never; without the flag nothing changes.

usage: test_access_control.py LOOKSLIKE PHOTO.jpg
"""
import json
import os
import subprocess
import sys
import tempfile

from harness import Server, check, request, summary

LOOKSLIKE, PHOTO = sys.argv[1:3]
KEYS = ["k1-" + "a" * 29, "second.key_with+chars/=", "k3-" + "z" * 61]
SITE = "https://app.example.com"


def post(port, headers, body=None):
    h = {"Content-Type": "image/jpeg"}
    h.update(headers)
    return request(port, "POST", "/predict", PHOTO_BYTES if body is None else body, h)


def error_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def start_fails(*args):
    r = subprocess.run([LOOKSLIKE, "--bind", "127.0.0.1", "--port", "0", *args], capture_output=True, text=True,
                       timeout=60)
    return r.returncode, r.stderr


def test_keys(work):
    path = os.path.join(work, "keys")
    with open(path, "w") as f:
        f.write("# service keys\n\n  " + KEYS[0] + "  \n" + KEYS[1] + "\r\n" + KEYS[2])
    os.chmod(path, 0o600)
    srv = Server(LOOKSLIKE, "--api-key-file", path)
    try:
        port = srv.port
        for i, key in enumerate(KEYS):
            status, _, body = post(port, {"Authorization": "Bearer " + key})
            check(status == 200, f"key {i + 1} of 3 is accepted: {status}")
        status, _, _ = post(port, {"Authorization": "bearer  " + KEYS[0]})
        check(status == 200, f"the scheme in any case, two spaces: {status}")
        wrong = [("no header", {}), ("wrong key", {"Authorization": "Bearer " + KEYS[0][:-1] + "b"}),
                 ("key prefix", {"Authorization": "Bearer " + KEYS[0][:-1]}),
                 ("key plus a byte", {"Authorization": "Bearer " + KEYS[0] + "a"}),
                 ("Basic scheme", {"Authorization": "Basic " + KEYS[0]}),
                 ("two tokens", {"Authorization": "Bearer " + KEYS[0] + " " + KEYS[1]}),
                 ("empty bearer", {"Authorization": "Bearer "})]
        for name, h in wrong:
            status, headers, body = post(port, h)
            check(status == 401 and headers.get("www-authenticate", "").startswith("Bearer") and
                  error_code(body) == "unauthorized", f"{name}: 401 with WWW-Authenticate: Bearer and a JSON error "
                  f"({status}, {headers.get('www-authenticate')}, {body[:80]!r})")
        # refused before the body is read: a 9 MB upload is not received
        status, _, body = post(port, {}, b"\xff\xd8" + b"x" * 9000000)
        check(status == 401, f"a large upload without a key: 401 at once ({status})")
        for path_ in ("/healthz", "/readyz", "/v1/models", "/", "/metrics"):
            status, _, _ = request(port, "GET", path_)
            check(status == 200, f"GET {path_} needs no key: {status}")
    finally:
        srv.stop()
    log = "".join(srv.log)
    check(not any(k in log or k[:12] in log for k in KEYS), "no key, or part of one, in the log")
    check("3 API key(s)" in log, "start-up says how many keys it loaded")
    check("readable by other users" not in log, "a key file only its owner reads: no warning")
    os.chmod(path, 0o644)
    srv = Server(LOOKSLIKE, "--api-key-file", path)
    srv.stop()
    warned = [l for l in srv.log if "readable by other users" in l]
    check(warned and "0644" in warned[0], f"a key file others may read: a warning at start-up ({warned[:1]})")

    srv = Server(LOOKSLIKE, "--api-key-file", path, "--metrics-need-key", "1")
    try:
        status, headers, _ = request(srv.port, "GET", "/metrics")
        check(status == 401 and "www-authenticate" in headers, f"--metrics-need-key 1: /metrics without a key: {status}")
        status, _, body = request(srv.port, "GET", "/metrics", headers={"Authorization": "Bearer " + KEYS[1]})
        check(status == 200 and b"lookslike_requests_total" in body, f"/metrics with a key: {status}")
    finally:
        srv.stop()

    for name, content, want in [("empty", "# nothing\n\n", "no keys"), ("short", KEYS[0] + "\ntiny-key-7\n", ":2: "),
                                ("space", "has a space in it ok\n", ":1: "),
                                ("long", "x" * 300 + "\n", ":1: "),
                                ("nul", KEYS[1] + "\n" + KEYS[0][:16] + "\0" + KEYS[0][16:] + "\n", ":2: a NUL byte")]:
        bad = os.path.join(work, name)
        with open(bad, "w") as f:
            f.write(content)
        rc, err = start_fails("--api-key-file", bad)
        check(rc == 2 and bad + want in err if want.startswith(":") else rc == 2 and want in err,
              f"a key file that is {name}: exit 2 naming the place ({rc}, {err.strip()[:120]})")
        check("tiny-key-7" not in err and KEYS[0] not in err and "x" * 20 not in err,
              f"a key file that is {name}: no key printed")
    rc, err = start_fails("--api-key-file", os.path.join(work, "missing"))
    check(rc == 2 and "missing" in err, f"a missing key file: exit 2 ({rc})")
    rc, err = start_fails("--metrics-need-key", "1")
    check(rc == 2 and "--api-key-file" in err, f"--metrics-need-key without keys: exit 2 ({rc})")


def test_cors():
    srv = Server(LOOKSLIKE, "--cors-origin", SITE + ", http://localhost:3000")
    try:
        port = srv.port
        pre = {"Origin": SITE, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization, content-type"}
        for path_ in ("/predict", "/v1/models"):
            status, headers, body = request(port, "OPTIONS", path_, headers=pre)
            check(status == 204 and headers.get("access-control-allow-origin") == SITE and
                  "POST" in headers.get("access-control-allow-methods", "") and
                  "Authorization" in headers.get("access-control-allow-headers", "") and
                  headers.get("access-control-max-age") and headers.get("vary") == "Origin" and not body,
                  f"preflight on {path_} from an allowed origin: {status} {headers}")
        status, headers, body = request(port, "OPTIONS", "/predict", headers=dict(pre, Origin="https://evil.example"))
        check(status == 403 and "access-control-allow-origin" not in headers and error_code(body) == "origin_not_allowed",
              f"preflight from another origin: 403, no Allow-Origin ({status})")
        status, headers, body = request(port, "POST", "/predict", PHOTO_BYTES,
                                        {"Content-Type": "image/jpeg", "Origin": "http://localhost:3000"})
        check(status == 200 and headers.get("access-control-allow-origin") == "http://localhost:3000" and
              "Retry-After" in headers.get("access-control-expose-headers", ""),
              f"POST /predict from an allowed origin: Allow-Origin {headers.get('access-control-allow-origin')}")
        status, headers, _ = request(port, "POST", "/predict", b"x", {"Content-Type": "image/jpeg", "Origin": SITE})
        check(status == 400 and headers.get("access-control-allow-origin") == SITE,
              f"an error answer to an allowed origin is readable too: {status}")
        status, headers, _ = request(port, "POST", "/predict", PHOTO_BYTES,
                                     {"Content-Type": "image/jpeg", "Origin": "https://evil.example"})
        check(status == 200 and "access-control-allow-origin" not in headers,
              f"POST from another origin: answered, without Allow-Origin (the browser hides it): {status}")
        for path_ in ("/healthz", "/metrics", "/"):
            status, headers, _ = request(port, "GET", path_, headers={"Origin": SITE})
            check(status == 200 and "access-control-allow-origin" not in headers,
                  f"GET {path_} is not an API route: no Allow-Origin")
        status, _, _ = request(port, "OPTIONS", "/healthz", headers=pre)
        check(status == 405, f"OPTIONS on a non-API route: 405 ({status})")
    finally:
        srv.stop()

    srv = Server(LOOKSLIKE, "--cors-origin", "*")
    try:
        status, headers, _ = request(srv.port, "GET", "/v1/models", headers={"Origin": "https://anyone.example"})
        check(status == 200 and headers.get("access-control-allow-origin") == "*" and "vary" not in headers,
              f"--cors-origin '*': Allow-Origin * ({headers.get('access-control-allow-origin')})")
    finally:
        srv.stop()

    srv = Server(LOOKSLIKE)
    try:
        status, headers, _ = request(srv.port, "OPTIONS", "/predict", headers={"Origin": SITE})
        check(status == 405, f"without --cors-origin a preflight is not answered: {status}")
        status, headers, _ = request(srv.port, "GET", "/v1/models", headers={"Origin": SITE})
        check("access-control-allow-origin" not in headers, "without --cors-origin no Allow-Origin")
    finally:
        srv.stop()
    for bad in ("example.com", "https://example.com/", "https://example.com/path", ""):
        rc, err = start_fails("--cors-origin", bad)
        check(rc == 2 and "--cors-origin" in err, f"--cors-origin '{bad}' refused: exit {rc}")


def main():
    global PHOTO_BYTES
    PHOTO_BYTES = open(PHOTO, "rb").read()
    with tempfile.TemporaryDirectory() as work:
        test_keys(work)
    test_cors()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
