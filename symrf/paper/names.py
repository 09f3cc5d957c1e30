"""Helper symbols for a ``where`` clause: long subformulas that recur, named once.

TF SAME padding with a stride makes the left end of a network a sum of many terms of the
same shape (``floor(Max(0, ...)/2)`` once per strided layer). :func:`where` names each long
subformula that occurs more than once (across all the formulas given, or inside one) with a
helper symbol ``u_1, u_2, ...``, so a renderer prints the figures short and the definitions
once, under them.

>>> from symrf.maths.scalars import symbols
>>> n, = symbols("n")
>>> long = sympy.floor(sympy.Max(0, 2*sympy.ceiling(n/2 + sympy.Rational(1, 2)) - n)/2)
>>> where([long + 1, 2*long])
([u_1 + 1, 2*u_1], {u_1: floor(Max(0, -n + 2*ceiling(n/2 + 1/2))/2)})
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sympy

from symrf.maths.scalars import Scalar, expression

LONG = 40
"""A subformula that prints to more characters than this is worth a name when it recurs."""

TOO_LONG = 160
"""A subformula longer than this is named even when it occurs once."""


def where(exprs: Sequence[Scalar], prefix: str = "u", longer_than: int = LONG
          ) -> tuple[list[Scalar], dict]:
    """``exprs`` with long recurring subformulas replaced by helper symbols, and their meanings.

    Args:
        exprs: Figures (numbers or sympy expressions), e.g. a report's column.
        prefix: The helpers' name; they are ``prefix_1, prefix_2, ...``, skipping any name
            the formulas already use.
        longer_than: Name recurring subformulas that print longer than this many
            characters (subformulas past :data:`TOO_LONG` are named even once).

    Returns:
        The rewritten figures and ``{helper: subformula}`` in order of first use.
    """
    values = [expression(e) if not isinstance(e, sympy.Basic) else e for e in exprs]
    counts: Counter[sympy.Basic] = Counter()
    for value in values:
        for node in sympy.preorder_traversal(value):
            if _candidate(node, longer_than):
                counts[node] += 1
    taken = {s.name for value in values for s in value.free_symbols}
    named: dict[sympy.Basic, sympy.Symbol] = {}
    meanings: dict[sympy.Symbol, sympy.Expr] = {}
    number = 0
    for value in values:
        for node in _outermost(value, counts, longer_than):
            if node in named:
                continue
            number += 1
            while f"{prefix}_{number}" in taken:
                number += 1
            helper = sympy.Symbol(f"{prefix}_{number}", integer=bool(node.is_integer))
            named[node], meanings[helper] = helper, node
    rewritten = [value.xreplace(named) if named else value for value in values]
    return [_plain(value) for value in rewritten], meanings


def _candidate(node: sympy.Basic, longer_than: int) -> bool:
    """A subformula worth a name: long, and not a number times one (``2*floor(...)``)."""
    if not isinstance(node, sympy.Expr) or node.is_Atom or node.as_coeff_Mul()[0] != 1:
        return False
    return len(str(node)) > longer_than


def _outermost(value: sympy.Basic, counts: Counter, longer_than: int) -> list[sympy.Basic]:
    """The outermost subformulas of ``value`` worth a name, in reading order."""
    found, pending = [], [value]
    while pending:
        node = pending.pop(0)
        if node is not value and _candidate(node, longer_than) and (
                counts[node] > 1 or len(str(node)) > TOO_LONG) and not node.is_Add:
            found.append(node)
            continue
        pending[:0] = list(node.args)
    return found


def _plain(value: sympy.Basic) -> Scalar:
    return int(value) if value.is_Integer else value
