#!/usr/bin/env python3
"""A .tflite served as it is: each of Coral's six classifiers twice in one
--model-dir, as NAME.tflite + NAME.labels (converted in memory when the
server loads it) and as the Darknet files tflite2darknet made of it at build
time. /v1/models describes both the same; /predict of every Coral photo gives
the same answer, byte for byte but for the model's name, version, timings and
request id. A .tflite the converter refuses stops start-up naming the file
and why, one over 64 MiB before it is read; where NAME.cfg and NAME.tflite
are both there, the Darknet files are served.

usage: test_tflite_models.py LOOKSLIKE MODEL_DIR TFLITE_DIR PHOTO_DIR NAME=FILE.tflite...
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import Server, check, request, summary

LOOKSLIKE, MODEL_DIR, TFLITE_DIR, PHOTO_DIR = sys.argv[1:5]
PAIRS = dict(a.split("=", 1) for a in sys.argv[5:])
PHOTOS = ["parrot.jpg", "owl.jpg", "hot_dog.jpg", "bird.bmp", "grace_hopper.bmp", "sunflower.bmp"]
PER_REQUEST = ("model", "model_version", "timing_ms", "request_id")


def answer(port, model, photo):
    status, _, body = request(port, "POST", f"/predict?model={model}&k=5", photo,
                              {"Content-Type": "application/octet-stream"})
    r = json.loads(body) if status == 200 else {"status": status, "body": body[:200]}
    for k in PER_REQUEST:
        r.pop(k, None)
    return r


def serve_and_compare(work, group):
    names = group + [n + "_tflite" for n in group]
    srv = Server(LOOKSLIKE, "--model-dir", work, "--model", ",".join(names), "--access-log", "0")
    try:
        status, _, body = request(srv.port, "GET", "/v1/models")
        models = {m["name"]: m for m in json.loads(body)["models"]} if status == 200 else {}
        for name in group:
            a, b = dict(models.get(name, {})), dict(models.get(name + "_tflite", {}))
            for m in (a, b):
                for k in ("name", "version", "loaded_at", "default"):
                    m.pop(k, None)
            check(a and a == b, f"/v1/models: {name}_tflite described as {name} ({b.get('engine')}, "
                                f"{b.get('precision')}, {b.get('classes')} classes)")
        for photo_name in PHOTOS:
            photo = open(os.path.join(PHOTO_DIR, photo_name), "rb").read()
            for name in group:
                a, b = answer(srv.port, name, photo), answer(srv.port, name + "_tflite", photo)
                top = [(p["index"], p["probability"]) for p in a.get("predictions", [])[:2]]
                check("predictions" in a and a == b,
                      f"{photo_name} on {name}: the .tflite served as it is answers as its Darknet files {top}")
    finally:
        srv.stop()


def main():
    work = tempfile.mkdtemp(prefix="lookslike-tflite-")
    for name, tflite in PAIRS.items():
        for ext in ("cfg", "weights", "labels"):
            os.symlink(os.path.join(os.path.abspath(MODEL_DIR), f"{name}.{ext}"), os.path.join(work, f"{name}.{ext}"))
        os.symlink(os.path.join(os.path.abspath(TFLITE_DIR), tflite), os.path.join(work, f"{name}_tflite.tflite"))
        shutil.copy(os.path.join(MODEL_DIR, f"{name}.labels"), os.path.join(work, f"{name}_tflite.labels"))
    pairs = list(PAIRS)
    for group in (pairs[:3], pairs[3:]):  # a server serves at most 8 models
        serve_and_compare(work, group)

    # A .tflite the converter refuses: start-up stops, naming the file.
    with open(os.path.join(work, "broken.tflite"), "wb") as f:
        f.write(open(os.path.join(TFLITE_DIR, next(iter(PAIRS.values()))), "rb").read()[:5000])
    shutil.copy(os.path.join(MODEL_DIR, f"{next(iter(PAIRS))}.labels"), os.path.join(work, "broken.labels"))
    r = subprocess.run([LOOKSLIKE, "--model-dir", work, "--model", "broken", "--port", "0"], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode != 0 and "broken.tflite" in r.stderr,
          f"a truncated .tflite stops start-up, naming it: {r.stderr.strip()[-200:]!r}")

    # A .tflite larger than the 64 MiB allowed (sparse): refused from its size, naming it.
    with open(os.path.join(work, "big.tflite"), "wb") as f:
        f.truncate(900 << 20)
    shutil.copy(os.path.join(MODEL_DIR, f"{next(iter(PAIRS))}.labels"), os.path.join(work, "big.labels"))
    r = subprocess.run([LOOKSLIKE, "--model-dir", work, "--model", "big", "--port", "0"], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode != 0 and "big.tflite: 943718400 bytes, more than the 64 MiB" in r.stderr,
          f"a 900 MB .tflite is refused from its size: {r.stderr.strip()[-160:]!r}")

    # Both formats under one name: the Darknet files (the truncated .tflite beside them is not read).
    name = next(iter(PAIRS))
    os.symlink(os.path.join(work, "broken.tflite"), os.path.join(work, f"{name}.tflite"))
    srv = Server(LOOKSLIKE, "--model-dir", work, "--model", name, "--access-log", "0")
    try:
        photo = open(os.path.join(PHOTO_DIR, PHOTOS[0]), "rb").read()
        check("predictions" in answer(srv.port, name, photo),
              f"{name}.cfg beside a broken {name}.tflite: the Darknet files are served")
    finally:
        srv.stop()
    shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
