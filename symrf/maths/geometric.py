"""Geometric sums: the series a block repeated a symbolic number of times adds up to.

``Repeat(block, n)`` composes the block's map ``n`` times; its scale is the block's to the
power ``n`` and its offsets sum ``1 + r + ... + r**(n - 1)`` (DESIGN.md's algebra). Numbers
give numbers (:func:`geometric`); a symbolic ratio stays one opaque term,
:class:`GeometricSum`, until the symbolic engine writes its closed form, a ``Piecewise``
whose first case is ``r = 1`` (:func:`is_one`).

>>> from symrf.maths.scalars import symbols
>>> r, n = symbols("r n")
>>> geometric(2, 4), geometric(r, n).rewrite(sympy.Piecewise)
(15, Piecewise((n, Eq(r, 1)), ((r**n - 1)/(r - 1), True)))
"""

from __future__ import annotations

import sympy

from symrf.maths.scalars import Scalar, divide, exact, is_number


class GeometricSum(sympy.Function):
    """``1 + r + ... + r**(n - 1)`` kept as one term while formulas are built.

    Folding a symbolic chain keeps geometric sums as this opaque term, so simplification can
    collect on it; :func:`symrf.engine.symbolic.tidy` finally rewrites it as its closed form, a
    ``Piecewise`` whose first case is ``r = 1``. It evaluates itself for a number ratio.

    >>> from symrf.maths.scalars import symbols
    >>> r, n = symbols("r n")
    >>> GeometricSum(r, n).rewrite(sympy.Piecewise)
    Piecewise((n, Eq(r, 1)), ((r**n - 1)/(r - 1), True))
    >>> GeometricSum(3, n)
    3**n/2 - 1/2
    """

    @classmethod
    def eval(cls, ratio: sympy.Expr, count: sympy.Expr) -> sympy.Expr | None:  # noqa: D102
        if ratio == 1:
            return count
        if ratio.is_Number:
            return (ratio**count - 1) / (ratio - 1)
        return None

    def _eval_rewrite_as_Piecewise(self, ratio: sympy.Expr, count: sympy.Expr, **_: object):
        closed = (ratio**count - 1) / (ratio - 1)
        return sympy.Piecewise((count, is_one(ratio)), (closed, True))


def is_one(ratio: sympy.Expr) -> sympy.Basic:
    """The condition ``ratio = 1``, in the symbols themselves where the ratio is a monomial.

    Symbols stand for positive integers, so a product of their positive powers is 1 exactly
    when each of them is: ``k**2 = 1`` is ``k = 1``. Nested repeats then pick the same case
    for the same condition, and no case is left that no value reaches (and that would
    divide by zero).

    >>> from symrf.maths.scalars import symbols
    >>> k, s = symbols("k s")
    >>> is_one(k**2 * s)
    Eq(k, 1) & Eq(s, 1)
    >>> is_one(k - s)
    Eq(k - s, 1)
    """
    factors = sympy.Mul.make_args(ratio)
    bases = []
    for factor in factors:
        base, power = factor.as_base_exp()
        if not (isinstance(base, sympy.Symbol) and base.is_integer and base.is_positive
                and power.is_positive):
            return sympy.Eq(ratio, 1)
        bases.append(base)
    return sympy.And(*(sympy.Eq(base, 1) for base in bases))


def geometric(ratio: Scalar, count: Scalar) -> Scalar:
    """Sum ``1 + r + r**2 + ... + r**(count - 1)`` in closed form, never unrolled.

    Numbers give numbers; a symbolic ratio gives a :class:`GeometricSum` term.

    >>> geometric(2, 4), geometric(1, 10)
    (15, 10)
    """
    if is_number(ratio) and is_number(count):
        if ratio == 1:
            return count
        return divide(ratio**count - 1, ratio - 1)
    return exact(GeometricSum(ratio, count))
