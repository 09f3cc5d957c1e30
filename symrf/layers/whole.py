"""Layers whose units read the whole input: global pooling, flatten + linear, adaptive pooling.

Their receptive field is the input length (the symbol ``n_in`` when unknown), so their
geometry depends on the length they receive.

>>> from symrf.layers.compose import Sequential
>>> from symrf.layers.window import Conv
>>> GlobalPool().geometry(7).map
IntervalMap(scale=7, lo=0, width=6)
>>> AdaptivePool(output=2).reads({1}, 5)
{2, 3, 4}
"""

from __future__ import annotations

from dataclasses import dataclass

from symrf.layers.base import Geometry, Layer, Param, Units, need_size, validate
from symrf.maths.algebra import IntervalMap, SizeMap
from symrf.maths.scalars import Scalar, ceil, divide, floor, is_number


@dataclass(frozen=True, kw_only=True)
class GlobalPool(Layer):
    """Global average or max pooling: one output unit reading every input unit.

    The receptive field is the input length (``n_in`` when it is not given).

    Args:
        name: Row label in reports (default ``globalpool_0``, ...).

    >>> GlobalPool().geometry(10).sizes(10)
    1
    """

    op = "globalpool"

    @property
    def size_dependent(self) -> bool:
        """The window is the whole input."""
        return True

    def geometry(self, size: Scalar | None) -> Geometry:
        """Unit 0 reads ``0 .. m-1``; the jump is ``m`` (one window per input)."""
        m = need_size(self, size)
        return Geometry(IntervalMap(m, 0, m - 1), SizeMap(1, -m, 1))

    def reads(self, units: Units, size: int | None) -> Units:
        """Every input unit, for each output unit asked for."""
        m = int(need_size(self, size))
        return {m * x + t for x in units for t in range(m)}


@dataclass(frozen=True, kw_only=True)
class Linear(GlobalPool):
    """Flatten followed by a fully connected layer: each output reads the whole input.

    Args:
        name: Row label in reports (default ``linear_0``, ...).
    """

    op = "linear"


@dataclass(frozen=True, kw_only=True)
class AdaptivePool(Layer):
    """Adaptive (average or max) pooling to ``output`` units, with PyTorch's windows.

    Window ``i`` covers ``floor(i*m/o) .. ceil((i+1)*m/o) - 1``: windows are equal, and the
    map exact, only when ``o`` divides ``m``.

    Args:
        output: Output units per axis, ``o >= 1`` (default 1): an int, a sympy expression, or a
            tuple with one value per axis.
        name: Row label in reports (default ``adaptivepool_0``, ...).

    >>> AdaptivePool(output=3).geometry(9).map
    IntervalMap(scale=3, lo=0, width=2)
    """

    op = "adaptivepool"
    output: Param = 1

    def __post_init__(self) -> None:
        validate(self, ("output",), 1)

    @property
    def size_dependent(self) -> bool:
        """The windows depend on the input length."""
        return True

    def geometry(self, size: Scalar | None) -> Geometry:
        """Exact when ``o`` divides ``m``; otherwise a containing map of slope ``m/o``."""
        m, o = need_size(self, size), self.output
        sizes = SizeMap(1, o - m, 0)
        step = divide(m, o)
        if is_number(step) and isinstance(step, int):
            return Geometry(IntervalMap(step, 0, step - 1), sizes)
        slack = divide(o - 1, o)
        return Geometry(IntervalMap(step, -slack, step - 1 + 2 * slack, exact=False), sizes)

    def reads(self, units: Units, size: int | None) -> Units:
        """The PyTorch window of each output unit."""
        m, o = int(need_size(self, size)), int(self.output)
        found: set[int] = set()
        for x in units:
            start, stop = floor(divide(x * m, o)), ceil(divide((x + 1) * m, o))
            found.update(range(int(start), int(stop)))
        return found

    def period_factor(self) -> int:
        """Window patterns repeat every ``o`` outputs."""
        return int(self.output) if is_number(self.output) else 1
