"""Exact figures of networks whose receptive fields depend on position (resampling).

After an upsampling layer, units no longer all see fields of one size: the hull of unit
``x`` repeats only after a period (a divisor of the product ``Q`` of the upsampling factors),
and the simple recurrences of :mod:`symrf.algebra` give only a containing bound. Here the
numeric engine computes the truth: for each phase ``x = 0 .. Q-1`` it propagates the exact
set of units back to the input (:meth:`~symrf.layers.base.Layer.reads`) and takes the hull;
``rf`` is the largest hull, ``rf_min`` the smallest (0 when some unit reads nothing), and
``period`` the smallest shift after which the pattern repeats.

>>> from symrf.layers.compose import Sequential
>>> from symrf.layers.resample import Upsample
>>> from symrf.layers.window import Conv
>>> field = exact_field(Sequential(Upsample(factor=2), Conv(kernel=2)), None)
>>> field.rf, field.rf_min, field.period, field.jump
(2, 1, 2, Fraction(1, 2))
"""

from __future__ import annotations

from fractions import Fraction

from symrf.errors import TooLargeError
from symrf.layers.base import Layer
from symrf.layers.graph import Graph, as_graph
from symrf.report import Field
from symrf.scalars import Scalar, divide, exact

_MAX_PHASES = 1 << 14
"""Most phases enumerated for one figure (the product of the upsampling factors)."""

Hull = tuple[int, int] | None


def _hull(units: set[int]) -> Hull:
    return (min(units), max(units)) if units else None


def _size(hull: Hull) -> int:
    return 0 if hull is None else hull[1] - hull[0] + 1


def _shifted(hull: Hull, shift: Scalar) -> Hull:
    return None if hull is None else (hull[0] + shift, hull[1] + shift)  # type: ignore[return-value]


def exact_field(net: Layer, size: int | None, result_size: Scalar | None = None) -> Field:
    """Exact figures of ``net`` (numeric parameters) by enumerating one period of phases.

    Args:
        net: The network up to the feature map of interest (a chain or a graph).
        size: The input length, if known.
        result_size: The feature map's length, copied into the field.
    """
    phases = net.period_factor()
    if phases > _MAX_PHASES:
        raise TooLargeError(
            f"position-dependent receptive fields repeat only every {phases} units (the product "
            f"of the upsampling factors); symrf enumerates at most {_MAX_PHASES}."
        )
    jump = exact(net.geometry(size).map.scale)
    hulls = [_hull(net.reads({x}, size)) for x in range(2 * phases)]
    sizes = [_size(hull) for hull in hulls[:phases]]
    period = next(
        p for p in range(1, phases + 1)
        if phases % p == 0
        and all(hulls[x + p] == _shifted(hulls[x], p * jump) for x in range(phases))
    )
    first = hulls[0]
    left = None if first is None else first[0]
    right = None if first is None else first[1]
    narrowest = max(sizes)
    offset: Scalar = 0
    flat = as_graph(net)
    if any(node.layer is None for node in flat.nodes):  # branches: path-wise figures
        narrowest = _narrowest_path(flat, size, phases, narrowest)
        offset = _merge_offset(flat, size, phases)
    return Field(
        rf=max(sizes),
        rf_min=min(sizes),
        rf_min_path=narrowest,
        jump=jump,
        left=left,  # type: ignore[arg-type]
        right=right,  # type: ignore[arg-type]
        center=None if first is None else divide(first[0] + first[1], 2),  # type: ignore[arg-type]
        padding=None if left is None else -left,  # type: ignore[arg-type]
        period=period,
        aligned=offset == 0,
        offset=offset,
        exact=True,
        size=None if result_size is None else exact(result_size),
    )


def _narrowest_path(net: Graph, size: int | None, phases: int, default: int) -> int:
    """The smallest largest-hull over the input-to-output paths (exact, per path)."""
    paths = net.paths(net.output)
    if not paths:
        return default
    return min(
        max(_size(_hull(path.reads({x}, size))) for x in range(phases)) for path in paths
    )


def _merge_offset(net: Graph, size: int | None, phases: int) -> Scalar:
    """The largest distance between the centres of inputs joined by a merge, over phases."""
    offset: Scalar = 0
    for node in net.nodes:
        if node.layer is not None:
            continue
        for x in range(phases):
            centres = []
            for source in node.inputs:
                hull = _hull(net.reads_from(source, {x}, size) if source != "input" else {x})
                if hull is not None:
                    centres.append(Fraction(hull[0] + hull[1], 2))
            if centres:
                offset = max(offset, divide(max(centres) - min(centres), 1))
    return offset
