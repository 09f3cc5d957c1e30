"""Jupyter display: the reprs say what the exporters say, and the example notebook runs.

``docs/examples/notebook.ipynb`` is committed without outputs and executed here with
nbclient in a fresh kernel: any error fails the test, and each cell must show the rich
output it is there for (an SVG picture, an HTML table).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy

import symrf
from symrf.render import notebook
from symrf.render.latex_text import math
from symrf.render.values import paper

NOTEBOOK = Path(__file__).parent.parent / "docs" / "examples" / "notebook.ipynb"
SEED = symrf.Sequential(symrf.Conv(kernel=3, stride=2, name="conv1"),
                        symrf.Conv(kernel=2, name="conv2"), name="seed")


def test_report_html_has_every_row_and_typesets_formulas():
    k, n = symrf.symbols("k n")
    report = symrf.derive(symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k), times=n),
                                           symrf.Conv(kernel=3, name="head")))
    page = report._repr_html_()
    assert page.count("<tr>") == 1 + len(report.layers)
    assert "<code>head</code>" in page
    assert f"${math(paper(report.rf))}$" in page


def test_numbers_stay_plain_and_bounds_show_their_relation():
    page = symrf.evaluate(SEED, input_size=5)._repr_html_()
    assert "<td>5</td>" in page and "$" not in page
    k, = symrf.symbols("k")
    bound = symrf.derive(symrf.Sequential(symrf.Conv(kernel=2),
                                          symrf.ConvTranspose(kernel=k, stride=2)))
    assert r"$\le " in bound._repr_html_()
    assert r"r &\le " in bound._repr_latex_()


def test_row_field_and_answer_display():
    row = symrf.evaluate(SEED, input_size=5).layers[1]
    assert "<code>conv2</code>" in row._repr_html_() and "<td>5</td>" in row._repr_html_()
    assert row._repr_latex_() == (r"$$\mathtt{conv2}\ (\text{conv}):\quad r = 5,\; j = 2,\; "
                                  r"\ell = 0,\; \rho = 4,\; c = 2,\; P = 0,\; n_{\text{out}} = 1$$")
    assert row.axes[0]._repr_latex_().startswith("$$r = 5,")
    k, n = symrf.symbols("k n")
    answer = symrf.solve(symrf.Repeat(symrf.Conv(kernel=k), times=n), "rf >= 100", "k",
                         values={"n": 4})
    assert "<td>26</td>" in answer._repr_html_()  # 4 convs of 26 taps see 101 pixels
    assert sympy.latex(answer.exact_value["k"][0]) in answer._repr_latex_()


def test_networks_show_their_index_picture_when_small_and_numeric():
    pytest.importorskip("matplotlib")
    assert SEED._repr_svg_().startswith("<?xml")
    k, = symrf.symbols("k")
    assert symrf.Conv(kernel=k)._repr_svg_() is None  # symbols: nothing to draw
    assert symrf.zoo.build("vgg16")._repr_svg_() is None  # too large to draw
    assert symrf.Conv(kernel=(3, 5))._repr_svg_() is None  # two axes


def test_no_picture_without_matplotlib(monkeypatch):
    from symrf.render.figures import canvas

    def missing():
        raise symrf.SpecError("symrf figures need matplotlib: pip install 'symrf[plot]'.")

    monkeypatch.setattr(canvas, "matplotlib_module", missing)
    assert notebook.repr_svg(SEED) is None


def test_the_committed_notebook_has_no_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


def test_the_example_notebook_runs():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    book = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    shown = {cell["id"]: {key for output in cell["outputs"] for key in output.get("data", {})}
             for cell in book.cells if cell["cell_type"] == "code"}
    sources = {cell["id"]: cell["source"] for cell in book.cells}
    for cell, kinds in shown.items():
        last = sources[cell].splitlines()[-1]
        wanted = {"seed": "image/svg+xml", "report": "text/html", "report.layers[0]": "text/html",
                  "symrf.derive(block)": "text/html", "answer": "text/html",
                  "answer.value": "text/plain"}.get(last, "image/svg+xml")
        assert wanted in kinds, (last, kinds)
