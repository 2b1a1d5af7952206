#!/usr/bin/env python3
"""Writes a copy of a .tflite file with one thing changed in place, to make
the models the converter must refuse out of real ones (no TensorFlow here).
Field numbers are those of TensorFlow Lite's schema.fbs (version 3).

usage: tflite_patch.py IN OUT CHANGE
  opcode:FROM:TO       every operator of builtin code FROM becomes TO
  input-type:T         the graph input tensor's type becomes T (0 float32, 9 int8, ...)
  output-scale:OP:X    the first scale of operator OP's output tensor becomes X
  option-byte:OP:F:V   byte field F of operator OP's builtin options becomes V
  pool-input           the graph's output becomes what its last global pool
                       (AVERAGE_POOL_2D or MEAN) reads: the last feature map
Imported, it reads a model too (read_graph(): operators and tensors).
"""
import struct
import sys


class Flatbuffer:
    def __init__(self, data):
        self.b = data

    def u32(self, p):
        return struct.unpack_from('<I', self.b, p)[0]

    def field(self, table, i):
        """Position of field i of the table at `table`, or None when absent."""
        vtable = table - struct.unpack_from('<i', self.b, table)[0]
        if 4 + 2 * i >= struct.unpack_from('<H', self.b, vtable)[0]:
            return None
        off = struct.unpack_from('<H', self.b, vtable + 4 + 2 * i)[0]
        return table + off if off else None

    def table(self, table, i):
        p = self.field(table, i)
        return None if p is None else p + self.u32(p)

    def vector(self, table, i):
        p = self.field(table, i)
        v = p + self.u32(p)
        return v + 4, self.u32(v)

    def tables(self, table, i):
        start, n = self.vector(table, i)
        return [start + 4 * k + self.u32(start + 4 * k) for k in range(n)]


AVERAGE_POOL_2D, MEAN = 1, 40
TYPE_NAMES = {3: 'uint8', 9: 'int8', 2: 'int32', 0: 'float32'}


def ints(fb, table, i, fmt='<i'):
    p = fb.field(table, i)
    if p is None:
        return []
    start, n = fb.vector(table, i)
    size = struct.calcsize(fmt)
    return [struct.unpack_from(fmt, fb.b, start + size * k)[0] for k in range(n)]


def scalar(fb, table, i, fmt, default):
    p = fb.field(table, i)
    return default if p is None else struct.unpack_from(fmt, fb.b, p)[0]


def read_graph(data):
    """The first subgraph of a .tflite: (operators, tensors, outputs). An
    operator: {'op': builtin code, 'inputs': [...], 'outputs': [...]}; a tensor:
    {'shape', 'type', 'scale': [...], 'zero_point': [...], 'data': bytes}."""
    fb = Flatbuffer(data)
    model = fb.u32(0)
    codes = []
    for code in fb.tables(model, 1):
        codes.append(max(scalar(fb, code, 3, '<i', 0), scalar(fb, code, 0, '<b', 0)))
    buffers = fb.tables(model, 4)
    g = fb.tables(model, 2)[0]
    tensors = []
    for t in fb.tables(g, 0):
        q = fb.table(t, 4)
        buf = buffers[scalar(fb, t, 2, '<I', 0)]
        data_at = fb.field(buf, 0)
        if data_at is None:
            blob = b''
        else:
            start, n = fb.vector(buf, 0)
            blob = bytes(fb.b[start:start + n])
        tensors.append({'shape': ints(fb, t, 0), 'type': TYPE_NAMES.get(scalar(fb, t, 1, '<b', 0), '?'),
                        'scale': ints(fb, q, 2, '<f') if q else [], 'zero_point': ints(fb, q, 3, '<q') if q else [],
                        'data': blob})
    ops = [{'op': codes[scalar(fb, o, 0, '<I', 0)], 'inputs': ints(fb, o, 1), 'outputs': ints(fb, o, 2)}
           for o in fb.tables(g, 3)]
    return ops, tensors, ints(fb, g, 2)


def set_field(fb, table, i, fmt, value, what):
    p = fb.field(table, i)
    if p is None:
        sys.exit('tflite_patch.py: %s is not stored in the file (its default); cannot patch it in place' % what)
    struct.pack_into('<' + fmt, fb.b, p, value)


def graph_table(fb):
    return fb.tables(fb.u32(0), 2)[0]


def main():
    src, dst, change = sys.argv[1], sys.argv[2], sys.argv[3].split(':')
    fb = Flatbuffer(bytearray(open(src, 'rb').read()))
    model = fb.u32(0)
    graph = fb.tables(model, 2)[0]
    tensors, operators = fb.tables(graph, 0), fb.tables(graph, 3)
    if change[0] == 'opcode':
        found = 0
        for code in fb.tables(model, 1):
            builtin, deprecated = fb.field(code, 3), fb.field(code, 0)
            old = max(struct.unpack_from('<i', fb.b, builtin)[0] if builtin else 0,
                      struct.unpack_from('<b', fb.b, deprecated)[0] if deprecated else 0)
            if old == int(change[1]):
                set_field(fb, code, 0, 'b', min(int(change[2]), 127), 'the opcode')
                if builtin:
                    struct.pack_into('<i', fb.b, builtin, int(change[2]))
                found += 1
        if not found:
            sys.exit('tflite_patch.py: no operator code %s' % change[1])
    elif change[0] == 'input-type':
        start, _ = fb.vector(graph, 1)
        set_field(fb, tensors[struct.unpack_from('<i', fb.b, start)[0]], 1, 'b', int(change[1]), 'the input type')
    elif change[0] == 'output-scale':
        start, _ = fb.vector(operators[int(change[1])], 2)
        quantization = fb.table(tensors[struct.unpack_from('<i', fb.b, start)[0]], 4)
        scales, _ = fb.vector(quantization, 2)
        struct.pack_into('<f', fb.b, scales, float(change[2]))
    elif change[0] == 'pool-input':
        ops, _, _ = read_graph(bytes(fb.b))
        pools = [o for o in ops if o['op'] in (AVERAGE_POOL_2D, MEAN)]
        if not pools:
            sys.exit('tflite_patch.py: no AVERAGE_POOL_2D or MEAN operator')
        start, n = fb.vector(graph_table(fb), 2)
        if n != 1:
            sys.exit('tflite_patch.py: the graph has %d outputs, not one' % n)
        struct.pack_into('<i', fb.b, start, pools[-1]['inputs'][0])
    elif change[0] == 'option-byte':
        options = fb.table(operators[int(change[1])], 4)
        set_field(fb, options, int(change[2]), 'b', int(change[3]), 'the option')
    else:
        sys.exit(__doc__)
    open(dst, 'wb').write(fb.b)


if __name__ == '__main__':
    main()
