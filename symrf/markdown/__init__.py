r"""A Python-Markdown extension: ```` ```symrf ```` blocks rendered from symrf at build time.

A face, like ``symrf.cli``: it runs the command line's parser on a page's blocks, inside
the page sandbox (:mod:`symrf.markdown.sandbox`), and renders with the render floor.
``markdown_extensions: [symrf.markdown]`` names it in an mkdocs.yml.

A page shows symrf's output by asking for it instead of pasting it, so the output cannot go
stale. A block holds options (``key: value`` lines), then, after a line ``---``, an inline
TOML spec if it names no other network::

    ```symrf
    format: table
    zoo: alexnet
    input: 224
    ```

Options:

- ``format``: ``table`` (an HTML table, formulas as MathML), ``markdown``, ``latex`` or
  ``json`` (what ``symrf analyze --format`` prints), ``formulas`` (the closed forms as
  MathML), or ``figure:KIND`` (an inline SVG from :mod:`symrf.render.figures`: ``growth``,
  ``index``, ``field``, ``coverage``, ``period``). Default ``table``.
- the network: ``zoo: NAME`` (a built-in model), ``spec: PATH`` (a regular spec file under
  the extension's ``base_dir``, by default the current directory: where ``mkdocs build``
  runs), or an inline TOML spec after ``---``;
- ``input: 224`` (or ``224,160``, or ``n``), ``set: k=3, s=2`` and ``upto: ROW``, as the
  command line's ``--input``, ``--set`` and ``--upto``;
- ``command: symrf ...`` instead of all of these: the transcript of one ``symrf`` command,
  run in-process; ``status: 2`` when the command is meant to fail (the transcript then ends
  with its exit status). A page is untrusted input: the command runs only if the page
  sandbox (:mod:`symrf.markdown.sandbox`) allows it -- printing verbs, built-in models,
  shipped examples and regular files under ``base_dir``, never ``module:attr``.

A block that fails (an unknown option, a bad spec, a command with another exit status)
fails the build with one line naming the page and the block's line. In ``mkdocs.yml``::

    markdown_extensions:
      - symrf.markdown

With ``arithmatex: true`` the extension also converts ``pymdownx.arithmatex``'s math
(generic mode) to MathML, so a site needs no MathJax.

>>> import markdown
>>> page = markdown.markdown("```symrf\nformat: json\nzoo: dilated-stack\n```",
...                         extensions=["symrf.markdown"])
>>> page.startswith('<pre class="symrf"><code class="language-json">{')
True
"""

from __future__ import annotations

import difflib
import html
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from symrf import sources
from symrf.cli import read_settings, read_size
from symrf.engine import analyze
from symrf.errors import SymrfError
from symrf.markdown.sandbox import site_file
from symrf.markdown.transcript import transcript
from symrf.render import FORMATS
from symrf.render.figures import figure, svg_text
from symrf.render.html import to_formulas, to_html
from symrf.render.markdown import to_markdown
from symrf.render.mathml import arithmatex_to_mathml
from symrf.sources import zoo
from symrf.sources.spec import Spec, loads

try:  # under mkdocs, a BuildError ends the build with our message and no traceback
    from mkdocs.exceptions import BuildError as _BuildError
except ImportError:  # plain Python-Markdown
    _BuildError = Exception  # type: ignore[misc,assignment]  # the same base without mkdocs


class BlockError(SymrfError, ValueError, _BuildError):
    """A ```` ```symrf ```` block cannot be rendered; the message names the page and line."""

    def __str__(self) -> str:  # click's (mkdocs' base) would read an unset ``message``
        return str(self.args[0]) if self.args else ""


# No lazy quantifier next to optional blanks: such patterns backtrack quadratically on long
# runs of spaces (a page is untrusted input); values and info strings are stripped in code.
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$")
_OPTION = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?P<value>.*)$")
_COMMENT = re.compile(r"[ \t]#")
_NETWORK_KEYS = ("zoo", "spec")
_KEYS = ("format", "input", "set", "upto", *_NETWORK_KEYS, "command", "status")
_FIGURES = ("growth", "index", "field", "coverage", "period")


@dataclass(frozen=True, kw_only=True)
class Block:
    """One ```` ```symrf ```` block: its options, inline spec and where it stands."""

    line: int
    options: dict[str, str]
    body: str | None


@dataclass(frozen=True, kw_only=True)
class Site:
    """What blocks are rendered against: the directory paths are relative to."""

    base_dir: Path


def parse(lines: list[str], line: int) -> Block:
    """The options and inline spec of a block whose fence stands at ``line``.

    >>> parse(["format: table  # a comment", "set: k=3", "---", "[[layers]]"], 4)
    Block(line=4, options={'format': 'table', 'set': 'k=3'}, body='[[layers]]')
    """
    options: dict[str, str] = {}
    for number, text in enumerate(lines):
        if text.strip() == "---":
            return Block(line=line, options=options, body="\n".join(lines[number + 1 :]))
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        match = _OPTION.match(text.strip())
        if not match:
            raise SymrfError(f"line {line + number + 1}: {text.strip()!r} is not an option; "
                             "write 'key: value' lines, then '---' before an inline spec.")
        key, value = match.group("key"), _COMMENT.split(match.group("value"), 1)[0].strip()
        if key not in _KEYS:
            near = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise SymrfError(f"unknown option {key!r}; {hint}options: {', '.join(_KEYS)}.")
        if key in options:
            raise SymrfError(f"option {key!r} is given twice; give it once.")
        options[key] = value
    return Block(line=line, options=options, body=None)


def render(block: Block, site: Site) -> str:
    """The HTML of ``block``.

    >>> site = Site(base_dir=Path("."))
    >>> render(Block(line=1, options={"zoo": "alexnet", "format": "formulas"}, body=None),
    ...        site).startswith('<div class="symrf"><math')
    True
    """
    if "command" in block.options:
        return _command(block, site)
    if "status" in block.options:
        raise SymrfError("'status' goes with 'command'; a network block cannot fail on purpose.")
    kind = block.options.get("format", "table")
    if kind.startswith("figure:"):
        return _figure(block, site, kind.removeprefix("figure:"))
    if kind not in _RENDERERS:
        shown = ", ".join([*_RENDERERS, *(f"figure:{name}" for name in _FIGURES)])
        raise SymrfError(f"unknown format {kind!r}; formats: {shown}.")
    return _RENDERERS[kind](_report(block, site))


def _source(block: Block, site: Site) -> Any:
    """The ``Spec`` a block names, cut after ``upto`` and sized by ``input``."""
    given = [key for key in _NETWORK_KEYS if key in block.options]
    given += ["an inline spec after ---"] if block.body is not None else []
    if len(given) != 1:
        found = " and ".join(given) if given else "none"
        raise SymrfError(f"a block needs one network: 'zoo: NAME', 'spec: PATH' or an inline "
                         f"TOML spec after '---' (found {found}).")
    upto, size = block.options.get("upto"), read_size(block.options.get("input"))
    if "zoo" in block.options:
        name = block.options["zoo"]
        if name not in zoo.MODELS:
            raise SymrfError(f"zoo: {name!r} is not a built-in model; models: "
                             f"{', '.join(sorted(zoo.MODELS))}.")
        return sources.read(name, upto, size)
    if "spec" in block.options:
        return sources.read(str(site_file(site.base_dir, block.options["spec"], "spec:")),
                            upto, size)
    spec = loads(block.body or "", "toml", source="the inline spec")
    if upto is not None:
        spec = Spec(spec.name, sources.cut(spec.network, upto), spec.input_size)
    return spec


def _report(block: Block, site: Site) -> Any:

    spec = _source(block, site)
    size = read_size(block.options.get("input"))
    size = spec.input_size if size is None else size
    settings = [part for part in block.options.get("set", "").split(",") if part.strip()]
    return analyze(spec.network, input_size=size, values=read_settings(settings))


def _code(text: str, language: str) -> str:
    return (f'<pre class="symrf"><code class="language-{language}">{html.escape(text)}'
            "</code></pre>")


def _markdown_table(report: Any) -> str:
    import markdown


    return '<div class="symrf">' + markdown.markdown(to_markdown(report),
                                                     extensions=["tables"]) + "</div>"


def _html_table(report: Any) -> str:
    return f'<div class="symrf">{to_html(report)}</div>'


def _formulas(report: Any) -> str:
    return f'<div class="symrf">{to_formulas(report)}</div>'


def _text(language: str) -> Callable[[Any], str]:
    def rendered(report: Any) -> str:
        return _code(FORMATS[language](report), language)

    return rendered


_RENDERERS: dict[str, Callable[[Any], str]] = {
    "table": _html_table,
    "markdown": _markdown_table,
    "latex": _text("latex"),
    "json": _text("json"),
    "formulas": _formulas,
}
"""Renderers of a report by format name (``figure:KIND`` is handled apart)."""


def _figure(block: Block, site: Site, kind: str) -> str:
    if kind not in _FIGURES:
        raise SymrfError(f"unknown figure kind {kind!r}; kinds: {', '.join(_FIGURES)}.")
    spec = _source(block, site)
    size = read_size(block.options.get("input"))
    settings = [part for part in block.options.get("set", "").split(",") if part.strip()]
    drawing = figure(spec.network, kind, input_size=spec.input_size if size is None else size,
                     values=read_settings(settings))
    svg = svg_text(drawing)  # as `symrf figure` writes it: the same bytes every build
    return f'<div class="symrf symrf-figure">{svg[svg.index("<svg"):]}</div>'


def _command(block: Block, site: Site) -> str:
    """The transcript of a ``symrf`` command, run in-process from ``site.base_dir``."""
    extra = sorted(set(block.options) - {"command", "status"})
    if extra or block.body is not None:
        raise SymrfError(f"a command block takes only 'command' and 'status' "
                         f"(found {', '.join(extra) or 'an inline spec'}).")
    status = block.options.get("status", "0")
    if status not in ("0", "1", "2"):
        raise SymrfError(f"status: {status!r} is not an exit status of symrf (0, 1 or 2).")
    return _code(transcript(block.options["command"], site.base_dir, int(status)), "console")


class SourceLines(Preprocessor):
    """Record where each symrf block stands in the page as written, before snippets expand.

    Included files (``pymdownx.snippets``) shift the lines the block preprocessor sees; an
    error should name the line in the page's own file.
    """

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self.lines: list[int] = []

    def run(self, lines: list[str]) -> list[str]:
        """The lines unchanged; the symrf fences' line numbers recorded."""
        self.lines = [start + 1 for start, _, info in _fences(lines) if info == "symrf"]
        return lines


class SymrfPreprocessor(Preprocessor):
    """Replace each ```` ```symrf ```` block by its rendering; leave other fences alone."""

    def __init__(self, md: Markdown, site: Site, source: SourceLines) -> None:
        super().__init__(md)
        self.site = site
        self.source = source

    def run(self, lines: list[str]) -> list[str]:
        """The page's lines with every symrf block rendered and stashed."""
        blocks = [(start, end) for start, end, info in _fences(lines) if info == "symrf"]
        written = self.source.lines if len(self.source.lines) == len(blocks) else [
            start + 1 for start, _ in blocks]
        out: list[str] = []
        done = 0
        for (start, end), line in zip(blocks, written, strict=True):
            indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
            out += lines[done:start]
            if end == len(lines):
                self._fail(line, SymrfError("the block has no closing fence."))
            inner = [text.removeprefix(indent) for text in lines[start + 1 : end]]
            try:
                rendered = render(parse(inner, line), self.site)
            except SymrfError as error:
                self._fail(line, error)
            out += ["", indent + self.md.htmlStash.store(rendered), ""]
            done = end + 1
        return out + lines[done:]

    def _fail(self, line: int, error: SymrfError) -> NoReturn:
        page = _page(self.md)
        where = f"{page}:{line}" if page else f"line {line}"
        message = " ".join(str(error).split())
        raise BlockError(f"{where}: symrf block: {message}") from None


def _fences(lines: list[str]) -> Iterator[tuple[int, int, str]]:
    """Each fenced block: its opening and closing line indices and its info string.

    A block left open runs to the end (its closing index is ``len(lines)``).
    """
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening:
            end = _closing(lines, index, opening)
            yield index, end, opening.group("info").strip()
            index = end
        index += 1


def _closing(lines: list[str], start: int, opening: re.Match[str]) -> int:
    """The index of the fence closing the one at ``start`` (``len(lines)`` if none)."""
    fence = opening.group("fence")
    for index in range(start + 1, len(lines)):
        match = _FENCE.match(lines[index])
        if (match and not match.group("info").strip() and match.group("fence")[0] == fence[0]
                and len(match.group("fence")) >= len(fence)):
            return index
    return len(lines)


def _page(md: Markdown) -> str | None:
    """The page being built, under mkdocs (its path-rewriting step knows the file)."""
    if "relpath" not in md.treeprocessors:
        return None
    file = getattr(md.treeprocessors["relpath"], "file", None)
    return getattr(file, "src_uri", None)


class MathPostprocessor(Postprocessor):
    """Convert ``pymdownx.arithmatex`` math (generic mode) to MathML."""

    def run(self, text: str) -> str:
        """The page with its math as MathML."""
        try:
            return arithmatex_to_mathml(text)
        except SymrfError as error:
            page = _page(self.md)
            raise BlockError(f"{page or 'page'}: {error}") from None


class SymrfExtension(Extension):
    """Render ```` ```symrf ```` blocks (and, optionally, arithmatex math as MathML)."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "base_dir": ["", "the directory spec paths and commands are relative to"],
            "arithmatex": [False, "convert pymdownx.arithmatex math to MathML"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        """Register the block preprocessor (and the math postprocessor)."""
        base = Path(self.getConfig("base_dir") or os.getcwd()).resolve()
        source = SourceLines(md)
        md.preprocessors.register(source, "symrf-lines", 35)  # before snippets (32)
        # after snippets and whitespace normalisation (30), before fenced code (25)
        md.preprocessors.register(SymrfPreprocessor(md, Site(base_dir=base), source), "symrf", 29)
        if self.getConfig("arithmatex"):
            # after the raw-HTML stash is restored (30): it sees the final page
            md.postprocessors.register(MathPostprocessor(md), "symrf-math", 5)


def makeExtension(**kwargs: Any) -> SymrfExtension:
    """The extension, for ``markdown.markdown(text, extensions=["symrf.markdown"])``."""
    return SymrfExtension(**kwargs)
