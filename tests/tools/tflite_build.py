#!/usr/bin/env python3
"""Writes small hand-made TFLite files (schema v3) that the converter must
refuse, or convert, without crashing: what a real converter never writes but
a hostile file can (an operator table shared by many slots, options left out,
quantization along an axis the converter does not index). No TensorFlow
here: a FlatBuffers writer of its own, objects laid out front to back (every
offset points forward, as the format requires), a table placed once however
many slots name it.

usage: tflite_build.py OUT_DIR      writes OUT_DIR/NAME.tflite for each case in CASES
"""
import os
import struct
import sys


class Table:
    """fields: {index: (struct format or 'ref', value)}; children placed in field order, or in `order`."""

    def __init__(self, order=None, **fields):
        self.fields = {int(k[1:]): v for k, v in fields.items()}
        self.order = order or sorted(self.fields)


class Vector:
    def __init__(self, fmt, items):
        self.fmt, self.items = fmt, items


class Writer:
    def __init__(self):
        self.b = bytearray(b"\0\0\0\0TFL3")
        self.placed = {}

    def align(self, n):
        while len(self.b) % n:
            self.b.append(0)

    def place(self, obj):
        if id(obj) in self.placed:
            return self.placed[id(obj)]
        if isinstance(obj, Table):
            pos = self._table(obj)
        elif isinstance(obj, Vector):
            pos = self._vector(obj)
        else:
            data = obj.encode()
            self.align(4)
            pos = len(self.b)
            self.b += struct.pack("<I", len(data)) + data + b"\0"
        self.placed[id(obj)] = pos
        return pos

    def _children(self, refs):
        for at, child in refs:
            struct.pack_into("<I", self.b, at, self.place(child) - at)

    def _table(self, t):
        layout, off = [], 4
        for index in sorted(t.fields):
            fmt, value = t.fields[index]
            size = 4 if fmt == "ref" else struct.calcsize("<" + fmt)
            off = (off + size - 1) // size * size
            layout.append((index, off, fmt, value))
            off += size
        count = max(t.fields) + 1 if t.fields else 0
        slots = [0] * count
        for index, at, _, _ in layout:
            slots[index] = at
        self.align(4)
        vtable = len(self.b)
        self.b += struct.pack("<HH", 4 + 2 * count, off) + b"".join(struct.pack("<H", s) for s in slots)
        self.align(8)
        pos = len(self.b)
        self.b += bytes(off)
        struct.pack_into("<i", self.b, pos, pos - vtable)
        refs = {}
        for index, at, fmt, value in layout:
            if fmt == "ref":
                refs[index] = (pos + at, value)
            else:
                struct.pack_into("<" + fmt, self.b, pos + at, value)
        self._children([refs[i] for i in t.order if i in refs])
        return pos

    def _vector(self, v):
        size = 4 if v.fmt == "ref" else struct.calcsize("<" + v.fmt)
        self.align(4)
        if size == 8 and len(self.b) % 8 == 0:
            self.b += bytes(4)
        pos = len(self.b)
        self.b += struct.pack("<I", len(v.items))
        refs = []
        for item in v.items:
            if v.fmt == "ref":
                refs.append((len(self.b), item))
                self.b += bytes(4)
            else:
                self.b += struct.pack("<" + v.fmt, item)
        self._children(refs)
        return pos

    def finish(self, root):
        struct.pack_into("<I", self.b, 0, self.place(root))
        return bytes(self.b)


UINT8, INT32 = 3, 2
OP = {"CONV_2D": 3, "FULLY_CONNECTED": 9, "MAX_POOL_2D": 17, "SOFTMAX": 25}


def quant(scales, zero_points, dimension=None):
    """The scales are placed last: a reader past their end reads past the file's."""
    fields = {"f2": ("ref", Vector("f", scales)), "f3": ("ref", Vector("q", zero_points)), "order": [3, 2]}
    if dimension is not None:
        fields["f6"] = ("i", dimension)
    return Table(**fields)


def tensor(name, shape, type_, buffer, q=None):
    fields = {"f0": ("ref", Vector("i", shape)), "f1": ("b", type_), "f2": ("I", buffer), "f3": ("ref", name)}
    if q is not None:
        fields["f4"] = ("ref", q)
    return Table(**fields)


def operator(code, inputs, outputs, options=None):
    fields = {"f0": ("I", code), "f1": ("ref", Vector("i", inputs)), "f2": ("ref", Vector("i", outputs))}
    if options is not None:
        fields["f4"] = ("ref", options)
    return Table(**fields)


def model(tensors, ops, codes, buffers, graph_input, graph_output):
    """tensors, ops: Tables; codes: builtin names; buffers: bytes. The tensors are placed last of all."""
    graph = Table(f0=("ref", Vector("ref", tensors)), f1=("ref", Vector("i", [graph_input])),
                  f2=("ref", Vector("i", [graph_output])), f3=("ref", Vector("ref", ops)), order=[1, 2, 3, 0])
    return Table(
        f0=("I", 3),
        f1=("ref", Vector("ref", [Table(f0=("b", OP[c]), f3=("i", OP[c])) for c in codes])),
        f2=("ref", Vector("ref", [graph])),
        f4=("ref", Vector("ref", [Table(f0=("ref", Vector("B", list(b)))) if b else Table() for b in buffers])),
        order=[1, 4, 2])


def act(name, shape, scale=0.5, zero_point=0):
    return tensor(name, shape, UINT8, 0, quant([scale], [zero_point]))


def maxpool_without_options():
    """MAX_POOL_2D with no options: stride and window 0 (tf_pads divided by the stride: SIGFPE)."""
    return model([act("in", [1, 4, 4, 1]), act("out", [1, 4, 4, 1])], [operator(0, [0], [1])], ["MAX_POOL_2D"],
                 [b""], 0, 1)


def maxpool_only():
    """A model without parameters: a 1x1 max pool (an empty weights image)."""
    pool = Table(f0=("b", 1), f1=("i", 1), f2=("i", 1), f3=("i", 1), f4=("i", 1))
    return model([act("in", [1, 4, 4, 1]), act("out", [1, 4, 4, 1])], [operator(0, [0], [1], pool)], ["MAX_POOL_2D"],
                 [b""], 0, 1)


def fully_connected_bias_without_quantization():
    """A quantized FULLY_CONNECTED whose int32 bias has no scale (read through a NULL scale pointer)."""
    tensors = [act("in", [1, 1, 1, 4]), tensor("w", [2, 4], UINT8, 1, quant([0.25], [0])),
               tensor("b", [2], INT32, 2), act("out", [1, 2])]
    return model(tensors, [operator(0, [0, 1, 2], [3], Table(f0=("b", 0)))], ["FULLY_CONNECTED"],
                 [b"", bytes(range(8)), struct.pack("<2i", 1, 2)], 0, 3)


def per_channel_along_inputs():
    """Convolution weights [4][1][1][2] quantized per input channel (dimension 3, 2 scales): the
    converter indexes scales by output channel, 4 of them; its scale vector ends the file."""
    conv = Table(f0=("b", 1), f1=("i", 1), f2=("i", 1), f3=("b", 0))
    w = tensor("w", [4, 1, 1, 2], UINT8, 1, quant([0.25, 0.25], [0, 0], dimension=3))
    tensors = [act("in", [1, 1, 1, 2]), tensor("b", [4], INT32, 2, quant([0.125], [0])), act("out", [1, 1, 1, 4]), w]
    return model(tensors, [operator(0, [0, 3, 1], [2], conv)], ["CONV_2D"],
                 [b"", bytes(range(8)), struct.pack("<4i", 1, 2, 3, 4)], 0, 2)


def _repeated(slots, shared_table):
    def conv():
        return Table(f0=("b", 1), f1=("i", 1), f2=("i", 1), f3=("b", 0))
    c = 64
    tensors = [act("x", [1, 1, 1, c]), tensor("w", [c, 1, 1, c], UINT8, 1, quant([0.25], [0])),
               tensor("b", [c], INT32, 2, quant([0.125], [0])), act("y", [1, 1, 1, c])]
    if shared_table:  # x -> y, then one table y -> y in every other slot
        ops = [operator(0, [0, 1, 2], [3], conv())] + [operator(0, [3, 1, 2], [3], conv())] * (slots - 1)
    else:  # distinct operator tables, each a new output, all reading the one weights tensor
        tensors += [act("y%d" % k, [1, 1, 1, c]) for k in range(slots)]
        ops = [operator(0, [0 if k == 0 else 3 + k, 1, 2], [4 + k], conv()) for k in range(slots)]
    return model(tensors, ops, ["CONV_2D"], [b"", bytes(c * c), struct.pack("<%di" % c, *range(c))],
                 0, 3 if shared_table else 3 + slots)


def shared_operator_table():
    """One operator table, reading and writing one tensor, named by 199 slots (the converter wrote its
    weights 200 times: review 3's 1 MB file made 840 MB)."""
    return _repeated(200, True)


def shared_weights():
    """200 operators, one weights tensor (each would get a copy of the weights)."""
    return _repeated(200, False)


CASES = [maxpool_without_options, maxpool_only, fully_connected_bias_without_quantization, per_channel_along_inputs,
         shared_operator_table, shared_weights]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(sys.argv[1], exist_ok=True)
    for case in CASES:
        with open(os.path.join(sys.argv[1], case.__name__ + ".tflite"), "wb") as f:
            f.write(Writer().finish(case()))


if __name__ == "__main__":
    main()
