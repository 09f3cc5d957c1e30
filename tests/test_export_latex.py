"""Laws of the LaTeX output: escaping, bounds, notes, symbol names, layouts and options."""

from __future__ import annotations

import re

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import symrf
from symrf.errors import SymrfError
from symrf.render import render
from symrf.render.latex import COLUMN, to_latex
from symrf.render.latex_layout import fits, lines, name_long, tex
from symrf.render.latex_text import escape, symbol_tex, unescape
from symrf.render.latex_width import width

k, s = symrf.symbols("k s")


def bounded() -> symrf.Report:
    """A symbolic network whose figures after the transposed convolution are bounds."""
    return symrf.derive(symrf.Sequential(symrf.Conv(kernel=k, stride=2),
                                         symrf.ConvTranspose(kernel=3, stride=2),
                                         symrf.Conv(kernel=3)))


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126)))
def test_escaping_round_trips_and_leaves_no_bare_special_character(name):
    escaped = escape(name)
    assert unescape(escaped) == name
    assert unescape(escape(name, breakable=True)) == name
    bare = re.sub(r"\\[A-Za-z]+\{\}|\\[&%#$_{}]|\{\}|\{\\ttfamily\\char34\}", "", escaped)
    assert not set(bare) & set("&%#^~{}\\_$")


@pytest.mark.parametrize("layout", ["table", "formulas"])
def test_bounds_print_with_relations_and_never_none(layout):
    text = to_latex(bounded(), layout=layout)
    assert "None" not in text
    assert r"\le" in text and r"\ge" in text
    assert r"\text{--}" in text  # the period of a bound is not known
    assert "proven bounds" in text


def test_exact_figures_print_with_equals_only():
    text = to_latex(symrf.derive(symrf.Conv(kernel=k)), layout="formulas")
    assert r"\le" not in text and r"\ge" not in text and "r &= k" in text


def test_notes_are_visible_text_not_comments():
    text = to_latex(symrf.evaluate(symrf.zoo.build("tcn")))
    visible = [line for line in text.splitlines() if not line.startswith("%")]
    assert any("not aligned" in line for line in visible)


def test_input_length_prints_like_output_length():
    net = symrf.Conv(kernel=3, stride=2, padding="same")
    text = to_latex(symrf.derive(net, input_size=symrf.symbols("n_in")[0]), layout="formulas")
    assert r"n_{\text{in}}" in text and "n_{in}" not in text
    assert r"n_{\text{out}}" in text


def test_symbol_names_print_words_upright_and_letters_in_italic():
    assert symbol_tex("n_in_0") == r"n_{\text{in},0}"
    assert symbol_tex("k_2") == "k_{2}"
    assert symbol_tex("d_first") == r"d_{\text{first}}"


def test_numeric_networks_get_a_booktabs_float_with_caption_label_and_legend():
    text = to_latex(symrf.evaluate(symrf.zoo.build("alexnet")))
    for part in (r"\begin{table", r"\toprule", r"\midrule", r"\bottomrule", r"\caption{",
                 r"\label{tab:rf-alexnet}", "$r$: receptive field", "$j$: jump"):
        assert part in text


def test_caption_label_and_columns_are_options():
    report = symrf.evaluate(symrf.zoo.build("alexnet"))
    text = to_latex(report, caption="Fields of AlexNet.", label="tab:alex",
                    columns="rf,jump,padding")
    assert r"\caption{Fields of AlexNet.}" in text and r"\label{tab:alex}" in text
    header = next(line for line in text.splitlines() if line.startswith("Layer &"))
    assert header == r"Layer & Op & $r$ & $j$ & $P$ \\"
    assert r"\ell" not in text.split(r"\bottomrule")[0]


@pytest.mark.parametrize(("options", "message"), [
    ({"columns": "rf,stride"}, "unknown figure 'stride'"),
    ({"label": "tab:a b"}, "a LaTeX label takes"),
    ({"layout": "grid"}, "expected one of table, formulas"),
])
def test_bad_options_are_errors_that_say_what_is_expected(options, message):
    with pytest.raises(SymrfError, match=message):
        to_latex(symrf.evaluate(symrf.zoo.build("alexnet")), **options)


def test_cells_use_tfrac():
    text = to_latex(symrf.evaluate(symrf.Sequential(symrf.MaxPool(kernel=2))), layout="table")
    assert r"\tfrac{1}{2}" in text and r"\frac{" not in text


def test_formulas_label_each_layer_equation():
    text = to_latex(symrf.derive(symrf.Sequential(symrf.Conv(kernel=k), symrf.Conv(kernel=k))),
                    label="eq:chain")
    assert r"\label{eq:chain-1}" in text and r"\label{eq:chain-2}" in text


def chain(count: int) -> list[sympy.Expr]:
    ks = symrf.symbols(" ".join(f"k_{i}" for i in range(count)))
    net = symrf.Sequential(*(symrf.Conv(kernel=kernel, stride=s) for kernel in ks))
    return [symrf.derive(net).rf]


def test_long_formulas_break_into_lines_that_fit_and_join_to_the_formula():
    value = sympy.expand(chain(8)[0])
    found = lines(value, 150.0)
    assert len(found) > 1 and all(width(line) <= 150.0 for line in found)
    joined = " ".join(line.removeprefix(r"\quad ") for line in found)
    assert joined.split() == tex(value).split()


def test_named_subexpressions_substitute_back_to_the_values():
    n = sympy.Symbol("n_in")
    inner = sympy.floor(sympy.Max(0, n - 2 * sympy.ceiling(n / 2) + 1) / 2)
    values = [7 * inner + sympy.floor((n + inner) / 3), inner + 1]
    named, where = name_long(values, 80.0)
    assert where
    for symbol, body in reversed(where):
        named = [v.xreplace({symbol: body}) for v in named]
    assert named == values
    assert all(fits(body, 80.0, breakable=True) for _, body in where)


def test_formulas_fit_a_column_by_estimate():
    text = to_latex(symrf.derive(symrf.zoo.build("resnet_v1_50")), layout="formulas")
    for line in text.splitlines():
        if "&" in line and not line.startswith(("%", r"\noindent", "{")):
            assert width(line.removesuffix(r" \\")) <= COLUMN


def test_options_apply_only_to_the_formats_that_take_them():
    report = symrf.evaluate(symrf.zoo.build("alexnet"))
    assert render(report, "latex", caption="AlexNet.", layout=None).count(r"\caption{") == 1
    with pytest.raises(SymrfError, match="--caption does not apply to --format json"):
        render(report, "json", caption="AlexNet.")


def test_tables_too_wide_for_a_column_span_both():
    report = symrf.evaluate(symrf.zoo.build("inception_v3"))
    assert to_latex(report).startswith("% needs \\usepackage{booktabs,amsmath}\n\\begin{table*}")
    narrow = to_latex(report, columns="rf,jump")
    assert "\\begin{table}" in narrow and "\\begin{table*}" not in narrow
