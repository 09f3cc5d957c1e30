"""The ``growth`` figure: receptive field and jump after every layer, for any network.

Two panels share the layer axis: the receptive field (with ``rf_min`` where fields depend
on position, and ``rf_min_path`` where branches give a narrower path), and the jump. A
panel is drawn on a log scale when its values span more than :data:`LOG_SPAN` (two
decades). The figures are the exact numbers of :func:`symrf.engine.numeric.evaluate`.

>>> import symrf
>>> curves = series(symrf.zoo.build("resnet50"), None)
>>> curves.rf[-1], curves.rf_min_path[-1], curves.jump[-1]
(427, 11, 32)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from symrf.engine.numeric import evaluate
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.render.figures.canvas import new_figure, style
from symrf.render.figures.subject import Subject

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LOG_SPAN = 100
"""A panel whose largest value is more than this many times its smallest uses a log scale."""
MAX_TICKS = 40
"""Most layer names written under the axis (every n-th name beyond)."""
MAX_NOTES = 30
"""Most rows whose values are written beside the points."""
MAX_MARKERS = 300
"""Most rows drawn with a marker each; longer curves are plain lines (SVG markers are slow)."""


@dataclass(frozen=True)
class Growth:
    """The figures of every row of a network, as the growth figure draws them."""

    name: str
    rows: tuple[str, ...]
    rf: tuple[int, ...]
    rf_min: tuple[int, ...]
    rf_min_path: tuple[int | None, ...]
    jump: tuple[int | Fraction, ...]

    @property
    def position_dependent(self) -> bool:
        """Whether some row's units see fields of different sizes (resampling)."""
        return self.rf_min != self.rf

    @property
    def branching(self) -> bool:
        """Whether some row has a narrower path through its branches than its field."""
        return self.rf_min_path != self.rf


def series(net: Sequential | Graph, size: int | None, name: str = "network") -> Growth:
    """The growth curves of the one-axis ``net`` (exact numbers; ``size`` if size matters).

    >>> import symrf
    >>> series(symrf.zoo.build("dilated-stack"), None).rf
    (3, 7, 15, 31)
    """
    report = evaluate(net, input_size=size)
    rows = list(report.layers)
    return Growth(
        name=name,
        rows=tuple(row.name for row in rows),
        rf=tuple(row.rf for row in rows),
        rf_min=tuple(row.rf_min for row in rows),
        rf_min_path=tuple(row.rf_min_path for row in rows),
        jump=tuple(row.jump for row in rows),
    )


def draw(drawn: Subject, axis: int = 0) -> Figure:
    """The growth figure of ``drawn`` along ``axis``.

    >>> import symrf
    >>> from symrf.render.figures.subject import subject
    >>> figure = draw(subject(symrf.Sequential(*[symrf.Conv(kernel=3, stride=2)] * 8)))
    >>> [axes.get_yscale() for axes in figure.axes]
    ['log', 'log']
    """
    net, size = drawn.along(axis)
    curves = series(net, size, drawn.name)
    where = f" (axis {axis})" if drawn.axes > 1 else ""
    return chart(curves, f"{curves.name}{where}: receptive field and jump per layer")


def chart(curves: Growth, title: str) -> Figure:
    """Draw the two panels of ``curves``."""
    count = len(curves.rows)
    figure = new_figure(max(5.0, min(14.0, 0.32 * count + 3)), 5.2)
    with style():
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        places = list(range(count))
        _curve(top, places, curves.rf, "rf (largest field)", "tab:blue", "o")
        if curves.position_dependent:
            _curve(top, places, curves.rf_min, "rf_min (smallest field)", "tab:orange", "v")
        if curves.branching:
            _curve(top, places, curves.rf_min_path, "rf_min_path (narrowest path)",
                   "tab:green", "s")
        _notes(top, places, curves.rf)
        _scale(top, [*curves.rf, *curves.rf_min, *curves.rf_min_path])
        top.set_ylabel("input pixels")
        top.legend(loc="upper left", fontsize=8)
        _curve(bottom, places, curves.jump, "jump (input pixels per unit)", "tab:red", "o")
        _notes(bottom, places, curves.jump)
        _scale(bottom, list(curves.jump))
        bottom.set_ylabel("jump")
        bottom.legend(loc="upper left", fontsize=8)
        step = max(1, math.ceil(count / MAX_TICKS))
        bottom.set_xticks(places[::step], curves.rows[::step], rotation=60, ha="right",
                          fontsize=7)
        bottom.set_xlim(-0.5, count - 0.5)
        for axes in (top, bottom):
            axes.grid(True, color="0.9", linewidth=0.6)
            axes.margins(y=0.15)
        top.set_title(title, fontsize=9)
    return figure


def _curve(axes: Axes, places: list[int], values: tuple[Any, ...], label: str, color: str,
           marker: str) -> None:
    """One series; unknown values (``None``) leave a gap."""
    numbers = [math.nan if value is None else float(value) for value in values]
    shown = marker if len(places) <= MAX_MARKERS else None  # thousands of markers: a line
    axes.plot(places, numbers, marker=shown, markersize=4, linewidth=1.2, color=color,
              label=label, drawstyle="default")


def _notes(axes: Axes, places: list[int], values: tuple[Any, ...]) -> None:
    """Write each value beside its point, when the rows are few enough to read them."""
    if len(values) > MAX_NOTES:
        return
    for place, value in zip(places, values, strict=True):
        axes.annotate(str(value), (place, float(value)), textcoords="offset points",
                      xytext=(0, 5), ha="center", fontsize=6, color="0.3",
                      gid=f"value:{place}")


def _scale(axes: Axes, values: list[Any]) -> None:
    """Log scale when the positive values span more than :data:`LOG_SPAN`."""
    positive = [float(value) for value in values if value is not None and value > 0]
    if positive and max(positive) > LOG_SPAN * min(positive):
        axes.set_yscale("log")
