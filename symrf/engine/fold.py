"""The general fold: a network's composed maps, layer by layer, turned into a :class:`Report`.

One fold walks a network's top-level layers and turns each composed interval map into a
:class:`~symrf.engine.field.Field`. The numeric and symbolic engines are this fold with two
evaluation orders of the same associative law (:mod:`symrf.maths.algebra`):

- ``eager`` (numeric): one forward scan computes every prefix at once, a few integer
  operations per layer, and checks every feature-map length on the way;
- lazy (symbolic): a row is composed only when it is read, from cached segments of the
  chain combined as a balanced tree. Formulas then nest ``log n`` deep instead of re-sorting
  a growing sum once per layer, so a 200-layer chain derives in a fraction of a second.

Where resampling makes the hulls depend on position, the numeric fold hands the row to the
exact engine (:mod:`symrf.engine.exact`). A network whose parameters are per-axis tuples is
folded once per axis; its figures are then tuples, one entry per axis.

>>> from symrf.layers.window import Conv
>>> from symrf.layers.compose import Sequential
>>> net = Sequential(Conv(kernel=3, padding=1), Conv(kernel=3, stride=2))
>>> report = analyse(net, [None], eager=True)
>>> report.rf, report.jump, report.padding, [row.rf for row in report.layers]
(5, 2, 1, [3, 5])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from symrf.engine.exact import Tables
from symrf.engine.field import Field, Finish, unchanged
from symrf.engine.phases import Plan
from symrf.engine.report import Report, labels, network
from symrf.engine.rows import FieldRow, Row, RowList
from symrf.errors import NetworkError, SymrfError, located
from symrf.layers.base import Geometry, Layer, located_at
from symrf.layers.compose import Sequential, Step, check_size
from symrf.layers.graph import Graph
from symrf.layers.parallel import Fold
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap
from symrf.maths.scalars import Scalar, exact, is_number


class _Chain:
    """One axis of a network: composed prefixes, computed eagerly or on demand.

    On demand, a prefix is composed from aligned power-of-two segments (a segment tree,
    each segment kept once built), so formulas nest ``log n`` deep rather than ``n`` deep:
    sympy's recursive checks then stay shallow, and reading every row costs ``n log n``.
    """

    def __init__(self, chain: Sequential | Graph, size: Scalar | None, eager: bool,
                 fold: Shifting | None = None) -> None:
        self.chain = chain
        self.numeric = eager
        self.layers = chain.layers if isinstance(chain, Sequential) else ()
        self.size = size
        self.fold = fold if isinstance(chain, Graph) and not eager else None
        # Graphs are folded in one pass: each node is composed once onto its input's map
        # (shared prefixes once), and a merge needs every input anyway.
        self.steps: list[Step] | None = None
        self.tables: Tables | None = None
        """The exact engine's tables of every row (made when a row first needs them)."""
        try:
            if eager and isinstance(chain, Sequential):
                self.steps = list(chain.steps(size))
            elif isinstance(chain, Graph):
                self.steps = list(chain.steps(size, self.fold))
        except NetworkError:
            if not eager or not self._without_a_period():
                raise
        self.segments: dict[tuple[int, int], Geometry] = {}
        self.prefixes: dict[int, Geometry] = {0: Geometry(IDENTITY, SAME_SIZE)}
        if self.steps is None and size is not None and not is_number(size):
            self._check_fixed_lengths()

    def _without_a_period(self) -> bool:
        """Whether branches of different jumps merge, so that only the exact engine applies.

        No interval map holds such a merge (the branches' fields drift apart unit by unit),
        so the maps' fold refuses it; with numbers and an input length, the exact engine
        computes every row unit by unit. Any other error is the fold's to report.
        """
        try:
            plan = Plan(self.chain, self.size)  # type: ignore[arg-type]  # numeric: an int length
        except NetworkError:
            return False
        if plan.periodic or (self.size is None and not plan.resized):
            return False  # without resizes, lengths never meet: the maps' error stands
        self.tables = Tables(self.chain, self.size, plan=plan)  # type: ignore[arg-type]
        return True

    def _check_fixed_lengths(self) -> None:
        """Check the lengths that are numbers although the input length is a symbol.

        After a global or adaptive pool a feature map's length is a number (1, or the pool's
        output) whatever the input, so a later layer can make it vanish, and the rows after
        a second global pool would not show it. One pass with plain ints finds it.
        """
        known: Scalar | None = None
        for index, layer in enumerate(self.layers):
            if known is None:  # does this layer fix the length, whatever it receives?
                if not layer.size_dependent:
                    continue
                try:
                    fixed = exact(layer.geometry(self.size).sizes(self.size))
                except SymrfError:  # the fold reports it, at the right length
                    continue
                known = fixed if is_number(fixed) else None
                continue
            with located_at(index, layer):
                after = exact(layer.geometry(known).sizes(known))
                check_size(after)
                known = after if is_number(after) else None

    def field(self, index: int, finish: Finish) -> Field:
        """The figures after layer (or node) ``index``.

        Where resampling makes the hulls depend on position, the numeric engine enumerates
        the phases exactly (:mod:`symrf.engine.exact`); formulas keep the containing bound.
        """
        if self.tables is not None and self.steps is None:  # no maps: every row is exact
            return self.tables.field(index)
        span, size = self.prefix(index)
        if self.fold is not None:
            finish = self.fold.finishing(finish)
        if span.exact or not self.numeric:
            field = Field.of(span, size, finish)
            if field.size is not None and not self.numeric:  # a formula that tidies to <= 0
                try:
                    check_size(field.size)
                except SymrfError as error:
                    where = (f"layers[{index}] ({self.layers[index].row_name(index)})"
                             if self.layers else f"node {self.chain.nodes[index].name!r}")  # type: ignore[union-attr]  # a Graph
                    raise located(error, where) from None
            return field
        if self.tables is None:  # one forward pass gives every row
            self.tables = Tables(self.chain, self.size)  # type: ignore[arg-type]  # numeric: an int length
        return self.tables.field(index)

    def prefix(self, index: int) -> tuple[IntervalMap, Scalar | None]:
        """The map of layers ``0..index`` and the length after them."""
        if self.steps is not None:
            step = self.steps[index]
            return step.map, step.size
        geometry = self._compose(index + 1)
        length = None if self.size is None else exact(geometry.sizes(self.size))
        with located_at(index, self.layers[index]):
            check_size(length)  # a length that is a number (after a global pool) can vanish
        return geometry.map, length

    def _compose(self, count: int) -> Geometry:
        """The geometry of the first ``count`` layers, from cached aligned segments.

        The segments are taken largest first, and every partial prefix on the way is kept:
        the prefixes of neighbouring rows share all but their last segments, so reading
        every row composes each prefix once.
        """
        start = 0
        for bit in reversed(range(count.bit_length())):
            length = 1 << bit
            if count & length:
                if start + length not in self.prefixes:
                    before, segment = self.prefixes[start], self._segment(start, length)
                    self.prefixes[start + length] = Geometry(
                        before.map.then(segment.map), before.sizes.then(segment.sizes))
                start += length
        return self.prefixes[count]

    def _segment(self, start: int, length: int) -> Geometry:
        key = (start, length)
        if key not in self.segments:
            if length == 1:
                layer = self.layers[start]
                with located_at(start, layer):
                    # A symbolic length is needed only by size-dependent layers; a number
                    # also lets every layer check that its feature map does not vanish.
                    wanted = layer.size_dependent or is_number(self.size)
                    before = self._length_before(start) if wanted else None
                    geometry = layer.geometry(before)
                    if before is not None:
                        check_size(geometry.sizes(before))
                    self.segments[key] = geometry
            else:
                half = length // 2
                first, second = self._segment(start, half), self._segment(start + half, half)
                self.segments[key] = Geometry(
                    first.map.then(second.map), first.sizes.then(second.sizes)
                )
        return self.segments[key]

    def _length_before(self, index: int) -> Scalar | None:
        if self.size is None:
            return None
        return self._compose(index).sizes(self.size)


class Shifting(Fold, Protocol):
    """A symbolic fold (:class:`symrf.engine.symbolic.Shifts`): also says how to finish a figure."""

    def finishing(self, finish: Finish) -> Finish:
        """``finish`` for figures this fold composed (e.g. with its own terms written out)."""


class Rows(RowList):
    """The per-layer rows of a report, each built (and kept) when first read."""

    def __init__(
        self, top: Sequential | Graph, chains: list[_Chain], finish: Finish, per_axis: bool
    ) -> None:
        self._chains, self._finish, self._per_axis = chains, finish, per_axis
        self._labels = labels(top)
        self._rows: dict[int, Row] = {}
        names = [name for name, _ in self._labels]
        self.output = names.index(top.output) if isinstance(top, Graph) else len(names) - 1
        """Index of the row that is the network's output (a graph's ``output`` node)."""

    def __len__(self) -> int:
        return len(self._labels)

    def _row(self, index: int) -> Row:
        if index not in self._rows:
            fields = tuple(
                chain.field(index, self._finish) for chain in self._chains
            )
            self._rows[index] = FieldRow(*self._labels[index], fields, self._per_axis)
        return self._rows[index]

    def __iter__(self) -> Iterator[Row]:
        return (self._row(i) for i in range(len(self)))


def analyse(
    net: Layer,
    sizes: Sequence[Scalar | None],
    finish: Finish = unchanged,
    *,
    eager: bool,
    size_known: bool = False,
    fold: Callable[[], Shifting] | None = None,
) -> Report:
    """Fold ``net`` along each axis and report the figures after every top-level layer.

    Args:
        net: The network.
        sizes: The input length on each axis (``None`` when unknown); one entry per axis.
        finish: Applied to each figure (the symbolic engine simplifies here).
        eager: Scan every prefix now (numeric), or compose each row when read (symbolic).
        size_known: Whether the input size was given (so reports show ``size``).
        fold: Makes the fold of one axis of a graph, on the lazy (symbolic) path.
    """
    top = network(net)
    count = top.axes()
    per_axis = count > 1
    if len(sizes) == 1 and count > 1:
        sizes = list(sizes) * count
    chains = [
        _Chain(top.axis(index) if per_axis else top, sizes[index], eager,
               None if fold is None else fold())
        for index in range(count)
    ]
    rows = Rows(top, chains, finish, per_axis)
    rows[rows.output]  # the network's figures: composes every layer, so bad input raises here
    context = top.context if isinstance(top, Graph) else ()
    return Report(top.name or "network", rows, per_axis, size_known, context)


__all__ = ["Rows", "Shifting", "analyse"]
