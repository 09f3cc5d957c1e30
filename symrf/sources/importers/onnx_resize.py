"""ONNX Resize and Upsample: whole-factor upsampling with the taps PyTorch and ONNX read.

A coordinate mode is accepted only where it reads what symrf's :class:`Upsample` reads:
nearest ``floor(x/f)`` (checked in exact arithmetic for the factor), linear and cubic with
half-pixel centres or ``align_corners``. Anything else is an error naming the node and the
attribute.

>>> nearest_is_floor("asymmetric", "floor", 3)
True
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from symrf.layers.base import Layer
from symrf.layers.pointwise import Identity
from symrf.layers.resample import Mode, Upsample
from symrf.limits import MAX_PHASES
from symrf.sources.importers.onnx_check import attribute_error, quoted
from symrf.sources.importers.onnx_dims import Map, Size, as_expr
from symrf.sources.importers.onnx_spatial import Walk, per_axis, placement

_TRANSFORMS = {
    "half_pixel": lambda x, f: (x + Fraction(1, 2)) / f - Fraction(1, 2),
    "pytorch_half_pixel": lambda x, f: (x + Fraction(1, 2)) / f - Fraction(1, 2),
    "half_pixel_symmetric": lambda x, f: (x + Fraction(1, 2)) / f - Fraction(1, 2),
    "asymmetric": lambda x, f: Fraction(x, f),
    "tf_half_pixel_for_nn": lambda x, f: (x + Fraction(1, 2)) / f,
}
"""Output coordinate to input coordinate, for an integer factor (size-independent modes)."""

_ROUNDING = {
    "round_prefer_floor": lambda v: math.ceil(v - Fraction(1, 2)),
    "round_prefer_ceil": lambda v: math.floor(v + Fraction(1, 2)),
    "floor": math.floor,
    "ceil": math.ceil,
}

_SMOOTH = {"linear": Mode.LINEAR, "bilinear": Mode.LINEAR, "cubic": Mode.CUBIC}
"""Interpolating Resize modes (symrf's centred taps: half-pixel coordinates)."""


def nearest_is_floor(transform: str, rounding: str, factor: int) -> bool:
    """Whether nearest resizing reads ``floor(x/f)`` (symrf's nearest) for every output x.

    >>> nearest_is_floor("asymmetric", "floor", 3), nearest_is_floor("asymmetric", "ceil", 3)
    (True, False)
    """
    if transform not in _TRANSFORMS or rounding not in _ROUNDING:
        return False
    source = _TRANSFORMS[transform]
    return all(_ROUNDING[rounding](source(x, factor)) == x // factor
               for x in range(2 * factor))


def _factors(walk: Walk, node: Any, source: Map) -> list[Any]:
    """The scale of every ONNX dimension, from scales or sizes, checked before any use.

    Raises:
        NetworkError: Scales or sizes of the wrong length, not finite and positive, or a
            factor past the phase limit (:data:`~symrf.limits.MAX_PHASES`).
    """
    attributes = walk.attributes(node)
    if node.op_type == "Upsample" or walk.opset < 11:
        scales = walk.constant(node, 1, "scales") if len(node.input) > 1 else None
        sizes = None
        scales = attributes.get("scales") if scales is None else scales
    else:
        scales, sizes = walk.constant(node, 2, "scales"), walk.constant(node, 3, "sizes")
    rank = source.rank
    given = attributes.get("axes")
    axes = list(range(rank)) if given is None else walk.dims(node, given, rank, "axes")
    if len(set(axes)) != len(axes):
        raise attribute_error(walk, node, "axes", "distinct dimensions", quoted(axes))
    why = (f"one per dimension of its rank-{rank} input" if given is None else
           f"one per entry of axes {quoted(axes)}")
    scales = None if scales is None or not np.asarray(scales).size else np.asarray(scales).ravel()
    sizes = None if sizes is None or not np.asarray(sizes).size else np.asarray(sizes).ravel()
    if scales is None and sizes is None:
        raise walk.error(node, "expected scales or sizes (one of them non-empty), found neither")
    if sizes is not None:
        _check(walk, node, "sizes", sizes, len(axes), why, integers=True)
    else:
        _check(walk, node, "scales", scales, len(axes), why, integers=False)
    factors: list[Any] = [1] * rank
    for index, j in enumerate(axes):
        if sizes is not None:
            factors[j] = _ratio(sizes[index], source.size(j))
        elif scales is not None:
            factors[j] = Fraction(float(scales[index])).limit_denominator(1 << 16)
    if sizes is not None:
        factors = _policy(walk, node, attributes, axes, factors)
    for j, factor in enumerate(factors):
        if factor is not None and factor > MAX_PHASES:
            raise walk.error(node, f"resizes dimension {j} by {float(factor):g}, more than "
                             f"symrf's limit of {MAX_PHASES} for one upsampling factor")
    return factors


def _check(walk: Walk, node: Any, what: str, values: Any, count: int, why: str,
           integers: bool) -> None:
    """Scales (finite, > 0) or sizes (integers >= 1): ``count`` of them."""
    if len(values) != count:
        raise attribute_error(walk, node, what, f"{count} values ({why})",
                              f"{len(values)}: {quoted(values.tolist())}")
    if values.dtype == object:  # lengths still symbolic: checked once they are numbers
        return
    if integers:
        good = values.dtype.kind in "iu" and bool((values >= 1).all())
        expected = "integers >= 1"
    else:
        good = values.dtype.kind in "iuf" and bool(np.isfinite(values).all()
                                                   and (values > 0).all())
        expected = "finite numbers > 0"
    if not good:
        raise attribute_error(walk, node, what, expected, quoted(values.tolist()))


def _policy(walk: Walk, node: Any, attributes: dict, axes: list[int],
            factors: list[Any]) -> list[Any]:
    """Sizes under keep_aspect_ratio_policy not_larger/not_smaller: one common factor."""
    policy = attributes.get("keep_aspect_ratio_policy", "stretch")
    chosen = [factors[j] for j in axes]
    if policy == "stretch" or len(set(chosen)) == 1:
        return factors
    raise attribute_error(walk, node, "keep_aspect_ratio_policy", "'stretch' (or sizes of "
                          "one ratio on every axis)", f"{policy!r} with ratios "
                          f"{quoted([str(f) for f in chosen])}")


def _ratio(size: Any, before: Size) -> Fraction | None:
    """An output length over an input length, when it is a known number."""
    if before is None or size is None:
        return None
    ratio = sympy.cancel(as_expr(size) / as_expr(before))
    return Fraction(int(ratio.p), int(ratio.q)) if ratio.is_Rational else None


def resize(walk: Walk, node: Any, name: str) -> None:
    """Resize / Upsample by integer factors on the spatial axes."""
    source = walk.feature(node)
    if not source.axes():  # a map already reduced to one unit: broadcast, nothing moves
        walk.emit(node, name, source, Identity())
        return
    attributes = walk.attributes(node)
    legacy = node.op_type == "Upsample" or walk.opset < 11
    mode = attributes.get("mode", "nearest")
    transform = "asymmetric" if legacy else attributes.get("coordinate_transformation_mode",
                                                           "half_pixel")
    rounding = "floor" if legacy else attributes.get("nearest_mode", "round_prefer_floor")
    where = placement(walk, node, source)
    factors = _factors(walk, node, source)
    chosen = per_axis(factors[2:], where, 1)
    for axis, factor in enumerate(chosen):
        if factor is None or factor < 1 or int(factor) != factor:
            shown = "unknown (give input_size=...)" if factor is None else str(factor)
            raise walk.error(node, f"resizes spatial axis {axis} by {shown}; symrf models "
                             "upsampling by whole factors >= 1 only")
    chosen = tuple(int(f) for f in chosen)
    if all(f == 1 for f in chosen):
        walk.emit(node, name, source, Identity())
        return
    lengths = per_axis([source.size(j) for j in range(2, source.rank)], where, None)
    walk.emit(node, name, source,
              _upsample(walk, node, mode, transform, rounding, chosen, lengths))


def _upsample(walk: Walk, node: Any, mode: str, transform: str, rounding: str,
              factors: tuple[int, ...], lengths: Any) -> Layer:
    if mode == "nearest":
        if all(nearest_is_floor(transform, rounding, f) for f in factors if f > 1):
            return Upsample(factor=factors, mode=Mode.NEAREST)
        raise walk.error(node, f"nearest resizing with coordinate_transformation_mode "
                         f"{transform!r} and nearest_mode {rounding!r} does not read "
                         "floor(x/f); symrf's nearest upsampling is half_pixel or asymmetric "
                         "with floor (PyTorch's nearest)")
    chosen = _SMOOTH.get(mode)
    if chosen is None:
        raise walk.error(node, f"resize mode {mode!r} is not one of nearest, linear, cubic")
    if transform in ("half_pixel", "pytorch_half_pixel", "half_pixel_symmetric"):
        return Upsample(factor=factors, mode=chosen)
    if transform == "align_corners":
        if any(not isinstance(length, int) for length in lengths):
            raise walk.error(node, "uses align_corners, whose source grid depends on the input "
                             "length; give input_size=... so that the length is known")
        return Upsample(factor=factors, mode=chosen, align_corners=True, length=lengths)
    raise walk.error(node, f"coordinate_transformation_mode {transform!r} with mode {mode!r} "
                     "has no symrf equivalent; export with half_pixel (align_corners=False) "
                     "or align_corners")


RESIZE = {"Resize": resize, "Upsample": resize}
"""Op type -> handler for the resizing ops."""
