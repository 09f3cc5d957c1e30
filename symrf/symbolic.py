"""The symbolic engine: closed forms of every figure, simplified into what a paper prints.

:func:`derive` runs the one fold of :mod:`symrf.report` on sympy expressions and tidies each
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

import itertools
from collections.abc import Sequence

import sympy

from symrf.errors import NetworkError
from symrf.layers.base import Layer, param
from symrf.report import Report, analyse, network
from symrf.scalars import GeometricSum, Scalar, exact, is_number, symbol

_SMALL = 120
"""Formulas of at most this many nodes are expanded and collected; larger ones stay as folded.

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
    expr = _collect(value)
    if expr.has(GeometricSum):
        expr = sympy.piecewise_fold(expr.rewrite(sympy.Piecewise))
    if isinstance(expr, sympy.Piecewise):
        cases = [(_collect(_within(case, condition)), condition) for case, condition in expr.args]
        return exact(sympy.Piecewise(*cases))
    return exact(expr)


def _within(case: sympy.Expr, condition: sympy.Basic) -> sympy.Expr:
    """Use a case's condition ``s = 1`` inside the case: ``k + s - 1`` becomes ``k``."""
    if isinstance(condition, sympy.Eq) and condition.lhs.is_Symbol and condition.rhs.is_Number:
        return case.xreplace({condition.lhs: condition.rhs})
    return case


def _collect(expr: sympy.Expr) -> sympy.Expr:
    if not _small(expr):
        return expr
    if not expr.is_Add:
        return sympy.factor_terms(expr)
    expanded = sympy.expand(expr)
    sums = sorted(expanded.atoms(GeometricSum), key=str)
    names = sorted(expanded.free_symbols, key=lambda sym: sym.name)[::-1]
    collected = sympy.factor_terms(sympy.collect(expanded, [*sums, *names]))
    original = sympy.factor_terms(expr)
    return min(collected, original, key=sympy.count_ops)


def _small(expr: sympy.Expr) -> bool:
    nodes = itertools.islice(sympy.preorder_traversal(expr), _SMALL + 1)
    return sum(1 for _ in nodes) <= _SMALL


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
        A :class:`~symrf.report.Report` whose figures are sympy expressions or numbers.

    >>> import symrf
    >>> k, = symrf.symbols("k")
    >>> report = derive(symrf.Sequential(symrf.Conv(kernel=k), symrf.Conv(kernel=k, stride=2)))
    >>> report.rf, report.size
    (2*k - 1, -k + floor((n_in + 1)/2) + 1)
    """
    top = network(net)
    axes = top.axes()
    sizes = input_sizes(input_size, axes, input_symbols(axes))
    return analyse(top, sizes, tidy, eager=False, size_known=input_size is not None)
