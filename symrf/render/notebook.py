r"""Rich display in Jupyter: reports as tables with formulas, small networks as pictures.

Results and layers are plain values that know nothing of notebooks. This module registers
its functions with IPython's display formatters, by type (:func:`register`): ``import
symrf`` does it when it runs inside IPython (a Jupyter kernel), and ``%load_ext symrf``
does it in a shell that imported symrf before IPython started. The result classes
(:class:`~symrf.engine.report.Report`, :class:`~symrf.engine.rows.Row`,
:class:`~symrf.engine.field.Field`, :class:`~symrf.solve.answers.Answer`) and every layer
are then shown with:

- :func:`repr_html`: the text table's columns (:func:`symrf.render.values.columns`) as an
  HTML table, formulas as ``$...$`` LaTeX in their paper form, which Jupyter's MathJax
  typesets (no converter needed); bounds print with their relation (``\le``);
- :func:`repr_latex`: the closed forms and the rows as MathJax-ready display math (for
  nbconvert to LaTeX/PDF, and frontends that prefer it);
- :func:`repr_svg`: the ``index`` picture of a small numeric 1-D network
  (:mod:`symrf.render.figures.index`); ``None`` (Jupyter then shows the text) when matplotlib is
  missing, the network has symbols or several axes, or it is too large to draw.

>>> import symrf
>>> report = symrf.evaluate(symrf.zoo.build("dilated-stack"))
>>> page = repr_html(report)
>>> page.count("<tr>"), "<td>31</td>" in page
(5, True)
"""

from __future__ import annotations

import functools
import html
import sys
from collections.abc import Iterable
from typing import Any

import sympy

from symrf.engine.field import FIGURES, Field
from symrf.engine.report import Report, Row, network
from symrf.errors import SymrfError
from symrf.layers.base import Layer
from symrf.render.figures import index
from symrf.render.figures.canvas import matplotlib_module, svg_text
from symrf.render.latex_text import MEANINGS, SYMBOLS, figure_tex, math, relation
from symrf.render.values import answer_cells, answer_columns, columns, notes, paper, roots, text
from symrf.solve.answers import Answer

MAX_ROWS = 200
"""Most rows a notebook table shows (the rest are counted in a note)."""

_ALWAYS = ("rf", "jump", "left", "right", "center", "padding")
"""Figures a lone row or field always shows; the others when they say something."""


def _is_formula(value: Any) -> bool:
    if isinstance(value, tuple):
        return any(map(_is_formula, value))
    return isinstance(value, sympy.Basic) and not value.is_number


def cell(value: Any, figure: str = "", exact: Any = True) -> str:
    r"""One figure as HTML: plain text for an exact number, ``$...$`` for a formula or bound.

    >>> import sympy
    >>> cell(3), cell(sympy.Symbol("k") + 1), cell(11, "rf", False)
    ('3', '$k + 1$', '$\\le 11$')
    """
    if _is_formula(value) or figure_tex(value, figure, exact) != figure_tex(value):
        return "$" + html.escape(figure_tex(paper(value), figure, exact)) + "$"
    return html.escape(text(value))


def _figures(source: Row | Field) -> list[str]:
    """The figures a lone row or field shows: the usual ones, and the others that differ."""
    names = list(_ALWAYS)
    if source.rf_min != source.rf:
        names.insert(1, "rf_min")
    if source.rf_min_path != source.rf:
        names.insert(1, "rf_min_path")
    if source.period not in (1, (1,) * _axes(source)):
        names.append("period")
    if not _all(source.aligned):
        names.append("offset")
    if source.size not in (None, (None,) * _axes(source)):
        names.append("size")
    return names


def _axes(source: Row | Field) -> int:
    return len(source.axes) if isinstance(source, Row) else 1


def _all(value: Any) -> bool:
    return all(value) if isinstance(value, tuple) else bool(value)


def _head(names: Iterable[str]) -> str:
    return "".join(f'<th title="{html.escape(MEANINGS.get(name, name))}">{html.escape(name)}'
                   "</th>" for name in names)


@functools.singledispatch
def repr_html(result: Any) -> str | None:
    """An HTML fragment for Jupyter's ``_repr_html_`` (``None``: no rich display)."""
    return None


@repr_html.register
def _(report: Report) -> str:
    names = columns(report)
    shown = ["rf", "jump", "padding", *(["size"] if report.size_known else [])]
    title = ", ".join(f"{name} {cell(report.figure(name), name, report.exact)}"
                      for name in shown)
    rows = [
        f"<tr><td><code>{html.escape(row.name)}</code></td><td>{html.escape(row.op)}</td>"
        + "".join(f"<td>{cell(row.figure(name), name, row.exact)}</td>" for name in names)
        + "</tr>"
        for row in report.layers[:MAX_ROWS]
    ]
    lines = [f"<p><strong>{html.escape(report.name)}</strong>: {title}</p>", "<table>",
             f"<thead><tr>{_head(('layer', 'op', *names))}</tr></thead>", "<tbody>", *rows,
             "</tbody>", "</table>"]
    if len(report.layers) > MAX_ROWS:
        lines.append(f"<p><em>{len(report.layers) - MAX_ROWS} more rows not shown.</em></p>")
    lines += [f"<p><em>Note: {html.escape(note)}.</em></p>" for note in notes(report)]
    return "\n".join(lines)


@repr_html.register
def _(row: Row) -> str:
    names = _figures(row)
    cells = "".join(f"<td>{cell(row.figure(name), name, row.exact)}</td>" for name in names)
    return (f"<table><thead><tr>{_head(('layer', 'op', *names))}</tr></thead><tbody><tr>"
            f"<td><code>{html.escape(row.name)}</code></td><td>{html.escape(row.op)}</td>"
            f"{cells}</tr></tbody></table>")


@repr_html.register
def _(field: Field) -> str:
    names = _figures(field)
    cells = "".join(f"<td>{cell(getattr(field, name), name, field.exact)}</td>"
                    for name in names)
    return (f"<table><thead><tr>{_head(names)}</tr></thead><tbody><tr>{cells}</tr></tbody>"
            "</table>")


@repr_html.register
def _(answer: Answer) -> str:
    names, shown = answer_columns(answer)
    searched = ", ".join(f"<code>{html.escape(str(unknown))}</code>"
                         for unknown in answer.unknowns)
    title = (f"<p><strong>solve</strong> <code>{html.escape(str(answer.target))}</code> for "
             f"{searched}: {answer.count} assignments searched, {answer.feasible} meet the "
             "target</p>")
    lines = [title, "<table>", f"<thead><tr>{_head([*names, *shown])}</tr></thead>", "<tbody>"]
    for solution in answer.solutions[:MAX_ROWS]:
        cells = answer_cells(solution, names, shown)
        lines.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    for solution in answer.neighbours:
        pairs = zip([*names, *shown], answer_cells(solution, names, shown), strict=True)
        lines.append("<p><em>Just failing:</em> "
                     + html.escape(", ".join(f"{n} = {c}" for n, c in pairs if c)) + "</p>")
    lines += [f"<p>Exact relaxed root: {html.escape(tex)}</p>" for tex in _roots(answer)]
    return "\n".join(lines)


def _roots(answer: Answer) -> list[str]:
    """Each exact root as display math, with its value at the given numbers."""
    found = []
    for name, root, at_values in roots(answer):
        equal = "" if at_values == root else f" = {sympy.latex(at_values)}"
        found.append(f"$${sympy.latex(sympy.Symbol(name))} = {sympy.latex(root)}{equal}$$")
    return found


def _tt(name: str) -> str:
    r"""A name in monospace math, its TeX specials escaped (``\mathtt{conv\_1}``)."""
    for special in "\\{}_#$%&^~":
        name = name.replace(special, "\\" + special)
    return rf"\mathtt{{{name}}}"


def _equations(source: Row | Field | Report, names: Iterable[str]) -> str:
    return r",\; ".join(f"{SYMBOLS.get(name, name)} {_tex(source, name)}" for name in names)


def _tex(source: Any, name: str) -> str:
    r"""``= value``, or the relation of a bound (``\le 11``)."""
    value = source.figure(name) if hasattr(source, "figure") else getattr(source, name)
    return f"{relation(name, source.exact)} {math(paper(value))}"


@functools.singledispatch
def repr_latex(result: Any) -> str | None:
    """Display math for Jupyter's ``_repr_latex_`` (``None``: no rich display)."""
    return None


@repr_latex.register
def _(report: Report) -> str:
    r"""The closed forms, then the rows as an ``array`` (MathJax reads both).

    >>> import symrf
    >>> print(repr_latex(symrf.evaluate(symrf.Conv(kernel=3))).splitlines()[1])
    r &= 3 \\
    """
    names = columns(report)
    closed = [f"{SYMBOLS[name]} &{_tex(report, name)}" for name in names]
    lines = ["$$\\begin{aligned}", " \\\\\n".join(closed), "\\end{aligned}$$"]
    if len(report.layers) <= MAX_ROWS:
        head = " & ".join(["\\text{layer}", "\\text{op}", *(SYMBOLS[n] for n in names)])
        lines += ["$$\\begin{array}{ll" + "l" * len(names) + "}", head + " \\\\ \\hline"]
        for row in report.layers:
            cells = [figure_tex(paper(row.figure(n)), n, row.exact) for n in names]
            lines.append(" & ".join([_tt(row.name), f"\\text{{{row.op}}}", *cells]) + " \\\\")
        lines.append("\\end{array}$$")
    return "\n".join(lines)


@repr_latex.register
def _(row: Row) -> str:
    return f"$${_tt(row.name)}\\ (\\text{{{row.op}}}):\\quad {_equations(row, _figures(row))}$$"


@repr_latex.register
def _(field: Field) -> str:
    return f"$${_equations(field, _figures(field))}$$"


@repr_latex.register
def _(answer: Answer) -> str:
    names, shown = answer_columns(answer)
    head = " & ".join([*(sympy.latex(sympy.Symbol(n)) for n in names),
                       *(SYMBOLS.get(n, n) for n in shown)])
    lines = ["$$\\begin{array}{" + "l" * (len(names) + len(shown)) + "}", head + " \\\\ \\hline"]
    for solution in answer.solutions[:MAX_ROWS]:
        cells = answer_cells(solution, names, shown)
        lines.append(" & ".join(f"\\text{{{c}}}" if c and not c.lstrip("-").isdigit() else c
                                for c in cells) + " \\\\")
    lines.append("\\end{array}$$")
    return "\n".join([*lines, *_roots(answer)])


def repr_svg(net: Layer) -> str | None:
    """The index picture of ``net`` as SVG, or ``None`` when it cannot or should not be drawn.

    The input is the shortest on which every feature map has a unit (the seed's picture for
    the seed's network).

    >>> import symrf
    >>> seed = symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.Conv(kernel=2))
    >>> repr_svg(seed).startswith("<?xml"), repr_svg(symrf.zoo.build("alexnet"))
    (True, None)
    """
    try:
        matplotlib_module()
        top = network(net)
        if top.free_symbols() or top.axes() > 1:
            return None
        found = index.levels(top, index.smallest_input(top))
        return svg_text(index.picture(found, f"{top.name or 'network'}: the input pixels "
                                             "each unit sees (from 0)"))
    except (SymrfError, NotImplementedError):  # too large, or a layer that cannot enumerate
        return None


FORMATTERS = {"text/html": repr_html, "text/latex": repr_latex, "image/svg+xml": repr_svg}
"""Each MIME type Jupyter shows, and the function that renders it."""

SHOWN = {"text/html": (Report, Row, Field, Answer), "text/latex": (Report, Row, Field, Answer),
         "image/svg+xml": (Layer,)}
"""The types each MIME type is registered for (a subclass finds its base's formatter)."""


def register(shell: Any = None) -> bool:
    """Register symrf's display functions with IPython ``shell`` (the running one by default).

    Returns whether a shell was there to register with; outside IPython it does nothing, and
    IPython is never imported here.

    >>> register()  # no IPython running
    False
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    for mime, function in FORMATTERS.items():
        for kind in SHOWN[mime]:
            formatters[mime].for_type(kind, function)
    return True


__all__ = ["FIGURES", "FORMATTERS", "cell", "register", "repr_html", "repr_latex", "repr_svg"]
