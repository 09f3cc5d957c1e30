"""Sums as tables of monomials, and the shift ``x = y + 1`` worked out on them.

:func:`symrf.paper.forms` writes a symbol ``x`` as ``(x - 1)`` where that shortens a sum
(per-layer terms ``(k - 1)*s0*s1``); these helpers count and apply that shift on a table
``{monomial: coefficient}`` without expanding.

>>> from symrf.maths.scalars import symbols
>>> k, s = symbols("k s")
>>> table = terms(k*s - s + 1)
>>> shortens(table, k), shortens(table, s)
(True, True)
"""

from __future__ import annotations

import itertools

import sympy

Key = frozenset
"""A monomial as the set of its ``(base, exponent)`` pairs (the number aside)."""


def shift(table: dict[Key, sympy.Expr], chosen: dict[sympy.Symbol, sympy.Dummy]
           ) -> sympy.Expr:
    """The sum with each chosen symbol ``x`` written ``y + 1``, expanded on its term table."""
    moved: dict[Key, sympy.Expr] = {}
    for key, coefficient in table.items():
        inside = [(name, place) for name, place in chosen.items() if (name, 1) in key]
        rest = key - {(name, 1) for name, _ in inside}
        for count in range(len(inside) + 1):
            for picked in itertools.combinations(inside, count):
                new = rest | {(place, 1) for _, place in picked}
                moved[new] = moved.get(new, 0) + coefficient
    return sympy.Add(*(coefficient * sympy.Mul(*(base**exp for base, exp in key))
                       for key, coefficient in moved.items() if coefficient != 0))


def terms(poly: sympy.Expr) -> dict[Key, sympy.Expr]:
    """A sum as ``{monomial: coefficient}``."""
    table: dict[Key, sympy.Expr] = {}
    for term in sympy.Add.make_args(poly):
        coefficient, rest = term.as_coeff_Mul()
        key = frozenset(rest.as_powers_dict().items()) if rest != 1 else frozenset()
        table[key] = table.get(key, 0) + coefficient
    return table


def shortens(table: dict[Key, sympy.Expr], name: sympy.Symbol) -> bool:
    """Whether the sum has fewer terms in ``y = name - 1`` (or as many, and a smaller number).

    Counted on the terms, without expanding: each term ``c*name*m`` becomes ``c*y*m`` plus
    ``c*m``, which joins a term ``m`` already there.
    """
    moved: dict[Key, sympy.Expr] = {}
    for key, coefficient in table.items():
        power = dict(key).get(name, 0)
        if power == 0:
            continue
        if power != 1:
            return False
        below = key - {(name, power)}
        moved[below] = moved.get(below, 0) + coefficient
    if not moved:
        return False
    count = len(table)  # the shifted terms stay, as c*y*m
    for below, added in moved.items():
        before = table.get(below, 0)
        count += (before + added != 0) - (before != 0)
    before = table.get(frozenset(), 0)
    after = before + moved.get(frozenset(), 0)
    return count < len(table) or (count == len(table) and abs(after) < abs(before))


def plain_symbols(poly: sympy.Expr) -> list[sympy.Symbol]:
    """Symbols that occur only as polynomial variables (not in an exponent or a power base)."""
    inside = set()
    for power in poly.atoms(sympy.Pow):
        if not power.exp.is_Integer:
            inside |= power.free_symbols
    return [name for name in poly.free_symbols if name not in inside and name.is_Symbol]
