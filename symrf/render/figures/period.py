"""The ``period`` figure: position-dependent fields after upsampling, over two periods.

After a transposed convolution, an upsampling or a pixel shuffle, neighbouring units see
fields of different sizes and the pattern repeats only after ``period`` units (see
docs/explanation/position-dependent.md). The figure draws units ``0 .. 2*period - 1`` of
the output map, one per line: the input positions each depends on (exact engine,
:func:`symrf.engine.dependencies.dependencies`) over a bar for its hull, with the first
period shaded, so the repeat ``hull(x + period) = hull(x) + period*jump`` can be seen.

>>> import symrf
>>> from symrf.render.figures.subject import subject
>>> net = symrf.Sequential(symrf.Upsample(factor=2), symrf.Conv(kernel=2))
>>> found = unit_sets(subject(net))
>>> found.period, [sorted(sees) for sees in found.sees]
(2, [[0], [0, 1], [1], [1, 2]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from symrf.engine.dependencies import Budget, dependencies
from symrf.engine.numeric import evaluate
from symrf.errors import TooLargeError
from symrf.maths.scalars import Scalar
from symrf.render.figures.canvas import new_figure, style
from symrf.render.figures.index import pixels_text
from symrf.render.figures.subject import Subject

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_PERIOD = 32
"""Longest period drawn (two periods are drawn, one unit per line)."""
MIN_UNITS = 4
"""Units drawn at least (a period of 1 still shows the fields sliding by the jump)."""


@dataclass(frozen=True)
class Periodic:
    """The dependency sets of the first units of a map, with its period and figures."""

    name: str
    sees: tuple[frozenset[int], ...]
    period: int
    jump: Scalar
    rf: int
    rf_min: int
    offset: Scalar
    size: int | None
    """The input length, when known."""


def unit_sets(drawn: Subject, axis: int = 0) -> Periodic:
    """The dependency sets of units ``0 .. 2*period - 1`` of ``drawn``'s output map.

    Raises:
        TooLargeError: The period is longer than :data:`MAX_PERIOD`.
    """
    net, size = drawn.along(axis)
    report = evaluate(net, input_size=size)
    period = int(report.period)
    if period > MAX_PERIOD:
        raise TooLargeError(
            f"the fields of {drawn.name} repeat every {period} units, more than the "
            f"{MAX_PERIOD} the period figure draws; use --kind growth for rf and rf_min."
        )
    count = max(2 * period, MIN_UNITS)
    if size is not None:
        count = min(count, report.size)
    budget = Budget()
    sees = tuple(frozenset(dependencies(net, size, {x}, budget)) for x in range(count))
    return Periodic(drawn.name, sees, period, report.jump, report.rf, report.rf_min,
                    report.offset, size)


def draw(drawn: Subject, axis: int = 0) -> Figure:
    """The period figure of ``drawn``'s output map along ``axis``.

    >>> import symrf
    >>> from symrf.render.figures.subject import subject
    >>> net = symrf.Sequential(symrf.Conv(kernel=2), symrf.ConvTranspose(kernel=1, stride=2))
    >>> [text.get_text() for text in draw(subject(net)).axes[0].texts][:2]
    ['unit 0: 0,1 (rf 2)', 'unit 1: nothing (rf 0)']
    """
    return picture(unit_sets(drawn, axis))


def picture(found: Periodic) -> Figure:
    """One line per unit: its input positions over its hull; the first period shaded."""
    from matplotlib.patches import Rectangle


    count = len(found.sees)
    seen = set().union(*found.sees) | {0}
    lo, hi = min(seen) - 1, max(seen) + 1
    figure = new_figure(min(14.0, max(6.0, 0.3 * (hi - lo) + 4.0)), 1.4 + 0.32 * count)
    with style():
        axes = figure.add_subplot()
        axes.axhspan(-0.5, found.period - 0.5, color=(0.93, 0.95, 1.0), zorder=0)
        if found.size is not None:
            axes.axvspan(lo - 0.5, -0.5, color="0.92", zorder=0)
            axes.axvspan(found.size - 0.5, hi + 0.5, color="0.92", zorder=0)
        for x, sees in enumerate(found.sees):
            if sees:
                left, right = min(sees), max(sees)
                axes.add_patch(Rectangle((left - 0.5, x - 0.3), right - left + 1, 0.6,
                                         color=(0.75, 0.83, 0.95), zorder=1))
                axes.plot(sorted(sees), [x] * len(sees), "s", color="tab:blue",
                          markersize=5, zorder=2)
            rf = max(sees) - min(sees) + 1 if sees else 0
            shown = pixels_text(sees) if sees else "nothing"
            axes.text(1.01, x, f"unit {x}: {shown} (rf {rf})", va="center", fontsize=7,
                      transform=axes.get_yaxis_transform(), gid=f"unit:{x}")
        axes.set_xlim(lo - 0.5, hi + 0.5)
        axes.set_ylim(count - 0.5, -0.5)
        axes.set_yticks(range(count))
        axes.set_ylabel("output unit")
        axes.set_xlabel("input position" + (" (grey: padding)" if found.size else ""))
        axes.grid(True, axis="x", color="0.85", linewidth=0.4)
        aligned = "" if found.offset == 0 else f", branch offset {found.offset}"
        axes.set_title(
            f"{found.name}: period {found.period} (shaded), jump {found.jump}, rf "
            f"{found.rf_min}..{found.rf}{aligned}: hull(x + {found.period}) = hull(x) + "
            f"{found.period * found.jump}", fontsize=9)
    return figure
