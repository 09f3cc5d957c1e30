r"""Formulas that fit a column: long sub-expressions named, long sums broken across lines.

A formula wider than its room is first cut into the terms of its top-level sum, which
:func:`lines` packs onto as few lines as fit. A term that alone is too wide (MobileNet's
SAME padding nests floors and maxima thousands of characters deep) gets its largest
sub-expression that fits replaced by a helper symbol :math:`u_{1}, u_{2}, \dots`, defined
once in a ``where`` clause (:func:`name_long`); every row that shares the piece shares the
name. Widths are estimates (``symrf.render.latex_width``).

>>> import sympy
>>> k, s = sympy.symbols("k s")
>>> len(lines(sum(k**i for i in range(30)), 100.0))
9
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy

from symrf.render.latex_text import Printer, latex, symbol_names
from symrf.render.latex_width import width

INDENT = 10.0
r"""The ``\quad`` before a continued line."""


def tex(expr: Any) -> str:
    r"""``expr`` in LaTeX with symrf's symbol names (no ``\tfrac``)."""
    return latex(expr)


def terms(expr: sympy.Basic) -> list[str]:
    r"""The signed terms of a sum, as :func:`sympy.latex` orders and prints them.

    >>> k = sympy.Symbol("k")
    >>> terms(2*k - 1)
    ['2 k', '- 1']
    """
    if not isinstance(expr, sympy.Add):
        return [tex(expr)]
    printer = Printer({"symbol_names": symbol_names(expr)})
    pieces = []
    for index, term in enumerate(printer._as_ordered_terms(expr, order=None)):
        printed = printer._print(term)
        if printer._needs_add_brackets(term):
            printed = rf"\left({printed}\right)"
        if index == 0:
            pieces.append(printed)
        elif printed.startswith("-"):
            pieces.append("- " + printed[1:].lstrip())
        else:
            pieces.append("+ " + printed)
    return pieces


def lines(expr: Any, budget: float) -> list[str]:
    r"""``expr`` as lines of at most ``budget`` points, broken before a ``+`` or ``-``.

    Later lines start with ``\quad``; a term wider than the budget gets a line of its own
    (name it first with :func:`name_long`).

    >>> k = sympy.Symbol("k")
    >>> lines(2*k - 1, 500.0), lines(2*k - 1, 20.0)
    (['2 k - 1'], ['2 k', '\\quad - 1'])
    """
    whole = tex(expr)
    if width(whole) <= budget or not isinstance(expr, sympy.Add):
        return [whole]
    found: list[str] = []
    current, room = "", budget
    for piece in terms(expr):
        if current and width(current + " " + piece) > room:
            found.append(current)
            current, room = r"\quad " + piece, budget
        else:
            current = f"{current} {piece}".strip()
    found.append(current)
    return found


def fits(expr: Any, budget: float, breakable: bool) -> bool:
    """Whether ``expr`` prints within ``budget`` (each term within it, when it may break)."""
    if not isinstance(expr, sympy.Basic):
        return True
    if breakable and isinstance(expr, sympy.Add):
        return all(width(piece) <= budget - INDENT for piece in terms(expr))
    return width(tex(expr)) <= budget


def name_long(
    values: Sequence[Any], budget: float, *, breakable: bool = True, room: float | None = None,
    where: Sequence[tuple[sympy.Symbol, Any]] = (),
) -> tuple[list[Any], list[tuple[sympy.Symbol, Any]]]:
    """``values`` with long sub-expressions replaced by helper symbols, and their definitions.

    Until every value fits ``budget`` and every definition fits ``room`` (default:
    ``budget``; see :func:`fits`, a definition may break before a ``+``), the largest
    sub-expression of an overlong one that fits ``room``, counting how many values share
    it, becomes a helper ``u_1``, ``u_2``, ... (another letter when the values use ``u``).
    A value that may not break (a table cell) may be named whole. ``where`` holds helpers
    named already (``symrf.paper.where``); their letter is kept. Definitions come out
    so that each uses only earlier ones, numbered in that order.

    >>> n = sympy.Symbol("n")
    >>> long = sympy.floor(sympy.Max(0, n - 2*sympy.ceiling(n / 2) + 1) / 2)
    >>> values, where = name_long([3 * long, long + 1], 110.0)
    >>> values, [str(body) for _, body in where]
    ([3*u_1, u_1 + 1], ['floor(Max(0, n - 2*ceiling(n/2) + 1)/2)'])
    """
    room = budget if room is None else room
    given = {name for name, _ in where}
    symbols = {free.name for value in [*values, *(body for _, body in where)]
               if isinstance(value, sympy.Basic) for free in value.free_symbols
               if free not in given}
    letters = [name.name.split("_")[0] for name in given]
    letter = letters[0] if letters else next(
        c for c in "uvwqz" if not any(name.split("_")[0] == c for name in symbols))
    values, defined = list(values), list(where)
    while True:
        wide = next((v for v in values if not fits(v, budget, breakable)), None)
        whole = not breakable
        if wide is None:
            wide = next((body for _, body in defined if not fits(body, room, True)), None)
            whole = False
        if wide is None:
            break
        piece = _largest_fitting(wide, values, room, whole=whole)
        if piece is None:
            break
        helper = sympy.Dummy(letter, integer=piece.is_integer is True)  # as the piece is
        swap = {piece: helper}
        values = [v.xreplace(swap) if isinstance(v, sympy.Basic) else v for v in values]
        defined = [(name, body.xreplace(swap)) for name, body in defined] + [(helper, piece)]
    renamed = _in_order(defined, letter)
    values = [v.xreplace(renamed) if isinstance(v, sympy.Basic) else v for v in values]
    bodies = dict(defined)
    return values, [(new, bodies[old].xreplace(renamed)) for old, new in renamed.items()]


def _largest_fitting(expr: sympy.Basic, values: Sequence[Any], room: float, *,
                     whole: bool) -> Any:
    """The widest sub-expression of ``expr`` that fits ``room`` (shared ones first).

    ``expr`` itself counts only when ``whole``.
    """
    best, best_score = None, 0.0
    for sub in sympy.preorder_traversal(expr):
        if (sub is expr and not whole) or sub.is_Atom or isinstance(sub, sympy.Tuple):
            continue
        size = width(tex(sub))
        if size < 20.0 or not fits(sub, room, breakable=True):
            continue
        shared = sum(1 for v in values if isinstance(v, sympy.Basic) and v.has(sub))
        score = size * (1 + 0.5 * (shared - 1))
        if score > best_score:
            best, best_score = sub, score
    return best


def _in_order(
    where: list[tuple[sympy.Symbol, Any]], letter: str
) -> dict[sympy.Symbol, sympy.Symbol]:
    """New names for the helpers, numbered so that each definition uses only earlier ones."""
    order: list[sympy.Symbol] = []
    pending = dict(where)
    while pending:
        ready = [name for name, body in pending.items()
                 if not any(free in pending for free in body.free_symbols)]
        order.append(ready[0] if ready else next(iter(pending)))
        del pending[order[-1]]
    return {old: sympy.Symbol(f"{letter}_{index}", **old.assumptions0)
            for index, old in enumerate(order, 1)}


__all__ = ["INDENT", "fits", "lines", "name_long", "terms", "tex"]
