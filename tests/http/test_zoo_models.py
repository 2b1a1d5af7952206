#!/usr/bin/env python3
"""Bring your own classifier: two Darknet zoo models (tiny, 224x224, and
darknet, 256x256), with weights libdarknet makes (make_darknet_weights) and
Darknet's own names file as their labels, served side by side. /v1/models
describes each, /predict?model= answers with that model's classes named
from the names file, the same top-5 as `lookslike classify`, and a labels
file with too few lines stops start-up with a clear message.

usage: test_zoo_models.py LOOKSLIKE MAKE_DARKNET_WEIGHTS ZOO_CFG_DIR NAMES_FILE PHOTO.jpg
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import Server, check, request, summary

LOOKSLIKE, MAKE, ZOO, NAMES, PHOTO = sys.argv[1:6]
MODELS = {"tiny": 224, "darknet": 256}


def main():
    work = tempfile.mkdtemp(prefix="lookslike-zoo-")
    for name in MODELS:
        subprocess.run([MAKE, os.path.join(ZOO, name + ".cfg"), os.path.join(work, name)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.copy(NAMES, os.path.join(work, name + ".labels"))
    names = open(NAMES).read().splitlines()

    srv = Server(LOOKSLIKE, "--model-dir", work, "--model", ",".join(MODELS), "--access-log", "0")
    try:
        status, _, body = request(srv.port, "GET", "/v1/models")
        models = {m["name"]: m for m in json.loads(body)["models"]} if status == 200 else {}
        for name, size in MODELS.items():
            m = models.get(name, {})
            check(m.get("input") == {"width": size, "height": size, "channels": 3} and m.get("classes") == 1000
                  and m.get("outputs") == 1000 and m.get("preprocess") == "darknet" and m.get("engine") == "onednn"
                  and m.get("precision") == "fp32" and m.get("default") == (name == "tiny"),
                  f"/v1/models describes {name}: {m}")
        photo = open(PHOTO, "rb").read()
        for name in MODELS:
            status, _, body = request(srv.port, "POST", f"/predict?model={name}&k=5", photo,
                                      {"Content-Type": "image/jpeg"})
            r = json.loads(body) if status == 200 else {}
            preds = r.get("predictions", [])
            check(status == 200 and r.get("model") == name and r.get("precision") == "fp32" and len(preds) == 5,
                  f"POST /predict?model={name}: {status} {body[:160]!r}")
            check(all(0 <= p["index"] < 1000 and p["labels"] == names[p["index"]] for p in preds),
                  f"{name}: classes named by line index of the names file: {[(p['index'], p['label']) for p in preds]}")
            cli = subprocess.run([LOOKSLIKE, "classify", "--model-dir", work, "--model", name, "-k", "5", PHOTO],
                                 capture_output=True, text=True)
            cli_top = [int(i) for i in re.findall(r"^\s+[\d.]+%\s+(\d+)\s", cli.stdout, re.M)]
            check(cli.returncode == 0 and "preprocess darknet" in cli.stdout and cli_top == [p["index"] for p in preds],
                  f"{name}: `lookslike classify` gives the same top-5 ({cli_top})")
        status, _, body = request(srv.port, "POST", "/predict?model=darknet&crop=full", photo,
                                  {"Content-Type": "image/jpeg"})
        check(status == 200 and json.loads(body)["image"]["crop"] == "full", f"crop=full on a Darknet model: {status}")
    finally:
        check(srv.stop() == 0, "server exits 0")

    with open(os.path.join(work, "tiny.labels"), "w") as f:
        f.write("\n".join(names[:999]) + "\n")
    p = subprocess.run([LOOKSLIKE, "--port", "0", "--model-dir", work, "--model", "tiny"], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 1 and "tiny.labels: expected 1000 non-empty lines" in p.stderr
          and "line 1000 is missing" in p.stderr, f"999 labels for 1000 outputs stop start-up: {p.stderr.strip()}")
    shutil.rmtree(work)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
