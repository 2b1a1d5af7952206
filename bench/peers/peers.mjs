// Runs lookslike's MobileNet (same cfg, same weights, same input tensor) in
// the runtimes people would otherwise reach for, and prints one line per
// runtime and thread count for bench/run.sh to tabulate:
//   PEER <name> <threads> <median ms> <min ms> <max ms> <top-1 class> <top-1 probability>
// usage: node peers.mjs CFG WEIGHTS INPUT.rgb RUNS
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { loadDarknet, normalize } from './darknet_model.mjs';
import { toOnnx, toQuantizedOnnx } from './onnx_writer.mjs';

const require = createRequire(import.meta.url);
const [cfg, weightsPath, rgbPath, runsArg] = process.argv.slice(2);
const runs = Math.max(Number(runsArg ?? 100), 50);
const model = loadDarknet(cfg, weightsPath);
const rgb = readFileSync(rgbPath);

async function measure(name, threads, once) {
  let out;
  for (let i = 0; i < 10; i++) out = await once(); // warm-up, as lookslike-bench does
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = await once();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  let best = 0;
  for (let i = 1; i < out.length; i++) if (out[i] > out[best]) best = i;
  console.log(['PEER', name, threads, t[runs >> 1].toFixed(3), t[0].toFixed(3), t[runs - 1].toFixed(3), best,
               out[best].toFixed(6)].join(' '));
}

// precision: 'fp32', or for a quantized model 'int8-u8' (its uint8 weights)
// or 'int8-s8' (the same integers as int8, q - 128).
async function onnxruntime(threads, precision = 'fp32') {
  const ort = require('onnxruntime-node');
  const onnx = precision === 'fp32' ? toOnnx(model) : toQuantizedOnnx(model, precision === 'int8-s8');
  const session = await ort.InferenceSession.create(onnx, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const { c, h, w } = model.input;
  const input = precision === 'fp32' ? new ort.Tensor('float32', normalize(model, rgb, 'nchw'), [1, c, h, w])
    : new ort.Tensor('uint8', pixelsNchw(model, rgb), [1, c, h, w]);
  const feeds = { [session.inputNames[0]]: input };
  const name = precision === 'fp32' ? 'onnxruntime' : `onnxruntime-${precision}`;
  await measure(name, threads, async () => (await session.run(feeds))[session.outputNames[0]].data);
  await session.release();
}

// The 8-bit pixels in NCHW order: a quantized model's input as it is.
function pixelsNchw(m, pixels) {
  const { c, h, w } = m.input;
  const x = new Uint8Array(c * h * w);
  for (let i = 0; i < h * w; i++)
    for (let ch = 0; ch < c; ch++) x[ch * h * w + i] = pixels[i * c + ch];
  return x;
}

// TensorFlow.js builds the same graph from its ops (NHWC, weights as HWIO /
// HWC1); its explicit padding carries the TF-SAME 0-before/1-after exactly.
async function tfjsWasm() {
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  await tf.setBackend('wasm');
  await tf.ready();
  const layers = model.layers.map((l) => {
    if (l.kind !== 'conv') return l;
    const k = l.size, cin = l.inC / l.groups, depthwise = l.groups > 1;
    if (depthwise && (l.groups !== l.inC || l.filters !== l.inC)) throw new Error('peer bench: grouped conv');
    const hwio = new Float32Array(l.weights.length);
    for (let o = 0; o < l.filters; o++)
      for (let i = 0; i < cin; i++)
        for (let y = 0; y < k; y++)
          for (let x = 0; x < k; x++)
            hwio[depthwise ? (y * k + x) * l.filters + o : ((y * k + x) * cin + i) * l.filters + o] =
              l.weights[((o * cin + i) * k + y) * k + x];
    const shape = depthwise ? [k, k, l.filters, 1] : [k, k, cin, l.filters];
    return { ...l, depthwise, filter: tf.tensor4d(hwio, shape), bias: tf.tensor1d(l.biases),
             tfPad: [[0, 0], [l.pad[0], l.pad[2]], [l.pad[1], l.pad[3]], [0, 0]] };
  });
  const { c, h, w } = model.input;
  const input = tf.tensor4d(normalize(model, rgb, 'nhwc'), [1, h, w, c]);
  const forward = () => tf.tidy(() => {
    let x = input;
    for (const l of layers) {
      if (l.kind === 'conv') {
        x = l.depthwise ? tf.depthwiseConv2d(x, l.filter, l.stride, l.tfPad) : tf.conv2d(x, l.filter, l.stride, l.tfPad);
        x = tf.add(x, l.bias);
        if (l.activation === 'relu6') x = tf.relu6(x);
      } else if (l.kind === 'avgpool') {
        x = tf.mean(x, [1, 2], true);
      } else {
        x = tf.softmax(tf.reshape(x, [1, -1]));
      }
    }
    return x;
  });
  await measure('tfjs-wasm', 1, async () => {
    const y = forward();
    const data = y.dataSync();
    y.dispose();
    return data;
  });
}

for (const precision of model.inputQuant ? ['fp32', 'int8-u8', 'int8-s8'] : ['fp32'])
  for (const threads of [1, 2]) await onnxruntime(threads, precision);
await tfjsWasm();
