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

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from symrf.engine.exact import Tables
from symrf.engine.numeric import bind, evaluate
from symrf.engine.report import network
from symrf.errors import NetworkError, TooLargeError
from symrf.layers.base import Layer
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
    tables = Tables(top, input_size, sets=True)  # every row's sets, in one pass
    rows = []
    covered = False
    for index, row in enumerate(report.layers):
        first, last = tables.cell(index, 0), tables.cell(index, row.size - 1)
        if first is None:  # unit 0 reads nothing (a transposed convolution with kernel < stride)
            rows.append(CoverageRow(
                name=row.name, op=row.op, size=row.size, rf=row.rf, covers_input=False,
                unproductive=covered, in_padding=0, padding_fraction=Fraction(0), holes=(),
            ))
            continue
        left, right, mask = first
        covers = last is not None and last[0] <= 0 and right >= input_size - 1
        outside = max(0, min(right, -1) - left + 1) + max(0, right - max(left, input_size) + 1)
        rows.append(CoverageRow(
            name=row.name, op=row.op, size=row.size, rf=row.rf, covers_input=covers,
            unproductive=covered, in_padding=outside,
            padding_fraction=Fraction(outside, right - left + 1),
            holes=_holes(mask, right - left + 1, row.name),
        ))
        covered = covered or covers
    return Coverage(report.name, input_size, tuple(rows))


def _holes(mask: int, width: int, name: str) -> tuple[int, ...]:
    """The offsets inside a hull of ``width`` that the set ``mask`` (bits) lacks."""
    count = width - mask.bit_count()
    if count > MAX_COVERAGE:
        raise TooLargeError(
            f"{name}: unit 0's field has {count} holes (positions inside it that it never "
            f"reads), more than symrf lists ({MAX_COVERAGE}); its dilations are too large "
            "to list the gridding pattern."
        )
    if not count:
        return ()
    bits = format(mask, "b").zfill(width)[::-1]  # bit i is offset i
    return tuple(offset for offset, bit in enumerate(bits) if bit == "0")
