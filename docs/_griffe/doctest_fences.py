"""A Griffe extension for the API reference: make symrf's docstrings read well as Markdown.

symrf's docstrings carry runnable examples as bare ``>>>`` lines (pytest runs them with
``--doctest-modules``) and name other objects with Sphinx roles (``:func:`derive```).
Markdown would read ``>>>`` as a nested block quote and an output such as ``[11, 19, 51]``
as a link, and would print the roles verbatim. Before a docstring is rendered:

- every run of doctest lines (a ``>>>`` line up to the next blank line) is wrapped in a
  fenced ``pycon`` block (docstrings with a Google ``Examples:`` section are left to
  Griffe's own parser);
- a role with a full dotted target (``:class:`~symrf.engine.report.Report```) becomes a
  cross-reference, any other role (``:func:`derive```) inline code.

Loaded by mkdocs.yml (``plugins.mkdocstrings.handlers.python.options.extensions``); not part
of the package, and excluded from the built site.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLES_SECTION = re.compile(r"^\s*Examples?:\s*$", re.MULTILINE)
_PROMPT = re.compile(r"^(\s*)>>>")
_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def roles_to_markdown(text: str) -> str:
    """Turn Sphinx roles into autorefs links (full dotted targets) or inline code.

    >>> roles_to_markdown("see :func:`~symrf.maths.expressions.parse` and :class:`Field`")
    'see [`parse`][symrf.maths.expressions.parse] and `Field`'
    """

    def replace(match: re.Match[str]) -> str:
        short, target = match.group(1), match.group(2).lstrip(".")
        label = target.rsplit(".", 1)[-1] if short else target
        if target.startswith("symrf."):
            return f"[`{label}`][{target}]"
        return f"`{label}`"

    lines = text.split("\n")
    in_fence = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence:
            lines[index] = _ROLE.sub(replace, line)
    return "\n".join(lines)


def fence_doctests(text: str) -> str:
    r"""Wrap each bare doctest run in ``text`` in a ``pycon`` fence (idempotent).

    >>> fence_doctests("Intro.\n\n>>> 1 + 1\n2\n").splitlines()
    ['Intro.', '', '```pycon', '>>> 1 + 1', '2', '```']
    """
    if _EXAMPLES_SECTION.search(text):
        return text
    lines = text.split("\n")
    out: list[str] = []
    in_fence = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        prompt = None if in_fence else _PROMPT.match(line)
        if prompt is None:
            out.append(line)
            index += 1
            continue
        indent = prompt.group(1)
        out.append(f"{indent}```pycon")
        while index < len(lines) and lines[index].strip():
            out.append(lines[index])
            index += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples and convert the roles of every docstring Griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring before it is parsed and rendered."""
        if obj.docstring is not None:
            obj.docstring.value = roles_to_markdown(fence_doctests(obj.docstring.value))
