#!/usr/bin/python3
"""Arm NN (Debian's python3-pyarmnn, its TFLite parser on the CpuRef backend)
runs a .tflite file on input tensors one after the other, printing one line
per tensor: "TOP1 BYTE", the largest output byte and its index (the lower
index on ties). A runtime independent of TFLite's for a top-1 cross-check:
its requantization rounds differently, so its bytes are not TFLite's.
usage: armnn_top1.py MODEL.tflite INPUTS"""
import sys

import numpy as np
import pyarmnn as ann


def main():
    model, inputs = sys.argv[1], sys.argv[2]
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    inp = parser.GetNetworkInputBindingInfo(0, parser.GetSubgraphInputTensorNames(0)[0])
    out = parser.GetNetworkOutputBindingInfo(0, parser.GetSubgraphOutputTensorNames(0)[0])
    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, _ = ann.Optimize(network, [ann.BackendId('CpuRef')], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(optimized)
    shape = inp[1].GetShape()
    size = int(np.prod([shape[i] for i in range(shape.GetNumDimensions())]))
    data = np.fromfile(inputs, dtype=np.uint8)
    if len(data) % size:
        sys.exit(f'armnn_top1.py: {len(data)} input bytes are not a whole number of {size}-byte tensors')
    for i in range(len(data) // size):
        outputs = ann.make_output_tensors([out])
        runtime.EnqueueWorkload(net_id, ann.make_input_tensors([inp], [data[i * size:(i + 1) * size]]), outputs)
        v = ann.workload_tensors_to_ndarray(outputs)[0].ravel()
        print(int(np.argmax(v)), int(v.max()))


if __name__ == '__main__':
    main()
