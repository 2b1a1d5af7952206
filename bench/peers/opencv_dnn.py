#!/usr/bin/env python3
"""OpenCV DNN (Debian's python3-opencv) as a peer for Darknet zoo models: it
is what most people use to run a Darknet model on a CPU. Loads the cfg and
weights with cv2.dnn.readNetFromDarknet, feeds the same preprocessed tensor
lookslike ran (uint8 H,W,3 from lookslike-bench --save-rgb, as pixel / 255
in N,C,H,W) and times forward() of every unconnected output (a YOLO's every
head, as its users run it; a classifier's probabilities) at 1 and 2 threads.

Prints "PEER opencv-dnn THREADS MEDIAN MIN MAX TOP1 PROB" per thread count
(ms per image), or "PEER_ERROR opencv-dnn MESSAGE" when it cannot load or
run the model.

usage: opencv_dnn.py CFG WEIGHTS TENSOR.rgb WIDTH HEIGHT RUNS
"""
import os
import sys
import time

os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # its own report of a model it refuses: we print ours
import cv2  # noqa: E402
import numpy as np  # noqa: E402


def main():
    cfg, weights, tensor, w, h, runs = sys.argv[1:7]
    w, h, runs = int(w), int(h), int(runs)
    pixels = np.fromfile(tensor, dtype=np.uint8).reshape(h, w, 3)
    blob = (pixels.astype(np.float32) * np.float32(1 / 255)).transpose(2, 0, 1)[None].copy()
    try:
        net = cv2.dnn.readNetFromDarknet(cfg, weights)
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        names = net.getUnconnectedOutLayersNames()
        net.setInput(blob)
        out = net.forward(names)
    except cv2.error as e:
        msg = " ".join(str(e).split())
        print(f"PEER_ERROR opencv-dnn {msg[-300:]}")
        return
    for threads in (1, 2):
        cv2.setNumThreads(threads)
        for _ in range(5):
            net.setInput(blob)
            out = net.forward(names)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            net.setInput(blob)
            out = net.forward(names)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        probs = out[-1].reshape(-1)
        top1 = int(probs.argmax())
        print(f"PEER opencv-dnn {threads} {times[len(times) // 2]:.3f} {times[0]:.3f} {times[-1]:.3f} {top1} "
              f"{probs[top1]:.6f}")


if __name__ == "__main__":
    main()
