"""The safe expression parser: integers, names, ``+ - * / ** //`` and parentheses.

Spec files and command-line flags are untrusted, so expression strings are read here, by a
whitelist over Python's ``ast``, with the limits of :mod:`symrf.limits` (length, nesting,
exponent and number size) checked as the expression is built. Nothing here calls ``eval``
or ``sympify`` on text. Names become positive-integer symbols (:func:`symrf.maths.scalars.symbol`).

>>> from symrf.maths.scalars import symbols
>>> k, = symbols("k")
>>> parse("2*k + 1") == 2*k + 1
True
"""

from __future__ import annotations

import ast
from fractions import Fraction

import sympy

from symrf.errors import ExpressionError, TooLargeError
from symrf.limits import (
    MAX_BITS,
    MAX_EXPONENT,
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    abbreviated,
    bits,
)
from symrf.maths.scalars import Scalar, divide, exact, floor, is_number, symbol

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
        if base != 0 and abs(exponent) * bits(base) > 2 * MAX_BITS:
            raise TooLargeError(f"{abbreviated(base)}**{exponent} is larger than symrf "
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
        if isinstance(node.op, ast.Pow) and is_number(right) and not (
                -MAX_EXPONENT <= right <= MAX_EXPONENT):
            raise ExpressionError(
                f"{where}: exponent {abbreviated(right)} in {_quoted(text)} is too large "
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
        if is_number(value) and bits(value) > MAX_BITS:
            raise ExpressionError(
                f"{where}: {_quoted(text)} evaluates to {abbreviated(value)}, larger than "
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
