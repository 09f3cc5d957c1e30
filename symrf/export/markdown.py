"""A Markdown table, for READMEs and mkdocs pages.

>>> import symrf
>>> print(to_markdown(symrf.evaluate(symrf.zoo.build("dilated-stack"))).splitlines()[2])
| layer | op | rf | jump | left | right | center | padding |
"""

from __future__ import annotations

import functools
from typing import Any

import sympy

from symrf.coverage import Coverage
from symrf.export.values import answer_cells, answer_columns, columns, notes, roots, text, tie_note
from symrf.report import Report
from symrf.solve import Answer


def _cell(item: Any) -> str:
    rendered = text(item).replace("|", "\\|")
    return rendered if rendered.lstrip("-").isdigit() else f"`{rendered}`"


@functools.singledispatch
def to_markdown(result: Any) -> str:
    """Render a result as Markdown."""
    raise TypeError(f"no Markdown rendering for {type(result).__name__}")


@to_markdown.register
def _(report: Report) -> str:
    names = columns(report)
    lines = [
        (
            f"**{report.name}**: rf {_cell(report.rf)}, jump {_cell(report.jump)}, "
            f"padding {_cell(report.padding)}"
        ),
        "",
        "| " + " | ".join(("layer", "op", *names)) + " |",
        "|" + "---|" * (len(names) + 2),
    ]
    for row in report.layers:
        cells = [f"`{row.name}`", row.op, *(_cell(row.figure(n)) for n in names)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [f"\n*Note: {note}.*" for note in notes(report)]
    return "\n".join(lines)


@to_markdown.register
def _(result: Coverage) -> str:
    lines = [
        f"**{result.name}**: coverage of a {result.input_size}-pixel input",
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
def _(answer: Answer) -> str:
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
