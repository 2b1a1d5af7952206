#!/usr/bin/env python3
"""Batches through POST /predict: several files in one multipart body, or a
JSON "images" array, answered {"results": [...]} in order, each item the
image's own prediction (the same as for a request of its own) or its own
error object with its status; one file keeps the single-image answer.
--max-batch and --max-body hold for the whole request. The images are spread
over the workers: both take part, each running one image at a time. Prints
the wall time of a batch of 8 against 8 single requests one after another.

usage: test_batches.py LOOKSLIKE CORAL_DIR PHOTO_640x480.jpg
"""
import base64
import json
import os
import statistics
import sys
import time

from harness import Server, check, request, summary

LOOKSLIKE, CORAL, PHOTO_640 = sys.argv[1:4]


def multipart(files, part_type="image/jpeg"):
    body = b""
    for i, data in enumerate(files):
        body += (b"--XyZ\r\nContent-Disposition: form-data; name=\"image%d\"; filename=\"f%d\"\r\n"
                 b"Content-Type: %s\r\n\r\n" % (i, i, part_type.encode()) + data + b"\r\n")
    return body + b"--XyZ--\r\n", "multipart/form-data; boundary=XyZ"


def post(port, body, ctype, query="k=3"):
    status, headers, data = request(port, "POST", "/predict?" + query, body, {"Content-Type": ctype})
    try:
        return status, json.loads(data)
    except ValueError:
        return status, {}


def top(r):
    return [(p["index"], p["probability"]) for p in r.get("predictions", [])]


def main():
    photos = [open(os.path.join(CORAL, n), "rb").read() for n in ("parrot.jpg", "owl.jpg", "hot_dog.jpg", "cat.bmp")]
    srv = Server(LOOKSLIKE, "--max-batch", "6", "--max-body", "4000000", "--access-log", "0")
    port = srv.port
    try:
        singles = []
        for data in photos:
            status, r = post(port, data, "image/jpeg")
            singles.append(top(r))
        garbage = b"hello, world" * 10
        body, ctype = multipart(photos[:2] + [garbage] + photos[2:])
        status, r = post(port, body, ctype)
        res = r.get("results", [])
        check(status == 200 and len(res) == 5, f"multipart of 5 files: 200 with 5 results ({status}, {len(res)})")
        if len(res) == 5:
            check([top(x) for x in res[:2] + res[3:]] == singles,
                  "each image's result equals its own request's, in the order sent")
            e = res[2].get("error", {})
            check(e.get("code") == "invalid_image" and e.get("status") == 400 and "predictions" not in res[2],
                  f"the broken file gets its own error object: {e}")
            check(any(x.get("threads") == 1 for x in res),
                  "images of a batch run side by side, each on one core (threads 1)")
        status, r = post(port, *multipart(photos[:1]))
        check(status == 200 and "results" not in r and top(r) == singles[0], "one file: the single-image answer")

        urls = ["data:image/jpeg;base64," + base64.b64encode(d).decode() for d in photos[:2]]
        status, r = post(port, json.dumps({"images": urls}).encode(), "application/json")
        check(status == 200 and [top(x) for x in r.get("results", [])] == singles[:2], f"JSON images array: {status}")
        status, r = post(port, json.dumps({"images": urls[:1]}).encode(), "application/json")
        check(status == 200 and len(r.get("results", [])) == 1, "a JSON array of one image is still a list")
        for name, doc in [("empty images", {"images": []}), ("image and images", {"image": urls[0], "images": urls}),
                          ("images not strings", {"images": [1, 2]}), ("images not an array", {"images": urls[0]})]:
            status, r = post(port, json.dumps(doc).encode(), "application/json")
            check(status == 400 and r.get("error", {}).get("code") == "bad_request", f"{name}: 400 ({status})")

        owl, owl_url = photos[1], urls[1]
        status, r = post(port, *multipart([owl] * 7))
        check(status == 413 and r.get("error", {}).get("code") == "batch_too_large",
              f"7 files over --max-batch 6: 413 batch_too_large ({status}, {r.get('error')})")
        status, r = post(port, json.dumps({"images": [owl_url] * 7}).encode(), "application/json")
        check(status == 413 and r.get("error", {}).get("code") == "batch_too_large", f"7 JSON images: 413 ({status})")
        hopper = open(os.path.join(CORAL, "grace_hopper.bmp"), "rb").read()  # 0.9 MB: 5 are over --max-body 4 MB
        status, r = post(port, *multipart([hopper] * 5))
        check(status == 413 and r.get("error", {}).get("code") == "body_too_large",
              f"5 images within --max-batch but over --max-body together: 413 ({status}, {r.get('error')})")
    finally:
        srv.stop()

    srv = Server(LOOKSLIKE, "--queue", "3", "--access-log", "0")
    try:
        status, r = post(srv.port, *multipart([photos[1]] * 4))
        check(status == 413 and r.get("error", {}).get("code") == "batch_too_large",
              f"--queue 3: a batch of 4 can never be queued whole: 413 ({status})")
        status, r = post(srv.port, *multipart([photos[1]] * 3))
        check(status == 200 and len(r.get("results", [])) == 3, f"--queue 3: a batch of 3 ({status})")
    finally:
        srv.stop()

    # Batch of 8 against 8 single requests one after another (2 workers, the default).
    srv = Server(LOOKSLIKE, "--access-log", "0")
    try:
        frame = open(PHOTO_640, "rb").read()
        body, ctype = multipart([frame] * 8)
        for _ in range(3):
            post(srv.port, frame, "image/jpeg")
        batch, sequence, single = [], [], []
        for _ in range(5):
            t = time.perf_counter()
            status, r = post(srv.port, body, ctype, "k=1")
            batch.append(time.perf_counter() - t)
            ok = status == 200 and len(r.get("results", [])) == 8
            t = time.perf_counter()
            for _ in range(8):
                t1 = time.perf_counter()
                post(srv.port, frame, "image/jpeg", "k=1")
                single.append(time.perf_counter() - t1)
            sequence.append(time.perf_counter() - t)
        b, s, one = (1000 * statistics.median(x) for x in (batch, sequence, single))
        print(f"# batch of 8 (640x480): {b:.1f} ms; 8 single requests in a row: {s:.1f} ms; one single request: "
              f"{one:.1f} ms; batch = {b / one:.1f} single-request times, {b / s:.2f} of the sequence")
        check(ok, "a batch of 8 answered")
    finally:
        srv.stop()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
