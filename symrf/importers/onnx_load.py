"""Reading an ONNX file safely, fixing its input size, and inferring every tensor's shape.

An ONNX file is untrusted input: its size is checked before it is parsed, decode errors
become one :class:`~symrf.errors.SpecError` line, and external weight files are never read
(only shapes matter). A symbolic input dimension (``dim_param``) is a sympy symbol for shape
bookkeeping; when an input size is given, the model's spatial dimensions are fixed to it
before shape inference, so every intermediate length is known.

>>> load_model("no/such/model.onnx")  # doctest: +ELLIPSIS
Traceback (most recent call last):
symrf.errors.SpecError: no/such/model.onnx: cannot read the file (No such file ...
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import sympy

from symrf.errors import SpecError
from symrf.importers.onnx_dims import Size

MAX_BYTES = 2**31 - 1
"""Largest file read (protobuf's own limit): larger ones are refused before parsing."""

_INSTALL = "install the ONNX extra: pip install 'symrf[onnx]'"


def onnx_module() -> Any:
    """The ``onnx`` package, or a one-line error saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise SpecError(f"reading ONNX models needs the onnx package; {_INSTALL}.") from None
    return onnx


def load_model(source: Any) -> Any:
    """An ``onnx.ModelProto`` from a path or a model object, without external weights.

    Raises:
        SpecError: The file is missing, too large, or not a valid ONNX protobuf.
    """
    onnx = onnx_module()
    if isinstance(source, onnx.ModelProto):
        return source
    path = os.fspath(source)
    try:
        length = os.path.getsize(path)
    except OSError as error:
        raise SpecError(f"{path}: cannot read the file ({error.strerror}).") from None
    if length > MAX_BYTES:
        raise SpecError(
            f"{path}: the file has {length} bytes, more than an ONNX protobuf can hold "
            f"({MAX_BYTES}); store the weights as external data (only shapes are read)."
        )
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as error:  # protobuf's DecodeError and friends: the file is not ONNX
        raise SpecError(
            f"{path}: not a valid ONNX model ({type(error).__name__}); export it again or "
            "check the file is complete."
        ) from None
    if not model.graph.node:
        raise SpecError(f"{path}: the ONNX graph has no nodes; give an exported model.")
    return model


def feature_input(model: Any, where: str) -> Any:
    """The graph's one non-weight input (the image)."""
    weights = {tensor.name for tensor in model.graph.initializer}
    inputs = [value for value in model.graph.input if value.name not in weights]
    if len(inputs) != 1:
        names = ", ".join(repr(value.name) for value in inputs) or "none"
        raise SpecError(
            f"{where}: the graph has {len(inputs)} data inputs ({names}); symrf analyses "
            "models with one image input: export the model with a single input."
        )
    return inputs[0]


def fix_input_size(model: Any, sizes: Sequence[int], where: str) -> Any:
    """A copy of ``model`` whose input has spatial lengths ``sizes`` (and batch 1 if unset)."""
    onnx = onnx_module()
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    dims = feature_input(fixed, where).type.tensor_type.shape.dim
    if len(dims) != len(sizes) + 2:
        raise SpecError(
            f"{where}: input size has {len(sizes)} entries but the input has "
            f"{max(len(dims) - 2, 0)} spatial axes; give one size per axis or a single size."
        )
    for dim, size in zip(dims[2:], sizes, strict=True):
        dim.Clear()
        dim.dim_value = size
    if not dims[0].HasField("dim_value"):
        dims[0].Clear()
        dims[0].dim_value = 1
    return fixed


def infer_shapes(model: Any, where: str) -> Any:
    """``onnx.shape_inference.infer_shapes`` with its failures as one SpecError line."""
    onnx = onnx_module()
    try:
        return onnx.shape_inference.infer_shapes(model, strict_mode=False)
    except Exception as error:  # InferenceError and protobuf errors on malformed graphs
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise SpecError(
            f"{where}: ONNX shape inference failed ({type(error).__name__}: {first[:200]}); "
            "check the model with onnx.checker.check_model."
        ) from None


class Shapes:
    """Every tensor's inferred shape, with ``dim_param`` names as sympy symbols."""

    def __init__(self, model: Any) -> None:
        self._symbols: dict[str, sympy.Symbol] = {}
        self.shapes: dict[str, list[Size]] = {}
        graph = model.graph
        self._named = {d.dim_param for value in graph.input if value.type.HasField("tensor_type")
                       for d in value.type.tensor_type.shape.dim if d.HasField("dim_param")}
        for value in [*graph.input, *graph.value_info, *graph.output]:
            if value.type.HasField("tensor_type") and value.type.tensor_type.HasField("shape"):
                self.shapes[value.name] = [self._size(d) for d in
                                           value.type.tensor_type.shape.dim]
        for tensor in graph.initializer:
            self.shapes[tensor.name] = list(tensor.dims)

    def _size(self, dim: Any) -> Size:
        if dim.HasField("dim_value"):
            return int(dim.dim_value)
        if dim.HasField("dim_param") and dim.dim_param in self._named:  # inference's unk__
            # names are unknowns, not input lengths
            name = dim.dim_param
            if name not in self._symbols:  # a fresh symbol per name: the text is never parsed
                self._symbols[name] = sympy.Symbol(f"d{len(self._symbols)}", positive=True,
                                                   integer=True)
            return self._symbols[name]
        return None

    def get(self, name: str) -> list[Size] | None:
        """The shape of tensor ``name``, if inferred."""
        return self.shapes.get(name)
