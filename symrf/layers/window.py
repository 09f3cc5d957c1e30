"""Sliding-window layers: convolution, max pooling and average pooling.

Output unit ``x`` reads input units ``s*x - p + t*d`` for ``t = 0 .. k-1`` (PyTorch's
convention), so its hull is ``[s*x - p, s*x - p + d*(k-1)]``. Padding is an integer or
expression (both sides, as in PyTorch), ``"valid"`` (none) or ``"same"`` (TensorFlow's SAME:
for stride 1 the total ``d*(k-1)``; for a larger stride it depends on the input length).
``padding_right`` gives a different right padding (``F.pad`` or ONNX ``pads`` folded into the
layer), and ``ceil_mode`` PyTorch's pooling rule that rounds the length up while the last
window starts inside the input or the left padding. Both change lengths only: the hull of
unit ``x`` is the same.

>>> Conv(kernel=3, padding=1).geometry(None).map
IntervalMap(scale=1, lo=-1, width=2)
>>> MaxPool(kernel=2).stride
2
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from symrf.errors import InvalidLayerError
from symrf.layers.base import (
    Geometry,
    Layer,
    Param,
    Units,
    check_at_least,
    need_size,
    param,
    validate,
)
from symrf.maths.algebra import IntervalMap, SizeMap
from symrf.maths.scalars import Scalar, ceil, divide, floor, maximum, minimum


class Padding(enum.Enum):
    """Padding modes given by name rather than by amount."""

    SAME = "same"
    VALID = "valid"


def _padding(value: Any, what: str) -> Param:
    if isinstance(value, Padding):
        return value
    if isinstance(value, str):
        try:
            return Padding(value.lower())
        except ValueError:
            raise InvalidLayerError(
                f"{what} is {value!r}; use an integer, an expression, 'same' or 'valid'."
            ).with_key("padding") from None
    if isinstance(value, list | tuple) and len(value) == 1:  # one axis: the plain value
        return _padding(value[0], what)
    if isinstance(value, list | tuple) and any(isinstance(v, str | Padding) for v in value):
        return tuple(_padding(v, f"{what}[{i}]") for i, v in enumerate(value))
    return param(value, what)


def _named(padding: Param) -> bool:
    items = padding if isinstance(padding, tuple) else (padding,)
    return any(isinstance(item, Padding) for item in items)


@dataclass(frozen=True, kw_only=True, repr=False)
class Window(Layer):
    """A sliding window: ``kernel``, ``stride``, ``dilation`` and ``padding`` on each axis."""

    kernel: Param
    stride: Param = 1
    dilation: Param = 1
    padding: Param = 0
    padding_right: Param = None
    """Padding right of the last position; ``None`` means the same as ``padding``."""
    ceil_mode: bool = False
    """PyTorch's ``ceil_mode``: round the length up (the last window may overhang)."""

    def __post_init__(self) -> None:
        if self.stride is None:  # pooling: the stride defaults to the kernel, as in PyTorch
            object.__setattr__(self, "stride", self.kernel)
        validate(self, ("kernel", "stride", "dilation"), 1)
        padding = _padding(self.padding, f"{self.op} padding")
        object.__setattr__(self, "padding", padding)
        if not isinstance(padding, Padding):
            numeric = tuple(p for p in (padding if isinstance(padding, tuple) else (padding,))
                            if not isinstance(p, Padding))
            check_at_least(self, "padding", numeric, 0)
        if not isinstance(self.ceil_mode, bool):
            raise InvalidLayerError(
                f"{self.op} ceil_mode is {self.ceil_mode!r}; use True or False."
            ).with_key("ceil_mode")
        if self.padding_right is not None:
            if _named(padding):
                raise InvalidLayerError(
                    f"{self.op} padding_right is given with padding {self.padding!r}; give "
                    "numeric padding on both sides, or leave padding_right out."
                ).with_key("padding_right")
            validate(self, ("padding_right",), 0)
        if self.ceil_mode and padding is Padding.SAME:
            raise InvalidLayerError(
                f"{self.op} ceil_mode does not apply to 'same' padding (its length is "
                "already ceil(n/s)); use numeric padding, or leave ceil_mode out."
            ).with_key("ceil_mode")

    def __repr__(self) -> str:
        extra = ""
        if self.padding_right is not None:
            extra += f", padding_right={self.padding_right!r}"
        if self.ceil_mode:
            extra += ", ceil_mode=True"
        return (f"{type(self).__name__}(kernel={self.kernel!r}, stride={self.stride!r}, "
                f"dilation={self.dilation!r}, padding={self.padding!r}{extra})")

    def params(self) -> dict[str, Param]:
        """The numeric parameters (``padding_right`` only when given; ``ceil_mode`` is a flag).

        >>> Conv(kernel=3, padding=1, padding_right=0).params()
        {'kernel': 3, 'stride': 1, 'dilation': 1, 'padding': 1, 'padding_right': 0}
        """
        found = {"kernel": self.kernel, "stride": self.stride, "dilation": self.dilation,
                 "padding": self.padding}
        if self.padding_right is not None:
            found["padding_right"] = self.padding_right
        return found

    @property
    def size_dependent(self) -> bool:
        """TF SAME padding with a stride other than 1 depends on the input length."""
        return self.padding is Padding.SAME and self.stride != 1

    def geometry(self, size: Scalar | None) -> Geometry:
        """Hull ``[s*x - left, s*x - left + d*(k-1)]``.

        The length is ``floor((m + pads - d*(k-1) - 1)/s) + 1`` (``ceil(m/s)`` for SAME).
        With ``ceil_mode`` it counts the window starts ``t*s`` (t >= 0) with
        ``t*s <= m + pads - d*(k-1) - 1 + s - 1`` and ``t*s < m + left``: PyTorch's ceil
        and its rule that the last window starts inside the input or the left padding.

        >>> MaxPool(kernel=3, stride=2, ceil_mode=True).geometry(112).sizes(112)
        56
        >>> MaxPool(kernel=2, ceil_mode=True).geometry(7).sizes(7)
        4
        """
        span = self.dilation * (self.kernel - 1)
        stride, left = self.stride, self.left_padding(size)
        if self.padding is Padding.SAME:
            sizes = SizeMap(stride, stride - 1, 0)
        else:
            pads = left + self.right_padding()
            offset = pads - span - 1
            if self.ceil_mode:
                offset = minimum(offset + stride - 1, left - 1)
            sizes = SizeMap(stride, offset, 1)
        return Geometry(IntervalMap(stride, -left, span), sizes)

    def right_padding(self) -> Scalar:
        """Padding added right of the last position (numeric padding modes).

        >>> Conv(kernel=3, padding=2, padding_right=0).right_padding()
        0
        """
        if self.padding_right is not None:
            return self.padding_right
        return 0 if self.padding is Padding.VALID else self.padding

    def left_padding(self, size: Scalar | None) -> Scalar:
        """Padding added left of position 0 (for TF SAME with a stride, from the length).

        >>> Conv(kernel=3, stride=2, padding="same").left_padding(225)
        1
        """
        if self.padding is Padding.VALID:
            return 0
        if self.padding is not Padding.SAME:
            return self.padding
        span = self.dilation * (self.kernel - 1)
        if self.stride == 1:
            return floor(divide(span, 2))
        m = need_size(self, size)
        total = maximum((ceil(divide(m, self.stride)) - 1) * self.stride + span + 1 - m, 0)
        return floor(divide(total, 2))

    def reads(self, units: Units, size: int | None) -> Units:
        """Units ``s*x - left + t*d`` for ``t < k``."""
        left = self.left_padding(size)
        s, d, k = self.stride, self.dilation, self.kernel
        if units and k > 1 and (s == 1 or d == 1):
            # A run of units reads a run when the kernel's taps close the gaps: with s == 1
            # when the run is at least d long, with d == 1 when k >= s. O(units), not O(units*k).
            low, high = min(units), max(units)
            if high - low + 1 == len(units) and (d <= len(units) if s == 1 else s <= k):
                return set(range(s * low - left, s * high - left + d * (k - 1) + 1))
        taps = [t * d - left for t in range(k)]
        return {s * x + tap for x in units for tap in taps}


@dataclass(frozen=True, kw_only=True, repr=False)
class Conv(Window):
    """Convolution (any dimensionality): a 1x1 convolution is ``Conv(kernel=1)``.

    Output unit ``x`` reads input units ``s*x - p + t*d`` for ``t = 0 .. k-1``, so it adds
    ``d*(k-1)`` input steps to the receptive field and multiplies the jump by ``s``.

    Args:
        kernel: Taps per axis, ``k >= 1``: an int, a sympy expression, or a tuple with one value per
            axis.
        stride: Step between output units, ``s >= 1`` (default 1).
        dilation: Spacing of the taps, ``d >= 1`` (default 1).
        padding: Positions added left of 0 (and right of the end), as in PyTorch: an
            amount ``p >= 0``, ``"same"`` (TensorFlow's SAME) or ``"valid"`` (none).
        padding_right: Padding right of the end when it differs from ``padding``
            (``F.pad`` or ONNX ``pads`` folded in); changes lengths only.
        ceil_mode: PyTorch's ``ceil_mode``: round the output length up.
        name: Row label in reports (default: the op and its index, ``conv_0``).

    >>> Conv(kernel=11, stride=4, padding=2).geometry(224).sizes(224)
    55
    """

    op = "conv"


@dataclass(frozen=True, kw_only=True, repr=False)
class MaxPool(Window):
    """Max pooling; ``stride`` defaults to ``kernel`` as in PyTorch.

    The geometry is a convolution's: only which inputs are read matters, not how.

    Args:
        kernel: Taps per axis, ``k >= 1``: an int, a sympy expression, or a tuple with one value per
            axis.
        stride: Step between output units (default: ``kernel``, as in PyTorch).
        dilation: Spacing of the taps, ``d >= 1`` (default 1).
        padding: Positions added left of 0 (and right of the end), as in PyTorch: an
            amount ``p >= 0``, ``"same"`` (TensorFlow's SAME) or ``"valid"`` (none).
        padding_right: Padding right of the end when it differs from ``padding``
            (``F.pad`` or ONNX ``pads`` folded in); changes lengths only.
        ceil_mode: PyTorch's ``ceil_mode``: round the output length up.
        name: Row label in reports (default: the op and its index, ``conv_0``).

    >>> MaxPool(kernel=3, stride=2).geometry(None).map
    IntervalMap(scale=2, lo=0, width=2)
    """

    op = "maxpool"
    stride: Param = None


@dataclass(frozen=True, kw_only=True, repr=False)
class AvgPool(Window):
    """Average pooling; ``stride`` defaults to ``kernel`` as in PyTorch.

    The geometry is a convolution's: only which inputs are read matters, not how.

    Args:
        kernel: Taps per axis, ``k >= 1``: an int, a sympy expression, or a tuple with one value per
            axis.
        stride: Step between output units (default: ``kernel``, as in PyTorch).
        dilation: Spacing of the taps, ``d >= 1`` (default 1).
        padding: Positions added left of 0 (and right of the end), as in PyTorch: an
            amount ``p >= 0``, ``"same"`` (TensorFlow's SAME) or ``"valid"`` (none).
        padding_right: Padding right of the end when it differs from ``padding``
            (``F.pad`` or ONNX ``pads`` folded in); changes lengths only.
        ceil_mode: PyTorch's ``ceil_mode``: round the output length up.
        name: Row label in reports (default: the op and its index, ``conv_0``).

    >>> AvgPool(kernel=2).geometry(None).map
    IntervalMap(scale=2, lo=0, width=1)
    """

    op = "avgpool"
    stride: Param = None

