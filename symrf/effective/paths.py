"""Exact path counts: the gradient of one output unit in the linearised network.

Every tap of every layer weighs 1 (max pooling counts as sum pooling, activations as the
identity), so the gradient of an output unit with respect to an input pixel is the number
of weight paths joining them. It is computed by one backward pass of that linear map on
integer arrays: the unit starts as a one-hot array, and each layer hands every entry to the
input positions it reads, through the flattened graph (:func:`~symrf.layers.graph.as_graph`)
from the output to the input. Merges (add, concat) pass the whole array to each input, so
the branches' paths add up.

- Sliding windows (conv, pooling) spread an array by its stride and sum ``k`` dilated taps
  with running sums: linear in the field's size, whatever the kernel.
- Every other layer (transposed convolutions, upsampling, whole-input layers) hands each
  entry to the units its :meth:`~symrf.layers.base.Layer.reads` returns, exactly as the
  engine reads them; the resampling phases then need no special case.
- With a known input size, every feature map is finite: positions in its padding carry no
  paths, and are dropped after each layer (only in-input pixels count).

Arrays are numpy ``int64`` while an upper bound of their total (the product of tap counts
along the paths, summed over branches) stays below ``2**62``; beyond, they switch to
Python integers (``dtype=object``), so the counts are always exact.

>>> from symrf.layers.compose import Sequential
>>> from symrf.layers.window import Conv
>>> found = counts(Sequential(Conv(kernel=3), Conv(kernel=3)), [None], [0])
>>> found.values.tolist(), found.origin
([1, 2, 3, 2, 1], (0,))
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symrf.errors import NetworkError, TooLargeError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import INPUT, Graph, as_graph
from symrf.layers.parallel import Parallel
from symrf.layers.pointwise import Identity
from symrf.layers.repeat import Repeat
from symrf.layers.window import Window
from symrf.limits import MAX_ERF_CELLS, MAX_ERF_WORK, MAX_READS

SAFE = 1 << 62
"""Totals below this bound stay in ``int64``; larger ones use Python integers."""


@dataclass(frozen=True)
class Counts:
    """Path counts on a box of pixels: ``values[i, j, ...]`` is at ``origin + (i, j, ...)``.

    ``bound`` is an upper bound of ``values.sum()`` (so of every entry), which chooses
    between ``int64`` and Python integers.
    """

    values: Any
    origin: tuple[int, ...]
    bound: int

    def marginal(self, axis: int) -> list[int]:
        """The counts summed over every other axis, as Python integers.

        >>> Counts(np.array([[1, 2], [3, 4]]), (0, 0), 10).marginal(1)
        [4, 6]
        """
        other = tuple(a for a in range(self.values.ndim) if a != axis)
        summed = self.values.astype(object).sum(axis=other) if other else self.values
        return [int(v) for v in summed]


def counts(net: Layer, sizes: Sequence[int | None], units: Sequence[int]) -> Counts:
    """Path counts from output unit ``units`` (one index per axis) back to the input.

    Args:
        net: A network with numeric parameters.
        sizes: The input length on each axis (``None``: an unbounded signal, no clipping).
        units: The output unit, one index per axis.

    Returns:
        The counts on the input pixels; an empty array when the unit reads nothing.

    >>> from symrf.layers.resample import ConvTranspose
    >>> counts(ConvTranspose(kernel=4, stride=2), [None], [2]).values.tolist()
    [1, 1]
    """
    dims = len(units)
    flat = net if isinstance(net, Graph) and _flat(net) else as_graph(net)
    per_axis = [flat] * dims if flat.axes() == 1 else [flat.axis(a) for a in range(dims)]
    lengths = [_lengths(graph, size) for graph, size in zip(per_axis, sizes, strict=True)]
    for a, unit in enumerate(units):
        last = lengths[a].get(flat.output)
        if unit < 0 or (last is not None and unit >= last):
            shown = f"between 0 and {last - 1}" if last is not None else "of at least 0"
            raise NetworkError(
                f"output unit {unit} on axis {a} is outside the output (length "
                f"{'unbounded' if last is None else last}); give a unit {shown}."
            )
    layers = [{n.name: n.layer for n in graph.nodes} for graph in per_axis]
    plan(flat, layers, lengths, units)  # refuses before any count is computed
    start = np.ones((1,) * dims, dtype=np.int64)
    pending: dict[str, Counts] = {flat.output: Counts(start, tuple(units), 1)}
    work = [0]  # 64-bit words written so far
    for node in reversed(flat.nodes):
        found = pending.pop(node.name, None)
        if found is None:
            continue
        if node.layer is None:  # a merge: every input carries all of the paths
            for source in node.inputs:
                _add(pending, source, found)
            continue
        (source,) = node.inputs
        for a in range(dims):
            layer = layers[a][node.name]
            assert layer is not None  # the same node on every axis: a layer
            found = _back(layer, found, a, lengths[a][source], work)
            found = _clip(found, a, lengths[a][source])
        _add(pending, source, found)
    return pending.get(INPUT, Counts(np.zeros((0,) * dims, dtype=np.int64), (0,) * dims, 0))


@dataclass(frozen=True)
class Box:
    """Where counts will lie, without them: first position and length per axis, total bound."""

    origin: tuple[int, ...]
    shape: tuple[int, ...]
    bound: int


def plan(flat: Graph, layers: list[dict[str, Any]], lengths: list[dict[str, Any]],
         units: Sequence[int]) -> int:
    """The words the backward pass of :func:`counts` will write, or a refusal before it starts.

    The same walk as :func:`counts` on boxes instead of arrays: each layer's interval map
    (a containing bound for resampling layers) gives the box of positions its input counts
    will cover, and its taps the growth of their bound, so the work is known in time linear
    in the number of layers. Past :data:`~symrf.limits.MAX_ERF_WORK` words or
    :data:`~symrf.limits.MAX_ERF_CELLS` entries in one array, it raises at the layer where
    the budget runs out.

    >>> from symrf.layers.compose import Sequential
    >>> from symrf.layers.window import Conv
    >>> flat = as_graph(Sequential(Conv(kernel=3), Conv(kernel=3)))
    >>> plan(flat, [{n.name: n.layer for n in flat.nodes}], [_lengths(flat, None)], [0])
    8
    """
    pending = {flat.output: Box(tuple(units), (1,) * len(units), 1)}
    work = [0]
    for node in reversed(flat.nodes):
        box = pending.pop(node.name, None)
        if box is None:
            continue
        if node.layer is None:
            for source in node.inputs:
                pending[source] = _union(pending.get(source), box)
            continue
        (source,) = node.inputs
        for a in range(len(units)):
            box = _through(layers[a][node.name], box, a, lengths[a][source], work)
        if math.prod(box.shape):
            pending[source] = _union(pending.get(source), box)
    return work[0]


def plan_chain(net: Layer, unit: int, axis: int = 0) -> int | None:
    """:func:`plan` for the counts along ``axis`` of a chain, its leaves taken lazily.

    A chain of ``10**5`` numeric repetitions is walked from its output, one repetition at a
    time, without flattening it first: past the budget it is refused after the few thousand
    layers that exhaust it. ``None`` when ``net`` is not a chain (branches, symbolic
    repeats): :func:`plan` then checks the flattened graph. For an unbounded input (the
    lengths are not followed).

    >>> from symrf.layers.repeat import Repeat
    >>> from symrf.layers.window import Conv
    >>> plan_chain(Repeat(Conv(kernel=3), times=2), 0)
    8
    """
    work = [0]
    box = Box((unit,), (1,), 1)
    try:
        for leaf in _backwards(net):
            box = _through(leaf.axis(axis) if leaf.axes() > 1 else leaf, box, 0, None, work)
    except _Branching:
        return None
    return work[0]


class _Branching(Exception):
    """The network is not a chain of numeric layers."""


def _backwards(layer: Layer) -> Iterator[Layer]:
    """The leaves of a chain from the output to the input, repetitions unrolled lazily."""
    if isinstance(layer, Sequential):
        for inner in reversed(layer.layers):
            yield from _backwards(inner)
    elif isinstance(layer, Repeat):
        if not isinstance(layer.times, int):
            raise _Branching
        layer.check_unroll("flatten")
        for number in reversed(range(layer.times)):
            yield from _backwards(layer.copy(number))
    elif isinstance(layer, Parallel | Graph):
        raise _Branching
    else:
        yield layer


def _through(layer: Layer, box: Box, a: int, length: int | None, work: list[int]) -> Box:
    """``box`` handed back through ``layer`` along axis ``a``; ``work[0]`` counts the words."""
    local = layer.geometry(length).map
    first = math.floor(local.scale * box.origin[a] + local.lo)
    last = math.ceil(local.scale * (box.origin[a] + box.shape[a] - 1) + local.lo + local.width)
    taps = layer.kernel if isinstance(layer, Window) else math.floor(local.width) + 1
    shape = (*box.shape[:a], last - first + 1, *box.shape[a + 1:])
    entries = math.prod(shape)
    bound = box.bound * max(int(taps), 1)
    work[0] += entries * max(1, bound.bit_length() // 62)
    if entries > MAX_ERF_CELLS:
        raise TooLargeError(_too_wide(layer, entries))
    if work[0] > MAX_ERF_WORK:
        raise TooLargeError(_too_much(layer, entries, bound))
    if length is not None:  # positions in padding are dropped
        first, last = max(first, 0), min(last, length - 1)
        shape = (*box.shape[:a], max(last - first + 1, 0), *box.shape[a + 1:])
    return Box((*box.origin[:a], first, *box.origin[a + 1:]), shape, bound)


def _union(old: Box | None, new: Box) -> Box:
    if old is None:
        return new
    low = tuple(min(a, b) for a, b in zip(old.origin, new.origin, strict=True))
    high = tuple(max(a + n, b + m) for a, n, b, m in zip(
        old.origin, old.shape, new.origin, new.shape, strict=True))
    return Box(low, tuple(h - lo for h, lo in zip(high, low, strict=True)), old.bound + new.bound)


def _too_much(layer: Layer, entries: int, bound: int) -> str:
    return (f"the exact path counts need more than {MAX_ERF_WORK} words of work (at "
            f"{layer.label()}: {entries} counts of up to {bound.bit_length()} bits); use "
            "symrf.erf(..., exact_counts=False) for the closed-form moments, or fewer layers.")


def _too_wide(layer: Layer, entries: int) -> str:
    return (f"the path counts at {layer.label()} would cover about {entries} pixels (at most "
            f"{MAX_ERF_CELLS}); use symrf.erf(..., exact_counts=False) for the closed-form "
            "moments, or a smaller network or input.")


def _flat(net: Graph) -> bool:
    """Whether ``net`` is already a graph of leaf layers (:func:`as_graph`'s result)."""
    return all(
        node.layer is None or not isinstance(node.layer, Graph | Sequential | Parallel | Repeat)
        for node in net.nodes)


def _lengths(graph: Graph, size: int | None) -> dict[str, Any]:
    if size is None:
        return {INPUT: None, **{node.name: None for node in graph.nodes}}
    return {INPUT: size, **{str(step.layer): int(step.size) for step in graph.steps(size)
                            if step.size is not None}}


def _add(pending: dict[str, Counts], name: str, found: Counts) -> None:
    """Add ``found`` into ``pending[name]``, on the union of their boxes."""
    if found.values.size == 0:
        return
    if name not in pending:
        pending[name] = found
        return
    old = pending[name]
    low = tuple(min(a, b) for a, b in zip(old.origin, found.origin, strict=True))
    high = tuple(max(a + n, b + m) for a, n, b, m in zip(
        old.origin, old.values.shape, found.origin, found.values.shape, strict=True))
    bound = old.bound + found.bound
    total = np.zeros(tuple(h - lo for h, lo in zip(high, low, strict=True)), dtype=_dtype(bound))
    for part in (old, found):
        box = tuple(slice(o - lo, o - lo + n)
                    for o, lo, n in zip(part.origin, low, part.values.shape, strict=True))
        total[box] += part.values
    pending[name] = Counts(total, low, bound)


def _dtype(bound: int) -> Any:
    return np.int64 if bound < SAFE else object


def _clip(found: Counts, axis: int, length: int | None) -> Counts:
    """Drop the positions outside ``0 .. length-1`` on ``axis`` (padding reads no input)."""
    if length is None:
        return found
    start = found.origin[axis]
    low, high = max(0, -start), min(found.values.shape[axis], length - start)
    if low == 0 and high == found.values.shape[axis]:
        return found
    high = max(high, low)
    kept = np.take(found.values, np.arange(low, high), axis=axis)
    origin = list(found.origin)
    origin[axis] = start + low
    return Counts(kept, tuple(origin), found.bound)


def _back(layer: Layer, found: Counts, axis: int, length: int | None,
          work: list[int]) -> Counts:
    """``found`` on the layer's output, handed back to its input along ``axis``.

    ``work[0]`` counts the 64-bit words written so far (:data:`~symrf.limits.MAX_ERF_WORK`).
    """
    if found.values.size == 0:
        return found
    moved = np.moveaxis(found.values, axis, 0)
    _check_size(layer, moved, length)
    values, start, fan = _backward(layer, moved, found.origin[axis], length)
    bound = found.bound * fan
    if bound >= SAFE and values.dtype != object:
        values = values.astype(object)
    work[0] += values.size * max(1, bound.bit_length() // 62)
    if work[0] > MAX_ERF_WORK:
        raise TooLargeError(_too_much(layer, values.size, bound))
    origin = list(found.origin)
    origin[axis] = start
    return Counts(np.moveaxis(values, 0, axis), tuple(origin), bound)


def _check_size(layer: Layer, values: Any, length: int | None) -> None:
    """Refuse arrays past :data:`~symrf.limits.MAX_ERF_CELLS` or reads past ``MAX_READS``.

    The layer's interval map contains every hull it reads (a bound for resampling layers),
    so it bounds both the new array's length and the units read per output unit.
    """
    local = layer.geometry(length).map
    count, rest = values.shape[0], math.prod(values.shape[1:])
    width = math.floor(local.width) + 2
    entries = (math.floor(local.scale * (count - 1)) + width) * rest
    if entries > MAX_ERF_CELLS or count * width > MAX_READS:
        raise TooLargeError(_too_wide(layer, entries))


@functools.singledispatch
def _backward(layer: Layer, values: Any, start: int, length: int | None) -> tuple[Any, int, int]:
    """Counts on axis 0 handed back through ``layer``: ``(values, first position, fan-in)``.

    The general rule: each output unit hands its count to every unit it reads.
    """
    reads = [sorted(layer.reads({start + i}, length)) for i in range(values.shape[0])]
    flat = [unit for units in reads for unit in units]
    if not flat:
        return values[:0], 0, 0
    low = min(flat)
    sources = np.repeat(np.arange(values.shape[0]), [len(units) for units in reads])
    result = np.zeros((max(flat) - low + 1, *values.shape[1:]), dtype=_widest(values))
    np.add.at(result, np.array(flat) - low, values[sources])
    return result, low, max(len(units) for units in reads)


def _widest(values: Any) -> Any:
    return object if values.dtype == object else np.int64


@_backward.register
def _(layer: Identity, values: Any, start: int, length: int | None) -> tuple[Any, int, int]:
    return values, start, 1


@_backward.register
def _(layer: Window, values: Any, start: int, length: int | None) -> tuple[Any, int, int]:
    k, s, d = int(layer.kernel), int(layer.stride), int(layer.dilation)
    count = values.shape[0]
    span = s * (count - 1) + 1 + d * (k - 1)
    spread = np.zeros((span, *values.shape[1:]), dtype=_widest(values))
    spread[: s * (count - 1) + 1 : s] = values
    return _taps(spread, k, d), s * start - int(layer.left_padding(length)), k


def _taps(values: Any, k: int, d: int) -> Any:
    """``out[j] = sum(values[j - t*d] for t < k)`` on axis 0, with running sums.

    >>> _taps(np.array([1, 0, 0, 0, 0]), 3, 2).tolist()
    [1, 0, 1, 0, 1]
    """
    span = values.shape[0]
    rows = -(-span // d)
    padded = np.zeros((rows * d, *values.shape[1:]), dtype=values.dtype)
    padded[:span] = values
    running = padded.reshape(rows, d, *values.shape[1:]).cumsum(axis=0)
    running = running.reshape(rows * d, *values.shape[1:])[:span]
    out = running.copy()
    out[k * d:] -= running[: span - k * d] if span > k * d else running[:0]
    return out
