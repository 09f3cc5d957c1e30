"""A Markdown table, for READMEs and mkdocs pages: formulas as ``$...$`` math.

GitHub and mkdocs (``pymdownx.arithmatex``) render the math; ``formulas="code"`` prints
code spans instead, for renderers without math. The title line repeats the network's
value of every figure the table shows.

>>> import symrf
>>> print(to_markdown(symrf.evaluate(symrf.zoo.build("dilated-stack"))).splitlines()[2])
| layer | op | rf | jump | left | right | center | padding |
"""

from __future__ import annotations

import functools
import html
from typing import Any

import sympy

from symrf.engine.coverage import Coverage
from symrf.engine.report import Report
from symrf.errors import SymrfError
from symrf.render.latex_text import math, relation
from symrf.render.values import (
    MARKS_NOTE,
    answer_cells,
    answer_columns,
    chosen,
    marks_bounds,
    notes,
    one_axis,
    paper,
    roots,
    text,
    tie_note,
)
from symrf.solve import Answer


def _cell(item: Any) -> str:
    rendered = text(item).replace("|", "\\|")
    return rendered if rendered.lstrip("-").isdigit() else f"`{rendered}`"


_RELATIONS = {"=": "", "\\le": "≤ ", "\\ge": "≥ ", "\\approx": "≈ "}


def code(name: str) -> str:
    r"""``name`` as a code span that survives backticks and a table's ``|``.

    >>> print(code("a`b|c"))
    `` a`b\|c ``
    """
    name = name.replace("|", "\\|")
    return f"`` {name} ``" if "`" in name else f"`{name}`"


def figure(value: Any, name: str = "", exact: Any = True, *, formulas: str = "math") -> str:
    r"""One figure for Markdown: a plain number, or ``$...$`` math (a code span on request).

    A bound carries its relation (``≤ 11``); an unknown figure is ``-``.

    >>> import sympy
    >>> figure(3), figure(sympy.Symbol("n_in") + 1), figure(sympy.Symbol("k"), formulas="code")
    ('3', '$n_{\\text{in}} + 1$', '`k`')
    """
    prefix = _RELATIONS[relation(name, exact)]
    plain = text(value)
    if plain.lstrip("-").isdigit() or value is None:
        return prefix + plain
    if formulas == "code":
        return prefix + code(plain)
    return prefix + "$" + math(value).replace("|", "\\vert ") + "$"


@functools.singledispatch
def to_markdown(result: Any, **options: Any) -> str:
    """Render a result as Markdown."""
    raise TypeError(f"no Markdown rendering for {type(result).__name__}")


def plain(name: str) -> str:
    """A name as Markdown text: HTML and emphasis characters escaped (names are untrusted).

    >>> plain("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    escaped = html.escape(name, quote=False)
    return "".join(f"\\{char}" if char in "\\`*_[]|" else char for char in escaped)


@to_markdown.register
def _(report: Report, *, formulas: str = "math", columns: Any = None, assume: Any = None) -> str:
    """A report as a title line with the network's figures and a table of every layer.

    Args:
        report: The figures of a network.
        formulas: ``"math"`` (``$...$``, for GitHub and mkdocs) or ``"code"`` (code spans).
        columns: The figures to show, ``"rf,jump,padding"`` or a list.
        assume: Assumptions for the paper form (``symrf.paper.paper_form``).
    """
    if formulas not in {"math", "code"}:
        raise SymrfError(f"formulas {formulas!r}: expected 'math' ($...$) or 'code' "
                         "(code spans).")
    names = chosen(report, columns)

    def cell(row: Any, name: str) -> str:
        value = one_axis(paper(row.figure(name), assume))
        return figure(value, name, row.figure("exact"), formulas=formulas)

    output = report.layers[report.layers.output]
    title = ", ".join(f"{name} {cell(output, name)}" for name in names)
    lines = [
        f"**{plain(report.name)}**: {title}",
        "",
        "| " + " | ".join(("layer", "op", *names)) + " |",
        "|" + "---|" * (len(names) + 2),
    ]
    for row in report.layers:
        cells = [code(row.name), row.op, *(cell(row, n) for n in names)]
        lines.append("| " + " | ".join(cells) + " |")
    if marks_bounds(report, names):
        lines.append(f"\n*{MARKS_NOTE}.*")
    lines += [f"\n*Note: {note}.*" for note in notes(report)]
    return "\n".join(lines)


@to_markdown.register
def _(result: Coverage, **options: Any) -> str:
    lines = [
        f"**{plain(result.name)}**: coverage of a {result.input_size}-pixel input",
        "",
        "| layer | op | size | rf | covers input | unproductive | in padding | holes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result.rows:
        holes = "none" if row.hole_free else ", ".join(map(str, row.holes))
        lines.append(
            f"| `{row.name}` | {row.op} | {row.size} | {row.rf} | {text(row.covers_input)} | "
            f"{text(row.unproductive)} | {row.in_padding} | {holes} |"
        )
    return "\n".join(lines)


@to_markdown.register
def _(answer: Answer, **options: Any) -> str:
    names, shown = answer_columns(answer)
    searched = ", ".join(f"`{unknown}`" for unknown in answer.unknowns)
    title = (f"**solve** `{answer.target}` for {searched}: {answer.count} assignments "
             f"searched, {answer.feasible} meet the target")
    if answer.tied > len(answer.solutions):
        title += f" ({tie_note(answer)})"
    lines = [
        title,
        "",
        "| " + " | ".join([*names, *shown]) + " |",
        "|" + "---|" * (len(names) + len(shown)),
    ]
    for solution in answer.solutions:
        lines.append("| " + " | ".join(map(_cell, answer_cells(solution, names, shown))) + " |")
    for solution in answer.neighbours:
        cells = zip([*names, *shown], answer_cells(solution, names, shown), strict=True)
        lines.append("\n*Just failing:* " + ", ".join(f"{n} = {c}" for n, c in cells if c))
    for name, root, at_values in roots(answer):
        equal = "" if at_values == root else f" = {sympy.latex(at_values)}"
        lines.append(f"\nExact relaxed root: $${sympy.latex(sympy.Symbol(name))} = "
                     f"{sympy.latex(root)}{equal}$$")
    return "\n".join(lines)
