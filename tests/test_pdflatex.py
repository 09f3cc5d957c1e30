"""Every LaTeX output of the zoo and of docs/examples compiles, without overfull boxes.

Two more networks join them: one whose figures are bounds, and one with formulas on one
axis and numbers on the other.

All outputs of one layout go into one document per class (a one-column and a two-column
``article``), so the whole file runs pdflatex a few times. Each output is preceded by a
``\\typeout`` marker, so a failure names the output that caused it. Skipped when
``pdflatex`` is not installed (CI installs Debian's texlive-latex-base and
texlive-latex-recommended).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symrf
from symrf.engine import analyze
from symrf.render.latex import MARGIN, to_latex
from symrf.render.latex_layout import tex
from symrf.render.latex_text import unescape
from symrf.render.latex_width import width
from symrf.render.values import columns, paper
from symrf.sources import read
from symrf.sources.zoo import MODELS

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")

EXAMPLES = sorted((Path(__file__).parent.parent / "docs" / "examples").glob("*.[tj][os][mo]*"))
CLASSES = {"onecolumn": r"\documentclass{article}",
           "twocolumn": r"\documentclass[twocolumn]{article}"}


@functools.cache
def reports() -> dict[str, symrf.Report]:
    """The zoo's models and the docs' examples, analysed as the command line does."""
    found = {name: analyze(symrf.zoo.build(name)) for name in MODELS}
    for path in EXAMPLES:
        spec = read(str(path), None, None)
        found[path.name] = analyze(spec.network, input_size=spec.input_size)
    k, s, n = symrf.symbols("k s n")
    found["bounds"] = symrf.derive(symrf.Sequential(  # bounds, an unknown period
        symrf.Conv(kernel=k, stride=2), symrf.ConvTranspose(kernel=3, stride=2)))
    found["per-axis"] = symrf.derive(symrf.Sequential(  # formulas on one axis, numbers on one
        symrf.Conv(kernel=(k, 3), stride=(s, 2)),
        symrf.Repeat(symrf.Conv(kernel=(k, 5), stride=(s, 1)), times=n)))
    return found


@functools.cache
def outputs(layout: str) -> dict[str, str]:
    """Every output in one layout (symbolic tables name their long cells)."""
    return {name: to_latex(report, layout=layout, label=f"eq:{name}")
            for name, report in reports().items()}


def numeric(report: symrf.Report) -> bool:
    """Whether every figure a table shows is a number (so a table is the paper's layout)."""
    cells = [row.figure(name) for row in report.layers for name in columns(report)]
    return all(not isinstance(v, sympy.Basic) or v.is_Number
               for cell in cells for v in (cell if isinstance(cell, tuple) else (cell,)))


def compile_document(body: list[tuple[str, str]], preamble: str, tmp: Path) -> str:
    """Compile the outputs in one document; the log (``compile`` fails the test on errors)."""
    parts = [preamble, r"\usepackage{amsmath,booktabs}", r"\begin{document}"]
    for name, text in body:
        parts += [rf"\typeout{{SYMRF-OUTPUT {name}}}", text, r"\clearpage"]
    parts.append(r"\end{document}")
    (tmp / "doc.tex").write_text("\n".join(parts))
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp, capture_output=True, text=True, timeout=600)  # a hang guard
    log = (tmp / "doc.log").read_text(errors="replace")
    assert done.returncode == 0, _around(log, "\n!")
    return log


def overfull(log: str) -> list[str]:
    """``output: Overfull \\hbox (12.3pt too wide)`` for each overfull box, by output."""
    found, current = [], "?"
    for line in log.splitlines():
        if line.startswith("SYMRF-OUTPUT "):
            current = line.removeprefix("SYMRF-OUTPUT ")
        elif "Overfull \\hbox" in line:
            found.append(f"{current}: {line}")
    return found


def _around(log: str, needle: str) -> str:
    at = log.find(needle)
    start = log.rfind("SYMRF-OUTPUT", 0, at)
    return log[start: at + 600] if at >= 0 else log[-2000:]


@pytest.mark.parametrize("layout", ["table", "formulas"])
@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_every_output_compiles_without_overfull_boxes(layout, kind, tmp_path):
    body = sorted(outputs(layout).items())
    assert len(body) == len(MODELS) + len(EXAMPLES) + 2
    log = compile_document(body, CLASSES[kind], tmp_path)
    assert overfull(log) == []


def test_symbolic_networks_default_to_formulas_and_numeric_ones_to_tables():
    for name, report in reports().items():
        text = to_latex(report)
        assert ("\\begin{table" in text) == numeric(report), name
        assert ("\\begin{aligned}" in text) != numeric(report), name


# Names with LaTeX's special characters, and the rest of printable ASCII.
NAMES = st.text(st.sampled_from("&%#^~{}\\_$<>|\"'`-ab1 "), min_size=1, max_size=12)


@settings(max_examples=3, deadline=None)
@given(names=st.lists(NAMES, min_size=8, max_size=8, unique=True))
def test_any_names_compile_and_print_as_given(names, tmp_path_factory):
    net = symrf.Sequential(*(symrf.Conv(kernel=3, name=name) for name in names), name=names[0])
    text = to_latex(symrf.evaluate(net), layout="table")
    cells = re.findall(r"^\\texttt\{(.*?)\} & ", text, re.MULTILINE)
    assert [unescape(cell) for cell in cells] == names
    compile_document([("names", text)], CLASSES["onecolumn"], tmp_path_factory.mktemp("tex"))


def test_width_estimates_keep_within_the_margin_the_layouts_allow(tmp_path):
    pieces = sorted({tex(paper(value)) for report in reports().values() for row in report.layers
                     for name in columns(report)
                     for value in _entries(row.figure(name)) if isinstance(value, sympy.Basic)
                     and not value.is_Number and len(tex(paper(value))) < 400})
    assert len(pieces) > 50
    lines = [rf"\sbox0{{$\displaystyle {piece}$}}\typeout{{WIDTH {index} \the\wd0}}"
             for index, piece in enumerate(pieces)]
    log = compile_document([("widths", "\n".join(lines))], CLASSES["onecolumn"], tmp_path)
    measured = {int(i): float(w) for i, w in re.findall(r"WIDTH (\d+) ([\d.]+)pt", log)}
    assert len(measured) == len(pieces)
    short = [(pieces[i], width(pieces[i]), real) for i, real in measured.items()
             if width(pieces[i]) < MARGIN * real]
    assert short == []


def _entries(value):
    return value if isinstance(value, tuple) else (value,)
