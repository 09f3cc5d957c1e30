"""Reading assumption texts: the grammar of ``--assume``, and what each says of one symbol.

A text is a comparison chain of expressions (``s > 1``, ``1 < s <= 4``, ``s != 1``),
``odd(NAME)``, ``even(NAME)`` or ``NAME % M == R``. It is parsed by a whitelist over Python's
``ast``; each side of a comparison is read by :func:`symrf.maths.expressions.parse`, never by
``sympify``. A relation between one symbol and a number narrows that symbol's
:class:`Shape`; other relations are kept for checking values.

>>> [str(r) for r in read("1 < s <= 4")]
['1 < s', 's <= 4']
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

import sympy

from symrf.errors import ExpressionError
from symrf.maths.expressions import parse
from symrf.maths.scalars import expression

_COMPARE = {
    ast.Lt: sympy.StrictLessThan, ast.LtE: sympy.LessThan, ast.Gt: sympy.StrictGreaterThan,
    ast.GtE: sympy.GreaterThan, ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne,
}


_PARITY = {"odd": 1, "even": 0}


GRAMMAR = "write e.g. 's > 1', 'k >= 3', 'odd(k)', 'even(k)' or 'n_in % 32 == 0'"


@dataclass(frozen=True)
class Shape:
    """What the assumptions say about one symbol: ``low <= x <= high``, ``x % modulus == residue``.

    >>> Shape(low=2).values(3)
    [2, 3, 4]
    """

    low: int = 1
    high: int | None = None
    modulus: int = 1
    residue: int = 0
    excluded: frozenset[int] = frozenset()

    @property
    def start(self) -> int:
        """The least allowed value (before exclusions): ``low`` moved up to the residue."""
        return self.low + (self.residue - self.low) % self.modulus

    def allows(self, value: int) -> bool:
        """Whether ``value`` meets every assumption on the symbol."""
        return (value >= self.low and (self.high is None or value <= self.high)
                and value % self.modulus == self.residue and value not in self.excluded)

    def values(self, count: int) -> list[int]:
        """The ``count`` least allowed values (fewer when an upper bound stops them)."""
        found: list[int] = []
        value = self.start
        while len(found) < count and (self.high is None or value <= self.high):
            if value not in self.excluded:
                found.append(value)
            value += self.modulus
        return found


def read(text: str) -> list[sympy.Basic]:
    """The relations one assumption text states (a chain ``1 < s < 4`` states two)."""
    where = f"--assume {text!r}"
    if not isinstance(text, str) or len(text) > 200:
        raise ExpressionError(f"--assume: expected a short assumption string; {GRAMMAR}.")
    try:
        body = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExpressionError(f"{where} is not an assumption; {GRAMMAR}.") from None
    source = text.strip()
    if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and \
            body.func.id in _PARITY and len(body.args) == 1 and not body.keywords:
        value = _side(source, body.args[0], where)
        return _stated([sympy.Eq(sympy.Mod(value, 2), _PARITY[body.func.id])], where)
    if not isinstance(body, ast.Compare):
        raise ExpressionError(f"{where} is not an assumption; {GRAMMAR}.")
    relations = []
    sides = [body.left, *body.comparators]
    for op, left, right in zip(body.ops, sides, sides[1:], strict=False):
        if type(op) not in _COMPARE:
            raise ExpressionError(f"{where} uses an unknown comparison; {GRAMMAR}.")
        if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Mod):
            modulus = _side(source, left.right, where)
            if not (modulus.is_Integer and modulus > 0):
                raise ExpressionError(f"{where}: the modulus must be a positive whole number, "
                                      f"not {modulus}.")
            lhs = sympy.Mod(_side(source, left.left, where), modulus)
        else:
            lhs = _side(source, left, where)
        relations.append(_COMPARE[type(op)](lhs, _side(source, right, where)))
    return _stated(relations, where)


def _stated(relations: list[sympy.Basic], where: str) -> list[sympy.Basic]:
    """The relations that say something; one that is false whatever the symbols is an error."""
    for relation in relations:
        if relation is sympy.false or relation is False:
            raise ExpressionError(f"{where} is false whatever the symbols; {GRAMMAR}.")
    return [r for r in relations if r is not sympy.true and r is not True]


def _side(source: str, node: ast.AST, where: str) -> sympy.Expr:
    """One side of a comparison, read by the project's safe parser."""
    text = ast.get_source_segment(source, node)
    if text is None:
        raise ExpressionError(f"{where} is not an assumption; {GRAMMAR}.")
    return expression(parse(text, where))


def narrow(relation: sympy.Basic, shapes: dict[sympy.Symbol, Shape], text: str) -> bool:
    """Fold a relation on one symbol and a number into that symbol's shape, if it is one."""
    lhs, rhs = relation.lhs, relation.rhs  # type: ignore[attr-defined]  # a relation
    if isinstance(lhs, sympy.Mod) and lhs.args[0].is_Symbol and lhs.args[1].is_Integer \
            and rhs.is_Integer and isinstance(relation, sympy.Eq) and lhs.args[1] > 0:
        name, modulus, residue = lhs.args[0], int(lhs.args[1]), int(rhs)
        shape = shapes.get(name, Shape())
        merged = _congruence(shape.modulus, shape.residue, modulus, residue % modulus)
        if merged is None or not 0 <= residue < modulus:
            raise ExpressionError(
                f"--assume {text!r}: no integer {name} has that residue together with the "
                "other assumptions; fix the residue."
            )
        shapes[name] = _replace(shape, modulus=merged[0], residue=merged[1])
        return True
    if rhs.is_Symbol and lhs.is_Integer:
        relation = relation.reversed  # type: ignore[attr-defined]  # a relation
        lhs, rhs = rhs, lhs
    if not (lhs.is_Symbol and rhs.is_Integer):
        return False
    shape, bound = shapes.get(lhs, Shape()), int(rhs)
    shapes[lhs] = {
        sympy.StrictGreaterThan: lambda: _replace(shape, low=max(shape.low, bound + 1)),
        sympy.GreaterThan: lambda: _replace(shape, low=max(shape.low, bound)),
        sympy.StrictLessThan: lambda: _replace(shape, high=_least(shape.high, bound - 1)),
        sympy.LessThan: lambda: _replace(shape, high=_least(shape.high, bound)),
        sympy.Eq: lambda: _replace(shape, low=max(shape.low, bound), high=_least(shape.high,
                                                                                 bound)),
        sympy.Ne: lambda: _replace(shape, excluded=shape.excluded | {bound}),
    }[type(relation)]()
    return True


def _replace(shape: Shape, **changes: object) -> Shape:
    return Shape(**{**shape.__dict__, **changes})  # type: ignore[arg-type]  # Shape's own fields


def _least(high: int | None, bound: int) -> int:
    return bound if high is None else min(high, bound)


def _congruence(m1: int, r1: int, m2: int, r2: int) -> tuple[int, int] | None:
    """``x % m1 == r1`` and ``x % m2 == r2`` as one congruence (None when incompatible).

    The Chinese remainder theorem with a gcd: a few operations whatever the moduli.

    >>> _congruence(4, 1, 6, 3), _congruence(4, 1, 6, 2)
    ((12, 9), None)
    """
    common = math.gcd(m1, m2)
    if (r2 - r1) % common:
        return None
    lcm = m1 // common * m2
    step = (r2 - r1) // common * pow(m1 // common, -1, m2 // common) % (m2 // common)
    return lcm, (r1 + m1 * step) % lcm
