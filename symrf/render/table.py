"""A plain-text table for terminals.

Formulas too wide for a column are numbered in the table and printed in full below it.

>>> import symrf
>>> print(to_table(symrf.evaluate(symrf.zoo.build("dilated-stack"))))
dilated-stack: rf 31, jump 1, padding 15
layer     op    rf  jump  left  right  center  padding
--------  ----  --  ----  ----  -----  ------  -------
dilated1  conv  3   1     -1    1      0       1
dilated2  conv  7   1     -3    3      0       3
dilated4  conv  15  1     -7    7      0       7
dilated8  conv  31  1     -15   15     0       15
"""

from __future__ import annotations

import functools
from typing import Any

from symrf.engine.coverage import Coverage
from symrf.engine.report import Report, Row
from symrf.render.latex_text import relation
from symrf.render.values import (
    MARKS_NOTE,
    answer_cells,
    answer_columns,
    approximately,
    chosen,
    marks_bounds,
    notes,
    paper,
    roots,
    text,
    tie_note,
)
from symrf.solve import Answer

_WIDEST = 24
"""Longer cells (formulas) are printed below the table, keyed by a number in the cell."""

_MARKS = {"=": "", "\\le": "≤ ", "\\ge": "≥ ", "\\approx": "≈ "}
"""How a cell shows that its value is a proven bound (see :data:`latex_text.BOUNDS`)."""


@functools.singledispatch
def to_table(result: Any, **options: Any) -> str:
    """Render a result as a text table."""
    raise TypeError(f"no table rendering for {type(result).__name__}")


@to_table.register
def _(report: Report, *, columns: Any = None, assume: Any = None) -> str:
    """A report as a text table; ``columns`` picks the figures (``"rf,jump,padding"``)."""
    names = chosen(report, columns)
    header = ["layer", "op", *names]
    formulas: list[str] = []

    def cell(row: Row, name: str) -> str:
        rendered = text(paper(row.figure(name), assume))
        mark = _MARKS[relation(name, row.figure("exact"))]
        if len(rendered) <= _WIDEST:
            return mark + rendered
        formulas.append(f"[{len(formulas) + 1}] {row.name}.{name} {mark or '= '}{rendered}")
        return f"{mark}[{len(formulas)}]"

    body = [[row.name, row.op, *(cell(row, n) for n in names)] for row in report.layers]
    shown = [name for name in ("rf", "jump", "padding", "size")
             if name != "size" or report.size_known]
    exact = report.figure("exact")
    title = f"{report.name}: " + ", ".join(
        f"{name} {_MARKS[relation(name, exact)]}{text(paper(report.figure(name), assume))}"
        for name in shown)
    rows = [title, *grid(header, body), *formulas]
    if marks_bounds(report, names):
        rows.append(f"note: {MARKS_NOTE}")
    rows += [f"note: {note}" for note in notes(report)]
    return "\n".join(rows)


@to_table.register
def _(result: Coverage, **options: Any) -> str:
    header = ["layer", "op", "size", "rf", "covers", "unproductive", "in padding", "holes"]
    body = [
        [row.name, row.op, str(row.size), str(row.rf), text(row.covers_input),
         text(row.unproductive), f"{row.in_padding} ({float(row.padding_fraction):.0%})",
         "none" if row.hole_free else f"{len(row.holes)}"]
        for row in result.rows
    ]
    title = f"{result.name}: coverage of a {result.input_size}-pixel input"
    return "\n".join([title, *grid(header, body)])


@to_table.register
def _(answer: Answer, **options: Any) -> str:
    names, shown = answer_columns(answer)
    searched = ", ".join(map(str, answer.unknowns))
    lines = [(
        f"solve {answer.target} for {searched}: {answer.count} assignments searched "
        f"({answer.method}), {answer.feasible} meet the target"
    )]
    if answer.values:
        lines.append("given: " + ", ".join(f"{k} = {v}" for k, v in answer.values.items()))
    if answer.minimize is not None:
        lines.append(f"cheapest under cost = {answer.minimize}")
    if answer.tied > len(answer.solutions):
        lines.append(tie_note(answer))
    body = [answer_cells(solution, names, shown) for solution in answer.solutions]
    lines += grid([*names, *shown], body)
    if answer.neighbours:
        lines.append("just failing:")
        lines += grid([*names, *shown], [answer_cells(s, names, shown)
                                         for s in answer.neighbours])[2:]
    for name, root, value in roots(answer):
        shown_value = "" if value == root else f" = {value}"
        lines.append(f"exact relaxed root: {name} = {root}{shown_value}"
                     f"{approximately(value)}")
    return "\n".join(lines)


def grid(header: list[str], body: list[list[str]]) -> list[str]:
    """Lines of a left-aligned text grid: the header, a rule, then one line per row."""
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * width for width in widths]), *map(line, body)]
