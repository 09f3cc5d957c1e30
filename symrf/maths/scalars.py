"""The one boundary for numbers and expressions, symbols, and the safe expression parser.

A layer parameter is an ``int``, a ``fractions.Fraction`` or a sympy expression. Everything
entering symrf passes through :func:`scalar`, which normalises exact numbers to ``int`` and
``Fraction`` (so the numeric path never carries sympy objects) and rejects floats and raw
strings with a hint. Expression strings from spec files and flags are read by
:func:`symrf.maths.expressions.parse`, never by ``eval`` or ``sympify``.

>>> scalar(sympy.Integer(3))
3
"""

from __future__ import annotations

import keyword
import math
import numbers
from fractions import Fraction
from typing import TypeAlias, TypeGuard

import sympy

from symrf.errors import ExpressionError, ScalarTypeError
from symrf.limits import (
    MAX_EXPONENT,
    check_bits,
)
from symrf.maths.product import quotient

Scalar: TypeAlias = int | Fraction | sympy.Expr
"""A parameter or figure: an exact number or a sympy expression."""

# sympify reads these single letters as sympy objects, so output using them would not read back.
_RESERVED = frozenset({"N", "S", "Q", "O", "E", "I"})


def symbol(name: str) -> sympy.Symbol:
    """Return the positive-integer symbol ``name``, the same object for the same name.

    All symbols in symrf carry ``integer=True, positive=True``, so a symbol made here, one
    read from a spec file and one made by :func:`symbols` are equal.

    Args:
        name: A Python identifier that sympy would read back as a plain symbol.

    Raises:
        ExpressionError: The name is not an identifier or would not read back as a symbol.

    >>> symbol("k").is_positive
    True
    """
    made = _SYMBOLS.get(name) if isinstance(name, str) else None
    if made is None:
        _check_name(name)
        made = sympy.Symbol(name, integer=True, positive=True)
        if len(_SYMBOLS) >= _REMEMBERED:
            _SYMBOLS.clear()
        _SYMBOLS[name] = made
    return made


_SYMBOLS: dict[str, sympy.Symbol] = {}
"""The symbols :func:`symbol` made, by name: a symbol with assumptions costs ~10 us to make
(sympy keeps only its last 1,000), and binding the values of a network with 10,000 symbols
by name would otherwise make each one again."""
_REMEMBERED = 1 << 16


def symbols(names: str) -> tuple[sympy.Symbol, ...]:
    """Make positive-integer symbols from a space- or comma-separated string.

    >>> k, s, n = symbols("k s n")
    >>> (k - 1) * n + 1
    n*(k - 1) + 1
    """
    parts = [part for part in names.replace(",", " ").split() if part]
    if not parts:
        raise ExpressionError(f"symbols({names!r}) names no symbol; pass names like 'k s n'.")
    return tuple(symbol(part) for part in parts)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(
            f"{name!r} is not a valid symbol name; use a Python identifier such as 'k' or 'k1'."
        )
    if name.startswith("_"):
        raise ExpressionError(
            f"symbol name {name!r} starts with an underscore; use a plain name such as 'k'."
        )
    if name in _RESERVED or hasattr(sympy, name):
        raise ExpressionError(
            f"symbol name {name!r} is a sympy name (sympify would not read it back as a "
            f"symbol); rename it, e.g. {name.lower() + '_' if name in _RESERVED else name + '1'!r}."
        )


def scalar(value: object, what: str = "value") -> Scalar:
    """Check and normalise one parameter: the single entry point for numbers and expressions.

    Exact numbers come back as ``int`` (or ``Fraction`` when not whole); sympy numbers and
    numpy integers are converted to them; other sympy expressions are kept.

    Args:
        value: An int (numpy's integers too), a Fraction or a sympy expression.
        what: How to name the value in an error message (``"kernel of layer 3"``).

    Raises:
        ScalarTypeError: For floats, strings, bools and anything else.

    >>> scalar(Fraction(4, 2)), scalar(Fraction(1, 2))
    (2, Fraction(1, 2))
    """
    if isinstance(value, bool):
        raise ScalarTypeError(f"{what} is a bool ({value}); give an int.")
    if isinstance(value, int):
        return check_bits(int(value), what)
    if isinstance(value, Fraction):
        check_bits(value, what)
        return value.numerator if value.denominator == 1 else value
    if isinstance(value, sympy.Basic):
        if isinstance(value, sympy.Rational):
            return check_bits(_from_rational(value), what)
        if not isinstance(value, sympy.Expr) or value.has(
                sympy.Float, sympy.oo, -sympy.oo, sympy.zoo, sympy.nan, sympy.I) or any(
                isinstance(atom, sympy.NumberSymbol) for atom in value.atoms()):
            raise ScalarTypeError(
                f"{what} is {value} which is not an exact expression; use integers, "
                "rationals and symbols from symrf.symbols()."
            )
        return value
    if isinstance(value, numbers.Integral):  # numpy's integers (np.bool_ is not one)
        return check_bits(int(value), what)
    if isinstance(value, float):
        raise ScalarTypeError(
            f"{what} is the float {value!r}; symrf is exact: give an int, a "
            "fractions.Fraction or a sympy expression."
        )
    if isinstance(value, str):
        raise ScalarTypeError(
            f"{what} is the string {value!r}; pass symrf.parse({value!r}) or a symbol from "
            "symrf.symbols()."
        )
    raise ScalarTypeError(
        f"{what} has type {type(value).__name__}; give an int, a Fraction or a sympy expression."
    )


def _from_rational(value: sympy.Rational) -> int | Fraction:
    if value.q == 1:
        return int(value.p)
    return Fraction(int(value.p), int(value.q))


def exact(value: Scalar) -> Scalar:
    """Return ``value`` with sympy numbers turned into ``int``/``Fraction``.

    >>> exact(sympy.Rational(6, 3)), exact(symbol("k") + 1)
    (2, k + 1)
    """
    if isinstance(value, sympy.Rational):
        return _from_rational(value)
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


def expression(value: object, what: str = "value") -> sympy.Expr:
    """``value`` as a sympy expression, through :func:`scalar` (so never from a raw string).

    >>> expression(Fraction(1, 2)) + symbol("k")
    k + 1/2
    """
    checked = scalar(value, what)
    if isinstance(checked, Fraction):
        return sympy.Rational(checked.numerator, checked.denominator)
    return sympy.Integer(checked) if isinstance(checked, int) else checked


def is_number(value: object) -> TypeGuard[int | Fraction]:
    """Tell whether ``value`` is an exact Python number (not a sympy object).

    >>> is_number(3), is_number(Fraction(1, 2)), is_number(symbol("k"))
    (True, True, False)
    """
    return isinstance(value, int | Fraction) and not isinstance(value, bool)


def fractional(value: object) -> bool:
    """Whether ``value`` is provably not an integer: ``7/2``, ``sqrt(2)``, ``k + 1/2``.

    Layer parameters and input sizes are integers; this is the one test of it, for numbers
    and expressions alike. An undecided expression (``k/2``) is not fractional: it may be an
    integer for the values given later, when it is tested again. Powers past
    :data:`HIGH_DEGREE` are not asked about (sympy would search the roots of a polynomial).

    >>> fractional(Fraction(7, 2)), fractional(sympy.sqrt(2)), fractional(symbol("k") / 2)
    (True, True, False)
    >>> fractional(2 * symbol("k") + 1), fractional(symbol("k") + Fraction(1, 2))
    (False, True)
    """
    if type(value) is int:  # the common case first: this runs for every parameter
        return False
    if isinstance(value, Fraction):
        return value.denominator != 1
    if isinstance(value, sympy.Basic) and not isinstance(value, sympy.Integer):
        if isinstance(value, sympy.Rational):
            return True
        if high_degree(value):
            return False
        return value.is_integer is False
    return False


def floor(value: Scalar) -> Scalar:
    """Floor of a number or an expression (``sympy.floor`` only for expressions).

    >>> floor(Fraction(7, 2)), floor(symbol("k") / 2)
    (3, floor(k/2))
    """
    if is_number(value):
        return math.floor(value)
    return exact(sympy.floor(value, evaluate=_worth_evaluating(value)))


def ceil(value: Scalar) -> Scalar:
    """Ceiling of a number or an expression.

    >>> ceil(Fraction(7, 2))
    4
    """
    if is_number(value):
        return math.ceil(value)
    return exact(sympy.ceiling(value, evaluate=_worth_evaluating(value)))


_EVALUATE_LIMIT = 8


def _worth_evaluating(value: sympy.Expr) -> bool:
    """Let sympy rewrite ``floor(x)`` only for small ``x``: on long sums its checks cost seconds.

    Substituting numbers later (``xreplace``) evaluates the floor all the same. Nor around
    ``Max``/``Min``: sympy 1.14 wrongly takes ``Max(0, 2*k - 4)/6`` for an integer (for a
    positive-integer ``k``) and would pull it out of the floor.
    """
    names = set()
    for node in sympy.preorder_traversal(value):  # one walk: this runs for every floor
        if isinstance(node, sympy.Max | sympy.Min) or _huge(node, HIGH_DEGREE):
            return False
        if node.is_Symbol:
            names.add(node)
            if len(names) > _EVALUATE_LIMIT:  # decided: the rest of a long sum is not read
                return False
    return True


def _huge(node: sympy.Basic, limit: int = MAX_EXPONENT) -> bool:
    return bool(node.is_Pow and node.exp.is_Integer and abs(node.exp) > limit)


def huge_power(value: sympy.Basic) -> bool:
    """Whether ``value`` holds a power with an exponent past :data:`~symrf.limits.MAX_EXPONENT`.

    sympy's assumption checks look for the real roots of such a polynomial (``s**(10**90)``,
    from a symbolic block repeated ``10**90`` times) and never return, so formulas holding
    one are kept as built rather than rewritten.

    >>> huge_power(symbol("s") ** 10**90), huge_power(symbol("s") ** 3)
    (True, False)
    """
    return any(_huge(node) for node in sympy.preorder_traversal(value))


HIGH_DEGREE = 16
"""Past this exponent sympy's sign and integer checks search the roots of a polynomial of that
degree (seconds at 94, forever at ``2**1024``): such questions are answered "not shown"."""


def high_degree(value: sympy.Basic) -> bool:
    """Whether ``value`` holds a power with a numeric exponent past :data:`HIGH_DEGREE`.

    >>> high_degree(symbol("s") ** 94), high_degree(symbol("s") ** 3)
    (True, False)
    """
    return any(_huge(node, HIGH_DEGREE) for node in sympy.preorder_traversal(value))


def maximum(*values: Scalar) -> Scalar:
    """Largest of numbers or expressions (``sympy.Max`` only when a value is symbolic).

    >>> maximum(2, 5), maximum(symbol("k") + 2, symbol("k"))
    (5, k + 2)
    """
    if all(is_number(value) for value in values):
        return max(values)
    return exact(sympy.Max(*values))


def minimum(*values: Scalar) -> Scalar:
    """Smallest of numbers or expressions.

    >>> minimum(2, 5)
    2
    """
    if all(is_number(value) for value in values):
        return min(values)
    return exact(sympy.Min(*values))


def divide(numerator: Scalar, denominator: Scalar) -> Scalar:
    """Exact quotient: a Fraction (int when whole) for numbers, a sympy quotient otherwise.

    >>> divide(6, 4), divide(6, 3)
    (Fraction(3, 2), 2)
    """
    if type(numerator) is int and type(denominator) is int and numerator % denominator == 0:
        return numerator // denominator  # the common case, without building a Fraction
    if is_number(numerator) and is_number(denominator):
        return exact(Fraction(numerator) / Fraction(denominator))
    if isinstance(denominator, sympy.Mul) and all(arg.is_Symbol for arg in denominator.args):
        # A product of strides s0*s1*...: sympy's own quotient, built by merging.
        top = sympy.Rational(numerator) if is_number(numerator) else numerator  # no text: a Scalar
        return exact(quotient(top, denominator))
    return exact(sympy.Mul(numerator, sympy.Pow(denominator, -1)))


def free_names(value: Scalar) -> set[str]:
    """Names of the symbols in ``value`` (empty for numbers).

    >>> sorted(free_names(symbol("k") * symbol("n") + 1))
    ['k', 'n']
    """
    if is_number(value):
        return set()
    return {sym.name for sym in value.free_symbols}  # type: ignore[union-attr]
