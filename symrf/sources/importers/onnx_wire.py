r"""Reading an ONNX file's graph without its weights, in bounded memory.

symrf needs the graph, the attributes, the tensor shapes and the few small constants that
exporters compute sizes with; it never needs the weights, which are nearly all of a model's
bytes (ResNet-50 holds 98 MB of them). A file up to :data:`~symrf.limits.MAX_FILE_BYTES`
is read whole. A larger one (up to :data:`~symrf.limits.MAX_ONNX_BYTES`) is read field by
field in protobuf's wire format, in bounded chunks, and the data of every tensor larger than
:data:`KEPT_BYTES` (initializers, ``Constant`` values, in subgraphs too) is skipped with a
seek, never read; what is kept may be at most :data:`~symrf.limits.MAX_FILE_BYTES`. Such a
tensor keeps its name, type and dimensions, so shapes are inferred as before.

>>> encoded = _key(8, 2) + _varint(3) + b"abc"
>>> _varint(300), encoded
(b'\xac\x02', b'B\x03abc')
"""

from __future__ import annotations

import os
from typing import Any, BinaryIO

from symrf.errors import SpecError
from symrf.limits import MAX_FILE_BYTES, MAX_ONNX_BYTES, MAX_ONNX_FIELDS
from symrf.sources import files

KEPT_BYTES = 1 << 16
"""Tensors larger than this (encoded) are shapes only: their data is never read or used.
The size subgraphs exporters emit hold a few integers; a tensor of 8,192 int64 values
is no size computation."""

_KIND = "an ONNX model"
_HINT = "; store the weights as external data (symrf reads only shapes)"

_TENSOR_DATA = frozenset({4, 5, 6, 7, 9, 10, 11})
"""TensorProto's data fields: float_data, int32_data, string_data, int64_data, raw_data,
double_data, uint64_data."""

_GRAPH: dict[int, str] = {1: "node", 5: "tensor"}
_PLANS: dict[str, dict[int, str]] = {
    "model": {7: "graph", 25: "function"},
    "graph": _GRAPH,
    "function": {5: "node"},
    "node": {5: "attribute"},
    "attribute": {5: "tensor", 10: "tensor", 6: "graph", 11: "graph"},
}
"""For each message kind, the fields that may hold tensors (and are walked into when large);
every other field is copied as it is."""

_DEPTH = 32
"""Deepest nesting of subgraphs walked into (If/Loop bodies); deeper ones are copied."""


def read_model(path: str) -> bytes:
    """The serialized model in ``path``, with the data of large tensors left out.

    Raises:
        SpecError: The path is not a regular file, the file is too large, or it is not a
            protobuf message.
    """
    with files.opened(path, MAX_ONNX_BYTES, kind=_KIND, hint=_HINT) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= MAX_FILE_BYTES:
            return files.read_from(handle, path, MAX_FILE_BYTES, kind=_KIND, hint=_HINT)
        try:
            return _Wire(handle, path).message(size, "model", 0)
        except OSError as error:
            raise SpecError(f"{files.shown(path)}: cannot read the file ({error.strerror}); "
                            "check the path.") from None


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


class _Wire:
    """A sequential reader of protobuf fields from a file, keeping at most a budget of bytes."""

    def __init__(self, handle: BinaryIO, path: str) -> None:
        self.handle = handle
        self.path = path
        self.offset = 0  # of the next byte, in the file
        self.buffer = b""
        self.position = 0  # of the next byte, in the buffer
        self.kept = 0
        self.fields = 0

    def _broken(self, what: str) -> SpecError:
        return SpecError(f"{files.shown(self.path)}: not a valid ONNX model ({what} at byte "
                         f"{self.offset}); export it again or check the file is complete.")

    def _read(self, count: int) -> bytes:
        if self.position + count <= len(self.buffer):
            data = self.buffer[self.position:self.position + count]
            self.position += count
        else:
            rest = self.buffer[self.position:]
            data = rest + self.handle.read(count - len(rest))
            if len(data) != count:
                raise self._broken("the file ends inside a field")
            self.buffer = self.handle.read(files.CHUNK)
            self.position = 0
        self.offset += count
        return data

    def _skip(self, count: int) -> None:
        if self.position + count <= len(self.buffer):
            self.position += count
        else:
            self.handle.seek(count - (len(self.buffer) - self.position), os.SEEK_CUR)
            self.buffer, self.position = b"", 0
        self.offset += count

    def _budget(self, count: int) -> None:
        self.kept += count
        if self.kept > MAX_FILE_BYTES:
            raise SpecError(
                f"{files.shown(self.path)}: the model without its weight data is more than "
                f"{files.amount(MAX_FILE_BYTES)} (graph, attributes and small constants), the "
                "limit for an ONNX model's graph.")

    def _take(self, count: int) -> bytes:
        """``count`` bytes kept in the result (counted before they are read)."""
        self._budget(count)
        return self._read(count)

    def _kept(self, data: bytes) -> bytes:
        self._budget(len(data))
        return data

    def _number(self) -> int:
        value = shift = 0
        while True:
            byte = self._read(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise self._broken("a number longer than 10 bytes")

    def message(self, end: int, kind: str, depth: int) -> bytes:
        """The fields up to offset ``end`` of a ``kind`` message, large tensors' data left out."""
        plan = _PLANS.get(kind, {}) if depth < _DEPTH else {}
        out = bytearray()
        while self.offset < end:
            self.fields += 1
            if self.fields > MAX_ONNX_FIELDS:
                raise self._broken(f"more than {MAX_ONNX_FIELDS} fields outside weight data")
            key = self._number()
            field, wire = key >> 3, key & 7
            if kind == "tensor" and field in _TENSOR_DATA:
                self._skip_field(wire, end)
                continue
            if wire == 2:
                length = self._length(end)
                inner = plan.get(field)
                if inner is not None and length > KEPT_BYTES:
                    body = self.message(self.offset + length, inner, depth + 1)
                else:
                    body = self._take(length)
                out += self._kept(_key(field, wire) + _varint(len(body))) + body
            elif wire == 0:
                out += self._kept(_varint(key) + _varint(self._number()))
            elif wire in (1, 5):
                out += self._kept(_varint(key) + self._read(8 if wire == 1 else 4))
            else:
                raise self._broken(f"wire type {wire}")
        if self.offset != end:
            raise self._broken("a field crossing the end of its message")
        return bytes(out)

    def _length(self, end: int) -> int:
        length = self._number()
        if length > end - self.offset:
            raise self._broken(f"a field of {length} bytes past the end of its message")
        return length

    def _skip_field(self, wire: int, end: int) -> None:
        if wire == 2:
            self._skip(self._length(end))
        elif wire == 0:
            self._number()
        elif wire in (1, 5):
            self._skip(8 if wire == 1 else 4)
        else:
            raise self._broken(f"wire type {wire}")


def shape_only(tensor: Any) -> bool:
    """Whether symrf uses only the shape of ``tensor`` (an ``onnx.TensorProto``), not its data.

    True for a tensor larger than :data:`KEPT_BYTES` (a weight), one whose data was skipped,
    and one stored as external data (a file the model names: never opened).

    >>> from onnx import helper, TensorProto
    >>> shape_only(helper.make_tensor("scales", TensorProto.FLOAT, [2], [1.0, 2.0]))
    False
    >>> shape_only(TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[64, 64, 3, 3]))
    True
    """
    if tensor.data_location == 1 or tensor.external_data:  # TensorProto.EXTERNAL
        return True
    if tensor.ByteSize() > KEPT_BYTES:
        return True
    count = 1
    for dim in tensor.dims:
        count *= dim
    held = (tensor.raw_data or tensor.float_data or tensor.int32_data or tensor.string_data
            or tensor.int64_data or tensor.double_data or tensor.uint64_data)
    return count > 0 and not held
