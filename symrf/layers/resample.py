"""Resampling layers: transposed convolution, upsampling, pixel shuffle and unshuffle.

Resizes to a given length (any ratio) are :mod:`symrf.layers.resize`'s.

Upsampling makes a unit's receptive field depend on its position: it repeats with a period
(the product of the upsampling factors) instead of being one number. Each layer gives an
exact :meth:`reads` for the numeric engine, and a containing interval map (``exact=False``)
for formulas: unit ``x``'s true hull always lies inside it, so symbolic figures built from
it are proven bounds, labelled as such.

>>> sorted(ConvTranspose(kernel=4, stride=2, padding=1).reads({0, 1}, None))
[-1, 0, 1]
>>> Upsample(factor=2).geometry(None).map
IntervalMap(scale=1/2, lo=-1/2, width=1/2, exact=False)
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from symrf.errors import InvalidLayerError, NetworkError
from symrf.layers.base import Geometry, Layer, Param, Units, need_size, provably, validate
from symrf.maths.algebra import IDENTITY, IntervalMap, SizeMap
from symrf.maths.scalars import Scalar, divide, is_number


def _factor_of(value: Scalar) -> int:
    """The factor as an int for period counting (symbolic factors have no numeric period)."""
    return int(value) if is_number(value) else 1


@dataclass(frozen=True, kw_only=True)
class ConvTranspose(Layer):
    """Transposed convolution (PyTorch): unit ``x`` reads every ``i`` with ``i*s + t*d = x + p``.

    With ``kernel < stride`` some outputs read nothing (their receptive field is empty).
    The jump is divided by ``s`` and the field depends on the position, with period ``s``.

    Args:
        kernel: Taps per axis, ``k >= 1``: an int, a sympy expression, or a tuple with one value per
            axis.
        stride: Upsampling factor, ``s >= 1`` (default 1).
        dilation: Spacing of the taps, ``d >= 1`` (default 1).
        padding: PyTorch's ``padding``, ``p >= 0``: removed from both ends of the output.
        output_padding: Positions added at the end of the output (lengths only); smaller
            than the stride or the dilation, as in PyTorch.
        name: Row label in reports (default ``convtranspose_0``, ...).

    >>> ConvTranspose(kernel=2, stride=2).geometry(4).sizes(4)
    8
    """

    op = "convtranspose"
    kernel: Param
    stride: Param = 1
    dilation: Param = 1
    padding: Param = 0
    output_padding: Param = 0

    def __post_init__(self) -> None:
        validate(self, ("kernel", "stride", "dilation"), 1)
        validate(self, ("padding", "output_padding"), 0)
        for op_, s, d in _zip(self.output_padding, self.stride, self.dilation):
            if provably(op_ >= s) and provably(op_ >= d):
                raise InvalidLayerError(
                    f"convtranspose output_padding must be smaller than the stride or the "
                    f"dilation, got {op_} with stride {s} and dilation {d} (as in PyTorch); "
                    "use a smaller output_padding."
                ).with_key("output_padding")

    def geometry(self, size: Scalar | None) -> Geometry:
        """A containing map ``[(x + p - d(k-1))/s, (x + p)/s]``, exact when ``s == 1``."""
        s, span = self.stride, self.dilation * (self.kernel - 1)
        sizes = SizeMap(divide(1, s), 0, -s - 2 * self.padding + span + self.output_padding + 1)
        span_map = IntervalMap(divide(1, s), divide(self.padding - span, s), divide(span, s),
                               exact=s == 1)
        return Geometry(span_map, sizes)

    def reads(self, units: Units, size: int | None) -> Units:
        """Inputs ``i = (x + p - t*d)/s`` that are whole numbers, for ``t < k``."""
        s, d, p = self.stride, self.dilation, self.padding
        found = set()
        for x in units:
            for t in range(self.kernel):
                quotient, remainder = divmod(x + p - t * d, s)
                if remainder == 0:
                    found.add(quotient)
        return found

    def period_factor(self) -> int:
        """The stride: outputs repeat their pattern every ``s`` units."""
        return _factor_of(self.stride)


class Mode(enum.Enum):
    """Interpolation modes of :class:`Upsample`."""

    NEAREST = "nearest"
    LINEAR = "linear"
    CUBIC = "cubic"


REACH = {Mode.LINEAR: 0, Mode.CUBIC: 1}
"""Taps beyond the two around the source position: none for linear, one each side for cubic."""


@dataclass(frozen=True, kw_only=True)
class Upsample(Layer):
    """Upsampling by an integer ``factor``: ``nearest``, ``linear`` or ``cubic`` (PyTorch).

    Nearest: unit ``x`` reads ``floor(x/f)`` (``nearest-exact`` reads the same for integer
    factors). Linear and cubic interpolate around the source position ``(x + 1/2)/f - 1/2``
    (``x*(m - 1)/(f*m - 1)`` with ``align_corners``, which depends on the input length
    ``m``): linear reads the two taps around it, cubic the four, each only where its weight is
    non-zero (one tap where the position falls on a pixel). The signal is unbounded (no
    clamping at the border), as everywhere in symrf.

    With ``align_corners`` the jump is ``(m - 1)/(f*m - 1)``, not ``1/f``, and the pattern
    repeats only every ``(f*m - 1)/gcd(m - 1, f - 1)`` units: ``length`` holds ``m`` (an
    importer fills it in), so that the period is known before any length is given.

    Args:
        factor: Integer scale factor, ``f >= 1`` (default 2): an int, a sympy expression, or a tuple
            with one value per axis.
        mode: A :class:`Mode` or its name: ``"nearest"`` (default), ``"linear"`` (also
            ``"bilinear"``, ...), ``"cubic"``.
        align_corners: PyTorch's ``align_corners`` (linear and cubic only).
        length: The input length ``m``, needed with ``align_corners`` only.
        name: Row label in reports (default ``upsample_0``, ...).

    >>> sorted(Upsample(factor=2, mode="linear").reads({0, 1, 2}, None))
    [-1, 0, 1]
    >>> sorted(Upsample(factor=2, mode="cubic").reads({0}, None))
    [-2, -1, 0, 1]
    >>> sorted(Upsample(factor=2, mode="linear", align_corners=True, length=4).reads({1}, 4))
    [0, 1]
    """

    op = "upsample"
    factor: Param = 2
    mode: Mode | str = Mode.NEAREST
    align_corners: bool = False
    length: Param = None
    """The input length, needed (only) with ``align_corners``."""

    def __post_init__(self) -> None:
        validate(self, ("factor",), 1)
        check_mode(self)
        if self.length is not None:
            validate(self, ("length",), 2)

    def __repr__(self) -> str:
        extra = f", align_corners=True, length={self.length!r}" if self.align_corners else ""
        return f"Upsample(factor={self.factor!r}, mode={self.mode!r}{extra})"

    def params(self) -> dict[str, object]:
        """The factor, and the length with ``align_corners`` (the mode is a menu)."""
        found: dict[str, object] = {"factor": self.factor}
        if self.length is not None:
            found["length"] = self.length
        return found

    def axis(self, index: int) -> Upsample:
        """The layer along axis ``index``."""
        picked: dict[str, Any] = {
            key: value[index] if isinstance(value, tuple) else value
            for key, value in self.params().items()
        }
        return dataclasses.replace(self, **picked)

    @property
    def size_dependent(self) -> bool:
        """With ``align_corners`` the source grid depends on the input length."""
        return self.align_corners

    def geometry(self, size: Scalar | None) -> Geometry:
        """A containing map of slope ``1/f``; the length is multiplied by ``f``.

        >>> Upsample(factor=2, mode="cubic").geometry(None).map
        IntervalMap(scale=1/2, lo=-2, width=7/2, exact=False)
        """
        f = self.factor
        sizes = SizeMap(divide(1, f), 0, 0)
        if f == 1:  # every mode reads exactly its own position
            return Geometry(IDENTITY, sizes)
        if self.mode is Mode.NEAREST:
            spread = divide(f - 1, f)
            return Geometry(IntervalMap(divide(1, f), -spread, spread, exact=False), sizes)
        extra = REACH[self.mode]  # type: ignore[index]  # a Mode after __post_init__
        if self.align_corners:
            scale = self._corner_scale(size)
            reach = 1 - divide(1, denominator(scale))
            return Geometry(
                IntervalMap(scale, -reach - extra, 2 * (reach + extra), exact=False), sizes
            )
        centre = divide(1 - f, 2 * f)
        reach = divide(2 * f - 1, 2 * f) + extra
        return Geometry(
            IntervalMap(divide(1, f), centre - reach, 2 * reach, exact=False), sizes
        )

    def reads(self, units: Units, size: int | None) -> Units:
        """``floor(x/f)``, or the interpolation taps with non-zero weight."""
        f = self.factor
        if self.mode is Mode.NEAREST:
            return {x // f for x in units}
        scale = self._corner_scale(size) if self.align_corners else None
        return interpolated(
            self.mode,  # type: ignore[arg-type]  # a Mode after __post_init__
            (Fraction(x) * scale if scale is not None else Fraction(2 * x + 1 - f, 2 * f)
             for x in units))

    def period_factor(self) -> int:
        """The factor, or with ``align_corners`` the denominator of the jump."""
        if self.align_corners:
            return denominator(self._corner_scale(None)) if is_number(self.length) else 1
        return _factor_of(self.factor)

    def _corner_scale(self, size: Scalar | None) -> Scalar:
        """The jump ``(m - 1)/(f*m - 1)`` of ``align_corners``, from ``size`` or ``length``."""
        m = size if size is not None else self.length
        if m is None:
            need_size(self, None)
        if size is not None and self.length is not None and size != self.length:
            raise NetworkError(
                f"upsample with align_corners was built for input length {self.length} but "
                f"receives {size}; rebuild it with length={size}."
            )
        return divide(m - 1, self.factor * m - 1)


_MODE_NAMES = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic",
               "nearest-exact": "nearest"}
"""PyTorch's spellings of the modes."""


def check_mode(layer: Any) -> None:
    """Check ``mode`` and ``align_corners``, as PyTorch does (its spellings accepted).

    ``mode`` becomes a :class:`Mode`; ``align_corners`` is a flag, given for interpolating
    modes only.
    """
    if not isinstance(layer.mode, Mode):
        name = str(layer.mode).lower()
        try:
            object.__setattr__(layer, "mode", Mode(_MODE_NAMES.get(name, name)))
        except ValueError:
            raise InvalidLayerError(
                f"{layer.op} mode is {layer.mode!r}; use 'nearest', 'linear' or 'cubic'."
            ).with_key("mode") from None
    if not isinstance(layer.align_corners, bool):
        raise InvalidLayerError(
            f"{layer.op} align_corners is {layer.align_corners!r}; use True or False."
        ).with_key("align_corners")
    if layer.align_corners and layer.mode is Mode.NEAREST:
        raise InvalidLayerError(
            f"{layer.op} align_corners applies to 'linear' and 'cubic' modes only (as in "
            "PyTorch); leave it out for 'nearest'."
        ).with_key("align_corners")


def interpolated(mode: Mode, sources: Iterable[Fraction]) -> Units:
    """The taps with non-zero weight around each source position (linear: 2, cubic: 4).

    A source position on a pixel reads that pixel alone: every other tap has weight 0.
    """
    extra = REACH[mode]
    found: set[int] = set()
    for source in sources:
        low = math.floor(source)
        if source == low:
            found.add(low)
        else:
            found.update(range(low - extra, low + 2 + extra))
    return found


def denominator(value: Scalar) -> int:
    """The denominator of a number (1 for a formula): the period of a rational slope.

    >>> denominator(Fraction(31, 127)), denominator(2)
    (127, 1)
    """
    return Fraction(value).denominator if is_number(value) else 1


@dataclass(frozen=True, kw_only=True)
class PixelShuffle(Layer):
    """Pixel shuffle (sub-pixel convolution) by ``factor``: unit ``x`` reads ``floor(x/r)``.

    Like nearest upsampling for the receptive field: the jump is divided by ``r``.

    Args:
        factor: The upscale factor ``r >= 1`` (default 2): an int, a sympy expression, or a tuple
            with one value per axis.
        name: Row label in reports (default ``pixelshuffle_0``, ...).

    >>> sorted(PixelShuffle(factor=3).reads({0, 1, 2, 3}, None))
    [0, 1]
    """

    op = "pixelshuffle"
    factor: Param = 2

    def __post_init__(self) -> None:
        validate(self, ("factor",), 1)

    def geometry(self, size: Scalar | None) -> Geometry:
        """Like nearest upsampling."""
        return Upsample(factor=self.factor).geometry(size)

    def reads(self, units: Units, size: int | None) -> Units:
        """``floor(x/r)``."""
        return {x // self.factor for x in units}

    def period_factor(self) -> int:
        """The factor."""
        return _factor_of(self.factor)


@dataclass(frozen=True, kw_only=True)
class PixelUnshuffle(Layer):
    """Pixel unshuffle (space-to-depth) by ``factor``: unit ``x`` reads ``r*x .. r*x + r - 1``.

    Like ``Conv(kernel=r, stride=r)`` for the receptive field.

    Args:
        factor: The downscale factor ``r >= 1`` (default 2): an int, a sympy expression, or a tuple
            with one value per axis.
        name: Row label in reports (default ``pixelunshuffle_0``, ...).

    >>> PixelUnshuffle(factor=2).geometry(8)
    Geometry(map=IntervalMap(scale=2, lo=0, width=1), sizes=SizeMap(divisor=2, offset=0, bias=0))
    """

    op = "pixelunshuffle"
    factor: Param = 2

    def __post_init__(self) -> None:
        validate(self, ("factor",), 1)

    def geometry(self, size: Scalar | None) -> Geometry:
        """Like a convolution with kernel and stride ``r``; the length is ``floor(m/r)``."""
        r = self.factor
        return Geometry(IntervalMap(r, 0, r - 1), SizeMap(r, 0, 0))

    def reads(self, units: Units, size: int | None) -> Units:
        """``r*x + t`` for ``t < r``."""
        r = self.factor
        return {r * x + t for x in units for t in range(r)}


def _zip(*values: Param) -> list[tuple[Scalar, ...]]:
    count = max(len(v) if isinstance(v, tuple) else 1 for v in values)
    return [tuple(v[i] if isinstance(v, tuple) else v for v in values) for i in range(count)]

