r"""HTML for web pages: a report's table with its formulas as MathML, and its closed forms.

The table has the columns of the text table (:func:`symrf.render.values.columns`); a
number is printed as the text formats print it, a formula as MathML (no script needed to
show it). :func:`to_formulas` is the LaTeX format's ``align*`` as one MathML block.

>>> import symrf
>>> page = to_html(symrf.evaluate(symrf.zoo.build("dilated-stack")))
>>> page.count("<tr>"), "<td>31</td>" in page
(5, True)
"""

from __future__ import annotations

import functools
import html
from typing import Any

import sympy

from symrf.engine.report import Report
from symrf.render.latex_text import SYMBOLS, math, relation
from symrf.render.mathml import mathml, table_math
from symrf.render.values import columns, notes, paper, text


def cell(value: Any) -> str:
    """One figure as HTML: a formula as inline MathML, anything else as escaped text.

    >>> from fractions import Fraction
    >>> cell(3), cell(Fraction(1, 2)), cell(None)
    ('3', '1/2', '-')
    >>> cell(sympy.Symbol("k") + 1).startswith("<math")
    True
    """
    if _is_formula(value):
        return mathml(math(paper(value)))
    return html.escape(text(value))


def _is_formula(value: Any) -> bool:
    if isinstance(value, tuple):
        return any(map(_is_formula, value))
    return isinstance(value, sympy.Basic) and not value.is_number


@functools.singledispatch
def to_html(result: Any) -> str:
    """Render a result as an HTML fragment."""
    raise TypeError(f"no HTML rendering for {type(result).__name__}")


@to_html.register
def _(report: Report) -> str:
    names = columns(report)
    head = "".join(f"<th>{html.escape(name)}</th>" for name in ("layer", "op", *names))
    body = [
        "<tr>" + f"<td><code>{html.escape(row.name)}</code></td><td>{html.escape(row.op)}</td>"
        + "".join(f"<td>{cell(row.figure(name))}</td>" for name in names) + "</tr>"
        for row in report.layers
    ]
    shown = ["rf", "jump", "padding", *(["size"] if report.size_known else [])]
    title = ", ".join(f"{name} {cell(report.figure(name))}" for name in shown)
    lines = [
        f'<p class="symrf-title"><strong>{html.escape(report.name)}</strong>: {title}</p>',
        "<table>",  # no class: the theme styles plain tables
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>", *body, "</tbody>",
        "</table>",
    ]
    lines += [f"<p><em>Note: {html.escape(note)}.</em></p>" for note in notes(report)]
    return "\n".join(lines)


def to_formulas(report: Report) -> str:
    r"""The closed forms of ``report`` (its last row), one aligned equation per figure.

    The figures of the LaTeX format's closed forms, in their paper form, as one MathML
    block; a figure that is a proven bound shows its relation (``\le``) instead of ``=``.

    >>> import symrf
    >>> k, = symrf.symbols("k")
    >>> page = to_formulas(symrf.derive(symrf.Repeat(symrf.Conv(kernel=k), times=2)))
    >>> page.count("<mtr>"), 'alttext="r = 2 k - 1; j = 1;' in page
    (6, True)
    """
    return table_math([(SYMBOLS[name], relation(name, report.exact),
                        math(paper(report.figure(name)))) for name in columns(report)])
