r"""LaTeX that goes into a paper unchanged: a booktabs table float, or one equation per layer.

Two layouts (:class:`Layout`): ``table``, a ``table`` float (``table*`` when it is too wide
for one column of a two-column paper) with caption, label, a legend of the symbols and the
notes as visible text; and ``formulas``, one display per layer whose long formulas break
across lines, with long shared sub-expressions named in a ``where`` clause. Without a
choice, networks whose cells are all numbers get the table, symbolic ones the formulas.
Names are escaped (``symrf.render.latex_text``), formulas are in the paper form
(:func:`symrf.render.values.paper`), bounds print with ``\le``/``\ge``. The output needs
``\usepackage{amsmath,booktabs}`` and nothing else; it compiles in a one-column and a
two-column ``article`` without overfull boxes (``tests/test_pdflatex.py``).

>>> import symrf
>>> k, = symrf.symbols("k")
>>> text = to_latex(symrf.derive(symrf.Repeat(symrf.Conv(kernel=k), times=2)))
>>> print(text.splitlines()[4])
r &= 2 k - 1, \quad j = 1, \quad \ell = 0 \\
"""

from __future__ import annotations

import functools
import re
from enum import Enum
from typing import Any

import sympy

from symrf.engine.report import Report
from symrf.errors import SymrfError
from symrf.render.latex_layout import INDENT, lines, name_long, tex
from symrf.render.latex_table import Table, cell_width
from symrf.render.latex_text import MEANINGS, SYMBOLS, escape, figure_tex, math, relation
from symrf.render.latex_width import width
from symrf.render.values import answer_columns, chosen, notes, one_axis, paper, roots, shared
from symrf.solve import Answer

COLUMN = 229.5
r"""``\columnwidth`` of a two-column ``article`` (10 pt), the narrowest place we print to."""

TEXT = 345.0
r"""``\textwidth`` of a one-column ``article``, the room a ``table*`` may take in both."""

MARGIN = 0.85
"""Estimated widths run up to 15 % short of TeX's (``symrf.render.latex_width``)."""


class Layout(Enum):
    """How a report is laid out in LaTeX."""

    TABLE = "table"
    FORMULAS = "formulas"


def latex(item: Any) -> str:
    r"""One figure in LaTeX.

    >>> from fractions import Fraction
    >>> print(latex(Fraction(1, 2)), latex(3), latex((3, 5)), latex(None))
    \frac{1}{2} 3 3 \times 5 \text{--}
    """
    return math(item)


@functools.singledispatch
def to_latex(result: Any, **options: Any) -> str:
    """Render a result as LaTeX."""
    raise TypeError(f"no LaTeX rendering for {type(result).__name__}")


@to_latex.register
def _(report: Report, *, layout: Layout | str | None = None, caption: str | None = None,
      label: str | None = None, columns: Any = None, assume: Any = None) -> str:
    r"""A report as a table float or as formulas.

    Args:
        report: The figures of a network.
        layout: ``"table"``, ``"formulas"``, or ``None`` to choose by the cells.
        caption: The caption, as LaTeX (``None``: "Receptive fields of ...").
        label: The ``\label`` of the table (``tab:NAME`` by default); with formulas, each
            equation is numbered and labelled ``LABEL-1``, ``LABEL-2``, ...
        columns: The figures to show, ``"rf,jump,padding"`` or a list (``None``: all that
            say something).
        assume: Assumptions for the paper form (``symrf.paper.paper_form``).
    """
    names = chosen(report, columns)
    figures = [{name: one_axis(paper(row.figure(name), assume)) for name in names}
               for row in report.layers]
    symbolic = any(isinstance(v, sympy.Basic) and not v.is_Number
                   for row in figures for value in row.values()
                   for v in (value if isinstance(value, tuple) else (value,)))
    chosen_layout = _layout(layout, symbolic)
    if label is not None and not re.fullmatch(r"[A-Za-z0-9:._/+-]+", label):
        raise SymrfError(f"label {label!r}: a LaTeX label takes letters, digits and "
                         f":._/+-; give e.g. --label tab:rf-{_slug(report.name)}.")
    if chosen_layout is Layout.TABLE:
        return _table(report, names, figures, caption, label)
    return _formulas(report, names, figures, caption, label)


def _layout(layout: Layout | str | None, symbolic: bool) -> Layout:
    if layout is None:
        return Layout.FORMULAS if symbolic else Layout.TABLE
    try:
        return Layout(layout.value if isinstance(layout, Layout) else layout)
    except ValueError:
        raise SymrfError(f"layout {layout!r}: expected one of "
                         f"{', '.join(item.value for item in Layout)}.") from None


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "network"


def _legend(names: tuple[str, ...], figures: list[dict[str, Any]], bounded: bool) -> str:
    """The symbols shown, what they mean, and the input length when formulas use it."""
    entries = [f"${SYMBOLS[name]}$: {MEANINGS[name]}" for name in names]
    if bounded:
        entries.append(r"$\le$, $\ge$: a proven bound; $\approx$: the centre of the "
                       "bounding interval")
    if any(isinstance(value, tuple) for row in figures for value in row.values()):
        entries.append(r"$a \times b$: per axis (one value: the same on every axis)")
    free = {s.name for row in figures for value in row.values()
            for v in (value if isinstance(value, tuple) else (value,))
            if isinstance(v, sympy.Basic) for s in v.free_symbols}
    if any(n == "n_in" or n.startswith("n_in_") for n in free):
        entries.append(r"$n_{\text{in}}$: input length")
    if any(v is None for row in figures for value in row.values()
           for v in (value if isinstance(value, tuple) else (value,))):
        entries.append(r"--: not known (the period of a bound)")
    return "; ".join(entries) + "."


def _notes(report: Report) -> list[str]:
    return [escape(note, breakable=True) for note in notes(report)]


def _bounded(report: Report, names: tuple[str, ...]) -> bool:
    """Whether some figure shown is a bound (printed with a relation other than ``=``)."""
    return any(relation(name, row.figure("exact")) != "="
               for row in report.layers for name in names)


def _table(report: Report, names: tuple[str, ...], figures: list[dict[str, Any]],
           caption: str | None, label: str | None) -> str:
    values = [value for row in figures for value in row.values()]
    labels = [(rf"\texttt{{{escape(row.name)}}}", escape(row.op)) for row in report.layers]
    fixed = sum(max(cell_width(label[i]) for label in labels) for i in (0, 1))
    cell = (TEXT * MARGIN - fixed - 6.0 * (len(names) + 1)) / max(len(names), 1)
    scalars, shape = _spread(values)
    scalars, named = shared(scalars)
    axes = max((len(value) for value in values if isinstance(value, tuple)), default=1)
    flat, where = name_long(scalars, max(cell / axes - 10.0, 30.0), breakable=False,
                            room=COLUMN * MARGIN, where=named)
    cells = iter(_gather(flat, shape))
    body: list[list[str]] = []
    for row, shown in zip(report.layers, figures, strict=True):
        exact = row.figure("exact")
        body.append([*labels[len(body)],
                     *(f"${figure_tex(next(cells), name, exact, cell=True)}$" for name in shown)])
    table = Table(["Layer", "Op", *(f"${SYMBOLS[name]}$" for name in names)], body)
    name = escape(report.name)
    lines_ = table.float(
        caption if caption is not None else rf"Receptive fields of \texttt{{{name}}}, "
        "after each layer.",
        label if label is not None else f"tab:rf-{_slug(report.name)}",
        column=COLUMN * MARGIN + 12, text=TEXT * MARGIN + 12,
        legend=[_legend(names, figures, _bounded(report, names)), *_where_text(where),
                *(rf"\emph{{Note:}} {note.rstrip('.')}."
                  for note in _notes(report))],
    )
    return "\n".join(["% needs \\usepackage{booktabs,amsmath}", *lines_])


def _where_text(where: list[tuple[sympy.Symbol, Any]]) -> list[str]:
    if not where:
        return []
    return ["Where " + ", ".join(f"${tex(name)} = {tex(body)}$" for name, body in where) + "."]


def _formulas(report: Report, names: tuple[str, ...], figures: list[dict[str, Any]],
              caption: str | None, label: str | None) -> str:
    budget = (COLUMN - 40.0 - (30.0 if label else 0.0)) * MARGIN
    blocks = [(index, row, axis, shown) for index, (row, both) in
              enumerate(zip(report.layers, figures, strict=True), 1)
              for axis, shown in _axes(both)]
    values, named = shared([value for *_, shown in blocks for value in shown.values()])
    flat, where = name_long(values, budget, where=named)
    cells = iter(flat)
    out = ["% needs \\usepackage{amsmath}"]
    if caption:
        out.append(rf"\noindent {caption}")
    environment = "equation" if label else "equation*"
    for number, (index, row, axis, shown) in enumerate(blocks, 1):
        exact = row.figure("exact")
        if isinstance(exact, tuple) and axis is not None:
            exact = exact[axis]
        output = " (output)" if index - 1 == report.layers.output and index < len(figures) else ""
        on_axis = "" if axis is None else f", axis {axis}"
        out.append(rf"\noindent After \texttt{{{escape(row.name, breakable=True)}}} "
                   rf"({escape(row.op)}){output}{on_axis}:")
        out.append(rf"\begin{{{environment}}}")
        if label:
            out.append(rf"\label{{{label}-{number}}}")
        out.append(r"\begin{aligned}")
        equations = [_equation(SYMBOLS[name], relation(name, exact), next(cells), budget)
                     for name in shown]
        out.append(" \\\\\n".join(_packed(equations, budget + 20.0)))
        out += [r"\end{aligned}", rf"\end{{{environment}}}"]
    if where:
        out.append(r"\noindent where")
        out.append(r"\begin{align*}")
        out.append(" \\\\\n".join(_equation(tex(name), "=", body, budget)
                                  for name, body in where))
        out.append(r"\end{align*}")
    out.append(r"{\small\noindent " + _legend(names, figures, _bounded(report, names)) + r"\par}")
    out += [r"{\small\noindent\emph{Note:} " + note.rstrip(".") + r".\par}"
            for note in _notes(report)]
    return "\n".join(out)


def _symbolic(value: Any) -> bool:
    return any(isinstance(v, sympy.Basic) and not v.is_Number
               for v in (value if isinstance(value, tuple) else (value,)))


def _axes(shown: dict[str, Any]) -> list[tuple[int | None, dict[str, Any]]]:
    """A row's figures, as one block, or one block per axis when a per-axis one is a formula."""
    counts = {len(v) for v in shown.values() if isinstance(v, tuple) and _symbolic(v)}
    if not counts:
        return [(None, shown)]
    return [(axis, {name: v[axis] if isinstance(v, tuple) else v for name, v in shown.items()})
            for axis in range(max(counts))]


def _spread(values: list[Any]) -> tuple[list[Any], list[int]]:
    """Per-axis tuples spread into their entries, and each value's count (0: no tuple)."""
    flat: list[Any] = []
    shape = []
    for value in values:
        parts = value if isinstance(value, tuple) else (value,)
        flat += parts
        shape.append(len(parts) if isinstance(value, tuple) else 0)
    return flat, shape


def _gather(flat: list[Any], shape: list[int]) -> list[Any]:
    """The inverse of :func:`_spread`."""
    found, start = [], 0
    for count in shape:
        found.append(tuple(flat[start:start + count]) if count else flat[start])
        start += max(count, 1)
    return found


def _packed(equations: list[str], budget: float) -> list[str]:
    r"""Short equations joined on one line (``r &= 11, \quad j = 4``) where they fit."""
    found: list[str] = []
    short = False
    for equation in equations:
        if short and width(equation) <= _SHORT:
            joined = found[-1] + r", \quad " + equation.replace("&", "", 1)
            if width(joined) <= budget:
                found[-1] = joined
                continue
        found.append(equation)
        short = width(equation) <= _SHORT
    return found


_SHORT = 60.0
"""Equations at most this wide (``j = 4``, ``P = 2 k``) share lines."""


def _equation(symbol: str, rel: str, value: Any, budget: float) -> str:
    """``symbol &= value``, continued on further lines when the value is long."""
    if isinstance(value, tuple):
        return rf"{symbol} &{rel} {math(value)}"
    first, *rest = lines(value, budget) if isinstance(value, sympy.Basic) else [math(value)]
    return " \\\\\n".join([rf"{symbol} &{rel} {first}", *(f"&{line}" for line in rest)])


@to_latex.register
def _(answer: Answer, **options: Any) -> str:
    names, shown = answer_columns(answer)
    searched = ", ".join(map(str, answer.unknowns))
    comment = f"symrf solve: {answer.target}; searched {searched}"
    lines_ = ["% " + " ".join(comment.split())]  # a comment: not typeset, one line
    found = roots(answer)
    if found:
        equations = []
        for name, root, at_values in found:
            equal = "" if at_values == root else f" = {latex(at_values)}"
            equations.append(f"{latex(sympy.Symbol(name))} &= {latex(root)}{equal}")
        lines_ += ["\\begin{align*}", " \\\\\n".join(equations), "\\end{align*}"]
    header = [latex(sympy.Symbol(n)) if n != "cost" else "\\text{cost}" for n in names]
    header += [SYMBOLS[n] for n in shown]
    lines_ += ["\\begin{tabular}{" + "l" * len(header) + "}",
               " & ".join(f"${cell}$" for cell in header) + " \\\\", "\\hline"]
    for solution in answer.solutions:
        cells = [solution.cost if n == "cost" else solution.values[n] for n in names]
        cells += [solution.figures[n] for n in shown]
        lines_.append(" & ".join(f"${math(cell, cell=True)}$" for cell in cells) + " \\\\")
    lines_.append("\\end{tabular}")
    return "\n".join(lines_)


__all__ = ["COLUMN", "INDENT", "MARGIN", "TEXT", "Layout", "latex", "to_latex"]
