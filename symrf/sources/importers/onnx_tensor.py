"""ONNX ops that keep positions or mix them all: elementwise ops, merges, norms, reshapes.

An op that touches batch or channel dimensions alone is pointwise. An op that reads along a
dimension holding a spatial factor mixes the positions of that axis: a reduction or a
contraction (``ReduceMean``, ``Flatten`` + ``Gemm``) is whole-input; a statistic over the
positions fed back into the local path (an SE gate's ``Mul``, ``InstanceNormalization``,
``GroupNormalization``, a spatial ``Softmax``) is global context.

>>> UNARY["Relu"].op, UNARY["HardSwish"].op
('relu', 'identity')
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import sympy

from symrf.errors import NetworkError
from symrf.layers.base import Layer
from symrf.layers.graph import Node
from symrf.layers.parallel import Merge
from symrf.layers.pointwise import (
    GELU,
    BatchNorm,
    Dropout,
    Identity,
    LayerNorm,
    ReLU,
    Sigmoid,
    Tanh,
)
from symrf.layers.whole import Linear
from symrf.sources.importers.onnx_check import attribute_error, quoted
from symrf.sources.importers.onnx_dims import Atom, Map, broadcast, product
from symrf.sources.importers.onnx_spatial import reduce_positions

Walk = Any  # symrf.sources.importers.onnx_walk.Walk

_LAYERS = {"Relu": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh, "Gelu": GELU,
           "BatchNormalization": BatchNorm, "Dropout": Dropout}
"""Activations with a symrf layer of their own; every other pointwise op is Identity."""

_POINTWISE = [
    "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu",
    "Celu", "Gelu", "Softplus", "Softsign", "Mish", "Clip", "Exp", "Log", "Sqrt", "Abs", "Neg",
    "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Sign", "Cast", "CastLike", "Identity",
    "Dropout", "Not", "IsNaN", "IsInf", "BatchNormalization", "Shrink", "ThresholdedRelu", "Sin",
    "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
    "QuantizeLinear", "DequantizeLinear", "LRN", "Swish"
]

UNARY: dict[str, Layer] = {op: _LAYERS.get(op, Identity)() for op in _POINTWISE}
"""Every pointwise unary op (its other inputs are constants: slopes, bounds, scales)."""

ELEMENTWISE = [
    "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where", "Equal", "Greater",
    "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor", "Mod", "BitShift"
]
"""Ops that combine their inputs position by position (with broadcasting)."""


def unary(walk: Walk, node: Any, name: str) -> None:
    """A pointwise op on one feature map."""
    source = walk.feature(node)
    out = walk.emit(node, name, source, UNARY[node.op_type])
    for index in range(1, len(node.output)):  # Dropout's mask, BatchNorm's running stats
        if node.output[index]:
            walk.values[node.output[index]] = out


def elementwise(walk: Walk, node: Any, name: str) -> None:
    """Feature maps combined position by position: a merge, or global context."""
    maps = [v for v in walk.inputs(node) if isinstance(v, Map)]
    held = set().union(*(m.axes() for m in maps))
    local = [m for m in maps if m.axes() == held]
    if not local:
        raise walk.error(node, "combines feature maps that hold different spatial axes; "
                         "symrf merges maps of the same positions only")
    dims = _ranked(walk, node, broadcast(local))
    layer = UNARY.get(node.op_type, Identity())
    if len(local) < len(maps):
        walk.global_context(node, name, _joined(walk, node, name, local, Merge.ADD, dims),
                            layer, dims)
        return
    walk.merge(node, name, local, Merge.ADD, dims, layer)


def _joined(walk: Walk, node: Any, name: str, local: list[Map], mode: Merge,
            dims: Any) -> Map:
    """The local inputs as one map: itself, or a merge node ``name/local``."""
    if len({m.node for m in local}) == 1:
        return local[0]

    joined = f"{name}/local"
    walk.nodes.append(Node(joined, tuple(dict.fromkeys(m.node for m in local)), merge=mode))
    return Map(joined, dims)


def _ranked(walk: Walk, node: Any, dims_of: Map) -> Any:
    """Dims padded with channel dimensions when a constant broadcasts to a higher rank."""
    shape = walk.shape(node.output[0])
    dims = dims_of.dims
    if shape is not None and len(shape) > len(dims):
        extra = len(shape) - len(dims)
        dims = tuple((Atom(None, size),) for size in shape[:extra]) + dims
    return dims


def concat(walk: Walk, node: Any, name: str) -> None:
    """Concat along a batch or channel dimension (a spatial one shifts positions: refused)."""
    values = walk.inputs(node)
    maps = [v for v in values if isinstance(v, Map)]
    rank = maps[0].rank
    (axis,) = walk.dims(node, [walk.attributes(node)["axis"]], rank, "axis")
    if any(m.axes_in(axis) for m in maps):
        raise walk.error(node, f"concatenates along dimension {axis}, which holds spatial "
                         "positions; symrf merges feature maps of the same positions only")
    held = set().union(*(m.axes() for m in maps))
    local = [m for m in maps if m.axes() == held]
    shape = walk.shape(node.output[0])
    dims = local[0].with_dim(axis, (Atom(None, shape[axis] if shape else None),)).dims
    if len(local) < len(maps):
        walk.global_context(node, name, _joined(walk, node, name, local, Merge.CONCAT, dims),
                            Identity(), dims)
        return
    walk.merge(node, name, local, Merge.CONCAT, dims)


def statistics(dims_of: Any) -> Any:
    """A handler for an op normalising over dimensions ``dims_of(node, rank, attributes)``."""

    def handle(walk: Walk, node: Any, name: str) -> None:
        source = walk.feature(node)
        spanned = dims_of(walk, node, source.rank, walk.attributes(node))
        if any(source.axes_in(j) for j in spanned):
            walk.global_context(node, name, source, Identity())
        else:
            layer = LayerNorm() if node.op_type == "LayerNormalization" else Identity()
            walk.emit(node, name, source, layer)

    return handle


def _softmax_dims(walk: Walk, node: Any, rank: int, attributes: dict) -> set[int]:
    (axis,) = walk.dims(node, [attributes.get("axis", -1 if walk.opset >= 13 else 1)], rank,
                        "axis")
    return {axis} if walk.opset >= 13 else set(range(axis, rank))


def _layer_norm_dims(walk: Walk, node: Any, rank: int, attributes: dict) -> set[int]:
    (axis,) = walk.dims(node, [attributes.get("axis", -1)], rank, "axis")
    return set(range(axis, rank))


def _instance_dims(walk: Walk, node: Any, rank: int, attributes: dict) -> set[int]:
    return set(range(2, rank))


def reduce(walk: Walk, node: Any, name: str) -> None:
    """ReduceMean/Max/Sum/...: whole-input along the spatial axes reduced."""
    source = walk.feature(node)
    attributes = walk.attributes(node)
    axes = walk.integers(node, 1, "axes") if len(node.input) > 1 else None
    axes = attributes.get("axes") if axes is None else axes
    if node.op_type in ("ArgMax", "ArgMin"):
        axes = [attributes.get("axis", 0)]
    if not axes:
        if attributes.get("noop_with_empty_axes", 0):
            walk.emit(node, name, source, Identity())
            return
        axes = list(range(source.rank))
    reduced = set(walk.dims(node, axes, source.rank, "axes"))
    reduce_positions(walk, node, name, source, reduced, bool(attributes.get("keepdims", 1)))


def matmul(walk: Walk, node: Any, name: str) -> None:
    """MatMul / Gemm with a constant: contracting a dimension holding positions is whole-input."""
    values = walk.inputs(node)
    attributes = walk.attributes(node)
    first, second = values[0], values[1]
    if isinstance(first, Map) and isinstance(second, Map):
        raise walk.error(node, "multiplies two feature maps (attention); symrf does not "
                         "model attention: analyse up to the node before it (upto=...)")
    gemm = node.op_type == "Gemm"
    for value in (first, second):
        if gemm and isinstance(value, Map) and value.rank != 2:
            raise walk.error(node, f"expected matrices (rank 2) as Gemm's inputs, found a "
                             f"feature map of rank {value.rank}; flatten it first")
    if isinstance(first, Map):
        source = first
        contracted = (0 if attributes.get("transA", 0) else 1) if gemm else source.rank - 1
    else:
        source = second
        contracted = ((1 if attributes.get("transB", 0) else 0) if gemm
                      else max(source.rank - 2, 0))
    shape = walk.shape(node.output[0])
    out = contracted if not gemm else (1 if source is first else 0)
    dims = list(source.dims)
    dims[contracted] = (Atom(None, shape[out] if shape and out < len(shape) else None),)
    if gemm and source is first and attributes.get("transA", 0):
        dims.reverse()
    held = source.axes_in(contracted)
    layer: Layer = Identity()
    if held == source.axes() and held:
        layer = Linear()
    elif held:
        raise walk.error(node, f"contracts spatial axes {sorted(held)} but not "
                         f"{sorted(source.axes() - held)}; symrf cannot follow that")
    walk.emit(node, name, source, layer, tuple(dims))


def flatten(walk: Walk, node: Any, name: str) -> None:
    """Flatten: dimensions regrouped (positions kept, merged with other factors)."""
    source = walk.feature(node)
    given = int(walk.attributes(node).get("axis", 1))
    axis = given + source.rank if given < 0 else given
    if not 0 <= axis <= source.rank:
        raise attribute_error(walk, node, "axis", f"an axis from {-source.rank} to "
                              f"{source.rank} (its input has rank {source.rank})", str(given))
    sizes = source.shape()
    shape = walk.shape(node.output[0]) or [_product(sizes[:axis]), _product(sizes[axis:])]
    _regroup(walk, node, name, source, shape)


def _product(sizes: list) -> Any:
    return product(sizes)


def _regroup(walk: Walk, node: Any, name: str, source: Map, shape: list) -> None:
    try:
        moved = source.reshaped(shape)
    except NetworkError as error:
        raise walk.error(node, str(error).rstrip(".")) from None
    walk.emit(node, name, source, Identity(), moved.dims)


def reshape(walk: Walk, node: Any, name: str) -> None:
    """Reshape: the target shape comes from the model's constants (0 copies, -1 infers)."""
    source = walk.feature(node)
    inferred = walk.shape(node.output[0])
    if inferred is not None and all(s is not None for s in inferred):
        _regroup(walk, node, name, source, inferred)
        return
    attributes = walk.attributes(node)
    given = attributes.get("shape") if walk.opset < 5 else walk.constant(node, 1, "shape")
    if given is None:
        raise walk.error(node, "input 'shape': expected a constant, found none")
    target = list(np.asarray(given, dtype=object).ravel())
    if not all(_whole(v) for v in target):
        raise attribute_error(walk, node, "shape", "integers", quoted([str(v) for v in target]))
    target = [v if isinstance(v, sympy.Basic) else int(v) for v in target]
    numbers = [v for v in target if isinstance(v, int)]
    if numbers.count(-1) > 1 or any(v < -1 for v in numbers):
        raise attribute_error(walk, node, "shape", "lengths >= 0 and at most one -1",
                              quoted(target))
    sizes = source.shape()
    copy = not attributes.get("allowzero", 0)
    if copy and any(v == 0 and j >= len(sizes) for j, v in enumerate(numbers)):
        raise attribute_error(walk, node, "shape", f"0 (copy the length) only within the "
                              f"input's rank {len(sizes)}", quoted(target))
    shape = [sizes[j] if copy and isinstance(v, int) and v == 0 else v
             for j, v in enumerate(target)]
    if -1 in numbers:
        whole = _product(sizes)
        part = _product([v for v in shape if not (isinstance(v, int) and v == -1)])
        rest = None if whole is None or part is None or part == 0 else whole // part
        shape = [rest if isinstance(v, int) and v == -1 else v for v in shape]
    _regroup(walk, node, name, source, shape)


def _whole(value: Any) -> bool:
    """An integer: Python's or numpy's (not a bool), or a symbolic length."""
    if isinstance(value, sympy.Basic):
        return value.is_integer is not False
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def transpose(walk: Walk, node: Any, name: str) -> None:
    """Transpose: the dimensions permuted (a row of its own, pointwise)."""
    source = walk.feature(node)
    perm = walk.attributes(node).get("perm")
    if perm is None:
        perm = list(reversed(range(source.rank)))
    elif sorted(perm) != list(range(source.rank)):
        raise attribute_error(walk, node, "perm", f"a permutation of 0..{source.rank - 1} "
                              f"(one entry per dimension of its rank-{source.rank} input)",
                              quoted(list(perm)))
    walk.emit(node, name, source, Identity(), source.permuted(perm).dims)


def squeeze(walk: Walk, node: Any, name: str) -> None:
    """Squeeze / Unsqueeze: length-1 dimensions removed or inserted."""
    source = walk.feature(node)
    axes = walk.integers(node, 1, "axes") if len(node.input) > 1 else None
    axes = walk.attributes(node).get("axes") if axes is None else axes
    if node.op_type == "Unsqueeze":
        if not axes:
            raise walk.error(node, "input 'axes': expected the dimensions to insert, found none")
        rank = source.rank + len(axes)
        moved = source.unsqueezed(walk.dims(node, axes, rank, "axes"))
    else:
        drop = (walk.dims(node, axes, source.rank, "axes") if axes
                else [j for j, size in enumerate(source.shape()) if size == 1])
        moved = source.squeezed(drop)
    walk.emit(node, name, source, Identity(), moved.dims)


def along(walk: Walk, node: Any, name: str) -> None:
    """Gather, Slice, Split, Tile, Expand on batch/channel dimensions: pointwise."""
    source = walk.feature(node)
    attributes = walk.attributes(node)
    shape = walk.shape(node.output[0])
    touched = _touched(walk, node, source, attributes)
    for j in touched:
        if source.axes_in(j):
            raise walk.error(node, f"selects or repeats positions along dimension {j}, which "
                             "holds a spatial axis; symrf follows whole feature maps only "
                             "(crop with Pad's negative pads, or analyse up to the node "
                             "before it with upto=...)")
    dims = list(source.dims)
    if shape is not None and len(shape) > len(dims):
        dims = [()] * (len(shape) - len(dims)) + dims
    for j in touched:
        if j < len(dims) and shape is not None and j < len(shape):
            dims[j] = (Atom(None, shape[j]),)
    if node.op_type == "Gather" and shape is not None and len(shape) != source.rank:
        axis = next(iter(touched))
        dims = [*dims[:axis], *[(Atom(None, s),) for s in shape[axis:len(shape) - source.rank
                                                                 + axis + 1]],
                *dims[axis + 1:]][: len(shape)]
    out = walk.emit(node, name, source, Identity(), tuple(dims))
    for index, output in enumerate(node.output[1:], start=1):  # Split's other parts
        part = f"{name}:{index}"
        walk.used.add(part)
        walk.emit(node, part, out, Identity(), tuple(dims), output=index)
        del output


def _touched(walk: Walk, node: Any, source: Map, attributes: dict) -> set[int]:
    rank = source.rank
    if node.op_type in ("Gather", "Split"):
        return set(walk.dims(node, [attributes.get("axis", 0)], rank, "axis"))
    if node.op_type == "Slice":
        if walk.opset < 10:
            axes, starts = attributes.get("axes"), attributes.get("starts")
        else:
            axes, starts = walk.integers(node, 3, "axes"), walk.integers(node, 1, "starts")
        if starts is None:
            raise walk.error(node, "input 'starts': expected a constant, found none")
        axes = list(range(len(starts))) if axes is None else axes
        return set(walk.dims(node, axes, rank, "axes"))
    shape = walk.shape(node.output[0])
    if shape is None:
        raise walk.error(node, "has an output of unknown shape")
    offset = len(shape) - rank
    return {j for j in range(rank) if source.shape()[j] != shape[j + offset]}


def shape_of(walk: Walk, node: Any, name: str) -> None:
    """Shape / Size of a feature map: a constant (symbolic lengths kept as symbols)."""
    source = walk.feature(node)
    inferred = walk.shape(node.input[0]) or [None] * source.rank
    sizes = [size if isinstance(size, int) else own for size, own in zip(inferred, source.shape(),
                                                                         strict=True)]
    attributes = walk.attributes(node)
    if node.op_type == "Size":
        walk.values[node.output[0]] = np.array(_product(sizes), dtype=object)
        return
    sizes = sizes[attributes.get("start", 0): attributes.get("end", len(sizes))]
    kind = object if any(not isinstance(s, int) for s in sizes) else np.int64
    walk.values[node.output[0]] = np.array(sizes, dtype=kind)
    del name


def tensor_ops() -> dict[str, Any]:
    """Op type -> handler for the ops of this module."""
    table: dict[str, Any] = defaultdict(lambda: None)
    table.update({op: unary for op in UNARY})
    table.update({op: elementwise for op in ELEMENTWISE})
    norms = {"InstanceNormalization": _instance_dims, "GroupNormalization": _instance_dims,
             "MeanVarianceNormalization": _instance_dims, "LayerNormalization": _layer_norm_dims,
             "Softmax": _softmax_dims, "LogSoftmax": _softmax_dims, "Hardmax": _softmax_dims}
    table.update({op: statistics(dims) for op, dims in norms.items()})
    reductions = [
        "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin"
    ]
    table.update({op: reduce for op in reductions})
    table.update({"MatMul": matmul, "Gemm": matmul, "Concat": concat, "Flatten": flatten,
                  "Reshape": reshape, "Transpose": transpose, "Squeeze": squeeze,
                  "Unsqueeze": squeeze, "Gather": along, "Slice": along, "Split": along,
                  "Tile": along, "Expand": along, "Shape": shape_of, "Size": shape_of})
    return dict(table)
