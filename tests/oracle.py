"""Brute-force dependency sets: the reference every engine is checked against.

The oracle knows nothing of interval maps, size maps or closed forms. It flattens a network
into its primitive one-axis layers (unrolling every ``Repeat``), turns each layer into the
list of input offsets one output unit reads (DESIGN.md section 2, PyTorch conventions), and
then literally walks the index sets backwards: ``D(x)`` is the set of input pixels that unit
``x`` of the final feature map depends on. Feature-map lengths come from the PyTorch size
formula and are cross-checked, layer by layer, by counting the output positions whose reads
all fall inside the padded input.

It reads only layer attributes (``kernel``, ``stride``, ``padding``, ``left``, ...), never
``symrf.maths.algebra``, ``report``, ``symbolic`` or ``numeric``.

>>> import symrf
>>> net = symrf.Sequential(symrf.Conv(kernel=3, padding=1), symrf.MaxPool(kernel=2))
>>> sorted(dependency(net, 1, 8))
[1, 2, 3, 4]
>>> result = figures(net, 8)
>>> result.rf, result.jump, result.left, result.center, result.size
(4, Fraction(2, 1), -1, Fraction(1, 2), 4)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import symrf

WINDOWS = (symrf.Conv, symrf.MaxPool, symrf.AvgPool)
UNITS = range(4)
"""The output units whose hulls give ``rf`` and ``rf_min``."""


class Vanished(Exception):
    """Some feature map of the network has no unit left (length below 1)."""


@dataclass(frozen=True)
class Reads:
    """One primitive layer: output unit ``x`` reads ``stride*x + o`` for ``o`` in ``offsets``.

    ``pad_left`` and ``pad_right`` bound the padded input ``[-pad_left, n + pad_right - 1]``.
    """

    stride: int
    offsets: tuple[int, ...]
    pad_left: int
    pad_right: int

    def of(self, x: int) -> list[int]:
        return [self.stride * x + offset for offset in self.offsets]


@dataclass(frozen=True)
class Figures:
    rf: int
    rf_min: int
    jump: Fraction
    left: int
    right: int
    center: Fraction
    padding: int
    size: int | None


def flatten(net: object) -> list:
    """The primitive layers of ``net`` in order, every ``Repeat`` unrolled."""
    if isinstance(net, symrf.Sequential):
        return [leaf for layer in net.layers for leaf in flatten(layer)]
    if isinstance(net, symrf.Repeat):
        return [leaf for number in range(net.times) for leaf in flatten(
            net.block.substitute({net.index: number}) if net.index is not None else net.block)]
    return [net]


def same_padding(n: int | None, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow SAME padding ``(left, right)`` for input length ``n``."""
    if n is None:
        if stride != 1:
            raise ValueError("TF 'same' padding with stride > 1 needs the input length")
        n = 1  # with stride 1 the total is d*(k-1) whatever the length
    total = max((math.ceil(n / stride) - 1) * stride + dilation * (kernel - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def reads(layer: object, n: int | None) -> Reads:
    """What one primitive layer reads, given its input length ``n`` (``None``: unknown)."""
    if isinstance(layer, WINDOWS):
        k, s, d = layer.kernel, layer.stride, layer.dilation
        if layer.padding is symrf.Padding.SAME:
            left, right = same_padding(n, k, s, d)
        elif layer.padding is symrf.Padding.VALID:
            left = right = 0
        else:
            left = right = layer.padding
        return Reads(s, tuple(-left + t * d for t in range(k)), left, right)
    if isinstance(layer, symrf.Pad):
        return Reads(1, (-layer.left,), layer.left, layer.right)
    if isinstance(layer, symrf.Identity):
        return Reads(1, (0,), 0, 0)
    raise TypeError(f"the oracle does not know {type(layer).__name__}")


def formula_size(layer: object, n: int) -> int:
    """The output length by the PyTorch formula (``ceil(n/s)`` for TF SAME)."""
    if isinstance(layer, WINDOWS):
        k, s, d = layer.kernel, layer.stride, layer.dilation
        if layer.padding is symrf.Padding.SAME:
            return -(-n // s)
        p = 0 if layer.padding is symrf.Padding.VALID else layer.padding
        return (n + 2 * p - d * (k - 1) - 1) // s + 1
    if isinstance(layer, symrf.Pad):
        return n + layer.left + layer.right
    return n


def counted_size(step: Reads, n: int) -> int:
    """The output length by brute force: units ``x >= 0`` reading only the padded input."""
    low, high = -step.pad_left, n + step.pad_right - 1
    count = 0
    while all(low <= index <= high for index in step.of(count)):
        count += 1
    return count


def lower(net: object, input_size: int | None) -> tuple[list[Reads], int | None]:
    """Each primitive layer's reads, and the final length; raise :class:`Vanished`."""
    steps, n = [], input_size
    for layer in flatten(net):
        step = reads(layer, n)
        steps.append(step)
        if n is not None:
            size, counted = formula_size(layer, n), counted_size(step, n)
            assert counted == max(size, 0), (layer, n, size, counted)
            if size < 1:
                raise Vanished(f"{layer} maps length {n} to {size}")
            n = size
    return steps, n


def walk(steps: list[Reads], units: Iterable[int]) -> set[int]:
    """The input pixels that the given units of the last map depend on."""
    found = set(units)
    for step in reversed(steps):
        found = {index for unit in found for index in step.of(unit)}
    return found


def dependency(net: object, x: int, input_size: int | None = None) -> set[int]:
    """``D(x)``: the input pixels unit ``x`` of ``net``'s final feature map depends on."""
    return walk(lower(net, input_size)[0], [x])


def figures(net: object, input_size: int | None = None) -> Figures:
    """The figures of DESIGN.md section 1, from the dependency sets of a few units."""
    steps, size = lower(net, input_size)
    hulls = []
    for x in UNITS:
        found = walk(steps, [x])
        hulls.append((min(found), max(found)))
    sizes = [right - left + 1 for left, right in hulls]
    (left, right), (left_1, _) = hulls[0], hulls[1]
    return Figures(
        rf=max(sizes),
        rf_min=min(sizes),
        jump=Fraction(left_1 - left),
        left=left,
        right=right,
        center=Fraction(left + right, 2),
        padding=-left,
        size=size,
    )


def safe_input(net: object) -> int:
    """An input length at which no feature map of ``net`` vanishes.

    With every padding dropped, the hull of ``D(0)`` has the size ``R`` of the receptive
    field. An input of length ``R`` keeps every later length at least the receptive field
    of the rest of the network (induction over the layers: padding only adds), hence >= 1.
    """
    found = walk([_unpadded(layer) for layer in flatten(net)], [0])
    return max(found) - min(found) + 1


def _unpadded(layer: object) -> Reads:
    if isinstance(layer, WINDOWS):
        return Reads(layer.stride, tuple(t * layer.dilation for t in range(layer.kernel)), 0, 0)
    return Reads(1, (0,), 0, 0)
