"""Laws of the Markdown output: the title shows what the table shows, math or code spans."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import symrf
from symrf.errors import SymrfError
from symrf.render.markdown import to_markdown

k, = symrf.symbols("k")


def header(text: str) -> list[str]:
    return next(line for line in text.splitlines() if line.startswith("| layer"))[2:-2].split(" | ")


def title_figures(text: str) -> list[str]:
    title = text.splitlines()[0].split(": ", 1)[1]
    return re.findall(r"(?:^|, )([a-z_]+) ", title)


@pytest.mark.parametrize("name", ["alexnet", "tcn", "resnet18", "dilated-stack"])
def test_title_shows_every_figure_the_table_shows(name):
    text = to_markdown(symrf.evaluate(symrf.zoo.build(name)))
    assert title_figures(text) == header(text)[2:]


def test_title_values_are_the_output_rows():
    text = to_markdown(symrf.evaluate(symrf.zoo.build("dilated-stack")))
    assert text.splitlines()[0] == ("**dilated-stack**: rf 31, jump 1, left -15, right 15, "
                                    "center 0, padding 15")


def test_columns_choose_the_figures_of_table_and_title():
    text = to_markdown(symrf.evaluate(symrf.zoo.build("alexnet")), columns="rf,jump")
    assert header(text) == ["layer", "op", "rf", "jump"]
    assert title_figures(text) == ["rf", "jump"]


def test_formulas_are_math_by_default_and_code_spans_on_request():
    report = symrf.derive(symrf.Repeat(symrf.Conv(kernel=k), times=2))
    assert "| $2 k - 1$ |" in to_markdown(report)
    assert "| `2*k - 1` |" in to_markdown(report, formulas="code")
    with pytest.raises(SymrfError, match="expected 'math'"):
        to_markdown(report, formulas="latex")


def test_bounds_carry_their_relation():
    net = symrf.Sequential(symrf.Conv(kernel=k, stride=2), symrf.ConvTranspose(kernel=3, stride=2))
    text = to_markdown(symrf.derive(net))
    assert "≤ $k + 2$" in text and "≥ 0" in text and "None" not in text


@given(st.text(st.sampled_from("ab`|\\_*"), min_size=1, max_size=8))
def test_any_layer_name_keeps_the_table_shape(name):
    text = to_markdown(symrf.evaluate(symrf.Sequential(symrf.Conv(kernel=3, name=name))))
    row = text.splitlines()[-1]
    assert len(re.findall(r"(?<!\\)\|", row)) == len(header(text)) + 1
