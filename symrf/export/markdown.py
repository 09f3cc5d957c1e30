"""A Markdown table, for READMEs and mkdocs pages.

>>> import symrf
>>> print(to_markdown(symrf.evaluate(symrf.zoo.build("dilated-stack"))).splitlines()[2])
| layer | op | rf | jump | left | right | center | padding |
"""

from __future__ import annotations

import functools
from typing import Any

from symrf.coverage import Coverage
from symrf.export.values import columns, notes, text
from symrf.report import Report


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
