"""The figures of one feature map along one axis: :class:`Field`, and how a map becomes one.

A composed interval map (:mod:`symrf.maths.algebra`) gives the figures the glossary defines
(docs/concepts.md) at once; a containing map (resampling) gives proven bounds, labelled
``exact=False``. The exact position-dependent figures come from :mod:`symrf.engine.exact`;
reports of whole networks from :mod:`symrf.engine.report`.

>>> Field.of(IntervalMap(4, -2, 10), 55).rf
11
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from symrf.maths.algebra import IntervalMap
from symrf.maths.scalars import Scalar, ceil, divide, floor, is_number

FIGURES = (
    "rf", "rf_min", "rf_min_path", "jump", "left", "right", "center", "padding", "period",
    "aligned", "offset", "exact", "size",
)
"""The figures every field reports, in output order (defined in docs/concepts.md)."""

Finish = Callable[[Any], Any]


def unchanged(value: Any) -> Any:
    """The identity finish: figures as composed."""
    return value


@dataclass(frozen=True, slots=True)
class Field:
    """The receptive-field figures of one feature map along one axis.

    ``rf`` is the largest hull over all units, ``jump`` the effective stride, ``left`` and
    ``right`` the hull of unit 0, ``center`` its midpoint, ``padding`` the effective padding
    ``-left``, ``size`` the feature-map length (``None`` when the input length is unknown).
    ``rf_min_path`` is the field along the branch path with the smallest one; ``offset`` the
    largest distance between the centres of branches merged so far (in input pixels), and
    ``aligned`` says whether it is zero. For chains of convolutions and pools
    ``rf_min == rf_min_path == rf``, ``period == 1``, and the figures are exact and aligned.

    ``period`` is ``None`` where it is unknown (a bound, from a formula) or does not exist:
    where branches of different jumps merge (an ``align_corners`` upsampling beside a skip)
    the fields follow no single grid, ``jump`` is ``None`` too, and ``rf``, ``rf_min`` and
    the path and offset figures range over the map's own units.

    >>> Field.of(IntervalMap(4, -2, 10), 55).center
    3
    """

    rf: Scalar
    rf_min: Scalar
    rf_min_path: Scalar
    jump: Scalar | None
    left: Scalar
    right: Scalar
    center: Scalar
    padding: Scalar
    period: Scalar | None
    aligned: bool
    offset: Scalar
    exact: bool
    size: Scalar | None

    @classmethod
    def of(cls, span: IntervalMap, size: Scalar | None, finish: Finish = unchanged) -> Field:
        """The figures of a composed interval map; ``finish`` tidies each one."""
        if not span.exact:
            return cls._bound(span, size, finish)
        lo, width = span.lo, span.width
        rf = finish(width + 1)
        offset = finish(span.spread)
        return cls(
            rf=rf,
            rf_min=rf,
            rf_min_path=rf if span.narrow is width else finish(span.narrow + 1),
            jump=finish(span.scale),
            left=finish(lo),
            right=finish(lo + width),
            center=finish(lo + divide(width, 2)),
            padding=finish(-lo),
            period=1,
            aligned=offset == 0,
            offset=offset,
            exact=True,
            size=None if size is None else finish(size),
        )


    @classmethod
    def _bound(cls, span: IntervalMap, size: Scalar | None, finish: Finish) -> Field:
        """Proven bounds from a containing map: every unit's hull lies inside it.

        ``rf`` and ``rf_min_path`` are upper bounds (the integers in an interval of width
        ``w`` number at most ``floor(w) + 1``), ``rf_min`` the trivial lower bound 0, ``left``
        and ``right`` bounds on unit 0's hull; ``period`` is unknown (``None``).
        """
        # Formulas with Max/Min keep the unrounded bounds (still bounds, looser by less than
        # a pixel): rounding would let sympy 1.14 pull terms such as Max(0, 2*k - 4)/6, which
        # it wrongly takes for integers, out of the floor.
        lo, hi = _inward(ceil, span.lo), _inward(floor, span.lo + span.width)
        offset = finish(span.spread)
        return cls(
            rf=finish(_inward(floor, span.width) + 1),
            rf_min=0,
            rf_min_path=finish(_inward(floor, span.narrow) + 1),
            jump=finish(span.scale),
            left=finish(lo),
            right=finish(hi),
            center=finish(divide(lo + hi, 2)),
            padding=finish(-lo),
            period=None,
            aligned=offset == 0,
            offset=offset,
            exact=False,
            size=None if size is None else finish(size),
        )


def _inward(rounding: Callable[[Scalar], Scalar], value: Scalar) -> Scalar:
    """Round a bound to whole pixels, except formulas with Max/Min (see ``Field._bound``)."""
    if not is_number(value) and value.has(sympy.Max, sympy.Min):  # type: ignore[union-attr]  # not a number: an expression
        return value
    return rounding(value)
