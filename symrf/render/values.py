"""Plain-text rendering of one figure, shared by the text formats.

>>> from fractions import Fraction
>>> text(3), text(Fraction(1, 2)), text(True), text(None)
('3', '1/2', 'yes', '-')
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import sympy

from symrf.engine.report import FIGURES, Report
from symrf.errors import SymrfError
from symrf.limits import printable
from symrf.paper import paper_form, where
from symrf.render.latex_text import relation
from symrf.render.printer import formula_text
from symrf.solve import Answer, Solution

COLUMNS = ("rf", "jump", "left", "right", "center", "padding")
"""Figures shown per layer in tables (``size`` is added when the input size is known)."""


def text(value: Any) -> str:
    """A figure as text: numbers and formulas as sympy prints them, booleans as yes/no."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return " x ".join(text(item) for item in value)
    if isinstance(value, int | Fraction):
        printable(value)
    if isinstance(value, sympy.Basic):
        return formula_text(value)  # rows share subformulas: each is printed once
    return str(value)


def columns(report: Report) -> tuple[str, ...]:
    """The per-layer columns of ``report``: branch figures appear when they say something."""
    names = list(COLUMNS)
    rows = list(report.layers)
    if any(row.rf_min_path != row.rf for row in rows):
        names.insert(1, "rf_min_path")
    if any(row.rf_min != row.rf or not _is_one(row.period) for row in rows):
        names.insert(1, "rf_min")
        names.append("period")
    if any(row.offset != (0,) * len(row.axes) and row.offset != 0 for row in rows):
        names.append("offset")
    if report.size_known:
        names.append("size")
    return tuple(names)


def chosen(report: Report, wanted: str | Sequence[str] | None) -> tuple[str, ...]:
    """The columns a user asked for (``"rf,jump,padding"`` or a list), in that order.

    ``None`` gives :func:`columns`. A name that is not a figure is an error naming the
    figures there are.

    >>> import symrf
    >>> chosen(symrf.evaluate(symrf.Conv(kernel=3)), "rf, jump")
    ('rf', 'jump')
    """
    if wanted is None:
        return columns(report)
    names = [n.strip() for n in (wanted.split(",") if isinstance(wanted, str) else wanted)]
    allowed = [n for n in FIGURES if n not in {"aligned", "exact"}]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        wrong = unknown[0] if unknown else ""
        raise SymrfError(f"columns {','.join(names)!r}: unknown figure {wrong!r}; expected "
                         f"a comma-separated list of {', '.join(allowed)} "
                         "(e.g. rf,jump,padding).")
    if "size" in names and not report.size_known:
        raise SymrfError("columns: 'size' needs the input size; give it with --input "
                         "(or input.size in the spec), or leave size out.")
    return tuple(dict.fromkeys(names))


def paper(value: Any, assume: Any = None) -> Any:
    """``value`` in the form a paper prints (``symrf.paper.paper_form``), numbers as they are.

    A tuple (one entry per axis) is rewritten entry by entry.

    >>> import sympy
    >>> paper(3), paper(None)
    (3, None)
    """
    if isinstance(value, tuple):
        return tuple(paper(item, assume) for item in value)
    if not isinstance(value, sympy.Basic) or value.is_Number:
        return value
    if not assume and _large(value):  # a long chain's sum: printed as the engine folds it
        return value
    key = (value, assume)
    try:
        return _PAPER[key]
    except (KeyError, TypeError):  # not seen yet, or assumptions that cannot be hashed
        pass
    form = paper_form(value, assume=assume)
    with contextlib.suppress(TypeError):  # assumptions that cannot be hashed
        _PAPER[key] = form
    return form


PAPER_NODES = 150
"""Formulas larger than this (nodes of the expression tree) keep the engine's form unless
assumptions are given: the paper form's rewriting grows faster than linearly with a
formula's size (about 0.1 s at 150 nodes, minutes over every row of a 100-layer chain with
per-layer symbols), and a sum over a hundred layers is printed as folded anyway."""


def _large(value: sympy.Basic) -> bool:
    nodes = itertools.islice(sympy.preorder_traversal(value), PAPER_NODES + 1)
    return sum(1 for _ in nodes) > PAPER_NODES


def shared(values: list[Any]) -> tuple[list[Any], list[tuple[sympy.Symbol, Any]]]:
    """``values`` with long recurring subformulas named (``symrf.paper.where``).

    Per-axis tuples are left as they are. Returns the values and ``(helper, meaning)``
    pairs in order of first use.

    >>> shared([3, 4])
    ([3, 4], [])
    """
    scalar = [index for index, value in enumerate(values) if isinstance(value, sympy.Basic)]
    if not scalar:
        return values, []
    rewritten, meanings = where([values[index] for index in scalar])
    found = list(values)
    for index, value in zip(scalar, rewritten, strict=True):
        found[index] = value
    return found, list(meanings.items())


_PAPER: dict[tuple[Any, Any], Any] = {}
"""Paper forms already made: every format, and each row sharing a figure, asks again."""


def one_axis(value: Any) -> Any:
    """A per-axis figure that is the same on every axis, as one value.

    >>> one_axis((3, 3)), one_axis((3, 5)), one_axis(7)
    (3, (3, 5), 7)
    """
    if isinstance(value, tuple) and value and all(item == value[0] for item in value):
        return value[0]
    return value


def _is_one(period: Any) -> bool:
    return all(p == 1 for p in (period if isinstance(period, tuple) else (period,)))


MARKS_NOTE = "≤ and ≥ mark proven bounds; ≈ the centre of the bounding interval"
"""What the relation marks of a table's cells mean."""


def marks_bounds(report: Report, names: Iterable[str]) -> bool:
    """Whether a cell of ``names`` in the rows is a bound (it needs :data:`MARKS_NOTE`)."""
    names = list(names)
    return any(relation(n, row.figure("exact")) != "=" for row in report.layers for n in names)


def notes(report: Report) -> list[str]:
    """Sentences about figures that are not plain exact values (bounds, misalignment)."""
    found = []
    if not all(field.exact for field in report.axes):
        found.append("some figures are proven bounds, not exact values")
    if not all(field.aligned for field in report.axes):
        found.append("merged branches are not aligned (their centres differ: see offset)")
    if report.context:
        shown = ", ".join(report.context[:5]) + (", ..." if len(report.context) > 5 else "")
        found.append(f"the local field: global context of {len(report.context)} layers is left "
                     f"out ({shown}); import with global_context='include' to count it")
    if any(field.rf_min_path is None for field in report.axes):
        found.append("rf_min_path is unknown (-): the branches form more paths than symrf "
                     "follows")
    if any(field.exact and field.jump is None for row in report.layers for field in row.axes):
        found.append("jump and period are unknown (-) where branches of different jumps merge: "
                     "the fields follow no single grid; rf, rf_min, left and right are exact "
                     "over the map's units")
    if any(field.rf_min == 0 and field.exact for row in report.layers for field in row.axes):
        found.append(
            "some units read no input at all (a transposed convolution with kernel < stride): "
            "rf_min is 0 there"
        )
    return found


def answer_columns(answer: Answer) -> tuple[list[str], list[str]]:
    """Value columns (unknowns, defined symbols, cost) and figure columns of a solve table."""
    first = answer.solutions[0] if answer.solutions else None
    names = list(first.values) if first else [u.name for u in answer.unknowns]
    if answer.minimize is not None:
        names.append("cost")
    figure = answer.target.figure
    shown = [figure, *(name for name in ("rf", "jump", "padding") if name != figure)]
    if first is not None and "size" in first.figures and "size" not in shown:
        shown.append("size")
    return names, shown


def answer_cells(solution: Solution, names: list[str], shown: list[str]) -> list[str]:
    """One solution as text cells (an invalid neighbour shows why in the first figure)."""
    values = [text(solution.cost if name == "cost" else solution.values.get(name))
              for name in names]
    if solution.error is not None:
        return [*values, "invalid", *([""] * (len(shown) - 1))]
    return [*values, *(text(solution.figures.get(name)) for name in shown)]


def roots(answer: Answer) -> list[tuple[str, Any, Any]]:
    """``(unknown, root, value of the root at the given values)`` for each exact root."""
    found = []
    for name, general in answer.exact.items():
        at_values = answer.exact_value.get(name, ())
        for index, root in enumerate(general):
            found.append((name, root, at_values[index] if index < len(at_values) else root))
    return found


def tie_note(answer: Answer) -> str:
    """``1000 of 100000 tied answers listed`` when the solver listed only the first ones."""
    return f"{len(answer.solutions)} of {answer.tied} tied answers listed"


def approximately(value: Any) -> str:
    """`` ≈ 15.867`` for a number that is not a whole one, else nothing.

    >>> from fractions import Fraction
    >>> approximately(Fraction(238, 15)), approximately(7)
    (' ≈ 15.867', '')
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if number == int(number) else f" ≈ {number:.5g}"


__all__ = ["COLUMNS", "FIGURES", "answer_cells", "answer_columns", "approximately", "chosen",
           "columns", "notes", "one_axis", "paper", "roots", "shared", "text", "tie_note"]
