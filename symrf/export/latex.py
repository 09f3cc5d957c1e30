r"""LaTeX that drops into a paper: the closed forms and a ``tabular`` of per-layer figures.

Formulas are printed by ``sympy.latex``; the table needs only the standard ``tabular``
environment (and ``amsmath`` for ``align*``).

>>> import symrf
>>> k, = symrf.symbols("k")
>>> print(to_latex(symrf.derive(symrf.Repeat(symrf.Conv(kernel=k), times=2))).splitlines()[1])
r &= 2 k - 1 \\
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import sympy

from symrf.export.values import answer_columns, columns, notes, roots
from symrf.report import Report
from symrf.solve import Answer

_SYMBOLS = {"rf": "r", "rf_min": "r_{\\text{min}}", "rf_min_path": "r_{\\text{path}}",
            "period": "T", "offset": "\\delta", "jump": "j",
            "left": "\\ell", "right": "\\rho", "center": "c",
            "padding": "P", "size": "n_{\\text{out}}"}


def latex(item: Any) -> str:
    r"""One figure in LaTeX.

    >>> print(latex(Fraction(1, 2)), latex(3), latex((3, 5)))
    \frac{1}{2} 3 3 \times 5
    """
    if isinstance(item, tuple):
        return " \\times ".join(latex(part) for part in item)
    if isinstance(item, Fraction):
        return sympy.latex(sympy.Rational(item.numerator, item.denominator))
    if isinstance(item, bool) or item is None:
        return str(item)
    return sympy.latex(item)


@functools.singledispatch
def to_latex(result: Any) -> str:
    """Render a result as LaTeX."""
    raise TypeError(f"no LaTeX rendering for {type(result).__name__}")


@to_latex.register
def _(report: Report) -> str:
    names = columns(report)
    closed = [f"{_SYMBOLS[n]} &= {latex(report.figure(n))} \\\\" for n in names]
    closed[-1] = closed[-1].removesuffix(" \\\\")
    lines = ["\\begin{align*}", *closed, "\\end{align*}"]
    lines += [f"% note: {note}" for note in notes(report)]
    lines += [
        "\\begin{tabular}{ll" + "l" * len(names) + "}",
        "layer & op & " + " & ".join(f"${_SYMBOLS[n]}$" for n in names) + " \\\\",
        "\\hline",
    ]
    for row in report.layers:
        name = row.name.replace("_", "\\_")
        cells = " & ".join(f"${latex(row.figure(n))}$" for n in names)
        lines.append(f"\\texttt{{{name}}} & {row.op} & {cells} \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines)


@to_latex.register
def _(answer: Answer) -> str:
    names, shown = answer_columns(answer)
    searched = ", ".join(map(str, answer.unknowns))
    lines = [f"% symrf solve: {answer.target}; searched {searched}"]
    found = roots(answer)
    if found:
        equations = []
        for name, root, at_values in found:
            equal = "" if at_values == root else f" = {latex(at_values)}"
            equations.append(f"{sympy.latex(sympy.Symbol(name))} &= {latex(root)}{equal}")
        lines += ["\\begin{align*}", " \\\\\n".join(equations), "\\end{align*}"]
    header = [sympy.latex(sympy.Symbol(n)) if n != "cost" else "\\text{cost}" for n in names]
    header += [_SYMBOLS[n] for n in shown]
    lines += ["\\begin{tabular}{" + "l" * len(header) + "}",
              " & ".join(f"${cell}$" for cell in header) + " \\\\", "\\hline"]
    for solution in answer.solutions:
        cells = [solution.cost if n == "cost" else solution.values[n] for n in names]
        cells += [solution.figures[n] for n in shown]
        lines.append(" & ".join(f"${latex(cell)}$" for cell in cells) + " \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines)
