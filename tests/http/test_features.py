#!/usr/bin/env python3
"""Embeddings: the model's features (the output of its last average pool,
dequantized) through POST /predict?features=1 and the Open Inference
Protocol's second output, "features":
- v1's 1024 features of the 16 reference inputs (8 photos, two crops each,
  sent as UINT8 pixel tensors of the model's size), mapped back to uint8 with
  the pool's quantization from the model's cfg, equal TFLite's embedding
  extractor's bytes (../shared/reference/outputs/*_feat_test_*.builtin.u8);
- the same numbers whichever way they are asked for: JSON or binary, v2 or
  /predict, alone or beside the probabilities;
- two crops of one photo are closer (cosine) than two different photos;
- the float engine's features (--precision fp32) point the same way;
- asking badly is a 400.
Usage: test_features.py LOOKSLIKE MODEL_DIR REFERENCE_DIR IMAGES_DIR"""
import json
import math
import os
import struct
import sys

import harness
from harness import check, request

LOOKSLIKE, MODEL_DIR, REF_DIR, IMAGES = sys.argv[1:5]
MODEL = "mobilenet_v1"
REFERENCE_IMAGES = ["bird.bmp", "cat.bmp", "dragonfly.bmp", "grace_hopper.bmp", "hot_dog.jpg", "owl.jpg",
                    "parrot.jpg", "sunflower.bmp"]
FEATURES = 1024


def pool_quantization(cfg_path):
    """The scale and zero point of the features: the average pool keeps its
    input's, the output_scale/output_zero_point of the last layer before it."""
    scale = zero_point = None
    for line in open(cfg_path):
        line = line.strip()
        if line == "[avgpool]":
            return scale, zero_point
        if line.startswith("output_scale="):
            scale = float(line.split("=")[1])
        elif line.startswith("output_zero_point="):
            zero_point = int(line.split("=")[1])
    return None, None


def as_float32(values):
    """JSON numbers (the shortest text of each float32) as the float32 values they name."""
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def predict_features(port, image, crop="center", model=None):
    query = f"features=1&crop={crop}" + (f"&model={model}" if model else "")
    status, _, body = request(port, "POST", "/predict?" + query, image, {"Content-Type": "image/jpeg"}, timeout=60)
    doc = json.loads(body)
    return status, doc.get("features"), doc


def exact_against_tflite(port):
    scale, zero_point = pool_quantization(os.path.join(MODEL_DIR, MODEL + ".cfg"))
    check(scale is not None, f"the pool's quantization from the cfg: scale {scale}, zero point {zero_point}")
    for crop in ("crop", "full"):
        ref_path = os.path.join(REF_DIR, "outputs", f"mobilenet_v1_1.0_224_quant_feat_test_{crop}.builtin.u8")
        pixels = b"".join(open(os.path.join(REF_DIR, "tensors", f"{name}.{crop}.rgb"), "rb").read()
                          for name in REFERENCE_IMAGES)
        n = len(REFERENCE_IMAGES)
        req = {"inputs": [{"name": "pixels", "shape": [n, 224, 224, 3], "datatype": "UINT8",
                           "parameters": {"binary_data_size": len(pixels)}}],
               "outputs": [{"name": "features", "parameters": {"binary_data": True}}],
               "parameters": {"crop": "full"}}
        status, doc, tail = harness.v2_infer(port, MODEL, req, pixels)
        ok = status == 200 and len(tail) == n * FEATURES * 4
        floats = struct.unpack(f"<{n * FEATURES}f", tail) if ok else []
        got = bytes(max(0, min(255, round(f / scale) + zero_point)) for f in floats)
        ref = open(ref_path, "rb").read()
        same = sum(a == b for a, b in zip(got, ref))
        check(ok and doc["outputs"][0]["name"] == "features" and doc["outputs"][0]["shape"] == [n, FEATURES] and
              got == ref, f"{crop}: {n} x {FEATURES} features as uint8 equal TFLite builtin's embedding extractor "
                          f"byte for byte ({same} of {len(ref)} equal; status {status})")
        exact = all(abs(f - scale * (q - zero_point)) <= 1e-6 * max(1.0, abs(f)) for f, q in zip(floats, got))
        check(ok and exact, f"{crop}: each feature is scale * (q - zero point) exactly")
        if crop == "full":
            # the same inputs as JSON numbers, both outputs asked for: the same features, and in that order
            req = {"inputs": [{"name": "pixels", "shape": [1, 224, 224, 3], "datatype": "UINT8",
                               "data": list(pixels[:224 * 224 * 3])}],
                   "outputs": [{"name": "probabilities", "parameters": {"classification": 1}},
                               {"name": "features"}], "parameters": {"crop": "full"}}
            status, doc, _ = harness.v2_infer(port, MODEL, req)
            outs = doc["outputs"] if status == 200 else []
            check(len(outs) == 2 and outs[0]["name"] == "probabilities" and outs[1]["name"] == "features" and
                  outs[1]["shape"] == [1, FEATURES] and as_float32(outs[1]["data"]) == list(floats[:FEATURES]),
                  f"JSON, beside the probabilities: the same {FEATURES} floats ({status})")
            req = {"inputs": req["inputs"], "parameters": {"crop": "full"}}
            status, doc, _ = harness.v2_infer(port, MODEL, req)
            names = [o["name"] for o in doc["outputs"]] if status == 200 else []
            check(names == ["probabilities", "features"], f"no outputs named: both, as the protocol says ({names})")


def one_photo_closer(port):
    parrot = open(os.path.join(IMAGES, "bench", "parrot_640x480.jpg"), "rb").read()
    owl = open(os.path.join(IMAGES, "coral", "owl.jpg"), "rb").read()
    hot_dog = open(os.path.join(IMAGES, "coral", "hot_dog.jpg"), "rb").read()
    s1, centre, doc = predict_features(port, parrot, "center")
    s2, full, _ = predict_features(port, parrot, "full")
    s3, other, _ = predict_features(port, owl, "center")
    s4, third, _ = predict_features(port, hot_dog, "center")
    ok = (s1, s2, s3, s4) == (200, 200, 200, 200) and all(len(f) == FEATURES for f in (centre, full, other, third))
    same, different = (cosine(centre, full), max(cosine(centre, other), cosine(centre, third))) if ok else (0, 1)
    check(ok and same > different,
          f"/predict?features=1: two crops of one photo are closer (cosine {same:.3f}) than two photos ({different:.3f})")
    check(ok and doc["predictions"] and len(doc["features"]) == FEATURES, "/predict keeps its predictions beside them")
    # /predict and v2 give the same numbers for the same image
    import base64
    req = {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [base64.b64encode(parrot).decode()]}],
           "outputs": [{"name": "features"}]}
    status, doc, _ = harness.v2_infer(port, MODEL, req)
    check(status == 200 and doc["outputs"][0]["data"] == centre, "v2's features of the JPEG are /predict's")
    return centre


def refusals(port):
    parrot = open(os.path.join(IMAGES, "coral", "parrot.jpg"), "rb").read()
    status, _, body = request(port, "POST", "/predict?features=yes", parrot, {"Content-Type": "image/jpeg"})
    check(status == 400 and b"invalid_parameter" in body, f"features=yes: 400 invalid_parameter ({status})")
    status, _, body = request(port, "POST", "/predict?features=0", parrot, {"Content-Type": "image/jpeg"})
    check(status == 200 and b'"features"' not in body, f"features=0: no features ({status})")
    image = {"name": "image", "shape": [1], "datatype": "BYTES", "data": ["eA=="]}
    for outputs, what in (([{"name": "features"}, {"name": "features"}], "features twice"),
                          ([{"name": "features", "parameters": {"classification": 3}}], "classification of features"),
                          ([{"name": "embedding"}], "an output of another name")):
        status, doc, _ = harness.v2_infer(port, MODEL, {"inputs": [image], "outputs": outputs})
        check(status == 400 and "error" in (doc or {}), f"v2 {what}: 400 ({status}, {doc})")
    status, _, body = request(port, "GET", f"/v2/models/{MODEL}")
    meta = json.loads(body)
    check(status == 200 and {"name": "features", "datatype": "FP32", "shape": [-1, FEATURES]} in meta["outputs"],
          f"v2 model metadata lists the features output: {meta['outputs']}")
    status, _, body = request(port, "GET", "/v1/models")
    check(status == 200 and json.loads(body)["models"][0]["features"] == FEATURES, "/v1/models gives their length")


def main():
    if not os.path.exists(os.path.join(REF_DIR, "outputs")):
        print("# SKIP: no reference outputs in", REF_DIR)
        return 77
    srv = harness.Server(LOOKSLIKE, "--model-dir", MODEL_DIR, "--workers", "1", "--access-log", "0")
    try:
        exact_against_tflite(srv.port)
        int8 = one_photo_closer(srv.port)
        refusals(srv.port)
    finally:
        check(srv.stop() == 0, "server exits 0")
        harness.check_no_sanitizer_reports(srv, "features")
    srv = harness.Server(LOOKSLIKE, "--model-dir", MODEL_DIR, "--workers", "1", "--access-log", "0",
                         "--precision", "fp32")
    try:
        parrot = open(os.path.join(IMAGES, "bench", "parrot_640x480.jpg"), "rb").read()
        status, fp32, doc = predict_features(srv.port, parrot, "center")
        similarity = cosine(fp32, int8) if status == 200 and fp32 else 0
        check(status == 200 and doc["precision"] == "fp32" and similarity > 0.99,
              f"the float engine's features of the photo point where the integer engine's do (cosine {similarity:.4f})")
    finally:
        check(srv.stop() == 0, "fp32: server exits 0")
        harness.check_no_sanitizer_reports(srv, "features fp32")
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
