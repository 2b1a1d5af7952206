// Writes a model from darknet_model.mjs as an ONNX file (opset 13) for
// onnxruntime. ONNX is protobuf; the few messages needed are encoded by hand
// here so the bench needs no protobuf or onnx package (field numbers from
// onnx/onnx.proto).

const WIRE_VARINT = 0, WIRE_BYTES = 2, WIRE_FIXED32 = 5;

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

const key = (field, wire) => varint((field << 3) | wire);
const int = (field, n) => Buffer.concat([key(field, WIRE_VARINT), varint(n)]);
const bytes = (field, b) => Buffer.concat([key(field, WIRE_BYTES), varint(b.length), b]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, parts) => bytes(field, Buffer.concat(parts));
function float32(field, f) {
  const b = Buffer.alloc(4);
  b.writeFloatLE(f);
  return Buffer.concat([key(field, WIRE_FIXED32), b]);
}

const FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6; // TensorProto.DataType
const ATTR_INT = 2, ATTR_INTS = 7; // AttributeProto.AttributeType

// TensorProto: dims 1, data_type 2, name 8, raw_data 9.
function tensor(field, name, dims, data, type = FLOAT) {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return msg(field, [...dims.map((d) => int(1, d)), int(2, type), str(8, name), bytes(9, raw)]);
}

// AttributeProto: name 1, i 3, ints 8, type 20.
function attr(name, value) {
  return Array.isArray(value)
    ? msg(5, [str(1, name), ...value.map((v) => int(8, v)), int(20, ATTR_INTS)])
    : msg(5, [str(1, name), int(3, value), int(20, ATTR_INT)]);
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
function node(op, inputs, output, attrs = {}) {
  return msg(1, [...inputs.map((i) => str(1, i)), str(2, output), str(3, output), str(4, op),
                 ...Object.entries(attrs).map(([k, v]) => attr(k, v))]);
}

// ValueInfoProto { name 1, type 2 { tensor_type 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 } } } } }.
function valueInfo(field, name, dims, type = FLOAT) {
  const shape = msg(2, dims.map((d) => msg(1, [int(1, d)])));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, type), shape])])]);
}

// ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 { domain 1, version 2 }.
function modelProto(nodes, inits, inputType, inputDims, output, outputs) {
  const graph = msg(7, [...nodes, str(2, 'darknet'), ...inits, valueInfo(11, 'input', inputDims, inputType),
                        valueInfo(12, output, [1, outputs])]);
  return Buffer.concat([int(1, 7), str(2, 'lookslike-bench'), graph, msg(8, [str(1, ''), int(2, 13)])]);
}

export function toOnnx(model) {
  const nodes = [], inits = [];
  const { c, h, w } = model.input;
  let x = 'input';
  inits.push(tensor(5, 'zero', [], new Float32Array([0])), tensor(5, 'six', [], new Float32Array([6])));
  model.layers.forEach((l, i) => {
    const y = `l${i}`;
    if (l.kind === 'conv') {
      inits.push(tensor(5, `${y}.w`, [l.filters, l.inC / l.groups, l.size, l.size], l.weights),
                 tensor(5, `${y}.b`, [l.filters], l.biases));
      const conv = l.activation === 'relu6' ? `${y}.conv` : y;
      nodes.push(node('Conv', [x, `${y}.w`, `${y}.b`], conv, {
        kernel_shape: [l.size, l.size], strides: [l.stride, l.stride], pads: l.pad, group: l.groups }));
      if (l.activation === 'relu6') nodes.push(node('Clip', [conv, 'zero', 'six'], y));
    } else if (l.kind === 'avgpool') {
      nodes.push(node('GlobalAveragePool', [x], y));
    } else if (l.kind === 'softmax') {
      nodes.push(node('Flatten', [x], `${y}.flat`, { axis: 1 }));
      nodes.push(node('Softmax', [`${y}.flat`], y, { axis: 1 }));
    }
    x = y;
  });
  return modelProto(nodes, inits, FLOAT, [1, c, h, w], x, model.outputs);
}

// The quantized network in ONNX's integer operators: QLinearConv with the
// model's uint8 weights, or (signedWeights) the same integers encoded as
// int8 (q - 128, zero point - 128), which lets onnxruntime use its u8s8
// kernels. The input is the uint8 pixels (NCHW). A relu6 whose range is the
// whole uint8 range (MobileNet v1: 6 / scale >= 255, zero point 0) is the
// output's saturation; the global pool runs in float between
// DequantizeLinear and QuantizeLinear; the logits are dequantized for the
// float softmax.
export function toQuantizedOnnx(model, signedWeights) {
  const nodes = [], inits = [];
  const { c, h, w } = model.input;
  const scalar = (name, v, type) => inits.push(tensor(5, name, [], type === FLOAT ? new Float32Array([v])
    : type === UINT8 ? new Uint8Array([v]) : new Int8Array([v]), type));
  let x = 'input', q = model.inputQuant;
  model.layers.forEach((l, i) => {
    const y = `l${i}`;
    if (l.kind === 'conv') {
      const lq = l.quant, out = lq.output;
      const six = out.zeroPoint + Math.round(6 / out.scale);
      if (l.activation === 'relu6' && (out.zeroPoint !== 0 || six < 255))
        throw new Error('peer bench: relu6 narrower than the uint8 range');
      scalar(`${y}.xs`, lq.input.scale, FLOAT);
      scalar(`${y}.xz`, lq.input.zeroPoint, UINT8);
      scalar(`${y}.ws`, lq.weightScale, FLOAT);
      scalar(`${y}.wz`, signedWeights ? lq.weightZeroPoint - 128 : lq.weightZeroPoint, signedWeights ? INT8 : UINT8);
      scalar(`${y}.ys`, out.scale, FLOAT);
      scalar(`${y}.yz`, out.zeroPoint, UINT8);
      const wq = signedWeights ? Int8Array.from(lq.weights, (v) => v - 128) : lq.weights;
      inits.push(tensor(5, `${y}.w`, [l.filters, l.inC / l.groups, l.size, l.size], wq, signedWeights ? INT8 : UINT8),
                 tensor(5, `${y}.b`, [l.filters], lq.biases, INT32));
      nodes.push(node('QLinearConv', [x, `${y}.xs`, `${y}.xz`, `${y}.w`, `${y}.ws`, `${y}.wz`, `${y}.ys`, `${y}.yz`,
                                      `${y}.b`], y,
                      { kernel_shape: [l.size, l.size], strides: [l.stride, l.stride], pads: l.pad, group: l.groups }));
      q = out;
    } else if (l.kind === 'avgpool') {
      scalar(`${y}.s`, q.scale, FLOAT);
      scalar(`${y}.z`, q.zeroPoint, UINT8);
      nodes.push(node('DequantizeLinear', [x, `${y}.s`, `${y}.z`], `${y}.f`));
      nodes.push(node('GlobalAveragePool', [`${y}.f`], `${y}.p`));
      nodes.push(node('QuantizeLinear', [`${y}.p`, `${y}.s`, `${y}.z`], y));
    } else if (l.kind === 'softmax') {
      scalar(`${y}.s`, q.scale, FLOAT);
      scalar(`${y}.z`, q.zeroPoint, UINT8);
      nodes.push(node('DequantizeLinear', [x, `${y}.s`, `${y}.z`], `${y}.f`));
      nodes.push(node('Flatten', [`${y}.f`], `${y}.flat`, { axis: 1 }));
      nodes.push(node('Softmax', [`${y}.flat`], y, { axis: 1 }));
    }
    x = y;
  });
  return modelProto(nodes, inits, UINT8, [1, c, h, w], x, model.outputs);
}
