"""Exact figures of networks whose receptive fields depend on position (resampling).

After an upsampling layer, units no longer all see fields of one size: the hull of unit
``x`` repeats only after a period, and the simple recurrences of :mod:`symrf.maths.algebra`
give only a containing bound. Here the numeric engine computes the truth, in one forward
pass over the network (:class:`Tables`):

- each feature map holds a **table**: the hull of ``D(x)`` for one period of units
  ``x = 0 .. Q-1``; every other unit's hull is a shifted copy (``hull(x + Q) = hull(x) +
  Q*jump``). A layer's table is read off the previous one through the layer's own
  :meth:`~symrf.layers.base.Layer.reads` (the hull of a union is the union of the hulls),
  a merge's by the union of its inputs' tables;
- ``rf`` and ``rf_min`` are the largest and smallest hull of the table, ``left`` and
  ``right`` unit 0's, ``period`` the smallest shift after which the table repeats;
- every row of a report shares the tables of the rows before it, so a network costs its
  layers times their phases times their taps: linear in its depth.

Where branches of different jumps merge there is no period, and a table holds the map's
own units instead (see :mod:`symrf.engine.phases`, which plans the tables and counts their
cost before any is built). Dependency sets (not only hulls) ride along where a figure needs
them (the holes of :func:`symrf.engine.coverage.coverage`), as bit masks.
:func:`symrf.engine.dependencies.dependencies` propagates the set of a few units
backwards (the pictures). The engine the tables replaced, each row's phases propagated back
to the input, is the reference the test suite checks them against (``tests/oracle_exact.py``).

>>> from symrf.layers.compose import Sequential
>>> from symrf.layers.resample import Upsample
>>> from symrf.layers.window import Conv
>>> field = exact_field(Sequential(Upsample(factor=2), Conv(kernel=2)), None)
>>> field.rf, field.rf_min, field.period, field.jump
(2, 1, 2, Fraction(1, 2))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from symrf.engine.field import Field
from symrf.engine.phases import START, Node, Plan, phases
from symrf.errors import ExactTooLargeError, NetworkError, TooLargeError
from symrf.layers.base import Layer, Units
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.limits import MAX_PATH_READS, MAX_PATHS, MAX_SET_WORDS, MAX_TABLE_READS
from symrf.maths.scalars import Scalar, divide, exact

Cell = tuple[int, int, int] | None
"""What one unit depends on: ``(left, right, mask)``, ``mask`` the set as bits counted from
``left`` (0 where only hulls are kept), or ``None`` when the unit reads nothing."""


class Table:
    """The cells of a feature map's units: one period of them, or the units kept.

    With a period (``shift`` given), unit ``x`` depends on ``cells[x % Q]`` moved by
    ``(x // Q) * shift`` pixels, where ``Q = len(cells)`` and ``shift = Q * jump``. Without
    one (``shift`` is ``None``), the cells are those of units ``start, start + 1, ...``.

    >>> table = Table(((0, 1, 0), None), 1)
    >>> table.at(4), table.at(5), table.widest
    ((2, 3, 0), None, 2)
    """

    __slots__ = ("_widest", "cells", "shift", "start")

    def __init__(self, cells: tuple[Cell, ...], shift: int | None, start: int = 0) -> None:
        self.cells, self.shift, self.start = cells, shift, start
        self._widest: int | None = None

    def at(self, x: int) -> Cell:
        """The cell of unit ``x`` (any integer with a period: the signal is unbounded)."""
        if self.shift is None:
            return self.cells[x - self.start]
        turns, phase = divmod(x, len(self.cells))
        cell = self.cells[phase]
        if cell is None or not turns:
            return cell
        by = turns * self.shift
        return (cell[0] + by, cell[1] + by, cell[2])

    @property
    def jump(self) -> Fraction:
        """Input pixels per unit (a table with a period)."""
        return Fraction(self.shift, len(self.cells))  # type: ignore[arg-type]  # periodic

    @property
    def widest(self) -> int:
        """The largest hull of a unit of the table."""
        if self._widest is None:
            self._widest = max((_width(cell) for cell in self.cells), default=0)
        return self._widest

    def key(self) -> tuple[tuple[Cell, ...], int | None, int]:
        """What makes two tables equal (for sharing the tables of equal paths)."""
        return self.cells, self.shift, self.start


def _width(cell: Cell) -> int:
    return 0 if cell is None else cell[1] - cell[0] + 1


def _union(cells: Iterable[Cell], sets: bool) -> Cell:
    """The cell of a unit that reads ``cells``: the union of the sets, the hull of the hulls."""
    found = [cell for cell in cells if cell is not None]
    if len(found) <= 1:
        return found[0] if found else None
    left = min(cell[0] for cell in found)
    right = max(cell[1] for cell in found)
    mask = 0
    if sets:
        for cell in found:
            mask |= cell[2] << (cell[0] - left)
    return (left, right, mask)


def _gather(table: Table, units: Units, sets: bool) -> Cell:
    """The cell of a unit that reads ``units`` of the map whose cells ``table`` holds.

    For hulls and a period, a long run of units needs only its first and last periods: a
    left end only grows, and a right end too, from one period to the next.
    """
    period = len(table.cells)
    if not sets and table.shift is not None and len(units) > 2 * period:
        low, high = min(units), max(units)
        if high - low + 1 == len(units):
            units = {*range(low, low + period), *range(high - period + 1, high + 1)}
    return _union((table.at(unit) for unit in units), sets)


def _through(node: Node, table: Table, sets: bool, kept: bool = False) -> Table:
    """A layer's table from its input's: each cell from the units the layer reads.

    ``kept``: the units the node keeps (a map without a period); else one period, whose
    length follows from the input table's.
    """
    layer, length = node.layer, node.length
    if kept:
        units = range(node.start, node.start + node.phases)
    else:
        count = phases(len(table.cells), layer, node.scale, node.where)  # type: ignore[arg-type]  # a layer node
        units = range(count)
    cells = tuple(_gather(table, layer.reads({x}, length), sets)  # type: ignore[union-attr]  # a layer node
                  for x in units)
    if kept:
        return Table(cells, None, node.start)
    return Table(cells, int(len(cells) * table.jump * node.scale))


@dataclass(slots=True)
class _State:
    """A feature map during the pass: its table, its paths' tables, its merges' offset."""

    table: Table
    paths: list[Table] | None
    """The distinct tables of the input-to-node paths; ``None`` when not followed."""
    offset: Scalar


class Tables:
    """The exact figures of every row of a network, from one forward pass over its layers.

    The work is counted before it starts (:class:`~symrf.engine.phases.Plan`): the tables
    cost each node's phases times its taps, within :data:`~symrf.limits.MAX_TABLE_READS`;
    the tables of every path (for ``rf_min_path``) within
    :data:`~symrf.limits.MAX_PATH_READS`, beyond which that figure is unknown (``None``);
    with ``sets``, the dependency sets within :data:`~symrf.limits.MAX_SET_WORDS`.

    A feature map where branches of different jumps merged has no period: its figures
    range over the map's own units, and ``jump`` and ``period`` are ``None``.

    Args:
        top: The network (a chain's rows are its top-level layers, a graph's its nodes).
        size: The input length, if known (numeric parameters only).
        sets: Also keep each row's dependency sets (see :meth:`cell`), not only hulls.
        plan: The network's plan, when already made.

    Raises:
        ExactTooLargeError: A budget above is exceeded, or a table would have more than
            :data:`~symrf.limits.MAX_PHASES` cells.
        NetworkError: The network does not run at this input length, or branches of
            different jumps merge and the input length is unknown.

    >>> from symrf.layers.resample import Upsample
    >>> from symrf.layers.window import Conv
    >>> tables = Tables(Sequential(Upsample(factor=2), *[Conv(kernel=3)] * 1000), None)
    >>> field = tables.field(1000)
    >>> field.rf, field.rf_min, field.period
    (1001, 1001, 2)
    """

    def __init__(self, top: Sequential | Graph, size: int | None, *, sets: bool = False,
                 plan: Plan | None = None) -> None:
        self.plan = plan or Plan(top, size)
        self.size = size
        if self.plan.unsized:
            raise NetworkError(self.plan.unsized)
        reads, path_reads = self.plan.cost()
        if reads > MAX_TABLE_READS:
            raise ExactTooLargeError(
                f"the exact position-dependent figures need about {reads} unit reads (the "
                f"phases of each of the network's {len(self.plan.nodes)} layers times its "
                f"taps), more than symrf makes ({MAX_TABLE_READS}). {ExactTooLargeError.ADVICE}"
            )
        self.follow_paths = path_reads <= MAX_PATH_READS
        self.fields: list[Field] = []
        self.kept: list[Table] = []
        self.widest: dict[int, int] = {}
        self._run(sets=False)
        if sets:
            self._check_sets()
            self._run(sets=True)

    def field(self, index: int) -> Field:
        """The figures after row ``index``."""
        return self.fields[index]

    def cell(self, index: int, x: int) -> Cell:
        """The dependency set of unit ``x`` after row ``index`` (only with ``sets``)."""
        return self.kept[index].at(x)

    def _check_sets(self) -> None:
        """Refuse, before the work, dependency sets past :data:`MAX_SET_WORDS` words."""
        words = sum(
            node.phases * node.fan_in * (max(self.widest[i] for i in node.inputs) // 64 + 1)
            for node in self.plan.nodes
        )
        if words > MAX_SET_WORDS:
            raise TooLargeError(
                f"the exact dependency sets of every row need about {words} machine words "
                f"of work, more than symrf does ({MAX_SET_WORDS}); analyse a shorter input "
                "or a shallower network."
            )

    def _run(self, sets: bool) -> None:
        """One pass over the nodes, each table made from its inputs' and dropped after use."""
        nodes, rows = self.plan.nodes, set(self.plan.rows)
        last_use = {source: position for position, node in enumerate(nodes)
                    for source in node.inputs}
        start = Table(((0, 0, 1 if sets else 0),), 1)
        states = {START: _State(start, None if sets else [start], 0)}
        self.widest = {START: 1}
        found: dict[int, Field] = {}
        kept: dict[int, Table] = {}
        for position, node in enumerate(nodes):
            sources = [states[source] for source in node.inputs]
            if node.layer is None:
                state = self._merge(node, sources, sets)
            else:
                state = self._layer(node, sources[0], sets)
            states[position] = state
            self.widest[position] = state.table.widest
            if position in rows:
                if sets:
                    kept[position] = state.table
                else:
                    found[position] = self._field(node, state)
            for source in set(node.inputs):
                if last_use[source] == position:
                    del states[source]
        if sets:
            self.kept = [kept[row] for row in self.plan.rows]
        else:
            self.fields = [found[row] for row in self.plan.rows]

    def _layer(self, node: Node, source: _State, sets: bool) -> _State:
        table = _through(node, source.table, sets, kept=node.jump is None)
        paths = None
        if not sets and source.paths is not None and (node.paths == 1 or self.follow_paths):
            if len(source.paths) == 1 and source.paths[0] is source.table:
                paths = [table]
            else:
                paths = [_through(node, path, sets) for path in source.paths]
        return _State(table, paths, source.offset)

    def _merge(self, node: Node, sources: list[_State], sets: bool) -> _State:
        tables = [source.table for source in sources]
        periodic = node.jump is not None
        units = range(node.phases) if periodic else range(node.start, node.start + node.phases)
        cells = tuple(_union((t.at(x) for t in tables), sets) for x in units)
        table = (Table(cells, int(node.phases * node.jump)) if periodic  # type: ignore[operator]  # periodic
                 else Table(cells, None, node.start))
        offset = max(source.offset for source in sources)
        for x in () if sets else range(node.phases) if periodic else range(node.size):  # type: ignore[arg-type]  # known without a period
            centres = [Fraction(cell[0] + cell[1], 2) for cell in (t.at(x) for t in tables)
                       if cell is not None]
            if centres:
                offset = max(offset, divide(max(centres) - min(centres), 1))
        paths = None
        if node.paths <= MAX_PATHS and all(source.paths is not None for source in sources):
            distinct = {path.key(): path for s in sources for path in s.paths}  # type: ignore[union-attr]  # checked above
            paths = list(distinct.values())
        return _State(table, paths, offset)

    def _field(self, node: Node, state: _State) -> Field:
        table = state.table
        if node.jump is None:  # no period: the map's own units
            units: Sequence[int] = range(node.size)  # type: ignore[arg-type]  # known
            sizes = [_width(table.at(x)) for x in units]
            narrowest = None if state.paths is None else min(
                max(_width(path.at(x)) for x in units) for path in state.paths)
        else:
            sizes = [_width(cell) for cell in table.cells]
            narrowest = None if state.paths is None else min(
                path.widest for path in state.paths)
        first = table.at(0)
        return Field(
            rf=max(sizes),
            rf_min=min(sizes),
            rf_min_path=narrowest,
            jump=None if node.jump is None else exact(node.jump),
            left=None if first is None else first[0],
            right=None if first is None else first[1],
            center=None if first is None else divide(first[0] + first[1], 2),
            padding=None if first is None else -first[0],
            period=None if node.jump is None else _period(table, node.jump),
            aligned=state.offset == 0,
            offset=state.offset,
            exact=True,
            size=node.size if self.size is not None else None,
        )


def _period(table: Table, jump: Fraction) -> int:
    """The least ``p`` dividing the table's length with ``hull(x + p) = hull(x) + p*jump``."""
    count = len(table.cells)
    for p in range(1, count + 1):
        if count % p:
            continue
        move = p * jump
        if move.denominator != 1:  # a fractional move keeps only empty cells in place
            if all(cell is None for cell in table.cells):
                return p
            continue
        if all(_hull_of(table.at(x + p)) == _hull_of(table.at(x), int(move))
               for x in range(count)):
            return p
    raise AssertionError("a table repeats after its own length")


def _hull_of(cell: Cell, move: int = 0) -> tuple[int, int] | None:
    return None if cell is None else (cell[0] + move, cell[1] + move)


def exact_field(net: Layer, size: int | None) -> Field:
    """Exact figures of ``net``'s output (numeric parameters), by :class:`Tables`.

    Args:
        net: The network up to the feature map of interest (a chain or a graph).
        size: The input length, if known.

    Raises:
        TooLargeError: The work is past the limits :class:`Tables` states.

    >>> from symrf.layers.resample import ConvTranspose
    >>> exact_field(ConvTranspose(kernel=1, stride=2), None).rf_min
    0
    """
    return Tables(Sequential(net), size).field(0)
