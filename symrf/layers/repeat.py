"""Blocks repeated a number of times, fixed or symbolic, optionally indexed.

A :class:`Repeat` is the block's geometry raised to the ``times``-th power: in closed form
with geometric sums when ``times`` is a symbol, never unrolled; with ``index``, each
repetition sees its number and a symbolic count gives sums over the index.

>>> from symrf.layers.window import Conv
>>> from symrf.maths.scalars import symbols
>>> k, n = symbols("k n")
>>> Repeat(Conv(kernel=k), times=n).geometry(None).map.rf
n*(k - 1) + 1
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction

import sympy

from symrf.errors import InvalidLayerError, NetworkError, TooLargeError
from symrf.layers.base import (
    Geometry,
    Layer,
    Units,
    Values,
    check_at_least,
    need_size,
    provably,
)
from symrf.layers.compose import Sequential
from symrf.limits import MAX_BITS, MAX_UNROLL, abbreviated
from symrf.maths.algebra import IDENTITY, SAME_SIZE, IntervalMap, sum_over, summed_sizes, uses
from symrf.maths.scalars import Scalar, expression, is_number, scalar, symbol
from symrf.maths.substitution import Assignment, assignment, substituted


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
    >>> from symrf.maths.scalars import symbols
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
        values = assignment(values)
        times = Layer.substitute(self, values).times  # type: ignore[attr-defined]
        inner = values if self.index not in values else Assignment(
            (key, value) for key, value in values.items() if key != self.index)
        return Repeat(self.block.substitute(inner), times=times, index=self.index,
                      name=self.name)

    def free_symbols(self) -> set[sympy.Symbol]:
        """Symbols of the count and the block, except the index."""
        return (Layer.free_symbols(self) | self.block.free_symbols()) - {self.index}

    def copy(self, number: Scalar) -> Layer:
        """The block as repetition ``number`` (counted from 0) sees it.

        >>> from symrf.layers.window import Conv
        >>> from symrf.maths.scalars import symbols
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
