"""Substituting values into formulas, within the limits of :mod:`symrf.limits`.

Values given on the command line (``--set``), to :func:`symrf.evaluate` or by the solver are
put into parameters and formulas here, never by a bare ``xreplace``: every power whose base
and exponent become numbers is sized before sympy computes it, a division by zero is an
error, and ``Piecewise`` cases are chosen before the other cases are built (the ``s != 1``
case of a geometric sum divides by ``s - 1``).

The values are checked and made sympy expressions once per call (:func:`assignment`), and a
formula looks up only the symbols it holds: substituting into every parameter of a long
network costs one pass over the network, not one pass over the values per parameter.

>>> from symrf.maths.scalars import symbols
>>> k, s = symbols("k s")
>>> replaced(2**k + 1, {k: 3})
9
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from symrf.errors import ExpressionError, SymrfError, TooLargeError
from symrf.limits import MAX_BITS, abbreviated, bits
from symrf.maths.geometric import GeometricSum
from symrf.maths.scalars import Scalar, _from_rational, exact, expression, is_number


class Assignment(dict[sympy.Symbol, sympy.Expr]):
    """Values for symbols, each already checked and made a sympy expression.

    Made by :func:`assignment`; the layers' ``substitute`` and :func:`replaced` take it as it
    is, so one call converts each value once however many parameters it goes into.
    """


def assignment(values: Mapping[sympy.Symbol, object]) -> Assignment:
    """``values`` checked (through :func:`~symrf.maths.scalars.scalar`) and made sympy expressions.

    An :class:`Assignment` comes back unchanged. A value that is not an exact number or
    expression is an error naming its symbol.

    >>> from symrf.maths.scalars import symbol
    >>> assignment({symbol("k"): 3})
    {k: 3}
    >>> assignment({symbol("k"): 0.5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.ScalarTypeError: value of k is the float 0.5; symrf is exact: ...
    """
    if isinstance(values, Assignment):
        return values
    checked = Assignment()
    for name, value in values.items():
        try:
            checked[name] = expression(value)
        except SymrfError:  # word it with the symbol's name (formatted only now: names cost)
            expression(value, f"value of {name}")
            raise
    return checked


def substituted(value: Scalar, values: Mapping[sympy.Symbol, Scalar], what: str = "value",
                ) -> Scalar:
    """``value`` with ``values`` put in for symbols, numbers coming back exact.

    >>> from symrf.maths.scalars import symbol
    >>> substituted(symbol("k") / 2, {symbol("k"): 6})
    3
    """
    return replaced(expression(value, what), values, what)


def replaced(expr: sympy.Basic, values: Mapping[sympy.Symbol, object], what: str = "value",
             ) -> Scalar:
    """``expr`` with ``values`` put in for symbols, within the limits of :mod:`symrf.limits`.

    Every power (and geometric sum) whose base and exponent become numbers is sized before
    sympy computes it, so ``k**k**k`` with ``k = 10`` is refused at once rather than
    computed; a division by zero is refused too. Numbers come back as ``int``/``Fraction``.

    Raises:
        TooLargeError: A number would exceed :data:`~symrf.limits.MAX_BITS`.
        ExpressionError: The substitution divides by zero.

    >>> from symrf.maths.scalars import symbols
    >>> k, = symbols("k")
    >>> replaced(2**k + 1, {k: 3})
    9
    >>> replaced(k**k**k, {k: 10}, "kernel")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.TooLargeError: kernel: 10**10000000000 is larger than symrf handles ...
    """
    given = assignment(values)
    if expr.is_Symbol:  # a bare symbol (kernel=k): its value, checked when it was given
        found = given.get(expr)  # type: ignore[call-overload]  # a Symbol, by is_Symbol
        return expr if found is None else exact(found)
    values = {}  # only the symbols the formula holds: one lookup each
    for name in expr.free_symbols:
        found = given.get(name)  # type: ignore[call-overload]  # free symbols are Symbols
        if found is not None:
            values[name] = found
    if expr.has(sympy.Piecewise):  # pick the cases first: the others may divide by zero
        expr = expr.replace(lambda node: isinstance(node, sympy.Piecewise),
                            lambda node: _case(node, values))
    for node in sympy.postorder_traversal(expr):
        if isinstance(node, sympy.Pow | GeometricSum) and node.free_symbols:
            _check_power(node, values, what)
    result = expr.xreplace(values)
    if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ExpressionError(f"{what}: {expr} divides by zero for the values given; "
                              "check the values (symbols stand for positive integers).")
    value = exact(result)
    if is_number(value) and bits(value) > MAX_BITS:
        raise TooLargeError(f"{what}: {expr} is {abbreviated(value)} for the values given, "
                            f"larger than symrf handles (2**{MAX_BITS}).")
    return value


def _case(piecewise: sympy.Piecewise, values: Mapping[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """The case of ``piecewise`` that ``values`` select, or ``piecewise`` when undecided.

    ``Piecewise((n, Eq(s, 1)), ((s**n - 1)/(s - 1), True))`` at ``s = 1`` is ``n``: the
    other case is never built (it would divide by zero).
    """
    for case, condition in piecewise.args:
        decided = _decide(condition, values)
        if decided is True:
            return case
        if decided is None:
            return piecewise
    return piecewise


def _decide(condition: sympy.Basic, values: Mapping[sympy.Symbol, sympy.Expr]) -> bool | None:
    """Whether ``condition`` holds at ``values`` (None: undecided), short-circuiting ``&``/``|``.

    A conjunct such as ``Eq(s, 1) | (g(s) <= 3)`` is decided by ``Eq(s, 1)`` alone, even where
    ``g`` divides by ``s - 1``.
    """
    if isinstance(condition, sympy.And | sympy.Or):
        found = [_decide(arg, values) for arg in condition.args]
        deciding = isinstance(condition, sympy.Or)  # True decides an Or, False an And
        if deciding in found:
            return deciding
        return None if None in found else not deciding
    if isinstance(condition, sympy.Not):
        inner = _decide(condition.args[0], values)
        return None if inner is None else not inner
    try:
        decided = condition.xreplace(values)
    except TypeError:  # a comparison with nan: the case it guards is not this one
        return None
    return True if decided is sympy.true else False if decided is sympy.false else None


def _check_power(node: sympy.Basic, values: Mapping[sympy.Symbol, object], what: str) -> None:
    """Refuse ``base**exponent`` when both become numbers and the result is too large."""
    base, power = (node.base, node.exp) if isinstance(node, sympy.Pow) else node.args
    base, power = base.xreplace(values), power.xreplace(values)  # inner powers checked first
    if not (isinstance(base, sympy.Rational) and isinstance(power, sympy.Integer)):
        return
    number = _from_rational(base)
    if abs(number) in (0, 1):
        return
    if abs(int(power)) * bits(number) > MAX_BITS + 64:
        raise TooLargeError(
            f"{what}: {abbreviated(number)}**{abbreviated(int(power))} is larger than symrf "
            f"handles (2**{MAX_BITS}); give smaller values or keep the symbols and derive "
            "the formula."
        )
