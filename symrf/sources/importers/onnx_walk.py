"""The walk over an ONNX graph that builds a symrf :class:`~symrf.layers.graph.Graph`.

Every tensor is either a feature map (a :class:`~symrf.sources.importers.onnx_dims.Map`: the symrf
node computing it and what each dimension holds) or a constant (a numpy array: weights and
the sizes exporters compute with ``Shape``/``Gather``/``Concat``). A node whose inputs are
all constants is folded; any other node is looked up in the op table
(:data:`symrf.sources.importers.onnx_ops.OPS`) and becomes one symrf node named after it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from typing import Any

import numpy as np

from symrf.errors import NetworkError, SymrfError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.context import Context
from symrf.layers.graph import INPUT, Graph, Node
from symrf.layers.parallel import Merge
from symrf.layers.pointwise import Identity
from symrf.sources.importers.onnx_check import attribute_error, label, quoted
from symrf.sources.importers.onnx_dims import Atom, Dims, Map, Size
from symrf.sources.importers.onnx_load import Shapes
from symrf.sources.importers.onnx_wire import KEPT_BYTES, shape_only


class GlobalContext(enum.Enum):
    """How statistics over all positions (SE gates, instance/group norms) are counted."""

    EXCLUDE = "exclude"
    INCLUDE = "include"


@dataclasses.dataclass(frozen=True)
class Unread:
    """A constant whose data symrf does not read (a weight, or computed from one)."""

    tensor: str


Value = Map | Unread | Any  # a feature map, a weight, or a numpy array (a constant)


class Walk:
    """The state of one import: tensor values, symrf nodes built so far, context nodes."""

    def __init__(self, model: Any, shapes: Shapes, context: GlobalContext, where: str,
                 opset: int) -> None:
        self.graph = model.graph
        self.shapes = shapes
        self.mode = context
        self.where = where
        self.opset = opset
        self.index = 0  # of the node being visited, for messages
        self.weights = {tensor.name: tensor for tensor in self.graph.initializer}
        self.values: dict[str, Value] = {}
        self.nodes: list[Node] = []
        self.context: list[str] = []
        self.used: set[str] = {INPUT}
        self.axes = 0

    # -- values -------------------------------------------------------------------------

    def value(self, name: str) -> Value | None:
        """The value of tensor ``name`` (None for an omitted optional input)."""
        if not name:
            return None
        if name not in self.values and name in self.weights:
            try:
                self.values[name] = _constant(self.weights[name])
            except Exception as error:  # numpy/onnx on data that does not fit its shape
                raise NetworkError(f"{self.where}: initializer {quoted(name)}: cannot read its "
                                   f"data ({type(error).__name__}: {quoted(str(error))}); "
                                   "export the model again.") from None
        if name not in self.values:
            raise NetworkError(f"{self.where}: tensor {name!r} is used before it is computed.")
        return self.values[name]

    def inputs(self, node: Any) -> list[Value | None]:
        """The values of the node's inputs, weights left unread (None for those)."""
        return [None if name in self.weights and name not in self.values else self.value(name)
                for name in node.input]

    def feature(self, node: Any, index: int = 0) -> Map:
        """Input ``index`` of ``node``, which must be a feature map."""
        value = self.value(node.input[index]) if index < len(node.input) else None
        if not isinstance(value, Map):
            raise self.error(node, f"input {index} is expected to be a feature map")
        return value

    def constant(self, node: Any, index: int, what: str) -> Any:
        """Input ``index`` of ``node`` as a constant array (None when omitted)."""
        if index >= len(node.input) or not node.input[index]:
            return None
        value = self.value(node.input[index])
        if isinstance(value, Map):
            raise self.error(
                node, f"{what} (input {index}) is computed from the image, not a constant; "
                "export the model with constant sizes (or give input_size)")
        if isinstance(value, Unread):
            raise self.error(
                node, f"{what} (input {index}) comes from tensor {value.tensor!r}, whose data "
                f"symrf does not read (external data, or over {KEPT_BYTES} bytes: a weight); "
                "store it in the model as a small constant")
        return value

    def integers(self, node: Any, index: int, what: str) -> list[int] | None:
        """Input ``index`` of ``node`` as a list of integers (None when omitted)."""
        value = self.constant(node, index, what)
        if value is None:
            return None
        array = np.asarray(value)
        if array.dtype.kind not in "iu":
            raise attribute_error(self, node, what, "integers",
                                  quoted([str(v) for v in array.ravel().tolist()]))
        return [int(v) for v in array.ravel()]

    def dims(self, node: Any, values: Any, rank: int, what: str) -> list[int]:
        """Dimension indices (negative ones count from the end) of a rank-``rank`` tensor."""
        found = [int(v) for v in values]
        if any(not -rank <= v < rank for v in found):
            raise attribute_error(self, node, what, f"dimensions from {-rank} to {rank - 1} "
                                  f"(its input has rank {rank})", quoted(found))
        return [v % rank for v in found]

    def shape(self, name: str) -> list[Size] | None:
        """The inferred shape of tensor ``name``."""
        return self.shapes.get(name)

    def attributes(self, node: Any) -> dict[str, Any]:
        """The node's attributes as Python values (strings decoded)."""
        from onnx import helper

        found = {}
        for attribute in node.attribute:
            value = helper.get_attribute_value(attribute)
            found[attribute.name] = value.decode() if isinstance(value, bytes) else value
        return found

    # -- building -----------------------------------------------------------------------

    def row_name(self, node: Any, index: int) -> str:
        """The node's name, or ``op_type_index``; unique among the rows."""
        name = node.name or f"{node.op_type}_{index}"
        if name in self.used:
            name = f"{name}_{index}"
        self.used.add(name)
        return name

    def error(self, node: Any, message: str) -> NetworkError:
        """An error naming the node and its op type."""
        return NetworkError(f"{self.where}: {label(node, self.index)}: {message}.")

    def emit(self, node: Any, name: str, source: Map, layer: Layer,
             dims: Dims | None = None, output: int = 0) -> Map:
        """Add a one-input symrf node ``name`` and record the node's output ``output``."""
        named = (Sequential(*layer.layers, name=name) if isinstance(layer, Sequential)
                 else dataclasses.replace(layer, name=name))
        self.nodes.append(Node(name, (source.node,), named))
        if dims is None and isinstance(layer, Identity) and all(
                len(atoms) == 1 and isinstance(atoms[0].size, int) for atoms in source.dims):
            result = Map(name, source.dims)  # pointwise on known lengths: nothing to infer
        else:
            result = self._sized(Map(name, source.dims if dims is None else dims), source,
                                 layer, self.shape(node.output[output]))
        self.values[node.output[output]] = result
        return result

    def _sized(self, result: Map, source: Map, layer: Layer, shape: list | None) -> Map:
        """Lengths of a one-axis dimension: inferred when known, else from symrf's geometry."""
        before = {atom.axis: atom.size for atoms in source.dims for atom in atoms
                  if atom.axis is not None}
        dims = []
        for j, atoms in enumerate(result.dims):
            inferred = shape[j] if shape is not None and len(shape) == result.rank else None
            if len(atoms) != 1:
                dims.append(atoms)
                continue
            (atom,) = atoms
            size = inferred if inferred is not None else atom.size
            if atom.axis is not None and not isinstance(inferred, int):
                size = _length(layer, atom.axis, before.get(atom.axis))
            dims.append((Atom(atom.axis, size),))
        return Map(result.node, tuple(dims))

    def merge(self, node: Any, name: str, sources: Sequence[Map], mode: Merge,
              dims: Dims, layer: Layer | None = None) -> Map:
        """Join feature maps; one distinct source is a pointwise node (``layer``)."""
        distinct = list(dict.fromkeys(source.node for source in sources))
        if len(distinct) == 1:
            return self.emit(node, name, sources[0], layer or Identity(), dims)
        self.nodes.append(Node(name, tuple(distinct), merge=mode))
        result = self._sized(Map(name, dims), sources[0], Identity(),
                             self.shape(node.output[0]))
        self.values[node.output[0]] = result
        return result

    def global_context(self, node: Any, name: str, local: Map, layer: Layer,
                       dims: Dims | None = None) -> Map:
        """A node whose output adds statistics over all positions to the local path ``local``.

        ``"exclude"``: a pointwise node on the local path, listed in the graph's context;
        ``"include"``: a :class:`~symrf.layers.context.Context` node that reads the whole map.
        """
        if self.mode is GlobalContext.INCLUDE:
            return self.emit(node, name, local, Context(include=True), dims)
        self.context.append(name)
        return self.emit(node, name, local, layer, dims)

    def graph_of(self, output: str, name: str | None) -> Graph:
        """The symrf graph built so far, ending at node ``output``."""
        if output == INPUT or not self.nodes:
            raise NetworkError(f"{self.where}: the output is the input itself; nothing to "
                               "analyse.")
        return Graph(self.nodes, output, name, context=self.context)


def _constant(tensor: Any) -> Value:
    """An initializer's value: a numpy array, or :class:`Unread` for a weight."""
    if shape_only(tensor):
        return Unread(tensor.name)
    from onnx import numpy_helper

    return numpy_helper.to_array(tensor)


def _length(layer: Layer, axis: int, size: Size) -> Size:
    """The length ``layer`` gives axis ``axis`` from input length ``size`` (None: unknown)."""
    if size is None:
        return None
    try:
        return layer.axis(axis).geometry(size).sizes(size)
    except SymrfError:
        return None


def wrap(error: SymrfError, where: str) -> SymrfError:
    """``error`` with ``where`` in front, unless it already names it."""
    text = str(error)
    return error if text.startswith(where) else type(error)(f"{where}: {text}")
