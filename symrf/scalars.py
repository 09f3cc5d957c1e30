"""The one boundary for numbers and expressions, symbols, and the safe expression parser.

A layer parameter is an ``int``, a ``fractions.Fraction`` or a sympy expression. Everything
entering symrf passes through :func:`scalar`, which normalises exact numbers to ``int`` and
``Fraction`` (so the numeric path never carries sympy objects) and rejects floats and raw
strings with a hint. Spec files are untrusted, so expression strings are read by
:func:`parse`, a whitelist over Python's ``ast``: integers, names, ``+ - * / ** //`` and
parentheses. Nothing here calls ``eval`` or ``sympify`` on text.

>>> k, = symbols("k")
>>> parse("2*k + 1") == 2*k + 1
True
>>> scalar(sympy.Integer(3))
3
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Mapping
from fractions import Fraction
from typing import TypeAlias

import sympy

from symrf.errors import ExpressionError, ScalarTypeError, TooLargeError
from symrf.limits import (
    MAX_BITS,
    MAX_EXPONENT,
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    abbreviated,
    bits,
    check_bits,
)

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
    _check_name(name)
    return sympy.Symbol(name, integer=True, positive=True)


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

    Exact numbers come back as ``int`` (or ``Fraction`` when not whole); sympy numbers are
    converted to them; other sympy expressions are kept.

    Args:
        value: An int, a Fraction or a sympy expression.
        what: How to name the value in an error message (``"kernel of layer 3"``).

    Raises:
        ScalarTypeError: For floats, strings, bools and anything else.

    >>> scalar(Fraction(4, 2)), scalar(Fraction(1, 2))
    (2, Fraction(1, 2))
    """
    if isinstance(value, bool):
        raise ScalarTypeError(f"{what} is a bool ({value}); give an int.")
    if isinstance(value, int):
        return check_bits(int(value), what)  # type: ignore[return-value]
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


def substituted(value: Scalar, values: Mapping[sympy.Symbol, Scalar], what: str = "value",
                ) -> Scalar:
    """``value`` with ``values`` put in for symbols, numbers coming back exact.

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

    >>> k, = symbols("k")
    >>> replaced(2**k + 1, {k: 3})
    9
    >>> replaced(k**k**k, {k: 10}, "kernel")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.TooLargeError: kernel: 10**10000000000 is larger than symrf handles ...
    """
    values = {name: expression(value, f"value of {name}") for name, value in values.items()}
    if expr.has(sympy.Piecewise):  # pick the cases first: the others may divide by zero
        expr = expr.replace(lambda node: isinstance(node, sympy.Piecewise),
                            lambda node: _case(node, values))
    for node in sympy.postorder_traversal(expr):
        if isinstance(node, sympy.Pow | GeometricSum) and node.free_symbols:
            _check_power(node, values, what)
    result = expr.xreplace(values)  # type: ignore[arg-type]
    if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ExpressionError(f"{what}: {expr} divides by zero for the values given; "
                              "check the values (symbols stand for positive integers).")
    value = exact(result)  # type: ignore[arg-type]
    if is_number(value) and bits(value) > MAX_BITS:  # type: ignore[arg-type]
        raise TooLargeError(f"{what}: {expr} is {abbreviated(value)} for the values given, "  # type: ignore[arg-type]
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
        decided = condition.xreplace(values)  # type: ignore[arg-type]
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


def is_number(value: object) -> bool:
    """Tell whether ``value`` is an exact Python number (not a sympy object).

    >>> is_number(3), is_number(Fraction(1, 2)), is_number(symbol("k"))
    (True, True, False)
    """
    return isinstance(value, int | Fraction) and not isinstance(value, bool)


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
        if isinstance(node, sympy.Max | sympy.Min) or _huge(node):
            return False
        if node.is_Symbol:
            names.add(node)
    return len(names) <= _EVALUATE_LIMIT


def _huge(node: sympy.Basic) -> bool:
    return bool(node.is_Pow and node.exp.is_Integer and abs(node.exp) > MAX_EXPONENT)


def huge_power(value: sympy.Basic) -> bool:
    """Whether ``value`` holds a power with an exponent past :data:`~symrf.limits.MAX_EXPONENT`.

    sympy's assumption checks look for the real roots of such a polynomial (``s**(10**90)``,
    from a symbolic block repeated ``10**90`` times) and never return, so formulas holding
    one are kept as built rather than rewritten.

    >>> huge_power(symbol("s") ** 10**90), huge_power(symbol("s") ** 3)
    (True, False)
    """
    return any(_huge(node) for node in sympy.preorder_traversal(value))


def maximum(*values: Scalar) -> Scalar:
    """Largest of numbers or expressions (``sympy.Max`` only when a value is symbolic).

    >>> maximum(2, 5), maximum(symbol("k") + 2, symbol("k"))
    (5, k + 2)
    """
    if all(is_number(value) for value in values):
        return max(values)  # type: ignore[type-var]  # ints and Fractions compare exactly
    return exact(sympy.Max(*values))


def minimum(*values: Scalar) -> Scalar:
    """Smallest of numbers or expressions.

    >>> minimum(2, 5)
    2
    """
    if all(is_number(value) for value in values):
        return min(values)  # type: ignore[type-var]  # ints and Fractions compare exactly
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
    return exact(sympy.Mul(numerator, sympy.Pow(denominator, -1)))


class GeometricSum(sympy.Function):
    """``1 + r + ... + r**(n - 1)`` kept as one term while formulas are built.

    Folding a symbolic chain keeps geometric sums as this opaque term, so simplification can
    collect on it; :func:`symrf.symbolic.tidy` finally rewrites it as its closed form, a
    ``Piecewise`` whose first case is ``r = 1``. It evaluates itself for a number ratio.

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
        return sympy.Piecewise((count, sympy.Eq(ratio, 1)), (closed, True))


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


def free_names(value: Scalar) -> set[str]:
    """Names of the symbols in ``value`` (empty for numbers).

    >>> sorted(free_names(parse("k*n + 1")))
    ['k', 'n']
    """
    if is_number(value):
        return set()
    return {sym.name for sym in value.free_symbols}  # type: ignore[union-attr]


# ---------------------------------------------------------------- the safe expression parser

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: divide,
    ast.FloorDiv: lambda a, b: floor(divide(a, b)),
    ast.Pow: lambda a, b: _power(a, b),
}


def _power(base: Scalar, exponent: Scalar) -> Scalar:
    if is_number(base) and isinstance(exponent, int):
        if base == 0 and exponent < 0:
            raise ZeroDivisionError
        if base != 0 and abs(exponent) * bits(base) > 2 * MAX_BITS:  # type: ignore[arg-type]
            raise TooLargeError(f"{abbreviated(base)}**{exponent} is larger than symrf "  # type: ignore[arg-type]
                                f"handles (2**{MAX_BITS})")
        return exact(Fraction(base) ** exponent)
    return exact(sympy.Pow(base, exponent))


def parse(text: str, where: str = "expression") -> Scalar:
    """Read an expression string safely: integers, names, ``+ - * / ** //`` and parentheses.

    The text is parsed with Python's ``ast`` and only whitelisted nodes are turned into
    values; calls, attributes, subscripts, floats and dunder names are refused. Names become
    positive-integer symbols (:func:`symbol`).

    Args:
        text: The expression, e.g. ``"2*k + 1"``.
        where: How to name the expression's location in an error message.

    Raises:
        ExpressionError: Anything outside the grammar, with the offending part named.

    >>> parse("s**2 // 2")
    floor(s**2/2)
    >>> parse("7")
    7
    """
    if not isinstance(text, str):
        raise ExpressionError(f"{where}: expected an expression string, got {text!r}.")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"{where}: expression of {len(text)} characters, longer than the limit of "
            f"{MAX_EXPRESSION_LENGTH}; name a part of it with a symbol."
        )
    if "\0" in text:
        raise ExpressionError(f"{where}: the expression contains a NUL character; remove it.")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        reason = "integer literal too long" if "digits" in str(error) else "not a valid expression"
        raise ExpressionError(
            f"{where}: {_quoted(text)} is {reason}; use integers, names, "
            "+ - * / ** // and parentheses."
        ) from None
    _check_depth(tree.body, text, where)
    return _build(tree.body, text, where)


def _quoted(text: str) -> str:
    """``text`` quoted for a message, shortened when long."""
    return repr(text) if len(text) <= 60 else repr(text[:40] + "...") + f" ({len(text)} chars)"


def _check_depth(tree: ast.AST, text: str, where: str) -> None:
    """Refuse operator nesting past the limit before the recursive reader sees it."""
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(
                f"{where}: {_quoted(text)} nests operators more than {MAX_EXPRESSION_DEPTH} "
                "deep; simplify it or name a part of it with a symbol."
            )
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _build(node: ast.AST, text: str, where: str) -> Scalar:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            if bits(node.value) > MAX_BITS:
                raise ExpressionError(
                    f"{where}: the integer {abbreviated(node.value)} in {_quoted(text)} is "
                    f"larger than symrf handles (2**{MAX_BITS}); use a symbol for it."
                )
            return node.value
        shown = repr(node.value) if len(repr(node.value)) <= 40 else repr(node.value)[:40] + "..."
        raise ExpressionError(
            f"{where}: {_quoted(text)} contains the constant {shown}; only integers are "
            "allowed (symrf is exact: write 1/2, not 0.5)."
        )
    if isinstance(node, ast.Name):
        return symbol_in(node.id, text, where)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _build(node.operand, text, where)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _build(node.left, text, where)
        right = _build(node.right, text, where)
        if isinstance(node.op, ast.Pow) and is_number(right) and abs(right) > MAX_EXPONENT:
            raise ExpressionError(
                f"{where}: exponent {abbreviated(right)} in {_quoted(text)} is too large "  # type: ignore[arg-type]
                f"(limit {MAX_EXPONENT}); use a symbol for it."
            )
        if isinstance(node.op, ast.Div | ast.FloorDiv) and right == 0:
            raise ExpressionError(f"{where}: {_quoted(text)} divides by zero.")
        try:
            value = exact(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError:
            raise ExpressionError(f"{where}: {_quoted(text)} divides by zero.") from None
        except TooLargeError as error:
            raise ExpressionError(f"{where}: in {_quoted(text)}, {error}; use a symbol for "
                                  "it.") from None
        if is_number(value) and bits(value) > MAX_BITS:  # type: ignore[arg-type]
            raise ExpressionError(
                f"{where}: {_quoted(text)} evaluates to {abbreviated(value)}, larger than "  # type: ignore[arg-type]
                f"symrf handles (2**{MAX_BITS}); use a symbol for it."
            )
        return value
    raise ExpressionError(
        f"{where}: {_quoted(text)} uses {_describe(node)}, which is not allowed; use "
        "integers, names, + - * / ** // and parentheses."
    )


def symbol_in(name: str, text: str, where: str) -> sympy.Symbol:
    """Return :func:`symbol` ``(name)``, naming ``text`` and ``where`` in any error.

    >>> symbol_in("k", "k + 1", "layer 0")
    k
    """
    try:
        return symbol(name)
    except ExpressionError as error:
        raise ExpressionError(f"{where}: in {_quoted(text)}: {error}") from None


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Call: "a function call",
        ast.Attribute: "an attribute access",
        ast.Subscript: "a subscript",
        ast.Lambda: "a lambda",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
    }
    for kind, label in kinds.items():
        if isinstance(node, kind):
            return label
    return f"a {type(node).__name__} expression"
