"""The two monoids behind every figure: interval maps (where a unit looks) and size maps.

An :class:`IntervalMap` ``(scale, lo, width)`` sends output unit ``x`` to the input hull
``[scale*x + lo, scale*x + lo + width]``. Doing ``first`` and then ``second``
(``first.then(second)``) gives ``(s1*s2, lo1 + s1*lo2, w1 + s1*w2)``: associative, with
identity ``(1, 0, 0)``. Keeping the width rather than the right end lets symbolic figures
such as ``rf = width + 1`` come out without cancelling padding terms. Two more components
compose alongside: ``narrow``, the width along the narrowest path through branches (it
composes like ``width``), and ``spread``, the largest offset between the centres of merged
branches seen so far, in input pixels (``max(spread1, s1*spread2)``).

A :class:`SizeMap` ``(divisor, offset, bias)`` sends an input length ``m`` to the output
length ``floor((m + offset) / divisor) + bias``. Because
``floor((floor(y) + c) / d) == floor((y + c) / d)`` for integers ``c`` and ``d > 0``, these
maps are closed under composition too, so a whole chain's length is one ``floor``.

The laws use only ``+ - *`` and :func:`~symrf.maths.geometric.geometric`, so one implementation
folds ``int``, ``Fraction`` and sympy expressions alike. Repetitions whose parameters change
with an index are summed in closed form (:func:`sum_over`). This module knows no layer names.

>>> conv3 = IntervalMap(1, -1, 2)          # kernel 3, padding 1
>>> pool = IntervalMap(2, 0, 1)            # kernel 2, stride 2
>>> conv3.then(pool).then(conv3)
IntervalMap(scale=2, lo=-3, width=7)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from symrf.errors import NetworkError
from symrf.maths.geometric import geometric
from symrf.maths.product import product
from symrf.maths.scalars import (
    Scalar,
    divide,
    floor,
    high_degree,
    is_number,
    maximum,
    minimum,
)
from symrf.maths.scalars import exact as exact_value


@dataclass(frozen=True, slots=True)
class IntervalMap:
    """Unit ``x`` of the output reads the input hull ``[scale*x + lo, scale*x + lo + width]``.

    ``rf == width + 1``, ``jump == scale`` and ``left == lo`` for the map of a whole chain.

    >>> IntervalMap(4, -2, 10).rf
    11
    """

    scale: Scalar
    lo: Scalar
    width: Scalar
    narrow: Scalar = None
    spread: Scalar = 0
    exact: bool = True
    """False when the hull of each unit only lies inside the map (resampling layers)."""

    def __post_init__(self) -> None:
        if self.narrow is None:
            object.__setattr__(self, "narrow", self.width)

    def __repr__(self) -> str:
        extra = ""
        if self.narrow is not self.width and self.narrow != self.width:
            extra += f", narrow={self.narrow}"
        if self.spread != 0:
            extra += f", spread={self.spread}"
        if not self.exact:
            extra += ", exact=False"
        return f"IntervalMap(scale={self.scale}, lo={self.lo}, width={self.width}{extra})"

    def then(self, second: IntervalMap) -> IntervalMap:
        """Compose: apply ``self`` first (nearer the input), then ``second``.

        >>> IntervalMap(2, 0, 1).then(IntervalMap(1, -1, 2))
        IntervalMap(scale=2, lo=-2, width=5)
        """
        scale = self.scale
        width = self.width + product(scale, second.width)
        # Along a chain the narrowest path is the only path: the same formula, built once.
        same = self.narrow is self.width and second.narrow is second.width
        return IntervalMap(
            product(scale, second.scale),
            self.lo + product(scale, second.lo),
            width,
            width if same else self.narrow + product(scale, second.narrow),
            self.spread if second.spread == 0 else _spread(
                self.spread, product(scale, second.spread)),
            self.exact and second.exact,
        )

    def power(self, times: Scalar) -> IntervalMap:
        """Compose ``self`` with itself ``times`` times, in closed form (geometric sums).

        >>> IntervalMap(2, 0, 2).power(3)
        IntervalMap(scale=8, lo=0, width=14)
        """
        series = geometric(self.scale, times)
        spread = self.spread
        if spread != 0:  # the largest of spread * scale**i for i < times
            spread = maximum(spread, spread * self.scale ** (times - 1))
        width = self.width * series
        narrow = width if self.narrow is self.width else self.narrow * series  # one path: once
        return IntervalMap(self.scale**times, self.lo * series, width, narrow, spread, self.exact)

    @property
    def hi(self) -> Scalar:
        """Right end of unit 0's hull, ``lo + width``."""
        return self.lo + self.width

    @property
    def rf(self) -> Scalar:
        """Size of the hull, ``width + 1``."""
        return self.width + 1


def _spread(first: Scalar, second: Scalar) -> Scalar:
    if second == 0:
        return first
    return second if first == 0 else maximum(first, second)


def union(maps: list[IntervalMap]) -> IntervalMap:
    """The hull of several maps with one scale: a unit reads the union of their reads.

    ``lo`` is the least left end and the width reaches the greatest right end; ``narrow``
    keeps the narrowest branch; ``spread`` records how far the branches' centres differ.

    >>> union([IntervalMap(1, -1, 2), IntervalMap(1, 0, 0)])
    IntervalMap(scale=1, lo=-1, width=2, narrow=0)
    >>> union([IntervalMap(1, 0, 2), IntervalMap(1, 0, 0)]).spread
    1
    """
    lo = minimum(*(m.lo for m in maps))
    hi = maximum(*(m.hi for m in maps))
    centres = [m.lo + divide(m.width, 2) for m in maps]
    spread = maximum(*(m.spread for m in maps), maximum(*centres) - minimum(*centres))
    narrow = minimum(*(m.narrow for m in maps))
    return IntervalMap(maps[0].scale, lo, hi - lo, narrow, spread, all(m.exact for m in maps))


IDENTITY = IntervalMap(1, 0, 0)
"""The map of a layer that reads exactly its own position."""


@dataclass(frozen=True, slots=True)
class SizeMap:
    """Input length ``m`` becomes ``floor((m + offset) / divisor) + bias``.

    >>> SizeMap(2, -1, 1)(224)                  # kernel 3, stride 2, padding 1
    112
    """

    divisor: Scalar
    offset: Scalar
    bias: Scalar

    def __post_init__(self) -> None:
        # On whole-number lengths, floor((m + o)/d) keeps its value when o is rounded down to
        # the grid the divisor sees: to an integer for an integer d, to a multiple of 1/f for
        # d = 1/f. The rounded offset keeps the merge laws within whole numbers.
        if is_number(self.divisor) and is_number(self.offset):
            if isinstance(self.divisor, int):
                object.__setattr__(self, "offset", floor(self.offset))
            elif _integral(divide(1, self.divisor)):
                grid = divide(1, self.divisor)
                object.__setattr__(self, "offset", divide(floor(self.offset * grid), grid))

    def __call__(self, size: Scalar) -> Scalar:
        """The output length for input length ``size``."""
        if self.divisor == 1 and _integral(self.offset):
            return size + self.offset + self.bias
        return floor(divide(size + self.offset, self.divisor)) + self.bias

    def then(self, second: SizeMap | SizeChain) -> SizeMap | SizeChain:
        """Compose: apply ``self`` first, then ``second``.

        Upsampling maps have divisor ``1/f`` (``m -> f*m + c``). The floor law
        ``floor((floor(y) + c)/d) == floor((y + c)/d)`` merges two maps when the second
        divides by an integer ``d`` and ``c`` (the first's bias plus the second's offset) is
        an integer, or when the first has no floor to lose (``m -> f*m + c`` exactly); other
        pairs, such as a downsampling followed by an upsampling, stay a :class:`SizeChain`.

        >>> SizeMap(2, -1, 1).then(SizeMap(2, -1, 1))(224)
        56
        >>> from fractions import Fraction
        >>> SizeMap(2, 0, 0).then(SizeMap(Fraction(1, 2), 0, 0))(7)
        6
        """
        if isinstance(second, SizeChain):
            return SizeChain((self,)).then(second)
        floor_law = _integral(second.divisor) and _integral(self.bias + second.offset)
        # Otherwise the maps merge only when the first has no floor to lose. (Asked second:
        # sympy's integer test of 1/(s1*s2*...) is slow on long symbolic chains.)
        if not floor_law and not (_integral(divide(1, self.divisor)) and _integral(
                divide(self.offset, self.divisor))):
            return SizeChain((self, second))
        return SizeMap(
            product(self.divisor, second.divisor),
            self.offset + product(self.divisor, self.bias + second.offset),
            second.bias,
        )

    def power(self, times: Scalar) -> SizeMap:
        """Compose ``self`` with itself ``times`` times, in closed form.

        >>> SizeMap(2, -1, 1).power(3)(224)
        28
        """
        if isinstance(self.then(self), SizeChain):  # the floor law does not merge these
            return SizeChain((self,)).power(times)  # type: ignore[return-value]
        series = geometric(self.divisor, times)
        return SizeMap(
            self.divisor**times,
            self.offset + (self.offset + self.bias) * (series - 1),
            self.bias,
        )


def _integral(value: Scalar) -> bool:
    if is_number(value):
        return isinstance(value, int)
    if whole(value):
        return True
    if high_degree(value):  # sympy would search the roots of a high-degree polynomial
        return False  # "not shown": the maps stay a chain, which is exact too
    return bool(getattr(value, "is_integer", False))


def whole(expr: sympy.Basic) -> bool:
    """Integers and integer symbols under ``+``, ``*``, powers and floors: an integer.

    A fast structural test, tried before sympy's assumption system, which takes seconds to
    say the same of the long polynomials in 200 symbols that symbolic chains build. False
    means "not shown", not "not an integer".

    >>> from symrf.maths.scalars import symbols
    >>> k, s = symbols("k s")
    >>> whole(k * s**2 + 3), whole(k / 2)
    (True, False)
    """
    if expr.is_Integer or isinstance(expr, sympy.floor | sympy.ceiling):
        return True
    if expr.is_Symbol:
        return bool(expr.is_integer)
    if expr.is_Add or expr.is_Mul:
        return all(whole(arg) for arg in expr.args)
    if expr.is_Pow:
        return whole(expr.base) and whole(expr.exp) and bool(expr.exp.is_nonnegative)
    return False


@dataclass(frozen=True, slots=True)
class SizeChain:
    """Size maps applied in turn, kept apart where the floor law cannot merge them.

    >>> from fractions import Fraction
    >>> SizeChain((SizeMap(2, 0, 0), SizeMap(Fraction(1, 2), 0, 0)))(7)
    6
    """

    maps: tuple[SizeMap, ...]

    def __call__(self, size: Scalar) -> Scalar:
        """The output length for input length ``size``."""
        for step in self.maps:
            size = step(size)
        return size

    def then(self, second: SizeMap | SizeChain) -> SizeChain:
        """Append ``second``, merging neighbours where the floor law allows."""
        maps = list(self.maps)
        for step in second.maps if isinstance(second, SizeChain) else (second,):
            merged = maps[-1].then(step) if maps else step
            if isinstance(merged, SizeMap):
                maps[-1:] = [merged]
            else:
                maps.append(step)
        return SizeChain(tuple(maps))

    def power(self, times: Scalar) -> SizeChain:
        """Repeat ``times`` times; a symbolic count has no closed form here."""
        if not is_number(times):
            raise NetworkError(
                "the feature-map length of a block that downsamples and then upsamples has "
                "no closed form for a symbolic repeat count; give a concrete count."
            )
        result = SizeChain(())
        for _ in range(int(times)):
            result = result.then(self)
        return result


Sizes = SizeMap | SizeChain
"""Any size map: one floor map, or a chain that could not be merged into one."""

SAME_SIZE: Sizes = SizeMap(1, 0, 0)
"""The size map of a layer that keeps the length."""


def sum_over(term: Scalar, number: sympy.Symbol, times: Scalar, index: object) -> Scalar:
    """``term`` summed for ``number = 0 .. times - 1``, in closed form.

    Terms ``c * r**number`` become ``c * geometric(r, times)``, so formulas read like those of
    a plain repeat; other terms go to ``sympy.summation``. ``index`` names the repeat's
    index in error messages.

    >>> from symrf.maths.scalars import symbols
    >>> i, k, L = symbols("i k L")
    >>> sum_over((k - 1) * 2**i, i, L, "i")
    (2**L - 1)*(k - 1)
    """
    ratios: dict[sympy.Expr, sympy.Expr] = {}  # the coefficient of each ratio**number
    total: Scalar = 0
    for piece in sympy.Add.make_args(sympy.expand(term)):
        coefficient, rest = piece.as_independent(number, as_Add=False)
        rest = sympy.powsimp(rest)
        if rest == 1:
            ratios[sympy.Integer(1)] = ratios.get(sympy.Integer(1), 0) + coefficient
        elif rest.is_Pow and rest.exp == number and not uses(rest.base, number):
            ratios[rest.base] = ratios.get(rest.base, 0) + coefficient
        else:
            found = sympy.summation(piece, (number, 0, times - 1))
            if found.has(sympy.Sum):
                raise NetworkError(
                    f"sympy finds no closed form for the sum of {piece} over the index "
                    f"{index}; give a concrete count."
                ).with_key("times")
            total += sympy.piecewise_fold(found)
    for ratio, coefficient in ratios.items():
        total += sympy.factor_terms(coefficient) * geometric(exact_value(ratio), times)
    return exact_value(total)


def uses(value: Scalar, number: sympy.Symbol) -> bool:
    """Whether ``value`` contains the symbol ``number``."""
    return number in getattr(value, "free_symbols", ())


def summed_sizes(sizes: Sizes, number: sympy.Symbol, times: Scalar, index: object) -> Sizes:
    """Lengths after ``times`` repetitions whose length change may depend on the index.

    With a divisor ``d`` that does not change with the index, repetition ``i`` maps
    ``m -> floor((m + o_i)/d) + b_i``, and the floor law composes them into one map:
    divisor ``d**times``, offset ``sum_i d**i*o_i + sum_{i < times-1} d**(i+1)*b_i``, bias
    the last ``b_i``. It needs every ``b_i + o_(i+1)`` to be an integer.

    >>> from symrf.maths.scalars import symbols
    >>> i, L = symbols("i L")
    >>> summed_sizes(SizeMap(1, -(2**i), 0), i, L, "i")
    SizeMap(divisor=1, offset=0, bias=1 - 2**L)
    >>> halving = summed_sizes(SizeMap(2, -i - 1, 1), i, L, "i")   # 40 -> 20 -> 10 -> 4
    >>> halving(40).xreplace({L: 3})
    4
    """
    if isinstance(sizes, SizeMap) and not any(
        uses(part, number) for part in (sizes.divisor, sizes.offset, sizes.bias)
    ):
        return sizes.power(times)
    if isinstance(sizes, SizeMap) and sizes.divisor == 1:
        change = sum_over(sizes.offset + sizes.bias, number, times, index)
        return SizeMap(1, 0, change)
    if isinstance(sizes, SizeMap) and not uses(sizes.divisor, number):
        divisor, offset, bias = sizes.divisor, sizes.offset, sizes.bias
        carried = bias + _at(offset, number, number + 1)  # what one repetition hands on
        if _integral(divisor) and _integral(carried):
            last = _at(bias, number, times - 1)
            reach = sum_over(offset * divisor**number + bias * divisor ** (number + 1),
                             number, times, index)
            return SizeMap(divisor**times, exact_value(reach - last * divisor**times), last)
    raise NetworkError(
        f"the length change of each repetition depends on the index {index} and "
        "involves a stride that is not one integer for every repetition, so a symbolic count "
        "has no closed form for the length; give a concrete count."
    ).with_key("times")


def _at(value: Scalar, number: sympy.Symbol, where: Scalar) -> Scalar:
    """``value`` with the index ``number`` set to ``where``."""
    if not uses(value, number):
        return value
    return exact_value(sympy.expand(value.xreplace({number: where})))  # type: ignore[union-attr]  # uses the index: an expression
