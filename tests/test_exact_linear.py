"""The exact engine's tables: equal to the engine they replace, linear in the depth.

:class:`symrf.engine.exact.Tables` computes every row's position-dependent figures in one
forward pass. The engine it replaced (:mod:`oracle_exact`: each row's phases propagated
back to the input) stays the reference: on random resampling chains, ``Parallel`` chains and
graphs, every row must agree with it, figure for figure (and with the brute-force oracle,
which ``tests/test_oracle_graph.py`` checks). Deep networks that the old engine refused
(an upsampling followed by 1,000 convolutions; ``coverage`` of 1,000 layers) give their
exact figures, checked against closed forms.
"""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import symrf
from symrf.cli import main
from symrf.engine import exact as engine
from symrf.engine.coverage import coverage
from symrf.engine.exact import Tables
from symrf.engine.report import network

import oracle_exact
import oracle_graph
from strategies_graph import chains, graphs, input_multiple, parallel_chains


def fast(count: int) -> settings:
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def upto(top: symrf.Sequential | symrf.Graph, index: int) -> symrf.Layer:
    if isinstance(top, symrf.Graph):
        return top.upto(top.nodes[index].name)
    return symrf.Sequential(*top.layers[: index + 1])


def agree(net: object, size: int | None) -> None:
    """Every row of the tables equals the old engine's field for that row's prefix."""
    top = network(net)
    try:
        tables = Tables(top, size)
    except symrf.NetworkError:
        assume(False)  # the input does not fit the network (the oracle tests cover it)
    rows = len(top.nodes) if isinstance(top, symrf.Graph) else len(top.layers)
    for index in range(rows):
        got = tables.field(index)
        try:
            want = oracle_exact.reference_field(upto(top, index), size, got.size)
        except symrf.TooLargeError:  # the old engine's limits, not the tables'
            continue
        assert got == want, (index, got, want)


@st.composite
def sized_chains(draw):
    net = draw(chains())
    smallest = oracle_graph.smallest_input(net)
    assume(smallest is not None)
    return net, smallest + draw(st.integers(0, 6))


@st.composite
def sized_branching(draw, strategy):
    net = draw(strategy)
    return net, input_multiple(net) * draw(st.integers(1, 3))


@fast(300)
@given(sized_chains())
def test_tables_equal_the_old_engine_on_resampling_chains(case):
    agree(*case)


@fast(150)
@given(sized_branching(parallel_chains()))
def test_tables_equal_the_old_engine_on_parallel_chains(case):
    agree(*case)


@fast(150)
@given(sized_branching(graphs()))
def test_tables_equal_the_old_engine_on_graphs(case):
    agree(*case)


@fast(100)
@given(chains())
def test_tables_equal_the_old_engine_without_an_input_size(net):
    agree(net, None)


# -- linear in the depth ------------------------------------------------------------------


def test_an_upsampling_then_1000_convolutions_is_exact():
    net = symrf.Sequential(symrf.Upsample(factor=2),
                           *[symrf.Conv(kernel=3, padding=1)] * 1000)
    report = symrf.evaluate(net, input_size=64)
    # unit x reads upsampled units x-1000 .. x+1000, that is inputs floor((x-1000)/2) ..
    # floor((x+1000)/2): 1001 pixels for every x, moving by one every two units
    assert (report.rf, report.rf_min, report.jump, report.period) == (1001, 1001,
                                                                      Fraction(1, 2), 2)
    assert (report.left, report.right, report.size) == (-500, 500, 128)
    assert [row.rf for row in report.layers[:4]] == [1, 2, 3, 4]  # n convolutions: n + 1
    assert report.layers[-1].rf == 1001


def test_a_decoder_of_1000_linear_upsamplings_and_convolutions_agrees_on_its_prefix():
    block = [symrf.Upsample(factor=2, mode="linear"), symrf.Conv(kernel=3, stride=2, padding=1)]
    net = symrf.Sequential(*block * 500)
    report = symrf.evaluate(net, input_size=16)
    prefix = symrf.Sequential(*block * 3)
    want = oracle_graph.row_figures(prefix, 16)
    for row, field in zip(report.layers[:6], want, strict=True):
        assert (row.rf, row.rf_min, row.jump, row.period) == (
            field.rf, field.rf_min, field.jump, field.period), row.name
    # upsampling then striding by the same factor does not multiply the phases
    assert Tables(net, 16).plan.nodes[-1].phases == 1


def test_coverage_of_1000_dilated_layers_lists_the_holes():
    net = symrf.Sequential(*[symrf.Conv(kernel=2, dilation=2, padding=1)] * 1000)
    found = coverage(net, 4000)
    last = found.rows[-1]
    # unit 0 reads -1000 .. 1000 in steps of 2: every odd offset is a hole
    assert (last.rf, last.in_padding, last.covers_input) == (2001, 1000, False)
    assert last.holes == tuple(range(1, 2000, 2))
    assert found.rows[0].holes == (1,)


# -- the budgets, counted before the work ---------------------------------------------------


def test_the_table_budget_is_checked_before_the_work(monkeypatch):
    monkeypatch.setattr(engine, "MAX_TABLE_READS", 1000)
    net = symrf.Sequential(symrf.Upsample(factor=4), *[symrf.Conv(kernel=3)] * 100)
    with pytest.raises(symrf.TooLargeError, match=(
            r"the exact position-dependent figures need about 1204 unit reads \(the phases "
            r"of each of the network's 101 layers times its taps\), more than symrf makes "
            r"\(1000\). Use symrf.derive\(\) for labelled bounds.")):
        symrf.evaluate(net)


def test_past_the_path_budget_rf_min_path_is_unknown_and_the_rest_exact(monkeypatch):
    block = symrf.Parallel([], [symrf.Conv(kernel=3, padding=1)])
    net = symrf.Sequential(symrf.Upsample(factor=2), block, block, block)
    full = Tables(net, 8).field(3)
    monkeypatch.setattr(engine, "MAX_PATH_READS", 10)
    cut = Tables(net, 8).field(3)
    assert full.rf_min_path == 1 and cut.rf_min_path is None
    assert dataclasses.replace(cut, rf_min_path=1) == full


def test_upsampling_striding_upsampling_keeps_few_phases():
    net = symrf.Sequential(symrf.Upsample(factor=128), symrf.Conv(kernel=3, stride=128),
                           symrf.Upsample(factor=256))
    report = symrf.evaluate(net, input_size=2)  # 128 * 256 phases by the old count
    want = oracle_graph.figures(net, 2)
    assert (report.rf, report.rf_min, report.period, report.jump) == (
        want.rf, want.rf_min, want.period, want.jump)


def test_too_many_phases_is_refused_before_the_work():
    net = symrf.Sequential(symrf.Upsample(factor=128), symrf.Upsample(factor=256))
    with pytest.raises(symrf.TooLargeError, match=(
            r"position-dependent receptive fields repeat only every 32768 units or more "
            r"\(at layers\[1\] \(upsample_1\), from the upsampling factors before it\); "
            r"symrf enumerates at most 16384 phases")):
        symrf.evaluate(net)


# -- the command line shows the formulas' bounds where exact figures are refused -------------


def test_the_cli_prints_labelled_bounds_where_exact_figures_are_refused(tmp_path, capsys):
    spec = tmp_path / "deep.json"
    spec.write_text('{"layers": [{"op": "upsample", "factor": 128}, '
                    '{"op": "upsample", "factor": 256}, {"op": "conv", "kernel": 3}]}')
    assert main(["analyze", str(spec), "--input", "4"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[:2] == [
        "deep: rf ≤ 2, jump 1/32768, padding ≤ 0, size 131070",
        "layer       op        rf   rf_min  jump     left  right  center  padding  period  size",
    ]
    assert out.splitlines()[-4] == (
        "conv_2      conv      ≤ 2  ≥ 0     1/32768  ≥ 0   ≤ 0    ≈ 0     ≤ 0      -       131070")
    assert "note: ≤ and ≥ mark proven bounds; ≈ the centre of the bounding interval" in out
    assert out.splitlines()[-1] == (
        "note: exact figures refused: position-dependent receptive fields repeat only every "
        "32768 units or more (at layers[1] (upsample_1), from the upsampling factors before "
        "it); symrf enumerates at most 16384 phases. These are the formulas' bounds.")
    assert "derive()" not in out and err == ""
    assert main(["analyze", str(spec), "--input", "4", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["rf"], data["rf_min"], data["period"], data["exact"]) == (2, 0, None, False)


def test_the_cli_keeps_exact_figures_where_the_tables_fit(tmp_path, capsys):
    spec = tmp_path / "decoder.json"
    spec.write_text('{"layers": [{"op": "upsample", "factor": 2}, {"op": "conv", "kernel": 2}]}')
    assert main(["analyze", str(spec), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert (data["rf"], data["rf_min"], data["period"], data["exact"], err) == (2, 1, 2, True, "")
