"""Structure: layers in sequence and blocks repeated a number of times, fixed or symbolic.

A :class:`Sequential` folds its layers' geometries with the monoid laws of
:mod:`symrf.algebra`. A :class:`Repeat` is the block's geometry raised to the ``times``-th
power: in closed form with geometric sums when ``times`` is a symbol, never unrolled.

>>> from symrf.layers.window import Conv
>>> from symrf.scalars import symbols
>>> k, n = symbols("k n")
>>> Repeat(Conv(kernel=k), times=n).geometry(None).map.rf
n*(k - 1) + 1
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

import sympy

from symrf.algebra import IDENTITY, SAME_SIZE, IntervalMap, Sizes, sum_over, summed_sizes, uses
from symrf.errors import InvalidLayerError, NetworkError, SymrfError, TooLargeError, located
from symrf.layers.base import (
    Geometry,
    Layer,
    Units,
    Values,
    check_at_least,
    located_at,
    need_size,
    provably,
)
from symrf.limits import MAX_BITS, MAX_UNROLL, abbreviated
from symrf.scalars import Scalar, exact, expression, is_number, scalar, symbol
from symrf.substitution import substituted


class Step(NamedTuple):
    """One layer of a fold: the layer, the composed map up to it, and the length after it."""

    layer: Layer
    map: IntervalMap
    sizes: Sizes
    size: Scalar | None


def check_size(size: Scalar | None) -> None:
    """Raise when a known feature-map length is below 1: the input is too small.

    A length that is a number although the input length is a symbol (after a global pool)
    counts as known.
    """
    size = None if size is None else exact(size)
    if size is not None and is_number(size) and size < 1:
        raise NetworkError(
            f"the feature map vanishes (length {size}); give a larger input or less "
            "downsampling."
        )


@dataclass(frozen=True, init=False)
class Sequential(Layer):
    """Layers applied one after another; the usual container for a whole network.

    Reports have one row per layer given here (a nested ``Sequential`` is one row).

    Args:
        *layers: The layers in order (or one list of them); at least one.
        name: The network's name in reports (default ``sequential``).

    >>> from symrf.layers.window import Conv, MaxPool
    >>> Sequential(Conv(kernel=3), MaxPool(kernel=2)).geometry(None).map
    IntervalMap(scale=2, lo=0, width=3)
    """

    op = "sequential"
    layers: tuple[Layer, ...]
    _cache: dict[str, Any] = dataclasses.field(init=False, compare=False, repr=False)

    def __init__(self, *layers: Layer | list[Layer], name: str | None = None) -> None:
        if len(layers) == 1 and isinstance(layers[0], list | tuple):
            layers = tuple(layers[0])
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise InvalidLayerError(
                    f"Sequential item {index} is {type(layer).__name__}, not a layer; pass "
                    "layers such as symrf.Conv(kernel=3)."
                )
        if not layers:
            raise NetworkError(
                f"{name or 'Sequential'} has no layers; an empty network has no receptive "
                "field. Add at least one layer."
            )
        object.__setattr__(self, "layers", tuple(layers))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_cache", {})  # derived facts (axes, symbols), not fields

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.layers))})"

    def params(self) -> dict[str, object]:
        """Containers have no parameters of their own."""
        return {}

    def axes(self) -> int:
        """The common number of axes of the layers (scalar-only layers fit any)."""
        if "axes" not in self._cache:
            self._cache["axes"] = _common_axes(self.layers, self.label())
        return int(self._cache["axes"])

    def axis(self, index: int) -> Sequential:
        """The one-axis network along axis ``index``."""
        return Sequential(*(layer.axis(index) for layer in self.layers), name=self.name)

    def substitute(self, values: Values) -> Sequential:
        """Substitute into every layer."""
        layers = []
        for index, layer in enumerate(self.layers):
            with located_at(index, layer):
                layers.append(layer.substitute(values))
        return Sequential(*layers, name=self.name)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of all layers."""
        if "symbols" not in self._cache:
            self._cache["symbols"] = set().union(*(la.free_symbols() for la in self.layers))
        return set(self._cache["symbols"])

    @property
    def size_dependent(self) -> bool:
        """Whether any layer's geometry depends on its input length."""
        return any(layer.size_dependent for layer in self.layers)

    def steps(self, size: Scalar | None) -> Iterator[Step]:
        """Fold the layers, yielding the composed map and the length after each one."""
        total, sizes = IDENTITY, SAME_SIZE
        length = size
        for index, layer in enumerate(self.layers):
            try:
                geometry = layer.geometry(length)
                total = total.then(geometry.map)
                sizes = sizes.then(geometry.sizes)
                if size is not None:
                    # One floor of the input length, not a floor nested per layer.
                    length = sizes(size)
                    check_size(length)
            except SymrfError as error:
                raise located(error, f"layers[{index}] ({layer.row_name(index)})") from None
            yield Step(layer, total, sizes, length)

    def reads(self, units: Units, size: int | None) -> Units:
        """Propagate ``units`` back through every layer."""
        lengths = [size, *[step.size for step in self.steps(size)][:-1]]
        for layer, length in zip(reversed(self.layers), reversed(lengths), strict=True):
            units = layer.reads(units, length)
        return units

    def period_factor(self) -> int:
        """The product of the layers' factors."""
        return math.prod(layer.period_factor() for layer in self.layers)

    def geometry(self, size: Scalar | None) -> Geometry:
        """The composed geometry of all layers."""
        *_, last = self.steps(size)
        return Geometry(last.map, last.sizes)


@dataclass(frozen=True, kw_only=True)
class Repeat(Layer):
    """``block`` applied ``times`` times in sequence; ``times`` may be a symbol.

    With ``index``, the block sees the repetition number ``0, 1, ..., times - 1`` in that
    symbol, so a schedule such as dilation ``2**i`` is one layer; a symbolic count then
    gives sums over the index in closed form.

    Args:
        block: The layer repeated (a list of layers becomes a ``Sequential``); positional.
        times: The count, ``>= 0``: an int or a sympy expression (never unrolled when
            symbolic).
        index: A symbol the block uses for the repetition number ``0 .. times - 1``.
        name: Row label in reports (default ``repeat_0``, ...).

    >>> from symrf.layers.window import Conv
    >>> Repeat(Conv(kernel=3, stride=2), times=4).geometry(None).map.rf
    31
    >>> from symrf.scalars import symbols
    >>> i, = symbols("i")
    >>> Repeat(Conv(kernel=3, dilation=2**i), times=8, index=i).geometry(None).map.rf
    511
    """

    op = "repeat"
    block: Layer = dataclasses.field(kw_only=False)
    times: Scalar
    index: sympy.Symbol | None = None
    """The symbol that counts the repetitions from 0, when the block depends on it."""

    def __post_init__(self) -> None:
        if isinstance(self.block, list | tuple):
            object.__setattr__(self, "block", Sequential(*self.block))
        if not isinstance(self.block, Layer):
            raise InvalidLayerError(
                f"repeat block is {type(self.block).__name__}, not a layer; pass a layer or "
                "a list of layers."
            ).with_key("layers")
        times = scalar(self.times, "repeat times")
        object.__setattr__(self, "times", times)
        check_at_least(self, "times", times, 0)
        if isinstance(self.index, str):
            object.__setattr__(self, "index", symbol(self.index))
        if self.index is not None:
            if not isinstance(self.index, sympy.Symbol):
                raise InvalidLayerError(
                    f"repeat index is {self.index!r}; give a symbol name such as \"i\"."
                ).with_key("index")
            if self.index in getattr(times, "free_symbols", ()):
                raise InvalidLayerError(
                    f"the repeat count {times} uses its own index {self.index}; name the index "
                    "differently."
                ).with_key("index")

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"Repeat(block={self.block!r}, times={self.times}{index})"

    def params(self) -> dict[str, object]:
        """The count is the only parameter; the block and the index are structure."""
        return {"times": self.times}

    def axes(self) -> int:
        """The block's number of axes."""
        return self.block.axes()

    def axis(self, index: int) -> Repeat:
        """The repeat of the block's axis ``index``."""
        return Repeat(self.block.axis(index), times=self.times, index=self.index, name=self.name)

    def substitute(self, values: Values) -> Repeat:
        """Substitute into the count and the block (never into the block's own index)."""
        times = Layer.substitute(self, values).times  # type: ignore[attr-defined]
        inner = {key: value for key, value in values.items() if key != self.index}
        return Repeat(self.block.substitute(inner), times=times, index=self.index,
                      name=self.name)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of the count and the block, except the index."""
        return (Layer.free_symbols(self) | self.block.free_symbols()) - {self.index}

    def copy(self, number: Scalar) -> Layer:
        """The block as repetition ``number`` (counted from 0) sees it.

        >>> from symrf.layers.window import Conv
        >>> from symrf.scalars import symbols
        >>> i, = symbols("i")
        >>> Repeat(Conv(kernel=3, dilation=2**i), times=4, index=i).copy(3)
        Conv(kernel=3, stride=1, dilation=8, padding=0)
        """
        if not self.indexed:
            return self.block
        value = sympy.Integer(number) if isinstance(number, int) else number
        return self.block.substitute({self.index: value})

    @property
    def indexed(self) -> bool:
        """Whether the block depends on the repetition index."""
        return self.index is not None and self.index in self.block.free_symbols()

    @property
    def size_dependent(self) -> bool:
        """Whether the block's geometry depends on its input length (and it runs at all)."""
        return self.times != 0 and self.block.size_dependent

    def geometry(self, size: Scalar | None) -> Geometry:
        """The block's geometry to the power ``times`` (closed form, or unrolled if it must)."""
        times = self.times
        if times == 0:  # no repetition: the block is never applied, nor composed
            return Geometry(IDENTITY, SAME_SIZE)
        if self.block.size_dependent or (self.indexed and is_number(times)):
            return self._unrolled(size)
        if self.indexed:
            return self._summed()
        body = self.block.geometry(None)
        if is_number(times):
            self._check_magnitude(body.map.scale, times)
            if size is not None and times >= 1:
                # Lengths move monotonically over the repetitions: the first and the last
                # repetition bound every inner layer's length.
                self.block.geometry(size)
                self.block.geometry(body.sizes.power(times - 1)(size))
        return Geometry(body.map.power(times), body.sizes.power(times))

    def reads(self, units: Units, size: int | None) -> Units:
        """Propagate back through the repetitions, last first (numeric counts only)."""
        self.check_unroll("propagate units through")
        copies = [self.copy(number) for number in range(int(self.times))]
        lengths = [size]
        for block in copies[:-1]:
            lengths.append(None if size is None else int(block.geometry(lengths[-1]).sizes(
                lengths[-1])))
        for block, length in reversed(list(zip(copies, lengths[: len(copies)], strict=True))):
            units = block.reads(units, length)
        return units

    def period_factor(self) -> int:
        """The product of the repetitions' factors."""
        if not self.indexed:
            factor = self.block.period_factor()
            if factor != 1 and int(self.times) * factor.bit_length() > 64:
                raise TooLargeError(
                    f"{abbreviated(self.times)} repetitions of a block that resamples by "
                    f"{factor} repeat their fields only every {factor}**{self.times} units; "
                    "give fewer repetitions or use symrf.derive() for bounds."
                ).with_key("times")
            return int(factor ** int(self.times))
        self.check_unroll("enumerate the phases of")
        return math.prod(self.copy(number).period_factor() for number in range(int(self.times)))

    def check_unroll(self, task: str) -> None:
        """Refuse to unroll more than :data:`~symrf.limits.MAX_UNROLL` repetitions."""
        if self.times > MAX_UNROLL:
            raise TooLargeError(
                f"{abbreviated(self.times)} repetitions are too many to {task} one by one "
                f"(limit {MAX_UNROLL}); give a smaller count, or use symrf.derive() for "
                "formulas."
            ).with_key("times")

    def _check_magnitude(self, scale: Scalar, times: Scalar) -> None:
        if is_number(scale) and scale != 1 and scale != 0:
            size = abs(math.log2(abs(scale.numerator)) - math.log2(scale.denominator)) if \
                isinstance(scale, Fraction) else abs(math.log2(abs(scale)))  # exact for big ints
            bits = min(times, 2**64) * size  # no float overflow
            if bits > MAX_BITS:
                raise TooLargeError(
                    f"{abbreviated(times)} repetitions of a block with jump {scale} give "
                    f"numbers of about {int(bits)} bits, too large to evaluate; use "
                    "symrf.derive() with a symbolic count for the closed form."
                ).with_key("times")

    def _unrolled(self, size: Scalar | None) -> Geometry:
        if not is_number(self.times):
            raise NetworkError(
                "the block's padding depends on its input length (TF 'same' "
                "with stride > 1), so a symbolic repeat count has no closed form; give a "
                "concrete count or explicit padding."
            ).with_key("times")
        self.check_unroll("evaluate a block whose geometry depends on its input length or "
                           "on the repeat index")
        if self.times == 0:
            return Geometry(IDENTITY, SAME_SIZE)
        if self.block.size_dependent:
            size = need_size(self, size)
        total, sizes, length = IDENTITY, SAME_SIZE, size
        for number in range(int(self.times)):
            geometry = self.copy(number).geometry(length)
            total, sizes = total.then(geometry.map), sizes.then(geometry.sizes)
            length = None if size is None else sizes(size)
            self._check_magnitude(total.scale, 1)
        return Geometry(total, sizes)

    def _summed(self) -> Geometry:
        """Closed form of an indexed repeat with a symbolic count: sums over the index."""
        number = sympy.Dummy("i", integer=True, nonnegative=True)
        body = self.copy(number).geometry(None)
        step, scale = body.map, body.map.scale
        if uses(scale, number):
            raise NetworkError(
                f"the jump of each repetition depends on the index {self.index}, so a "
                "symbolic count has no closed form; give a concrete count."
            ).with_key("times")

        def total(term: Scalar) -> Scalar:
            return sum_over(term * scale**number, number, self.times, self.index)

        reach = IntervalMap(scale**self.times, total(step.lo), total(step.width),
                            total(step.narrow), self._widest(step.spread * scale**number, number),
                            step.exact)
        return Geometry(reach, summed_sizes(body.sizes, number, self.times, self.index))

    def _widest(self, spread: Scalar, number: sympy.Symbol) -> Scalar:
        """The largest branch offset over the repetitions, at whichever end it is provably."""
        if spread == 0:
            return 0
        if not uses(spread, number):
            return spread
        growth = sympy.simplify(expression(spread).xreplace({number: number + 1}) - spread)
        if provably(growth >= 0):
            return substituted(spread, {number: self.times - 1})
        if provably(growth <= 0):
            return substituted(spread, {number: 0})
        raise NetworkError(
            f"the offset between merged branches, {spread}, does not provably grow or shrink "
            f"with the index {self.index}, so a symbolic count has no closed form; give a "
            "concrete count."
        ).with_key("times")


def _common_axes(layers: tuple[Layer, ...], where: str) -> int:
    counts = {layer.axes() for layer in layers} - {1}
    if len(counts) > 1:
        raise InvalidLayerError(
            f"{where}: layers have different numbers of axes {sorted(counts | {1})}; give "
            "every per-axis parameter the same number of entries."
        )
    return counts.pop() if counts else 1
