// Reads the subset of the Darknet format that MobileNet v1 uses (see
// models/darknet-format.md) into plain layer objects, so the peer runtimes
// run exactly the network and weights that lookslike runs. This is a bench
// helper, not a second loader: the files it reads were already validated by
// the build; anything outside the subset is refused rather than guessed.
import { readFileSync } from 'node:fs';

// Whether the first weighted layer carries quantization keys.
const k0 = (secs) => secs.some((s) => s.type === 'convolutional' && s.keys.weight_scale !== undefined);

function sections(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    if (line.startsWith('[')) out.push({ type: line.slice(1, -1), keys: {} });
    else {
      const [k, v] = line.split('=').map((s) => s.trim());
      out.at(-1).keys[k] = v;
    }
  }
  return out;
}

// One spatial axis: output size and the padding before/after the input.
function axis(inSize, size, stride, keys) {
  if (keys.pad_mode === 'tf_same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + size - inSize, 0);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  }
  const pad = keys.padding !== undefined ? Number(keys.padding) : keys.pad === '1' ? Math.floor(size / 2) : 0;
  return { out: Math.floor((inSize + 2 * pad - size) / stride) + 1, before: pad, after: pad };
}

export function loadDarknet(cfgPath, weightsPath) {
  const secs = sections(readFileSync(cfgPath, 'utf8'));
  const net = secs.shift();
  if (net.type !== 'net') throw new Error(`${cfgPath}: first section must be [net]`);
  const wbuf = readFileSync(weightsPath);
  const major = wbuf.readInt32LE(0), minor = wbuf.readInt32LE(4);
  let off = major * 10 + minor >= 2 ? 20 : 16;
  const take = (n) => {
    const a = new Float32Array(wbuf.buffer.slice(wbuf.byteOffset + off, wbuf.byteOffset + off + 4 * n));
    off += 4 * n;
    return a;
  };
  let c = Number(net.keys.channels), h = Number(net.keys.height), w = Number(net.keys.width);
  const model = {
    input: { c, h, w },
    mean: Number(net.keys.input_mean ?? 0),
    scale: Number(net.keys.input_scale ?? 1 / 255),
    layers: [],
  };
  // A quantized model (the keys of models/darknet-format.md): the input is
  // the pixel itself, quantized (input_scale, input_mean).
  let q = k0(secs) ? { scale: model.scale, zeroPoint: model.mean } : null;
  model.inputQuant = q;
  for (const s of secs) {
    const k = s.keys;
    if (s.type === 'convolutional') {
      if (k.batch_normalize === '1') throw new Error('peer bench: batch_normalize is not supported');
      const act = k.activation ?? 'logistic';
      if (!['linear', 'relu6'].includes(act)) throw new Error(`peer bench: activation ${act} is not supported`);
      const filters = Number(k.filters), size = Number(k.size), stride = Number(k.stride ?? 1);
      const groups = Number(k.groups ?? 1);
      const y = axis(h, size, stride, k), x = axis(w, size, stride, k);
      const biases = take(filters);
      const weights = take((filters * c * size * size) / groups);
      const layer = { kind: 'conv', inC: c, filters, size, stride, groups, pad: [y.before, x.before, y.after, x.after],
                      activation: act, biases, weights };
      if (q) {
        // the integers behind the floats: weight q = w / scale + zero point, bias = b / (input scale * weight scale)
        const ws = Number(k.weight_scale), wz = Number(k.weight_zero_point);
        if (!Number.isFinite(ws) || !Number.isFinite(wz)) throw new Error('peer bench: per-filter weight scales');
        layer.quant = {
          input: q, weightScale: ws, weightZeroPoint: wz,
          output: { scale: Number(k.output_scale), zeroPoint: Number(k.output_zero_point) },
          weights: Uint8Array.from(weights, (v) => Math.round(v / ws) + wz),
          biases: Int32Array.from(biases, (v) => Math.round(v / (q.scale * ws))),
        };
        q = layer.quant.output;
      }
      model.layers.push(layer);
      c = filters; h = y.out; w = x.out;
    } else if (s.type === 'avgpool') {
      model.layers.push({ kind: 'avgpool' });
      h = w = 1;
    } else if (s.type === 'softmax') {
      model.layers.push({ kind: 'softmax' });
    } else {
      throw new Error(`peer bench: section [${s.type}] is not supported`);
    }
  }
  if (off !== wbuf.length) throw new Error(`${weightsPath}: ${wbuf.length - off} bytes left over`);
  model.outputs = c * h * w;
  return model;
}

// The input tensor the way nn_normalize_input() makes it, from 8-bit RGB (HWC).
export function normalize(model, rgb, layout) {
  const { c, h, w } = model.input;
  const x = new Float32Array(c * h * w);
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let ch = 0; ch < c; ch++) {
        const v = (rgb[(y * w + xx) * c + ch] - model.mean) * model.scale;
        x[layout === 'nchw' ? (ch * h + y) * w + xx : (y * w + xx) * c + ch] = v;
      }
  return x;
}
