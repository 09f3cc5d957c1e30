"""Figures of receptive fields, drawn from the same exact computation as the tables.

:func:`figure` draws one :class:`Kind` of figure of a network (an object, a spec file, a
built-in model name) and returns a matplotlib figure; :func:`save` writes it as SVG, PNG
or PDF, byte for byte the same on every run. Each kind is one module, listed in
:data:`KINDS`:

- ``index``: the classic picture of a small 1-D network, each unit labelled with the input
  pixels it sees, lines to the units it reads (:mod:`symrf.render.figures.index`);
- ``growth``: rf and jump per layer, with ``rf_min`` and ``rf_min_path`` where they differ
  (:mod:`symrf.render.figures.growth`);
- ``field``: the fields of a few output units over a 2-D input grid, padding shown
  (:mod:`symrf.render.figures.field`);
- ``coverage``: what unit 0 of each map reads, holes of dilated stacks in red
  (:mod:`symrf.render.figures.coverage`);
- ``period``: position-dependent fields after upsampling, over two periods
  (:mod:`symrf.render.figures.period`);
- ``erf``: the effective receptive field, exact path counts with the theoretical field and
  the Gaussian of the closed-form width (:mod:`symrf.render.figures.erf`).

matplotlib (``pip install 'symrf[plot]'``) is imported only when a figure is drawn.

>>> import symrf.render.figures
>>> fig = symrf.render.figures.figure("alexnet", "growth")
>>> [axes.get_ylabel() for axes in fig.axes]
['input pixels', 'jump']
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from symrf.errors import NetworkError, ScalarTypeError
from symrf.maths.arguments import described, named_values, whole
from symrf.maths.scalars import Scalar
from symrf.render.figures import coverage, erf, field, growth, index, period
from symrf.render.figures.budget import visits
from symrf.render.figures.canvas import FORMATS, matplotlib_module, save, svg_text
from symrf.render.figures.subject import Subject, Target, subject

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class Kind(enum.Enum):
    """The kinds of figure, by the name the command line's ``--kind`` takes."""

    INDEX = "index"
    GROWTH = "growth"
    FIELD = "field"
    COVERAGE = "coverage"
    PERIOD = "period"
    ERF = "erf"


Draw = Callable[[Subject, Mapping[str, Any]], "Figure"]

KINDS: dict[Kind, Draw] = {
    Kind.INDEX: lambda drawn, options: index.draw(drawn),
    Kind.GROWTH: lambda drawn, options: growth.draw(drawn, options["axis"]),
    Kind.FIELD: lambda drawn, options: field.draw(drawn, options["units"]),
    Kind.COVERAGE: lambda drawn, options: coverage.draw(drawn, options["axis"]),
    Kind.PERIOD: lambda drawn, options: period.draw(drawn, options["axis"]),
    Kind.ERF: lambda drawn, options: erf.draw(drawn, options["axis"]),
}
"""How each kind is drawn from a :class:`~symrf.render.figures.subject.Subject` and the options."""


def kind_of(name: str | Kind) -> Kind:
    """The :class:`Kind` named ``name``, or a one-line error listing the kinds.

    >>> kind_of("growth")
    <Kind.GROWTH: 'growth'>
    >>> kind_of("growht")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.NetworkError: unknown figure kind 'growht'; kinds: index, growth, field, ...
    """
    if isinstance(name, Kind):
        return name
    if not isinstance(name, str):
        raise ScalarTypeError(f"figure: kind is {described(name)}; give one of "
                              f"{', '.join(kind.value for kind in Kind)}.")
    try:
        return Kind(name)
    except ValueError:
        kinds = ", ".join(kind.value for kind in Kind)
        raise NetworkError(f"unknown figure kind {name!r}; kinds: {kinds}.") from None


def figure(
    target: Target,
    kind: str | Kind = "growth",
    *,
    input_size: object = None,
    values: Mapping[str, Scalar] | None = None,
    units: Sequence[int | tuple[int, int]] | None = None,
    axis: int = 0,
    upto: str | None = None,
) -> Figure:
    """Draw a figure of ``target``'s receptive fields.

    Args:
        target: A layer or network, a spec file, a built-in model name (``symrf zoo``), an
            ONNX file or ``package.module:attr``.
        kind: One of :class:`Kind` (``"index"``, ``"growth"``, ``"field"``, ``"coverage"``,
            ``"period"``, ``"erf"``).
        input_size: The input length (one int, or one per axis); default: the spec's. The
            index picture picks the smallest input that every map fits when none is given.
        values: Numbers for the network's symbols, by name (``{"k": 3}``).
        units: Output units for the ``field`` figure, ``(row, column)`` or one int for
            ``(x, x)``; default ``(0, 0)`` and ``(1, 1)``.
        axis: The axis drawn by one-axis kinds, for networks with per-axis parameters.
        upto: Draw the network up to and including this row.

    Returns:
        A :class:`matplotlib.figure.Figure` (Jupyter shows it as SVG); write it with
        :func:`save`.

    Raises:
        NetworkError: An unknown kind, a symbol without a value, a missing input size.
        SpecError: matplotlib is not installed (``pip install 'symrf[plot]'``).
        TooLargeError: The network is too large for the kind (the index picture draws at
            most 64 units per row).

    >>> import symrf
    >>> seed = symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.Conv(kernel=2))
    >>> figure(seed, "index", input_size=5).axes[0].get_title()
    'network: the input pixels each unit sees (from 0)'
    """
    chosen = kind_of(kind)
    axis = whole(axis, "figure: axis", least=0, example="axis=1")
    units = _units(units)
    if upto is not None and not isinstance(upto, str):
        raise ScalarTypeError(f"figure: upto is {described(upto)}; give a row's name, e.g. "
                              "upto='conv3'.")
    matplotlib_module()  # a one-line error, before any work, when it is not installed
    drawn = subject(target, input_size=input_size,
                    values=named_values(values, "figure: values"), upto=upto)
    drawn.along(axis)  # an axis the network has
    _check_work(drawn, chosen, axis)
    return KINDS[chosen](drawn, {"axis": axis, "units": units})


def _units(units: object) -> list[int | tuple[int, int]] | None:
    """The ``units`` of a field figure: ``x`` or ``(row, column)``, whole numbers >= 0."""
    if units is None:
        return None
    if not isinstance(units, list | tuple):
        raise ScalarTypeError(f"figure: units is {described(units)}; give a list of units, "
                              "e.g. units=[(0, 0), (1, 2)] or units=[3].")
    found: list[int | tuple[int, int]] = []
    for number, unit in enumerate(units):
        what = f"figure: units[{number}]"
        if isinstance(unit, list | tuple):
            if len(unit) != 2:
                raise NetworkError(f"{what} is {unit!r}, not (row, column); give two whole "
                                   "numbers, e.g. (1, 2).")
            found.append((whole(unit[0], f"{what}[0]", least=0, example="(1, 2)"),
                          whole(unit[1], f"{what}[1]", least=0, example="(1, 2)")))
        else:
            found.append(whole(unit, what, least=0, example="3 or (1, 2)"))
    return found


def _check_work(drawn: Subject, kind: Kind, axis: int) -> None:
    """Refuse, before drawing, a figure whose exact fields would take more than seconds."""
    if kind not in (Kind.COVERAGE, Kind.INDEX):
        return  # symrf.erf and the exact engine plan their own work
    net, size = drawn.along(axis)
    if kind is Kind.COVERAGE:  # two dependency sets per row for coverage, one for the strip
        visits(net, size, every_row=True, reads=3)
    else:  # the index picture: up to MAX_UNITS units a row
        visits(net, size, every_row=True, reads=index.MAX_UNITS)


def write_figure(target: Target, kind: str, output: str, *, input_size: object = None,
                 values: Mapping[str, Scalar] | None = None,
                 units: Sequence[int | tuple[int, int]] | None = None, axis: int = 0,
                 upto: str | None = None) -> str:
    """What ``symrf figure`` runs: draw, write ``output`` (.svg/.png/.pdf), say so.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "growth.svg")
    >>> write_figure("dilated-stack", "growth", path).startswith("wrote ")
    True
    """
    drawn = figure(target, kind, input_size=input_size, values=values, units=units,
                   axis=axis, upto=upto)
    return save(drawn, output)


_WHOLE = re.compile(r"[0-9]{1,30}", re.ASCII)


def read_units(texts: Sequence[str]) -> list[int | tuple[int, int]]:
    """``--unit`` options: ``3`` or ``2,5`` (row, column).

    >>> read_units(["0", "1,2"])
    [0, (1, 2)]
    """
    found: list[int | tuple[int, int]] = []
    for text in texts:
        parts = text.split(",")
        numbers = [int(part) for part in parts if _WHOLE.fullmatch(part.strip())]
        if len(numbers) != len(parts) or len(numbers) not in (1, 2):
            raise NetworkError(f"--unit {text!r}: expected X or ROW,COLUMN with whole "
                               "numbers, e.g. --unit 1,2.")
        found.append(numbers[0] if len(numbers) == 1 else (numbers[0], numbers[1]))
    return found


__all__ = ["FORMATS", "KINDS", "Kind", "figure", "kind_of", "read_units", "save",
           "svg_text", "write_figure"]
