"""Rows of a report: the figures after one top-level layer, and the list that holds them.

:class:`Row` is what every row offers (``name``, ``op``, one :class:`~symrf.engine.field.Field` per
axis in ``axes``, and each figure as an attribute: a scalar for one axis, a tuple for
several). The general engine's rows hold their fields (:class:`FieldRow`); the compiled
plan's rows read them from the plan's lists (:mod:`symrf.engine.plan_rows`). :class:`RowList` is
the sequence of a report's rows, made when read.

>>> from symrf.engine.field import Field
>>> from symrf.maths.algebra import IntervalMap
>>> row = FieldRow("conv_0", "conv", (Field.of(IntervalMap(1, -1, 2), None),), False)
>>> row.rf, row.figure("padding")
(3, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from symrf.engine.field import FIGURES, Field


class _Figures:
    """Figure attributes that read a scalar for one axis and a tuple for several."""

    __slots__ = ()

    axes: tuple[Field, ...]
    per_axis: bool

    if TYPE_CHECKING:  # the figure properties set below, for type checkers
        rf: Any
        rf_min: Any
        rf_min_path: Any
        jump: Any
        left: Any
        right: Any
        center: Any
        padding: Any
        period: Any
        aligned: Any
        offset: Any
        exact: Any
        size: Any

    def figure(self, name: str) -> Any:
        """The figure ``name``: a scalar, or a tuple with one entry per axis."""
        if not self.per_axis:
            return getattr(self.axes[0], name)
        return tuple(getattr(field, name) for field in self.axes)


def _figure_property(name: str) -> property:
    return property(lambda self: self.figure(name), doc=f"The ``{name}`` figure.")


for _name in FIGURES:  # report.rf, row.jump, ...: one property per figure
    setattr(_Figures, _name, _figure_property(_name))


class Row(_Figures):
    """The figures after one top-level layer of a network.

    ``name`` and ``op`` label the row, ``axes`` holds one :class:`Field` per axis, and
    ``per_axis`` says whether figures are tuples. Rows of the general engine hold their
    fields; rows of the compiled plan (:mod:`symrf.engine.plan`) read them from the plan's lists.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # labels every row provides (fields of FieldRow, properties elsewhere)
        @property
        def name(self) -> str: ...  # noqa: D102
        @property
        def op(self) -> str: ...  # noqa: D102


@dataclass(frozen=True)
class FieldRow(Row):
    """A row that holds its :class:`Field` objects (the general engine's rows)."""

    name: str
    op: str
    axes: tuple[Field, ...]
    per_axis: bool


class RowList(Sequence[Row]):
    """The rows of a report, in order; ``output`` is the index of the network's output row.

    Subclasses give ``__len__`` and ``_row(index)`` for ``0 <= index < len(self)``.
    """

    output: int

    def _row(self, index: int) -> Row:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | Sequence[Row]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._row(index)
