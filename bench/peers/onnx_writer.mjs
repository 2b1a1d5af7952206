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

const FLOAT = 1; // TensorProto.DataType
const ATTR_INT = 2, ATTR_INTS = 7; // AttributeProto.AttributeType

// TensorProto: dims 1, data_type 2, name 8, raw_data 9.
function tensor(field, name, dims, data) {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return msg(field, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw)]);
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
function valueInfo(field, name, dims) {
  const shape = msg(2, dims.map((d) => msg(1, [int(1, d)])));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, FLOAT), shape])])]);
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
  const graph = msg(7, [...nodes, str(2, 'darknet'), ...inits, valueInfo(11, 'input', [1, c, h, w]),
                        valueInfo(12, x, [1, model.outputs])]);
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 { domain 1, version 2 }.
  return Buffer.concat([int(1, 7), str(2, 'lookslike-bench'), graph, msg(8, [str(1, ''), int(2, 13)])]);
}
