"""Folding the size subgraphs exporters emit (``Shape -> Gather -> Unsqueeze -> Concat``).

These nodes compute shapes, not feature maps. Their values are numpy arrays; a length that
is symbolic (a ``dim_param``) is a sympy symbol in an object array, so ``Shape``, ``Gather``,
``Concat``, ``Unsqueeze``, ``Squeeze``, ``Slice``, ``Cast`` and integer arithmetic carry it
through. Any other node whose inputs are all numbers runs on ONNX's reference evaluator.

>>> import numpy as np
>>> FOLD["Gather"](np.array([1, 3, 224, 224]), np.array([2, 3]), axis=0)
array([224, 224])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from symrf.errors import NetworkError
from symrf.sources.importers.onnx_dims import as_expr
from symrf.sources.importers.onnx_walk import Unread
from symrf.sources.importers.onnx_wire import shape_only

_MAX_ELEMENTS = 10**7
"""Largest constant folded (the size subgraphs are tiny; weights are never folded)."""


def _gather(data: Any, indices: Any, axis: int = 0) -> Any:
    return np.asarray(np.take(data, np.asarray(indices, dtype=np.int64), axis=axis))


def _unsqueeze(data: Any, axes: Any = None) -> Any:
    result = np.asarray(data)
    for axis in sorted(int(a) + (result.ndim + len(axes) if a < 0 else 0) for a in axes):
        result = np.expand_dims(result, axis)
    return result


def _squeeze(data: Any, axes: Any = None) -> Any:
    data = np.asarray(data)
    if axes is None:
        return np.squeeze(data)
    return np.squeeze(data, axis=tuple(int(a) for a in axes))


def _concat(*arrays: Any, axis: int = 0) -> Any:
    return np.concatenate([np.atleast_1d(np.asarray(a)) for a in arrays], axis=axis)


def _slice(data: Any, starts: Any, ends: Any, axes: Any = None, steps: Any = None) -> Any:
    data = np.asarray(data)
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        index[int(axis)] = slice(int(start), int(end), int(step))
    return data[tuple(index)]


def _divide(a: Any, b: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    if (a.dtype.kind in "iu" and b.dtype.kind in "iu") or a.dtype == object or b.dtype == object:
        return np.vectorize(_int_divide, otypes=[object])(a, b)
    return a / b


def _int_divide(a: Any, b: Any) -> Any:
    if isinstance(a, sympy.Basic) or isinstance(b, sympy.Basic):
        return sympy.floor(as_expr(a) / as_expr(b))
    return int(np.trunc(int(a) / int(b))) if int(a) * int(b) < 0 else int(a) // int(b)


def _cast(data: Any, to: int = 0, saturate: int = 1, round_mode: str = "") -> Any:
    data = np.asarray(data)
    if data.dtype == object:
        return data
    from onnx import helper

    return data.astype(helper.tensor_dtype_to_np_dtype(to))


FOLD: dict[str, Callable[..., Any]] = {
    "Gather": _gather,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": _concat,
    "Slice": _slice,
    "Cast": _cast,
    "Identity": lambda data: data,
    "Add": lambda a, b: np.asarray(a) + np.asarray(b),
    "Sub": lambda a, b: np.asarray(a) - np.asarray(b),
    "Mul": lambda a, b: np.asarray(a) * np.asarray(b),
    "Div": _divide,
}
"""Folds that carry symbolic lengths; inputs given positionally, attributes by name."""

_AS_INPUTS = {"Unsqueeze": ("axes",), "Squeeze": ("axes",),
              "Slice": ("starts", "ends", "axes", "steps")}
"""Attributes that older opsets give and newer ones pass as inputs (same order)."""


def fold(walk: Any, node: Any) -> list[Any]:
    """The node's outputs computed from its constant inputs.

    Raises:
        NetworkError: The node cannot be computed (an unknown length, or an op ONNX's
            reference evaluator does not run).
    """
    values = [walk.value(name) for name in node.input]
    weight = next((v for v in values if isinstance(v, Unread)), None)
    if weight is not None or any(shape_only(a.t) for a in node.attribute if a.HasField("t")):
        tensor = weight.tensor if weight is not None else node.output[0] if node.output else ""
        return [Unread(tensor) for _ in node.output]  # a weight, transposed or cast: unused
    attributes = walk.attributes(node)
    for value in values:
        if value is not None and np.asarray(value).size > _MAX_ELEMENTS:
            raise walk.error(node, "folds a constant too large for a size computation")
    symbolic = any(v is not None and np.asarray(v).dtype == object for v in values)
    try:
        if node.op_type in FOLD:
            moved = [attributes.pop(key) for key in _AS_INPUTS.get(node.op_type, ())
                     if key in attributes]
            return [FOLD[node.op_type](*values, *moved, **attributes)]
        if symbolic:
            raise walk.error(node, "computes with an input length that is not known; give "
                             "the input size (input_size=...)")
        return _reference(node, values)
    except NetworkError:
        raise
    except Exception as error:  # numpy/onnx failures on malformed or unsupported constants
        raise walk.error(node, f"cannot fold this constant computation ({type(error).__name__}"
                         f": {str(error)[:120]})") from None


def _reference(node: Any, values: list[Any]) -> list[Any]:
    from onnx.reference import ReferenceEvaluator

    evaluator = ReferenceEvaluator(node)
    feeds = {name: value for name, value in zip(node.input, values, strict=True) if name}
    return list(evaluator.run(None, feeds))
