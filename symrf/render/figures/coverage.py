"""The ``coverage`` figure: the holes of dilated stacks (gridding), layer by layer.

One strip per feature map shows what unit 0 reads along the input: the positions it reads
(dark, lighter in padding), the holes inside its hull that it never reads (red), and the
input's ends. Beside each strip, the verdict of :func:`symrf.engine.coverage.coverage` (holes,
whether the fields cover the whole input). The read positions come from the exact engine
(:func:`symrf.engine.dependencies.dependencies`), the same sets ``coverage`` counts the holes of.

>>> from symrf.render.figures.subject import subject
>>> strips = coverage_strips(subject("docs/examples/gridding.toml"))
>>> [strip.hole_positions for strip in strips.strips]
[(-1, 1), (-3, -1, 1, 3)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from symrf.engine.coverage import Coverage, CoverageRow, coverage
from symrf.engine.dependencies import Budget, dependencies
from symrf.errors import NetworkError, TooLargeError
from symrf.render.figures.canvas import new_figure, style
from symrf.render.figures.subject import Subject, prefix

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_WIDTH = 4096
"""Most input positions drawn across the strips."""

READ, READ_PADDING, HOLE, OUTSIDE, PADDING = range(5)
"""What a cell of a strip shows."""
_COLOURS = {READ: (0.12, 0.35, 0.65), READ_PADDING: (0.55, 0.68, 0.85), HOLE: (0.93, 0.45, 0.40),
            OUTSIDE: (1.0, 1.0, 1.0), PADDING: (0.90, 0.90, 0.90)}


@dataclass(frozen=True)
class Strip:
    """Unit 0 of one feature map: what it reads, and coverage's verdict on the map."""

    row: CoverageRow
    reads: frozenset[int]

    @property
    def hole_positions(self) -> tuple[int, ...]:
        """Input positions inside unit 0's hull that it never reads.

        ``row.holes`` lists the same ones as offsets from the hull's left end.
        """
        if not self.reads:
            return ()
        return tuple(x for x in range(min(self.reads), max(self.reads)) if x not in self.reads)


@dataclass(frozen=True)
class Strips:
    """The strips of every feature map, over one stretch of input positions."""

    result: Coverage
    strips: tuple[Strip, ...]
    span: range


def coverage_strips(drawn: Subject, axis: int = 0) -> Strips:
    """What unit 0 of every feature map of ``drawn`` reads, with coverage's verdicts.

    Raises:
        NetworkError: The input size is unknown.
        TooLargeError: The strips would be wider than :data:`MAX_WIDTH`.
    """
    net, size = drawn.along(axis)
    if size is None:
        raise NetworkError(f"the coverage figure of {drawn.name} needs an input size: give "
                           "input_size=64 (--input 64).")
    result = coverage(net, size)
    budget = Budget()
    strips = tuple(Strip(row, frozenset(dependencies(prefix(net, index), size, {0}, budget)))
                   for index, row in enumerate(result.rows))
    seen = set().union(*(strip.reads for strip in strips)) | {0, size - 1}
    span = range(min(seen) - 1, max(seen) + 2)
    if len(span) > MAX_WIDTH:
        raise TooLargeError(
            f"the coverage figure draws at most {MAX_WIDTH} input positions and {drawn.name} "
            f"needs {len(span)}; give a smaller input size or use --upto ROW."
        )
    return Strips(result, strips, span)


def cell(x: int, strip: Strip, size: int) -> int:
    """What strip ``strip`` shows at input position ``x`` (:data:`READ`, :data:`HOLE`, ...).

    >>> from symrf.engine.coverage import CoverageRow
    >>> row = CoverageRow("c", "conv", 4, 3, False, False, 1, 1, (1,))
    >>> [cell(x, Strip(row, frozenset({-1, 1})), 4) for x in (-1, 0, 1, 2)]
    [1, 2, 0, 3]
    """
    inside = 0 <= x < size
    if x in strip.reads:
        return READ if inside else READ_PADDING
    if strip.reads and min(strip.reads) < x < max(strip.reads):
        return HOLE
    return OUTSIDE if inside else PADDING


def draw(drawn: Subject, axis: int = 0) -> Figure:
    """The coverage figure of ``drawn`` along ``axis``.

    >>> from symrf.render.figures.subject import subject
    >>> figure = draw(subject("docs/examples/gridding.toml"))
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['rf 5, 2 holes', 'rf 9, 4 holes']
    """
    return picture(coverage_strips(drawn, axis))


def picture(found: Strips) -> Figure:
    """Draw one strip per feature map, top to bottom, with the verdicts on the right."""
    import numpy as np
    from matplotlib.patches import Patch

    size = found.result.input_size
    strips = found.strips
    image = np.array([[_COLOURS[cell(x, strip, size)] for x in found.span] for strip in strips])
    width = len(found.span)
    figure = new_figure(min(14.0, max(6.0, 0.18 * width + 3.0)), 1.4 + 0.42 * len(strips))
    with style():
        axes = figure.add_subplot()
        extent = (found.span[0] - 0.5, found.span[-1] + 0.5, len(strips) - 0.5, -0.5)
        axes.imshow(image, extent=extent, interpolation="nearest", aspect="auto")
        for place in range(1, len(strips)):  # white gaps between the strips
            axes.axhline(place - 0.5, color="white", linewidth=3)
        for edge in (-0.5, size - 0.5):
            axes.axvline(edge, color="black", linewidth=1.0)
        if width <= 96:
            axes.set_xticks([x - 0.5 for x in found.span], minor=True)
            axes.grid(True, which="minor", axis="x", color="0.75", linewidth=0.3)
            axes.tick_params(which="minor", length=0)
        axes.set_yticks(range(len(strips)), [strip.row.name for strip in strips])
        for place, strip in enumerate(strips):
            axes.text(1.01, 1 - (place + 0.5) / len(strips), _verdict(strip),
                      transform=axes.transAxes, va="center", fontsize=7)
        axes.set_xlabel(f"input position (the input is 0 .. {size - 1}, between the lines)")
        labels = {READ: "read by unit 0", READ_PADDING: "read, in padding",
                  HOLE: "hole: inside the field, never read", PADDING: "padding"}
        figure.legend(handles=[Patch(color=_COLOURS[key], label=label)
                               for key, label in labels.items()],
                      loc="outside lower center", ncol=4, fontsize=7, frameon=False)
        axes.set_title(f"{found.result.name}: what unit 0 of each feature map reads "
                       f"({size}-pixel input)", fontsize=9)
    return figure


def _verdict(strip: Strip) -> str:
    """``rf 9, 4 holes`` and, where they hold, ``covers the input`` / ``unproductive``."""
    row = strip.row
    holes = "hole-free" if row.hole_free else f"{len(row.holes)} holes"
    words = [f"rf {row.rf}", holes]
    if row.covers_input:
        words.append("covers the input")
    if row.unproductive:
        words.append("unproductive")
    return ", ".join(words)
