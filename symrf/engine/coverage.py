"""Input-size analysis: what each feature map sees of an input of known length.

For every row of a network, :func:`coverage` reports the feature-map length; whether the
receptive fields already cover the whole input (every unit sees every pixel, so the layers
after that point cannot see more context: they are reported as unproductive); how many of
unit 0's hull positions fall in padding; and the *gridding* of dilated stacks: the
positions inside unit 0's hull that it never reads (the holes), with a hole-free verdict.

>>> import symrf
>>> net = symrf.Sequential(symrf.Conv(kernel=3, dilation=2, padding=2),
...                        symrf.Conv(kernel=3, dilation=2, padding=2))
>>> row = coverage(net, 32).rows[-1]
>>> row.holes, row.hole_free, row.in_padding
((1, 3, 5, 7), False, 4)
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from symrf.engine.exact import Budget, dependencies
from symrf.engine.numeric import bind, evaluate
from symrf.engine.report import network
from symrf.errors import NetworkError, TooLargeError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.limits import MAX_COVERAGE
from symrf.maths.scalars import Scalar


@dataclass(frozen=True)
class CoverageRow:
    """What one feature map sees of the input (one axis)."""

    name: str
    op: str
    size: int
    rf: int
    covers_input: bool
    """Every unit's receptive field contains every input pixel."""
    unproductive: bool
    """An earlier feature map already covered the whole input."""
    in_padding: int
    """Positions of unit 0's hull outside the input (in padding)."""
    padding_fraction: Fraction
    holes: tuple[int, ...]
    """Offsets from unit 0's left end, inside its hull, that it never reads."""

    @property
    def hole_free(self) -> bool:
        """Whether unit 0 reads every position of its hull (no gridding)."""
        return not self.holes


@dataclass(frozen=True)
class Coverage:
    """Per-row coverage of a network for one input length (one axis)."""

    name: str
    input_size: int
    rows: tuple[CoverageRow, ...]


def coverage(
    net: Layer, input_size: int, values: Mapping[str, Scalar] | None = None
) -> Coverage:
    """Analyse what each feature map of ``net`` sees of an input of ``input_size`` pixels.

    Args:
        net: A one-axis network (give per-axis networks one axis at a time).
        input_size: The input length.
        values: Numbers for the network's symbols, by name.

    Raises:
        NetworkError: The network has several axes, or a symbol has no value.
    """
    report = evaluate(net, input_size=input_size, **dict(values or {}))
    if report.per_axis:
        raise NetworkError("coverage works on one axis; analyse each axis separately.")
    top = network(net)
    if values:
        top = top.substitute(bind(values))
    rows = []
    covered = False
    budget = Budget()  # every row's dependency sets together stay within MAX_READS
    for index, row in enumerate(report.layers):
        upto = _upto(top, index)
        hull = dependencies(upto, input_size, {0}, budget)
        last = dependencies(upto, input_size, {row.size - 1}, budget)
        if not hull:  # unit 0 reads nothing (a transposed convolution with kernel < stride)
            rows.append(CoverageRow(
                name=row.name, op=row.op, size=row.size, rf=row.rf, covers_input=False,
                unproductive=covered, in_padding=0, padding_fraction=Fraction(0), holes=(),
            ))
            continue
        left, right = min(hull), max(hull)
        covers = bool(last) and min(last) <= 0 and right >= input_size - 1
        outside = max(0, min(right, -1) - left + 1) + max(0, right - max(left, input_size) + 1)
        rows.append(CoverageRow(
            name=row.name, op=row.op, size=row.size, rf=row.rf, covers_input=covers,
            unproductive=covered, in_padding=outside,
            padding_fraction=Fraction(outside, right - left + 1),
            holes=_holes(hull, left, right, row.name),
        ))
        covered = covered or covers
    return Coverage(report.name, input_size, tuple(rows))


def _holes(hull: set[int], left: int, right: int, name: str) -> tuple[int, ...]:
    """Offsets from ``left`` inside ``[left, right]`` that ``hull`` lacks, within the budget."""
    count = right - left + 1 - len(hull)
    if count > MAX_COVERAGE:
        raise TooLargeError(
            f"{name}: unit 0's field has {count} holes (positions inside it that it never "
            f"reads), more than symrf lists ({MAX_COVERAGE}); its dilations are too large "
            "to list the gridding pattern."
        )
    found: list[int] = []
    units = sorted(hull)
    for before, after in itertools.pairwise(units):
        found.extend(range(before + 1 - left, after - left))
    return tuple(found)


@functools.singledispatch
def _upto(top: Layer, index: int) -> Layer:
    assert isinstance(top, Sequential)
    return Sequential(*top.layers[: index + 1])


@_upto.register
def _(top: Graph, index: int) -> Layer:
    return top.upto(top.nodes[index].name)
