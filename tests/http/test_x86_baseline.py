#!/usr/bin/env python3
"""Exact without AVX2: the server on an x86-64 CPU model without AVX (qemu-user's
-cpu Nehalem: SSE4.2, no AVX) keeps the integer engine as its default, on the
`sse41` kernel set (the AVX2 source compiled against SIMDe for SSE4.1), names
that set in its start-up line, and answers every Coral photo (both crops) and
the bench frame with the same JSON as the server on this CPU, timings aside:
the same TFLite bytes. Skipped without qemu-x86_64-static (Debian
qemu-user-static) or on a CPU that is not x86-64.
usage: test_x86_baseline.py LOOKSLIKE IMAGES_DIR"""
import json
import os
import platform
import shutil
import sys

import harness
from harness import check, request

LOOKSLIKE, IMAGES = sys.argv[1:3]
QEMU = shutil.which("qemu-x86_64-static")
PHOTOS = [os.path.join(IMAGES, "coral", f) for f in ("bird.bmp", "cat.bmp", "dragonfly.bmp", "grace_hopper.bmp",
                                                     "hot_dog.jpg", "owl.jpg", "parrot.jpg", "sunflower.bmp")]
PHOTOS.append(os.path.join(IMAGES, "bench", "parrot_640x480.jpg"))


def answers(srv, model):
    """Each photo's /predict answer, both crops, timings left out."""
    out = []
    for path in PHOTOS:
        data = open(path, "rb").read()
        for crop in ("center", "full"):
            status, _, body = request(srv.port, "POST", f"/predict?model={model}&crop={crop}&k=5", data,
                                      {"Content-Type": "application/octet-stream"}, timeout=300)
            doc = json.loads(body) if status == 200 else {"status": status, "body": body[:200].decode(errors="replace")}
            doc.pop("timing_ms", None)
            doc.pop("threads", None)
            out.append(doc)
    return out


def main():
    if platform.machine() != "x86_64" or not QEMU:
        print("# SKIP: needs an x86-64 machine and qemu-x86_64-static (Debian qemu-user-static)")
        return 77
    native = harness.Server(LOOKSLIKE, "--model", "mobilenet_v1,mobilenet_v2", "--workers", "1")
    os.environ["LOOKSLIKE_SERVER_WRAPPER"] = f"{QEMU} -cpu Nehalem"
    try:
        old = harness.Server(LOOKSLIKE, "--model", "mobilenet_v1,mobilenet_v2", "--workers", "1", "--threads", "1")
    finally:
        del os.environ["LOOKSLIKE_SERVER_WRAPPER"]
    try:
        banner = "".join(old.log)
        check("int8 (sse41 kernels" in banner,
              f"without AVX the default is the integer engine on the sse41 set: {banner.strip()[-300:]}")
        for model in ("mobilenet_v1", "mobilenet_v2"):
            mine, theirs = answers(old, model), answers(native, model)
            same = sum(a == b for a, b in zip(mine, theirs))
            check(same == len(theirs) and all("predictions" in a for a in mine),
                  f"{model}: {same} of {len(theirs)} answers (9 photos, 2 crops, top 5) equal this CPU's, "
                  f"timings aside" + ("" if same == len(theirs) else
                                      f"; first difference: {next((a, b) for a, b in zip(mine, theirs) if a != b)}"))
        harness.check_no_sanitizer_reports(old, "the server without AVX")
    finally:
        old.stop()
        native.stop()
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
