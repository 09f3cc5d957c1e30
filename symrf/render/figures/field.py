"""The ``field`` figure: the input pixels some units see, drawn over a 2-D input grid.

Each unit of the output map (``(row, column)``: axis 0 runs down, axis 1 across) is drawn
with its own colour: the pixels it depends on filled, the hull of its field outlined. Two
units one step apart show the jump. Padding positions (outside the input) are grey. A 2-D
unit depends on the product of its two one-axis dependency sets (every layer acts on each
axis separately), each computed by
:func:`symrf.engine.dependencies.dependencies`.

>>> from symrf.render.figures.subject import subject
>>> found = unit_fields(subject("dilated-stack", input_size=40), [(0, 0)])
>>> found.units[0].rf, found.jump
((31, 31), (1, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from symrf.engine.dependencies import Budget, dependencies
from symrf.engine.numeric import evaluate
from symrf.errors import NetworkError, TooLargeError
from symrf.maths.scalars import Scalar
from symrf.render.figures.canvas import new_figure, style
from symrf.render.figures.subject import Subject

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_SIDE = 1024
"""Most input positions drawn along one side of the grid."""
DEFAULT_UNITS = ((0, 0), (1, 1))
"""Units drawn when none are asked for: two diagonal neighbours, a jump apart."""
COLOURS = ((0.12, 0.47, 0.71), (0.84, 0.15, 0.16), (0.17, 0.63, 0.17), (0.58, 0.40, 0.74),
           (1.0, 0.50, 0.05), (0.55, 0.34, 0.29))
"""One colour per unit (matplotlib's tab10 blue, red, green, purple, orange, brown)."""

UnitIndex = int | tuple[int, int]
"""A unit of the output map: ``(row, column)``, or one int for ``(x, x)``."""


@dataclass(frozen=True)
class UnitField:
    """One unit and the input positions it depends on along each axis."""

    unit: tuple[int, int]
    sees: tuple[frozenset[int], frozenset[int]]

    @property
    def rf(self) -> tuple[int, int]:
        """The size of the unit's hull along each axis (0 when it sees nothing)."""
        return tuple(max(s) - min(s) + 1 if s else 0 for s in self.sees)  # type: ignore[return-value]  # two axes


@dataclass(frozen=True)
class Fields:
    """What the field figure draws: the units, the input size and the jump per axis."""

    name: str
    units: tuple[UnitField, ...]
    sizes: tuple[int | None, int | None]
    jump: tuple[Scalar, Scalar]
    span: tuple[range, range]
    """The input positions drawn along each axis (padding included)."""


def unit_fields(drawn: Subject, units: Sequence[UnitIndex] | None = None) -> Fields:
    """The dependency sets of ``units`` of ``drawn``'s output, along axes 0 and 1.

    A network with scalar parameters is the same along both axes.

    Raises:
        NetworkError: A unit lies outside the output map.
        TooLargeError: The grid would be wider than :data:`MAX_SIDE`.
    """
    nets = [drawn.along(axis) for axis in (0, 1)]
    first = evaluate(*nets[0])
    reports = [first, first if drawn.axes == 1 else evaluate(*nets[1])]  # scalar: alike
    lengths = [report.size if size is not None else None
               for report, (_, size) in zip(reports, nets, strict=True)]
    asked = [_pair(unit) for unit in units] if units is not None else [
        unit for unit in DEFAULT_UNITS
        if all(length is None or x < length for x, length in zip(unit, lengths, strict=True))]
    budget = Budget()
    found = []
    for unit in asked:
        for x, length, axis in zip(unit, lengths, (0, 1), strict=True):
            if x < 0 or (length is not None and x >= length):
                shown = f"0 .. {length - 1}" if length is not None else "0 or more"
                raise NetworkError(f"unit {unit} lies outside the output map: along axis "
                                   f"{axis} give {shown}.")
        sees = tuple(frozenset(dependencies(net, size, {x}, budget))
                     for x, (net, size) in zip(unit, nets, strict=True))
        found.append(UnitField(unit, sees))  # type: ignore[arg-type]  # two axes
    span = tuple(_span([f.sees[axis] for f in found], nets[axis][1]) for axis in (0, 1))
    for axis, positions in enumerate(span):
        if len(positions) > MAX_SIDE:
            raise TooLargeError(
                f"the field figure draws at most {MAX_SIDE} positions per side and "
                f"{drawn.name} needs {len(positions)} along axis {axis}; give a smaller "
                "input size, or pick units closer together."
            )
    return Fields(drawn.name, tuple(found), (nets[0][1], nets[1][1]),
                  (reports[0].jump, reports[1].jump), span)  # type: ignore[arg-type]  # two axes


def _pair(unit: UnitIndex) -> tuple[int, int]:
    if isinstance(unit, int):
        return (unit, unit)
    if len(unit) != 2 or not all(isinstance(x, int) for x in unit):
        raise NetworkError(f"unit {unit!r} is not (row, column); give two whole numbers.")
    return (unit[0], unit[1])


def _span(sets: list[frozenset[int]], size: int | None) -> range:
    """The positions to draw: the input, every field, and one position of margin."""
    seen = set().union(*sets) | {0}
    if size is not None:
        seen.add(size - 1)
    return range(min(seen) - 1, max(seen) + 2)


def draw(drawn: Subject, units: Sequence[UnitIndex] | None = None) -> Figure:
    """The field figure of ``units`` of ``drawn``'s output.

    >>> from symrf.render.figures.subject import subject
    >>> figure = draw(subject("alexnet", input_size=224))
    >>> figure.axes[0].get_title()
    'alexnet: fields of units (0, 0), (1, 1) of the output; jump 32 x 32'
    """
    return picture(unit_fields(drawn, units))


def picture(found: Fields) -> Figure:
    """Draw the grid, the padding, and each unit's pixels and hull."""
    import numpy as np
    from matplotlib.patches import Patch, Rectangle

    rows, columns = found.span
    image = np.ones((len(rows), len(columns), 3))
    inside = [np.array([_inside(x, size) for x in span])
              for span, size in zip(found.span, found.sizes, strict=True)]
    image[~np.outer(inside[0], inside[1])] = 0.82
    handles = []
    for number, field in enumerate(found.units):
        colour = np.array(COLOURS[number % len(COLOURS)])
        mask = np.outer([x in field.sees[0] for x in rows], [x in field.sees[1] for x in columns])
        image[mask] = 0.45 * image[mask] + 0.55 * colour
        rf = " x ".join(map(str, field.rf))
        handles.append(Patch(color=tuple(colour), label=f"unit {field.unit}: {rf} pixels"))
    side = max(len(rows), len(columns))
    figure = new_figure(6.0, 6.0 * len(rows) / len(columns) + 1.0)
    with style():
        axes = figure.add_subplot()
        extent = (columns[0] - 0.5, columns[-1] + 0.5, rows[-1] + 0.5, rows[0] - 0.5)
        axes.imshow(image, extent=extent, interpolation="nearest", aspect="equal")
        for number, field in enumerate(found.units):
            if all(field.sees):
                (top, left) = (min(field.sees[0]), min(field.sees[1]))
                axes.add_patch(Rectangle((left - 0.5, top - 0.5), field.rf[1], field.rf[0],
                                         fill=False, linewidth=1.4,
                                         edgecolor=COLOURS[number % len(COLOURS)]))
        sizes = [size if size is not None else _open(span) for size, span in
                 zip(found.sizes, found.span, strict=True)]
        axes.add_patch(Rectangle((-0.5, -0.5), sizes[1], sizes[0], fill=False, linewidth=1.0,
                                 edgecolor="black", linestyle="-"))
        if side <= 48:
            axes.set_xticks([x - 0.5 for x in columns], minor=True)
            axes.set_yticks([x - 0.5 for x in rows], minor=True)
            axes.grid(True, which="minor", color="0.7", linewidth=0.3)
            axes.tick_params(which="minor", length=0)
        handles.append(Patch(facecolor=(0.82,) * 3, edgecolor="black", linewidth=0.5,
                             label="padding (outside the input)"))
        figure.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=7,
                      frameon=False)
        axes.set_xlabel("input position, axis 1")
        axes.set_ylabel("input position, axis 0")
        shown = ", ".join(str(field.unit) for field in found.units)
        jump = " x ".join(map(str, found.jump))
        axes.set_title(f"{found.name}: fields of units {shown} of the output; jump {jump}",
                       fontsize=9)
    return figure


def _inside(x: int, size: int | None) -> bool:
    return x >= 0 and (size is None or x < size)


def _open(span: range) -> Any:
    """The drawn extent right of 0 when the input size is unknown (the input is unbounded)."""
    return span[-1] + 1
