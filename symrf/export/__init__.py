"""Output formats, one module each: text table, JSON, Markdown and LaTeX.

Each format is a ``functools.singledispatch`` function over result types
(:class:`~symrf.report.Report` today), so a new result type registers its own rendering in
each format without touching the others. :data:`FORMATS` maps format names to renderers
that return text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symrf.export.json import to_json_text
from symrf.export.latex import to_latex
from symrf.export.markdown import to_markdown
from symrf.export.table import to_table

FORMATS: dict[str, Callable[[Any], str]] = {
    "table": to_table,
    "json": to_json_text,
    "markdown": to_markdown,
    "latex": to_latex,
}
"""Renderers by format name, as the command line's ``--format`` takes them."""
