"""Jupyter display: the reprs say what the exporters say, and the example notebook runs.

``docs/examples/notebook.ipynb`` is committed without outputs and executed here with
nbclient in a fresh kernel: any error fails the test, and each cell must show the rich
output it is there for (an SVG picture, an HTML table).
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
import sympy

import symrf
from symrf.render import notebook
from symrf.render.latex_text import math
from symrf.render.values import paper

NOTEBOOK = Path(__file__).parent.parent / "docs" / "examples" / "notebook.ipynb"
FORMATTER = pytest.importorskip("IPython.core.formatters").DisplayFormatter()
notebook.register(types.SimpleNamespace(display_formatter=FORMATTER))
"""A display formatter as a Jupyter kernel has one, with symrf's formatters registered."""


def shown(value: object, mime: str) -> str | None:
    """What Jupyter shows of ``value`` as ``mime`` (None: it falls back to the text)."""
    data, _ = FORMATTER.format(value, include=[mime])
    return data.get(mime)


def html(value: object) -> str | None:
    return shown(value, "text/html")


def latex(value: object) -> str | None:
    return shown(value, "text/latex")


def svg(value: object) -> str | None:
    return shown(value, "image/svg+xml")


SEED = symrf.Sequential(symrf.Conv(kernel=3, stride=2, name="conv1"),
                        symrf.Conv(kernel=2, name="conv2"), name="seed")


def test_report_html_has_every_row_and_typesets_formulas():
    k, n = symrf.symbols("k n")
    report = symrf.derive(symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k), times=n),
                                           symrf.Conv(kernel=3, name="head")))
    page = html(report)
    assert page.count("<tr>") == 1 + len(report.layers)
    assert "<code>head</code>" in page
    assert f"${math(paper(report.rf))}$" in page


def test_numbers_stay_plain_and_bounds_show_their_relation():
    page = html(symrf.evaluate(SEED, input_size=5))
    assert "<td>5</td>" in page and "$" not in page
    k, = symrf.symbols("k")
    bound = symrf.derive(symrf.Sequential(symrf.Conv(kernel=2),
                                          symrf.ConvTranspose(kernel=k, stride=2)))
    assert r"$\le " in html(bound)
    assert r"r &\le " in latex(bound)


def test_row_field_and_answer_display():
    row = symrf.evaluate(SEED, input_size=5).layers[1]
    assert "<code>conv2</code>" in html(row) and "<td>5</td>" in html(row)
    assert latex(row) == (r"$$\mathtt{conv2}\ (\text{conv}):\quad r = 5,\; j = 2,\; "
                                  r"\ell = 0,\; \rho = 4,\; c = 2,\; P = 0,\; n_{\text{out}} = 1$$")
    assert latex(row.axes[0]).startswith("$$r = 5,")
    k, n = symrf.symbols("k n")
    answer = symrf.solve(symrf.Repeat(symrf.Conv(kernel=k), times=n), "rf >= 100", "k",
                         values={"n": 4})
    assert "<td>26</td>" in html(answer)  # 4 convs of 26 taps see 101 pixels
    assert sympy.latex(answer.exact_value["k"][0]) in latex(answer)


def test_networks_show_their_index_picture_when_small_and_numeric():
    pytest.importorskip("matplotlib")
    assert svg(SEED).startswith("<?xml")
    k, = symrf.symbols("k")
    assert svg(symrf.Conv(kernel=k)) is None  # symbols: nothing to draw
    assert svg(symrf.zoo.build("vgg16")) is None  # too large to draw
    assert svg(symrf.Conv(kernel=(3, 5))) is None  # two axes


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


def test_load_ext_registers_the_display_in_a_shell_that_had_none():
    formatters = pytest.importorskip("IPython.core.formatters")
    fresh = formatters.DisplayFormatter()
    report = symrf.evaluate(SEED, input_size=5)
    assert "text/html" not in fresh.format(report)[0]
    symrf.load_ipython_extension(types.SimpleNamespace(display_formatter=fresh))
    assert fresh.format(report)[0]["text/html"] == notebook.repr_html(report)
