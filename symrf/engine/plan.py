"""The compiled numeric plan: a concrete chain or graph as flat integer tuples, one loop.

A chain whose every top-level layer has an exact interval map with whole-number figures
(convolutions, pools, pointwise layers, repeats of them, branches that add or concatenate)
is compiled once per network into one tuple per layer, ``(scale, lo, width, narrow, spread,
size map)``. Evaluating it is the textbook recurrence on plain ints, the same associative
law as :meth:`symrf.maths.algebra.IntervalMap.then`: ``lo += jump * lo_l``, ``width += jump *
width_l``, ``jump *= scale_l``. Rows are read from the resulting lists when asked for; their
:class:`~symrf.engine.field.Field` objects are built only when ``row.axes`` is read.

A :class:`~symrf.layers.graph.Graph` of such layers and of add/concat merges compiles the
same way (:class:`GraphPlan`): each node is composed onto the figures of the row it reads, as
:meth:`Graph.steps <symrf.layers.graph.Graph.steps>` composes it, and a merge takes the union
of its inputs' rows.

Networks outside that class (resampling, whose fields depend on position; a layer that fails
to build) return ``None`` from :func:`compiled`, and :func:`symrf.engine.numeric.evaluate` takes the
general exact path, which stays the reference: a property test checks the two agree on
random networks and graphs (``tests/test_plan.py``).

>>> from symrf.layers.compose import Sequential
>>> from symrf.layers.window import Conv
>>> net = Sequential(Conv(kernel=3, padding=1), Conv(kernel=3, stride=2))
>>> report = compiled(net).report([None], size_known=False)
>>> [(row.rf, row.jump, row.left) for row in report.layers]
[(3, 1, -1), (5, 2, -1)]
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Sequence
from fractions import Fraction
from itertools import islice
from typing import Any

from symrf.engine.plan_rows import Fold, PlanRows
from symrf.engine.report import Report, row_labels
from symrf.errors import SymrfError, located
from symrf.layers.base import Geometry, Layer
from symrf.layers.compose import Sequential, check_size
from symrf.layers.context import Context
from symrf.layers.graph import INPUT, Graph, Node
from symrf.layers.parallel import Parallel, merge_geometries
from symrf.layers.repeat import Repeat
from symrf.maths.algebra import SAME_SIZE, IntervalMap, SizeMap
from symrf.maths.scalars import Scalar, divide, exact

Entry = Any
"""One compiled layer: a tuple ``(scale, lo, width, narrow, spread, sizes)``, or a layer (a
``_Sized``) built at the length it receives (TF ``SAME`` and adaptive pools, whose maps
depend on it; blocks, whose inner feature maps must be checked at it)."""

MEMO = 4096
"""Most input lengths kept per length-dependent layer (the cache starts over beyond)."""

_PLANS: dict[int, Plan | None] = {}
"""Compiled plans by ``id`` of their network, dropped when the network is collected."""


class _Unsupported(Exception):
    """The network is outside the plan's class: the general path evaluates it."""


class _Failed(Exception):
    """Row ``index`` fails (its feature map vanishes, or a block does not build there)."""

    def __init__(self, index: int, error: SymrfError) -> None:
        super().__init__(index, error)
        self.index, self.error = index, error


def compiled(net: Layer) -> Plan | None:
    """The plan of a concrete network, compiled once and kept while ``net`` lives.

    ``None`` when the network is not a chain (or graph) of layers with exact whole-number
    maps.

    >>> from symrf.layers.window import Conv
    >>> net = Sequential(Conv(kernel=3))
    >>> compiled(net) is compiled(net)
    True
    """
    if not isinstance(net, Sequential | Graph):
        return None
    key = id(net)
    if key in _PLANS:
        return _PLANS[key]
    plan = GraphPlan.of(net) if isinstance(net, Graph) else Plan.of(net)
    _PLANS[key] = plan
    weakref.finalize(net, _PLANS.pop, key, None)
    return plan


Part = tuple[tuple[Entry, Entry], ...]
"""One top-level layer compiled, per axis: its entry for an unknown and for a known length."""


class Plan:
    """One compiled chain per axis, and the rows' names.

    Args:
        layers: The network's top-level layers (for the rows' names).
        name: The network's name.
        parts: Per top-level layer, its :func:`part`.
        per_axis: Whether figures are tuples, one entry per axis.
    """

    def __init__(self, layers: tuple[Layer, ...], name: str, parts: Sequence[Part],
                 per_axis: bool) -> None:
        # The layers and name, not the network: a plan kept for a network must not keep it
        # alive (and a report outlives both).
        self.layers, self.name, self.per_axis = layers, name, per_axis
        count = len(parts[0])
        self.axes = [[part[axis][0] for part in parts] for axis in range(count)]
        """Per axis, the entries for an unknown input length."""
        self.sized = [[part[axis][1] for part in parts] for axis in range(count)]
        """Per axis, the entries for a known input length: blocks are rebuilt at it."""
        self.output = len(parts) - 1
        """Index of the row that is the network's output."""
        self.context: tuple[str, ...] = ()
        """Layers whose global context the figures leave out (a graph's ``context``)."""
        self._labels: list[tuple[str, str]] | None = None

    @classmethod
    def of(cls, net: Layer) -> Plan | None:
        """Compile ``net``, or ``None`` when it is outside the plan's class."""
        if not isinstance(net, Sequential) or not net.layers:
            return None
        try:
            count = net.axes()
            parts = [part(layer, count) for layer in net.layers]
        except (_Unsupported, SymrfError):
            return None
        return cls(net.layers, net.name or "network", parts, count > 1)

    @property
    def labels(self) -> list[tuple[str, str]]:
        """``(name, op)`` of every row, computed when first asked for."""
        if self._labels is None:
            self._labels = row_labels(self.layers)
        return self._labels

    def report(self, sizes: Sequence[Scalar | None], size_known: bool) -> Report | None:
        """Every row's figures for the input lengths ``sizes`` (one per axis, or one for all).

        ``None`` when a length-dependent layer leaves the plan's class at these lengths: the
        general path then evaluates it.

        Raises:
            SymrfError: A feature map vanishes, or a block does not build at its length;
                located at the row, worded as the general path words it.
        """
        if len(sizes) == 1 and len(self.axes) > 1:
            sizes = list(sizes) * len(self.axes)
        try:
            folds = [self.fold(entries if size is None else sized, size) for entries, sized,
                     size in zip(self.axes, self.sized, sizes, strict=True)]
        except _Unsupported:
            return None
        except _Failed as failed:
            raise located(failed.error, self.where(failed.index)) from None
        return Report(self.name, PlanRows(self, folds), self.per_axis, size_known,
                      self.context)

    def fold(self, entries: list[Entry], size: Scalar | None) -> Fold:
        """One axis folded: every row's figures for the input length ``size``."""
        return _fold(entries, size)

    def where(self, index: int) -> str:
        """Row ``index``'s place in error messages, as the general path words it."""
        return f"layers[{index}] ({self.layers[index].row_name(index)})"


class GraphPlan(Plan):
    """A concrete :class:`~symrf.layers.graph.Graph` compiled: per node, its entry and sources.

    ``sources[i]`` holds the rows node ``i`` reads, each as its row number plus one (0 is
    the graph input): one for a node that applies a layer, several for a merge, which has no
    entry (``None``).

    Args:
        graph: The graph (its nodes are kept, the graph is not).
        parts: Per node, its :func:`part` (``None`` for a merge).
        count: The number of axes.
    """

    def __init__(self, graph: Graph, parts: Sequence[Part | None], count: int) -> None:
        blank: Part = ((None, None),) * count
        super().__init__((), graph.name or "network", [blank if part is None else part
                                                        for part in parts], count > 1)
        self.nodes: tuple[Node, ...] = graph.nodes
        rows = {INPUT: 0, **{node.name: i + 1 for i, node in enumerate(graph.nodes)}}
        self.sources = [tuple(rows[name] for name in node.inputs) for node in graph.nodes]
        self.output = rows[graph.output] - 1
        self.context = graph.context

    @classmethod
    def of(cls, net: Layer) -> GraphPlan | None:
        """Compile the graph ``net``, or ``None`` when a node is outside the plan's class."""
        if not isinstance(net, Graph):
            return None
        try:
            count = net.axes()
            parts = [None if node.layer is None else part(node.layer, count)
                     for node in net.nodes]
        except (_Unsupported, SymrfError):
            return None
        return cls(net, parts, count)

    @property
    def labels(self) -> list[tuple[str, str]]:
        """``(name, op)`` of every node."""
        if self._labels is None:
            self._labels = [(node.name, node.op) for node in self.nodes]
        return self._labels

    def fold(self, entries: list[Entry], size: Scalar | None) -> Fold:
        """One axis folded: every node's figures for the input length ``size``."""
        return _fold_graph(entries, self.sources, size, self.nodes)

    def where(self, index: int) -> str:
        """Node ``index``'s place in error messages, as :meth:`Graph.steps` words it."""
        return f"node {self.nodes[index].name!r}"


def part(layer: Layer, axes: int) -> Part:
    """``layer`` compiled on each of ``axes`` axes.

    Raises:
        SymrfError: The layer is outside the plan's class (resampling, symbolic, a graph).
    """
    try:
        return tuple(_entry(layer.axis(i) if axes > 1 else layer) for i in range(axes))
    except _Unsupported:
        raise SymrfError(f"{layer.label()} has no compiled form") from None


def _entry(layer: Layer) -> tuple[Entry, Entry]:
    """The compiled layer, and what to fold for a known input length."""
    if layer.size_dependent:
        sized = _Sized(layer)
        return sized, sized
    # A block's inner feature maps can vanish although its composed length does not: with
    # a known input length it is built at that length, which checks each of them.
    block = isinstance(layer, Sequential | Repeat | Parallel | Graph | Context)
    entry = _compiled_geometry(layer, None)
    return entry, _Sized(layer) if block else entry


class _Sized:
    """A layer built at the input length it receives, each length once (kept per length)."""

    __slots__ = ("built", "layer")

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.built: dict[Scalar | None, tuple[Any, ...] | Exception] = {}

    def at(self, length: Scalar | None) -> tuple[Any, ...]:
        """The compiled geometry at ``length``; raises what building it there raises."""
        found = self.built.get(length)  # read once: another thread may clear the cache
        if found is None:
            if len(self.built) >= MEMO:
                self.built.clear()
            try:
                found = _compiled_geometry(self.layer, length)
            except (SymrfError, _Unsupported) as error:
                found = error
            self.built[length] = found
        if isinstance(found, Exception):  # a fresh copy: re-raising one object grows its trace
            raise copy.copy(found).with_traceback(None)
        return found


def _compiled_geometry(layer: Layer, size: Scalar | None) -> tuple[Any, ...]:
    geometry = layer.geometry(size)
    span, sizes = geometry.map, geometry.sizes
    figures = (span.scale, span.lo, span.width, span.narrow)
    if not span.exact or not all(type(value) is int for value in figures):
        raise _Unsupported
    if type(span.spread) is not int and not isinstance(span.spread, Fraction):
        raise _Unsupported
    if (isinstance(sizes, SizeMap) and type(sizes.divisor) is int
            and type(sizes.offset) is int and type(sizes.bias) is int):
        return (*figures, span.spread, (sizes.divisor, sizes.offset, sizes.bias))
    return (*figures, span.spread, sizes)


def _fold(entries: list[Entry], size: Scalar | None) -> Fold:
    """The recurrence over ``entries``: the hot loop of numeric evaluation."""
    jump: Any = 1
    lo: Any = 0
    width: Any = 0
    narrower: Any = 0
    spread: Any = 0
    length: Any = size
    rfs: list[int] = []
    jumps: list[int] = []
    lefts: list[int] = []
    events: list[tuple[int, int, Scalar]] = []
    lengths: list[int] = []
    for entry in entries:
        if type(entry) is not tuple:  # a length-dependent layer: built for this length
            entry = _at(entry, length, len(rfs))
        scale, step_lo, step_width, step_narrow, step_spread, sizes = entry
        lo += jump * step_lo
        width += jump * step_width
        if step_narrow != step_width or step_spread:  # a merge of branches
            narrower += jump * (step_width - step_narrow)
            spread = max(spread, jump * step_spread)
            events.append((len(rfs), narrower, spread))
        jump *= scale
        rfs.append(width + 1)
        jumps.append(jump)
        lefts.append(lo)
        if length is not None:
            length = _after(length, sizes, len(rfs) - 1)
            lengths.append(length)
    return Fold(rfs, jumps, lefts, events, lengths if size is not None else None)


def _at(entry: _Sized, length: Scalar | None, index: int) -> tuple[Any, ...]:
    """Row ``index``'s length-dependent entry built for ``length``; :class:`_Failed` if not."""
    try:
        return entry.at(length)
    except SymrfError as error:
        raise _Failed(index, error) from None


def _after(length: Any, sizes: Any, index: int) -> Any:
    """The length after row ``index`` (its size map ``sizes``); :class:`_Failed` if it vanishes."""
    if type(sizes) is tuple:
        length = (length + sizes[1]) // sizes[0] + sizes[2]
    else:
        length = exact(sizes(length))
    if length < 1:
        try:
            check_size(length)
        except SymrfError as error:
            raise _Failed(index, error) from None
    return length


def _fold_graph(entries: list[Entry], sources: list[tuple[int, ...]], size: Scalar | None,
                nodes: tuple[Node, ...]) -> Fold:
    """The recurrence over a graph's nodes: each composed onto the row it reads.

    Lists hold the graph input at 0 and node ``i`` at ``i + 1``. A merge takes the union of
    its inputs' rows, as :func:`symrf.maths.algebra.union` does: the least left end, the greatest
    right end, the narrowest path, and the spread of the centres.
    """
    jumps: list[Any] = [1]
    los: list[Any] = [0]
    widths: list[Any] = [0]
    narrows: list[Any] = [0]
    spreads: list[Any] = [0]
    lengths: list[Any] = [size]
    events: list[tuple[int, int, Scalar]] = []
    narrower: Any = 0
    spread: Any = 0
    for index, (entry, rows) in enumerate(zip(entries, sources, strict=True)):
        jump, length = jumps[rows[0]], lengths[rows[0]]
        if entry is not None:  # a layer applied to one row
            (row,) = rows
            if type(entry) is not tuple:  # a length-dependent layer: built for this length
                entry = _at(entry, length, index)
            scale, step_lo, step_width, step_narrow, step_spread, sizes = entry
            lo = los[row] + jump * step_lo
            width = widths[row] + jump * step_width
            narrow = narrows[row] + jump * step_narrow
            node_spread = spreads[row]
            if step_spread:
                node_spread = max(node_spread, jump * step_spread)
            jump *= scale
            if length is not None:
                length = _after(length, sizes, index)
        else:  # a merge of several rows
            if any(jumps[row] != jump for row in rows):
                raise _Unsupported  # no period: the exact engine unites the inputs unit by unit
            if any(lengths[row] != length for row in rows):
                raise _Failed(index, _merge_error(nodes[index], rows, jumps, los, widths,
                                                  lengths, size))
            lo = min([los[row] for row in rows])
            width = max([los[row] + widths[row] for row in rows]) - lo
            narrow = min([narrows[row] for row in rows])
            doubled = [2 * los[row] + widths[row] for row in rows]  # centres, doubled
            node_spread = max(max([spreads[row] for row in rows]),
                              divide(max(doubled) - min(doubled), 2))
        jumps.append(jump)
        los.append(lo)
        widths.append(width)
        narrows.append(narrow)
        spreads.append(node_spread)
        lengths.append(length)
        if width - narrow != narrower or node_spread != spread:
            narrower, spread = width - narrow, node_spread
            events.append((index, narrower, spread))
    del jumps[0], los[0], lengths[0]
    rfs = [width + 1 for width in islice(widths, 1, None)]
    return Fold(rfs, jumps, los, events, lengths if size is not None else None)


def _merge_error(node: Node, rows: tuple[int, ...], jumps: list[Any], los: list[Any],
                 widths: list[Any], lengths: list[Any], size: Scalar | None) -> SymrfError:
    """The error :func:`merge_geometries` raises for a merge whose inputs disagree."""
    geometries = [Geometry(IntervalMap(jumps[row], los[row], widths[row]),
                           SAME_SIZE if size is None else SizeMap(1, 0, lengths[row] - size))
                  for row in rows]
    try:
        merge_geometries(geometries, [f"input {name!r}" for name in node.inputs], size)
    except SymrfError as error:
        return error
    raise AssertionError(f"the inputs of node {node.name!r} merge, yet the plan refused them")
