"""Resizes to a given length by any ratio: PyTorch's ``interpolate(size=...)``.

Unlike upsampling by a whole factor (:mod:`symrf.layers.resample`), a resize from ``length``
to ``output`` units reads source positions at the slope ``length/output`` (or, with
``align_corners``, ``(length - 1)/(output - 1)``), so its pattern repeats only every
denominator of that slope: often the whole map. The numeric engine reads its taps exactly.

>>> Resize(output=4, length=3).reads({0, 1, 2, 3}, 3) == {0, 1, 2}
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from symrf.errors import InvalidLayerError, NetworkError
from symrf.layers.base import Geometry, Layer, Param, Units, validate
from symrf.layers.resample import REACH, Mode, check_mode, denominator, interpolated
from symrf.maths.algebra import IntervalMap, SizeMap
from symrf.maths.scalars import Scalar, divide


@dataclass(frozen=True, kw_only=True)
class Resize(Layer):
    """Resizing from ``length`` units to ``output`` units by PyTorch's formulas (any ratio).

    ``F.interpolate(size=...)`` and resizes by factors that are not whole numbers (the
    pyramid pooling of PSPNet resizes 1, 2, 3 and 6 bins back to the map's length). With
    ``r = length/output``, output unit ``x`` reads:

    - ``nearest``: ``floor(x*r)``; ``nearest-exact`` (``centred``): ``floor((x + 1/2)*r)``;
    - ``linear``, ``cubic``: the taps with non-zero weight around the source position
      ``(x + 1/2)*r - 1/2``, or with ``align_corners`` ``x*(length - 1)/(output - 1)``
      (0 when ``output`` is 1).

    The signal is unbounded (no clamping at the border), as everywhere in symrf; positions
    are exact rationals (PyTorch computes them in floating point). The jump is the slope of
    the source position, and the pattern repeats every denominator of it: often the whole
    map (``align_corners`` from 32 to 128 units: slope 31/127, period 127).

    Args:
        output: The output length, ``>= 1``: an int, or a tuple with one value per axis.
        length: The input length it is built for, ``>= 1``.
        mode: A :class:`Mode` or its name (default ``"nearest"``).
        align_corners: PyTorch's ``align_corners`` (linear and cubic only).
        centred: Nearest at the centre of each output unit (PyTorch's ``nearest-exact``;
            set by that mode name).
        name: Row label in reports (default ``resize_0``, ...).

    >>> [sorted(Resize(output=28, length=3, mode="linear", align_corners=True).reads({x}, 3))
    ...  for x in (0, 13, 14)]
    [[0], [0, 1], [1, 2]]
    >>> Resize(output=4, length=6).geometry(6).map
    IntervalMap(scale=3/2, lo=-1/2, width=1/2, exact=False)
    """

    op = "resize"
    output: Param
    length: Param
    mode: Mode | str = Mode.NEAREST
    align_corners: bool = False
    centred: bool = False

    def __post_init__(self) -> None:
        validate(self, ("output", "length"), 1)
        if str(self.mode).lower() == "nearest-exact":
            object.__setattr__(self, "centred", True)
        check_mode(self)
        if not isinstance(self.centred, bool) or (self.centred and self.mode is not Mode.NEAREST):
            raise InvalidLayerError(
                f"resize centred is {self.centred!r} with mode {self.mode.value!r}; it is "  # type: ignore[union-attr]  # a Mode
                "True for 'nearest-exact' only: use mode='nearest-exact'."
            ).with_key("centred")

    def params(self) -> dict[str, object]:
        """The two lengths (the mode is a menu, ``align_corners`` a flag)."""
        return {"output": self.output, "length": self.length}

    @property
    def size_dependent(self) -> bool:
        """The output length is fixed, whatever the input's: the length map needs it."""
        return True

    def slope(self) -> Scalar:
        """Input units per output unit of the source position.

        >>> Resize(output=28, length=6, mode="linear", align_corners=True).slope()
        Fraction(5, 27)
        """
        m, o = self.length, self.output
        if not self.align_corners:
            return divide(m, o)
        return divide(m - 1, o - 1) if o != 1 else 0

    def geometry(self, size: Scalar | None) -> Geometry:
        """A containing map of the source position's slope; the length becomes ``output``."""
        m = self._length(size)
        sizes = SizeMap(1, self.output - m, 0)
        r = self.slope()
        # source positions are multiples of 1/step: a tap lies within 1 - step of them
        halves = self.centred or (self.mode is not Mode.NEAREST and not self.align_corners)
        step = divide(1, denominator(r) * (2 if halves else 1))
        if self.mode is Mode.NEAREST:
            lo = divide(r, 2) if self.centred else 0
            return Geometry(IntervalMap(r, lo + step - 1, 1 - step, exact=False), sizes)
        extra = REACH[self.mode]  # type: ignore[index]  # a Mode after __post_init__
        reach = 1 - step + extra
        centre = 0 if self.align_corners else divide(r - 1, 2)
        return Geometry(IntervalMap(r, centre - reach, 2 * reach, exact=False), sizes)

    def reads(self, units: Units, size: int | None) -> Units:
        """The nearest pixel, or the interpolation taps with non-zero weight."""
        self._length(size)
        r = Fraction(self.slope())
        if self.mode is Mode.NEAREST:
            shift = r / 2 if self.centred else 0
            return {math.floor(x * r + shift) for x in units}
        centre = 0 if self.align_corners else (r - 1) / 2
        return interpolated(self.mode, (x * r + centre for x in units))  # type: ignore[arg-type]  # a Mode

    def period_factor(self) -> int:
        """The denominator of the slope: the taps repeat, shifted, after as many units."""
        return denominator(self.slope())

    def _length(self, size: Scalar | None) -> Scalar:
        if size is not None and size != self.length:
            raise NetworkError(
                f"resize was built for input length {self.length} but receives {size}; "
                f"rebuild it with length={size}."
            )
        return self.length


