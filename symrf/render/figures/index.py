"""The ``index`` figure: the classic picture of which input pixels each unit sees.

Each feature map is a row of units under the row of input pixels; each unit is labelled
with the pixels it depends on and joined by lines to the units it reads. Both come from
the exact engine, never from a recurrence: the labels are the dependency sets
:func:`symrf.engine.dependencies.dependencies` computes, the lines each layer's own
:meth:`~symrf.layers.base.Layer.reads`. Padding positions (outside ``0 .. n-1``) are drawn
hollow. Only small one-axis pictures are drawn (:data:`MAX_UNITS`, :data:`MAX_ROWS`).

>>> import symrf
>>> seed = symrf.Sequential(symrf.Conv(kernel=3, stride=2, name="conv1"),
...                         symrf.Conv(kernel=2, name="conv2"))
>>> [[pixels_text(unit.sees) for unit in level.units] for level in levels(seed, 5)[1:]]
[['0..2', '2..4'], ['0..4']]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from symrf.engine.dependencies import Budget, dependencies
from symrf.engine.numeric import evaluate
from symrf.engine.report import Report, labels
from symrf.errors import SymrfError, TooLargeError
from symrf.layers.compose import Sequential
from symrf.layers.graph import INPUT, Graph
from symrf.render.figures.canvas import new_figure, style
from symrf.render.figures.subject import Subject, prefix

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_UNITS = 64
"""Most units in one row of the picture (the input row counts its padding positions)."""
MAX_ROWS = 16
"""Most feature maps in the picture."""

Place = tuple[int, int]
"""A unit of the picture: ``(row, index)``; row 0 is the input (index: the pixel)."""


@dataclass(frozen=True)
class Unit:
    """One unit of a feature map: the input pixels it sees and the units it reads."""

    index: int
    sees: frozenset[int]
    reads: tuple[Place, ...]
    padding: bool = False
    """A position outside ``0 .. n-1`` of its map (a padding zero a later layer reads)."""


@dataclass(frozen=True)
class Level:
    """One row of the picture: the input, or the feature map after a layer (or node)."""

    name: str
    op: str
    units: tuple[Unit, ...]


def pixels_text(pixels: Iterable[int]) -> str:
    """Pixels as a short label: runs of three or more as ``a..b``, the rest listed.

    >>> pixels_text({-1, 0, 1, 2, 5, 7, 8}), pixels_text(set())
    ('-1..2,5,7,8', '∅')
    """
    found = sorted(pixels)
    if not found:
        return "∅"
    parts = []
    for _, run in itertools.groupby(enumerate(found), lambda pair: pair[1] - pair[0]):
        items = [pixel for _, pixel in run]
        parts += [f"{items[0]}..{items[-1]}"] if len(items) >= 3 else [str(p) for p in items]
    return ",".join(parts)


def smallest_input(net: Sequential | Graph, limit: int = MAX_UNITS) -> int:
    """The shortest input (up to ``limit``) on which every feature map of ``net`` has a unit.

    Raises:
        TooLargeError: Every feature map has a unit only on inputs longer than ``limit``.

    >>> import symrf
    >>> smallest_input(symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.Conv(kernel=2)))
    5
    """
    rows = len(labels(net))
    if rows > MAX_ROWS:
        raise TooLargeError(
            f"the index picture draws at most {MAX_ROWS} feature maps and {net.label()} has "
            f"{rows}; use --upto ROW to draw the first ones, or --kind growth."
        )
    try:
        found = evaluate(net).rf  # the field of one unit alone spans rf input positions
        rf = found if isinstance(found, int) else 1
    except SymrfError:  # the geometry needs the input size: try sizes
        rf = 1
    for size in range(1, limit + 1 if rf <= limit else 0):
        try:
            evaluate(net, input_size=size)
        except SymrfError:
            continue
        return size
    raise TooLargeError(
        f"the index picture draws inputs of at most {limit} pixels, and {net.label()} needs a "
        "longer one; use --kind growth for large networks."
    )


def levels(net: Sequential | Graph, size: int) -> tuple[Level, ...]:
    """The rows of the picture of the one-axis ``net`` on an input of ``size`` pixels.

    Raises:
        TooLargeError: A row would have more than :data:`MAX_UNITS` units, or there are
            more than :data:`MAX_ROWS` feature maps.
    """
    report = evaluate(net, input_size=size)
    _check(report, size)
    rows = {INPUT: 0, **{row.name: index + 1 for index, row in enumerate(report.layers)}}
    # Each map's units, and the padding positions of it that later maps read (the engine
    # treats the signal as unbounded), found from the last map back to the first.
    wanted = {index: set(range(row.size)) for index, row in enumerate(report.layers)}
    reads: dict[Place, tuple[Place, ...]] = {}
    for index in reversed(range(len(report.layers))):
        for x in wanted[index]:
            reads[(index, x)] = _reads(net, index, x, report, rows, size)
            for place, unit in reads[(index, x)]:
                if place > 0:
                    wanted[place - 1].add(unit)
        if len(wanted[index]) > MAX_UNITS:
            raise TooLargeError(
                f"the index picture draws at most {MAX_UNITS} units per row and "
                f"{report.layers[index].name} needs {len(wanted[index])} (with the padding "
                "positions later layers read); give a smaller input size or use --kind growth."
            )
    budget = Budget()
    found = []
    for index, row in enumerate(report.layers):
        upto = prefix(net, index)
        units = tuple(
            Unit(x, frozenset(dependencies(upto, size, {x}, budget)), reads[(index, x)],
                 not 0 <= x < row.size)
            for x in sorted(wanted[index])
        )
        found.append(Level(row.name, row.op, units))
    seen = set().union(*(unit.sees for level in found for unit in level.units))
    span = range(min(seen | {0}), max(seen | {size - 1}) + 1)
    if len(span) > MAX_UNITS:
        raise TooLargeError(
            f"the index picture of {net.label()} spans {len(span)} input positions with its "
            f"padding, more than the {MAX_UNITS} it draws; give a smaller input size or use "
            "--kind growth."
        )
    pixels = tuple(Unit(pixel, frozenset({pixel}), (), not 0 <= pixel < size) for pixel in span)
    return (Level("input", "input", pixels), *found)


def _check(report: Report, size: int) -> None:
    """Refuse pictures too large to read, before any dependency set is computed."""
    if len(report.layers) > MAX_ROWS:
        raise TooLargeError(
            f"the index picture draws at most {MAX_ROWS} feature maps and {report.name} has "
            f"{len(report.layers)}; use --upto ROW to draw the first ones, or --kind growth."
        )
    widest = max([size, *(row.size for row in report.layers)])
    if widest > MAX_UNITS:
        raise TooLargeError(
            f"the index picture draws at most {MAX_UNITS} units per row and {report.name} "
            f"has {widest} on an input of {size}; give a smaller input size or use --kind "
            "growth."
        )


def _reads(net: Sequential | Graph, index: int, x: int, report: Report,
           rows: dict[str, int], size: int) -> tuple[Place, ...]:
    """The units of earlier rows that unit ``x`` of row ``index`` reads (the layer's reads)."""
    if isinstance(net, Sequential):
        before = size if index == 0 else report.layers[index - 1].size
        found = net.layers[index].reads({x}, before)
        return tuple((index, unit) for unit in sorted(found))
    node = net.nodes[index]
    if node.layer is None:  # a merge reads the same unit of every input
        return tuple((rows[source], x) for source in node.inputs)
    (source,) = node.inputs
    before = size if source == INPUT else report.layers[rows[source] - 1].size
    return tuple((rows[source], unit) for unit in sorted(node.layer.reads({x}, before)))


def draw(drawn: Subject) -> Figure:
    """The index picture of ``drawn`` (one axis; the input size chosen when not given).

    >>> import symrf
    >>> from symrf.render.figures.subject import subject
    >>> figure = draw(subject(symrf.Sequential(symrf.Conv(kernel=3, stride=2),
    ...                                        symrf.Conv(kernel=2))))
    >>> sorted(text.get_text() for text in figure.axes[0].texts if text.get_gid())
    ['0', '0..2', '0..4', '1', '2', '2..4', '3', '4']
    """
    if drawn.axes > 1:
        raise TooLargeError(f"the index picture draws one axis and {drawn.name} has "
                            f"{drawn.axes}; give axis=0 (--axis 0) for one of them.")
    net, size = drawn.along(0)
    found = levels(net, size if size is not None else smallest_input(net))
    return picture(found, f"{drawn.name}: the input pixels each unit sees (from 0)")


def picture(found: tuple[Level, ...], title: str) -> Figure:
    """Draw rows of units, their labels and the lines to the units they read."""
    from matplotlib.collections import LineCollection

    places = {(row, unit.index): (x, -1.4 * row)
              for row, level in enumerate(found)
              for unit, x in zip(level.units, _positions(level, found[0]), strict=True)}
    columns = len(found[0].units)
    figure = new_figure(max(4.0, 0.55 * columns + 1.5), 1.0 + 0.9 * len(found))
    with style():
        axes = figure.add_subplot()
        lines = [(places[(row, unit.index)], places[source])
                 for row, level in enumerate(found) for unit in level.units
                 for source in unit.reads]
        axes.add_collection(LineCollection(lines, colors="0.6", linewidths=0.8, zorder=1))
        pixels = found[0].units
        for row, level in enumerate(found):
            for padding in (False, True):
                shown = [places[(row, unit.index)] for unit in level.units
                         if unit.padding is padding]
                if shown:
                    axes.plot(*zip(*shown, strict=True), linestyle="none",
                              marker="s" if row == 0 else "o", markersize=9,
                              color="0.5" if padding else "tab:blue",
                              markerfacecolor="white" if padding else "tab:blue", zorder=2)
            for unit in level.units:
                x, y = places[(row, unit.index)]
                text = str(unit.index) if row == 0 else pixels_text(unit.sees)
                rotation = 0 if row == 0 or len(text) * 0.12 < _gap(level, found) else 90
                axes.text(x, y - 0.22, text, ha="center", va="top", fontsize=7,
                          rotation=rotation, gid=f"sees:{row}:{unit.index}", zorder=3,
                          bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4,
                                "alpha": 0.85})
        axes.set_yticks([-1.4 * row for row in range(len(found))],
                        [_label(level) for level in found])
        axes.set_xticks([])
        axes.set_xlim(pixels[0].index - 1, pixels[-1].index + 1)
        axes.set_ylim(-1.4 * (len(found) - 1) - 1.2, 0.5)
        for side in ("top", "right", "bottom", "left"):
            axes.spines[side].set_visible(False)
        axes.tick_params(axis="y", length=0)
        axes.set_title(title, fontsize=9)
    return figure


def _label(level: Level) -> str:
    """A row's name, with its op unless the name already starts with it (``conv_0``)."""
    return level.name if level.name.startswith(level.op) else f"{level.name} ({level.op})"


def _positions(level: Level, pixels: Level) -> list[float]:
    """Where each unit is drawn: above the middle of its field, or evenly spread.

    Units are drawn above the middle of the pixels they see when that keeps them apart,
    else evenly spread under the input row.
    """
    if level is pixels:
        return [float(unit.index) for unit in level.units]
    centres = [(min(u.sees) + max(u.sees)) / 2 if u.sees else None for u in level.units]
    if None not in centres and all(b - a >= 1 for a, b in itertools.pairwise(centres)):  # type: ignore[operator]  # no None left
        return centres  # type: ignore[return-value]  # no None left
    lo, hi = pixels.units[0].index, pixels.units[-1].index
    count = len(level.units)
    if count == 1:
        return [(lo + hi) / 2]
    return [lo + (hi - lo) * i / (count - 1) for i in range(count)]


def _gap(level: Level, found: tuple[Level, ...]) -> float:
    """The smallest distance between neighbouring units of ``level``, in pixels."""
    places = _positions(level, found[0])
    return min((b - a for a, b in itertools.pairwise(places)), default=float("inf"))
