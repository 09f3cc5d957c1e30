"""The symbolic engine: closed forms of every figure, simplified into what a paper prints.

:func:`derive` runs the one fold of :mod:`symrf.engine.report` on sympy expressions and tidies each
figure with targeted rules: fold ``Piecewise`` cases outward (so a repeated block reads
"this when s = 1, that otherwise"), pull common factors out of sums (``n*(k - 1) + 1``),
and leave geometric sums closed. No blanket ``simplify()``: it is slow on long chains and
rewrites forms a reader recognises.

>>> import symrf
>>> k, s, n = symrf.symbols("k s n")
>>> net = symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n))
>>> derive(net).rf
Piecewise((n*(k - 1) + 1, Eq(s, 1)), ((k - 1)*(s**n - 1)/(s - 1) + 1, True))
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import sympy

from symrf.engine.field import Finish
from symrf.engine.fold import analyse
from symrf.engine.report import Report, network
from symrf.errors import NetworkError
from symrf.layers.base import Geometry, Layer, param, provably
from symrf.maths.algebra import IntervalMap
from symrf.maths.geometric import GeometricSum
from symrf.maths.scalars import (
    Scalar,
    _huge,
    divide,
    exact,
    fractional,
    is_number,
    maximum,
    minimum,
    symbol,
)

_SMALL = 60
"""Formulas of at most this many nodes are expanded and collected; larger ones stay as folded.

60 covers every row of the docs' examples and zoo heads; at 120, collecting the rows of a
long chain with per-layer symbols took most of ``analyze``'s time (the rows between 60 and
120 nodes expand into sums of a few hundred products, collected over every symbol).

The fold already writes a long chain as a paper does (``k0 + s0*(k1 - 1) + ...``); rewriting
a sum of hundreds of products would cost seconds and change nothing a reader wants."""


def tidy(value: Scalar) -> Scalar:
    """Simplify one figure with targeted rules; numbers come back as ``int``/``Fraction``.

    Sums are expanded and collected on their geometric-sum terms and symbols, so
    ``(k - 1 - p)*G + p*G + 1`` becomes ``(k - 1)*G + 1``; geometric sums are then written in
    closed form and ``Piecewise`` cases folded outward; each case keeps its common factors
    pulled out.

    >>> k, n = symbol("k"), symbol("n")
    >>> tidy(k * n - n + 1)
    n*(k - 1) + 1
    """
    if is_number(value) or isinstance(value, bool):
        return value
    if _shape(value).huge:  # sympy's checks would hunt the roots of s**(10**90): no rewriting
        with sympy.evaluate(False):
            return value.rewrite(sympy.Piecewise)  # type: ignore[union-attr]  # not a number: an expression
    expr = _collect(value)
    if _shape(expr).series:
        expr = sympy.piecewise_fold(expr.rewrite(sympy.Piecewise))
    if isinstance(expr, sympy.Piecewise):
        cases = [(_collect(_within(case, condition)), condition) for case, condition in expr.args]
        return exact(sympy.Piecewise(*cases))
    return exact(expr)


class _Shape(NamedTuple):
    """What :func:`tidy` asks of a formula before rewriting it."""

    nodes: int
    """Nodes of its tree (shared subformulas counted each time), counted up to ``_SMALL + 1``."""
    series: bool
    """Whether it holds a :class:`GeometricSum`."""
    huge: bool
    """Whether it holds a power past :data:`~symrf.limits.MAX_EXPONENT` (see ``huge_power``)."""


@functools.lru_cache(maxsize=1 << 16)
def _shape(expr: sympy.Basic) -> _Shape:
    """The :class:`_Shape` of ``expr``, each shared subformula looked at once.

    The rows of a chain share the segments they are composed of: walking each row's whole
    tree would read the first layers' formulas once per row.

    >>> k, s = symbol("k"), symbol("s")
    >>> _shape(k + s**(10**90))
    _Shape(nodes=5, series=False, huge=True)
    """
    nodes, series, huge = 1, isinstance(expr, GeometricSum), _huge(expr)
    for arg in expr.args:
        inner = _shape(arg) if isinstance(arg, sympy.Basic) else _Shape(1, False, False)
        nodes = min(nodes + inner.nodes, _SMALL + 1)
        series, huge = series or inner.series, huge or inner.huge
    return _Shape(nodes, series, huge)


def _within(case: sympy.Expr, condition: sympy.Basic) -> sympy.Expr:
    """Use a case's condition ``s = 1`` inside the case: ``k + s - 1`` becomes ``k``."""
    if isinstance(condition, sympy.Eq) and condition.lhs.is_Symbol and condition.rhs.is_Number:
        return case.xreplace({condition.lhs: condition.rhs})
    return case


def _collect(expr: sympy.Expr) -> sympy.Expr:
    shape = _shape(expr)
    if shape.nodes > _SMALL or shape.huge:
        return expr
    if not expr.is_Add:
        return sympy.factor_terms(expr)
    expanded = sympy.expand(expr)
    sums = sorted(expanded.atoms(GeometricSum), key=str)
    names = sorted(expanded.free_symbols, key=lambda sym: sym.name)[::-1]
    collected = sympy.factor_terms(sympy.collect(expanded, [*sums, *names]))
    original = sympy.factor_terms(expr)
    return min(collected, original, key=sympy.count_ops)


Bounds = tuple[int, int]


class Shifts:
    """A symbolic graph fold that keeps input-size-dependent shifts as bounded integer terms.

    A layer whose hull moves with its input length but keeps its width and jump (TF SAME
    padding with a stride) shifts everything after it by a formula in ``n_in`` (floors and
    ``Max``). Composing and merging those formulas is what makes graphs slow: every merge
    asks sympy to compare them. Here each such shift becomes one integer term ``t`` with
    proven bounds (its value for one period of input lengths), so:

    - ``rf``, ``jump`` and ``rf_min_path`` never contain ``n_in``: widths do not move;
    - a merge compares lefts and rights by interval arithmetic on the terms, and picks the
      branch that is provably outermost (sympy's ``Max`` only for what stays undecided);
    - each term's formula is simplified once, and written into a figure when it is finished.

    >>> from symrf.layers.graph import Graph, Node
    >>> from symrf.layers.window import Conv, MaxPool
    >>> net = Graph([Node("pool", ("input",), MaxPool(kernel=3, stride=2, padding="same")),
    ...              Node("conv", ("pool",), Conv(kernel=3, stride=2, padding="same")),
    ...              Node("skip", ("pool",), Conv(kernel=1, stride=2)),
    ...              Node("sum", ("conv", "skip"), merge="add")])
    >>> report = derive(net)
    >>> report.rf, report.jump, report.rf_min_path
    (7, 4, 3)
    >>> n_in = symbol("n_in")
    >>> [report.left.xreplace({n_in: n}) for n in (224, 225)]
    [0, -3]
    """

    def __init__(self) -> None:
        self.terms: dict[sympy.Symbol, tuple[Scalar, Bounds]] = {}
        self._periodic: dict[Layer, tuple[sympy.Symbol, sympy.Expr, Bounds] | None] = {}
        self._written: dict[sympy.Basic, Scalar] = {}
        self._finished: dict[tuple[object, Scalar], Scalar] = {}

    def geometry(self, layer: Layer, size: Scalar | None) -> Geometry:
        """``layer``'s geometry, its size-dependent shift (if any) as a bounded term."""
        found = layer.geometry(size)
        if size is None or is_number(size) or not layer.size_dependent:
            return found
        span = found.map
        unknown: set[sympy.Basic] = getattr(size, "free_symbols", set())
        moving: list[set[sympy.Basic]] = [getattr(v, "free_symbols", set()) & unknown
                  for v in (span.scale, span.width, span.narrow, span.spread)]
        if any(moving) or not getattr(span.lo, "free_symbols", set()) & unknown:
            return found
        periodic = self._periodic_left(layer)
        if periodic is None:
            return found
        length, lo, bounds = periodic
        term = sympy.Dummy(f"shift{len(self.terms)}", integer=True)
        self.terms[term] = (exact(lo.xreplace({length: size})), bounds)
        shifted = IntervalMap(span.scale, term, span.width, span.narrow, span.spread, span.exact)
        return Geometry(shifted, found.sizes)

    def _periodic_left(self, layer: Layer) -> tuple[sympy.Symbol, sympy.Expr, Bounds] | None:
        """``layer``'s left end as a formula in a length ``m``, and its range, if periodic.

        The range is the least and the greatest value over all lengths.
        The left end must come back after ``jump`` more input units (sympy shows the
        formula unchanged), so one period of integer lengths holds every value; a ``Max`` or
        ``Min`` inside it whose winner is the same over that period is replaced by it.
        """
        if layer not in self._periodic:
            self._periodic[layer] = None
            length = sympy.Dummy("m", integer=True, positive=True)
            span = layer.geometry(length).map
            period, lo = span.scale, span.lo
            if isinstance(period, int) and 0 < period <= _PERIOD_LIMIT and isinstance(
                    lo, sympy.Expr):
                values = _over_period(lo, length, period)
                if values is not None and all(isinstance(value, int) for value in values):
                    lo = _decided(lo, length, period)
                    self._periodic[layer] = (length, lo, (min(values), max(values)))
        return self._periodic[layer]

    def union(self, maps: list[IntervalMap]) -> IntervalMap:
        """As :func:`symrf.maths.algebra.union`, ends and offsets decided on the terms' bounds."""
        lo = self._extreme([m.lo for m in maps], -1)
        hi = self._extreme([m.hi for m in maps], 1)
        centres = [m.lo + divide(m.width, 2) for m in maps]
        offset = self._extreme(centres, 1) - self._extreme(centres, -1)
        spread = self._extreme([*(m.spread for m in maps), offset], 1)
        narrow = minimum(*(m.narrow for m in maps))
        return IntervalMap(maps[0].scale, lo, hi - lo, narrow, spread, all(m.exact for m in maps))

    def _extreme(self, values: list[Scalar], sign: int) -> Scalar:
        """The greatest (``sign`` 1) or least (-1) of ``values``; provably so, or a Max/Min."""
        values = list(dict.fromkeys(exact(v) for v in values))
        if len(values) == 1:
            return values[0]
        kept = [v for i, v in enumerate(values)
                if not any(j != i and self._beyond(w, v, sign, j < i)
                           for j, w in enumerate(values))]
        return maximum(*kept) if sign > 0 else minimum(*kept)

    def _beyond(self, first: Scalar, second: Scalar, sign: int, earlier: bool) -> bool:
        """Whether ``first`` is provably at least as far out as ``second``.

        Of two values that are always equal, only the ``earlier`` one counts as beyond.
        """
        low, high = self._range(exact(sign * (first - second)))
        return low is not None and low >= 0 and (high > 0 or earlier)

    def _range(self, value: Scalar) -> tuple[Any, Any]:
        """Bounds of a sum of numbers and number multiples of terms (None when unbounded)."""
        if is_number(value):
            return value, value
        low: Scalar = 0
        high: Scalar = 0
        for part in sympy.Add.make_args(value):
            factor, rest = part.as_coeff_Mul()
            if rest is sympy.S.One:
                low, high = low + exact(factor), high + exact(factor)
                continue
            if rest not in self.terms or not factor.is_Rational:
                return None, None
            ends = [exact(factor) * end for end in self.terms[rest][1]]
            low, high = low + min(ends), high + max(ends)
        return low, high

    def finishing(self, finish: Finish) -> Finish:
        """``finish``, then each term written as its own finished formula (each once)."""

        def finished(value: Any) -> Any:
            if is_number(value) or isinstance(value, bool):
                return finish(value)
            key = (finish, value)
            if key not in self._finished:
                # A number plus multiples of terms is as tidy as it gets: no rule to try.
                plain = self._range(value)[0] is not None
                done = exact(value) if plain else finish(value)
                used = [t for t in getattr(done, "free_symbols", ())
                        if t in self.terms] if self.terms else []
                if used:
                    written = {t: self._written_as(t, finish) for t in used}
                    done = exact(done.xreplace(written))  # type: ignore[union-attr]  # symbolic
                self._finished[key] = done
            return self._finished[key]

        return finished

    def _written_as(self, term: sympy.Basic, finish: Finish) -> Scalar:
        if term not in self._written:
            self._written[term] = finish(self.terms[term][0])
        return self._written[term]


def _over_period(value: sympy.Expr, length: sympy.Symbol, period: int) -> list | None:
    """``value`` at lengths ``1 .. period`` when it repeats with that period, else None."""
    if value.xreplace({length: length + period}) != value:
        return None
    return [exact(value.xreplace({length: sympy.Integer(m)})) for m in range(1, period + 1)]


def _decided(value: sympy.Expr, length: sympy.Symbol, period: int) -> sympy.Expr:
    """``value`` with each ``Max``/``Min`` that one argument wins at every length replaced.

    TF SAME's ``Max(0, total)`` becomes ``total`` when the total is never negative.

    >>> m = symbol("m")
    >>> _decided(sympy.floor(sympy.Max(0, 2*sympy.ceiling(m/2) - m + 1)/2), m, 2)
    ceiling(m/2) + floor(1/2 - m/2)
    """
    chosen = {}
    for found in value.atoms(sympy.Max, sympy.Min):
        sign = 1 if isinstance(found, sympy.Max) else -1
        for arg in found.args:
            gaps = [_over_period(sign * (arg - other), length, period) for other in found.args]
            if all(gap is not None and min(gap) >= 0 for gap in gaps):
                chosen[found] = arg
                break
    return value.xreplace(chosen) if chosen else value


_PERIOD_LIMIT = 1 << 12
"""Largest period (a stride) over which a shift's values are enumerated for its bounds."""


def input_symbols(axes: int) -> tuple[sympy.Symbol, ...]:
    """The unknown input length: ``n_in``, or ``n_in_0, n_in_1, ...`` for several axes.

    >>> input_symbols(2)
    (n_in_0, n_in_1)
    """
    if axes == 1:
        return (symbol("n_in"),)
    return tuple(symbol(f"n_in_{axis}") for axis in range(axes))


def input_sizes(input_size: object, axes: int, default: Sequence[Scalar | None]) -> list:
    """Per-axis input lengths from a scalar or per-axis list; ``default`` when not given.

    >>> input_sizes(224, 2, [None, None]), input_sizes(None, 1, [None])
    ([224, 224], [None])
    """
    if input_size is None:
        return list(default)
    sizes = param(input_size, "input size")
    for size in sizes if isinstance(sizes, tuple) else (sizes,):
        if provably(size < 1) or fractional(size):
            raise NetworkError(
                f"input size {size} is not a positive integer; give the input length in "
                "pixels (>= 1)."
            )
    if isinstance(sizes, tuple):
        if len(sizes) != axes:
            raise NetworkError(
                f"input size has {len(sizes)} entries but the network has {axes} axes; give "
                "one size per axis or a single size for all."
            )
        return list(sizes)
    return [sizes] * axes


def derive(net: Layer, input_size: object = None) -> Report:
    """Derive closed-form figures of ``net``, for the network and after every top-level layer.

    Args:
        net: A layer or ``Sequential``; parameters may be sympy expressions.
        input_size: The input length (int, expression, or one per axis). When omitted, sizes
            are formulas in the symbol ``n_in`` (``n_in_0, n_in_1, ...`` per axis).

    Returns:
        A :class:`~symrf.engine.report.Report` whose figures are sympy expressions or numbers.

    >>> import symrf
    >>> k, = symrf.symbols("k")
    >>> report = derive(symrf.Sequential(symrf.Conv(kernel=k), symrf.Conv(kernel=k, stride=2)))
    >>> report.rf, report.size
    (2*k - 1, -k + floor((n_in + 1)/2) + 1)
    """
    top = network(net)
    axes = top.axes()
    sizes = input_sizes(input_size, axes, input_symbols(axes))
    return analyse(top, sizes, tidy, eager=False, size_known=input_size is not None,
                   fold=Shifts)
