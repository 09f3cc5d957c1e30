"""Proofs that a formula is never negative, for dropping a ``Max`` or ``Min`` that cannot bind.

:func:`nonnegative` takes a formula whose symbols are non-negative integers (the
assumptions' substitution, :meth:`symrf.paper.Assumptions.nonnegative`, has made them so)
and answers True only with a proof: each power ``b**e`` with ``b >= 1`` becomes ``1 + z``
(``z >= 0``), each rounding whose coefficient has one sign is replaced by its bound on the
low side, and what is left must be a sum of non-negative terms. False means "not shown".

>>> z = sympy.Symbol("z", integer=True, nonnegative=True)
>>> nonnegative(2**z - 1), nonnegative(z - 1)
(True, False)
>>> nonnegative(2*sympy.ceiling(z/2 + sympy.Rational(1, 2)) - z)
True
"""

from __future__ import annotations

import math

import sympy


def nonnegative(value: sympy.Expr) -> bool:
    """Whether ``value`` (in non-negative integer symbols) is shown to be ``>= 0``."""
    value = sympy.expand(value)
    return any(_sum_of_nonnegatives(sympy.expand(bounded)) for bounded in (
        value, _bounded(value, nested=True), _bounded(value, nested=False)))


def _sum_of_nonnegatives(value: sympy.Expr) -> bool:
    powers = {p: 1 + sympy.Dummy("z", nonnegative=True) for p in value.atoms(sympy.Pow)
              if p.base.is_number and p.base >= 1 and p.exp.is_nonnegative}
    if powers:
        value = sympy.expand(value.xreplace(powers))
    return all(bool(term.is_nonnegative) for term in sympy.Add.make_args(value))


def _bounded(value: sympy.Expr, nested: bool) -> sympy.Expr:
    """Each floor/ceiling term replaced by its bound on the low side.

    With ``nested``, only the roundings of formulas that hold roundings themselves: the
    inner ones stay, as integers, and can cancel against the same rounding elsewhere.
    """
    terms = []
    for term in sympy.Add.make_args(value):
        coefficient, rest = term.as_coeff_Mul()
        if isinstance(rest, sympy.floor | sympy.ceiling) and coefficient.is_Rational and (
                not nested or rest.args[0].has(sympy.floor, sympy.ceiling)):
            inner = rest.args[0]
            gap = _gap(inner)
            if (coefficient > 0) == isinstance(rest, sympy.ceiling):
                rest = inner  # ceiling(y) >= y, floor(y) <= y
            else:  # floor(y) >= y - (q - 1)/q, ceiling(y) <= y + (q - 1)/q for y = P/q
                rest = inner - gap if isinstance(rest, sympy.floor) else inner + gap
        terms.append(coefficient * rest)
    return sympy.Add(*terms)


def _gap(inner: sympy.Expr) -> sympy.Expr:
    """How far below ``y`` its floor can be: ``(q - 1)/q`` when ``y`` is an integer over ``q``."""
    denominators = [sympy.fraction(term.as_coeff_Mul()[0])[1]
                    for term in sympy.Add.make_args(sympy.expand(inner))]
    if all(_integral(term.as_coeff_Mul()[1]) for term in sympy.Add.make_args(sympy.expand(inner))):
        q = math.lcm(*(int(d) for d in denominators))
        return sympy.Rational(q - 1, q)
    return sympy.Integer(1)


def _integral(rest: sympy.Expr) -> bool:
    return bool(rest.is_integer) or rest == 1
