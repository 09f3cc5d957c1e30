"""Reading an ONNX file safely, fixing its input size, and inferring every tensor's shape.

An ONNX file is untrusted input: it is read by symrf's one file reader (a regular file
within the size limit, in bounded chunks), decode errors become one
:class:`~symrf.errors.SpecError` line, and weights are never needed (only shapes matter):
external weight files are never read, nor the data of large tensors in big files. A
symbolic input dimension (``dim_param``) is a sympy symbol for shape bookkeeping; when an
input size is given, the model's spatial dimensions are fixed to it before shape inference,
so every intermediate length is known.

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
from symrf.sources.files import shown
from symrf.sources.importers.onnx_dims import Size
from symrf.sources.importers.onnx_wire import read_model

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

    The file goes through symrf's one reader (:mod:`symrf.sources.files`: a regular file, within the
    size limits, read in bounded chunks); large weight tensors are left unread
    (:mod:`symrf.sources.importers.onnx_wire`).

    Raises:
        SpecError: The file is missing, not a regular file, too large, or not a valid ONNX
            protobuf.
    """
    onnx = onnx_module()
    if isinstance(source, onnx.ModelProto):
        return source
    path = os.fspath(source) if isinstance(source, str | os.PathLike) else None
    if not isinstance(path, str):
        raise SpecError(f"expected an ONNX file's path (a str or os.PathLike) or an "
                        f"onnx.ModelProto, found {type(source).__name__}.")
    data = read_model(path)
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as error:  # protobuf's DecodeError and friends: the file is not ONNX
        raise SpecError(
            f"{shown(path)}: not a valid ONNX model ({type(error).__name__}); export it again "
            "or check the file is complete."
        ) from None
    if not model.graph.node:
        raise SpecError(f"{shown(path)}: the ONNX graph has no nodes; give an exported model.")
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
    """Every tensor's inferred shape, with ``dim_param`` names as sympy symbols.

    Shapes are converted when first asked for (a graph of 100,000 nodes has as many).
    """

    def __init__(self, model: Any) -> None:
        self._symbols: dict[str, sympy.Symbol] = {}
        self.shapes: dict[str, list[Size] | None] = {}
        graph = model.graph
        self._named = {d.dim_param for value in graph.input if value.type.HasField("tensor_type")
                       for d in value.type.tensor_type.shape.dim if d.HasField("dim_param")}
        self._values = {value.name: value for value in
                        [*graph.input, *graph.value_info, *graph.output]}
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
        if name not in self.shapes:
            value = self._values.get(name)
            self.shapes[name] = None
            if (value is not None and value.type.HasField("tensor_type")
                    and value.type.tensor_type.HasField("shape")):
                self.shapes[name] = [self._size(d) for d in value.type.tensor_type.shape.dim]
        return self.shapes[name]
