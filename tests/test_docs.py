"""Every ```pycon block in docs/**/*.md runs as a doctest and prints what the page shows.

One test per block, named by file and line (``docs/tutorial/receptive-fields.md:35``). A
block's examples share one namespace; blocks do not share anything, so each block imports
what it uses. Tests run from the repository root, so pages can name files such as
``docs/examples/repeat.toml``. ```console blocks are shell transcripts and are not run.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```pycon[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
"""A fenced ``pycon`` block, possibly indented (inside an admonition or a list)."""


_FRAMEWORKS = ("torch", "onnx")
"""Optional frameworks some pages use: their blocks skip where the framework is missing."""


def _blocks() -> list:
    blocks = []
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        # A page that imports a framework anywhere builds on it in every block.
        missing = [package for package in _FRAMEWORKS if re.search(
            rf"\b(import|from) {package}", text) and importlib.util.find_spec(package) is None]
        marks = [pytest.mark.skip(reason=f"needs {missing[0]}")] if missing else []
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            name = f"{path.relative_to(ROOT).as_posix()}:{line}"
            body = textwrap.dedent(match.group("body"))
            blocks.append(pytest.param(path, line, body, id=name, marks=marks))
    return blocks


BLOCKS = _blocks()


def test_the_docs_have_examples() -> None:
    assert BLOCKS, "no ```pycon blocks found under docs/; is the fence pattern wrong?"


@pytest.mark.parametrize(("path", "line", "body"), BLOCKS)
def test_pycon_block(path: Path, line: int, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    name = f"{path.relative_to(ROOT).as_posix()}:{line}"
    # ``line`` is the fence's line, so doctest reports example lines as the page numbers them.
    test = doctest.DocTestParser().get_doctest(body, {}, name, str(path), line)
    assert test.examples, f"{name}: a ```pycon block without any >>> example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    report: list[str] = []
    failed, _ = runner.run(test, out=report.append, clear_globs=True)
    assert failed == 0, f"{name}: {failed} example(s) differ from the page\n" + "".join(report)
