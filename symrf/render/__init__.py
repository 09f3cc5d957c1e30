"""Output formats, one module each: text table, JSON, Markdown and LaTeX.

The render floor (this package) owns every output: these formats, the ERF's formats, MathML,
figures (:mod:`symrf.render.figures`) and Jupyter display (:mod:`symrf.render.notebook`). It
may import every floor below the faces.

Each format is a ``functools.singledispatch`` function over result types
(:class:`~symrf.engine.report.Report` today), so a new result type registers its own rendering in
each format without touching the others. :data:`FORMATS` maps format names to renderers
that return text; :func:`render` passes a report's options (columns, layout, caption, ...)
to the format that takes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symrf.errors import SymrfError
from symrf.render.json import to_json_text
from symrf.render.latex import to_latex
from symrf.render.markdown import to_markdown
from symrf.render.table import to_table

FORMATS: dict[str, Callable[..., str]] = {
    "table": to_table,
    "json": to_json_text,
    "markdown": to_markdown,
    "latex": to_latex,
}
"""Renderers by format name, as the command line's ``--format`` takes them.

Reports take keyword options: ``columns=`` and ``assume=`` (table, Markdown, LaTeX),
``formulas=`` (Markdown: ``"math"`` or ``"code"``), ``layout=``, ``caption=`` and
``label=`` (LaTeX)."""

OPTIONS: dict[str, frozenset[str]] = {
    "table": frozenset({"columns", "assume"}),
    "json": frozenset(),
    "markdown": frozenset({"columns", "assume", "formulas"}),
    "latex": frozenset({"columns", "assume", "layout", "caption", "label"}),
}
"""The keyword options each format's report renderer takes (``--NAME`` on the command line)."""


def render(result: Any, format: str, **options: Any) -> str:
    """``result`` in ``format``, with the options given (``None`` means not given).

    The command line's ``analyze`` passes its ``--columns``, ``--layout``, ``--caption``,
    ``--label``, ``--formulas`` and ``--assume`` here; an option the format does not take is
    an error that names the formats that do.

    >>> import symrf
    >>> print(render(symrf.evaluate(symrf.Conv(kernel=3)), "markdown", columns="rf"))
    **network**: rf 3
    <BLANKLINE>
    | layer | op | rf |
    |---|---|---|
    | `conv_0` | conv | 3 |
    """
    given = {name: value for name, value in options.items() if value is not None}
    for name in given:
        if name not in OPTIONS[format]:
            takes = [kind for kind, names in OPTIONS.items() if name in names]
            raise SymrfError(f"--{name} does not apply to --format {format}; it applies to "
                             f"--format {' and '.join(takes) or 'none'}.")
    return FORMATS[format](result, **given)
