"""The rows of a compiled plan (:mod:`symrf.engine.plan`): figures read from the fold's lists.

A fold of one axis keeps ``rf``, ``jump`` and ``left`` after every row as plain lists; a
row is a tuple made by C-level maps, its other figures are computed from those lists when
read (one rule per figure, :data:`_FIGURES`), and a :class:`~symrf.engine.field.Field` is built
only when a row's ``axes`` is read.

>>> fold = Fold([3, 5], [1, 2], [-1, -1], [], None)
>>> fold.figure(1, "center"), fold.field(1).center
(1, 1)
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Iterator
from itertools import islice, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from symrf.engine.field import Field
from symrf.engine.rows import Row, RowList
from symrf.maths.scalars import Scalar, divide, exact

if TYPE_CHECKING:
    from symrf.engine.plan import Plan


class Fold:
    """One axis folded: the figures after every row, as parallel lists.

    Branches make ``rf_min_path`` and ``offset`` differ from a chain's; they change only at
    the rows that merge branches, so those rows are kept as events ``(row, narrower,
    offset)``: ``narrower`` is ``rf - rf_min_path`` from that row on.
    """

    __slots__ = ("events", "fields", "jump", "left", "rf", "sizes")

    def __init__(self, rf: list[int], jump: list[int], left: list[int],
                 events: list[tuple[int, int, Scalar]], sizes: list[int] | None) -> None:
        self.rf, self.jump, self.left, self.events, self.sizes = rf, jump, left, events, sizes
        self.fields: dict[int, Field] = {}

    def field(self, index: int) -> Field:
        """The :class:`Field` of row ``index``, equal to the general path's (kept once made)."""
        found = self.fields.get(index)  # read once: safe if threads share the report
        if found is None:
            found = self.fields[index] = self._field(index)
        return found

    def figure(self, index: int, name: str) -> Any:
        """Figure ``name`` of row ``index``, read from the lists (no :class:`Field` is built)."""
        read = _FIGURES.get(name)
        return getattr(self.field(index), name) if read is None else read(self, index)

    def path(self, index: int) -> tuple[int, Scalar]:
        """``(narrower, offset)`` at row ``index``: the last event at or before it, or none."""
        found = bisect.bisect_right(self.events, (index, math.inf, math.inf))
        if not found:
            return 0, 0
        _, narrower, offset = self.events[found - 1]
        return narrower, exact(offset)

    def _field(self, index: int) -> Field:
        return Field(**{name: read(self, index) for name, read in _FIGURES.items()})


_FIGURES: dict[str, Callable[[Fold, int], Any]] = {
    "rf": lambda fold, index: fold.rf[index],
    "rf_min": lambda fold, index: fold.rf[index],
    "rf_min_path": lambda fold, index: fold.rf[index] - fold.path(index)[0],
    "jump": lambda fold, index: fold.jump[index],
    "left": lambda fold, index: fold.left[index],
    "right": lambda fold, index: fold.left[index] + fold.rf[index] - 1,
    "center": lambda fold, index: fold.left[index] + divide(fold.rf[index] - 1, 2),
    "padding": lambda fold, index: -fold.left[index],
    "period": lambda fold, index: 1,
    "aligned": lambda fold, index: fold.path(index)[1] == 0,
    "offset": lambda fold, index: fold.path(index)[1],
    "exact": lambda fold, index: True,
    "size": lambda fold, index: None if fold.sizes is None else fold.sizes[index],
}
"""How each figure of a row is read from a fold's lists (``Field`` has these fields)."""


class _PlanRow(tuple, Row):  # type: ignore[misc]  # a tuple for speed: made by the thousand
    """A row of a compiled plan: ``(rf, jump, left, rows, index)``; other figures on demand.

    ``rf``, ``jump`` and ``left`` (what a loop over rows reads most) are tuple items; other
    figures are computed from the fold when read, and the row's
    :class:`~symrf.engine.field.Field` objects are built when ``axes`` is read.
    """

    __slots__ = ()

    rf = property(itemgetter(0), doc="The ``rf`` figure.")
    jump = property(itemgetter(1), doc="The ``jump`` figure.")
    left = property(itemgetter(2), doc="The ``left`` figure.")

    @property
    def name(self) -> str:
        """The row's name, as in the general engine's reports."""
        return self[3].plan.labels[self[4]][0]  # type: ignore[no-any-return]

    @property
    def op(self) -> str:
        """The layer's op."""
        return self[3].plan.labels[self[4]][1]  # type: ignore[no-any-return]

    @property
    def per_axis(self) -> bool:  # type: ignore[override]  # read from the plan, not set
        """Whether figures are tuples, one entry per axis."""
        return self[3].plan.per_axis  # type: ignore[no-any-return]

    @property
    def axes(self) -> tuple[Field, ...]:  # type: ignore[override]  # built from the plan
        """One :class:`~symrf.engine.field.Field` per axis (built now)."""
        return tuple(fold.field(self[4]) for fold in self[3].folds)

    def figure(self, name: str) -> Any:
        """The figure ``name``: a scalar, or a tuple with one entry per axis."""
        folds, index = self[3].folds, self[4]
        if len(folds) == 1:
            return folds[0].figure(index, name)
        return tuple(fold.figure(index, name) for fold in folds)

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self.op, self.axes, self.per_axis)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and self._key() == (
            other.name, other.op, other.axes, other.per_axis)

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Row(name={self.name!r}, op={self.op!r}, axes={self.axes!r}, "
                f"per_axis={self.per_axis!r})")


class PlanRows(RowList):
    """The rows of a compiled plan, made when read (nothing is kept per row)."""

    def __init__(self, plan: Plan, folds: list[Fold]) -> None:
        self.plan, self.folds = plan, folds
        self.output = plan.output
        """Index of the row that is the network's output (the last, or a graph's ``output``)."""

    def __len__(self) -> int:
        return len(self.folds[0].rf)

    def _row(self, index: int) -> Row:
        return next(self._rows(index, index + 1))

    def __iter__(self) -> Iterator[Row]:
        return self._rows(0, len(self))

    def _rows(self, start: int, stop: int) -> Iterator[Row]:
        """Rows ``start .. stop - 1``, made by C-level maps (no Python call per row)."""
        count = stop - start
        rf: Iterable[Any]
        jump: Iterable[Any]
        left: Iterable[Any]
        if len(self.folds) == 1:
            (fold,) = self.folds
            rf, jump, left = (islice(items, start, stop)
                              for items in (fold.rf, fold.jump, fold.left))
        else:  # figures are tuples, one entry per axis
            rf, jump, left = (
                zip(*(islice(getattr(fold, name), start, stop) for fold in self.folds),
                    strict=True)
                for name in ("rf", "jump", "left"))
        items = zip(rf, jump, left, repeat(self, count), range(start, stop), strict=True)
        return map(tuple.__new__, repeat(_PlanRow, count), items)
