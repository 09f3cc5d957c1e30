"""Exact roots of a relaxed design equation: ``figure(x) = bound`` over the positive reals.

The integer search answers the question; the root is the form a paper prints
(``k = (T + n - 1)/n``). Relaxing means: the unknown becomes a positive real, and floors and
ceilings of feature-map lengths are dropped (``floor(y)`` becomes ``y``). Figures with
``Max``/``Min`` (merged branches) or equations sympy cannot solve give no root.

>>> from symrf.maths.scalars import expression, symbols
>>> k, n, T = symbols("k n T")
>>> relaxed_roots(n * (k - 1) + 1, T, "k")
((T + n - 1)/n,)
"""

from __future__ import annotations

from typing import Any

import sympy

from symrf.maths.scalars import expression, symbol

_LARGEST = 400
"""Formulas with more operations than this are not handed to ``sympy.solve``."""


def relaxed_roots(formula: Any, bound: Any, name: str) -> tuple[sympy.Expr, ...]:
    """Roots in ``name`` of ``formula = bound``, the unknown relaxed to a positive real.

    Returns the roots that are not provably negative, complex or zero, in sympy's order;
    an empty tuple when there is no closed form (or the formula does not involve ``name``).
    """
    unknown = symbol(name)
    real = sympy.Symbol(name, positive=True)
    equation = expression(formula, "figure") - expression(bound, "bound")
    if unknown not in equation.free_symbols or equation.has(sympy.Max, sympy.Min):
        return ()
    equation = equation.replace(sympy.floor, lambda y: y).replace(sympy.ceiling, lambda y: y)
    equation = sympy.piecewise_fold(equation.xreplace({unknown: real}))
    if sympy.count_ops(equation) > _LARGEST:
        return ()
    try:
        found = sympy.solve(equation, real, dict=False, check=False, simplify=False)
    except (NotImplementedError, ValueError, TypeError):
        return ()
    roots = []
    for root in found if isinstance(found, list) else []:
        if isinstance(root, tuple | sympy.Piecewise) or (root.has(sympy.I) and not root.is_real):
            continue
        if root.is_positive is False or root.is_real is False:
            continue
        roots.append(sympy.factor_terms(sympy.simplify(root.xreplace({real: unknown}))))
    return tuple(roots)


def tidy_root(root: sympy.Expr) -> sympy.Expr:
    """A root at the given values, simplified (logarithms combined where that is shorter).

    >>> x = sympy.Symbol("x", positive=True)
    >>> tidy_root(sympy.log(4*x) - sympy.log(x))
    log(4)
    """
    simpler = sympy.simplify(sympy.logcombine(root, force=True))
    return min(simpler, sympy.simplify(root), key=sympy.count_ops)
